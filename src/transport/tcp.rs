//! One DNS exchange over TCP (RFC 7766): non-blocking connect, the query with its two-byte
//! length prefix, the response of any size up to 65535 bytes. Partial writes and reads are
//! resumed when `poll` says the socket is ready again.
//!
//! System calls of an exchange with a server at hand: `socket`, `connect`, `send`, `poll`
//! (the one wait, for the response), one `recvmsg` for the length prefix and the body, `close`.

use std::net::SocketAddr;

use crate::sys::fd::{self as sys, Fd};
use crate::sys::poll::Wait;
use crate::sys::RecvBuf;
use crate::sys::{EAGAIN, EINPROGRESS, EINTR, EWOULDBLOCK, SOCK_STREAM};
use crate::wire::HEADER_LEN;

/// The largest DNS message over TCP: what a two-byte length can say (RFC 1035 4.2.2).
const MAX_MESSAGE: usize = u16::MAX as usize;

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
    /// The response (a buffer from the receive pool, cut to the message's length).
    Done(RecvBuf),
    Failed(TcpError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Connecting or sending: waiting for `POLLOUT`.
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
    /// The response's bytes as they come (taken from the pool when reading starts).
    body: Option<RecvBuf>,
    got: usize,
    /// The response's length, once the prefix is in.
    expected: Option<usize>,
}

impl TcpConn {
    /// Opens a non-blocking connection to `server` for `query` and sends the query at once if
    /// the connection is already up (on loopback and nearby servers the handshake is done
    /// before `connect` returns `EINPROGRESS`; otherwise the send finds `EAGAIN` and the
    /// exchange waits for `POLLOUT`: no `poll` and no `SO_ERROR` read before a send that can
    /// be made). `Err(Ok(errno))`: the socket could not be created (a system failure);
    /// `Err(Err(e))`: the connection failed at once.
    pub(super) fn start(
        server: &SocketAddr,
        query: &[u8],
    ) -> Result<TcpConn, Result<i32, TcpError>> {
        let fd = sys::socket_nonblocking(server, SOCK_STREAM).map_err(Ok)?;
        let mut out = Vec::with_capacity(query.len() + 2);
        // Queries are built by wire::build_query, far below 65535 bytes.
        out.extend_from_slice(&(query.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
        out.extend_from_slice(query);
        match sys::connect(&fd, server) {
            Ok(()) | Err(EINPROGRESS) | Err(EINTR) => {}
            Err(e) => return Err(Err(TcpError::Os(e))),
        }
        let mut conn = TcpConn {
            fd,
            phase: Phase::Writing,
            out,
            sent: 0,
            len_buf: [0; 2],
            len_got: 0,
            body: None,
            got: 0,
            expected: None,
        };
        match conn.write() {
            Progress::Failed(e) => Err(Err(e)),
            _ => Ok(conn),
        }
    }

    pub(super) fn fd(&self) -> &Fd {
        &self.fd
    }

    /// The `poll` events this exchange waits for.
    pub(super) fn waits_for(&self) -> Wait {
        match self.phase {
            Phase::Writing => Wait::Write,
            Phase::Reading => Wait::Read,
        }
    }

    /// Moves on after `poll` reported the socket ready (or in error/hang-up).
    pub(super) fn on_ready(&mut self) -> Progress {
        match self.phase {
            Phase::Writing => self.write(),
            Phase::Reading => self.read(),
        }
    }

    /// Sends what is left of the query. A connection still being set up, or that failed,
    /// says so here: `EAGAIN` while the handshake goes on, its error (`ECONNREFUSED`, …)
    /// once it failed. Once all is sent the exchange waits for the response: nothing can
    /// have come before the server has read the query.
    fn write(&mut self) -> Progress {
        while self.sent < self.out.len() {
            match sys::send(&self.fd, &self.out[self.sent..]) {
                Ok(n) => self.sent += n,
                Err(e) if e == EAGAIN || e == EWOULDBLOCK => return Progress::Waiting,
                Err(e) => return Progress::Failed(TcpError::Os(e)),
            }
        }
        self.phase = Phase::Reading;
        Progress::Waiting
    }

    /// Reads what has come: the length prefix and the body in one `recvmsg` each time.
    fn read(&mut self) -> Progress {
        let body = self.body.get_or_insert_with(|| RecvBuf::take(MAX_MESSAGE));
        loop {
            let end = self.expected.unwrap_or(body.len()).min(body.len());
            let Some(rest) = body.get_mut(self.got..end) else {
                return Progress::Failed(TcpError::BadLength);
            };
            let n = match sys::recv_two(&self.fd, &mut self.len_buf[self.len_got..], rest) {
                Ok(0) => return Progress::Failed(TcpError::Closed),
                Ok(n) => n,
                Err(e) if e == EAGAIN || e == EWOULDBLOCK => return Progress::Waiting,
                Err(e) => return Progress::Failed(TcpError::Os(e)),
            };
            let to_prefix = n.min(2 - self.len_got);
            self.len_got += to_prefix;
            self.got += n - to_prefix;
            if self.expected.is_none() && self.len_got == 2 {
                let len = usize::from(u16::from_be_bytes(self.len_buf));
                if len < HEADER_LEN {
                    return Progress::Failed(TcpError::BadLength);
                }
                self.expected = Some(len);
            }
            if let Some(len) = self.expected {
                if self.got >= len {
                    let mut done = self.body.take().unwrap_or_else(|| RecvBuf::take(0));
                    done.truncate(len);
                    return Progress::Done(done);
                }
            }
        }
    }
}
