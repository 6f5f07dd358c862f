//! The C surface: one file per libc family. Every exported function runs inside
//! [`boundary`], which catches panics and returns the function's error value; C pointers are
//! turned into Rust values here and nowhere else; [`Error`] becomes `EAI_*`, `h_errno` and
//! `errno` here and nowhere else.

pub mod addrinfo;
pub mod ext;
pub mod hostent;
pub mod nameinfo;
pub mod nss;
pub mod per_thread;
pub mod res;
pub mod stack;

use crate::Error;
use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicPtr, Ordering};

/// `EAI_*` codes: the same values in musl's and glibc's `<netdb.h>`.
pub mod eai {
    use std::ffi::c_int;
    pub const BADFLAGS: c_int = -1;
    pub const NONAME: c_int = -2;
    pub const AGAIN: c_int = -3;
    pub const FAIL: c_int = -4;
    pub const NODATA: c_int = -5;
    pub const FAMILY: c_int = -6;
    /// glibc's, for a numeric host of the wrong family.
    pub const ADDRFAMILY: c_int = -9;
    pub const SOCKTYPE: c_int = -7;
    pub const SERVICE: c_int = -8;
    pub const MEMORY: c_int = -10;
    pub const SYSTEM: c_int = -11;
    pub const OVERFLOW: c_int = -12;
}

/// `h_errno` values (both libcs).
pub mod herr {
    use std::ffi::c_int;
    pub const NETDB_INTERNAL: c_int = -1;
    pub const NETDB_SUCCESS: c_int = 0;
    pub const HOST_NOT_FOUND: c_int = 1;
    pub const TRY_AGAIN: c_int = 2;
    pub const NO_RECOVERY: c_int = 3;
    pub const NO_DATA: c_int = 4;
}

thread_local! {
    /// Exports in progress on this thread (one may run another's body).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Run `f`, turning a panic into `on_panic`: no unwinding ever crosses into C. The outermost
/// export of a thread runs on the library's own stack ([`stack`]); the exports it runs inside
/// stay there. The environment is read afresh by each outermost export, once
/// ([`crate::config::env`]). Allocation failures of `f` ([`crate::oom`]) are for `f` to turn into its
/// error; they are forgotten when the outermost export returns.
pub fn boundary<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    let call = || catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic);
    let Ok(depth) = DEPTH.try_with(|d| d as *const Cell<u32>) else {
        return call();
    };
    // SAFETY: a thread-local lives as long as its thread, which is running this call; it is
    // only reached from this thread.
    let depth = unsafe { &*depth };
    let outermost = depth.get() == 0;
    depth.set(depth.get() + 1);
    let r = if outermost {
        crate::config::env::call_begins();
        let r = stack::run(call);
        crate::config::env::call_ends();
        r
    } else {
        call()
    };
    depth.set(depth.get() - 1);
    if outermost {
        crate::oom::clear();
    }
    r
}

/// `getaddrinfo`-style code for an error; sets `errno` for `EAI_SYSTEM`.
pub fn eai_code(e: Error) -> c_int {
    match e {
        Error::NotFound => eai::NONAME,
        Error::NoData => eai::NODATA,
        Error::TryAgain => eai::AGAIN,
        Error::Fail => eai::FAIL,
        Error::BadService => eai::SERVICE,
        Error::BadFamily => eai::FAMILY,
        Error::AddrFamily => eai::ADDRFAMILY,
        Error::BadSocktype => eai::SOCKTYPE,
        Error::BadFlags => eai::BADFLAGS,
        Error::Memory => eai::MEMORY,
        Error::Overflow => eai::OVERFLOW,
        Error::System(errno) => {
            set_errno(errno);
            eai::SYSTEM
        }
    }
}

/// `h_errno` value for an error (musl's: `NO_RECOVERY` for anything but the three it names
/// and a caller's error).
pub fn h_errno_code(e: Error) -> c_int {
    match e {
        Error::NotFound => herr::HOST_NOT_FOUND,
        Error::NoData => herr::NO_DATA,
        Error::TryAgain => herr::TRY_AGAIN,
        Error::Overflow | Error::BadFamily => herr::NETDB_INTERNAL,
        _ => herr::NO_RECOVERY,
    }
}

/// The `h_errno` glibc's resolver sets for a lookup's end (`lookup::Errnos`): `NETDB_SUCCESS`
/// for `Ok`; `NETDB_INTERNAL` for a system error or out of memory; else as
/// [`h_errno_code`].
pub fn glibc_h_errno(h: crate::Result<()>) -> c_int {
    match h {
        Ok(()) => herr::NETDB_SUCCESS,
        Err(Error::System(_) | Error::Memory) => herr::NETDB_INTERNAL,
        Err(e) => h_errno_code(e),
    }
}

/// The errno value the `_r` functions return for a failure (both libcs: `ENOENT` for a name
/// not found or without data, `EAGAIN` for a temporary failure, `EAFNOSUPPORT` for another
/// family, `ENOMEM`, a system call's errno; musl's `EBADMSG` for anything else).
pub fn r_errno(e: Error) -> c_int {
    match e {
        Error::NotFound | Error::NoData => libc::ENOENT,
        Error::TryAgain => libc::EAGAIN,
        Error::BadFamily => libc::EAFNOSUPPORT,
        Error::System(errno) => errno,
        Error::Memory => libc::ENOMEM,
        Error::Overflow => libc::ERANGE,
        _ => libc::EBADMSG,
    }
}

/// The calling thread's `h_errno` in the host libc (0 if `__h_errno_location` is not bound).
#[cfg(target_env = "gnu")]
pub fn h_errno() -> c_int {
    // SAFETY: __h_errno_location (musl and glibc both export it) returns null (not bound) or
    // a valid pointer to the calling thread's h_errno.
    unsafe {
        let p = crate::sys::late::__h_errno_location();
        if p.is_null() {
            0
        } else {
            *p
        }
    }
}

/// Set the calling thread's `h_errno` in the host libc.
pub fn set_h_errno(v: c_int) {
    // SAFETY: __h_errno_location (musl and glibc both export it) returns null (not bound) or
    // a valid pointer to the calling thread's h_errno.
    unsafe {
        let p = crate::sys::late::__h_errno_location();
        if !p.is_null() {
            *p = v;
        }
    }
}

/// Set the calling thread's `errno`.
pub fn set_errno(v: c_int) {
    crate::sys::set_errno(v)
}

/// A C string argument: `None` for NULL; invalid UTF-8 is passed on lossily (such a name
/// cannot match anything valid and is rejected further down).
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives the returned value.
pub unsafe fn c_str<'a>(p: *const c_char) -> Option<std::borrow::Cow<'a, str>> {
    // SAFETY: guaranteed by the caller.
    unsafe { c_bytes(p) }.map(text)
}

/// A C string argument's bytes (without the NUL): `None` for NULL.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives the returned value.
pub unsafe fn c_bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        return None;
    }
    // SAFETY: guaranteed by the caller.
    Some(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// `b` as text: borrowed when it is UTF-8 (the usual case: no copy), else a lossy copy (such a
/// name cannot match anything valid and is rejected further down).
pub fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// The next definition of a symbol after this library (`dlsym(RTLD_NEXT, name)`), looked up
/// once and cached in `slot`. `name` is NUL-terminated.
pub fn next_symbol(slot: &AtomicPtr<c_void>, name: &CStr) -> Option<*mut c_void> {
    let p = slot.load(Ordering::Acquire);
    if !p.is_null() {
        return Some(p);
    }
    // SAFETY: dlsym with RTLD_NEXT and a NUL-terminated name; the result is only stored.
    let p = unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr()) };
    if p.is_null() {
        return None;
    }
    slot.store(p, Ordering::Release);
    Some(p)
}

/// `DNSSHIM_DISABLE`: forward every call to the next definition.
pub fn disabled() -> bool {
    crate::config::env::disabled()
}

/// Declare a cached `RTLD_NEXT` lookup of a libc function: `next_fn!(name, type)` defines
/// `fn name() -> Option<type>`.
#[macro_export]
macro_rules! next_fn {
    ($vis:vis fn $fname:ident = $sym:literal as $ty:ty) => {
        $vis fn $fname() -> Option<$ty> {
            static SLOT: std::sync::atomic::AtomicPtr<std::ffi::c_void> =
                std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());
            let c = std::ffi::CStr::from_bytes_with_nul(concat!($sym, "\0").as_bytes()).ok()?;
            // SAFETY: the symbol named `$sym` in the C library has exactly the C signature
            // `$ty` (the libc's own prototype), so the pointer may be called as one.
            $crate::abi::next_symbol(&SLOT, c).map(|p| unsafe { std::mem::transmute::<*mut std::ffi::c_void, $ty>(p) })
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_returns_the_fallback_when_the_closure_panics() {
        // What each exported function falls back to.
        assert_eq!(
            boundary(eai::FAIL, || -> c_int { panic!("test panic") }),
            eai::FAIL
        );
        assert_eq!(
            boundary(libc::EINVAL, || -> c_int { panic!("test panic") }),
            libc::EINVAL
        );
        let p: *mut libc::hostent = boundary(std::ptr::null_mut(), || panic!("test panic"));
        assert!(p.is_null());
        // Unit (freeaddrinfo): returns instead of unwinding.
        boundary((), || panic!("test panic"));
        // A panic with a non-string payload, and from a nested call.
        let nested = || -> c_int { std::panic::panic_any(42u64) };
        assert_eq!(boundary(-1, || nested() + 1), -1);
        // Without a panic, the closure's value.
        assert_eq!(boundary(eai::FAIL, || 0), 0);
    }

    #[test]
    fn boundary_switches_stacks_once() {
        use stack::tests::here;
        let outside = here();
        let (inside, nested) = boundary((0, 0), || (here(), boundary(0, here)));
        if stack::SWITCHES {
            // The outermost export on the library's stack; the one inside stays there.
            assert!(inside.abs_diff(outside) > stack::STACK_SIZE);
            assert!(nested.abs_diff(inside) < 4096, "{nested:x} {inside:x}");
        }
        // A failure is forgotten when the outermost export returns, not before.
        let seen = boundary(false, || {
            boundary((), crate::oom::mark_failed);
            crate::oom::failed()
        });
        assert!(seen);
        assert!(!crate::oom::failed());
    }
}
