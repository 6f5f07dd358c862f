//! NSS module calls: the modules of nsswitch.conf's `hosts:` line (other than `files` and
//! `dns`, which are the library's own), called as glibc calls them. The glibc build only: musl
//! has no NSS ([`system`] is then [`NoModules`]).
//!
//! - A module is loaded on first use, once per process ([`crate::sys::nss`]).
//! - Each call runs on the calling thread and on the caller's own stack
//!   ([`super::stack::on_caller_stack`]): the module gets the stack it gets under glibc, which
//!   the library's 128 KiB stack need not match (systemd's modules go through sd-bus).
//! - No lock is held during a call: the module may block (a daemon's socket) or call the
//!   resolver itself.
//! - A module that calls the resolver from inside its own call reaches our exports again (as
//!   it reaches glibc's): that lookup walks the line too, but a module already in a call on
//!   this thread counts there as one that cannot be loaded, so a module that resolves names
//!   through itself ends instead of looping (under glibc it would recurse until the stack
//!   runs out, unless it guards itself, as modules do).
//! - The buffer is ours, of the size the walk asks for ([`Loaded::scratch`]), or the caller's
//!   own for the `_r` functions ([`Loaded::in_caller_buffer`]), which glibc hands the module
//!   as it is: the module lays its entry out there itself.

#[cfg(target_env = "gnu")]
pub(crate) use loaded::Loaded;

/// The modules of this build: loaded from disk in the glibc build, none in the musl build.
#[cfg(target_env = "gnu")]
pub(crate) type System = Loaded;
/// The modules of this build: loaded from disk in the glibc build, none in the musl build.
#[cfg(not(target_env = "gnu"))]
pub(crate) type System = crate::lookup::NoModules;

/// Whether this build loads NSS modules (the glibc build).
pub(crate) const HAS_MODULES: bool = cfg!(target_env = "gnu");

/// The modules, with buffers of the library's own. Made when the export starts: it notes the
/// caller's `errno` then.
pub(crate) fn system() -> System {
    #[cfg(target_env = "gnu")]
    return Loaded::scratch();
    #[cfg(not(target_env = "gnu"))]
    return crate::lookup::NoModules;
}

/// The modules for `getaddrinfo`, which hands its sources the thread's `h_errno` too.
pub(crate) fn for_getaddrinfo() -> System {
    #[cfg(target_env = "gnu")]
    return Loaded::scratch().with_h_errnop(loaded::thread_h_errno());
    #[cfg(not(target_env = "gnu"))]
    return crate::lookup::NoModules;
}

/// The modules for an `_r` function: with `in_buffer`, handed the caller's `ret` and `buf`
/// (glibc's rules in the glibc build), else as [`system`].
///
/// # Safety
/// With `in_buffer`: `ret` writable, `buf` NULL or writable for `len` bytes, while the value
/// lives.
#[allow(unused_variables)]
pub(crate) unsafe fn for_r(
    ret: *mut libc::hostent,
    buf: *mut std::ffi::c_char,
    len: usize,
    in_buffer: bool,
) -> System {
    #[cfg(target_env = "gnu")]
    if in_buffer {
        // SAFETY: guaranteed by the caller.
        return unsafe { Loaded::in_caller_buffer(ret, buf, len) };
    }
    system()
}

#[cfg(target_env = "gnu")]
mod loaded {
    use crate::abi::stack::on_caller_stack;
    use crate::abi::{glibc_h_errno, herr, r_errno};
    use crate::lookup::gnu::nss::{Answer, Entry, Modules, Query, Status, Tuple, Vars};
    use crate::lookup::HostEnt;
    use crate::sys::nss::{self as loader, Module};
    use crate::Error;
    use crate::Result;
    use std::cell::Cell;
    use std::ffi::{c_char, c_int, c_void, CStr, CString};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use std::ptr;

    /// glibc's `struct gaih_addrtuple` (`<nss.h>`), `gethostbyname4_r`'s list.
    #[repr(C)]
    struct GaihAddrtuple {
        next: *mut GaihAddrtuple,
        name: *mut c_char,
        family: c_int,
        addr: [u32; 4],
        scopeid: u32,
    }

    type ByName4 = unsafe extern "C" fn(
        *const c_char,
        *mut *mut GaihAddrtuple,
        *mut c_char,
        usize,
        *mut c_int,
        *mut c_int,
        *mut i32,
    ) -> c_int;
    type ByName3 = unsafe extern "C" fn(
        *const c_char,
        c_int,
        *mut libc::hostent,
        *mut c_char,
        usize,
        *mut c_int,
        *mut c_int,
        *mut i32,
        *mut *mut c_char,
    ) -> c_int;
    type ByName2 = unsafe extern "C" fn(
        *const c_char,
        c_int,
        *mut libc::hostent,
        *mut c_char,
        usize,
        *mut c_int,
        *mut c_int,
    ) -> c_int;
    type ByName = unsafe extern "C" fn(
        *const c_char,
        *mut libc::hostent,
        *mut c_char,
        usize,
        *mut c_int,
        *mut c_int,
    ) -> c_int;
    type ByAddr = unsafe extern "C" fn(
        *const c_void,
        libc::socklen_t,
        c_int,
        *mut libc::hostent,
        *mut c_char,
        usize,
        *mut c_int,
        *mut c_int,
    ) -> c_int;

    /// The index of an entry point in [`loader::FUNCTIONS`].
    fn index(e: Entry) -> usize {
        match e {
            Entry::ByName4 => 0,
            Entry::ByName3 => 1,
            Entry::ByName2 => 2,
            Entry::ByName => 3,
            Entry::ByAddr => 4,
        }
    }

    /// Modules in a call on this thread at once, at most (ours: a module's lookup that calls
    /// another module that looks up again...); beyond, every module counts as unavailable.
    const MAX_NESTED_CALLS: usize = 8;

    thread_local! {
        /// The modules in a call on this thread, innermost last, and how many.
        static IN_CALL: Cell<([usize; MAX_NESTED_CALLS], usize)> =
            const { Cell::new(([0; MAX_NESTED_CALLS], 0)) };
    }

    /// Whether `m` is in a call on this thread (or the calls are nested too deep).
    fn in_call(m: &Module) -> bool {
        IN_CALL
            .try_with(|c| {
                let (list, n) = c.get();
                n >= MAX_NESTED_CALLS || list[..n].contains(&(m as *const Module as usize))
            })
            .unwrap_or(true)
    }

    /// Notes `m` as in a call for as long as the guard lives.
    struct Entered;

    impl Entered {
        fn new(m: &Module) -> Entered {
            let _ = IN_CALL.try_with(|c| {
                let (mut list, n) = c.get();
                if n < MAX_NESTED_CALLS {
                    list[n] = m as *const Module as usize;
                }
                c.set((list, n + 1));
            });
            Entered
        }
    }

    impl Drop for Entered {
        fn drop(&mut self) {
            let _ = IN_CALL.try_with(|c| {
                let (list, n) = c.get();
                c.set((list, n.saturating_sub(1)));
            });
        }
    }

    /// A buffer for the module, aligned as `malloc`'s (`max_align_t`), as glibc's scratch
    /// buffers are.
    #[derive(Clone, Copy)]
    #[repr(C, align(16))]
    struct Chunk([u8; 16]);

    /// Where the module lays its entry out.
    enum Target {
        /// A buffer of ours, of the size the walk asks for.
        Scratch,
        /// The caller's `struct hostent` and buffer (`gethostbyname2_r` and friends).
        Caller {
            ret: *mut libc::hostent,
            buf: *mut c_char,
            len: usize,
        },
    }

    /// The modules, loaded from disk.
    pub(crate) struct Loaded {
        target: Target,
        at_entry: Vars,
    }

    impl Loaded {
        /// Calls with buffers of ours.
        pub(crate) fn scratch() -> Loaded {
            Loaded {
                target: Target::Scratch,
                at_entry: at_entry(),
            }
        }

        /// Calls of the `hostent` entry points with the caller's own `struct hostent` and
        /// buffer, where the library's own entries are laid out too (glibc's `_r`
        /// functions hand the sources the caller's buffer).
        ///
        /// # Safety
        /// `ret` is writable, `buf` NULL or writable for `len` bytes, for as long as the value
        /// lives.
        pub(crate) unsafe fn in_caller_buffer(
            ret: *mut libc::hostent,
            buf: *mut c_char,
            len: usize,
        ) -> Loaded {
            Loaded {
                target: Target::Caller { ret, buf, len },
                at_entry: at_entry(),
            }
        }

        /// The walk starts with `*h_errnop` as `h` (`getaddrinfo` hands its sources the
        /// thread's `h_errno`).
        pub(crate) fn with_h_errnop(mut self, h: crate::Result<()>) -> Loaded {
            self.at_entry.h_errnop = Some(h);
            self
        }
    }

    /// `m`'s entry point `e`, loading the module on first use (`dlopen`, on the library's
    /// stack: the loader's own needs are a few KiB, and the module's constructors are small).
    fn function(m: &Module, e: Entry) -> Option<*mut c_void> {
        m.function(index(e))
    }

    impl Modules for Loaded {
        fn vars(&self) -> Vars {
            self.at_entry
        }

        fn in_caller_buffer(&self) -> bool {
            matches!(self.target, Target::Caller { .. })
        }

        fn place(&mut self, h: &HostEnt) -> bool {
            match self.target {
                Target::Scratch => true,
                // SAFETY: the caller's hostent and buffer ([`Loaded::in_caller_buffer`]).
                Target::Caller { ret, buf, len } => unsafe {
                    crate::abi::hostent::fill(h, ret, buf, len).is_ok()
                },
            }
        }

        fn has(&mut self, name: &[u8], entry: Entry) -> bool {
            let m = loader::module(name);
            !in_call(m) && function(m, entry).is_some()
        }

        fn call(
            &mut self,
            name: &[u8],
            q: Query<'_>,
            buflen: usize,
            vars: &mut Vars,
        ) -> (Status, Option<Answer>) {
            let m = loader::module(name);
            let f = match function(m, q.entry()) {
                Some(f) if !in_call(m) => f,
                _ => return (Status::Unavail, None),
            };
            let asked = match q {
                Query::ByName4(n)
                | Query::ByName3(n, _)
                | Query::ByName2(n, _)
                | Query::ByName(n) => {
                    match CString::new(n) {
                        Ok(c) => Some(c),
                        // A name with a NUL: the module would see it cut there; no module
                        // can know a name glibc itself cannot pass.
                        Err(_) => {
                            vars.h_errnop = Some(Err(Error::NotFound));
                            return (Status::NotFound, None);
                        }
                    }
                }
                Query::ByAddr(_) => None,
            };
            let name_ptr = asked.as_ref().map_or(ptr::null(), |c| c.as_ptr());
            let mut scratch: Vec<Chunk> = Vec::new();
            let mut own = libc::hostent {
                h_name: ptr::null_mut(),
                h_aliases: ptr::null_mut(),
                h_addrtype: 0,
                h_length: 0,
                h_addr_list: ptr::null_mut(),
            };
            let (ret, buf, len) = match self.target {
                Target::Caller { ret, buf, len } if q.entry() != Entry::ByName4 => (ret, buf, len),
                _ => {
                    scratch.resize(buflen.div_ceil(16), Chunk([0; 16]));
                    (
                        &mut own as *mut libc::hostent,
                        scratch.as_mut_ptr().cast::<c_char>(),
                        buflen,
                    )
                }
            };
            if matches!(self.target, Target::Caller { buf, .. } if buf.is_null())
                && q.entry() != Entry::ByName4
            {
                // glibc hands a NULL buffer on; a module would write through it.
                return (crate::lookup::gnu::nss::erange(vars), None);
            }
            let (mut errno, mut h) = to_c(vars);
            let errnop: *mut c_int = &mut errno;
            let h_errnop: *mut c_int = &mut h;
            let mut tuples: *mut GaihAddrtuple = ptr::null_mut();
            let mut canon: *mut c_char = ptr::null_mut();
            let entered = Entered::new(m);
            // SAFETY: `f` is the module's `_nss_NAME_FUNCTION` for this query's entry point,
            // whose C type is the one it is called as (glibc's `<nss.h>` prototypes); every
            // pointer is valid for the call: the name a C string, `ret` a writable hostent,
            // `buf` writable for `len` bytes, the others our locals.
            let status = on_caller_stack(|| unsafe {
                match q {
                    Query::ByName4(_) => std::mem::transmute::<*mut c_void, ByName4>(f)(
                        name_ptr,
                        &mut tuples,
                        buf,
                        len,
                        errnop,
                        h_errnop,
                        ptr::null_mut(),
                    ),
                    Query::ByName3(_, af) => std::mem::transmute::<*mut c_void, ByName3>(f)(
                        name_ptr,
                        af,
                        ret,
                        buf,
                        len,
                        errnop,
                        h_errnop,
                        ptr::null_mut(),
                        &mut canon,
                    ),
                    Query::ByName2(_, af) => std::mem::transmute::<*mut c_void, ByName2>(f)(
                        name_ptr, af, ret, buf, len, errnop, h_errnop,
                    ),
                    Query::ByName(_) => std::mem::transmute::<*mut c_void, ByName>(f)(
                        name_ptr, ret, buf, len, errnop, h_errnop,
                    ),
                    Query::ByAddr(ip) => {
                        let (bytes, n, af) = match ip {
                            IpAddr::V4(a) => {
                                let mut b = [0u8; 16];
                                b[..4].copy_from_slice(&a.octets());
                                (b, 4, libc::AF_INET)
                            }
                            IpAddr::V6(a) => (a.octets(), 16, libc::AF_INET6),
                        };
                        std::mem::transmute::<*mut c_void, ByAddr>(f)(
                            bytes.as_ptr().cast(),
                            n,
                            af,
                            ret,
                            buf,
                            len,
                            errnop,
                            h_errnop,
                        )
                    }
                }
            });
            drop(entered);
            from_c(vars, errno, h);
            // A status outside glibc's four (a broken module; glibc's own handling of one
            // ends the process): UNAVAIL.
            let status = Status::from_c(status).unwrap_or(Status::Unavail);
            if status != Status::Success {
                return (status, None);
            }
            // SAFETY: the module reported SUCCESS: it filled the list or the entry, whose
            // pointers point into `buf` (alive until we return) or to its own storage.
            let answer = unsafe {
                match q {
                    Query::ByName4(_) => Answer::Tuples(read_tuples(tuples)),
                    _ => Answer::Host(read_hostent(&*ret), c_bytes(canon)),
                }
            };
            (status, Some(answer))
        }
    }

    /// The bytes of a C string; `None` for NULL.
    ///
    /// # Safety
    /// `p` is NULL or a NUL-terminated string.
    unsafe fn c_bytes(p: *const c_char) -> Option<Vec<u8>> {
        // SAFETY: guaranteed by the caller.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes().to_vec())
    }

    /// The entries of a NULL-terminated pointer array.
    ///
    /// # Safety
    /// `list` is NULL or a NULL-terminated array of valid pointers.
    unsafe fn entries<T>(list: *mut *mut T) -> impl Iterator<Item = *mut T> {
        let mut i = 0;
        std::iter::from_fn(move || {
            if list.is_null() {
                return None;
            }
            // SAFETY: guaranteed by the caller; we stop at the NULL.
            let p = unsafe { *list.add(i) };
            i += 1;
            (!p.is_null()).then_some(p)
        })
    }

    /// A module's `struct hostent` as a [`HostEnt`]. Addresses of a length other than 4 or
    /// 16 bytes are left out.
    ///
    /// # Safety
    /// `h` is an entry a module filled: C strings, NULL-terminated arrays.
    unsafe fn read_hostent(h: &libc::hostent) -> HostEnt {
        // SAFETY: guaranteed by the caller.
        unsafe {
            let len = h.h_length;
            HostEnt {
                name: c_bytes(h.h_name).unwrap_or_default(),
                aliases: entries(h.h_aliases)
                    .map(|a| CStr::from_ptr(a).to_bytes().to_vec())
                    .collect(),
                addrtype: h.h_addrtype,
                addrs: entries(h.h_addr_list)
                    .filter_map(|a| match len {
                        4 => Some(IpAddr::V4(Ipv4Addr::from(*(a as *const [u8; 4])))),
                        16 => Some(IpAddr::V6(Ipv6Addr::from(*(a as *const [u8; 16])))),
                        _ => None,
                    })
                    .collect(),
            }
        }
    }

    /// `gethostbyname4_r`'s list. Tuples of a family other than IPv4 and IPv6 are left out.
    ///
    /// # Safety
    /// `p` is NULL or a list a module filled.
    unsafe fn read_tuples(mut p: *mut GaihAddrtuple) -> Vec<Tuple> {
        let mut out = Vec::new();
        while !p.is_null() {
            // SAFETY: guaranteed by the caller.
            let t = unsafe { &*p };
            let mut bytes = [0u8; 16];
            for (i, w) in t.addr.iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
            }
            let ip = match t.family {
                libc::AF_INET => Some(IpAddr::V4(Ipv4Addr::new(
                    bytes[0], bytes[1], bytes[2], bytes[3],
                ))),
                libc::AF_INET6 => Some(IpAddr::V6(Ipv6Addr::from(bytes))),
                _ => None,
            };
            if let Some(ip) = ip {
                out.push(Tuple {
                    // SAFETY: a module's tuple name is NULL or a C string.
                    name: unsafe { c_bytes(t.name) },
                    ip,
                    scope_id: t.scopeid,
                });
            }
            p = t.next;
        }
        out
    }

    /// The number of an `errno` as [`Vars`] keeps it.
    fn errno_value(e: Option<Error>) -> c_int {
        e.map_or(0, r_errno)
    }

    /// An `errno` as [`Vars`] keeps it: 0 `None`; those the library tells apart as their errors
    /// (`ENOENT`, `EAGAIN`, `ERANGE`, `EAFNOSUPPORT`, `ENOMEM`); any other `System(e)`.
    fn errno_error(v: c_int) -> Option<Error> {
        Some(match v {
            0 => return None,
            libc::ENOENT => Error::NotFound,
            libc::EAGAIN => Error::TryAgain,
            libc::ERANGE => Error::Overflow,
            libc::EAFNOSUPPORT => Error::BadFamily,
            libc::ENOMEM => Error::Memory,
            e => Error::System(e),
        })
    }

    /// An `h_errno` as [`Vars`] keeps it (a value outside netdb.h's reads as NO_RECOVERY).
    fn h_errno_result(v: c_int) -> Result<()> {
        match v {
            herr::NETDB_SUCCESS => Ok(()),
            herr::HOST_NOT_FOUND => Err(Error::NotFound),
            herr::TRY_AGAIN => Err(Error::TryAgain),
            herr::NO_DATA => Err(Error::NoData),
            herr::NETDB_INTERNAL => crate::lookup::gnu::nss::NETDB_INTERNAL,
            _ => Err(Error::Fail),
        }
    }

    /// What the module is handed as `*h_errnop` when nothing wrote it yet: a value no module
    /// writes, so that one it leaves alone stays "not written".
    const UNWRITTEN: c_int = c_int::MIN;

    /// `vars` as the two C ints a module is handed.
    fn to_c(vars: &Vars) -> (c_int, c_int) {
        (
            errno_value(vars.errno),
            vars.h_errnop.map_or(UNWRITTEN, glibc_h_errno),
        )
    }

    /// The two ints after the call, back into `vars`.
    fn from_c(vars: &mut Vars, errno: c_int, h: c_int) {
        vars.errno = errno_error(errno);
        if h != UNWRITTEN {
            vars.h_errnop = Some(h_errno_result(h));
        }
    }

    /// The variables a walk starts with: the caller's `errno` (glibc hands the sources the
    /// thread's own), `*h_errnop` not written.
    fn at_entry() -> Vars {
        Vars {
            errno: errno_error(crate::sys::errno()),
            h_errnop: None,
        }
    }

    /// The thread's `h_errno` now, as [`Vars`] keeps it (`getaddrinfo` hands its sources the
    /// thread's own `h_errno`).
    pub(crate) fn thread_h_errno() -> Result<()> {
        h_errno_result(crate::abi::h_errno())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn numbers_round_trip() {
            for e in [
                0,
                libc::ENOENT,
                libc::EAGAIN,
                libc::ERANGE,
                libc::EAFNOSUPPORT,
                libc::ENOMEM,
                libc::EBUSY,
                libc::EINVAL,
                libc::ECONNREFUSED,
                12345,
            ] {
                assert_eq!(errno_value(errno_error(e)), e);
            }
            for h in [-1, 0, 1, 2, 3, 4] {
                let mut v = Vars::default();
                from_c(&mut v, 0, h);
                assert_eq!(to_c(&v).1, h);
            }
            let mut v = Vars::default();
            from_c(&mut v, libc::ERANGE, UNWRITTEN);
            assert_eq!(
                v,
                Vars {
                    errno: Some(Error::Overflow),
                    h_errnop: None
                }
            );
        }
    }
}
