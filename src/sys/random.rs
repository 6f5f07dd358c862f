//! Query IDs: `getrandom(2)`, with a fallback when it fails.

use super::late;
use std::sync::atomic::{AtomicU32, Ordering};

/// A query ID: `getrandom(2)` (the raw system call, so it works with C libraries that predate
/// the wrapper); if that fails, a mix of the clock, the process id and a counter.
pub(crate) fn random_id() -> u16 {
    let mut id = [0u16; 1];
    random_ids(&mut id);
    id[0]
}

/// Fills `ids` with query IDs from one `getrandom(2)` call (one system call for all the
/// queries of a lookup); if that fails, each from [`fallback_id`].
pub(crate) fn random_ids(ids: &mut [u16]) {
    if !getrandom(ids) {
        ids.iter_mut().for_each(|id| *id = fallback_id());
    }
}

/// `getrandom(2)` by its system call number for the target (`SYS_getrandom`: 318 on x86_64,
/// 278 on aarch64), non-blocking: whether it filled all of `ids`.
fn getrandom(ids: &mut [u16]) -> bool {
    let len = std::mem::size_of_val(ids);
    // SAFETY: `ids` is writable for `len` bytes and any bit pattern is a valid u16;
    // GRND_NONBLOCK never blocks (it fails before the entropy pool is initialised: the caller
    // falls back). Requests up to 256 bytes are never cut short by the kernel.
    let r = unsafe {
        libc::syscall(
            libc::SYS_getrandom,
            ids.as_mut_ptr().cast::<u8>(),
            len,
            libc::GRND_NONBLOCK,
        )
    };
    r == len as libc::c_long
}

/// A query ID when `getrandom` fails: a mix of the clock, the process id and a counter.
fn fallback_id() -> u16 {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let count = COUNTER.fetch_add(0x9e37, Ordering::Relaxed);
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is writable; clock_gettime writes a timespec into it (or fails and leaves
    // it zero, which only makes the mix weaker). getpid has no preconditions.
    let pid = unsafe {
        late::clock_gettime(libc::CLOCK_REALTIME, &mut now);
        late::getpid()
    };
    let nanos = now.tv_nsec as u32 ^ now.tv_sec as u32;
    let mut x = nanos ^ (pid as u32).rotate_left(16) ^ count;
    // Finalizer of a 32-bit hash (murmur3 fmix32) to spread the bits.
    x ^= x >> 16;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^= x >> 13;
    x = x.wrapping_mul(0xc2b2_ae35);
    x ^= x >> 16;
    (x ^ (x >> 16)) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The system call number is this target's (a wrong one fails with ENOSYS or does
    /// something else, and every ID would silently come from the fallback).
    #[test]
    fn getrandom_is_this_targets_system_call() {
        let mut ids = [0u16; 32];
        assert!(getrandom(&mut ids), "errno {}", crate::sys::errno());
        assert!(ids.iter().any(|&id| id != 0));
    }

    #[test]
    fn ids_vary() {
        let ids: std::collections::HashSet<u16> = (0..64).map(|_| random_id()).collect();
        assert!(ids.len() > 32);
    }
}
