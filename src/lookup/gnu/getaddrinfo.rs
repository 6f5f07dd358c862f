//! glibc's `getaddrinfo` (2.36, `sysdeps/posix/getaddrinfo.c`) step by step: `*` for NULL,
//! the flag and family checks, `AI_ADDRCONFIG` by rtnetlink ([`super::netlink`]), the service
//! tuples ([`super::serv`]), the NULL host, numeric hosts (`EAI_ADDRFAMILY` on a family
//! mismatch), the `gethostbyname2_r` short cut for `AF_INET` without `AI_CANONNAME`, then the
//! hosts database (`files`, then `dns`: [`super::hosts`]), `AI_V4MAPPED` filtering,
//! `ai_flags` copied into every result, and the RFC 3484 sort ([`super::sort`]); and the same
//! for a numeric host with a numeric or no service, without allocating ([`numeric`]).

use super::gethostbyname::gethostbyname2_dns_failure;
use super::hosts::{get_nss_addresses, GaihResult, Walk};
use super::nss::{hosts_line, internal, system_error, Modules, FIRST_MODULE_BUFFER};
use super::{netlink, serv, sort};
use crate::config;
use crate::config::nsswitch::Hosts;
use crate::lookup::types::{
    ai, known_ai_flags, AddrInfo, Address, Canon, Entries, Hints, Small, PROGRAM_LIBC,
};
use crate::numeric::{has_colon, inet_aton, inet_pton6, may_be_literal, scopeid_pton};
use crate::sys::{AF_INET, AF_INET6, AF_UNSPEC};
use crate::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// glibc's `AI_DEFAULT`, the flags of NULL hints.
pub(crate) const AI_DEFAULT: i32 = ai::V4MAPPED | ai::ADDRCONFIG;

/// `getaddrinfo(host, serv, hints)` as glibc 2.36 answers it.
pub(crate) fn getaddrinfo(
    host: Option<&str>,
    serv: Option<&str>,
    hints: Option<Hints>,
    modules: &mut dyn Modules,
) -> Result<AddrInfo> {
    let host = host.filter(|h| *h != "*");
    let serv = serv.filter(|s| *s != "*");
    if host.is_none() && serv.is_none() {
        return Err(Error::NotFound);
    }
    let mut h = hints.unwrap_or(Hints::with_flags(AI_DEFAULT));
    if h.flags & !known_ai_flags(PROGRAM_LIBC) != 0 {
        return Err(Error::BadFlags);
    }
    if h.flags & ai::CANONNAME != 0 && host.is_none() {
        return Err(Error::BadFlags);
    }
    if ![AF_UNSPEC, AF_INET, AF_INET6].contains(&h.family) {
        return Err(Error::BadFamily);
    }
    if h.flags & ai::ADDRCONFIG != 0 {
        let (v4, v6) = match netlink::check_pf() {
            Some(i) => (i.seen_ipv4, i.seen_ipv6),
            None => (true, true),
        };
        if h.family == AF_UNSPEC && (v4 || v6) {
            if v4 != v6 {
                h.family = if v4 { AF_INET } else { AF_INET6 };
            }
        } else if (h.family == AF_INET && !v4) || (h.family == AF_INET6 && !v6) {
            return Err(Error::NotFound);
        }
    }
    let service = serv::service(serv, h.flags)?;

    // getservbyname_r is an NSS lookup too: an nsswitch.conf glibc cannot read fails it.
    let services = || match *hosts_line() {
        Hosts::Invalid => std::sync::Arc::new(config::Services::default()),
        Hosts::Line(_) => config::services(),
    };
    let st = serv::servtuples(service, h.socktype, h.protocol, &services)?;
    let res = gaih_inet(host, &h, modules)?;

    // generate_addrinfo: v4-mapped results go when IPv6 ones were found, unless AI_ALL.
    let mut at: Vec<Address> = res
        .at
        .into_iter()
        .filter(|a| {
            !(res.got_ipv6
                && h.flags & (ai::V4MAPPED | ai::ALL) == ai::V4MAPPED
                && matches!(a.ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some()))
        })
        .collect();
    if at.len() > 1 {
        sort::sort(&mut at);
    }
    let entries = Entries::product(at.into(), &st);
    if entries.is_empty() {
        return Err(Error::NotFound);
    }
    Ok(AddrInfo {
        entries,
        canon: res.canon.map(Canon::from_vec),
        canon_on_all: false,
        flags: h.flags,
    })
}

/// `gaih_inet` from the NULL host to `process_canonname`.
fn gaih_inet(name: Option<&str>, req: &Hints, modules: &mut dyn Modules) -> Result<GaihResult> {
    let Some(name) = name else {
        return Ok(GaihResult {
            at: local_addresses(req),
            ..GaihResult::default()
        });
    };
    let mut res = match text_to_binary(name, req)? {
        Some(r) => r,
        None => match try_simple_gethostbyname(name, req, &mut *modules)? {
            Some(r) => r,
            None => {
                let mut w = Walk {
                    vars: modules.vars(),
                    modules,
                    buflen: FIRST_MODULE_BUFFER,
                    dns_failed: false,
                };
                get_nss_addresses(name, req, &mut w)?.ok_or(Error::NotFound)?
            }
        },
    };
    if req.flags & ai::CANONNAME != 0 && res.canon.is_none() {
        res.canon = Some(name.as_bytes().to_vec());
    }
    Ok(res)
}

/// `get_local_addresses`: IPv6 first, then IPv4; loopback, or the wildcard with `AI_PASSIVE`.
fn local_addresses(req: &Hints) -> Vec<Address> {
    let passive = req.flags & ai::PASSIVE != 0;
    let mut v = Vec::with_capacity(2);
    if req.family != AF_INET {
        let a = if passive {
            Ipv6Addr::UNSPECIFIED
        } else {
            Ipv6Addr::LOCALHOST
        };
        v.push(Address::new(IpAddr::V6(a)));
    }
    if req.family != AF_INET6 {
        let a = if passive {
            Ipv4Addr::UNSPECIFIED
        } else {
            Ipv4Addr::LOCALHOST
        };
        v.push(Address::new(IpAddr::V4(a)));
    }
    v
}

/// `text_to_binary_address`: a numeric host (`inet_aton` forms, IPv6 with a `%scope`).
/// `Ok(None)` when `name` is not numeric; `EAI_ADDRFAMILY` for an address of a family not
/// asked for (v4-mapped addresses convert both ways where glibc converts them).
fn text_to_binary(name: &str, req: &Hints) -> Result<Option<GaihResult>> {
    let canon = (req.flags & ai::CANONNAME != 0).then(|| name.as_bytes().to_vec());
    let one = |ip: IpAddr, scope_id: u32| GaihResult {
        at: vec![Address { ip, scope_id }],
        canon: canon.clone(),
        got_ipv6: false,
    };
    if let Some(a) = inet_aton(name) {
        return match req.family {
            AF_UNSPEC | AF_INET => Ok(Some(one(IpAddr::V4(a), 0))),
            AF_INET6 if req.flags & ai::V4MAPPED != 0 => {
                Ok(Some(one(IpAddr::V6(a.to_ipv6_mapped()), 0)))
            }
            _ => Err(Error::AddrFamily),
        };
    }
    let (addr, scope) = match name.find('%') {
        Some(i) => (&name[..i], Some(&name[i + 1..])),
        None => (name, None),
    };
    if let Some(a) = inet_pton6(addr) {
        let ip = match req.family {
            AF_UNSPEC | AF_INET6 => IpAddr::V6(a),
            AF_INET if a.to_ipv4_mapped().is_some() => {
                IpAddr::V4(a.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED))
            }
            _ => return Err(Error::AddrFamily),
        };
        let scope_id = match scope {
            None => 0,
            Some(s) => scopeid_pton(&a, s).ok_or(Error::NotFound)?,
        };
        return Ok(Some(one(ip, scope_id)));
    }
    if req.flags & ai::NUMERICHOST != 0 {
        return Err(Error::NotFound);
    }
    Ok(None)
}

/// `try_simple_gethostbyname`: `AF_INET` without `AI_CANONNAME` asks `gethostbyname2_r`
/// (with a buffer of glibc's own: [`super::walk::hostent_walk`] grows it), whose `h_errno`
/// is the thread's: what the sources left in `*h_errnop`, else what the resolver wrote there.
fn try_simple_gethostbyname(
    name: &str,
    req: &Hints,
    modules: &mut dyn Modules,
) -> Result<Option<GaihResult>> {
    if req.family != AF_INET || req.flags & ai::CANONNAME != 0 {
        return Ok(None);
    }
    let before = modules.vars().h_errnop;
    let (found, errnos, dns_failure) = gethostbyname2_dns_failure(name, AF_INET, modules);
    let h = errnos
        .h_errnop
        .or(errnos.h_errno)
        .or(before)
        .unwrap_or(Ok(()));
    match (found, errnos.ret) {
        (Ok(h), None) => Ok(Some(GaihResult {
            at: h.addrs.into_iter().map(Address::new).collect(),
            canon: None,
            got_ipv6: false,
        })),
        (Err(Error::Memory), _) => Err(Error::Memory),
        // Every server broken: EAI_FAIL, as getaddrinfo's own walk reports it.
        (Err(_), _) if dns_failure == Some(Error::Fail) => Err(Error::Fail),
        // gethostbyname2_r returned 0 without an entry: NOTFOUND.
        (_, None) if h == Err(Error::NoData) => Err(Error::NoData),
        (_, None) => Err(Error::NotFound),
        // It returned an error number.
        (_, Some(ret)) if internal(h) => Err(system_error(Some(ret))),
        (_, Some(_)) if h == Err(Error::TryAgain) => Err(Error::TryAgain),
        (_, Some(_)) => Err(Error::NoData),
    }
}

/// The flags [`numeric`] answers for: POSIX ones glibc accepts, without `AI_ADDRCONFIG` (its
/// interface check) and the IDN bits (rare; [`getaddrinfo`] handles them).
const GLIBC_NUMERIC_FLAGS: i32 =
    ai::PASSIVE | ai::CANONNAME | ai::NUMERICHOST | ai::V4MAPPED | ai::ALL | ai::NUMERICSERV;

/// glibc's flow ([`getaddrinfo`]) for a numeric host without a scope: `get_servtuples`,
/// `text_to_binary_address`; one address needs no sorting. `None` for every other call, and
/// for these when they fail: then [`getaddrinfo`] answers.
pub(crate) fn numeric<'a>(
    host: &'a str,
    serv: Option<&str>,
    hints: Option<Hints>,
) -> Option<Small<'a>> {
    // A host name (the usual case): nothing else to look at.
    if !may_be_literal(host) {
        return None;
    }
    // NULL hints mean AI_ADDRCONFIG; "*" is no service.
    let h = hints?;
    if h.flags & !GLIBC_NUMERIC_FLAGS != 0 {
        return None;
    }
    let serv = serv.filter(|s| *s != "*");
    let services = serv::step(serv::service(serv, h.flags).ok()?, h.socktype, h.protocol)
        .ok()?
        .done()?;
    let v4mapped = h.flags & ai::V4MAPPED != 0;
    // text_to_binary_address: inet_aton, then inet_pton (`has_colon` tells which can succeed).
    // Neither accepts a `%`: a scope is left to the full flow.
    let ip = if !has_colon(host) {
        let a = inet_aton(host)?;
        match h.family {
            AF_UNSPEC | AF_INET => IpAddr::V4(a),
            AF_INET6 if v4mapped => IpAddr::V6(a.to_ipv6_mapped()),
            _ => return None,
        }
    } else {
        let a = inet_pton6(host)?;
        match h.family {
            AF_UNSPEC | AF_INET6 => IpAddr::V6(a),
            AF_INET => IpAddr::V4(a.to_ipv4_mapped()?),
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
