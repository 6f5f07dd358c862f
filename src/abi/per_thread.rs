//! Per-thread values kept with a POSIX thread-specific key, for the storage of the
//! non-reentrant functions.
//!
//! Not std's `thread_local!` for a value with a destructor: glibc registers such destructors
//! with `__cxa_thread_atexit_impl`, which ends the process ("failed to register TLS
//! destructor: out of memory") when its own allocation fails, and a resolver call must fail
//! with its out-of-memory error instead (see [`crate::oom`]). A key's value needs no
//! allocation of the C library (glibc keeps the first 32 keys' values in the thread itself,
//! musl all of them); the value is created on first use and dropped by the key's destructor
//! when the thread exits. The library is linked `-z nodelete` (build.rs), so the destructor's
//! code stays mapped as long as a thread may run it.

use crate::sys::late;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};

/// This thread's value could not be had (no key could be created, or the C library could not
/// store the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoStorage;

/// One `T` per thread, created with `T::default()` on first use.
pub struct PerThread<T> {
    /// 0 before the key is created, else the key plus one.
    key: AtomicUsize,
    _t: PhantomData<fn() -> T>,
}

// SAFETY: each thread only ever reaches its own value (the key's value is per thread); the key
// itself is published with an atomic.
unsafe impl<T> Sync for PerThread<T> {}

impl<T: Default> Default for PerThread<T> {
    fn default() -> PerThread<T> {
        PerThread::new()
    }
}

impl<T: Default> PerThread<T> {
    pub const fn new() -> PerThread<T> {
        PerThread {
            key: AtomicUsize::new(0),
            _t: PhantomData,
        }
    }

    fn key(&self) -> Option<libc::pthread_key_t> {
        let k = self.key.load(Ordering::Acquire);
        if k != 0 {
            return Some((k - 1) as libc::pthread_key_t);
        }
        let mut new: libc::pthread_key_t = 0;
        // SAFETY: `new` is writable; `destroy::<T>` takes exactly the values stored below
        // (pointers from Box::<T>::into_raw).
        if unsafe { late::pthread_key_create(&mut new, Some(destroy::<T>)) } != 0 {
            return None;
        }
        match self
            .key
            .compare_exchange(0, new as usize + 1, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Some(new),
            Err(k) => {
                // Another thread created one first: ours was never used.
                // SAFETY: `new` is a key we created and nobody else knows.
                unsafe { late::pthread_key_delete(new) };
                Some((k - 1) as libc::pthread_key_t)
            }
        }
    }

    /// Runs `f` on this thread's value.
    pub fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, NoStorage> {
        let key = self.key().ok_or(NoStorage)?;
        // SAFETY: a valid key; its value is null or a pointer from Box::<T>::into_raw below.
        let mut p = unsafe { late::pthread_getspecific(key) } as *const T;
        if p.is_null() {
            let b = Box::into_raw(Box::<T>::default());
            // SAFETY: a valid key; the value is ours until the destructor or `clear` takes it.
            if unsafe { late::pthread_setspecific(key, b as *const c_void) } != 0 {
                // SAFETY: `b` came from Box::into_raw just above and was stored nowhere.
                drop(unsafe { Box::from_raw(b) });
                return Err(NoStorage);
            }
            p = b;
        }
        // SAFETY: `p` is this thread's live value; it is dropped only by `clear` (never called
        // while `f` runs: `f` gets a shared reference and `clear` is not reentrant here) or by
        // the destructor at thread exit.
        Ok(f(unsafe { &*p }))
    }

    /// Drops this thread's value (the next use creates a new one).
    #[cfg(test)]
    pub fn clear(&'static self) {
        let Some(key) = self.key() else { return };
        // SAFETY: a valid key; a non-null value came from Box::<T>::into_raw in `try_with`, and
        // is taken out of the key before it is dropped.
        unsafe {
            let p = late::pthread_getspecific(key) as *mut T;
            if !p.is_null() {
                late::pthread_setspecific(key, std::ptr::null());
                drop(Box::from_raw(p));
            }
        }
    }
}

/// The key's destructor: drops a thread's value when the thread exits.
unsafe extern "C" fn destroy<T>(p: *mut c_void) {
    if !p.is_null() {
        // SAFETY: the key's values are pointers from Box::<T>::into_raw (see `try_with`); the C
        // library calls the destructor once per value, after setting it to null.
        drop(unsafe { Box::from_raw(p as *mut T) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::atomic::AtomicUsize;

    static DROPS: AtomicUsize = AtomicUsize::new(0);

    #[derive(Default)]
    struct Counted(Cell<u32>);

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    static VALUE: PerThread<Counted> = PerThread::new();

    #[test]
    fn one_value_per_thread_dropped_at_exit() {
        VALUE.try_with(|v| v.0.set(7)).unwrap();
        assert_eq!(VALUE.try_with(|v| v.0.get()), Ok(7));
        let before = DROPS.load(Ordering::SeqCst);
        std::thread::spawn(|| {
            assert_eq!(VALUE.try_with(|v| v.0.get()), Ok(0));
            VALUE.try_with(|v| v.0.set(9)).unwrap();
        })
        .join()
        .unwrap();
        assert_eq!(DROPS.load(Ordering::SeqCst), before + 1);
        assert_eq!(VALUE.try_with(|v| v.0.get()), Ok(7));
        VALUE.clear();
        assert_eq!(DROPS.load(Ordering::SeqCst), before + 2);
        assert_eq!(VALUE.try_with(|v| v.0.get()), Ok(0));
    }
}
