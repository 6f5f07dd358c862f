//! glibc's walk through the `hosts:` sources of nsswitch.conf (`nss/getXXbyYY_r.c`,
//! `nss/nsswitch.c`), and what the walk needs from the NSS modules.
//!
//! The library's own `files` and `dns` answer as before; any other source is an NSS module,
//! reached through [`Modules`]: the C surface (`abi`) loads `libnss_NAME.so.2` and calls it,
//! the command and the musl build have none ([`NoModules`]), the unit tests script some.
//!
//! The walk keeps the two variables glibc hands every source, `errno` and `*h_errnop`
//! ([`Vars`]): a source changes them or not, and what the function returns at the end is read
//! from them ([`end_r`]), as glibc reads it.

use super::glibc::herr;
use super::hostent::HostEnt;
use crate::config::nsswitch::{Action, Hosts, Service, Source};
use std::net::IpAddr;

pub use crate::config::nsswitch::Status;

/// An NSS module's entry points for hosts (`_nss_NAME_...`), as glibc 2.36's functions call
/// them: `getaddrinfo` `gethostbyname4_r` (`AF_UNSPEC`), else `gethostbyname3_r` (with
/// `AI_CANONNAME`), else `gethostbyname2_r`; `gethostbyname2` `gethostbyname2_r`;
/// `gethostbyname` `gethostbyname_r`; `gethostbyaddr` and `getnameinfo` `gethostbyaddr_r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    ByName4,
    ByName3,
    ByName2,
    ByName,
    ByAddr,
}

/// One call of an entry point, with its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query<'a> {
    ByName4(&'a str),
    ByName3(&'a str, i32),
    ByName2(&'a str, i32),
    ByName(&'a str),
    ByAddr(IpAddr),
}

impl Query<'_> {
    pub fn entry(&self) -> Entry {
        match self {
            Query::ByName4(_) => Entry::ByName4,
            Query::ByName3(..) => Entry::ByName3,
            Query::ByName2(..) => Entry::ByName2,
            Query::ByName(_) => Entry::ByName,
            Query::ByAddr(_) => Entry::ByAddr,
        }
    }
}

/// One address of `gethostbyname4_r`'s list (`struct gaih_addrtuple`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuple {
    /// The tuple's name (glibc takes the first tuple's as the canonical name).
    pub name: Option<Vec<u8>>,
    pub ip: IpAddr,
    pub scope_id: u32,
}

/// What a successful call gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `gethostbyname4_r`'s list.
    Tuples(Vec<Tuple>),
    /// A `struct hostent`, and what `gethostbyname3_r` stored in `*canonp`.
    Host(HostEnt, Option<Vec<u8>>),
}

/// `errno` and `*h_errnop` as a walk carries them: each source is handed both and may change
/// them. They start as the caller's (glibc passes the thread's `errno` and the caller's
/// `h_errnop`) and end as what the function leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vars {
    pub errno: i32,
    pub h_errnop: i32,
}

/// The NSS modules a walk may call. Nothing here holds a lock or blocks besides the module's
/// own call.
pub trait Modules {
    /// Whether module `name` has `entry` (glibc `__nss_lookup_function`): the module is loaded
    /// on first use, once per process; one that cannot be loaded has no entry point at all.
    fn has(&mut self, name: &[u8], entry: Entry) -> bool;

    /// Calls the entry point of `q` with `buflen` bytes of buffer, `vars` handed to the module
    /// as its `errnop` and `h_errnop`. The answer is read only for SUCCESS.
    fn call(
        &mut self,
        name: &[u8],
        q: Query<'_>,
        buflen: usize,
        vars: &mut Vars,
    ) -> (Status, Option<Answer>);
}

/// No module at all: every module source counts as one that cannot be loaded (the command;
/// the musl build, which has no NSS).
pub struct NoModules;

impl Modules for NoModules {
    fn has(&mut self, _: &[u8], _: Entry) -> bool {
        false
    }

    fn call(&mut self, _: &[u8], _: Query<'_>, _: usize, _: &mut Vars) -> (Status, Option<Answer>) {
        (Status::Unavail, None)
    }
}

/// The `hosts` sources the emulated glibc uses: nsswitch.conf's line in the glibc build; in
/// the musl build (`DNSSHIM_COMPAT=glibc`, no NSS) always `files dns`.
pub fn hosts_line() -> std::sync::Arc<Hosts> {
    if cfg!(target_env = "musl") {
        static FIXED: std::sync::OnceLock<std::sync::Arc<Hosts>> = std::sync::OnceLock::new();
        return FIXED
            .get_or_init(|| {
                std::sync::Arc::new(Hosts::Line(crate::config::nsswitch::default_hosts()))
            })
            .clone();
    }
    crate::config::nsswitch::hosts()
}

/// Whether a source has `entry`: `files` and `dns` have every one.
pub fn has(modules: &mut dyn Modules, service: &Service, entry: Entry) -> bool {
    match &service.source {
        Source::Files | Source::Dns => true,
        Source::Module(name) => modules.has(name, entry),
    }
}

/// The most buffer a module is given (ours). glibc doubles its scratch buffer after every
/// `ERANGE` until `malloc` fails (`EAI_MEMORY`); a module still asking for more past this is
/// broken, and the call ends as glibc's would, out of memory.
pub const MAX_MODULE_BUFFER: usize = 64 << 20;

/// The first size of the buffer glibc lends a module (`scratch_buffer`, 1024 bytes).
pub const FIRST_MODULE_BUFFER: usize = 1024;

/// Whether a call reported its buffer too small (TRYAGAIN, `ERANGE`, `NETDB_INTERNAL`).
pub fn too_small(status: Status, vars: &Vars) -> bool {
    status == Status::TryAgain
        && vars.errno == libc::ERANGE
        && vars.h_errnop == herr::NETDB_INTERNAL
}

/// One call of a module's entry point with a buffer of `*buflen` bytes, doubled and the call
/// made again while the module finds it too small (glibc's `scratch_buffer_grow` loops in
/// `getaddrinfo`); `*buflen` keeps the size that was enough. `None`: past
/// [`MAX_MODULE_BUFFER`], out of memory.
pub fn call_growing(
    modules: &mut dyn Modules,
    name: &[u8],
    q: Query<'_>,
    buflen: &mut usize,
    vars: &mut Vars,
) -> Option<(Status, Option<Answer>)> {
    loop {
        let (status, answer) = modules.call(name, q, *buflen, vars);
        if !too_small(status, vars) {
            return Some((status, answer));
        }
        *buflen = buflen.checked_mul(2).filter(|&n| n <= MAX_MODULE_BUFFER)?;
    }
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
/// `has(service)` says whether a source has the entry point; `call(service, vars)` asks it.
pub fn walk_r(
    services: &[Service],
    vars: &mut Vars,
    mut has: impl FnMut(&Service) -> bool,
    mut call: impl FnMut(&Service, &mut Vars) -> Status,
) -> Walked {
    let mut status = Status::Unavail;
    let mut any_service = false;
    let mut do_merge = false;
    let mut next = first_with(services, 0, &mut has);
    while let Some(i) = next {
        let service = &services[i];
        any_service = true;
        status = call(service, vars);
        if too_small(status, vars) {
            break;
        }
        // glibc has no merge functions for hosts: each merge step fails with EINVAL (and a
        // failed step after a merge reports the saved result, which is what the buffer holds).
        if do_merge {
            vars.errno = libc::EINVAL;
            if status == Status::Success {
                status = Status::Unavail;
                do_merge = false;
            } else {
                status = Status::Success;
            }
        }
        if service.action(status) == Action::Merge && status == Status::Success {
            vars.errno = libc::EINVAL;
            status = Status::Unavail;
            do_merge = true;
        }
        if service.action(status) == Action::Return || i + 1 >= services.len() {
            break;
        }
        next = first_with(services, i + 1, &mut has);
    }
    Walked {
        status,
        any_service,
    }
}

/// From `services[start]` on, the first source that has the entry point, passing over those
/// that do not while their UNAVAIL action is `continue` and another source follows.
fn first_with(
    services: &[Service],
    start: usize,
    has: &mut impl FnMut(&Service) -> bool,
) -> Option<usize> {
    let mut i = start;
    loop {
        let s = services.get(i)?;
        if has(s) {
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
pub fn end_r(w: Walked, vars: &mut Vars) -> i32 {
    if !w.any_service && w.status != Status::Success {
        vars.h_errnop = if w.status == Status::Unavail && vars.errno != libc::ENOENT {
            herr::NETDB_INTERNAL
        } else {
            herr::NO_RECOVERY
        };
    }
    let ret = match w.status {
        Status::Success | Status::NotFound => 0,
        _ if vars.errno == libc::ERANGE && w.status != Status::TryAgain => libc::EINVAL,
        Status::TryAgain if vars.h_errnop != herr::NETDB_INTERNAL => libc::EAGAIN,
        _ => vars.errno,
    };
    vars.errno = ret;
    ret
}

/// The sources of a line that fails to parse (glibc: none, and `errno` `EINVAL` from the
/// parser), else the line's.
pub fn services<'a>(hosts: &'a Hosts, vars: &mut Vars) -> &'a [Service] {
    match hosts {
        Hosts::Line(l) => l,
        Hosts::Invalid => {
            vars.errno = libc::EINVAL;
            &[]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::nsswitch::{parse, Hosts};

    fn line(text: &str) -> Vec<Service> {
        match parse(format!("hosts: {text}\n").as_bytes()) {
            Hosts::Line(l) => l,
            Hosts::Invalid => panic!("invalid"),
        }
    }

    /// A scripted source: its status and what it does to the variables; `None`: no entry.
    type Script = fn(&mut Vars) -> Status;

    fn walk(
        text: &str,
        script: &[(&str, Option<Script>)],
        start: Vars,
    ) -> (Vec<String>, i32, Vars) {
        let services = line(text);
        let find = |s: &Service| {
            script
                .iter()
                .find(|(n, _)| n.as_bytes() == s.source.name())
                .map(|(_, f)| *f)
                .unwrap_or_else(|| panic!("no script for {:?}", s.source))
        };
        let mut called = Vec::new();
        let mut vars = start;
        let w = walk_r(
            &services,
            &mut vars,
            |s| find(s).is_some(),
            |s, v| {
                called.push(String::from_utf8_lossy(s.source.name()).into_owned());
                find(s).unwrap()(v)
            },
        );
        let ret = end_r(w, &mut vars);
        (called, ret, vars)
    }

    const START: Vars = Vars {
        errno: 12345,
        h_errnop: 77,
    };

    fn notfound(v: &mut Vars) -> Status {
        v.h_errnop = herr::HOST_NOT_FOUND;
        Status::NotFound
    }
    fn found(_: &mut Vars) -> Status {
        Status::Success
    }
    fn unavail(v: &mut Vars) -> Status {
        v.errno = libc::ECONNREFUSED;
        v.h_errnop = herr::NO_RECOVERY;
        Status::Unavail
    }
    fn tryagain(v: &mut Vars) -> Status {
        v.errno = libc::EAGAIN;
        v.h_errnop = herr::TRY_AGAIN;
        Status::TryAgain
    }
    fn erange(v: &mut Vars) -> Status {
        v.errno = libc::ERANGE;
        v.h_errnop = herr::NETDB_INTERNAL;
        Status::TryAgain
    }

    #[test]
    fn sources_in_order_until_success() {
        let s: &[(&str, Option<Script>)] = &[
            ("files", Some(notfound)),
            ("mod", Some(found)),
            ("dns", Some(found)),
        ];
        let (called, ret, v) = walk("files mod dns", s, START);
        assert_eq!(called, ["files", "mod"]);
        assert_eq!((ret, v.errno, v.h_errnop), (0, 0, herr::HOST_NOT_FOUND));
    }

    #[test]
    fn actions() {
        let s: &[(&str, Option<Script>)] = &[
            ("files", Some(notfound)),
            ("mod", Some(unavail)),
            ("dns", Some(tryagain)),
        ];
        // [NOTFOUND=return] ends the walk with NOTFOUND: 0.
        let (called, ret, v) = walk("files [NOTFOUND=return] mod dns", s, START);
        assert_eq!(called, ["files"]);
        assert_eq!((ret, v.h_errnop), (0, herr::HOST_NOT_FOUND));
        // UNAVAIL continues; TRYAGAIN at the end: EAGAIN.
        let (called, ret, _) = walk("files mod dns", s, START);
        assert_eq!(called, ["files", "mod", "dns"]);
        assert_eq!(ret, libc::EAGAIN);
        // [!UNAVAIL=return]: UNAVAIL goes on, the others return.
        let (called, ret, v) = walk("mod [!UNAVAIL=return] files", s, START);
        assert_eq!(called, ["mod", "files"]);
        assert_eq!(ret, 0);
        assert_eq!(v.h_errnop, herr::HOST_NOT_FOUND);
        let (called, ret, _) = walk("dns [!UNAVAIL=return] files", s, START);
        assert_eq!(called, ["dns"]);
        assert_eq!(ret, libc::EAGAIN);
        // The last source UNAVAIL: its errno.
        let (_, ret, v) = walk("files mod", s, START);
        assert_eq!(
            (ret, v.errno, v.h_errnop),
            (libc::ECONNREFUSED, libc::ECONNREFUSED, herr::NO_RECOVERY)
        );
        // [SUCCESS=continue]: the next source's answer counts.
        let s2: &[(&str, Option<Script>)] = &[("files", Some(found)), ("dns", Some(notfound))];
        let (called, _, _) = walk("files [SUCCESS=continue] dns", s2, START);
        assert_eq!(called, ["files", "dns"]);
    }

    #[test]
    fn sources_without_the_entry_are_passed_over() {
        let s: &[(&str, Option<Script>)] = &[
            ("files", Some(notfound)),
            ("gone", None),
            ("dns", Some(found)),
        ];
        let (called, ret, _) = walk("files gone dns", s, START);
        assert_eq!(called, ["files", "dns"]);
        assert_eq!(ret, 0);
        // At the end: the walk ends with the last call's status.
        let (called, ret, v) = walk("files gone", s, START);
        assert_eq!(called, ["files"]);
        assert_eq!((ret, v.h_errnop), (0, herr::HOST_NOT_FOUND));
        // Alone: no source asked; the caller's errno is returned, NETDB_INTERNAL...
        let (called, ret, v) = walk("gone", s, START);
        assert!(called.is_empty());
        assert_eq!(
            (ret, v.errno, v.h_errnop),
            (12345, 12345, herr::NETDB_INTERNAL)
        );
        // ... or NO_RECOVERY when errno was ENOENT.
        let (_, ret, v) = walk(
            "gone",
            s,
            Vars {
                errno: libc::ENOENT,
                h_errnop: 0,
            },
        );
        assert_eq!((ret, v.h_errnop), (libc::ENOENT, herr::NO_RECOVERY));
        // [UNAVAIL=return] on a source without the entry ends the walk there.
        let (called, _, v) = walk("gone [UNAVAIL=return] dns", s, START);
        assert!(called.is_empty());
        assert_eq!(v.h_errnop, herr::NETDB_INTERNAL);
        // No source at all (a `hosts:` line without any).
        let mut v = START;
        let w = walk_r(&[], &mut v, |_| true, |_, _| unreachable!());
        assert_eq!(end_r(w, &mut v), 12345);
        assert_eq!(v.h_errnop, herr::NETDB_INTERNAL);
    }

    #[test]
    fn a_buffer_too_small_ends_the_walk() {
        let s: &[(&str, Option<Script>)] = &[("mod", Some(erange)), ("dns", Some(found))];
        let (called, ret, v) = walk("mod dns", s, START);
        assert_eq!(called, ["mod"]);
        assert_eq!(
            (ret, v.errno, v.h_errnop),
            (libc::ERANGE, libc::ERANGE, herr::NETDB_INTERNAL)
        );
        // ERANGE with another status is EINVAL.
        fn odd(v: &mut Vars) -> Status {
            v.errno = libc::ERANGE;
            Status::Unavail
        }
        let s: &[(&str, Option<Script>)] = &[("mod", Some(odd))];
        assert_eq!(walk("mod", s, START).1, libc::EINVAL);
    }

    #[test]
    fn merge_fails_as_in_glibc() {
        let s: &[(&str, Option<Script>)] = &[
            ("files", Some(found)),
            ("mod", Some(found)),
            ("dns", Some(notfound)),
        ];
        // A SUCCESS to merge: UNAVAIL with EINVAL, and the walk goes on; the next SUCCESS
        // fails to merge (UNAVAIL) and continues.
        let (called, ret, _) = walk("files [SUCCESS=merge] mod dns", s, START);
        assert_eq!(called, ["files", "mod", "dns"]);
        assert_eq!(ret, 0);
        // A failure after a merge reports the saved SUCCESS.
        let (called, ret, v) = walk("files [SUCCESS=merge] dns", s, START);
        assert_eq!(called, ["files", "dns"]);
        assert_eq!((ret, v.errno), (0, 0));
    }

    #[test]
    fn an_unreadable_file_has_no_source() {
        let mut v = START;
        assert!(services(&Hosts::Invalid, &mut v).is_empty());
        let w = walk_r(&[], &mut v, |_| true, |_, _| unreachable!());
        assert_eq!(end_r(w, &mut v), libc::EINVAL);
        assert_eq!(v.h_errnop, herr::NETDB_INTERNAL);
    }
}
