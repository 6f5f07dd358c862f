//! The hosts database as glibc's `getaddrinfo` walks it (`get_nss_addresses` and `gethosts`
//! in `sysdeps/posix/getaddrinfo.c`): `hosts: files dns`, each module through
//! `gethostbyname4_r` (`AF_UNSPEC`) or `gethostbyname3_r` per family, with glibc's NODATA and
//! TRY_AGAIN bookkeeping.

use super::nss::Nss;
use super::{dns, files};
use crate::config;
use crate::lookup::types::{ai, Address, Hints};
use crate::sys::{AF_INET, AF_INET6, AF_UNSPEC, EAGAIN};
use crate::{Error, Result};
use std::net::IpAddr;

/// `struct gaih_result`.
#[derive(Debug, Default)]
pub(crate) struct GaihResult {
    pub(crate) at: Vec<Address>,
    pub(crate) canon: Option<String>,
    pub(crate) got_ipv6: bool,
}

/// Which NSS module.
#[derive(Clone, Copy)]
enum Module {
    Files,
    Dns,
}

/// `gethosts`: one family from one module into `res`; the status and glibc's `no_data`
/// (1 for NO_DATA, `EAI_AGAIN` for TRY_AGAIN, else 0).
fn gethosts(
    module: Module,
    name: &str,
    af: i32,
    req: &Hints,
    res: &mut GaihResult,
) -> Result<(Nss<()>, i32)> {
    let r = match module {
        Module::Files => files::gethostbyname3(name, af),
        Module::Dns => dns::gethostbyname3(&config::resolv_conf(), name, af)?.0,
    };
    match r {
        Nss::Success(h) => {
            if !h.addrs.is_empty() {
                res.got_ipv6 = af == AF_INET6;
            }
            for a in h.addrs {
                let ip = match a.ip {
                    IpAddr::V4(v4) if req.family == AF_INET6 => IpAddr::V6(v4.to_ipv6_mapped()),
                    ip => ip,
                };
                res.at.push(Address { ip, ..a });
            }
            // Only gethostbyname3_r (asked with AI_CANONNAME) reports the canonical name.
            if req.flags & ai::CANONNAME != 0 && res.canon.is_none() {
                res.canon = Some(h.name);
            }
            Ok((Nss::Success(()), 0))
        }
        other => {
            let h = other.h_errno();
            if internal(h) {
                return Err(Error::System(EAGAIN));
            }
            Ok((other.status(), no_data(h)))
        }
    }
}

/// glibc stores `EAI_AGAIN` (a negative number) in `no_data`; any value other than 0 and 1.
const EAI_AGAIN_MARK: i32 = -3;

/// glibc's `no_data` after a module failed with `h`: 1 for NO_DATA, [`EAI_AGAIN_MARK`] for
/// TRY_AGAIN, else 0.
fn no_data(h: crate::Result<()>) -> i32 {
    match h {
        Err(Error::TryAgain) => EAI_AGAIN_MARK,
        Err(Error::NoData) => 1,
        _ => 0,
    }
}

/// An `h_errno` of `NETDB_INTERNAL` (a system error or out of memory), which glibc's
/// `getaddrinfo` turns into `EAI_SYSTEM` with `EAGAIN`.
pub(crate) fn internal(h: crate::Result<()>) -> bool {
    matches!(h, Err(Error::System(_) | Error::Memory))
}

/// `get_nss_addresses` with `hosts: files dns`. `Ok(None)`: no module found the name.
pub(crate) fn get_nss_addresses(name: &str, req: &Hints) -> Result<Option<GaihResult>> {
    let mut no_data = 0;
    let mut no_inet6_data = 0;
    // Every module below sets it (the loop runs at least once).
    let mut status: Nss<()> = Nss::Unavail(Error::NotFound);
    let mut res = GaihResult::default();
    for module in [Module::Files, Module::Dns] {
        res = GaihResult::default();
        no_data = 0;
        if req.family == AF_UNSPEC {
            let r = match module {
                Module::Files => files::gethostbyname4(name),
                Module::Dns => dns::gethostbyname4(&config::resolv_conf(), name)?,
            };
            match r {
                Nss::Success((at, canon)) => {
                    if req.flags & ai::CANONNAME != 0 {
                        res.canon = Some(canon);
                    }
                    no_data = i32::from(at.is_empty());
                    res.at = at;
                    status = Nss::Success(());
                }
                other => {
                    no_data = self::no_data(other.h_errno());
                    status = other.status();
                }
            }
            no_inet6_data = no_data;
        } else {
            // Only compared with below, never read for its h_errno.
            let mut inet6_status: Nss<()> = Nss::Unavail(Error::NotFound);
            if req.family == AF_INET6 {
                let (s, nd) = gethosts(module, name, AF_INET6, req, &mut res)?;
                no_data = nd;
                no_inet6_data = nd;
                inet6_status = s.clone();
                status = s;
            }
            let v4 = req.family == AF_INET
                || (req.family == AF_INET6
                    && req.flags & ai::V4MAPPED != 0
                    && (req.flags & ai::ALL != 0 || !res.got_ipv6));
            if v4 {
                let (s, nd) = gethosts(module, name, AF_INET, req, &mut res)?;
                no_data = nd;
                status = s;
                if req.family == AF_INET {
                    no_inet6_data = no_data;
                    inet6_status = status.clone();
                }
            }
            if inet6_status.is_success() || status.is_success() {
                if req.flags & ai::CANONNAME != 0 && res.canon.is_none() {
                    res.canon = Some(name.to_string());
                }
                status = Nss::Success(());
            } else if matches!(inet6_status, Nss::TryAgain(_))
                || (matches!(status, Nss::Unavail(_)) && !matches!(inet6_status, Nss::Unavail(_)))
            {
                // Of two failures, TRYAGAIN for IPv6 wins, and anything wins over UNAVAIL.
                status = inet6_status;
            }
        }
        if status.is_success() {
            break;
        }
    }
    if matches!(status, Nss::TryAgain(h) | Nss::Unavail(h) if internal(Err(h))) {
        return Err(Error::System(EAGAIN));
    }
    if no_data != 0 && no_inet6_data != 0 {
        return Err(
            if no_data == EAI_AGAIN_MARK && no_inet6_data == EAI_AGAIN_MARK {
                Error::TryAgain
            } else {
                Error::NoData
            },
        );
    }
    Ok(status.is_success().then_some(res))
}
