//! The interface information glibc's `getaddrinfo` reads over rtnetlink (its `__check_pf` and
//! `__check_native`, `sysdeps/unix/sysv/linux/check_pf.c`): which address families have a
//! non-loopback address (`AI_ADDRCONFIG`), and, for address sorting, every local address with
//! its prefix length, interface index and flags, and the type of each interface.
//!
//! One `RTM_GETADDR` (or `RTM_GETLINK`) dump on a fresh `NETLINK_ROUTE` socket per call
//! ([`crate::sys::netlink`]), as glibc does when its cache is stale: no state is kept, nothing
//! is done at load time. Here the messages are read.

use crate::sys::netlink::{dump, Dump, ALIGN};
use crate::sys::{AF_INET, AF_INET6};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// glibc `in6ai_deprecated`: the address is deprecated or optimistic.
pub const DEPRECATED: u8 = 1;
/// glibc `in6ai_homeaddress`: a Mobile IPv6 home address.
pub const HOMEADDRESS: u8 = 2;

/// `ifa_flags` bits (linux/if_addr.h).
const IFA_F_OPTIMISTIC: u8 = 0x04;
const IFA_F_HOMEADDRESS: u8 = 0x10;
const IFA_F_DEPRECATED: u8 = 0x20;
/// rtattr types of RTM_NEWADDR (linux/if_addr.h).
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
/// ARPHRD types of tunnels (linux/if_arp.h): not "native" transport (RFC 3484 rule 7).
const ARPHRD_TUNNEL: u16 = 768;
const ARPHRD_TUNNEL6: u16 = 769;
const ARPHRD_SIT: u16 = 776;

/// One local address (glibc `struct in6addrinfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddr {
    /// IPv4 addresses as `::ffff:a.b.c.d`, as glibc stores them.
    pub addr: Ipv6Addr,
    pub prefixlen: u8,
    pub index: u32,
    /// [`DEPRECATED`] | [`HOMEADDRESS`].
    pub flags: u8,
}

/// What `__check_pf` reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interfaces {
    /// An IPv4 address other than 127.0.0.1 is configured.
    pub seen_ipv4: bool,
    /// An IPv6 address other than ::1 is configured.
    pub seen_ipv6: bool,
    /// Every local address, sorted by address; empty unless `seen_ipv6` (glibc keeps the list
    /// only then).
    pub addrs: Vec<LocalAddr>,
}

impl Interfaces {
    /// The entry for `addr` (glibc's `bsearch` on the sorted list).
    pub fn find(&self, addr: &Ipv6Addr) -> Option<&LocalAddr> {
        self.addrs
            .binary_search_by(|a| a.addr.octets().cmp(&addr.octets()))
            .ok()
            .map(|i| &self.addrs[i])
    }
}

/// `__check_pf`. `None` when netlink cannot be used (glibc then assumes both families).
pub(crate) fn check_pf() -> Option<Interfaces> {
    let mut out = Interfaces::default();
    let mut all = Vec::new();
    dump(Dump::Addresses, |body| {
        if body.len() < 8 {
            return;
        }
        let family = i32::from(body[0]);
        if family != AF_INET && family != AF_INET6 {
            return;
        }
        let (prefixlen, ifa_flags) = (body[1], body[2]);
        let index = u32::from_ne_bytes([body[4], body[5], body[6], body[7]]);
        let mut local = None;
        let mut address = None;
        for (t, data) in attrs(&body[8..]) {
            match t {
                IFA_LOCAL => local = Some(data),
                IFA_ADDRESS => {
                    address = Some(data);
                    break;
                }
                _ => {}
            }
        }
        let Some(data) = address.or(local) else {
            return;
        };
        let addr = match (family, data.len()) {
            (AF_INET, 4..) => {
                let a = Ipv4Addr::new(data[0], data[1], data[2], data[3]);
                if a != Ipv4Addr::LOCALHOST {
                    out.seen_ipv4 = true;
                }
                a.to_ipv6_mapped()
            }
            (AF_INET6, 16..) => {
                let mut o = [0u8; 16];
                o.copy_from_slice(&data[..16]);
                let a = Ipv6Addr::from(o);
                if a != Ipv6Addr::LOCALHOST {
                    out.seen_ipv6 = true;
                }
                a
            }
            _ => return,
        };
        let mut flags = 0;
        if ifa_flags & (IFA_F_DEPRECATED | IFA_F_OPTIMISTIC) != 0 {
            flags |= DEPRECATED;
        }
        if ifa_flags & IFA_F_HOMEADDRESS != 0 {
            flags |= HOMEADDRESS;
        }
        all.push(LocalAddr {
            addr,
            prefixlen,
            index,
            flags,
        });
    })?;
    if out.seen_ipv6 {
        all.sort_by_key(|a| a.addr.octets());
        out.addrs = all;
    }
    Some(out)
}

/// `__check_native`: whether interface `index` is not a tunnel. Unknown interfaces (and
/// netlink failures) are not native, as in glibc.
pub(crate) fn native_interfaces() -> Vec<(u32, bool)> {
    let mut out = Vec::new();
    let _ = dump(Dump::Links, |body| {
        if body.len() < 8 {
            return;
        }
        let ty = u16::from_ne_bytes([body[2], body[3]]);
        let index = u32::from_ne_bytes([body[4], body[5], body[6], body[7]]);
        out.push((
            index,
            ty != ARPHRD_TUNNEL && ty != ARPHRD_TUNNEL6 && ty != ARPHRD_SIT,
        ));
    });
    out
}

/// The (type, data) attributes in `buf` (rtattr list; `RTA_ALIGNTO` is `NLMSG_ALIGNTO`).
fn attrs(mut buf: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if buf.len() < 4 {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([buf[0], buf[1]]));
        let ty = u16::from_ne_bytes([buf[2], buf[3]]);
        if len < 4 || len > buf.len() {
            return None;
        }
        let data = &buf[4..len];
        buf = &buf[len.next_multiple_of(ALIGN).min(buf.len())..];
        Some((ty, data))
    })
}

/// The interface address `addr` would be reported as: IPv4 mapped, IPv6 as is.
pub(crate) fn as_in6(addr: &IpAddr) -> Ipv6Addr {
    match addr {
        IpAddr::V4(a) => a.to_ipv6_mapped(),
        IpAddr::V6(a) => *a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_walk() {
        // Two attributes: type 2 with 4 bytes, type 1 with 5 bytes (padded to 8).
        let mut b = vec![8, 0, 2, 0, 10, 0, 0, 1];
        b.extend([9, 0, 1, 0, 1, 2, 3, 4, 5, 0, 0, 0]);
        let v: Vec<_> = attrs(&b).collect();
        assert_eq!(v, [(2, &[10, 0, 0, 1][..]), (1, &[1, 2, 3, 4, 5][..])]);
        // Truncated attribute: the walk stops.
        assert_eq!(attrs(&[8, 0, 1, 0, 1]).count(), 0);
    }

    #[test]
    fn reads_this_machine() {
        // Whatever the machine has, the dump works and the list is sorted when kept.
        let i = check_pf().expect("rtnetlink dump");
        assert!(i.addrs.windows(2).all(|w| w[0].addr <= w[1].addr));
        assert!(i.addrs.is_empty() || i.seen_ipv6);
        if let Some(first) = i.addrs.first() {
            assert_eq!(i.find(&first.addr), Some(first));
        }
        assert!(!native_interfaces().is_empty());
    }
}
