//! glibc's `gethostbyname2_r` (`nss/getXXbyYY_r.c`, `nss/digits_dots.c`): an address literal
//! answers itself; otherwise the `files` module, then the `dns` module; with what the call
//! returns and writes besides the entry ([`Errnos`]).

use super::nss::{HostData, Nss};
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

/// `gethostbyname2_r(name, af)` as glibc runs it: digits and dots, then `files`, then `dns`;
/// the status and `h_errno` of the last module asked, and what the call returns and writes.
pub(crate) fn gethostbyname2_nss(name: &str, af: i32) -> Result<(Nss<HostData>, Errnos)> {
    if let Some(r) = digits_dots(name, af) {
        let h = r.h_errno();
        return Ok((r, Errnos::module(None, h)));
    }
    if af != AF_INET && af != AF_INET6 {
        // files: no line parses for another family; dns: UNAVAIL, NO_DATA, EAFNOSUPPORT.
        let h = Error::NoData;
        return Ok((
            Nss::Unavail(h),
            Errnos::module(Some(Error::BadFamily), Err(h)),
        ));
    }
    match files::gethostbyname3(name, af) {
        // The files module found it and leaves HOST_NOT_FOUND in *h_errnop.
        Nss::Success(h) => Ok((Nss::Success(h), Errnos::module(None, Err(Error::NotFound)))),
        _ => dns::gethostbyname3(&config::resolv_conf(), name, af),
    }
}

/// `gethostbyname2` in glibc's terms, as a [`HostEnt`]; failures as [`Error`]s whose `h_errno`
/// is glibc's: `NotFound` (HOST_NOT_FOUND), `NoData` (NO_DATA), `TryAgain` (TRY_AGAIN), `Fail`
/// (NO_RECOVERY: an answer without an address), `BadFamily` (an unsupported family); with
/// what glibc's `gethostbyname2_r` returns and writes.
pub(crate) fn gethostbyname2(name: &str, af: i32) -> (Result<HostEnt>, Errnos) {
    let (status, errnos) = match gethostbyname2_nss(name, af) {
        Ok(r) => r,
        Err(e) => return (Err(e), Errnos::of_error(e)),
    };
    let found = match status {
        Nss::Success(h) => Ok(HostEnt {
            name: h.name.into_bytes(),
            aliases: h.aliases.into_iter().map(String::into_bytes).collect(),
            addrtype: af,
            addrs: h.addrs.into_iter().map(|a| a.ip).collect(),
        }),
        Nss::Unavail(Error::NoData) => Err(Error::BadFamily),
        Nss::NotFound(h) | Nss::TryAgain(h) | Nss::Unavail(h) => Err(match h {
            Error::NoData | Error::TryAgain | Error::Fail => h,
            _ => Error::NotFound,
        }),
    };
    (found, errnos)
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
