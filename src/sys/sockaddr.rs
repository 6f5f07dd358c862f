//! Socket addresses as C structures: what `connect`, `getsockname` and `recvfrom` take, and
//! what `abi` lays into a `getaddrinfo` result.

use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

/// A C socket address big enough for IPv4 and IPv6.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) union RawSockAddr {
    pub(crate) v4: libc::sockaddr_in,
    pub(crate) v6: libc::sockaddr_in6,
}

impl RawSockAddr {
    /// The C form of `addr` (IPv6 scope id included) and its length.
    pub(crate) fn new(addr: &SocketAddr) -> (RawSockAddr, libc::socklen_t) {
        match addr {
            SocketAddr::V4(a) => {
                // SAFETY: sockaddr_in is plain old data; all-zero is a valid value.
                let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_port = a.port().to_be();
                sin.sin_addr.s_addr = u32::from_ne_bytes(a.ip().octets());
                (
                    RawSockAddr { v4: sin },
                    size_of::<libc::sockaddr_in>() as libc::socklen_t,
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
                    size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                )
            }
        }
    }

    /// All-zero storage for the kernel to fill.
    pub(crate) fn zeroed() -> RawSockAddr {
        // SAFETY: both union members are plain old data; all-zero is valid for each.
        unsafe { std::mem::zeroed() }
    }

    /// For the kernel to read.
    pub(crate) fn as_ptr(&self) -> *const libc::sockaddr {
        (self as *const RawSockAddr).cast()
    }

    /// For the kernel to fill.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        (self as *mut RawSockAddr).cast()
    }

    /// Back to a Rust address, `len` being the length the kernel reported; `None` for other
    /// families or short lengths.
    pub(crate) fn to_socket_addr(self, len: libc::socklen_t) -> Option<SocketAddr> {
        let len = len as usize;
        // SAFETY: the family field sits at the same offset in both members and every member
        // is initialised (zeroed or written whole), so reading it and then the matching
        // member is sound.
        unsafe {
            match self.v4.sin_family as libc::c_int {
                libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
                    let ip = Ipv4Addr::from(self.v4.sin_addr.s_addr.to_ne_bytes());
                    Some(SocketAddr::new(
                        IpAddr::V4(ip),
                        u16::from_be(self.v4.sin_port),
                    ))
                }
                libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
                    Some(SocketAddr::V6(SocketAddrV6::new(
                        Ipv6Addr::from(self.v6.sin6_addr.s6_addr),
                        u16::from_be(self.v6.sin6_port),
                        self.v6.sin6_flowinfo,
                        self.v6.sin6_scope_id,
                    )))
                }
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_roundtrip() {
        for s in ["192.0.2.1:53", "[2001:db8::1]:5353", "[fe80::1%3]:53"] {
            let a: SocketAddr = s.parse().unwrap();
            let (sa, len) = RawSockAddr::new(&a);
            assert_eq!(sa.to_socket_addr(len), Some(a));
            // A length shorter than the family's structure is no address.
            assert_eq!(sa.to_socket_addr(len - 1), None);
        }
    }
}
