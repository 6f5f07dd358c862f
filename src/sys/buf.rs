//! The receive buffer pool: 64 KiB buffers handed from lookup to lookup without a lock.

use std::ops::{Deref, DerefMut};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Size of the receive buffers kept in [`RecvBuf`]'s pool: any DNS message fits.
const POOLED_LEN: usize = 65536;

/// Receive buffers kept for the next call, at most this many (ours: more threads than this
/// reading a datagram at the same instant allocate a buffer of their own).
const POOL_SLOTS: usize = 4;

/// The pool: each slot is empty (null) or owns one `POOLED_LEN`-byte buffer.
static POOL: [AtomicPtr<u8>; POOL_SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; POOL_SLOTS];

/// A buffer for one datagram (or the bytes of a received message over 128 bytes, see
/// `wire::Message`), taken from a small lock-free pool and put back on drop.
///
/// Allocating 64 KiB per lookup costs a `calloc` that clears 64 KiB (glibc) or an `mmap` and
/// `munmap` pair with their page faults and, in threaded programs, TLB shootdowns (musl's
/// malloc hands blocks that large back to the kernel at once). The pool uses atomic swaps
/// only, so a child after `fork` finds it consistent. The bytes are not cleared between users:
/// callers only read what `recv` wrote.
pub(crate) struct RecvBuf {
    buf: Box<[u8]>,
    len: usize,
}

impl RecvBuf {
    /// A buffer of `len` bytes (pooled when `len` is at most 64 KiB).
    pub(crate) fn take(len: usize) -> RecvBuf {
        Self::pooled(len).unwrap_or_else(|| RecvBuf {
            buf: vec![0u8; len.max(POOLED_LEN)].into_boxed_slice(),
            len,
        })
    }

    /// A copy of `bytes`: in a pooled buffer when the pool has one, else in a block of
    /// exactly that size (a message kept while more callers than the pool has slots hold
    /// buffers does not cost a 64 KiB block).
    pub(crate) fn copy_of(bytes: &[u8]) -> RecvBuf {
        match Self::pooled(bytes.len()) {
            Some(mut buf) => {
                buf.copy_from_slice(bytes);
                buf
            }
            None => RecvBuf {
                buf: bytes.into(),
                len: bytes.len(),
            },
        }
    }

    /// A buffer of `len` bytes from the pool, if it has one and `len` fits.
    fn pooled(len: usize) -> Option<RecvBuf> {
        if len > POOLED_LEN {
            return None;
        }
        for slot in &POOL {
            let p = slot.swap(ptr::null_mut(), Ordering::Acquire);
            if !p.is_null() {
                // SAFETY: a non-null slot holds the pointer of a `Box<[u8]>` of exactly
                // POOLED_LEN bytes, put there by `drop` below; the swap made us its only
                // owner.
                let buf = unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(p, POOLED_LEN)) };
                return Some(RecvBuf { buf, len });
            }
        }
        None
    }
}

impl std::fmt::Debug for RecvBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecvBuf({} bytes)", self.len)
    }
}

impl RecvBuf {
    /// Keeps the first `len` bytes (all of them when there are fewer).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }
}

impl Deref for RecvBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl DerefMut for RecvBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }
}

impl Drop for RecvBuf {
    fn drop(&mut self) {
        // A buffer from the allocator's reserve goes back to it, not to the pool.
        if self.buf.len() != POOLED_LEN || crate::oom::from_reserve(self.buf.as_ptr()) {
            return;
        }
        let p = Box::into_raw(std::mem::take(&mut self.buf)).cast::<u8>();
        for slot in &POOL {
            if slot
                .compare_exchange(ptr::null_mut(), p, Ordering::Release, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
        // SAFETY: `p` came from Box::into_raw of a POOLED_LEN-byte boxed slice just above and
        // went into no slot, so we still own it.
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(p, POOLED_LEN)) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recv_buf_pool() {
        let mut a = RecvBuf::take(POOLED_LEN);
        assert_eq!(a.len(), POOLED_LEN);
        a[POOLED_LEN - 1] = 7;
        drop(a);
        // More buffers out at once than the pool holds; other tests may use the pool too.
        let bufs: Vec<RecvBuf> = (0..POOL_SLOTS + 2).map(|_| RecvBuf::take(512)).collect();
        assert!(bufs.iter().all(|b| b.len() == 512));
        drop(bufs);
        let big = RecvBuf::take(POOLED_LEN + 1);
        assert_eq!(big.len(), POOLED_LEN + 1);
    }

    #[test]
    fn copies_with_and_without_a_pooled_buffer() {
        // More copies at once than the pool holds: the later ones in blocks of their size
        // (which of them depends on the other tests using the pool).
        let bytes: Vec<u8> = (0..=255).collect();
        let copies: Vec<RecvBuf> = (0..POOL_SLOTS + 2)
            .map(|_| RecvBuf::copy_of(&bytes))
            .collect();
        assert!(copies.iter().all(|c| **c == bytes[..]));
        drop(copies);
        assert_eq!(*RecvBuf::copy_of(b""), b""[..]);
    }
}
