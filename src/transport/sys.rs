//! The few system calls the transport makes, as safe functions. Errors are errno values.
//! Descriptors, socket addresses and `connect` are [`crate::sys`]'s.

pub(super) use crate::sys::{connect, random_id, random_ids, Fd};
use crate::sys::{errno, RawSockAddr};
use std::mem::size_of;
use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// A non-blocking, close-on-exec socket of `kind` (`SOCK_DGRAM`/`SOCK_STREAM`) for `addr`'s
/// family.
pub(super) fn socket(addr: &SocketAddr, kind: libc::c_int) -> Result<Fd, i32> {
    crate::sys::socket(crate::sys::family(addr), kind | libc::SOCK_NONBLOCK, 0)
}

/// `send(2)` with `MSG_NOSIGNAL` (no SIGPIPE on a reset TCP connection), retried on EINTR.
pub(super) fn send(fd: &Fd, data: &[u8]) -> Result<usize, i32> {
    loop {
        // SAFETY: data points to data.len() initialised bytes that outlive the call.
        let r = unsafe {
            libc::send(
                fd.raw(),
                data.as_ptr().cast(),
                data.len(),
                libc::MSG_NOSIGNAL,
            )
        };
        if r >= 0 {
            return Ok(r as usize);
        }
        match errno() {
            libc::EINTR => continue,
            e => return Err(e),
        }
    }
}

/// `recvfrom(2)`, retried on EINTR: the byte count and the sender's address (if the kernel
/// reported one of a known family).
pub(super) fn recv_from(fd: &Fd, buf: &mut [u8]) -> Result<(usize, Option<SocketAddr>), i32> {
    loop {
        let mut sa = RawSockAddr::zeroed();
        let mut len = size_of::<RawSockAddr>() as libc::socklen_t;
        // SAFETY: buf is writable for buf.len() bytes, sa for len bytes; both outlive the call
        // and the kernel writes no more than those sizes.
        let r = unsafe {
            libc::recvfrom(
                fd.raw(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                0,
                sa.as_mut_ptr(),
                &mut len,
            )
        };
        if r >= 0 {
            return Ok((r as usize, sa.to_socket_addr(len)));
        }
        match errno() {
            libc::EINTR => continue,
            e => return Err(e),
        }
    }
}

/// `recv(2)`, retried on EINTR.
pub(super) fn recv(fd: &Fd, buf: &mut [u8]) -> Result<usize, i32> {
    loop {
        // SAFETY: buf is writable for buf.len() bytes and outlives the call.
        let r = unsafe { libc::recv(fd.raw(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if r >= 0 {
            return Ok(r as usize);
        }
        match errno() {
            libc::EINTR => continue,
            e => return Err(e),
        }
    }
}

/// The pending error of a socket (`SO_ERROR`): 0 when a non-blocking connect succeeded.
pub(super) fn so_error(fd: &Fd) -> i32 {
    let mut err: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: err and len are valid for writes of their sizes and outlive the call.
    let r = unsafe {
        libc::getsockopt(
            fd.raw(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&mut err as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if r < 0 {
        errno()
    } else {
        err
    }
}

/// `poll(2)` once (EINTR is returned to the caller, which recomputes its timeout).
pub(super) fn poll(fds: &mut [libc::pollfd], timeout_ms: libc::c_int) -> Result<usize, i32> {
    // SAFETY: fds is a valid, writable array of fds.len() pollfd structures for the call.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(r as usize)
    }
}

/// Whether a datagram from `from` comes from `server` (address and port; the IPv6 scope id is
/// not compared, the kernel fills it in for link-local senders).
pub(super) fn same_endpoint(from: &SocketAddr, server: &SocketAddr) -> bool {
    from.ip() == server.ip() && from.port() == server.port()
}

/// Size of the receive buffers kept in [`RecvBuf`]'s pool: any DNS message fits.
const POOLED_LEN: usize = 65536;

/// Receive buffers kept for the next call, at most this many (ours: more threads than this
/// reading a datagram at the same instant allocate a buffer of their own).
const POOL_SLOTS: usize = 4;

/// The pool: each slot is empty (null) or owns one `POOLED_LEN`-byte buffer.
static POOL: [AtomicPtr<u8>; POOL_SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; POOL_SLOTS];

/// A buffer for one datagram, taken from a small lock-free pool and put back on drop.
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
        if len <= POOLED_LEN {
            for slot in &POOL {
                let p = slot.swap(ptr::null_mut(), Ordering::Acquire);
                if !p.is_null() {
                    // SAFETY: a non-null slot holds the pointer of a `Box<[u8]>` of exactly
                    // POOLED_LEN bytes, put there by `drop` below; the swap made us its only
                    // owner.
                    let buf =
                        unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(p, POOLED_LEN)) };
                    return RecvBuf { buf, len };
                }
            }
        }
        RecvBuf {
            buf: vec![0u8; len.max(POOLED_LEN)].into_boxed_slice(),
            len,
        }
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
        if self.buf.len() != POOLED_LEN {
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
}
