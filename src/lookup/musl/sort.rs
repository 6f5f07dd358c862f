//! Destination address selection, RFC 6724 as musl implements it: one sort key per address
//! from the precedence/label policy table, the scope, and the source address the kernel would
//! pick (a connected UDP socket, no packet sent). Rules 3, 4 and 7 are omitted, as in musl.
//! The sort is stable, so the answer order breaks ties (musl encodes the index in its key,
//! which holds for its 48 addresses; a stable sort gives the same order for any count).

use crate::lookup::types::Address;
use crate::sys::RouteProbe;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};

struct Policy {
    prefix: [u8; 16],
    /// Whole bytes of `prefix` that must match, then one byte compared under `mask`.
    len: usize,
    mask: u8,
    prec: u32,
    label: u32,
}

/// musl's default policy table (RFC 6724 section 2.1 minus the deprecated entries).
const POLICIES: [Policy; 6] = [
    Policy {
        prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        len: 15,
        mask: 0xff,
        prec: 50,
        label: 0,
    },
    Policy {
        prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0],
        len: 11,
        mask: 0xff,
        prec: 35,
        label: 4,
    },
    Policy {
        prefix: [0x20, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        len: 1,
        mask: 0xff,
        prec: 30,
        label: 2,
    },
    Policy {
        prefix: [0x20, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        len: 3,
        mask: 0xff,
        prec: 5,
        label: 5,
    },
    Policy {
        prefix: [0xfc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        len: 0,
        mask: 0xfe,
        prec: 3,
        label: 13,
    },
    Policy {
        prefix: [0; 16],
        len: 0,
        mask: 0,
        prec: 40,
        label: 1,
    },
];

fn policy_of(a: &[u8; 16]) -> &'static Policy {
    POLICIES
        .iter()
        .find(|p| a[..p.len] == p.prefix[..p.len] && (a[p.len] & p.mask) == p.prefix[p.len])
        .unwrap_or(&POLICIES[POLICIES.len() - 1])
}

fn scope_of(a: &[u8; 16]) -> u32 {
    let ip = Ipv6Addr::from(*a);
    if a[0] == 0xff {
        return (a[1] & 15) as u32;
    }
    if a[0] == 0xfe && (a[1] & 0xc0) == 0x80 {
        return 2; // link-local
    }
    if ip == Ipv6Addr::LOCALHOST {
        return 2;
    }
    if a[0] == 0xfe && (a[1] & 0xc0) == 0xc0 {
        return 5; // site-local
    }
    14
}

fn prefix_match(s: &[u8; 16], d: &[u8; 16]) -> u32 {
    let mut n = 0;
    for (x, y) in s.iter().zip(d) {
        let diff = x ^ y;
        if diff != 0 {
            return n + diff.leading_zeros();
        }
        n += 8;
    }
    n
}

const DAS_USABLE: u32 = 0x4000_0000;
const DAS_MATCHINGSCOPE: u32 = 0x2000_0000;
const DAS_MATCHINGLABEL: u32 = 0x1000_0000;
const DAS_PREC_SHIFT: u32 = 20;
const DAS_SCOPE_SHIFT: u32 = 16;
const DAS_PREFIX_SHIFT: u32 = 8;

fn mapped(ip: &IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

/// The source address the kernel would use to reach `a`, if it is reachable at all.
fn source_for(a: &Address, probe: &mut RouteProbe) -> Option<IpAddr> {
    let dest = match a.ip {
        IpAddr::V4(_) => SocketAddr::new(a.ip, 65535),
        IpAddr::V6(v6) => SocketAddr::V6(SocketAddrV6::new(v6, 65535, 0, a.scope_id)),
    };
    probe.source(&dest).map(|s| s.ip())
}

fn key(a: &Address, probe: &mut RouteProbe) -> u32 {
    let da = mapped(&a.ip);
    let dpolicy = policy_of(&da);
    let dscope = scope_of(&da);
    let mut key = 0;
    let mut prefixlen = 0;
    if let Some(src) = source_for(a, probe) {
        key |= DAS_USABLE;
        let sa = mapped(&src);
        if dscope == scope_of(&sa) {
            key |= DAS_MATCHINGSCOPE;
        }
        if dpolicy.label == policy_of(&sa).label {
            key |= DAS_MATCHINGLABEL;
        }
        prefixlen = prefix_match(&sa, &da);
    }
    key | dpolicy.prec << DAS_PREC_SHIFT
        | (15 - dscope) << DAS_SCOPE_SHIFT
        | prefixlen << DAS_PREFIX_SHIFT
}

/// Sort as musl does: nothing to do for fewer than two addresses or only IPv4 ones.
pub(crate) fn sort(addrs: &mut [Address]) {
    if addrs.len() < 2 || addrs.iter().all(|a| a.ip.is_ipv4()) {
        return;
    }
    // One socket for all the route look-ups (musl opens one per address; same answers).
    let mut probe = RouteProbe::new(true);
    let mut keyed: smallvec::SmallVec<[(u32, Address); 4]> =
        addrs.iter().map(|a| (key(a, &mut probe), *a)).collect();
    keyed.sort_by_key(|k| std::cmp::Reverse(k.0));
    for (dst, (_, a)) in addrs.iter_mut().zip(keyed) {
        *dst = a;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        assert_eq!(policy_of(&Ipv6Addr::LOCALHOST.octets()).prec, 50);
        assert_eq!(policy_of(&mapped(&"10.0.0.1".parse().unwrap())).label, 4);
        assert_eq!(
            policy_of(&"2002::1".parse::<Ipv6Addr>().unwrap().octets()).prec,
            30
        );
        assert_eq!(
            policy_of(&"2001::1".parse::<Ipv6Addr>().unwrap().octets()).prec,
            5
        );
        assert_eq!(
            policy_of(&"fd00::1".parse::<Ipv6Addr>().unwrap().octets()).prec,
            3
        );
        assert_eq!(
            policy_of(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets()).prec,
            40
        );
    }

    #[test]
    fn prefix_bits() {
        let a = [0u8; 16];
        let mut b = [0u8; 16];
        assert_eq!(prefix_match(&a, &b), 128);
        b[1] = 0x10;
        assert_eq!(prefix_match(&a, &b), 11);
    }

    #[test]
    fn stable_for_many() {
        // Unreachable destinations (no route in a test sandbox or a real one for TEST-NET):
        // order within equal keys is the answer order, for any count.
        let mut v: Vec<Address> = (0..100u32)
            .map(|i| {
                Address::new(IpAddr::V6(Ipv6Addr::new(
                    0x2001,
                    0xdb8,
                    0,
                    0,
                    0,
                    0,
                    0,
                    i as u16 + 1,
                )))
            })
            .collect();
        let before = v.clone();
        sort(&mut v);
        assert_eq!(v, before);
    }
}
