//! Destination address sorting as glibc 2.36's `getaddrinfo` does it (`rfc3484_sort` in
//! `sysdeps/posix/getaddrinfo.c`): RFC 3484 rules 1-10 with glibc's default label and
//! precedence tables (RFC 3484's, plus ULA, site-local and Teredo labels), IPv4 scopes by
//! glibc's `default_scopes`, source addresses from a connected UDP socket, interface data from
//! rtnetlink ([`super::netlink`]), and glibc's merge sort, so that even its non-transitive
//! comparisons come out in the same order.
//!
//! `/etc/gai.conf` replaces the tables as in glibc ([`crate::config::gai_conf`]).

use super::netlink::{self, Interfaces, DEPRECATED, HOMEADDRESS};
use crate::config::gai_conf::{self, Tables};
use crate::lookup::types::Address;
use crate::sys::RouteProbe;
use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

/// glibc `get_scope`: IPv6 by address type, IPv4 by the `scopev4` table.
fn scope(t: &Tables, ip: &IpAddr) -> i32 {
    match ip {
        IpAddr::V6(a) => {
            let o = a.octets();
            if o[0] == 0xff {
                i32::from(o[1] & 0xf)
            } else if (o[0] == 0xfe && o[1] & 0xc0 == 0x80) || *a == Ipv6Addr::LOCALHOST {
                2
            } else if o[0] == 0xfe && o[1] & 0xc0 == 0xc0 {
                5
            } else {
                14
            }
        }
        IpAddr::V4(a) => t.scope_v4(*a),
    }
}

/// What glibc knows about one destination.
#[derive(Debug, Clone, Copy)]
struct Info {
    dest: IpAddr,
    /// The source address the kernel would use (same family as `dest`), if reachable.
    source: Option<IpAddr>,
    source_flags: u8,
    prefixlen: u8,
    index: u32,
    native: bool,
}

fn source_for(a: &Address, probe: &mut RouteProbe) -> Option<IpAddr> {
    let dest = match a.ip {
        IpAddr::V4(_) => SocketAddr::new(a.ip, 0),
        IpAddr::V6(v6) => SocketAddr::V6(SocketAddrV6::new(v6, 0, 0, a.scope_id)),
    };
    probe.source(&dest).map(|s| s.ip())
}

fn info(a: &Address, ifs: &Interfaces, probe: &mut RouteProbe) -> Info {
    let mut i = Info {
        dest: a.ip,
        source: source_for(a, probe),
        source_flags: 0,
        prefixlen: 0,
        index: u32::MAX,
        native: false,
    };
    if let Some(src) = i.source {
        // The loopback interface may answer for any 127/8 source: glibc looks up 127.0.0.1.
        let key = match src {
            IpAddr::V4(v4) if v4.octets()[0] == 127 => Ipv4Addr::LOCALHOST.to_ipv6_mapped(),
            other => netlink::as_in6(&other),
        };
        if let Some(found) = ifs.find(&key) {
            i.source_flags = found.flags;
            i.prefixlen = found.prefixlen;
            i.index = found.index;
        }
    }
    i
}

/// Leading zero bits of `x` (glibc's misnamed `fls`).
fn fls(x: u32) -> u32 {
    x.leading_zeros()
}

/// `rfc3484_sort` for results `i1` and `i2` (their positions in the answer).
fn compare(t: &Tables, a1: &Info, a2: &Info, i1: usize, i2: usize) -> Ordering {
    use Ordering::{Greater, Less};
    // Rule 1: avoid unusable destinations.
    match (a1.source.is_some(), a2.source.is_some()) {
        (true, false) => return Less,
        (false, true) => return Greater,
        _ => {}
    }
    let got_source = a1.source.is_some();
    let src = |a: &Info| a.source.unwrap_or(a.dest);

    // Rule 2: prefer matching scope.
    let (d1_scope, d2_scope) = (scope(t, &a1.dest), scope(t, &a2.dest));
    if got_source {
        let m1 = d1_scope == scope(t, &src(a1));
        let m2 = d2_scope == scope(t, &src(a2));
        if m1 && !m2 {
            return Less;
        }
        if !m1 && m2 {
            return Greater;
        }
    }

    // Rule 3: avoid deprecated addresses.
    if got_source {
        let (d1, d2) = (
            a1.source_flags & DEPRECATED != 0,
            a2.source_flags & DEPRECATED != 0,
        );
        if !d1 && d2 {
            return Less;
        }
        if d1 && !d2 {
            return Greater;
        }
    }

    // Rule 4: prefer home addresses.
    if got_source {
        let (h1, h2) = (
            a1.source_flags & HOMEADDRESS != 0,
            a2.source_flags & HOMEADDRESS != 0,
        );
        if !h1 && h2 {
            return Greater;
        }
        if h1 && !h2 {
            return Less;
        }
    }

    // Rule 5: prefer matching label.
    if got_source {
        let m1 = t.label(&a1.dest) == t.label(&src(a1));
        let m2 = t.label(&a2.dest) == t.label(&src(a2));
        if m1 && !m2 {
            return Less;
        }
        if !m1 && m2 {
            return Greater;
        }
    }

    // Rule 6: prefer higher precedence.
    let (p1, p2) = (t.precedence(&a1.dest), t.precedence(&a2.dest));
    if p1 > p2 {
        return Less;
    }
    if p1 < p2 {
        return Greater;
    }

    // Rule 7: prefer native transport (only between different interfaces).
    if got_source && a1.index != a2.index {
        if a1.native && !a2.native {
            return Less;
        }
        if !a1.native && a2.native {
            return Greater;
        }
    }

    // Rule 8: prefer smaller scope.
    if d1_scope < d2_scope {
        return Less;
    }
    if d1_scope > d2_scope {
        return Greater;
    }

    // Rule 9: longest matching prefix, within the source's subnet for IPv4; for IPv6 only
    // the first 32-bit word where either pair differs.
    if got_source && a1.dest.is_ipv4() == a2.dest.is_ipv4() {
        let (mut bit1, mut bit2) = (0, 0);
        match (a1.dest, src(a1), a2.dest, src(a2)) {
            (IpAddr::V4(d1), IpAddr::V4(s1), IpAddr::V4(d2), IpAddr::V4(s2)) => {
                // glibc shifts by 32 for a zero prefix length, which x86 reduces to 0.
                let mask = |len: u8| {
                    if len == 0 {
                        u32::MAX
                    } else {
                        u32::MAX << (32 - u32::from(len.min(32)))
                    }
                };
                let (d1, s1, d2, s2) = (u32::from(d1), u32::from(s1), u32::from(d2), u32::from(s2));
                let (m1, m2) = (mask(a1.prefixlen), mask(a2.prefixlen));
                if s1 & m1 == d1 & m1 {
                    bit1 = fls(d1 ^ s1);
                }
                if s2 & m2 == d2 & m2 {
                    bit2 = fls(d2 ^ s2);
                }
            }
            (IpAddr::V6(d1), IpAddr::V6(s1), IpAddr::V6(d2), IpAddr::V6(s2)) => {
                let w = |a: Ipv6Addr, i: usize| {
                    let o = a.octets();
                    u32::from_be_bytes([o[4 * i], o[4 * i + 1], o[4 * i + 2], o[4 * i + 3]])
                };
                if let Some(i) = (0..4).find(|&i| w(d1, i) != w(s1, i) || w(d2, i) != w(s2, i)) {
                    bit1 = fls(w(d1, i) ^ w(s1, i));
                    bit2 = fls(w(d2, i) ^ w(s2, i));
                }
            }
            _ => {}
        }
        if bit1 > bit2 {
            return Less;
        }
        if bit1 < bit2 {
            return Greater;
        }
    }

    // Rule 10: keep the order of the answer.
    i1.cmp(&i2)
}

/// glibc's `msort_with_tmp`: top-down merge sort, taking from the left run on "not greater".
fn msort(v: &mut [usize], cmp: &impl Fn(usize, usize) -> Ordering) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    msort(&mut v[..n1], cmp);
    msort(&mut v[n1..], cmp);
    let mut out = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(v[i], v[j]) != Ordering::Greater {
            out.push(v[i]);
            i += 1;
        } else {
            out.push(v[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&v[i..n1]);
    out.extend_from_slice(&v[j..n]);
    v.copy_from_slice(&out);
}

/// Sorts `addrs` as glibc sorts a `getaddrinfo` result (callers sort only lists of two or
/// more addresses, as glibc does).
pub(crate) fn sort(addrs: &mut [Address]) {
    if addrs.len() < 2 {
        return;
    }
    // glibc assumes nothing when netlink fails: no interface data, every rule still applies.
    let ifs = netlink::check_pf().unwrap_or_default();
    // One socket for every source-address look-up, as glibc (`try_connect`).
    let mut probe = RouteProbe::new(addrs.iter().any(|a| a.ip.is_ipv6()));
    let mut infos: Vec<Info> = addrs.iter().map(|a| info(a, &ifs, &mut probe)).collect();
    if infos
        .iter()
        .filter(|i| i.source.is_some())
        .any(|i| i.index != infos[0].index)
    {
        let natives = netlink::native_interfaces();
        for i in &mut infos {
            i.native = natives.iter().any(|&(idx, n)| idx == i.index && n);
        }
    }
    let mut order: Vec<usize> = (0..addrs.len()).collect();
    let tables = gai_conf::tables();
    msort(&mut order, &|x, y| {
        compare(&tables, &infos[x], &infos[y], x, y)
    });
    let sorted: Vec<Address> = order.iter().map(|&i| addrs[i]).collect();
    addrs.copy_from_slice(&sorted);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn scopes() {
        let d = Tables::default();
        assert_eq!(scope(&d, &ip("127.0.0.5")), 2);
        assert_eq!(scope(&d, &ip("169.254.1.1")), 2);
        assert_eq!(scope(&d, &ip("10.0.0.1")), 14);
        assert_eq!(scope(&d, &ip("ff02::1")), 2);
        assert_eq!(scope(&d, &ip("fec0::1")), 5);
        assert_eq!(scope(&d, &ip("::ffff:127.0.0.1")), 14);
    }

    fn unreachable(s: &str) -> Info {
        Info {
            dest: ip(s),
            source: None,
            source_flags: 0,
            prefixlen: 0,
            index: u32::MAX,
            native: false,
        }
    }

    #[test]
    fn rules() {
        let d = Tables::default();
        let reach = |d: &str, s: &str| Info {
            source: Some(ip(s)),
            ..unreachable(d)
        };
        // Rule 1.
        let a = reach("127.0.0.3", "127.0.0.1");
        let b = unreachable("10.0.0.1");
        assert_eq!(compare(&d, &a, &b, 1, 0), Ordering::Less);
        // Rule 5 decides passive wildcards: 0.0.0.0 before ::.
        let v4 = reach("0.0.0.0", "127.0.0.1");
        let v6 = reach("::", "::1");
        assert_eq!(compare(&d, &v4, &v6, 1, 0), Ordering::Less);
        // Rule 6: ::1 before 127.0.0.1.
        let l6 = reach("::1", "::1");
        let l4 = reach("127.0.0.1", "127.0.0.1");
        assert_eq!(compare(&d, &l4, &l6, 0, 1), Ordering::Greater);
        // Rule 9 for IPv4 needs the prefix length; without it only equal addresses count.
        let x = reach("127.1.0.5", "127.0.0.1");
        let y = reach("127.0.0.5", "127.0.0.1");
        assert_eq!(compare(&d, &x, &y, 0, 1), Ordering::Less);
        let x8 = Info { prefixlen: 8, ..x };
        let y8 = Info { prefixlen: 8, ..y };
        assert_eq!(compare(&d, &x8, &y8, 0, 1), Ordering::Greater);
        // Rule 10.
        let u = unreachable("10.0.0.2");
        assert_eq!(compare(&d, &b, &u, 0, 1), Ordering::Less);
        assert_eq!(compare(&d, &u, &b, 1, 0), Ordering::Greater);
    }

    #[test]
    fn merge_sort_is_stable_and_complete() {
        let keys = [3, 1, 3, 2, 1, 0, 2];
        let mut v: Vec<usize> = (0..keys.len()).collect();
        msort(&mut v, &|a, b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
        assert_eq!(v, [5, 1, 4, 3, 6, 0, 2]);
    }
}
