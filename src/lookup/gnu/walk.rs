//! The walk of glibc's `getXXbyYY_r` functions through the `hosts:` sources
//! (`nss/getXXbyYY_r.c`, `nss/nsswitch.c`): `gethostbyname_r`, `gethostbyname2_r`,
//! `gethostbyaddr_r` and the functions built on them (the non-reentrant ones, `getnameinfo`,
//! `getaddrinfo`'s `AF_INET` short cut).

use super::nss::{
    erange, has, hosts_line, services, too_small, Answer, Modules, Nss, Query, Status, Vars,
    FIRST_MODULE_BUFFER, MAX_MODULE_BUFFER, NETDB_INTERNAL,
};
use crate::config::nsswitch::{Action, Service, Source};
use crate::lookup::types::{Errnos, HostEnt};
use crate::sys::EINVAL;
use crate::{Error, Result};

/// The sources as one walk sees them.
pub(crate) trait Sources {
    /// Whether the source has the walk's entry point (glibc `__nss_lookup_function`).
    fn has(&mut self, service: &Service) -> bool;
    /// Asks the source, with the variables it is handed.
    fn call(&mut self, service: &Service, vars: &mut Vars) -> Status;
}

/// How a walk of `getXXbyYY_r` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Walked {
    pub status: Status,
    /// Some source was asked (glibc `any_service`).
    pub any_service: bool,
}

/// The walk of `getXXbyYY_r` (glibc 2.36): the first source that has the entry point
/// (`__nss_lookup`: sources without it are passed over while their UNAVAIL action is
/// `continue`), then after each call the action for its status (`__nss_next2`): `return`
/// ends the walk, else the next source that has the entry point. A call that reports a
/// buffer too small (TRYAGAIN, `ERANGE`, `NETDB_INTERNAL`) ends it at once. `merge`, which
/// glibc does not support for hosts, fails as glibc's makes it fail (`EINVAL`).
///
/// `sources` says whether a source has the entry point and asks it.
pub(crate) fn walk_r(services: &[Service], vars: &mut Vars, sources: &mut impl Sources) -> Walked {
    let mut status = Status::Unavail;
    let mut any_service = false;
    let mut do_merge = false;
    let mut next = first_with(services, 0, sources);
    while let Some(i) = next {
        let service = &services[i];
        any_service = true;
        status = sources.call(service, vars);
        if too_small(status, vars) {
            break;
        }
        // glibc has no merge functions for hosts: each merge step fails with EINVAL (and a
        // failed step after a merge reports the saved result, which is what the buffer holds).
        if do_merge {
            vars.errno = Some(Error::System(EINVAL));
            if status == Status::Success {
                status = Status::Unavail;
                do_merge = false;
            } else {
                status = Status::Success;
            }
        }
        if service.action(status) == Action::Merge && status == Status::Success {
            vars.errno = Some(Error::System(EINVAL));
            status = Status::Unavail;
            do_merge = true;
        }
        if service.action(status) == Action::Return || i + 1 >= services.len() {
            break;
        }
        next = first_with(services, i + 1, sources);
    }
    Walked {
        status,
        any_service,
    }
}

/// From `services[start]` on, the first source that has the entry point, passing over those
/// that do not while their UNAVAIL action is `continue` and another source follows.
fn first_with(services: &[Service], start: usize, sources: &mut impl Sources) -> Option<usize> {
    let mut i = start;
    loop {
        let s = services.get(i)?;
        if sources.has(s) {
            return Some(i);
        }
        if s.action(Status::Unavail) != Action::Continue || i + 1 >= services.len() {
            return None;
        }
        i += 1;
    }
}

/// What a `getXXbyYY_r` function returns after its walk (glibc's epilogue), with `vars` made
/// what it leaves: `*h_errnop` NETDB_INTERNAL or NO_RECOVERY when no source was asked, and
/// `errno` the value returned. SUCCESS and NOTFOUND return 0; `ERANGE` after any other status
/// than TRYAGAIN becomes `EINVAL`; TRYAGAIN without NETDB_INTERNAL is `EAGAIN`; anything else
/// returns `errno` as the sources left it.
pub(crate) fn end_r(w: Walked, vars: &mut Vars) -> Option<Error> {
    if !w.any_service && w.status != Status::Success {
        vars.h_errnop = Some(
            if w.status == Status::Unavail && vars.errno != Some(Error::NotFound) {
                NETDB_INTERNAL
            } else {
                Err(Error::Fail)
            },
        );
    }
    let ret = match w.status {
        Status::Success | Status::NotFound => None,
        _ if vars.errno == Some(Error::Overflow) && w.status != Status::TryAgain => {
            Some(Error::System(EINVAL))
        }
        Status::TryAgain if !vars.internal() => Some(Error::TryAgain),
        _ => vars.errno,
    };
    vars.errno = ret;
    ret
}

/// The library's own sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OwnSource {
    Files,
    Dns,
}

/// What one of the library's own sources (`files`, `dns`) answered in a walk: its status with
/// the entry, and what it leaves besides ([`Errnos`]: `ret` the `errno` it sets, when it sets
/// one; `*h_errnop`; the thread's `h_errno`, which the resolver writes).
pub(crate) type Own = (Nss<HostEnt>, Errnos);

/// The library's own answer from a failure it reports as an error (every server broken, a
/// system error, out of memory): the status glibc's `dns` module gives such a failure.
pub(crate) fn own_failure(e: Error) -> Own {
    let errnos = Errnos::of_error(e);
    let status = match e {
        Error::TryAgain => Nss::TryAgain(e),
        Error::System(_) | Error::Memory => Nss::Unavail(e),
        _ => Nss::NotFound(e),
    };
    (status, errnos)
}

/// A `getXXbyYY_r` function's walk over the `hosts:` line: modules asked `q`, the library's
/// own sources answering through `own` (handed the variables as the source finds them, which
/// it may change besides what its [`Errnos`] say); the entry (what the buffer holds when the walk ends
/// with SUCCESS), and what the function returns and writes ([`Errnos`]). A module that finds a
/// buffer of the library's own too small gets one twice as large and the whole walk runs again
/// (glibc's non-reentrant functions, `getnameinfo`, `getaddrinfo`); with the caller's buffer
/// (`_r`) the walk ends with `ERANGE`.
pub(crate) fn hostent_walk(
    modules: &mut dyn Modules,
    q: Query<'_>,
    mut own: impl FnMut(OwnSource, &mut Vars) -> Own,
) -> (Result<HostEnt>, Errnos) {
    let line = hosts_line();
    let mut buflen = FIRST_MODULE_BUFFER;
    loop {
        let mut vars = modules.vars();
        let services = services(&line, &mut vars);
        let mut s = HostentSources {
            modules: &mut *modules,
            q,
            buflen,
            own: &mut own,
            entry: None,
            thread: None,
            by_module: false,
        };
        let w = walk_r(services, &mut vars, &mut s);
        let (entry, thread, by_module) = (s.entry.take(), s.thread, s.by_module);
        let again = too_small(w.status, &vars) && by_module && !modules.in_caller_buffer();
        if again {
            if let Some(n) = buflen.checked_mul(2).filter(|&n| n <= MAX_MODULE_BUFFER) {
                buflen = n;
                continue;
            }
            let e = Error::Memory;
            return (Err(e), Errnos::of_error(e));
        }
        let ret = end_r(w, &mut vars);
        let errnos = Errnos {
            ret,
            h_errnop: vars.h_errnop,
            h_errno: thread,
        };
        let found = match (w.status, entry) {
            (Status::Success, Some(h)) => Ok(h),
            _ => Err(failure(&vars)),
        };
        return (found, errnos);
    }
}

/// The error of a walk that found nothing, from what it left: a buffer too small, a system
/// error (`NETDB_INTERNAL`), or the `h_errno` (no data, try again, no recovery; else not
/// found).
fn failure(vars: &Vars) -> Error {
    if vars.errno == Some(Error::Overflow) && vars.internal() {
        return Error::Overflow;
    }
    match vars.h_errnop {
        Some(h) if super::nss::internal(h) => vars.errno.unwrap_or(Error::System(0)),
        Some(Err(e @ (Error::NoData | Error::TryAgain | Error::Fail))) => e,
        _ => Error::NotFound,
    }
}

/// The sources of [`hostent_walk`].
struct HostentSources<'a, F> {
    modules: &'a mut dyn Modules,
    q: Query<'a>,
    buflen: usize,
    own: &'a mut F,
    /// What the buffer holds: the entry of the last source that answered SUCCESS.
    entry: Option<HostEnt>,
    /// The thread's `h_errno` as the resolver left it (`None`: not written).
    thread: Option<Result<()>>,
    /// The last call was a module's (only its `ERANGE` grows the buffer).
    by_module: bool,
}

impl<F: FnMut(OwnSource, &mut Vars) -> Own> Sources for HostentSources<'_, F> {
    fn has(&mut self, service: &Service) -> bool {
        has(self.modules, service, self.q.entry())
    }

    fn call(&mut self, service: &Service, vars: &mut Vars) -> Status {
        let own = match &service.source {
            Source::Files => OwnSource::Files,
            Source::Dns => OwnSource::Dns,
            Source::Module(name) => {
                self.by_module = true;
                let (status, answer) = self.modules.call(name, self.q, self.buflen, vars);
                if let (Status::Success, Some(Answer::Host(h, _))) = (status, answer) {
                    self.entry = Some(h);
                }
                return status;
            }
        };
        self.by_module = false;
        let (nss, errnos) = (self.own)(own, vars);
        if let Some(r) = errnos.ret {
            vars.errno = Some(r);
        }
        if let Some(h) = errnos.h_errnop {
            vars.h_errnop = Some(h);
        }
        match nss {
            Nss::Success(h) => {
                // Laid out where the caller wants it; too small: ERANGE, as glibc's sources
                // check the buffer before they ask (the thread's h_errno stays as it was).
                if !self.modules.place(&h) {
                    return erange(vars);
                }
                self.thread = errnos.h_errno.or(self.thread);
                self.entry = Some(h);
                Status::Success
            }
            other => {
                self.thread = errnos.h_errno.or(self.thread);
                other.kind()
            }
        }
    }
}

#[cfg(test)]
mod tests;
