//! The process's auxiliary vector (`AT_SECURE`) and environment (`environ`).

use std::ffi::CStr;
use std::sync::atomic::{AtomicU8, Ordering};

/// Longest variable name looked up (ours are all far shorter); longer names read as unset.
pub(crate) const MAX_NAME: usize = 63;

/// `AT_SECURE` cached: 0 = not read yet, 1 = off, 2 = on. The auxiliary vector never changes
/// during a process's life and is inherited across `fork`, so caching is exact.
static SECURE: AtomicU8 = AtomicU8::new(0);

/// Whether the process runs in secure-execution mode (`getauxval(AT_SECURE) != 0`).
pub(crate) fn secure_mode() -> bool {
    match SECURE.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            // SAFETY: getauxval only reads the process's auxiliary vector; it has no
            // preconditions and returns 0 for an absent entry.
            let on = unsafe { super::late::getauxval(libc::AT_SECURE) } != 0;
            SECURE.store(if on { 2 } else { 1 }, Ordering::Relaxed);
            on
        }
    }
}

/// Runs `f` on the bytes of variable `name`, if set: the first `NAME=` entry of `environ`
/// wins, as with `getenv`. A name that is empty, longer than [`MAX_NAME`] or holds a NUL or
/// `=` is never set.
///
/// The scan is ours because the C library's `getenv` calls `strncmp` once per variable, which
/// a lookup reading several variables in a process with a large environment (a Kubernetes pod
/// has dozens) pays for.
// Inlined: the names are constants, so their checks below fold away (they cost more than the
// scan itself, a fifth of a numeric-host getaddrinfo).
#[inline(always)]
pub(crate) fn with_var<R>(name: &str, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    let name = name.as_bytes();
    if name.is_empty() || name.len() > MAX_NAME || name.contains(&0) || name.contains(&b'=') {
        return None;
    }
    // SAFETY: `environ` is NULL or a NULL-terminated array of pointers to NUL-terminated
    // strings, valid until the environment is modified; we read it and copy or inspect the
    // value right away. Within an entry we read byte `i` only after bytes `0..i` matched
    // `name`, which holds no NUL, so we never read past the entry's terminator. A concurrent
    // setenv/putenv in another thread is a race the C library's own resolver is equally
    // exposed to (glibc's res_init and musl read these variables with getenv too); std's
    // environment lock would not help against C callers and could be held across a fork.
    unsafe {
        let mut entry = super::late::environ();
        if entry.is_null() {
            return None;
        }
        while !(*entry).is_null() {
            let e = (*entry).cast::<u8>();
            let mut i = 0;
            while i < name.len() && *e.add(i) == name[i] {
                i += 1;
            }
            if i == name.len() && *e.add(i) == b'=' {
                return Some(f(CStr::from_ptr(e.add(i + 1).cast()).to_bytes()));
            }
            entry = entry.add(1);
        }
    }
    None
}
