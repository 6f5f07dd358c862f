//! Names to addresses and back, as the emulated C library does it: numeric hosts, the hosts
//! file, the search list, DNS, sorting, services; the `getaddrinfo`, `gethostbyname`,
//! `getnameinfo` and `res_*` results as plain Rust values (`abi` turns them into C).
//!
//! Two sets of rules live here, each in its own folder: musl's ([`musl`], the musl build's
//! default) and glibc's ([`gnu`]: the glibc build, or the musl build with
//! `DNSSHIM_COMPAT=glibc`). [`Semantics::current`] picks one per call and the functions below
//! hand the call to that flow: the one place the two meet. What both use lives beside them:
//! the shared types ([`types`]), host-name checks ([`name`]), `options no-aaaa`
//! ([`no_aaaa`]), resolv.conf's `sortlist` ([`sortlist`]), address-to-name lookups
//! ([`reverse`]), and the parts of `getnameinfo` ([`nameinfo`]) and of the `res_*` functions
//! ([`res`]) that do not differ.

pub(crate) mod ask;
pub(crate) mod gnu;
pub(crate) mod musl;
pub mod name;
pub mod nameinfo;
pub(crate) mod no_aaaa;
pub mod res;
pub mod reverse;
pub(crate) mod sortlist;
pub mod types;

pub use gnu::nss::{Modules, NoModules};
pub use types::{
    ai, known_ai_flags, AddrInfo, Address, Addresses, Entries, Entry, Errnos, Family, Hints,
    HostEnt, Looked, Names, Semantics, Service, ServiceList, ServiceVec, Small, PROGRAM_LIBC,
};

use crate::config;
use crate::sys::{AF_INET, AF_INET6};
use crate::{Error, Result};
use nameinfo::{NameInfo, Request};
use res::{Done, Mkquery, Question};
use std::net::IpAddr;

/// `getaddrinfo(host, serv, hints)`: the whole result list. `modules`: the NSS modules of the
/// `hosts:` line (glibc's rules; musl's have none).
pub fn getaddrinfo(
    host: Option<&str>,
    serv: Option<&str>,
    hints: Option<Hints>,
    sem: Semantics,
    modules: &mut dyn Modules,
) -> Result<AddrInfo> {
    match sem {
        Semantics::Musl => musl::getaddrinfo::getaddrinfo(host, serv, hints),
        Semantics::Glibc => gnu::getaddrinfo::getaddrinfo(host, serv, hints, modules),
    }
}

/// `getaddrinfo` of a numeric host with a numeric or no service, without `AI_ADDRCONFIG`: no
/// file, no socket, no heap. `None` for every other call, and for these when they fail: then
/// [`getaddrinfo`] answers (for the calls answered here it gives the same result, as
/// `tests/core.rs` and `tests/conformance.rs` check against both libcs, and the unit tests
/// below against [`getaddrinfo`] itself).
#[inline]
pub fn numeric<'a>(
    host: &'a str,
    serv: Option<&str>,
    hints: Option<Hints>,
    sem: Semantics,
) -> Option<Small<'a>> {
    match sem {
        Semantics::Musl => musl::getaddrinfo::numeric(host, serv, hints),
        Semantics::Glibc => gnu::getaddrinfo::numeric(host, serv, hints),
    }
}

/// `gethostbyname2(name, af)`. `Err(Error::BadFamily)` for families other than IPv4/IPv6.
pub fn gethostbyname2(name: &str, af: i32, sem: Semantics, modules: &mut dyn Modules) -> Looked {
    match sem {
        Semantics::Musl => musl::hostent::gethostbyname2(name, af),
        Semantics::Glibc => gnu::gethostbyname::gethostbyname2(name, af, modules).into(),
    }
}

/// `gethostbyname(name)`: `gethostbyname2(name, AF_INET)` (glibc: its NSS modules asked
/// through their `gethostbyname_r`), or with `options inet6` (what resolv.conf(5) documents
/// and glibc before 2.30 did): IPv6 first, and when the name has no IPv6 address its IPv4
/// addresses as `::ffff:a.b.c.d`, `AF_INET6` (see [`inet6`]).
pub fn gethostbyname(name: &str, sem: Semantics, modules: &mut dyn Modules) -> Looked {
    match sem {
        Semantics::Musl => musl::hostent::gethostbyname2(name, AF_INET),
        Semantics::Glibc => gnu::gethostbyname::gethostbyname(name, modules).into(),
    }
}

/// Whether `gethostbyname` and `gethostbyname_r` follow `options inet6` ([`gethostbyname_inet6`]).
pub fn inet6() -> bool {
    config::resolv_conf().inet6
}

/// `gethostbyname(name)` with `options inet6`: IPv6 first, and when the name has no IPv6
/// address its IPv4 addresses as `::ffff:a.b.c.d`, `AF_INET6`.
pub fn gethostbyname_inet6(name: &str, sem: Semantics, modules: &mut dyn Modules) -> Looked {
    let six = gethostbyname2(name, AF_INET6, sem, modules);
    if !matches!(six.found, Err(Error::NotFound | Error::NoData)) {
        return six;
    }
    let mut four = gethostbyname2(name, AF_INET, sem, modules);
    if let Ok(h) = &mut four.found {
        h.addrtype = AF_INET6;
        for a in &mut h.addrs {
            if let IpAddr::V4(v4) = *a {
                *a = IpAddr::V6(v4.to_ipv6_mapped());
            }
        }
    }
    four
}

/// `gethostbyaddr`: the hosts file, then a PTR question ([`reverse`]); glibc's rules: the
/// sources of the `hosts:` line.
pub fn gethostbyaddr(addr: IpAddr, sem: Semantics, modules: &mut dyn Modules) -> Looked {
    match sem {
        Semantics::Musl => musl::hostent::gethostbyaddr(addr),
        Semantics::Glibc => gnu::gethostbyaddr::gethostbyaddr(addr, modules).into(),
    }
}

/// `getnameinfo` for an IPv4 or IPv6 socket address. Errors: `BadFlags` (glibc), `NotFound`
/// (`EAI_NONAME`), `TryAgain` (glibc: DNS temporarily failing), `System`, `Overflow`.
pub fn getnameinfo(r: &Request, sem: Semantics, modules: &mut dyn Modules) -> Result<NameInfo> {
    match sem {
        Semantics::Musl => musl::nameinfo::getnameinfo(r),
        Semantics::Glibc => gnu::nameinfo::getnameinfo(r, modules),
    }
}

/// `res_mkquery`: the query, or `None` (-1).
pub fn res_mkquery(m: &Mkquery<'_>, sem: Semantics) -> Option<Vec<u8>> {
    match sem {
        Semantics::Musl => musl::res::mkquery(m),
        Semantics::Glibc => gnu::res::mkquery(m, &config::resolv_conf()),
    }
}

/// `res_query(name, class, type, anslen)`.
pub fn res_query(q: Question<'_>, sem: Semantics) -> Done {
    match sem {
        Semantics::Musl => musl::res::query(q),
        Semantics::Glibc => gnu::res::query(q),
    }
}

/// `res_search(name, class, type, anslen)`: musl's is `res_query` (an alias of it); glibc's
/// goes through the search list ([`gnu::search`]).
pub fn res_search(q: Question<'_>, sem: Semantics) -> Done {
    match sem {
        Semantics::Musl => musl::res::query(q),
        Semantics::Glibc => gnu::res::search(q),
    }
}

/// `res_querydomain(name, domain, class, type, anslen)`: `name.domain` (just `name` for a NULL
/// domain).
pub fn res_querydomain(q: Question<'_>, domain: Option<&[u8]>, sem: Semantics) -> Done {
    match sem {
        Semantics::Musl => musl::res::querydomain(q, domain),
        Semantics::Glibc => gnu::res::querydomain(q, domain),
    }
}

/// `res_send(msg, anslen)`: the caller's query as it is ([`res::send`]).
pub fn res_send(msg: &[u8], anslen: usize, sem: Semantics) -> Done {
    res::send(msg, anslen, sem)
}

/// The first of the names the search list makes of `name` that `ask` finds, in the emulated
/// libc's order (musl: [`musl::lookup_name::search`]; glibc: [`gnu::search::res_search`]).
/// For the `dnsshim resolve` command: any record type through the library's search list.
pub fn search<T>(name: &str, sem: Semantics, mut ask: impl FnMut(&str) -> Result<T>) -> Result<T> {
    let conf = config::resolv_conf();
    match sem {
        Semantics::Musl => musl::lookup_name::search(&conf, name, ask),
        Semantics::Glibc => {
            let s = gnu::search::res_search(
                &conf,
                name,
                |full| Ok(ask(gnu::search::question_name(full))),
                Err,
            )?;
            if s.found() {
                s.last
            } else {
                Err(s.h_errno)
            }
        }
    }
}

/// Whether the emulated libc finds `name` in the hosts file (for `family`): for the command's
/// account of where an answer came from.
pub fn in_hosts_file(name: &str, family: Family, sem: Semantics) -> bool {
    match sem {
        Semantics::Musl => {
            matches!(
                musl::lookup_name::from_hosts(&config::hosts(), name, family),
                Ok(Some(_))
            )
        }
        Semantics::Glibc => match family {
            Family::Unspec => gnu::files::gethostbyname4(name).is_success(),
            Family::Inet => gnu::files::gethostbyname3(name, AF_INET).is_success(),
            Family::Inet6 => gnu::files::gethostbyname3(name, AF_INET6).is_success(),
        },
    }
}

#[cfg(test)]
mod tests;
