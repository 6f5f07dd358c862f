//! musl's `getaddrinfo` (`getaddrinfo.c`): the flag and family checks, `AI_ADDRCONFIG` by
//! route probes, `__lookup_serv`, `__lookup_name`, the RFC 6724 sort; and the same for a
//! numeric host with a numeric or no service, without allocating ([`numeric`]).

use super::lookup_name::lookup_name;
use super::{serv, sort};
use crate::config;
use crate::lookup::name::MAX_HOST_LEN;
use crate::lookup::types::{ai, AddrInfo, Address, Entries, Family, Hints, Small};
use crate::numeric::{may_be_literal, parse_literal, Literal};
use crate::sys::{EADDRNOTAVAIL, EAFNOSUPPORT, EHOSTUNREACH, ENETDOWN, ENETUNREACH};
use crate::{Error, Result};
use std::net::IpAddr;

/// Which families have a configured address (`AI_ADDRCONFIG`).
#[derive(Debug, Clone, Copy)]
struct Configured {
    v4: bool,
    v6: bool,
}

/// musl: a family counts as configured when a UDP socket of it can be connected to its
/// loopback address.
fn configured() -> Result<Configured> {
    let probe = |addr: std::net::SocketAddr| -> Result<bool> {
        if crate::sys::route_source(&addr).is_some() {
            return Ok(true);
        }
        match crate::sys::errno() {
            EADDRNOTAVAIL | EAFNOSUPPORT | EHOSTUNREACH | ENETDOWN | ENETUNREACH => Ok(false),
            e => Err(Error::System(e)),
        }
    };
    Ok(Configured {
        v4: probe("127.0.0.1:65535".parse().expect("literal"))?,
        v6: probe("[::1]:65535".parse().expect("literal"))?,
    })
}

/// `getaddrinfo(host, serv, hints)` as musl 1.2.3 answers it.
pub(crate) fn getaddrinfo(
    host: Option<&str>,
    serv: Option<&str>,
    hints: Option<Hints>,
) -> Result<AddrInfo> {
    if host.is_none() && serv.is_none() {
        return Err(Error::NotFound);
    }
    let h = hints.unwrap_or(Hints::with_flags(0));
    if hints.is_some() && h.flags & !ai::MUSL_FLAGS != 0 {
        return Err(Error::BadFlags);
    }
    let mut family = Family::from_af(h.family).ok_or(Error::BadFamily)?;

    if h.flags & ai::ADDRCONFIG != 0 {
        let c = configured()?;
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

    let services = serv::lookup_serv(serv, h.protocol, h.socktype, h.flags, &config::services)?;
    let mut names = lookup_name(host, family, h.flags)?;
    sort::sort(&mut names.addrs);

    Ok(AddrInfo {
        entries: Entries::product(names.addrs, &services),
        canon: (!names.canon.is_empty()).then_some(names.canon),
        canon_on_all: true,
        flags: 0,
    })
}

/// musl's flow above for a numeric host: `__lookup_serv`, `__lookup_name`'s
/// `name_from_numeric` and its v4-mapped step; one address needs no sorting. `None` for every
/// other call, and for these when they fail: then [`getaddrinfo`] answers.
pub(crate) fn numeric<'a>(
    host: &'a str,
    serv: Option<&str>,
    hints: Option<Hints>,
) -> Option<Small<'a>> {
    // A host name (the usual case): nothing else to look at.
    if !may_be_literal(host) {
        return None;
    }
    let h = hints.unwrap_or(Hints::with_flags(0));
    if h.flags & !ai::MUSL_FLAGS != 0 || h.flags & ai::ADDRCONFIG != 0 || host.len() > MAX_HOST_LEN
    {
        return None;
    }
    let family = Family::from_af(h.family)?;
    let services = serv::step(serv, h.protocol, h.socktype, h.flags)
        .ok()?
        .done()?;
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
