//! glibc's `gethostbyaddr_r` (`inet/gethstbyad_r.c`): the sources of the `hosts:` line
//! ([`super::walk`]), the library's own `files` and `dns` among them, with what it returns
//! and writes besides the entry.

use super::nss::{Modules, Nss, Query, Vars};
use super::walk::{hostent_walk, OwnSource};
use crate::config;
use crate::lookup::reverse::{self, Found, NoName};
use crate::lookup::types::{Errnos, HostEnt, Semantics};
use crate::sys::{AF_INET, AF_INET6, ECONNREFUSED};
use crate::{Error, Result};
use std::net::IpAddr;

/// `gethostbyaddr_r(addr)`: `::` is HOST_NOT_FOUND and `ENOENT` without a question; then the
/// walk, modules asked through `gethostbyaddr_r`. `files`: a name from the hosts file leaves
/// `*h_errnop` as it was. `dns`: a failed question is NOTFOUND (UNAVAIL when `errno` was
/// `ECONNREFUSED` before it) with its `h_errno` in `*h_errnop` and the thread's (REFUSED and
/// SERVFAIL are TRY_AGAIN); an answer without a usable PTR record NO_RECOVERY (no PTR
/// record: TRYAGAIN, `EAGAIN`; a name that is no host name: UNAVAIL). A name from DNS for a
/// v4-mapped address comes back as the IPv4 address, `AF_INET` (nss_dns unmaps it).
pub(crate) fn gethostbyaddr(addr: IpAddr, modules: &mut dyn Modules) -> (Result<HostEnt>, Errnos) {
    if matches!(addr, IpAddr::V6(a) if a.is_unspecified()) {
        let e = Error::NotFound;
        return (Err(e), Errnos::module(Some(e), Err(e)));
    }
    hostent_walk(modules, Query::ByAddr(addr), |source, vars| match source {
        OwnSource::Files => {
            match reverse::from_hosts(&config::hosts(), &addr, 0, Semantics::Glibc) {
                Some(f) => (Nss::Success(entry(f, addr)), Errnos::default()),
                None => {
                    let e = Error::NotFound;
                    (Nss::NotFound(e), Errnos::module(None, Err(e)))
                }
            }
        }
        OwnSource::Dns => match dns(&addr, vars) {
            Ok(f) => (
                Nss::Success(entry(f, addr)),
                Errnos {
                    ret: None,
                    h_errnop: Some(Ok(())),
                    h_errno: None,
                },
            ),
            // nss_dns puts `errno` back as the module found it, then reads it: UNAVAIL when
            // a source before it left ECONNREFUSED there.
            Err(NoName::Query(e)) => {
                let errnos = Errnos {
                    ret: None,
                    ..Errnos::of_error(e)
                };
                let status = if vars.errno == Some(Error::System(ECONNREFUSED)) {
                    Nss::Unavail(e)
                } else {
                    Nss::NotFound(e)
                };
                (status, errnos)
            }
            Err(NoName::NoPtr) => (
                Nss::TryAgain(Error::Fail),
                Errnos::module(Some(Error::TryAgain), Err(Error::Fail)),
            ),
            Err(NoName::BadName) => (
                Nss::Unavail(Error::Fail),
                Errnos::module(None, Err(Error::Fail)),
            ),
        },
    })
}

/// The `dns` source's question; one that was answered leaves `errno` 0, as glibc's resolver
/// does (a failed one leaves it as the source found it).
fn dns(addr: &IpAddr, vars: &mut Vars) -> std::result::Result<Found, NoName> {
    let r = reverse::from_dns(addr, Semantics::Glibc);
    if !matches!(r, Err(NoName::Query(_))) {
        vars.errno = None;
    }
    r
}

/// The entry of a name found for `addr`.
fn entry(f: Found, addr: IpAddr) -> HostEnt {
    let af = if addr.is_ipv4() { AF_INET } else { AF_INET6 };
    let (addrtype, addr) = match addr {
        IpAddr::V6(a) if !f.from_hosts => match reverse::ipv4_part(&a, Semantics::Glibc) {
            Some(v4) => (AF_INET, IpAddr::V4(v4)),
            None => (af, addr),
        },
        _ => (af, addr),
    };
    HostEnt {
        name: f.name,
        aliases: f.aliases,
        addrtype,
        addrs: vec![addr],
    }
}
