//! Out of memory: an allocation that fails inside an export makes the export return its C
//! library's out-of-memory error (`EAI_MEMORY`, `ENOMEM` with `NETDB_INTERNAL`, …); it never
//! aborts the process.
//!
//! Stable Rust has no way for its collections to report a failed allocation to their caller:
//! `handle_alloc_error` aborts (`set_alloc_error_hook` and `-Z oom=panic` are unstable or
//! gone), and the C library's functions and std's own (file reading, formatting) allocate
//! through the same path. So the library's global allocator ([`Allocator`]) passes every
//! request to the C library's `malloc` (as std's `System` does), and when `malloc` fails it:
//!
//! 1. marks the calling thread as having run out of memory ([`failed`]);
//! 2. serves the request from a reserve of [`RESERVE_SIZE`] bytes that lives in the library's
//!    own zero-initialised data (so it was committed when the library was loaded and cannot
//!    fail later; pages are touched only when used), so that the code in progress goes on to
//!    its next check instead of aborting.
//!
//! The checks: the transport ends its exchange with [`Error::Memory`] at its next turn (no
//! more network traffic), the configuration caches do not keep what was parsed meanwhile, and
//! each export, before returning, turns any result into its out-of-memory error when its
//! thread [`failed`] (freeing what was built). The reserve is a first-fit list of blocks with
//! a spin lock (it is used only while `malloc` fails); blocks freed go back to it. Only when it
//! is exhausted too (more than `RESERVE_SIZE` bytes live from it at once, all threads
//! together), or for an alignment over 4 KiB, does an allocation fail and Rust abort.

use crate::{Error, Result};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, UnsafeCell};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

/// Bytes of the reserve (ours): four times what the largest lookup allocates in all (a
/// 4000-record answer over TCP: the 64 KiB answer, its records and addresses, the result
/// laid out), so that several threads may run out of memory at once.
pub const RESERVE_SIZE: usize = 1 << 20;

/// Unit of the reserve: block headers and payloads are whole units (malloc's alignment).
const UNIT: usize = 16;
const UNITS: usize = RESERVE_SIZE / UNIT;

thread_local! {
    /// This thread's allocations failed since the last [`clear`].
    static FAILED: Cell<bool> = const { Cell::new(false) };
}

/// Whether an allocation of this thread failed (and was served by the reserve) since the last
/// [`clear`].
pub fn failed() -> bool {
    FAILED.try_with(Cell::get).unwrap_or(false)
}

/// Forgets this thread's failures (when the outermost export returns: each export has turned
/// them into its error by then).
pub fn clear() {
    let _ = FAILED.try_with(|f| f.set(false));
}

/// `r`, or [`Error::Memory`] when an allocation of this thread failed meanwhile (`r`, a value
/// built partly from the reserve, is dropped).
pub fn check<T>(r: Result<T>) -> Result<T> {
    if failed() {
        Err(Error::Memory)
    } else {
        r
    }
}

pub(crate) fn mark_failed() {
    let _ = FAILED.try_with(|f| f.set(true));
}

/// The reserve: `UNITS` units; a block is a header unit (its length in units, and whether it
/// is in use) followed by its payload. Blocks tile the reserve; free neighbours are merged
/// when an allocation walks over them.
#[repr(C, align(16))]
struct Reserve {
    /// First: at the start of the 16-aligned struct, so every unit is 16-aligned.
    units: UnsafeCell<[[u32; 4]; UNITS]>,
    lock: AtomicBool,
    /// Set once the first block header is written.
    ready: UnsafeCell<bool>,
}

// SAFETY: `ready` and `units` are only touched with `lock` held (acquire/release).
unsafe impl Sync for Reserve {}

static RESERVE: Reserve = Reserve {
    units: UnsafeCell::new([[0; 4]; UNITS]),
    lock: AtomicBool::new(false),
    ready: UnsafeCell::new(false),
};

/// Header fields: `[length in units, in use (0/1), 0, 0]`. A block whose payload had to start
/// further in (an alignment over 16 bytes) has, right before the payload, a unit
/// `[0, 0, MOVED, index of the real header]`.
const LEN: usize = 0;
const USED: usize = 1;
const MARK: usize = 2;
const MOVED: u32 = 0x4d56;
/// Largest alignment the reserve serves (ours: the library's types need 16 at most; std has
/// a few cache-line aligned ones).
const MAX_ALIGN: usize = 4096;

impl Reserve {
    fn start(&self) -> *mut u8 {
        self.units.get().cast()
    }

    fn contains(&self, p: *mut u8) -> bool {
        let start = self.start() as usize;
        (start..start + RESERVE_SIZE).contains(&(p as usize))
    }

    fn with_lock<R>(&self, f: impl FnOnce(&mut [[u32; 4]; UNITS]) -> R) -> R {
        while self
            .lock
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            std::hint::spin_loop();
        }
        // SAFETY: the lock is held: nothing else reads or writes `ready` or `units`.
        let r = unsafe {
            let units = &mut *self.units.get();
            if !*self.ready.get() {
                units[0] = [UNITS as u32, 0, 0, 0];
                *self.ready.get() = true;
            }
            f(units)
        };
        self.lock.store(false, Ordering::Release);
        r
    }

    /// A block of at least `size` bytes aligned to `align` (a power of two up to
    /// [`MAX_ALIGN`]); null when none is free.
    fn alloc(&self, size: usize, align: usize) -> *mut u8 {
        if align > MAX_ALIGN {
            return ptr::null_mut();
        }
        // Room to move the payload up to an aligned unit, with its back-pointer unit.
        let extra = if align > UNIT { align / UNIT } else { 0 };
        let need = 1 + extra + size.div_ceil(UNIT).max(1);
        let base = self.start() as usize;
        let at = self.with_lock(|units| {
            let mut i = 0;
            while i < UNITS {
                let len = units[i][LEN] as usize;
                if units[i][USED] == 0 {
                    // Merge the free blocks that follow.
                    let mut total = len;
                    while i + total < UNITS && units[i + total][USED] == 0 {
                        total += units[i + total][LEN] as usize;
                    }
                    units[i][LEN] = total as u32;
                    if total >= need {
                        if total - need >= 2 {
                            units[i + need] = [(total - need) as u32, 0, 0, 0];
                            units[i][LEN] = need as u32;
                        }
                        units[i][USED] = 1;
                        let mut at = i + 1;
                        if extra > 0 {
                            // The first unit at or after i + 2 whose address is aligned.
                            let addr = base + (i + 2) * UNIT;
                            at = i + 2 + (addr.next_multiple_of(align) - addr) / UNIT;
                            units[at - 1] = [0, 0, MOVED, i as u32];
                        }
                        return Some(at);
                    }
                    i += total;
                } else {
                    i += len.max(1);
                }
            }
            None
        });
        match at {
            // SAFETY: `at` < UNITS: a payload unit inside the reserve.
            Some(at) => unsafe { self.start().add(at * UNIT) },
            None => ptr::null_mut(),
        }
    }

    /// The header index of the block whose payload starts at unit `unit`.
    fn header(units: &[[u32; 4]; UNITS], unit: usize) -> usize {
        let h = unit.saturating_sub(1);
        if units[h][LEN] == 0 && units[h][MARK] == MOVED {
            units[h][3] as usize
        } else {
            h
        }
    }

    /// Frees the block whose payload starts at `p` (from [`Reserve::alloc`]).
    fn free(&self, p: *mut u8) {
        let unit = (p as usize - self.start() as usize) / UNIT;
        self.with_lock(|units| {
            let h = Self::header(units, unit);
            units[h][USED] = 0;
        });
    }

    /// Payload bytes of the block at `p` (from `p` to the block's end).
    fn size(&self, p: *mut u8) -> usize {
        let unit = (p as usize - self.start() as usize) / UNIT;
        self.with_lock(|units| {
            let h = Self::header(units, unit);
            (h + units[h][LEN] as usize - unit) * UNIT
        })
    }
}

/// Whether `p` was served by the reserve (such a block must not be kept in a pool: it would
/// hold part of the reserve for good).
pub fn from_reserve(p: *const u8) -> bool {
    RESERVE.contains(p.cast_mut())
}

/// The library's global allocator (see the module comment).
pub struct Allocator;

/// The allocator of the library (and of the `dnsshim` command, which links it).
#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

impl Allocator {
    /// The reserve's answer to a request `malloc` could not serve (out of line: the
    /// allocator is inlined into every allocation of the library).
    #[cold]
    #[inline(never)]
    fn rescue(&self, layout: Layout) -> *mut u8 {
        mark_failed();
        RESERVE.alloc(layout.size(), layout.align())
    }
}

// SAFETY: every block handed out is either System's (and given back to System) or a
// reserve block of at least `layout.size()` bytes, 16-aligned when `layout.align() <= 16`
// (larger alignments are never served by the reserve), owned by the caller until `dealloc`.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, as GlobalAlloc requires.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            self.rescue(layout)
        } else {
            p
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for alloc.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            return p;
        }
        let p = self.rescue(layout);
        if !p.is_null() {
            // SAFETY: a reserve block of at least layout.size() bytes (blocks are reused).
            unsafe { ptr::write_bytes(p, 0, layout.size()) };
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if RESERVE.contains(p) {
            RESERVE.free(p);
        } else {
            // SAFETY: a block from System with this layout.
            unsafe { System.dealloc(p, layout) }
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !RESERVE.contains(p) {
            // SAFETY: a block from System with this layout; new_size as GlobalAlloc requires.
            let q = unsafe { System.realloc(p, layout, new_size) };
            if !q.is_null() {
                return q;
            }
            // Failed, even if a new block can be had below: out of memory all the same.
            mark_failed();
        }
        // SAFETY: the caller's arguments, as for this function.
        unsafe { self.move_block(p, layout, new_size) }
    }
}

impl Allocator {
    /// `realloc` of a reserve block, or of one System could not grow: a new block, the bytes
    /// copied, the old one freed.
    ///
    /// # Safety
    /// As for [`GlobalAlloc::realloc`].
    #[cold]
    #[inline(never)]
    unsafe fn move_block(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: new_size is non-zero and, rounded to the alignment, fits isize (the
        // caller's guarantee for realloc).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as for alloc.
        let q = unsafe { self.alloc(new_layout) };
        if q.is_null() {
            return q;
        }
        let old = if RESERVE.contains(p) {
            RESERVE.size(p).min(layout.size())
        } else {
            layout.size()
        };
        // SAFETY: both blocks hold at least min(old, new_size) bytes and are distinct.
        unsafe {
            ptr::copy_nonoverlapping(p, q, old.min(new_size));
            self.dealloc(p, layout);
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_serves_frees_and_merges() {
        let r = &RESERVE;
        let a = r.alloc(100, 8);
        let b = r.alloc(5000, 16);
        let c = r.alloc(1, 1);
        assert!(!a.is_null() && !b.is_null() && !c.is_null());
        assert!(r.contains(a) && r.contains(b) && r.contains(c));
        assert_eq!(a as usize % 16, 0);
        assert!(r.size(a) >= 100 && r.size(b) >= 5000);
        // SAFETY: a and b are distinct blocks of at least 100 and 5000 bytes.
        unsafe {
            ptr::write_bytes(a, 1, 100);
            ptr::write_bytes(b, 2, 5000);
            assert_eq!(*a.add(99), 1);
        }
        r.free(a);
        r.free(b);
        // The two freed neighbours merge: a block of both their sizes fits where they were.
        let d = r.alloc(5000 + 100, 16);
        assert_eq!(d, a);
        // A larger alignment: an aligned payload inside a block, freed whole.
        let e = r.alloc(64, 64);
        let f = r.alloc(10, 4096);
        assert_eq!((e as usize % 64, f as usize % 4096), (0, 0));
        assert!(r.size(e) >= 64 && r.size(f) >= 10);
        r.free(d);
        r.free(c);
        r.free(e);
        r.free(f);
        // Everything free again: the whole reserve in one block.
        let all = r.alloc(RESERVE_SIZE - UNIT, 16);
        assert!(!all.is_null());
        assert!(r.alloc(1, 1).is_null());
        assert!(r.alloc(8192, 8192).is_null());
        r.free(all);
        let heap = Box::new(1u8);
        assert!(!from_reserve(&*heap));
    }

    #[test]
    fn check_turns_a_failure_into_memory() {
        clear();
        assert_eq!(check(Ok(1)), Ok(1));
        mark_failed();
        assert!(failed());
        assert_eq!(check(Ok(1)), Err(Error::Memory));
        clear();
        assert!(!failed());
    }
}
