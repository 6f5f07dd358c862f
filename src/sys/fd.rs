//! Descriptors: an owned socket, `socket`, `connect`, `getsockname`, `send`, `recvfrom`,
//! `recvmsg` into two buffers, and the one `write` to standard error. Errors are errno values.

use super::sockaddr::RawSockAddr;
use super::{errno, late};
use std::mem::size_of;
use std::net::SocketAddr;

/// An owned descriptor, closed exactly once on drop; made by [`socket`].
#[derive(Debug)]
pub(crate) struct Fd(libc::c_int);

impl Fd {
    pub(crate) fn raw(&self) -> libc::c_int {
        self.0
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: self.0 came from socket(2), is owned by this value alone and is closed only
        // here. close is not retried on EINTR (on Linux the descriptor is released anyway).
        unsafe { libc::close(self.0) };
    }
}

/// `socket(family, ty | SOCK_CLOEXEC, protocol)`.
pub(crate) fn socket(family: i32, ty: i32, protocol: i32) -> Result<Fd, i32> {
    // SAFETY: socket(2) takes no pointers; the result is checked before being owned.
    let fd = unsafe { late::socket(family, ty | libc::SOCK_CLOEXEC, protocol) };
    if fd < 0 {
        Err(errno())
    } else {
        Ok(Fd(fd))
    }
}

/// A non-blocking, close-on-exec socket of `kind` (`SOCK_DGRAM`/`SOCK_STREAM`) for `addr`'s
/// family.
pub(crate) fn socket_nonblocking(addr: &SocketAddr, kind: i32) -> Result<Fd, i32> {
    socket(family(addr), kind | libc::SOCK_NONBLOCK, 0)
}

/// `AF_INET` or `AF_INET6`, as `addr` is.
pub(crate) fn family(addr: &SocketAddr) -> i32 {
    match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    }
}

/// `connect(2)`. For a non-blocking TCP socket `EINPROGRESS` (and `EINTR`, after which the
/// connection goes on in the background) come back as errors: the caller decides.
pub(crate) fn connect(fd: &Fd, addr: &SocketAddr) -> Result<(), i32> {
    let (sa, len) = RawSockAddr::new(addr);
    // SAFETY: `sa` is a valid sockaddr of `len` bytes that outlives the call.
    if unsafe { late::connect(fd.0, sa.as_ptr(), len) } == 0 {
        Ok(())
    } else {
        Err(errno())
    }
}

/// `connect(2)` to an `AF_UNSPEC` address: dissolves a datagram socket's association (its
/// result does not matter).
pub(crate) fn disconnect(fd: &Fd) {
    // SAFETY: an all-zero sockaddr with family AF_UNSPEC, valid for its size, dissolves the
    // socket's association (connect(2)); nothing else is read or written.
    unsafe {
        let mut sa: libc::sockaddr = std::mem::zeroed();
        sa.sa_family = libc::AF_UNSPEC as libc::sa_family_t;
        late::connect(fd.0, &sa, size_of::<libc::sockaddr>() as libc::socklen_t);
    }
}

/// `getsockname(2)`: the address the socket is bound to; `None` on failure.
pub(crate) fn local_addr(fd: &Fd) -> Option<SocketAddr> {
    let mut out = RawSockAddr::zeroed();
    let mut len = size_of::<RawSockAddr>() as libc::socklen_t;
    // SAFETY: `out` is writable storage of `len` bytes; the kernel writes at most that much.
    if unsafe { late::getsockname(fd.0, out.as_mut_ptr(), &mut len) } != 0 {
        return None;
    }
    out.to_socket_addr(len)
}

/// `send(2)` with `MSG_NOSIGNAL` (no SIGPIPE on a reset TCP connection), retried on EINTR.
pub(crate) fn send(fd: &Fd, data: &[u8]) -> Result<usize, i32> {
    loop {
        // SAFETY: data points to data.len() initialised bytes that outlive the call.
        let r = unsafe {
            late::send(
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
pub(crate) fn recv_from(fd: &Fd, buf: &mut [u8]) -> Result<(usize, Option<SocketAddr>), i32> {
    loop {
        let mut sa = RawSockAddr::zeroed();
        let mut len = size_of::<RawSockAddr>() as libc::socklen_t;
        // SAFETY: buf is writable for buf.len() bytes, sa for len bytes; both outlive the call
        // and the kernel writes no more than those sizes.
        let r = unsafe {
            late::recvfrom(
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

/// `recvmsg(2)` into two buffers in turn (the bytes fill `first`, then `second`), retried on
/// EINTR: one system call for a TCP message's length prefix and as much of its body as has
/// come.
pub(crate) fn recv_two(fd: &Fd, first: &mut [u8], second: &mut [u8]) -> Result<usize, i32> {
    let mut iov = [
        libc::iovec {
            iov_base: first.as_mut_ptr().cast(),
            iov_len: first.len(),
        },
        libc::iovec {
            iov_base: second.as_mut_ptr().cast(),
            iov_len: second.len(),
        },
    ];
    loop {
        // SAFETY: msghdr is plain data; all-zero is a valid value (no address, no control).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = iov.as_mut_ptr();
        msg.msg_iovlen = iov.len() as _;
        // SAFETY: `msg` points at `iov`, whose two entries describe `first` and `second`,
        // writable for their lengths; all outlive the call and the kernel writes no more.
        let r = unsafe { late::recvmsg(fd.raw(), &mut msg, 0) };
        if r >= 0 {
            return Ok(r as usize);
        }
        match errno() {
            libc::EINTR => continue,
            e => return Err(e),
        }
    }
}

/// One `write(2)` of `line` to descriptor 2 (retried only on EINTR; errors are ignored).
pub(crate) fn write_stderr(line: &[u8]) {
    loop {
        // SAFETY: line points to line.len() initialised bytes that outlive the call; write
        // only reads them.
        let r = unsafe { libc::write(2, line.as_ptr().cast(), line.len()) };
        if r >= 0 || errno() != libc::EINTR {
            return;
        }
    }
}
