//! glibc's `files` module for hosts (`nss/nss_files/files-hosts.c`): the hosts file as glibc
//! reads it ([`crate::config::Hosts::parse_glibc`]), names compared without case, with
//! `/etc/host.conf`'s `multi` ([`crate::config::host_conf`]).

use super::nss::{HostData, Nss};
use crate::config::{self, host_conf, HostEntry, Hosts};
use crate::lookup::types::Address;
use crate::sys::{AF_INET, AF_INET6, AF_UNSPEC};
use crate::Error;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `_nss_files_gethostbyname3_r` on `/etc/hosts` as it is now.
pub(crate) fn gethostbyname3(name: &str, af: i32) -> Nss<HostData> {
    files3(&config::hosts_glibc(), name, af, host_conf::multi())
}

/// `_nss_files_gethostbyname4_r` on `/etc/hosts` as it is now.
pub(crate) fn gethostbyname4(name: &str) -> Nss<(Vec<Address>, String)> {
    files4(&config::hosts_glibc(), name, host_conf::multi())
}

/// The address of a hosts line as `internal_getent` parses it for `af` (`AF_UNSPEC` for
/// `gethostbyname4_r`): for `AF_INET`, IPv6 lines count only as v4-mapped addresses or `::1`
/// (127.0.0.1); for `AF_INET6`, IPv4 lines do not count. Lines with a scope do not parse.
fn address(e: &HostEntry, af: i32) -> Option<Address> {
    if e.scope_id != 0 {
        return None;
    }
    let ip = match (af, e.addr) {
        (AF_INET6, IpAddr::V4(_)) => return None,
        (AF_INET, IpAddr::V6(a)) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                IpAddr::V4(v4)
            } else if a == Ipv6Addr::LOCALHOST {
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            } else {
                return None;
            }
        }
        (_, ip) => ip,
    };
    Some(Address::new(ip))
}

/// `_nss_files_gethostbyname3_r`: the first line naming `name` (any case), and with `multi`
/// the addresses and aliases of every later one (a later line's own name becomes an alias when
/// it differs).
pub(crate) fn files3(hosts: &Hosts, name: &str, af: i32, multi: bool) -> Nss<HostData> {
    let mut found: Option<HostData> = None;
    for e in &hosts.entries {
        let Some(addr) = address(e, af) else {
            continue;
        };
        if !e.has_name(name, true) {
            continue;
        }
        match &mut found {
            None => {
                found = Some(HostData {
                    name: e.names[0].clone(),
                    aliases: e.names[1..].to_vec(),
                    addrs: vec![addr],
                });
                if !multi {
                    break;
                }
            }
            Some(h) => {
                h.addrs.push(addr);
                h.aliases.extend(e.names[1..].iter().cloned());
                if e.names[0] != h.name {
                    h.aliases.push(e.names[0].clone());
                }
            }
        }
    }
    match found {
        Some(h) => Nss::Success(h),
        None => Nss::NotFound(Error::NotFound),
    }
}

/// `_nss_files_gethostbyname4_r`: the addresses of every matching line (only the first without
/// `multi`), both families, and the first line's name.
pub(crate) fn files4(hosts: &Hosts, name: &str, multi: bool) -> Nss<(Vec<Address>, String)> {
    let mut addrs = Vec::new();
    let mut canon = None;
    for e in &hosts.entries {
        let Some(addr) = address(e, AF_UNSPEC) else {
            continue;
        };
        if !e.has_name(name, true) {
            continue;
        }
        addrs.push(addr);
        canon.get_or_insert_with(|| e.names[0].clone());
        if !multi {
            break;
        }
    }
    match canon {
        Some(c) => Nss::Success((addrs, c)),
        None => Nss::NotFound(Error::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_rules() {
        let h = Hosts::parse_glibc(
            b"127.0.0.1 localhost\n::1 localhost ip6-localhost\n10.0.0.3 two first\n\
              10.0.0.4 Two second\n::ffff:10.0.0.5 mapped\n2001:db8::1 six\n",
        );
        let Nss::Success(l) = files3(&h, "localhost", AF_INET, true) else {
            panic!()
        };
        assert_eq!(l.addrs.len(), 2);
        assert!(l
            .addrs
            .iter()
            .all(|a| a.ip == IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!(l.aliases, ["ip6-localhost"]);
        let Nss::Success(t) = files3(&h, "TWO", AF_INET, true) else {
            panic!()
        };
        assert_eq!(t.name, "two");
        assert_eq!(t.aliases, ["first", "second", "Two"]);
        let Nss::Success(t) = files3(&h, "two", AF_INET, false) else {
            panic!()
        };
        assert_eq!(t.aliases, ["first"]);
        assert!(files3(&h, "mapped", AF_INET, true).is_success());
        assert!(files3(&h, "six", AF_INET, true) == Nss::NotFound(Error::NotFound));
        assert!(files3(&h, "two", AF_INET6, true) == Nss::NotFound(Error::NotFound));
        let Nss::Success((a, c)) = files4(&h, "localhost", true) else {
            panic!()
        };
        assert_eq!(c, "localhost");
        assert_eq!(a.len(), 2);
        assert!(a[1].ip.is_ipv6());
    }
}
