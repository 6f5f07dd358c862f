//! The few system calls the transport makes, as safe functions. Errors are errno values.
//! Descriptors, socket addresses and `connect` are [`crate::sys`]'s.

pub(super) use crate::sys::{connect, random_id, random_ids, Fd, RecvBuf};
use crate::sys::{errno, RawSockAddr};
use std::mem::size_of;
use std::net::SocketAddr;

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
