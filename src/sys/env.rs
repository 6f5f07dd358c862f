//! The process's auxiliary vector (`AT_SECURE`) and environment (`environ`).

use std::ffi::{c_char, CStr};
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

/// Most names a [`Names`] table holds (one bit each in [`scan`]'s record of those seen).
const MAX_TABLE: usize = 32;

/// A table of variable names read together in one pass over `environ` ([`scan`]): up to 32
/// names, each non-empty, at most [`MAX_NAME`] bytes, without NUL or `=`. Checked when the
/// table is built, at compile time for a `const`.
pub(crate) struct Names<const N: usize> {
    names: [&'static str; N],
    /// Entry `b`: bit `i` set when name `i` starts with byte `b`. An entry of the environment
    /// whose first byte starts no name (most of them) is passed over after one load and one
    /// test.
    by_first: [u32; 256],
    /// Entry `b`: bit `i` set when byte `b` follows the first byte of name `i` in a matching
    /// entry (its second byte, or `=` for a one-byte name): most entries whose first byte
    /// starts a name are passed over after a second test.
    by_second: [u32; 256],
}

impl<const N: usize> Names<N> {
    /// The table of `names` (panics, at compile time in a `const`, on a name it cannot hold).
    pub(crate) const fn new(names: [&'static str; N]) -> Self {
        assert!(N <= MAX_TABLE);
        let mut by_first = [0u32; 256];
        let mut by_second = [0u32; 256];
        let mut i = 0;
        while i < N {
            let n = names[i].as_bytes();
            assert!(!n.is_empty() && n.len() <= MAX_NAME);
            let mut j = 0;
            while j < n.len() {
                assert!(n[j] != 0 && n[j] != b'=');
                j += 1;
            }
            by_first[n[0] as usize] |= 1 << i;
            by_second[if n.len() > 1 { n[1] } else { b'=' } as usize] |= 1 << i;
            i += 1;
        }
        Names {
            names,
            by_first,
            by_second,
        }
    }

    /// Name `i` of the table.
    pub(crate) fn name(&self, i: usize) -> &'static str {
        self.names[i]
    }
}

/// Runs `f(i, value)` for each name `i` of `table` that is set, in one pass over `environ`:
/// the first `NAME=` entry of each wins, as with `getenv` (and [`with_var`]).
pub(crate) fn scan<const N: usize>(table: &Names<N>, f: impl FnMut(usize, &[u8])) {
    // SAFETY: `environ` is NULL or a NULL-terminated array of pointers to NUL-terminated
    // strings, valid until the environment is modified (see [`with_var`] on a concurrent
    // setenv).
    unsafe { scan_in(super::late::environ(), table, f) }
}

/// [`scan`] of the environment array `env`.
///
/// # Safety
/// `env` is NULL or a NULL-terminated array of pointers to NUL-terminated strings, valid for
/// the call.
unsafe fn scan_in<const N: usize>(
    env: *const *const c_char,
    table: &Names<N>,
    mut f: impl FnMut(usize, &[u8]),
) {
    // The names not seen yet.
    let mut unseen = u32::MAX;
    // SAFETY: `env` is as the caller guarantees; byte `i` of an entry is read only after
    // bytes `0..i` matched the first bytes of a name, which hold no NUL, so no read passes an
    // entry's terminator (the first byte is the terminator at worst: no name starts with NUL,
    // so its second byte is not read); a value is read up to its terminator.
    unsafe {
        let mut entry = env;
        if entry.is_null() {
            return;
        }
        while !(*entry).is_null() {
            let e = (*entry).cast::<u8>();
            entry = entry.add(1);
            // The names not seen yet that start with this byte, then with these two bytes.
            let mut left = table.by_first[usize::from(*e)] & unseen;
            if left == 0 {
                continue;
            }
            left &= table.by_second[usize::from(*e.add(1))];
            while left != 0 {
                let k = left.trailing_zeros() as usize;
                left &= left - 1;
                let name = table.names[k].as_bytes();
                let mut i = 1;
                while i < name.len() && *e.add(i) == name[i] {
                    i += 1;
                }
                if i == name.len() && *e.add(i) == b'=' {
                    unseen &= !(1 << k);
                    f(k, CStr::from_ptr(e.add(i + 1).cast()).to_bytes());
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    /// What [`scan_in`] finds of `table` in an environment of `entries`: (index, value).
    fn found<const N: usize>(table: &Names<N>, entries: &[&[u8]]) -> Vec<(usize, Vec<u8>)> {
        let owned: Vec<CString> = entries.iter().map(|e| CString::new(*e).unwrap()).collect();
        let mut ptrs: Vec<*const c_char> = owned.iter().map(|c| c.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        let mut out = Vec::new();
        // SAFETY: a NULL-terminated array of C strings that outlive the call.
        unsafe { scan_in(ptrs.as_ptr(), table, |i, v| out.push((i, v.to_vec()))) };
        out
    }

    #[test]
    fn scan_reads_each_name_once_as_getenv() {
        let t = Names::new(["DNSSHIM_LOG", "DNSSHIM_LOGS", "HOSTALIASES", "X"]);
        assert_eq!(found(&t, &[]), []);
        let env: &[&[u8]] = &[
            b"",
            b"=x",
            b"HOME=/root",
            b"DNSSHIM_LO=a",
            b"DNSSHIM_LOGS=2",
            b"dnsshim_log=b",
            b"DNSSHIM_LOG",
            b"DNSSHIM_LOG=1",
            b"DNSSHIM_LOG=second",
            b"XY=first two bytes differ",
            b"D",
            b"H=one byte of a longer name",
            b"HOSTALIASE=",
            b"X=",
            b"\xff\x80=y",
            b"HOSTALIASES==v=",
        ];
        // The first entry of each name wins, in the environment's order; a prefix, another
        // case, an entry without `=`, a longer name (also of a one-byte name), a one-byte
        // entry is another variable.
        assert_eq!(
            found(&t, env),
            [
                (1, b"2".to_vec()),
                (0, b"1".to_vec()),
                (3, b"".to_vec()),
                (2, b"=v=".to_vec()),
            ]
        );
        // NULL: no environment.
        // SAFETY: NULL is allowed.
        unsafe { scan_in(std::ptr::null(), &t, |_, _| panic!("nothing to find")) };
    }

    #[test]
    fn scan_agrees_with_with_var() {
        let t = Names::new([
            "PATH",
            "HOME",
            "CARGO_MANIFEST_DIR",
            "DNSSHIM_SURELY_UNSET_42",
        ]);
        let mut seen = [None, None, None, None];
        scan(&t, |i, v| seen[i] = Some(v.to_vec()));
        for (i, got) in seen.iter().enumerate() {
            assert_eq!(*got, with_var(t.name(i), <[u8]>::to_vec), "{}", t.name(i));
        }
    }
}
