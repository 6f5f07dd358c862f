//! The C library's functions that only a lookup needs, bound when first called instead of when
//! the library is loaded.
//!
//! The library is loaded into every process started with it, and most of those never resolve
//! a name. Each function it imports the ordinary way is a symbol the dynamic loader looks up
//! (main program, this library, the C library: several hundred instructions) before `main`,
//! in every process. The functions below are looked up with `dlsym(RTLD_DEFAULT, name)` on
//! their first call instead, once per process, and called through the cached pointer after
//! that (an atomic load beside the indirect call a relocated import makes too): what glibc's
//! lazy binding does for a program's own calls, which musl's loader never does.
//!
//! `RTLD_DEFAULT` searches what the loader searches for an import (the program, the preloaded
//! libraries, the C library, in load order), so a function interposed by the program or by
//! another preloaded library (`socket_wrapper`, a proxy library) is still the one called. The
//! functions the library needs anyway (`malloc`, `memcpy`, `close`, `mmap`, `dlsym` itself:
//! those Rust's standard library imports) stay ordinary imports.
//!
//! Every function here exists in musl and glibc. Should one be missing from the C library in
//! use, it fails as a system call the kernel does not know would (`ENOSYS`, or the value named
//! with it), instead of the process failing to start.

use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
#[cfg(not(target_feature = "crt-static"))]
use std::ptr;
#[cfg(not(target_feature = "crt-static"))]
use std::sync::atomic::{AtomicPtr, Ordering};

/// The address of `name` (NUL-terminated) in the process's global scope, cached in `slot`;
/// null when there is none.
#[cfg(not(target_feature = "crt-static"))]
#[cold]
#[inline(never)]
fn look_up(slot: &AtomicPtr<c_void>, name: &'static [u8]) -> *mut c_void {
    if name.last() != Some(&0) {
        return ptr::null_mut();
    }
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name (checked above); the result
    // is only stored and returned.
    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr().cast()) };
    if !p.is_null() {
        slot.store(p, Ordering::Release);
    }
    p
}

/// The cached address of `name`, bound on first use (see the module comment).
#[cfg(not(target_feature = "crt-static"))]
#[inline(always)]
fn address(slot: &AtomicPtr<c_void>, name: &'static [u8]) -> *mut c_void {
    let p = slot.load(Ordering::Acquire);
    if p.is_null() {
        look_up(slot, name)
    } else {
        p
    }
}

/// `late! { fn name(arg: type, ...) -> ret = failure; ... }`: for each, an `unsafe fn` of that
/// C signature calling the C library's `name`, bound on first use; when there is no such
/// function it sets `errno` to `ENOSYS` and returns `failure`.
///
/// In a statically linked program (the `dnsshim` command: `crt-static`) there is no loader
/// and `dlsym` finds nothing: there each is a plain call of the C function, linked in.
macro_rules! late {
    ($( $(#[$m:meta])* fn $name:ident($($a:ident: $t:ty),* $(,)?) -> $r:ty = $fail:expr; )*) => {$(
        $(#[$m])*
        /// # Safety
        /// As for the C function of that name.
        #[inline]
        #[cfg(not(target_feature = "crt-static"))]
        pub(crate) unsafe fn $name($($a: $t),*) -> $r {
            static SLOT: AtomicPtr<c_void> = AtomicPtr::new(ptr::null_mut());
            let p = address(&SLOT, concat!(stringify!($name), "\0").as_bytes());
            if p.is_null() {
                super::set_errno(libc::ENOSYS);
                return $fail;
            }
            // SAFETY: the C library's `$name` has exactly this C signature (its prototype in
            // both libcs' headers), so the pointer may be called as one; the arguments are
            // the caller's, as for the C function.
            unsafe { std::mem::transmute::<*mut c_void, unsafe extern "C" fn($($t),*) -> $r>(p)($($a),*) }
        }

        $(#[$m])*
        /// # Safety
        /// As for the C function of that name.
        #[inline]
        #[cfg(target_feature = "crt-static")]
        pub(crate) unsafe fn $name($($a: $t),*) -> $r {
            mod c {
                #[allow(unused_imports)]
                use super::*;
                extern "C" {
                    pub(super) fn $name($($a: $t),*) -> $r;
                }
            }
            // SAFETY: the C library's `$name`, declared with its C signature (its prototype
            // in both libcs' headers); the arguments are the caller's, as for the C function.
            unsafe { c::$name($($a),*) }
        }
    )*};
}

late! {
    fn socket(domain: c_int, ty: c_int, protocol: c_int) -> c_int = -1;
    fn connect(fd: c_int, addr: *const libc::sockaddr, len: libc::socklen_t) -> c_int = -1;
    fn bind(fd: c_int, addr: *const libc::sockaddr, len: libc::socklen_t) -> c_int = -1;
    fn getsockname(fd: c_int, addr: *mut libc::sockaddr, len: *mut libc::socklen_t) -> c_int = -1;
    fn send(fd: c_int, buf: *const c_void, len: usize, flags: c_int) -> isize = -1;
    fn sendto(
        fd: c_int,
        buf: *const c_void,
        len: usize,
        flags: c_int,
        addr: *const libc::sockaddr,
        addr_len: libc::socklen_t,
    ) -> isize = -1;
    fn recvfrom(
        fd: c_int,
        buf: *mut c_void,
        len: usize,
        flags: c_int,
        addr: *mut libc::sockaddr,
        addr_len: *mut libc::socklen_t,
    ) -> isize = -1;
    fn recvmsg(fd: c_int, msg: *mut libc::msghdr, flags: c_int) -> isize = -1;
    fn poll(fds: *mut libc::pollfd, n: libc::nfds_t, timeout: c_int) -> c_int = -1;
    fn gethostname(name: *mut c_char, len: usize) -> c_int = -1;
    fn if_nametoindex(name: *const c_char) -> c_uint = 0;
    fn if_indextoname(index: c_uint, name: *mut c_char) -> *mut c_char = ptr::null_mut();
    /// Without it no byte string is taken for valid.
    fn mbstowcs(dst: *mut libc::wchar_t, src: *const c_char, n: usize) -> usize = usize::MAX;
    /// Without it every entry reads as set: an unknown mode is taken for secure execution.
    fn getauxval(ty: c_ulong) -> c_ulong = !0;
    /// Returns an error number, not -1.
    fn pthread_key_create(
        key: *mut libc::pthread_key_t,
        destructor: Option<unsafe extern "C" fn(*mut c_void)>,
    ) -> c_int = libc::ENOSYS;
    fn pthread_key_delete(key: libc::pthread_key_t) -> c_int = libc::ENOSYS;
    fn pthread_getspecific(key: libc::pthread_key_t) -> *mut c_void = ptr::null_mut();
    fn pthread_setspecific(key: libc::pthread_key_t, value: *const c_void) -> c_int = libc::ENOSYS;
    fn getpid() -> libc::pid_t = 0;
    fn sched_yield() -> c_int = -1;
    fn clock_gettime(clock: libc::clockid_t, tp: *mut libc::timespec) -> c_int = -1;
    /// Null without it: `h_errno` is then not set.
    fn __h_errno_location() -> *mut c_int = ptr::null_mut();
}

/// The process environment's current array (`environ`: NULL-terminated, each entry
/// `NAME=value`), or null.
#[cfg(not(target_feature = "crt-static"))]
pub(crate) fn environ() -> *const *const c_char {
    static SLOT: AtomicPtr<c_void> = AtomicPtr::new(ptr::null_mut());
    let p = address(&SLOT, b"environ\0");
    if p.is_null() {
        return ptr::null();
    }
    // SAFETY: `environ` is a variable of type `char **` (both libcs); `p` is its address. It
    // is read as the C library's getenv reads it.
    unsafe { *(p as *const *const *const c_char) }
}

/// The process environment's current array (statically linked: the C library's variable).
#[cfg(target_feature = "crt-static")]
pub(crate) fn environ() -> *const *const c_char {
    extern "C" {
        static environ: *const *const c_char;
    }
    // SAFETY: `environ` is a variable of type `char **` (both libcs), read as the C
    // library's getenv reads it.
    unsafe { environ }
}
