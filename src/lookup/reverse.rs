//! Address to name: the hosts file, then a PTR question (in-addr.arpa / ip6.arpa) over DNS
//! with the same UDP→TCP transport as forward lookups. Shared by `getnameinfo`,
//! `gethostbyaddr` and `gethostbyaddr_r`.
//!
//! The two C libraries differ in the details, and each semantics follows its own:
//! - hosts file: musl (`getnameinfo.c` `reverse_hosts`) compares IPv4 addresses in their
//!   v4-mapped form, so an IPv4 line matches a `::ffff:a.b.c.d` query and the other way round,
//!   and the scope id must be equal; glibc (`nss_files` `gethostbyaddr`) compares within the
//!   asked family (an IPv4 query also matches `::ffff:a.b.c.d` and `::1` lines as their IPv4
//!   forms; an IPv6 query matches IPv6 lines only), scope ids ignored;
//! - the PTR question for a v4-mapped address (glibc: also a v4-compatible one other than
//!   `::1`) is the in-addr.arpa name of its IPv4 part, in both;
//! - the name: glibc takes the first PTR record at the end of the CNAME chain (RFC 2317
//!   delegations), musl the last PTR record of the answer section, whoever owns it; each then
//!   takes its target as its own check of names from the network says
//!   ([`super::name::network_name`]: glibc refuses what is no host name, musl passes the bytes
//!   on).

use super::ask::{Ask, Servers};
use super::name::{network_name, Taken};
use super::types::Semantics;
use crate::config::{self, Hosts};
use crate::numeric::v4_compatible;
use crate::transport::Question;
use crate::wire::{self, rtype};
use crate::Error;
use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The PTR owner name of `addr` (an IPv6 address always as ip6.arpa).
pub fn ptr_name(addr: &IpAddr) -> String {
    let mut s = String::with_capacity(73);
    match addr {
        IpAddr::V4(a) => {
            let o = a.octets();
            let _ = write!(s, "{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0]);
        }
        IpAddr::V6(a) => {
            for b in a.octets().iter().rev() {
                let _ = write!(s, "{:x}.{:x}.", b & 15, b >> 4);
            }
            s.push_str("ip6.arpa");
        }
    }
    s
}

/// The IPv4 address whose in-addr.arpa name both libcs ask for an IPv6 address, if any:
/// v4-mapped (both); v4-compatible other than `::` and `::1` (glibc `nss_dns`).
pub fn ipv4_part(addr: &Ipv6Addr, sem: Semantics) -> Option<Ipv4Addr> {
    match addr.to_ipv4_mapped() {
        Some(v4) => Some(v4),
        None if sem == Semantics::Glibc => v4_compatible(addr),
        None => None,
    }
}

/// The name the PTR question is asked for.
pub fn ptr_question(addr: &IpAddr, sem: Semantics) -> String {
    match addr {
        IpAddr::V6(a) => match ipv4_part(a, sem) {
            Some(v4) => ptr_name(&IpAddr::V4(v4)),
            None => ptr_name(addr),
        },
        IpAddr::V4(_) => ptr_name(addr),
    }
}

/// A name found for an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The host name (hosts file: the first name of the line; DNS: the PTR target as the libc
    /// takes it, [`super::name::network_name`]; bytes: musl passes any byte on).
    pub name: Vec<u8>,
    /// The other names of the hosts-file line (none from DNS).
    pub aliases: Vec<Vec<u8>>,
    /// Where it came from.
    pub from_hosts: bool,
}

fn mapped16(a: &IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

/// The hosts-file line for `addr` (see the module documentation for the rules).
pub fn from_hosts(hosts: &Hosts, addr: &IpAddr, scope_id: u32, sem: Semantics) -> Option<Found> {
    let line = hosts.entries.iter().find(|e| match sem {
        Semantics::Musl => {
            let scope = if e.addr.is_ipv4() { 0 } else { e.scope_id };
            mapped16(&e.addr) == mapped16(addr) && scope == scope_id
        }
        Semantics::Glibc => match (addr, e.addr) {
            (IpAddr::V4(want), IpAddr::V4(have)) => *want == have,
            (IpAddr::V4(want), IpAddr::V6(have)) => {
                have.to_ipv4_mapped() == Some(*want)
                    || (have == Ipv6Addr::LOCALHOST && *want == Ipv4Addr::LOCALHOST)
            }
            (IpAddr::V6(want), IpAddr::V6(have)) => *want == have,
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        },
    })?;
    Some(Found {
        name: line.names[0].as_bytes().to_vec(),
        aliases: line.names[1..]
            .iter()
            .map(|n| n.as_bytes().to_vec())
            .collect(),
        from_hosts: true,
    })
}

/// Why an address has no name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoName {
    /// The question failed, as `res_query` fails: NXDOMAIN (`NotFound`), an answer without
    /// records (`NoData`), `TryAgain`, `Fail`, `System`.
    Query(Error),
    /// The answer has records but no PTR record where the libc looks (glibc's `getanswer_ptr`:
    /// TRYAGAIN with NO_RECOVERY).
    NoPtr,
    /// The PTR record's target is no host name (glibc: UNAVAIL with NO_RECOVERY).
    BadName,
}

impl NoName {
    /// As the one error type: a failed question's error; no usable PTR record is NO_RECOVERY.
    pub fn error(self) -> Error {
        match self {
            NoName::Query(e) => e,
            NoName::NoPtr | NoName::BadName => Error::Fail,
        }
    }
}

/// The PTR name of `addr` over DNS, or why there is none ([`NoName`]).
pub fn from_dns(addr: &IpAddr, sem: Semantics) -> std::result::Result<Found, NoName> {
    let conf = config::resolv_conf();
    let qname = ptr_question(addr, sem);
    let q = [Question {
        name: &qname,
        qtype: rtype::PTR,
    }];
    let policy = sem.policy(&conf);
    let r = match Servers::new(&conf, &policy).ask(&q).pop() {
        Some(r) => r.map_err(NoName::Query)?,
        None => return Err(NoName::Query(Error::Fail)),
    };
    // res_query: an answer code other than NOERROR, or no answer record, fails the question.
    match r.rcode {
        wire::rcode::NXDOMAIN => return Err(NoName::Query(Error::NotFound)),
        wire::rcode::SERVFAIL => return Err(NoName::Query(Error::TryAgain)),
        wire::rcode::NOERROR if r.message.answer_count() == 0 => {
            return Err(NoName::Query(Error::NoData))
        }
        wire::rcode::NOERROR => {}
        _ => return Err(NoName::Query(Error::Fail)),
    }
    let target = match sem {
        // glibc (`getanswer_ptr`): the first PTR record at the end of the CNAME chain.
        Semantics::Glibc => wire::collect(&r.message, q[0].name, rtype::PTR)
            .records
            .iter()
            .find_map(wire::Record::target),
        // musl: the last PTR record of the answer section, whoever owns it.
        Semantics::Musl => r
            .message
            .answers()
            .filter(|rec| rec.rtype == rtype::PTR)
            .last()
            .and_then(|rec| rec.target()),
    };
    let target = target.ok_or(NoName::NoPtr)?;
    // The libc's check of a name from the network (glibc: UNAVAIL when it is no host name).
    let name = network_name(&target, sem, Taken::Ptr).ok_or(NoName::BadName)?;
    if name.is_empty() {
        return Err(NoName::NoPtr); // musl: an empty name is no name
    }
    Ok(Found {
        name,
        aliases: Vec::new(),
        from_hosts: false,
    })
}

/// The name of `addr`: hosts file, then DNS; failures as for [`from_dns`].
pub fn lookup(addr: &IpAddr, scope_id: u32, sem: Semantics) -> std::result::Result<Found, NoName> {
    if let Some(f) = from_hosts(&config::hosts(), addr, scope_id, sem) {
        return Ok(f);
    }
    from_dns(addr, sem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ptr_names() {
        assert_eq!(
            ptr_name(&"192.0.2.1".parse().unwrap()),
            "1.2.0.192.in-addr.arpa"
        );
        assert_eq!(
            ptr_name(&"2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }

    #[test]
    fn mapped_addresses_ask_in_addr_arpa() {
        let m: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        for sem in [Semantics::Musl, Semantics::Glibc] {
            assert_eq!(ptr_question(&m, sem), "7.2.0.192.in-addr.arpa");
        }
        let compat: IpAddr = "::192.0.2.7".parse().unwrap();
        assert_eq!(
            ptr_question(&compat, Semantics::Glibc),
            "7.2.0.192.in-addr.arpa"
        );
        assert!(ptr_question(&compat, Semantics::Musl).ends_with("ip6.arpa"));
        let one: IpAddr = "::1".parse().unwrap();
        assert!(ptr_question(&one, Semantics::Glibc).ends_with("ip6.arpa"));
    }

    #[test]
    fn hosts_rules() {
        let h = Hosts::parse(
            b"10.0.0.1 four four-alias\n::ffff:10.0.0.2 mapped\nfe80::1%2 scoped\n\
              2001:db8::1 six\n::1 localhost6\n",
        );
        let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
        let name = |a: &str, scope, sem| {
            from_hosts(&h, &ip(a), scope, sem).map(|f| String::from_utf8(f.name).unwrap())
        };
        use Semantics::{Glibc, Musl};
        // musl: compared in v4-mapped form, both ways.
        assert_eq!(name("10.0.0.1", 0, Musl).as_deref(), Some("four"));
        assert_eq!(name("::ffff:10.0.0.1", 0, Musl).as_deref(), Some("four"));
        assert_eq!(name("10.0.0.2", 0, Musl).as_deref(), Some("mapped"));
        // glibc: within the family; an IPv4 query sees mapped and ::1 lines as IPv4.
        assert_eq!(name("10.0.0.1", 0, Glibc).as_deref(), Some("four"));
        assert_eq!(name("::ffff:10.0.0.1", 0, Glibc), None);
        assert_eq!(name("10.0.0.2", 0, Glibc).as_deref(), Some("mapped"));
        assert_eq!(name("127.0.0.1", 0, Glibc).as_deref(), Some("localhost6"));
        assert_eq!(name("127.0.0.1", 0, Musl), None);
        // Scope ids: musl compares them, glibc does not.
        assert_eq!(name("fe80::1", 2, Musl).as_deref(), Some("scoped"));
        assert_eq!(name("fe80::1", 0, Musl), None);
        assert_eq!(name("fe80::1", 0, Glibc).as_deref(), Some("scoped"));
        let f = from_hosts(&h, &ip("10.0.0.1"), 0, Glibc).unwrap();
        assert_eq!(f.aliases, [b"four-alias"]);
        assert!(f.from_hosts);
    }
}
