//! resolv.conf's `sortlist` (glibc's `addrsort` in `nss_dns/dns-host.c`): the IPv4 answers of
//! `gethostbyname` ordered by the networks the list names. glibc's rule, honoured in the musl
//! build too.

use std::net::{IpAddr, Ipv4Addr};

/// Addresses glibc's `addrsort` orders by `sortlist` (nss_dns `MAX_NR_ADDRS`); the rest keep
/// their place.
pub(crate) const SORTLIST_MAX_ADDRS: usize = 48;

/// `addrs` ordered by `sortlist` (resolv.conf's (network, mask) pairs; IPv6 ones are never
/// used): nothing unless every address is IPv4 and the list has an IPv4 entry.
pub(crate) fn apply(sortlist: &[(IpAddr, IpAddr)], addrs: &mut [IpAddr]) {
    let list: Vec<(Ipv4Addr, Ipv4Addr)> = sortlist
        .iter()
        .filter_map(|e| match e {
            (IpAddr::V4(a), IpAddr::V4(m)) => Some((*a, *m)),
            _ => None,
        })
        .collect();
    if list.is_empty() {
        return;
    }
    let mut v4: Vec<Ipv4Addr> = addrs
        .iter()
        .filter_map(|a| match a {
            IpAddr::V4(v) => Some(*v),
            IpAddr::V6(_) => None,
        })
        .collect();
    if v4.len() == addrs.len() {
        addrsort(&mut v4, &list);
        for (dst, a) in addrs.iter_mut().zip(v4) {
            *dst = IpAddr::V4(a);
        }
    }
}

/// glibc's `addrsort` (nss_dns): each of the first [`SORTLIST_MAX_ADDRS`] addresses gets the
/// index of the first `sortlist` entry whose address equals it masked with the entry's mask
/// (no entry: the list's length), and a stable insertion sort orders them by that index.
fn addrsort(addrs: &mut [Ipv4Addr], list: &[(Ipv4Addr, Ipv4Addr)]) {
    let n = addrs.len().min(SORTLIST_MAX_ADDRS);
    let rank = |a: &Ipv4Addr| {
        list.iter()
            .position(|(net, mask)| u32::from(*net) == u32::from(*a) & u32::from(*mask))
            .unwrap_or(list.len())
    };
    let mut keyed: Vec<(usize, Ipv4Addr)> = addrs[..n].iter().map(|a| (rank(a), *a)).collect();
    keyed.sort_by_key(|k| k.0);
    for (dst, (_, a)) in addrs.iter_mut().zip(keyed) {
        *dst = a;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addrsort_as_glibc() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        let list = [
            (ip("10.2.0.0"), ip("255.255.0.0")),
            (ip("10.1.0.0"), ip("255.255.0.0")),
        ];
        let mut v = vec![
            ip("10.9.0.1"),
            ip("10.1.0.1"),
            ip("10.2.0.1"),
            ip("10.1.0.2"),
        ];
        addrsort(&mut v, &list);
        assert_eq!(
            v,
            [
                ip("10.2.0.1"),
                ip("10.1.0.1"),
                ip("10.1.0.2"),
                ip("10.9.0.1")
            ]
        );
        // The entry's address is compared as written: 10.1.2.3/255.255.0.0 matches nothing.
        let mut v = vec![ip("10.9.0.1"), ip("10.1.2.3")];
        addrsort(&mut v, &[(ip("10.1.2.3"), ip("255.255.0.0"))]);
        assert_eq!(v, [ip("10.9.0.1"), ip("10.1.2.3")]);
        // Only the first 48 move.
        let mut v: Vec<Ipv4Addr> = (0..60u32)
            .map(|i| Ipv4Addr::from(0x0a09_0000 + i))
            .collect();
        v.push(ip("10.2.0.9"));
        let before = v.clone();
        addrsort(&mut v, &list);
        assert_eq!(v, before);
        let mut v: Vec<Ipv4Addr> = (0..60u32)
            .map(|i| Ipv4Addr::from(0x0a09_0000 + i))
            .collect();
        v[47] = ip("10.2.0.9");
        addrsort(&mut v, &list);
        assert_eq!(v[0], ip("10.2.0.9"));
    }
}
