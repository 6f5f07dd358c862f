//! `getaddrinfo` as plain Rust: hints in, a list of (address, socket type) entries out.
//! musl's flow is here (`getaddrinfo.c`, `lookup_name.c`, `lookup_serv.c`); glibc's is in
//! [`super::glibc`]. `abi::addrinfo` turns the result into one malloc'd C block.

use super::name::lookup_name;
use super::serv::{lookup_serv, Service};
use super::{ai, Address, Family, Semantics};
use crate::{config, Error, Result};

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

/// The whole result list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrInfo {
    pub entries: Vec<Entry>,
    /// `ai_canonname`.
    pub canon: Option<String>,
    /// musl puts the canonical name on every entry, glibc only on the first.
    pub canon_on_all: bool,
    /// `ai_flags` of every entry: 0 in musl, the hints' flags in glibc (`AI_DEFAULT` for NULL
    /// hints).
    pub flags: i32,
}

const MUSL_FLAGS: i32 = ai::PASSIVE
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

    let mut entries = Vec::with_capacity(names.addrs.len() * services.len());
    for a in &names.addrs {
        for s in &services {
            entries.push(Entry {
                addr: *a,
                port: s.port,
                socktype: s.socktype,
                protocol: s.protocol,
            });
        }
    }
    Ok(AddrInfo {
        entries,
        canon: (!names.canon.is_empty()).then_some(names.canon),
        canon_on_all: true,
        flags: 0,
    })
}
