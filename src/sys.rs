//! Small, safe wrappers over the libc calls the lookup layer needs: socket addresses as C
//! structures and an owned descriptor. (No name resolution here, ever.)

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

/// A descriptor closed on drop.
pub struct Fd(pub libc::c_int);

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor; it is closed exactly once.
        unsafe { libc::close(self.0) };
    }
}

/// A C socket address big enough for IPv4 and IPv6.
#[repr(C)]
#[derive(Clone, Copy)]
pub union RawSockAddr {
    pub v4: libc::sockaddr_in,
    pub v6: libc::sockaddr_in6,
}

impl RawSockAddr {
    /// The C form of `addr` (IPv6 scope id included) and its length.
    pub fn new(addr: &SocketAddr) -> (RawSockAddr, libc::socklen_t) {
        match addr {
            SocketAddr::V4(a) => {
                // SAFETY: sockaddr_in is plain old data; all-zero is a valid value.
                let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_port = a.port().to_be();
                sin.sin_addr.s_addr = u32::from_ne_bytes(a.ip().octets());
                (
                    RawSockAddr { v4: sin },
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            }
            SocketAddr::V6(a) => {
                // SAFETY: sockaddr_in6 is plain old data; all-zero is a valid value.
                let mut sin6: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_port = a.port().to_be();
                sin6.sin6_addr.s6_addr = a.ip().octets();
                sin6.sin6_scope_id = a.scope_id();
                sin6.sin6_flowinfo = a.flowinfo();
                (
                    RawSockAddr { v6: sin6 },
                    std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                )
            }
        }
    }

    /// All-zero storage for the kernel to fill.
    pub fn zeroed() -> RawSockAddr {
        // SAFETY: both union members are plain old data; all-zero is valid for each.
        unsafe { std::mem::zeroed() }
    }

    /// Back to a Rust address; `None` for other families.
    pub fn to_socket_addr(&self) -> Option<SocketAddr> {
        // SAFETY: the family field sits at the same offset in both members and every member
        // is initialised (zeroed or written whole), so reading it and then the matching
        // member is sound.
        unsafe {
            match self.v4.sin_family as libc::c_int {
                libc::AF_INET => {
                    let ip = Ipv4Addr::from(self.v4.sin_addr.s_addr.to_ne_bytes());
                    Some(SocketAddr::new(
                        IpAddr::V4(ip),
                        u16::from_be(self.v4.sin_port),
                    ))
                }
                libc::AF_INET6 => Some(SocketAddr::V6(SocketAddrV6::new(
                    Ipv6Addr::from(self.v6.sin6_addr.s6_addr),
                    u16::from_be(self.v6.sin6_port),
                    self.v6.sin6_flowinfo,
                    self.v6.sin6_scope_id,
                ))),
                _ => None,
            }
        }
    }
}

/// `socket` + `connect` of a UDP socket to `dest` (no packet is sent), then `getsockname`: the
/// source address the kernel would use to reach `dest`, or `None` if it is unreachable.
pub fn route_source(dest: &SocketAddr) -> Option<SocketAddr> {
    let family = if dest.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain socket(2) call; the result is checked and owned by Fd.
    let fd = unsafe {
        libc::socket(
            family,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            libc::IPPROTO_UDP,
        )
    };
    if fd < 0 {
        return None;
    }
    let fd = Fd(fd);
    let (sa, len) = RawSockAddr::new(dest);
    // SAFETY: `sa` is a valid sockaddr of `len` bytes that outlives the call.
    if unsafe { libc::connect(fd.0, (&sa as *const RawSockAddr).cast(), len) } != 0 {
        return None;
    }
    let mut out = RawSockAddr::zeroed();
    let mut olen = std::mem::size_of::<RawSockAddr>() as libc::socklen_t;
    // SAFETY: `out` is writable storage of `olen` bytes; the kernel writes at most that much.
    if unsafe { libc::getsockname(fd.0, (&mut out as *mut RawSockAddr).cast(), &mut olen) } != 0 {
        return None;
    }
    out.to_socket_addr()
}

/// The calling thread's `errno`.
pub fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}
