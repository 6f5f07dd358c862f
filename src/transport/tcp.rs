//! One DNS exchange over TCP (RFC 7766): non-blocking connect, the query with its two-byte
//! length prefix, the response of any size up to 65535 bytes. Partial writes and reads are
//! resumed when `poll` says the socket is ready again.

use std::net::SocketAddr;

use crate::sys::fd::{self as sys, Fd};
use crate::sys::poll::Wait;
use crate::sys::{EAGAIN, EINPROGRESS, EINTR, EWOULDBLOCK, SOCK_STREAM};
use crate::wire::HEADER_LEN;

/// Why a TCP exchange ended without a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TcpError {
    /// A system error on the connection (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, …).
    Os(i32),
    /// The server closed the connection before a whole response came.
    Closed,
    /// The length prefix announces fewer bytes than a DNS header.
    BadLength,
}

/// How far an exchange got after a readiness event.
#[derive(Debug)]
pub(super) enum Progress {
    Waiting,
    Done(Vec<u8>),
    Failed(TcpError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Writing,
    Reading,
}

/// The state of one TCP exchange.
#[derive(Debug)]
pub(super) struct TcpConn {
    fd: Fd,
    phase: Phase,
    /// Length prefix and query.
    out: Vec<u8>,
    sent: usize,
    len_buf: [u8; 2],
    len_got: usize,
    /// The response, `expected` bytes once complete.
    body: Vec<u8>,
    expected: usize,
}

impl TcpConn {
    /// Opens a non-blocking connection to `server` for `query`. `Err(Ok(errno))`: the socket
    /// could not be created (a system failure); `Err(Err(e))`: the connection failed at once.
    pub(super) fn start(
        server: &SocketAddr,
        query: &[u8],
    ) -> Result<TcpConn, Result<i32, TcpError>> {
        let fd = sys::socket_nonblocking(server, SOCK_STREAM).map_err(Ok)?;
        let mut out = Vec::with_capacity(query.len() + 2);
        // Queries are built by wire::build_query, far below 65535 bytes.
        out.extend_from_slice(&(query.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
        out.extend_from_slice(query);
        let phase = match sys::connect(&fd, server) {
            Ok(()) => Phase::Writing,
            Err(EINPROGRESS) | Err(EINTR) => Phase::Connecting,
            Err(e) => return Err(Err(TcpError::Os(e))),
        };
        Ok(TcpConn {
            fd,
            phase,
            out,
            sent: 0,
            len_buf: [0; 2],
            len_got: 0,
            body: Vec::new(),
            expected: 0,
        })
    }

    pub(super) fn fd(&self) -> &Fd {
        &self.fd
    }

    /// The `poll` events this exchange waits for.
    pub(super) fn waits_for(&self) -> Wait {
        match self.phase {
            Phase::Connecting | Phase::Writing => Wait::Write,
            Phase::Reading => Wait::Read,
        }
    }

    /// Moves on after `poll` reported the socket ready (or in error/hang-up).
    pub(super) fn on_ready(&mut self) -> Progress {
        if self.phase == Phase::Connecting {
            match sys::so_error(&self.fd) {
                0 => self.phase = Phase::Writing,
                e => return Progress::Failed(TcpError::Os(e)),
            }
        }
        if self.phase == Phase::Writing {
            while self.sent < self.out.len() {
                match sys::send(&self.fd, &self.out[self.sent..]) {
                    Ok(n) => self.sent += n,
                    Err(e) if e == EAGAIN || e == EWOULDBLOCK => return Progress::Waiting,
                    Err(e) => return Progress::Failed(TcpError::Os(e)),
                }
            }
            self.phase = Phase::Reading;
        }
        self.read()
    }

    fn read(&mut self) -> Progress {
        loop {
            let r = if self.len_got < 2 {
                sys::recv(&self.fd, &mut self.len_buf[self.len_got..])
            } else {
                let have = self.body.len();
                self.body.resize(self.expected, 0);
                let r = sys::recv(&self.fd, &mut self.body[have..]);
                self.body.truncate(have + *r.as_ref().unwrap_or(&0));
                r
            };
            match r {
                Ok(0) => return Progress::Failed(TcpError::Closed),
                Ok(n) if self.len_got < 2 => {
                    self.len_got += n;
                    if self.len_got == 2 {
                        self.expected = usize::from(u16::from_be_bytes(self.len_buf));
                        if self.expected < HEADER_LEN {
                            return Progress::Failed(TcpError::BadLength);
                        }
                        self.body.reserve_exact(self.expected);
                    }
                }
                Ok(_) => {
                    if self.body.len() == self.expected {
                        return Progress::Done(std::mem::take(&mut self.body));
                    }
                }
                Err(e) if e == EAGAIN || e == EWOULDBLOCK => return Progress::Waiting,
                Err(e) => return Progress::Failed(TcpError::Os(e)),
            }
        }
    }
}
