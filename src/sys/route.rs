//! Route probes: the source address the kernel would use for a destination, from a connected
//! UDP socket (no packet is sent). Address sorting of both libcs and musl's `AI_ADDRCONFIG`.

use super::fd::{connect, disconnect, family, local_addr, socket, Fd};
use std::net::{IpAddr, SocketAddr};

/// `socket` + `connect` of a UDP socket to `dest` (no packet is sent), then `getsockname`: the
/// source address the kernel would use to reach `dest`, or `None` if it is unreachable.
pub(crate) fn route_source(dest: &SocketAddr) -> Option<SocketAddr> {
    let fd = socket(family(dest), libc::SOCK_DGRAM, libc::IPPROTO_UDP).ok()?;
    connect(&fd, dest).ok()?;
    local_addr(&fd)
}

/// Source addresses for a list of destinations (address sorting) on one socket, the way
/// glibc's `getaddrinfo` gets them (`sysdeps/posix/getaddrinfo.c`, `rfc3484_sort` and
/// `try_connect`): one UDP socket, connected to each destination in turn with an `AF_UNSPEC`
/// connect in between when the previous one succeeded (which makes the kernel pick the source
/// afresh; a failed connect leaves the socket unconnected). An IPv6 socket takes
/// IPv4 destinations too, routed as IPv4; where IPv6 sockets refuse them (`EAFNOSUPPORT`,
/// IPv6-only sockets) an IPv4 socket is opened instead. The answers are those of
/// [`route_source`] for each destination (IPv4 sources come back as IPv4 addresses), for one
/// `socket`/`close` pair per list instead of one per address (musl's way): several
/// microseconds each on common kernels.
pub(crate) struct RouteProbe {
    fd: Option<Fd>,
    family: i32,
    /// Open an IPv6 socket first (the list has IPv6 destinations).
    v6_first: bool,
    /// The socket's last connect succeeded: it must be dissolved before the next.
    connected: bool,
}

impl RouteProbe {
    /// A probe for a list of destinations; `ipv6` says whether any is IPv6 (then one IPv6
    /// socket serves them all). Nothing is opened until the first [`RouteProbe::source`].
    pub(crate) fn new(ipv6: bool) -> RouteProbe {
        RouteProbe {
            fd: None,
            family: libc::AF_UNSPEC,
            v6_first: ipv6,
            connected: false,
        }
    }

    fn open(&mut self, family: i32) -> bool {
        self.fd = None;
        let Ok(fd) = socket(family, libc::SOCK_DGRAM, libc::IPPROTO_UDP) else {
            return false;
        };
        self.fd = Some(fd);
        self.family = family;
        self.connected = false;
        true
    }

    /// [`route_source`] of `dest`.
    pub(crate) fn source(&mut self, dest: &SocketAddr) -> Option<SocketAddr> {
        let want = family(dest);
        match &self.fd {
            // An IPv4 socket cannot reach an IPv6 destination: a new socket.
            Some(_) if self.family == libc::AF_INET && want == libc::AF_INET6 => {
                if !self.open(want) {
                    return None;
                }
            }
            Some(fd) if self.connected => {
                disconnect(fd);
                self.connected = false;
            }
            Some(_) => {}
            None => {
                let first = if self.v6_first { libc::AF_INET6 } else { want };
                if !self.open(first) && (first == want || !self.open(want)) {
                    return None;
                }
            }
        }
        loop {
            let fd = self.fd.as_ref()?;
            if let Err(e) = connect(fd, dest) {
                if e == libc::EAFNOSUPPORT
                    && self.family == libc::AF_INET6
                    && want == libc::AF_INET
                    && self.open(libc::AF_INET)
                {
                    continue;
                }
                return None;
            }
            self.connected = true;
            return match local_addr(fd)? {
                SocketAddr::V6(s) if want == libc::AF_INET => s
                    .ip()
                    .to_ipv4_mapped()
                    .map(|ip| SocketAddr::new(IpAddr::V4(ip), s.port())),
                s => Some(s),
            };
        }
    }
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
