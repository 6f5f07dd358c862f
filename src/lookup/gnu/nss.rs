//! glibc's NSS for hosts: what a source hands back (`enum nss_status` with the `h_errno` it
//! set, a `struct hostent` of one family), the walk through nsswitch.conf's `hosts:` sources
//! (`nss/getXXbyYY_r.c`, `nss/nsswitch.c`), and what the walk needs from the NSS modules.
//!
//! The library's own `files` and `dns` answer as before; any other source is an NSS module,
//! reached through [`Modules`]: the C surface (`abi`) loads `libnss_NAME.so.2` and calls it,
//! the command and the musl build have none ([`NoModules`]), the unit tests script some.
//!
//! A walk keeps the two variables glibc hands every source, `errno` and `*h_errnop`
//! ([`Vars`]): a source changes them or not, and what the function returns at the end is read
//! from them ([`end_r`]), as glibc reads it.

use crate::config::nsswitch::{self, Hosts, Service, Source};
use crate::lookup::types::{Address, HostEnt};
use crate::sys::{EBUSY, EINVAL};
use crate::{Error, Result};
use std::net::IpAddr;
use std::sync::Arc;

pub use crate::config::nsswitch::Status;

/// What one NSS module said (`enum nss_status`), with the `h_errno` it set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Nss<T> {
    Success(T),
    NotFound(Error),
    TryAgain(Error),
    Unavail(Error),
}

impl<T> Nss<T> {
    /// The `h_errno` the module set: `NETDB_SUCCESS` (`Ok`) on success.
    pub(crate) fn h_errno(&self) -> Result<()> {
        match self {
            Nss::Success(_) => Ok(()),
            Nss::NotFound(h) | Nss::TryAgain(h) | Nss::Unavail(h) => Err(*h),
        }
    }

    pub(crate) fn is_success(&self) -> bool {
        matches!(self, Nss::Success(_))
    }

    /// The same status with `f` applied to its value.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Nss<U> {
        match self {
            Nss::Success(v) => Nss::Success(f(v)),
            Nss::NotFound(h) => Nss::NotFound(h),
            Nss::TryAgain(h) => Nss::TryAgain(h),
            Nss::Unavail(h) => Nss::Unavail(h),
        }
    }

    /// The status as nsswitch.conf's criteria name it.
    pub(crate) fn kind(&self) -> Status {
        match self {
            Nss::Success(_) => Status::Success,
            Nss::NotFound(_) => Status::NotFound,
            Nss::TryAgain(_) => Status::TryAgain,
            Nss::Unavail(_) => Status::Unavail,
        }
    }
}

/// A `struct hostent` of one family as an NSS module fills it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct HostData {
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) addrs: Vec<Address>,
}

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
/// them, and the function's end is read from them. `errno`: `None` is 0, an error its errno
/// (`NotFound` `ENOENT`, `TryAgain` `EAGAIN`, `Overflow` `ERANGE`, `System(e)` `e`, ...:
/// `abi` makes the numbers); `h_errnop`: `None` not written, else as [`crate::lookup::Errnos`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vars {
    pub errno: Option<Error>,
    pub h_errnop: Option<Result<()>>,
}

/// `NETDB_INTERNAL`, as an `h_errno`: "see errno".
pub const NETDB_INTERNAL: Result<()> = Err(Error::System(0));

/// An `h_errno` of `NETDB_INTERNAL` (a system error or out of memory).
pub(crate) fn internal(h: Result<()>) -> bool {
    matches!(h, Err(Error::System(_) | Error::Memory))
}

impl Vars {
    /// `*h_errnop == NETDB_INTERNAL`.
    pub fn internal(&self) -> bool {
        self.h_errnop.is_some_and(internal)
    }
}

/// The NSS modules a walk may call. Nothing here holds a lock of ours or blocks besides the
/// module's own call.
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

    /// The library's own entry (`files`, `dns`, an address literal) as a source leaves it:
    /// in the caller's buffer for the `_r` functions, which glibc's sources fill themselves;
    /// `false` when it does not fit there (the walk then ends with `ERANGE`).
    fn place(&mut self, _h: &HostEnt) -> bool {
        true
    }

    /// The variables as the walk finds them: the caller's `errno` when the function was
    /// called (glibc hands sources the thread's own), and `*h_errnop` (not written).
    fn vars(&self) -> Vars {
        Vars::default()
    }

    /// Whether the calls use the caller's own buffer (the `_r` functions): a module that finds
    /// it too small ends the lookup with `ERANGE`, where the functions with a buffer of their
    /// own grow it and look again.
    fn in_caller_buffer(&self) -> bool {
        false
    }
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

/// The `hosts` sources in effect: nsswitch.conf's line in the glibc build; in the musl build
/// (`DNSSHIM_COMPAT=glibc`: musl has no NSS) always `files dns`.
pub(crate) fn hosts_line() -> Arc<Hosts> {
    if cfg!(target_env = "musl") {
        static FIXED: std::sync::OnceLock<Arc<Hosts>> = std::sync::OnceLock::new();
        return FIXED
            .get_or_init(|| Arc::new(Hosts::Line(nsswitch::default_hosts())))
            .clone();
    }
    nsswitch::hosts()
}

/// The sources of a line (none for a file glibc cannot read, with `errno` `EINVAL` from its
/// parser).
pub(crate) fn services<'a>(hosts: &'a Hosts, vars: &mut Vars) -> &'a [Service] {
    match hosts {
        Hosts::Line(l) => l,
        Hosts::Invalid => {
            vars.errno = Some(Error::System(EINVAL));
            &[]
        }
    }
}

/// Whether a source has `entry`: `files` and `dns` have every one.
pub(crate) fn has(modules: &mut dyn Modules, service: &Service, entry: Entry) -> bool {
    match &service.source {
        Source::Files | Source::Dns => true,
        Source::Module(name) => modules.has(name, entry),
    }
}

/// The most buffer a module is given (ours). glibc doubles its scratch buffer after every
/// `ERANGE` until `malloc` fails (`EAI_MEMORY`); a module still asking for more past this is
/// broken, and the call ends as glibc's would, out of memory.
pub const MAX_MODULE_BUFFER: usize = 64 << 20;

/// The first size of the buffer glibc lends a module (`scratch_buffer`'s 1024 bytes; the
/// non-reentrant functions' `BUFLEN`).
pub const FIRST_MODULE_BUFFER: usize = 1024;

/// Whether a call reported its buffer too small (TRYAGAIN, `ERANGE`, `NETDB_INTERNAL`).
pub fn too_small(status: Status, vars: &Vars) -> bool {
    status == Status::TryAgain && vars.errno == Some(Error::Overflow) && vars.internal()
}

/// The variables a call that found its buffer too small leaves.
pub fn erange(vars: &mut Vars) -> Status {
    vars.errno = Some(Error::Overflow);
    vars.h_errnop = Some(NETDB_INTERNAL);
    Status::TryAgain
}

/// One call of a module's entry point with a buffer of `*buflen` bytes, doubled and the call
/// made again while the module finds it too small (glibc's `scratch_buffer_grow` loops in
/// `getaddrinfo`); `*buflen` keeps the size that was enough. Past [`MAX_MODULE_BUFFER`]: out
/// of memory.
pub(crate) fn call_growing(
    modules: &mut dyn Modules,
    name: &[u8],
    q: Query<'_>,
    buflen: &mut usize,
    vars: &mut Vars,
) -> Result<(Status, Option<Answer>)> {
    loop {
        let (status, answer) = modules.call(name, q, *buflen, vars);
        if !too_small(status, vars) {
            return Ok((status, answer));
        }
        *buflen = buflen
            .checked_mul(2)
            .filter(|&n| n <= MAX_MODULE_BUFFER)
            .ok_or(Error::Memory)?;
    }
}

/// The error of a lookup that ended with `NETDB_INTERNAL`: its `errno` as a system error
/// (`EAI_SYSTEM`).
pub(crate) fn system_error(errno: Option<Error>) -> Error {
    match errno {
        Some(e @ (Error::System(_) | Error::Memory)) => e,
        Some(Error::TryAgain) => Error::System(crate::sys::EAGAIN),
        Some(Error::NotFound) => Error::System(crate::sys::ENOENT),
        Some(Error::Overflow) => Error::System(crate::sys::ERANGE),
        Some(Error::BadFamily) => Error::System(crate::sys::EAFNOSUPPORT),
        _ => Error::System(0),
    }
}

/// `getaddrinfo`'s answer for a source that has none of the entry points it looks for (or
/// cannot be loaded): UNAVAIL, `NETDB_INTERNAL`, `EBUSY` (`get_nss_addresses`).
pub(crate) fn no_function(vars: &mut Vars) -> Status {
    vars.h_errnop = Some(NETDB_INTERNAL);
    vars.errno = Some(Error::System(EBUSY));
    Status::Unavail
}
