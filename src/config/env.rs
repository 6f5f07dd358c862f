//! Environment variables (`DNSSHIM_*`, `LOCALDOMAIN`, `RES_OPTIONS`, …), ignored in secure mode.
//!
//! Every call of an export reads the environment as it is at that call (`sys::env`), so a
//! process sees what its own environment says, and tests can run a child per setting. The
//! variables a lookup reads ([`PER_CALL`]) are read together in one pass over the environment,
//! at most once per call of an export: the first read of a call scans, the others of the same
//! call use what it found (the export's [`call_begins`] and [`call_ends`] mark the call;
//! outside one, every read scans). A string value is read again when used (only when the scan
//! found it set), so nothing of the environment is kept beyond the moment it is read. Reading
//! takes no lock and allocates only for [`var`]'s result, so it is safe in a child after `fork`.
//!
//! In secure-execution mode (`AT_SECURE`: setuid/setgid binaries, file capabilities, …) every
//! variable reads as unset, as glibc's dynamic loader removes `LOCALDOMAIN` and `RES_OPTIONS`
//! from a secure program's environment (`UNSECURE_ENVVARS`, `sysdeps/generic/unsecvars.h`):
//! no logging, no `DNSSHIM_DISABLE`, no `LOCALDOMAIN`/`RES_OPTIONS`.

use crate::sys::env::Names;
use std::cell::Cell;

/// Index of each variable in [`PER_CALL`].
const LOG: usize = 0;
const DISABLE: usize = 1;
const CACHE: usize = 2;
const PARALLEL_SEARCH: usize = 3;
const COMPAT: usize = 4;
const LOCALDOMAIN: usize = 5;
const RES_OPTIONS: usize = 6;
const HOSTALIASES: usize = 7;
const RESOLV_MULTI: usize = 8;

/// Every variable a lookup may read, indexed by the constants above.
static PER_CALL: Names<9> = Names::new([
    "DNSSHIM_LOG",
    "DNSSHIM_DISABLE",
    "DNSSHIM_CACHE",
    "DNSSHIM_PARALLEL_SEARCH",
    "DNSSHIM_COMPAT",
    "LOCALDOMAIN",
    "RES_OPTIONS",
    "HOSTALIASES",
    "RESOLV_MULTI",
]);

/// What a scan found: bit `i` set when variable `i` of [`PER_CALL`] is set, bit `ON + i` when
/// its value turns it on ([`switch_on`]; `DNSSHIM_COMPAT`: the value `glibc`).
const ON: usize = 16;
/// In [`CALL`]: inside a call of an export.
const IN_CALL: u32 = 1 << 31;
/// In [`CALL`]: the environment was scanned during this call; the low bits are what it found.
const SCANNED: u32 = 1 << 30;

thread_local! {
    /// This thread's current call: [`IN_CALL`], [`SCANNED`] and the scan's bits.
    static CALL: Cell<u32> = const { Cell::new(0) };
}

/// An export's outermost call on this thread begins: the environment is scanned afresh at its
/// first read.
pub(crate) fn call_begins() {
    let _ = CALL.try_with(|c| c.set(IN_CALL));
}

/// The outermost call ends: reads outside a call scan each time.
pub(crate) fn call_ends() {
    let _ = CALL.try_with(|c| c.set(0));
}

/// One pass over the environment: the bits of every variable of [`PER_CALL`]; none in secure
/// mode.
fn scan() -> u32 {
    if secure_mode() {
        return 0;
    }
    let mut bits = 0;
    crate::sys::env::scan(&PER_CALL, |i, v| {
        let on = if i == COMPAT {
            v == b"glibc"
        } else {
            switch_on(v)
        };
        bits |= 1 << i | u32::from(on) << (ON + i);
    });
    bits
}

/// What the environment says this call (see the module comment).
fn found() -> u32 {
    CALL.try_with(|c| {
        let v = c.get();
        if v & SCANNED != 0 {
            return v;
        }
        let bits = scan();
        if v & IN_CALL != 0 {
            c.set(IN_CALL | SCANNED | bits);
        }
        bits
    })
    .unwrap_or_else(|_| scan())
}

/// Whether variable `i` is set: `Some(on)`, or `None` when unset.
#[inline]
fn switch(i: usize) -> Option<bool> {
    let bits = found();
    (bits & 1 << i != 0).then_some(bits & 1 << (ON + i) != 0)
}

/// The value of variable `i` of [`PER_CALL`], as [`var`] reads it; read only when the call's
/// scan found it set.
fn string(i: usize) -> Option<String> {
    if found() & 1 << i == 0 {
        return None;
    }
    var(PER_CALL.name(i))
}

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

/// `DNSSHIM_LOG` is set and neither empty nor `0`.
pub fn log_enabled() -> bool {
    switch(LOG) == Some(true)
}

/// `DNSSHIM_DISABLE` is set and neither empty nor `0`: forward every call to the C library.
pub fn disabled() -> bool {
    switch(DISABLE) == Some(true)
}

/// `DNSSHIM_CACHE`: `Some(on)` when set (on unless empty or `0`), `None` when unset (then
/// resolv.conf decides).
pub fn cache() -> Option<bool> {
    switch(CACHE)
}

/// `DNSSHIM_PARALLEL_SEARCH`: as [`cache`].
pub fn parallel_search() -> Option<bool> {
    switch(PARALLEL_SEARCH)
}

/// Whether to behave like glibc where musl and glibc differ: always in the glibc build; in the
/// musl build when `DNSSHIM_COMPAT=glibc`.
pub fn compat_glibc() -> bool {
    if cfg!(target_env = "musl") {
        switch(COMPAT) == Some(true)
    } else {
        true
    }
}

/// `LOCALDOMAIN`, as [`var`] reads it.
pub fn localdomain() -> Option<String> {
    string(LOCALDOMAIN)
}

/// `RES_OPTIONS`, as [`var`] reads it.
pub fn res_options() -> Option<String> {
    string(RES_OPTIONS)
}

/// `HOSTALIASES`, as [`var`] reads it.
pub fn hostaliases() -> Option<String> {
    string(HOSTALIASES)
}

/// `RESOLV_MULTI`, as [`var`] reads it.
pub fn resolv_multi() -> Option<String> {
    string(RESOLV_MULTI)
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
    fn a_call_scans_once() {
        // Outside a call every read scans; inside one, the first read's scan is kept until
        // the call ends.
        assert_eq!(CALL.with(Cell::get), 0);
        assert_eq!(found(), scan());
        assert_eq!(CALL.with(Cell::get), 0);
        call_begins();
        assert_eq!(CALL.with(Cell::get), IN_CALL);
        let bits = found();
        assert_eq!(bits, scan());
        assert_eq!(CALL.with(Cell::get), IN_CALL | SCANNED | bits);
        // What the call holds is what is read, even if the environment said otherwise now.
        CALL.with(|c| c.set(IN_CALL | SCANNED | 1 << LOG | 1 << (ON + LOG)));
        assert!(log_enabled());
        assert_eq!(cache(), None);
        call_ends();
        assert_eq!(CALL.with(Cell::get), 0);
        assert_eq!(
            log_enabled(),
            std::env::var("DNSSHIM_LOG").is_ok_and(|v| switch_on(v.as_bytes()))
        );
    }

    #[test]
    fn the_table_names_the_accessors_variables() {
        for (i, n) in [
            (LOG, "DNSSHIM_LOG"),
            (DISABLE, "DNSSHIM_DISABLE"),
            (CACHE, "DNSSHIM_CACHE"),
            (PARALLEL_SEARCH, "DNSSHIM_PARALLEL_SEARCH"),
            (COMPAT, "DNSSHIM_COMPAT"),
            (LOCALDOMAIN, "LOCALDOMAIN"),
            (RES_OPTIONS, "RES_OPTIONS"),
            (HOSTALIASES, "HOSTALIASES"),
            (RESOLV_MULTI, "RESOLV_MULTI"),
        ] {
            assert_eq!(PER_CALL.name(i), n);
            assert_eq!(string(i), var(n));
        }
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
