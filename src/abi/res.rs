//! `res_init`, `res_query`, `res_search`, `res_querydomain`, `res_send`, `res_mkquery`, and the
//! `__res_*` names of the same functions.
//!
//! Names: musl exports the plain names (and `__res_send`, `__res_mkquery`); glibc 2.34+'s
//! `<resolv.h>` sends `res_init` to `__res_init` and the others to their plain names
//! (`res_query@GLIBC_2.34`), while programs built against older glibc call `__res_query` &
//! co. (`@GLIBC_2.2.5`, from libresolv). We define every one of them, unversioned, so that
//! any of these references binds to us.
//!
//! The answer buffer: see [`crate::lookup::res::Reply::fit`] (glibc's rule, both builds):
//! never more than `anslen` bytes are written.

use super::stack;
use super::{boundary, disabled, h_errno_code, herr, set_errno, set_h_errno};
use crate::lookup::res::{Done, Mkquery, Question};
use crate::lookup::{self, Semantics};
use std::ffi::{c_char, c_int, c_uchar, CStr};
use std::ptr;

type InitFn = unsafe extern "C" fn() -> c_int;
type QueryFn = unsafe extern "C" fn(*const c_char, c_int, c_int, *mut c_uchar, c_int) -> c_int;
type QueryDomainFn =
    unsafe extern "C" fn(*const c_char, *const c_char, c_int, c_int, *mut c_uchar, c_int) -> c_int;
type SendFn = unsafe extern "C" fn(*const c_uchar, c_int, *mut c_uchar, c_int) -> c_int;
type MkqueryFn = unsafe extern "C" fn(
    c_int,
    *const c_char,
    c_int,
    c_int,
    *const c_uchar,
    c_int,
    *const c_uchar,
    *mut c_uchar,
    c_int,
) -> c_int;

// The libc's own definitions, for DNSSHIM_DISABLE and res_init: the plain name first (musl,
// glibc 2.34+), the `__res_` name second (glibc's res_init; older glibc).
crate::next_fn!(fn next_init_plain = "res_init" as InitFn);
crate::next_fn!(fn next_init_old = "__res_init" as InitFn);
crate::next_fn!(fn next_query_plain = "res_query" as QueryFn);
crate::next_fn!(fn next_query_old = "__res_query" as QueryFn);
crate::next_fn!(fn next_search_plain = "res_search" as QueryFn);
crate::next_fn!(fn next_search_old = "__res_search" as QueryFn);
crate::next_fn!(fn next_querydomain_plain = "res_querydomain" as QueryDomainFn);
crate::next_fn!(fn next_querydomain_old = "__res_querydomain" as QueryDomainFn);
crate::next_fn!(fn next_send_plain = "res_send" as SendFn);
crate::next_fn!(fn next_send_old = "__res_send" as SendFn);
crate::next_fn!(fn next_mkquery_plain = "res_mkquery" as MkqueryFn);
crate::next_fn!(fn next_mkquery_old = "__res_mkquery" as MkqueryFn);

/// Defines the exported function `$plain` and its `__res_` twin `$old`, both `$common(next,
/// $extra..., arguments...)`: one body for the two names. `next` finds the C library's own
/// function (for `DNSSHIM_DISABLE`) under the called name first, under the other one second.
macro_rules! plain_and_old {
    (
        $(#[$doc:meta])*
        fn $plain:ident / $old:ident($($arg:ident: $ty:ty),* $(,)?)
            = $common:ident($($extra:expr),*) with $next_plain:ident / $next_old:ident
    ) => {
        $(#[$doc])*
        #[no_mangle]
        pub unsafe extern "C" fn $plain($($arg: $ty),*) -> c_int {
            let next = || $next_plain().or_else($next_old);
            // SAFETY: the caller's contract.
            unsafe { $common(next, $($extra,)* $($arg),*) }
        }

        /// # Safety
        #[doc = concat!("As for `", stringify!($plain), "`.")]
        #[no_mangle]
        pub unsafe extern "C" fn $old($($arg: $ty),*) -> c_int {
            let next = || $next_old().or_else($next_plain);
            // SAFETY: the caller's contract.
            unsafe { $common(next, $($extra,)* $($arg),*) }
        }
    };
}

/// A NUL-terminated argument as bytes; `None` for NULL.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives the result.
unsafe fn bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: guaranteed by the caller.
        Some(unsafe { CStr::from_ptr(p) }.to_bytes())
    }
}

/// Copies what `done` puts in the caller's buffer and returns the call's value, setting
/// `h_errno`/`errno` on failure.
///
/// # Safety
/// `answer` is writable for `anslen` bytes (checked non-NULL, `anslen >= 0` here).
unsafe fn finish(done: Done, answer: *mut c_uchar, anslen: c_int) -> c_int {
    let cap = usize::try_from(anslen).unwrap_or(0);
    let fitted = done.reply.as_ref().map(|r| r.fit(cap));
    // Out of memory on the way (the answer is not written, as glibc's allocations come first).
    if crate::oom::failed() {
        return out_of_memory();
    }
    let mut value = -1;
    if let Some((copy, n)) = fitted {
        let len = copy.len().min(cap);
        if !answer.is_null() {
            // SAFETY: len <= cap = anslen, the caller's buffer size; the regions are distinct
            // (ours is a fresh Vec).
            unsafe { ptr::copy_nonoverlapping(copy.as_ptr(), answer, len) };
        }
        value = c_int::try_from(n).unwrap_or(c_int::MAX);
    }
    match done.status {
        Ok(()) => value,
        Err(f) => {
            if let Some(e) = f.h_errno {
                set_h_errno(h_errno_code(e));
            }
            if let Some(e) = f.errno {
                set_errno(e);
            }
            -1
        }
    }
}

/// Out of memory (glibc's resolver context or buffer allocation failing): -1, `h_errno =
/// NETDB_INTERNAL`, `errno = ENOMEM`.
fn out_of_memory() -> c_int {
    set_h_errno(herr::NETDB_INTERNAL);
    set_errno(libc::ENOMEM);
    -1
}

/// A bad pointer or length from the caller: -1, `h_errno = NETDB_INTERNAL`, `errno = EINVAL`.
fn bad_args() -> c_int {
    set_h_errno(herr::NETDB_INTERNAL);
    set_errno(libc::EINVAL);
    -1
}

fn res_init_impl(next: impl FnOnce() -> Option<InitFn>) -> c_int {
    boundary(0, || {
        // The libc's own res_init keeps `_res` filled for programs that read it; our
        // configuration is re-read whenever the files change, so there is nothing else to do.
        match next() {
            // SAFETY: the libc's res_init takes no arguments.
            Some(f) => stack::on_caller_stack(|| unsafe { f() }),
            None => 0,
        }
    })
}

/// `res_init()`: the C library's own `res_init` (musl: nothing; glibc: fills `_res`).
#[no_mangle]
pub extern "C" fn res_init() -> c_int {
    res_init_impl(|| next_init_plain().or_else(next_init_old))
}

/// `__res_init()`: what glibc's `<resolv.h>` calls `res_init`.
#[no_mangle]
pub extern "C" fn __res_init() -> c_int {
    res_init_impl(|| next_init_old().or_else(next_init_plain))
}

type QueryImpl = fn(Question<'_>, Semantics) -> Done;

/// Shared body of `res_query` and `res_search`.
///
/// # Safety
/// As for `res_query`.
#[allow(clippy::too_many_arguments)] // res_query's own five, and which function it is
unsafe fn query_common(
    next: impl FnOnce() -> Option<QueryFn>,
    f: QueryImpl,
    search: bool,
    name: *const c_char,
    class: c_int,
    qtype: c_int,
    answer: *mut c_uchar,
    anslen: c_int,
) -> c_int {
    boundary(-1, || {
        if disabled() {
            if let Some(n) = next() {
                // SAFETY: the caller's arguments, unchanged, to the libc's function.
                return stack::on_caller_stack(|| unsafe { n(name, class, qtype, answer, anslen) });
            }
        }
        let sem = Semantics::current();
        if search && sem == Semantics::Glibc {
            // glibc's res_search starts with h_errno = HOST_NOT_FOUND, errno = 0.
            set_h_errno(herr::HOST_NOT_FOUND);
            set_errno(0);
        }
        // SAFETY: name is NULL or a C string (contract).
        let Some(n) = (unsafe { bytes(name) }) else {
            return bad_args();
        };
        if answer.is_null() || anslen < 0 {
            return bad_args();
        }
        let q = Question {
            name: n,
            class,
            qtype,
            anslen: anslen as usize,
        };
        let done = f(q, sem);
        // SAFETY: answer is non-NULL and writable for anslen bytes (contract).
        unsafe { finish(done, answer, anslen) }
    })
}

plain_and_old! {
    /// # Safety
    /// As for the C library's `res_query`: `name` a C string, `answer` writable for `anslen`.
    fn res_query / __res_query(
        name: *const c_char,
        class: c_int,
        qtype: c_int,
        answer: *mut c_uchar,
        anslen: c_int,
    ) = query_common(lookup::res_query, false) with next_query_plain / next_query_old
}

plain_and_old! {
    /// # Safety
    /// As for the C library's `res_search`.
    fn res_search / __res_search(
        name: *const c_char,
        class: c_int,
        qtype: c_int,
        answer: *mut c_uchar,
        anslen: c_int,
    ) = query_common(lookup::res_search, true) with next_search_plain / next_search_old
}

/// Shared body of `res_querydomain` and `__res_querydomain`.
///
/// # Safety
/// As for `res_querydomain`.
unsafe fn querydomain_common(
    next: impl FnOnce() -> Option<QueryDomainFn>,
    name: *const c_char,
    domain: *const c_char,
    class: c_int,
    qtype: c_int,
    answer: *mut c_uchar,
    anslen: c_int,
) -> c_int {
    boundary(-1, || {
        if disabled() {
            if let Some(n) = next() {
                // SAFETY: the caller's arguments, unchanged, to the libc's function.
                return stack::on_caller_stack(|| unsafe {
                    n(name, domain, class, qtype, answer, anslen)
                });
            }
        }
        // SAFETY: name and domain are NULL or C strings (contract).
        let (Some(n), d) = (unsafe { (bytes(name), bytes(domain)) }) else {
            return bad_args();
        };
        if answer.is_null() || anslen < 0 {
            return bad_args();
        }
        let q = Question {
            name: n,
            class,
            qtype,
            anslen: anslen as usize,
        };
        let done = lookup::res_querydomain(q, d, Semantics::current());
        // SAFETY: answer is non-NULL and writable for anslen bytes (contract).
        unsafe { finish(done, answer, anslen) }
    })
}

plain_and_old! {
    /// # Safety
    /// As for the C library's `res_querydomain` (`domain` may be NULL: the name alone, as
    /// glibc).
    fn res_querydomain / __res_querydomain(
        name: *const c_char,
        domain: *const c_char,
        class: c_int,
        qtype: c_int,
        answer: *mut c_uchar,
        anslen: c_int,
    ) = querydomain_common() with next_querydomain_plain / next_querydomain_old
}

/// Shared body of `res_send` and `__res_send`.
///
/// # Safety
/// As for `res_send`.
unsafe fn send_common(
    next: impl FnOnce() -> Option<SendFn>,
    msg: *const c_uchar,
    msglen: c_int,
    answer: *mut c_uchar,
    anslen: c_int,
) -> c_int {
    boundary(-1, || {
        if disabled() {
            if let Some(n) = next() {
                // SAFETY: the caller's arguments, unchanged, to the libc's function.
                return stack::on_caller_stack(|| unsafe { n(msg, msglen, answer, anslen) });
            }
        }
        if msg.is_null() || msglen < 0 || answer.is_null() || anslen < 0 {
            return bad_args();
        }
        // SAFETY: msg is readable for msglen bytes (contract).
        let query = unsafe { std::slice::from_raw_parts(msg, msglen as usize) };
        let done = lookup::res_send(query, anslen as usize, Semantics::current());
        // SAFETY: answer is non-NULL and writable for anslen bytes (contract).
        unsafe { finish(done, answer, anslen) }
    })
}

plain_and_old! {
    /// # Safety
    /// As for the C library's `res_send`: `msg` readable for `msglen` bytes, `answer` writable
    /// for `anslen`.
    fn res_send / __res_send(
        msg: *const c_uchar,
        msglen: c_int,
        answer: *mut c_uchar,
        anslen: c_int,
    ) = send_common() with next_send_plain / next_send_old
}

/// Shared body of `res_mkquery` and `__res_mkquery`.
///
/// # Safety
/// As for `res_mkquery`.
#[allow(clippy::too_many_arguments)]
unsafe fn mkquery_common(
    next: impl FnOnce() -> Option<MkqueryFn>,
    op: c_int,
    dname: *const c_char,
    class: c_int,
    qtype: c_int,
    data: *const c_uchar,
    datalen: c_int,
    newrr: *const c_uchar,
    buf: *mut c_uchar,
    buflen: c_int,
) -> c_int {
    boundary(-1, || {
        if disabled() {
            if let Some(n) = next() {
                // SAFETY: the caller's arguments, unchanged, to the libc's function.
                return stack::on_caller_stack(|| unsafe {
                    n(op, dname, class, qtype, data, datalen, newrr, buf, buflen)
                });
            }
        }
        // SAFETY: dname is NULL or a C string (contract).
        let Some(name) = (unsafe { bytes(dname) }) else {
            return -1;
        };
        if buf.is_null() || buflen < 0 {
            return -1;
        }
        // `data` is read only where the libc reads it: glibc's NOTIFY, as a C string (a
        // domain name). `datalen` and `newrr` are ignored by both libcs.
        // SAFETY: for glibc's NOTIFY, `data` is a C string (glibc's contract for that opcode);
        // mkquery calls this only then.
        let read_data = || unsafe { bytes(data.cast()) }.unwrap_or_default().to_vec();
        let m = Mkquery {
            op,
            dname: name,
            class,
            qtype,
            data: (!data.is_null()).then_some(&read_data as &dyn Fn() -> Vec<u8>),
            buflen: buflen as usize,
        };
        let q = lookup::res_mkquery(&m, Semantics::current());
        if crate::oom::failed() {
            return out_of_memory();
        }
        match q {
            Some(q) => {
                // SAFETY: mkquery returns at most buflen bytes; buf is writable for buflen.
                unsafe { ptr::copy_nonoverlapping(q.as_ptr(), buf, q.len()) };
                c_int::try_from(q.len()).unwrap_or(-1)
            }
            None => -1,
        }
    })
}

plain_and_old! {
    /// # Safety
    /// As for the C library's `res_mkquery`: `dname` a C string, `buf` writable for `buflen`.
    fn res_mkquery / __res_mkquery(
        op: c_int,
        dname: *const c_char,
        class: c_int,
        qtype: c_int,
        data: *const c_uchar,
        datalen: c_int,
        newrr: *const c_uchar,
        buf: *mut c_uchar,
        buflen: c_int,
    ) = mkquery_common() with next_mkquery_plain / next_mkquery_old
}
