//! `getaddrinfo` as plain Rust: hints in, a list of (address, socket type) entries out.
//! `abi::addrinfo` turns the result into one malloc'd C block.

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
}

const MUSL_FLAGS: i32 = ai::PASSIVE
    | ai::CANONNAME
    | ai::NUMERICHOST
    | ai::V4MAPPED
    | ai::ALL
    | ai::ADDRCONFIG
    | ai::NUMERICSERV;
const GLIBC_FLAGS: i32 = MUSL_FLAGS | ai::IDN | ai::CANONIDN;

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

/// glibc (`__check_pf`): a family counts when an interface has an address of it other than
/// 127.0.0.1 / ::1.
fn configured_glibc() -> Configured {
    let mut c = Configured {
        v4: false,
        v6: false,
    };
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs writes a list head to `ifap` on success; freed below.
    if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
        return Configured { v4: true, v6: true };
    }
    let mut p = ifap;
    while !p.is_null() {
        // SAFETY: `p` is a node of the list getifaddrs returned, valid until freeifaddrs;
        // ifa_addr is NULL or points to a sockaddr of the family it names.
        unsafe {
            let sa = (*p).ifa_addr;
            if !sa.is_null() {
                match (*sa).sa_family as i32 {
                    libc::AF_INET => {
                        let sin = &*(sa as *const libc::sockaddr_in);
                        if sin.sin_addr.s_addr != u32::from_ne_bytes([127, 0, 0, 1]) {
                            c.v4 = true;
                        }
                    }
                    libc::AF_INET6 => {
                        let sin6 = &*(sa as *const libc::sockaddr_in6);
                        if std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr)
                            != std::net::Ipv6Addr::LOCALHOST
                        {
                            c.v6 = true;
                        }
                    }
                    _ => {}
                }
            }
            p = (*p).ifa_next;
        }
    }
    // SAFETY: `ifap` came from a successful getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(ifap) };
    c
}

/// `getaddrinfo(host, serv, hints)`.
pub fn getaddrinfo(
    host: Option<&str>,
    serv: Option<&str>,
    hints: Option<Hints>,
    sem: Semantics,
) -> Result<AddrInfo> {
    if host.is_none() && serv.is_none() {
        return Err(Error::NotFound);
    }
    let h = hints.unwrap_or_else(|| Hints::null(sem));
    let mask = if sem == Semantics::Musl {
        MUSL_FLAGS
    } else {
        GLIBC_FLAGS
    };
    if hints.is_some() && h.flags & !mask != 0 {
        return Err(Error::BadFlags);
    }
    if sem == Semantics::Glibc && h.flags & ai::CANONNAME != 0 && host.is_none() {
        return Err(Error::BadFlags);
    }
    let mut family = Family::from_af(h.family).ok_or(Error::BadFamily)?;

    if h.flags & ai::ADDRCONFIG != 0 {
        let c = match sem {
            Semantics::Musl => configured_musl()?,
            Semantics::Glibc => configured_glibc(),
        };
        match (sem, family) {
            (Semantics::Musl, _) | (Semantics::Glibc, Family::Inet | Family::Inet6) => {
                if (family == Family::Inet && !c.v4) || (family == Family::Inet6 && !c.v6) {
                    return Err(Error::NotFound);
                }
                if family == Family::Unspec {
                    match (c.v4, c.v6) {
                        (true, false) => family = Family::Inet,
                        (false, true) => family = Family::Inet6,
                        (false, false) if sem == Semantics::Musl => return Err(Error::NotFound),
                        _ => {}
                    }
                }
            }
            (Semantics::Glibc, Family::Unspec) => {
                if c.v4 != c.v6 {
                    family = if c.v4 { Family::Inet } else { Family::Inet6 };
                }
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
    let canon = match sem {
        Semantics::Musl => (!names.canon.is_empty()).then_some(names.canon),
        Semantics::Glibc => (h.flags & ai::CANONNAME != 0 && host.is_some()).then(|| {
            if names.canon.is_empty() {
                host.unwrap_or_default().to_string()
            } else {
                names.canon
            }
        }),
    };
    Ok(AddrInfo {
        entries,
        canon,
        canon_on_all: sem == Semantics::Musl,
    })
}
