//! glibc's `gethostbyname2_r` and `gethostbyname_r` (`nss/getXXbyYY_r.c`,
//! `nss/digits_dots.c`): an address literal answers itself; otherwise the sources of the
//! `hosts:` line ([`super::walk`]), the library's own `files` and `dns` among them; with what
//! the call returns and writes besides the entry ([`Errnos`]).

use super::nss::{HostData, Modules, Nss, Query, NETDB_INTERNAL};
use super::walk::{hostent_walk, own_failure, OwnSource};
use super::{dns, files};
use crate::config;
use crate::lookup::types::{Address, Errnos, HostEnt};
use crate::numeric::{inet_aton, inet_pton6};
use crate::sys::{AF_INET, AF_INET6};
use crate::{Error, Result};
use std::net::IpAddr;

/// `__nss_hostname_digits_dots` for `af`: `Some` when `name` is handled as an address literal
/// (successfully or not), `None` when the NSS modules are to be asked.
fn digits_dots(name: &str, af: i32) -> Option<Nss<HostData>> {
    let b = name.as_bytes();
    let first = *b.first()?;
    let not_found = || Some(Nss::NotFound(Error::NotFound));
    let literal = |ip: IpAddr| {
        Some(Nss::Success(HostData {
            name: name.to_string(),
            aliases: Vec::new(),
            addrs: vec![Address::new(ip)],
        }))
    };
    if !(first.is_ascii_hexdigit() || first == b':') {
        return None;
    }
    if first.is_ascii_digit()
        && b.iter().all(|c| c.is_ascii_digit() || *c == b'.')
        && !name.ends_with('.')
    {
        return match af {
            AF_INET6 => match inet_pton6(name) {
                Some(a) => literal(IpAddr::V6(a)),
                None => not_found(),
            },
            _ => match inet_aton(name) {
                Some(a) => literal(IpAddr::V4(a)),
                None => not_found(),
            },
        };
    }
    if (first.is_ascii_hexdigit() && name.contains(':')) || first == b':' {
        if af != AF_INET6 {
            return not_found();
        }
        if b.iter()
            .all(|c| c.is_ascii_hexdigit() || *c == b':' || *c == b'.')
            && !name.ends_with('.')
        {
            return match inet_pton6(name) {
                Some(a) => literal(IpAddr::V6(a)),
                None => not_found(),
            };
        }
    }
    None
}

/// `gethostbyname2_r(name, af)` as glibc runs it: an address literal answers itself
/// ([`digits_dots`]); otherwise the walk of the `hosts:` line ([`hostent_walk`]), modules
/// asked through `gethostbyname2_r`. The entry, with what the call returns and writes.
/// Failures as [`Error`]s whose `h_errno` is glibc's: `NotFound` (HOST_NOT_FOUND), `NoData`
/// (NO_DATA), `TryAgain` (TRY_AGAIN), `Fail` (NO_RECOVERY: an answer without an address),
/// `BadFamily` (an unsupported family), `Overflow` (the caller's buffer too small).
pub(crate) fn gethostbyname2(
    name: &str,
    af: i32,
    modules: &mut dyn Modules,
) -> (Result<HostEnt>, Errnos) {
    lookup(name, af, Query::ByName2(name, af), modules, &mut None)
}

/// [`gethostbyname2`] for `getaddrinfo`'s `try_simple_gethostbyname`, and the library's own
/// failure reported as an error when the `dns` source had one (every server broken: the walk
/// goes on as after glibc's NOTFOUND, but `getaddrinfo` reports `EAI_FAIL`, docs/compat.md
/// `malformed-answer`).
pub(crate) fn gethostbyname2_dns_failure(
    name: &str,
    af: i32,
    modules: &mut dyn Modules,
) -> (Result<HostEnt>, Errnos, Option<Error>) {
    let mut failure = None;
    let (found, errnos) = lookup(name, af, Query::ByName2(name, af), modules, &mut failure);
    (found, errnos, failure)
}

/// `gethostbyname_r(name)` as glibc runs it: [`gethostbyname2`] for `AF_INET`, but modules are
/// asked through their own `gethostbyname_r` (a module without one is passed over).
pub(crate) fn gethostbyname(name: &str, modules: &mut dyn Modules) -> (Result<HostEnt>, Errnos) {
    lookup(name, AF_INET, Query::ByName(name), modules, &mut None)
}

fn lookup(
    name: &str,
    af: i32,
    q: Query<'_>,
    modules: &mut dyn Modules,
    dns_failure: &mut Option<Error>,
) -> (Result<HostEnt>, Errnos) {
    if let Some(r) = digits_dots(name, af) {
        let h = r.h_errno();
        return match r {
            Nss::Success(d) => {
                let entry = hostent(d, af);
                // glibc lays the literal out in the caller's buffer too.
                if !modules.place(&entry) {
                    let e = Error::Overflow;
                    return (Err(e), Errnos::module(Some(e), NETDB_INTERNAL));
                }
                (Ok(entry), Errnos::module(None, h))
            }
            other => (
                Err(other.h_errno().err().unwrap_or(Error::NotFound)),
                Errnos::module(None, h),
            ),
        };
    }
    let good_family = af == AF_INET || af == AF_INET6;
    let (found, errnos) = hostent_walk(modules, q, |source, _vars| match source {
        // files: no line parses for another family.
        OwnSource::Files if !good_family => (
            Nss::NotFound(Error::NotFound),
            Errnos::module(None, Err(Error::NotFound)),
        ),
        // The files module leaves HOST_NOT_FOUND in *h_errnop, found or not.
        OwnSource::Files => match files::gethostbyname3(name, af) {
            Nss::Success(d) => (
                Nss::Success(hostent(d, af)),
                Errnos::module(None, Err(Error::NotFound)),
            ),
            other => {
                let h = other.h_errno();
                (other.map(|d| hostent(d, af)), Errnos::module(None, h))
            }
        },
        // dns: UNAVAIL, NO_DATA, EAFNOSUPPORT for another family.
        OwnSource::Dns if !good_family => (
            Nss::Unavail(Error::NoData),
            Errnos::module(Some(Error::BadFamily), Err(Error::NoData)),
        ),
        OwnSource::Dns => match dns::gethostbyname3(&config::resolv_conf(), name, af) {
            Ok((nss, errnos)) => (nss.map(|d| hostent(d, af)), errnos),
            Err(e) => {
                *dns_failure = Some(e);
                own_failure(e)
            }
        },
    });
    let found = match found {
        Err(_) if !good_family => Err(Error::BadFamily),
        other => other,
    };
    (found, errnos)
}

/// A module's entry of family `af` as the functions hand it back.
fn hostent(d: HostData, af: i32) -> HostEnt {
    HostEnt {
        name: d.name.into_bytes(),
        aliases: d.aliases.into_iter().map(String::into_bytes).collect(),
        addrtype: af,
        addrs: d.addrs.into_iter().map(|a| a.ip).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_and_dots() {
        let ok = |n: &str, af| matches!(digits_dots(n, af), Some(Nss::Success(_)));
        let nf = |n: &str, af| digits_dots(n, af) == Some(Nss::NotFound(Error::NotFound));
        assert!(ok("127.1", AF_INET));
        assert!(nf("127.0.0.1", AF_INET6));
        assert!(nf("1.2.3.4.5", AF_INET));
        assert!(digits_dots("1.2.3.4.", AF_INET).is_none());
        assert!(nf("::1", AF_INET));
        assert!(ok("::1", AF_INET6));
        assert!(digits_dots("fe80::1%1", AF_INET6).is_none());
        assert!(digits_dots("one.test", AF_INET).is_none());
        assert!(digits_dots("dead.test", AF_INET).is_none());
    }
}
