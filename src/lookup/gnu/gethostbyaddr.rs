//! glibc's `gethostbyaddr_r` (`inet/gethstbyad_r.c`, the `files` and `dns` modules), with what
//! it returns and writes besides the entry.

use crate::lookup::reverse::{self, NoName};
use crate::lookup::types::{Errnos, HostEnt, Semantics};
use crate::sys::{AF_INET, AF_INET6};
use crate::{Error, Result};
use std::net::IpAddr;

/// `gethostbyaddr_r(addr)`: `::` is HOST_NOT_FOUND and `ENOENT` without a question; a name
/// from the hosts file leaves `*h_errnop` as it was; a failed question returns 0 with its
/// `h_errno` in `*h_errnop` and the thread's (REFUSED and SERVFAIL are TRY_AGAIN); an answer
/// without a usable PTR record NO_RECOVERY (no PTR record: TRYAGAIN, `EAGAIN`; a name that is
/// no host name: UNAVAIL, 0). A name from DNS for a v4-mapped address comes back as the IPv4
/// address, `AF_INET` (nss_dns unmaps it).
pub(crate) fn gethostbyaddr(addr: IpAddr) -> (Result<HostEnt>, Errnos) {
    let af = if addr.is_ipv4() { AF_INET } else { AF_INET6 };
    if matches!(addr, IpAddr::V6(a) if a.is_unspecified()) {
        let e = Error::NotFound;
        return (Err(e), Errnos::module(Some(e), Err(e)));
    }
    let f = match reverse::lookup(&addr, 0, Semantics::Glibc) {
        Ok(f) => f,
        Err(NoName::Query(e)) => {
            let errnos = Errnos {
                ret: None,
                ..Errnos::of_error(e)
            };
            return (Err(e), errnos);
        }
        Err(e @ NoName::NoPtr) => {
            let errnos = Errnos::module(Some(Error::TryAgain), Err(Error::Fail));
            return (Err(e.error()), errnos);
        }
        Err(e @ NoName::BadName) => {
            return (Err(e.error()), Errnos::module(None, Err(Error::Fail)));
        }
    };
    let (addrtype, addr) = match addr {
        IpAddr::V6(a) if !f.from_hosts => match reverse::ipv4_part(&a, Semantics::Glibc) {
            Some(v4) => (AF_INET, IpAddr::V4(v4)),
            None => (af, addr),
        },
        _ => (af, addr),
    };
    let errnos = Errnos {
        ret: None,
        h_errnop: (!f.from_hosts).then_some(Ok(())),
        h_errno: None,
    };
    let h = HostEnt {
        name: f.name,
        aliases: f.aliases,
        addrtype,
        addrs: vec![addr],
    };
    (Ok(h), errnos)
}
