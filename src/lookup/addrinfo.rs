//! `getaddrinfo` as plain Rust: hints in, a list of (address, socket type) entries out.
//! musl's flow is here (`getaddrinfo.c`, `lookup_name.c`, `lookup_serv.c`); glibc's is in
//! [`super::glibc`]. `abi::addrinfo` turns the result into one malloc'd C block.
//! [`numeric`] answers the common numeric-host calls of both flows without allocating.

use super::name::{lookup_name, MAX_HOST_LEN};
use super::serv::{lookup_serv, lookup_serv_numeric, Service, ServiceList};
use super::{ai, Address, Family, Semantics};
use crate::numeric::{has_colon, inet_aton, inet_pton6, parse_literal, Literal};
use crate::{config, Error, Result};
use std::net::IpAddr;

/// The caller's hints, or the libc's defaults for NULL hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    pub flags: i32,
    pub family: i32,
    pub socktype: i32,
    pub protocol: i32,
}

impl Hints {
    /// What a NULL `hints` means: no flags in musl, `AI_V4MAPPED | AI_ADDRCONFIG` in glibc.
    pub fn null(sem: Semantics) -> Hints {
        let flags = match sem {
            Semantics::Musl => 0,
            Semantics::Glibc => ai::V4MAPPED | ai::ADDRCONFIG,
        };
        Hints {
            flags,
            family: libc::AF_UNSPEC,
            socktype: 0,
            protocol: 0,
        }
    }
}

/// One `struct addrinfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub addr: Address,
    pub port: u16,
    pub socktype: i32,
    pub protocol: i32,
}

/// The entries of a result: each address with each service, in that order (what a lookup
/// gives: no list of entries is built, the C block is laid out from the two lists), or an
/// explicit list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entries {
    Product {
        addrs: super::Addresses,
        services: smallvec::SmallVec<[Service; 3]>,
    },
    List(Vec<Entry>),
}

impl Entries {
    /// Each of `addrs` with each of `services`.
    pub fn product(addrs: super::Addresses, services: &[Service]) -> Entries {
        Entries::Product {
            addrs,
            services: smallvec::SmallVec::from_slice(services),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Entries::Product { addrs, services } => addrs.len() * services.len(),
            Entries::List(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entry `i` (`i < len()`).
    pub fn get(&self, i: usize) -> Entry {
        match self {
            Entries::Product { addrs, services } => {
                let s = services[i % services.len()];
                Entry {
                    addr: addrs[i / services.len()],
                    port: s.port,
                    socktype: s.socktype,
                    protocol: s.protocol,
                }
            }
            Entries::List(v) => v[i],
        }
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = Entry> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// The whole result list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrInfo {
    pub entries: Entries,
    /// `ai_canonname` (bytes: see [`super::hostent::HostEnt`]).
    pub canon: Option<Vec<u8>>,
    /// musl puts the canonical name on every entry, glibc only on the first.
    pub canon_on_all: bool,
    /// `ai_flags` of every entry: 0 in musl, the hints' flags in glibc (`AI_DEFAULT` for NULL
    /// hints).
    pub flags: i32,
}

/// A result of one address with at most three services, the canonical name borrowed from the
/// caller: what [`numeric`] gives, on the stack.
#[derive(Debug, Clone, Copy)]
pub struct Small<'a> {
    addr: Address,
    services: ServiceList,
    /// `ai_canonname`.
    pub canon: Option<&'a [u8]>,
    /// As [`AddrInfo::canon_on_all`].
    pub canon_on_all: bool,
    /// As [`AddrInfo::flags`].
    pub flags: i32,
}

impl Small<'_> {
    /// How many entries: one per service.
    pub fn len(&self) -> usize {
        self.services.as_slice().len()
    }

    /// Never: every call [`numeric`] answers has a service.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entry `i` (`i < self.len()`): the address with service `i`.
    pub fn entry(&self, i: usize) -> Entry {
        let s = self.services.as_slice().get(i).copied().unwrap_or(Service {
            port: 0,
            socktype: 0,
            protocol: 0,
        });
        Entry {
            addr: self.addr,
            port: s.port,
            socktype: s.socktype,
            protocol: s.protocol,
        }
    }
}

/// `getaddrinfo` of a numeric host with a numeric or no service, without `AI_ADDRCONFIG`: no
/// file, no socket, no heap. `None` for every other call, and for these when they fail: then
/// [`getaddrinfo`] answers (for the calls answered here it gives the same result, as
/// `tests/core.rs` and `tests/conformance.rs` check against both libcs, and the unit tests
/// below against [`getaddrinfo`] itself).
pub fn numeric<'a>(
    host: &'a str,
    serv: Option<&str>,
    hints: Option<Hints>,
    sem: Semantics,
) -> Option<Small<'a>> {
    match sem {
        Semantics::Musl => numeric_musl(host, serv, hints),
        Semantics::Glibc => numeric_glibc(host, serv, hints),
    }
}

/// musl's flow below for a numeric host: `__lookup_serv`, `__lookup_name`'s `name_from_numeric`
/// and its v4-mapped step; one address needs no sorting.
fn numeric_musl<'a>(host: &'a str, serv: Option<&str>, hints: Option<Hints>) -> Option<Small<'a>> {
    let h = hints.unwrap_or_else(|| Hints::null(Semantics::Musl));
    if h.flags & !MUSL_FLAGS != 0 || h.flags & ai::ADDRCONFIG != 0 || host.len() > MAX_HOST_LEN {
        return None;
    }
    let family = Family::from_af(h.family)?;
    let services = lookup_serv_numeric(serv, h.protocol, h.socktype, h.flags, Semantics::Musl)?;
    let Literal::Addr(ip, scope_id) = parse_literal(host) else {
        return None;
    };
    // AI_V4MAPPED with AF_INET6: any family, IPv4 mapped.
    let mapped = h.flags & ai::V4MAPPED != 0 && family == Family::Inet6;
    if !mapped && !family.admits(&ip) {
        return None;
    }
    let ip = match ip {
        IpAddr::V4(a) if mapped => IpAddr::V6(a.to_ipv6_mapped()),
        ip => ip,
    };
    // musl: the name itself is the canonical name, on every entry.
    Some(Small {
        addr: Address { ip, scope_id },
        services,
        canon: Some(host.as_bytes()),
        canon_on_all: true,
        flags: 0,
    })
}

/// The flags [`numeric_glibc`] answers for: POSIX ones glibc accepts, without `AI_ADDRCONFIG`
/// (its interface check) and the IDN bits (rare; [`super::glibc::getaddrinfo`] handles them).
const GLIBC_NUMERIC_FLAGS: i32 =
    ai::PASSIVE | ai::CANONNAME | ai::NUMERICHOST | ai::V4MAPPED | ai::ALL | ai::NUMERICSERV;

/// glibc's flow ([`super::glibc::getaddrinfo`]) for a numeric host without a scope:
/// `get_servtuples`, `text_to_binary_address`; one address needs no sorting.
fn numeric_glibc<'a>(host: &'a str, serv: Option<&str>, hints: Option<Hints>) -> Option<Small<'a>> {
    // NULL hints mean AI_ADDRCONFIG; "*" is no service.
    let h = hints?;
    if h.flags & !GLIBC_NUMERIC_FLAGS != 0 {
        return None;
    }
    let serv = serv.filter(|s| *s != "*");
    let services = lookup_serv_numeric(serv, h.protocol, h.socktype, h.flags, Semantics::Glibc)?;
    let v4mapped = h.flags & ai::V4MAPPED != 0;
    // text_to_binary_address: inet_aton, then inet_pton (`has_colon` tells which can succeed).
    // Neither accepts a `%`: a scope is left to the full flow.
    let ip = if !has_colon(host) {
        let a = inet_aton(host)?;
        match h.family {
            libc::AF_UNSPEC | libc::AF_INET => IpAddr::V4(a),
            libc::AF_INET6 if v4mapped => IpAddr::V6(a.to_ipv6_mapped()),
            _ => return None,
        }
    } else {
        let a = inet_pton6(host)?;
        match h.family {
            libc::AF_UNSPEC | libc::AF_INET6 => IpAddr::V6(a),
            libc::AF_INET => IpAddr::V4(a.to_ipv4_mapped()?),
            _ => return None,
        }
    };
    // glibc: the canonical name only with AI_CANONNAME, on the first entry.
    let canon = (h.flags & ai::CANONNAME != 0).then_some(host.as_bytes());
    Some(Small {
        addr: Address::new(ip),
        services,
        canon,
        canon_on_all: false,
        flags: h.flags,
    })
}

/// Every flag musl's `getaddrinfo` accepts (and its `<netdb.h>` defines).
pub const MUSL_FLAGS: i32 = ai::PASSIVE
    | ai::CANONNAME
    | ai::NUMERICHOST
    | ai::V4MAPPED
    | ai::ALL
    | ai::ADDRCONFIG
    | ai::NUMERICSERV;

/// Which families have a configured address (`AI_ADDRCONFIG`).
#[derive(Debug, Clone, Copy)]
struct Configured {
    v4: bool,
    v6: bool,
}

/// musl: a family counts as configured when a UDP socket of it can be connected to its
/// loopback address.
fn configured_musl() -> Result<Configured> {
    let probe = |addr: std::net::SocketAddr| -> Result<bool> {
        if crate::sys::route_source(&addr).is_some() {
            return Ok(true);
        }
        match crate::sys::errno() {
            libc::EADDRNOTAVAIL
            | libc::EAFNOSUPPORT
            | libc::EHOSTUNREACH
            | libc::ENETDOWN
            | libc::ENETUNREACH => Ok(false),
            e => Err(Error::System(e)),
        }
    };
    Ok(Configured {
        v4: probe("127.0.0.1:65535".parse().expect("literal"))?,
        v6: probe("[::1]:65535".parse().expect("literal"))?,
    })
}

/// `getaddrinfo(host, serv, hints)`: musl's flow below, glibc's in [`super::glibc`].
pub fn getaddrinfo(
    host: Option<&str>,
    serv: Option<&str>,
    hints: Option<Hints>,
    sem: Semantics,
) -> Result<AddrInfo> {
    if sem == Semantics::Glibc {
        return super::glibc::getaddrinfo(host, serv, hints);
    }
    if host.is_none() && serv.is_none() {
        return Err(Error::NotFound);
    }
    let h = hints.unwrap_or_else(|| Hints::null(sem));
    if hints.is_some() && h.flags & !MUSL_FLAGS != 0 {
        return Err(Error::BadFlags);
    }
    let mut family = Family::from_af(h.family).ok_or(Error::BadFamily)?;

    if h.flags & ai::ADDRCONFIG != 0 {
        let c = configured_musl()?;
        if (family == Family::Inet && !c.v4) || (family == Family::Inet6 && !c.v6) {
            return Err(Error::NotFound);
        }
        if family == Family::Unspec {
            match (c.v4, c.v6) {
                (true, false) => family = Family::Inet,
                (false, true) => family = Family::Inet6,
                (false, false) => return Err(Error::NotFound),
                _ => {}
            }
        }
    }

    let services: Vec<Service> = lookup_serv(
        serv,
        h.protocol,
        h.socktype,
        h.flags,
        sem,
        &config::services,
    )?;
    let mut names = lookup_name(host, family, h.flags, sem)?;
    super::sort::sort(&mut names.addrs);

    Ok(AddrInfo {
        entries: Entries::product(names.addrs, &services),
        canon: (!names.canon.is_empty()).then_some(names.canon),
        canon_on_all: true,
        flags: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every call [`numeric`] answers, [`getaddrinfo`] answers alike; and it answers the common
    /// ones.
    #[test]
    fn numeric_agrees_with_the_full_flow() {
        let hosts = [
            "10.0.0.1",
            "127.1",
            "0x7f.0.0.1",
            "2130706433",
            "2001:db8::1",
            "::1",
            "::",
            "::ffff:10.0.0.1",
            "fe80::1%1",
            "fe80::1%lo",
            "2001:db8::1%nosuchif",
            "1.2.3.4%1",
            "256.0.0.1",
            "*",
            &"1".repeat(300),
        ];
        let servs = [
            None,
            Some("80"),
            Some("0"),
            Some("65536"),
            Some(""),
            Some("*"),
        ];
        let flag_sets = [
            0,
            ai::PASSIVE,
            ai::CANONNAME,
            ai::NUMERICHOST,
            ai::V4MAPPED,
            ai::V4MAPPED | ai::ALL,
            ai::NUMERICSERV,
            ai::CANONNAME | ai::V4MAPPED,
            ai::IDN,
            0x1000,
        ];
        let families = [libc::AF_UNSPEC, libc::AF_INET, libc::AF_INET6, 99];
        let kinds = [
            (0, 0),
            (libc::SOCK_STREAM, 0),
            (libc::SOCK_DGRAM, libc::IPPROTO_UDP),
            (libc::SOCK_RAW, 0),
            (libc::SOCK_STREAM, libc::IPPROTO_UDP),
            (0, libc::IPPROTO_SCTP),
        ];
        let mut answered = 0;
        for sem in [Semantics::Musl, Semantics::Glibc] {
            for host in hosts {
                for serv in servs {
                    let mut hints: Vec<Option<Hints>> = vec![None];
                    for &flags in &flag_sets {
                        for &family in &families {
                            for &(socktype, protocol) in &kinds {
                                hints.push(Some(Hints {
                                    flags,
                                    family,
                                    socktype,
                                    protocol,
                                }));
                            }
                        }
                    }
                    for h in hints {
                        let Some(small) = numeric(host, serv, h, sem) else {
                            continue;
                        };
                        answered += 1;
                        let full = getaddrinfo(Some(host), serv, h, sem)
                            .unwrap_or_else(|e| panic!("{sem:?} {host} {serv:?} {h:?}: {e:?}"));
                        assert_eq!(
                            (
                                (0..small.len()).map(|i| small.entry(i)).collect::<Vec<_>>(),
                                small.canon.map(<[u8]>::to_vec),
                                small.canon_on_all,
                                small.flags
                            ),
                            (
                                full.entries.iter().collect::<Vec<_>>(),
                                full.canon,
                                full.canon_on_all,
                                full.flags
                            ),
                            "{sem:?} {host} {serv:?} {h:?}"
                        );
                    }
                }
            }
        }
        assert!(answered > 1000, "{answered}");
        let stream = Some(Hints {
            flags: 0,
            family: libc::AF_UNSPEC,
            socktype: libc::SOCK_STREAM,
            protocol: 0,
        });
        for sem in [Semantics::Musl, Semantics::Glibc] {
            for host in ["10.0.0.1", "2001:db8::1"] {
                for serv in [None, Some("80")] {
                    assert!(numeric(host, serv, stream, sem).is_some(), "{host}");
                }
            }
        }
        assert!(numeric("10.0.0.1", None, None, Semantics::Musl).is_some());
    }
}
