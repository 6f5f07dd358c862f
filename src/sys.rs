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

/// Source addresses for a list of destinations (address sorting) on one socket, the way
/// glibc's `getaddrinfo` gets them (`sysdeps/posix/getaddrinfo.c`, `rfc3484_sort` and
/// `try_connect`): one UDP socket, connected to each destination in turn with an `AF_UNSPEC`
/// connect in between (which makes the kernel pick the source afresh). An IPv6 socket takes
/// IPv4 destinations too, routed as IPv4; where IPv6 sockets refuse them (`EAFNOSUPPORT`,
/// IPv6-only sockets) an IPv4 socket is opened instead. The answers are those of
/// [`route_source`] for each destination (IPv4 sources come back as IPv4 addresses), for one
/// `socket`/`close` pair per list instead of one per address (musl's way): several
/// microseconds each on common kernels.
pub struct RouteProbe {
    fd: Option<Fd>,
    family: libc::c_int,
    /// Open an IPv6 socket first (the list has IPv6 destinations).
    v6_first: bool,
}

impl RouteProbe {
    /// A probe for a list of destinations; `ipv6` says whether any is IPv6 (then one IPv6
    /// socket serves them all). Nothing is opened until the first [`RouteProbe::source`].
    pub fn new(ipv6: bool) -> RouteProbe {
        RouteProbe {
            fd: None,
            family: libc::AF_UNSPEC,
            v6_first: ipv6,
        }
    }

    fn open(&mut self, family: libc::c_int) -> bool {
        self.fd = None;
        // SAFETY: plain socket(2) call; the result is checked and owned by Fd.
        let fd = unsafe {
            libc::socket(
                family,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                libc::IPPROTO_UDP,
            )
        };
        if fd < 0 {
            return false;
        }
        self.fd = Some(Fd(fd));
        self.family = family;
        true
    }

    /// [`route_source`] of `dest`.
    pub fn source(&mut self, dest: &SocketAddr) -> Option<SocketAddr> {
        let want = if dest.is_ipv4() {
            libc::AF_INET
        } else {
            libc::AF_INET6
        };
        match &self.fd {
            // An IPv4 socket cannot reach an IPv6 destination: a new socket.
            Some(_) if self.family == libc::AF_INET && want == libc::AF_INET6 => {
                if !self.open(want) {
                    return None;
                }
            }
            Some(fd) => {
                // SAFETY: an all-zero sockaddr with family AF_UNSPEC dissolves the socket's
                // association (connect(2)); its result does not matter.
                unsafe {
                    let mut sa: libc::sockaddr = std::mem::zeroed();
                    sa.sa_family = libc::AF_UNSPEC as libc::sa_family_t;
                    libc::connect(
                        fd.0,
                        &sa,
                        std::mem::size_of::<libc::sockaddr>() as libc::socklen_t,
                    );
                }
            }
            None => {
                let first = if self.v6_first { libc::AF_INET6 } else { want };
                if !self.open(first) && (first == want || !self.open(want)) {
                    return None;
                }
            }
        }
        loop {
            let fd = self.fd.as_ref()?.0;
            let (sa, len) = RawSockAddr::new(dest);
            // SAFETY: `sa` is a valid sockaddr of `len` bytes that outlives the call.
            if unsafe { libc::connect(fd, (&sa as *const RawSockAddr).cast(), len) } != 0 {
                if errno() == libc::EAFNOSUPPORT
                    && self.family == libc::AF_INET6
                    && want == libc::AF_INET
                    && self.open(libc::AF_INET)
                {
                    continue;
                }
                return None;
            }
            let mut out = RawSockAddr::zeroed();
            let mut olen = std::mem::size_of::<RawSockAddr>() as libc::socklen_t;
            // SAFETY: `out` is writable storage of `olen` bytes; the kernel writes at most that.
            if unsafe { libc::getsockname(fd, (&mut out as *mut RawSockAddr).cast(), &mut olen) }
                != 0
            {
                return None;
            }
            return match out.to_socket_addr()? {
                SocketAddr::V6(s) if want == libc::AF_INET => s
                    .ip()
                    .to_ipv4_mapped()
                    .map(|ip| SocketAddr::new(IpAddr::V4(ip), s.port())),
                s => Some(s),
            };
        }
    }
}

/// The calling thread's `errno`.
pub fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_probe_agrees_with_route_source() {
        let dests: Vec<SocketAddr> = [
            "127.0.0.1:65535",
            "[::1]:65535",
            "10.0.0.1:65535",
            "[2001:db8::1]:65535",
            "127.0.0.9:53",
            "[fe80::1%1]:65535",
            "192.0.2.7:65535",
            "[::ffff:127.0.0.1]:65535",
            "[::]:65535",
            "0.0.0.0:0",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        // Every order that matters: IPv4 first, IPv6 first, alternating, one family only.
        let orders: Vec<Vec<SocketAddr>> = vec![
            dests.clone(),
            dests.iter().rev().copied().collect(),
            dests.iter().filter(|d| d.is_ipv4()).copied().collect(),
            dests.iter().filter(|d| d.is_ipv6()).copied().collect(),
        ];
        for list in &orders {
            for v6_first in [false, true] {
                let mut probe = RouteProbe::new(v6_first);
                for d in list {
                    let want = route_source(d).map(|s| s.ip());
                    assert_eq!(probe.source(d).map(|s| s.ip()), want, "{d} ({v6_first})");
                }
            }
        }
    }
}
