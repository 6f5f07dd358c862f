//! Environment variables (`DNSSHIM_*`, `LOCALDOMAIN`, `RES_OPTIONS`), ignored in secure mode.
//!
//! Every read scans the environment at the time of the call (`sys::env`, no caching), so a
//! process sees what its own environment says, and tests can run a child per setting. Reading
//! takes no lock and allocates only for [`var`]'s result, so it is safe in a child after `fork`.
//!
//! In secure-execution mode (`AT_SECURE`: setuid/setgid binaries, file capabilities, …) every
//! variable reads as unset, as glibc's dynamic loader removes `LOCALDOMAIN` and `RES_OPTIONS`
//! from a secure program's environment (`UNSECURE_ENVVARS`, `sysdeps/generic/unsecvars.h`):
//! no logging, no `DNSSHIM_DISABLE`, no `LOCALDOMAIN`/`RES_OPTIONS`.

/// Whether the process runs in secure-execution mode (`AT_SECURE`).
pub fn secure_mode() -> bool {
    crate::sys::env::secure_mode()
}

/// Runs `f` on the bytes of variable `name`, if set and not in secure mode.
// Inlined: the names are constants, so the name checks fold away.
#[inline(always)]
fn with_raw<R>(name: &str, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    if secure_mode() {
        return None;
    }
    crate::sys::env::with_var(name, f)
}

/// The value of environment variable `name`; `None` when unset, not UTF-8, or in secure mode.
// Inlined: the names are constants, so the name checks fold away (not inlined, they cost as
// much as the scan: 454 instructions a read against 168).
#[inline(always)]
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
    use crate::sys::env::MAX_NAME;

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
