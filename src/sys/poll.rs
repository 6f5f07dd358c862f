//! `poll(2)` over the transport's sockets.

use super::fd::Fd;
use super::{errno, late};

/// What a socket is waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Readable (`POLLIN`): a datagram or stream bytes.
    Read,
    /// Writable (`POLLOUT`): a connect finished, room to send.
    Write,
}

/// One entry of a `poll` set: a C `struct pollfd`, laid out as the kernel reads it.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub(crate) struct PollFd(libc::pollfd);

impl PollFd {
    /// `fd` waited for `wait`.
    pub(crate) fn new(fd: &Fd, wait: Wait) -> PollFd {
        PollFd(libc::pollfd {
            fd: fd.raw(),
            events: match wait {
                Wait::Read => libc::POLLIN,
                Wait::Write => libc::POLLOUT,
            },
            revents: 0,
        })
    }

    /// `poll` reported something for this entry (readiness, an error or a hang-up).
    pub(crate) fn ready(&self) -> bool {
        self.0.revents != 0
    }
}

/// `poll(2)` once (EINTR is returned to the caller, which recomputes its timeout).
pub(crate) fn poll(fds: &mut [PollFd], timeout_ms: i32) -> Result<usize, i32> {
    // SAFETY: PollFd is a transparent wrapper of pollfd, so fds is a valid, writable array of
    // fds.len() pollfd structures for the call.
    let r = unsafe {
        late::poll(
            fds.as_mut_ptr().cast::<libc::pollfd>(),
            fds.len() as libc::nfds_t,
            timeout_ms,
        )
    };
    if r < 0 {
        Err(errno())
    } else {
        Ok(r as usize)
    }
}
