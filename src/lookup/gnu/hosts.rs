//! The hosts database as glibc's `getaddrinfo` walks it (`get_nss_addresses` and `gethosts`
//! in `sysdeps/posix/getaddrinfo.c`): the sources of nsswitch.conf's `hosts:` line in order,
//! each through `gethostbyname4_r` (`AF_UNSPEC`, where the source has it) or per family
//! through `gethostbyname3_r` (with `AI_CANONNAME`) or `gethostbyname2_r`, with glibc's NODATA
//! and TRY_AGAIN bookkeeping. Unlike the `getXXbyYY_r` walk ([`super::walk`]) every source is
//! asked in turn: one without any of the entry points (or that cannot be loaded) is UNAVAIL
//! with `NETDB_INTERNAL` and `EBUSY`; `merge` ends the walk with that error.

use super::nss::{
    call_growing, has, hosts_line, internal, no_function, services, system_error, Answer, Entry,
    Modules, Nss, Query, Status, Vars, NETDB_INTERNAL,
};
use super::{dns, files};
use crate::config::nsswitch::{Action, Service, Source};
use crate::config::{self, nsswitch::Hosts};
use crate::lookup::types::{ai, Address, Hints};
use crate::sys::{AF_INET, AF_INET6, AF_UNSPEC, EBUSY};
use crate::{Error, Result};
use std::net::IpAddr;

/// `struct gaih_result`.
#[derive(Debug, Default)]
pub(crate) struct GaihResult {
    pub(crate) at: Vec<Address>,
    pub(crate) canon: Option<Vec<u8>>,
    pub(crate) got_ipv6: bool,
}

/// What one source of the walk is asked with: the modules, the buffer glibc lends them (it
/// grows for the whole `getaddrinfo` call), the variables.
pub(crate) struct Walk<'a> {
    pub(crate) modules: &'a mut dyn Modules,
    pub(crate) buflen: usize,
    pub(crate) vars: Vars,
    /// The library's own `dns` source failed as every server was broken ([`dns_failed`]).
    pub(crate) dns_failed: bool,
}

/// The library's own `dns` source's answer, where a failure it reports as `Error::Fail`
/// (every server broken: FORMERR, NOTIMP, answers that do not parse) is NOTFOUND with
/// NO_RECOVERY, as glibc's `dns` module leaves such a failure: the walk goes on to the next
/// source, and `getaddrinfo` reports `EAI_FAIL` only if no source has the name
/// (docs/compat.md `formerr-notimp`, `malformed-answer`).
fn dns_failed<T>(r: Result<Nss<T>>, w: &mut Walk<'_>) -> Result<Nss<T>> {
    match r {
        Err(e @ Error::Fail) => {
            w.dns_failed = true;
            Ok(Nss::NotFound(e))
        }
        other => other,
    }
}

/// One family from one source for `gethosts`: the status, the entry (SUCCESS), and
/// `*canonp` (`gethostbyname3_r` of a module).
type OneFamily = (Status, Option<(Vec<Address>, Option<Vec<u8>>, Vec<u8>)>);

/// `gethosts` (`fct` is `gethostbyname3_r` when `three`, else `gethostbyname2_r`): one family
/// from one source into `res`; glibc's `no_data` (1 for NO_DATA, [`EAI_AGAIN_MARK`] for
/// TRY_AGAIN, else 0). A failure with `NETDB_INTERNAL` ends the lookup (`EAI_SYSTEM`).
fn gethosts(
    w: &mut Walk<'_>,
    source: &Source,
    three: bool,
    name: &str,
    af: i32,
    req: &Hints,
    res: &mut GaihResult,
) -> Result<(Status, i32)> {
    let (status, found): OneFamily = match source {
        Source::Files => own(files::gethostbyname3(name, af), &mut w.vars),
        Source::Dns => {
            let r = dns::gethostbyname3(&config::resolv_conf(), name, af).map(|(r, _)| r);
            own(dns_failed(r, w)?, &mut w.vars)
        }
        Source::Module(m) => {
            let q = if three {
                Query::ByName3(name, af)
            } else {
                Query::ByName2(name, af)
            };
            match call_growing(w.modules, m, q, &mut w.buflen, &mut w.vars)? {
                (Status::Success, Some(Answer::Host(h, canonp))) => {
                    let addrs = h.addrs.into_iter().map(Address::new).collect();
                    (Status::Success, Some((addrs, canonp, h.name)))
                }
                (Status::Success, _) => (Status::Success, Some((Vec::new(), None, Vec::new()))),
                (other, _) => (other, None),
            }
        }
    };
    let Some((addrs, canonp, h_name)) = found else {
        let h = w.vars.h_errnop.unwrap_or(Ok(()));
        if internal(h) {
            return Err(system_error(w.vars.errno));
        }
        return Ok((status, no_data(h)));
    };
    if !addrs.is_empty() {
        res.got_ipv6 = af == AF_INET6;
    }
    for a in addrs {
        let ip = match a.ip {
            IpAddr::V4(v4) if req.family == AF_INET6 => IpAddr::V6(v4.to_ipv6_mapped()),
            ip => ip,
        };
        res.at.push(Address { ip, ..a });
    }
    // `*canonp` of gethostbyname3_r: the library's own sources point it at h_name.
    if res.canon.is_none() {
        res.canon = match source {
            Source::Module(_) => canonp,
            _ => three.then_some(h_name),
        };
    }
    Ok((Status::Success, 0))
}

/// The library's own `h_errno` in the variables (`NETDB_INTERNAL` with `EAGAIN`, as the
/// library's `getaddrinfo` reports such a failure).
fn own_h_errno(h: Result<()>, vars: &mut Vars) {
    vars.h_errnop = Some(h);
    if internal(h) {
        vars.errno = Some(Error::TryAgain);
    }
}

/// The library's own `gethostbyname3_r` answer as a source's.
fn own(r: Nss<super::nss::HostData>, vars: &mut Vars) -> OneFamily {
    own_h_errno(r.h_errno(), vars);
    let status = r.kind();
    match r {
        Nss::Success(h) => (Status::Success, Some((h.addrs, None, h.name.into_bytes()))),
        _ => (status, None),
    }
}

/// glibc stores `EAI_AGAIN` (a negative number) in `no_data`; any value other than 0 and 1.
const EAI_AGAIN_MARK: i32 = -3;

/// glibc's `no_data` after a source failed with `h`: 1 for NO_DATA, [`EAI_AGAIN_MARK`] for
/// TRY_AGAIN, else 0.
fn no_data(h: crate::Result<()>) -> i32 {
    match h {
        Err(Error::TryAgain) => EAI_AGAIN_MARK,
        Err(Error::NoData) => 1,
        _ => 0,
    }
}

/// What `gethostbyname4_r` gave on SUCCESS: the addresses and the first tuple's name.
type Tuples = (Vec<Address>, Option<Vec<u8>>);

/// `gethostbyname4_r` of one source: the status, and on SUCCESS its [`Tuples`].
fn gethosts4(w: &mut Walk<'_>, source: &Source, name: &str) -> Result<(Status, Option<Tuples>)> {
    let r = match source {
        Source::Files => files::gethostbyname4(name),
        Source::Dns => dns_failed(dns::gethostbyname4(&config::resolv_conf(), name), w)?,
        Source::Module(m) => {
            let (status, answer) = call_growing(
                w.modules,
                m,
                Query::ByName4(name),
                &mut w.buflen,
                &mut w.vars,
            )?;
            return Ok(match (status, answer) {
                (Status::Success, Some(Answer::Tuples(t))) => {
                    let first = t.first().and_then(|t| t.name.clone());
                    let at = t
                        .into_iter()
                        .map(|t| Address {
                            ip: t.ip,
                            scope_id: t.scope_id,
                        })
                        .collect();
                    (Status::Success, Some((at, first)))
                }
                (Status::Success, _) => (Status::Success, Some((Vec::new(), None))),
                (other, _) => (other, None),
            });
        }
    };
    own_h_errno(r.h_errno(), &mut w.vars);
    Ok(match r {
        Nss::Success((at, canon)) => (Status::Success, Some((at, Some(canon.into_bytes())))),
        other => (other.kind(), None),
    })
}

/// `get_nss_addresses`. `Ok(None)`: no source found the name. `w.vars` starts as glibc's
/// `getaddrinfo` finds them: the caller's `errno`, the thread's `h_errno`.
pub(crate) fn get_nss_addresses(
    name: &str,
    req: &Hints,
    w: &mut Walk<'_>,
) -> Result<Option<GaihResult>> {
    let line = hosts_line();
    let invalid = matches!(*line, Hosts::Invalid);
    let services = services(&line, &mut w.vars);
    let mut no_data = 0;
    let mut no_inet6_data = 0;
    let mut status = Status::Unavail;
    let mut res = GaihResult::default();
    let mut do_merge = false;
    // A line without sources is walked as one source without any entry point; a file glibc
    // cannot read has none at all.
    let mut i = 0;
    loop {
        if invalid {
            break;
        }
        res = GaihResult::default();
        if do_merge {
            // The hosts database does not support MERGE.
            w.vars.h_errnop = Some(NETDB_INTERNAL);
            w.vars.errno = Some(Error::System(EBUSY));
            break;
        }
        no_data = 0;
        let service: Option<&Service> = services.get(i);
        let has_entry = |w: &mut Walk<'_>, e: Entry| {
            service.filter(|s| has(w.modules, s, e)).map(|s| &s.source)
        };
        let four = match req.family {
            AF_UNSPEC => has_entry(w, Entry::ByName4),
            _ => None,
        };
        if let Some(source) = four {
            let (st, found) = gethosts4(w, source, name)?;
            status = st;
            match found {
                Some((at, first)) => {
                    if req.flags & ai::CANONNAME != 0 && res.canon.is_none() {
                        res.canon = first;
                    }
                    // Every tuple is kept for AF_UNSPEC; no address is no data.
                    no_data = i32::from(at.is_empty());
                    res.at = at;
                }
                None => no_data = self::no_data(w.vars.h_errnop.unwrap_or(Ok(()))),
            }
            no_inet6_data = no_data;
        } else {
            let three = match req.flags & ai::CANONNAME {
                0 => None,
                _ => has_entry(w, Entry::ByName3),
            };
            let fct = three
                .map(|s| (s, true))
                .or_else(|| has_entry(w, Entry::ByName2).map(|s| (s, false)));
            if let Some((source, three)) = fct {
                let mut inet6_status = Status::Unavail;
                if req.family == AF_INET6 || req.family == AF_UNSPEC {
                    let (s, nd) = gethosts(w, source, three, name, AF_INET6, req, &mut res)?;
                    no_data = nd;
                    no_inet6_data = nd;
                    inet6_status = s;
                    status = s;
                }
                let v4 = req.family == AF_INET
                    || req.family == AF_UNSPEC
                    || (req.family == AF_INET6
                        && req.flags & ai::V4MAPPED != 0
                        && (req.flags & ai::ALL != 0 || !res.got_ipv6));
                if v4 {
                    let (s, nd) = gethosts(w, source, three, name, AF_INET, req, &mut res)?;
                    no_data = nd;
                    status = s;
                    if req.family == AF_INET {
                        no_inet6_data = no_data;
                        inet6_status = status;
                    }
                }
                if inet6_status == Status::Success || status == Status::Success {
                    // getcanonname: the name asked (glibc's copies the name it was given).
                    if req.flags & ai::CANONNAME != 0 && res.canon.is_none() {
                        res.canon = Some(name.as_bytes().to_vec());
                    }
                    status = Status::Success;
                } else if inet6_status == Status::TryAgain
                    || (status == Status::Unavail && inet6_status != Status::Unavail)
                {
                    // Of two failures, TRYAGAIN for IPv6 wins, and anything wins over UNAVAIL.
                    status = inet6_status;
                }
            } else {
                status = no_function(&mut w.vars);
            }
        }
        let action = service.map_or(Action::Continue, |s| s.action(status));
        if action == Action::Return {
            break;
        }
        do_merge = action == Action::Merge;
        i += 1;
        if i >= services.len() {
            break;
        }
    }
    if matches!(status, Status::TryAgain | Status::Unavail) && w.vars.internal() {
        return Err(system_error(w.vars.errno));
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
    if status != Status::Success && w.dns_failed {
        return Err(Error::Fail);
    }
    Ok((status == Status::Success).then_some(res))
}
