//! Environment variables (`DNSSHIM_*`, `LOCALDOMAIN`, `RES_OPTIONS`), ignored in secure mode.
//!
//! Every read goes to the C library's `getenv` at the time of the call (no caching), so a
//! process sees what its own environment says, and tests can run a child per setting. Reading
//! takes no lock and allocates only for [`var`]'s result, so it is safe in a child after `fork`.
//!
//! In secure-execution mode (`AT_SECURE`: setuid/setgid binaries, file capabilities, …) every
//! variable reads as unset, as glibc's dynamic loader removes `LOCALDOMAIN` and `RES_OPTIONS`
//! from a secure program's environment (`UNSECURE_ENVVARS`, `sysdeps/generic/unsecvars.h`):
//! no logging, no `DNSSHIM_DISABLE`, no `LOCALDOMAIN`/`RES_OPTIONS`.

use std::ffi::{c_char, CStr};
use std::sync::atomic::{AtomicU8, Ordering};

/// Longest variable name we look up (ours are all far shorter); longer names read as unset.
const MAX_NAME: usize = 63;

/// `AT_SECURE` cached: 0 = not read yet, 1 = off, 2 = on. The auxiliary vector never changes
/// during a process's life and is inherited across `fork`, so caching is exact.
static SECURE: AtomicU8 = AtomicU8::new(0);

/// Whether the process runs in secure-execution mode (`getauxval(AT_SECURE) != 0`).
pub fn secure_mode() -> bool {
    match SECURE.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            // SAFETY: getauxval only reads the process's auxiliary vector; it has no
            // preconditions and returns 0 for an absent entry.
            let on = unsafe { libc::getauxval(libc::AT_SECURE) } != 0;
            SECURE.store(if on { 2 } else { 1 }, Ordering::Relaxed);
            on
        }
    }
}

extern "C" {
    /// The process environment (POSIX; musl and glibc both define it): the array `getenv`
    /// scans, NULL-terminated, each entry `NAME=value`.
    static environ: *const *const c_char;
}

/// Runs `f` on the bytes of variable `name`, if set (and not in secure mode).
///
/// The first `NAME=` entry of `environ` wins, as with `getenv`; the scan is ours because the C
/// library's `getenv` calls `strncmp` once per variable, which a lookup reading several
/// variables in a process with a large environment (a Kubernetes pod has dozens) pays for.
// Inlined: the names are constants, so their checks below fold away (they cost more than the
// scan itself, a fifth of a numeric-host getaddrinfo).
#[inline]
fn with_raw<R>(name: &str, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    if secure_mode() {
        return None;
    }
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
        let mut entry = environ;
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

/// The value of environment variable `name`; `None` when unset, not UTF-8, or in secure mode.
pub fn var(name: &str) -> Option<String> {
    with_raw(name, |v| std::str::from_utf8(v).ok().map(str::to_owned)).flatten()
}

/// A switch variable is on when set to anything but the empty string or `0`.
fn switch_on(value: &[u8]) -> bool {
    !value.is_empty() && value != b"0"
}

#[inline]
fn switch(name: &str) -> bool {
    with_raw(name, switch_on).unwrap_or(false)
}

/// `DNSSHIM_LOG` is set and neither empty nor `0`.
pub fn log_enabled() -> bool {
    switch("DNSSHIM_LOG")
}

/// `DNSSHIM_DISABLE` is set and neither empty nor `0`: forward every call to the C library.
pub fn disabled() -> bool {
    switch("DNSSHIM_DISABLE")
}

/// `DNSSHIM_CACHE`: `Some(on)` when set (on unless empty or `0`), `None` when unset (then
/// resolv.conf decides).
pub fn cache() -> Option<bool> {
    with_raw("DNSSHIM_CACHE", switch_on)
}

/// `DNSSHIM_PARALLEL_SEARCH`: as [`cache`].
pub fn parallel_search() -> Option<bool> {
    with_raw("DNSSHIM_PARALLEL_SEARCH", switch_on)
}

/// Whether to behave like glibc where musl and glibc differ: always in the glibc build; in the
/// musl build when `DNSSHIM_COMPAT=glibc`.
pub fn compat_glibc() -> bool {
    if cfg!(target_env = "musl") {
        with_raw("DNSSHIM_COMPAT", |v| v == b"glibc").unwrap_or(false)
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // No test sets variables: set_var races with getenv in the other test threads.

    #[test]
    fn switch_values() {
        assert!(!switch_on(b""));
        assert!(!switch_on(b"0"));
        assert!(switch_on(b"1"));
        assert!(switch_on(b"yes"));
        assert!(switch_on(b"00"));
    }

    #[test]
    fn reads_the_environment() {
        assert!(!secure_mode());
        // cargo sets this for test binaries.
        assert_eq!(
            var("CARGO_MANIFEST_DIR"),
            std::env::var("CARGO_MANIFEST_DIR").ok()
        );
        assert_eq!(var("DNSSHIM_SURELY_UNSET_VARIABLE_42"), None);
        assert_eq!(var(""), None);
        assert_eq!(var("A\0B"), None);
        assert_eq!(var(&"X".repeat(200)), None);
        // A prefix of a set name, or the name plus `=`, is another variable.
        assert_eq!(
            var("CARGO_MANIFEST_DI"),
            std::env::var("CARGO_MANIFEST_DI").ok()
        );
        assert_eq!(var("CARGO_MANIFEST_DIR="), None);
        // Every variable of this process reads as getenv reads it.
        for (k, _) in std::env::vars_os() {
            if let Some(k) = k.to_str().filter(|k| !k.is_empty() && k.len() <= MAX_NAME) {
                assert_eq!(var(k), std::env::var(k).ok(), "{k}");
            }
        }
        // Cached value agrees with a second call.
        assert_eq!(secure_mode(), secure_mode());
    }

    #[test]
    fn switches_follow_environment() {
        let expect = |n: &str| {
            std::env::var(n)
                .map(|v| !v.is_empty() && v != "0")
                .unwrap_or(false)
        };
        assert_eq!(log_enabled(), expect("DNSSHIM_LOG"));
        assert_eq!(disabled(), expect("DNSSHIM_DISABLE"));
        let set = |n: &str| std::env::var_os(n).map(|_| expect(n));
        assert_eq!(cache(), set("DNSSHIM_CACHE"));
        assert_eq!(parallel_search(), set("DNSSHIM_PARALLEL_SEARCH"));
        if cfg!(target_env = "musl") {
            assert_eq!(
                compat_glibc(),
                std::env::var("DNSSHIM_COMPAT").as_deref() == Ok("glibc")
            );
        } else {
            assert!(compat_glibc());
        }
    }
}
