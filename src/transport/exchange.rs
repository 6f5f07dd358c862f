//! One question to one server: the state machine of a slot (UDP, then maybe TCP), and the
//! per-question bookkeeping on top of it.

use std::net::SocketAddr;
use std::time::Instant;

use super::tcp::{Progress, TcpConn, TcpError};
use crate::sys::fd::{self as sys, Fd};
use crate::sys::poll::{PollFd, Wait};
use crate::sys::{
    random_id, EAGAIN, ECONNREFUSED, EMFILE, ENFILE, ENOBUFS, EWOULDBLOCK, SOCK_DGRAM,
};
use crate::trace::{self, Outcome, Proto};
use crate::wire::{self, rcode, Response};
use crate::{Error, Result};

/// Datagrams read from one socket per wake-up at most (a flood of unrelated packets must not
/// keep us from the other sockets and the clock).
const MAX_DATAGRAMS_PER_WAKEUP: usize = 64;

/// What a response that matches the query is to the slot that got it.
enum Verdict {
    /// The question's answer.
    Answer,
    /// A SERVFAIL kept for when every server fails ([`Tag::any_rcode`]).
    Servfail,
    /// Not an answer: the slot moved on or failed.
    Other,
}

/// Why a server is done with a question without having answered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// SERVFAIL, REFUSED, unreachable, connection refused or reset: `Error::TryAgain`.
    Temporary,
    /// FORMERR, NOTIMP, other rcodes, a malformed or mismatched TCP response: `Error::Fail`.
    Permanent,
    /// The socket could not be created: `Error::System(errno)`.
    System(i32),
}

/// The transport a slot is on.
#[derive(Debug)]
pub(super) enum Link {
    Udp(Fd),
    /// Boxed: a slot on TCP is rare, and a small `Slot` is cheap to build in place.
    Tcp(Box<TcpConn>),
    /// No descriptor could be had (`EMFILE`, `ENFILE`): the slot starts (over TCP when `tcp`)
    /// once another slot has closed its socket ([`Slot::resume`]).
    Waiting {
        tcp: bool,
        errno: i32,
    },
    Failed(Failure),
    /// Its question has its result (or was cancelled): the socket is closed.
    Closed,
}

/// `socket` failed for want of a descriptor (the process's or the system's): worth trying
/// again once one of ours is closed.
fn out_of_descriptors(errno: i32) -> bool {
    errno == EMFILE || errno == ENFILE
}

/// One question to one server.
#[derive(Debug)]
pub(super) struct Slot {
    /// The index of its question in the poll loop.
    pub(super) question: usize,
    pub(super) server: SocketAddr,
    /// The current query carries an OPT record.
    edns: bool,
    /// The query in flight on this slot (its ID is what answers must match).
    query: Query,
    pub(super) link: Link,
    /// When this exchange started (reset when it moves to TCP), for the log (`None` when
    /// the question is not logged: no clock read).
    started: Option<Instant>,
    /// With [`Tag::any_rcode`]: the SERVFAIL answer this server gave, kept for when every
    /// server fails (glibc leaves the last response in the caller's buffer).
    pub(super) servfail: Option<Box<Response>>,
    /// It gave its socket up for another server's turn ([`Slot::park`]).
    parked: bool,
}

/// Where a slot's query comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source<'a> {
    /// Built for each slot from the tag's name and type (class IN, a fresh random ID, RD, AD
    /// when `ad`), with an OPT record advertising `edns_payload` bytes when EDNS is on.
    Built { ad: bool, edns_payload: u16 },
    /// The caller's message, sent as it is (`res_send`); `plain` is the same query without
    /// its OPT record, asked instead after a FORMERR (`res_query` with `edns0`).
    Fixed {
        message: &'a [u8],
        plain: Option<&'a [u8]>,
    },
}

/// A slot's query: built here, inline in the slot (no allocation), or the caller's message
/// ([`Source::Fixed`], any length up to 64 KiB), on the heap. Derefs to the message.
// Inline on purpose: the query is built in place in the slot, and no allocation is made.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(super) enum Query {
    Built(wire::Query),
    Fixed(Vec<u8>),
}

impl std::ops::Deref for Query {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Query::Built(q) => q,
            Query::Fixed(m) => m,
        }
    }
}

/// What the log and the queries need to know about the question.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tag<'a> {
    pub(super) name: &'a str,
    pub(super) qtype: u16,
    pub(super) log: bool,
    pub(super) source: Source<'a>,
    /// glibc's `res_send` rule: SERVFAIL, NOTIMP and REFUSED send us to the next server;
    /// every other response code is an answer (FORMERR too, once EDNS is off).
    pub(super) any_rcode: bool,
}

impl Tag<'_> {
    /// Logs how the exchange of `slot` went, when the question is logged. (Inlined down to
    /// the check: the outcome is not even computed for a question that is not logged.)
    #[inline(always)]
    fn trace(&self, slot: &Slot, proto: Proto, outcome: Outcome) {
        if self.log {
            self.log_line(slot, proto, outcome);
        }
    }

    #[cold]
    fn log_line(&self, slot: &Slot, proto: Proto, outcome: Outcome) {
        trace::exchange(&trace::Exchange {
            name: self.name,
            qtype: self.qtype,
            server: slot.server,
            proto,
            outcome,
            elapsed: slot.started.map(|t| t.elapsed()).unwrap_or_default(),
        });
    }
}

fn os_outcome(errno: i32) -> Outcome {
    if errno == ECONNREFUSED {
        Outcome::Refused
    } else {
        Outcome::Error(errno)
    }
}

fn response_outcome(packet: &[u8], r: &Response) -> Outcome {
    if r.malformed {
        return Outcome::Malformed { bytes: r.len };
    }
    Outcome::Response {
        truncated: r.truncated,
        rcode: r.rcode,
        answers: packet
            .get(6..8)
            .map_or(0, |b| u16::from_be_bytes([b[0], b[1]])),
        bytes: r.len,
    }
}

impl Slot {
    /// A slot for question `question` to `server`, its query with or without an OPT record
    /// as `edns` says, not made yet ([`Slot::make_query`], [`Slot::copy_query`]); not asked
    /// yet ([`Slot::start`]).
    pub(super) fn new(question: usize, server: SocketAddr, edns: bool) -> Slot {
        Slot {
            question,
            server,
            edns,
            query: Query::Fixed(Vec::new()),
            link: Link::Failed(Failure::Temporary),
            started: None,
            servfail: None,
            parked: false,
        }
    }

    /// Makes the slot's query (`tag`'s, with an OPT record when the slot's `edns` says so),
    /// with ID `id` when it is built here: in place, in the slot. An invalid name is
    /// `Error::NotFound`.
    pub(super) fn make_query(&mut self, tag: &Tag<'_>, id: u16) -> Result<()> {
        match tag.source {
            Source::Built { ad, edns_payload } => {
                if !matches!(self.query, Query::Built(_)) {
                    self.query = Query::Built(wire::Query::EMPTY);
                }
                let Query::Built(q) = &mut self.query else {
                    return Err(Error::NotFound);
                };
                let edns = self.edns.then_some(edns_payload);
                q.build(id, tag.name.as_bytes(), tag.qtype, edns, ad)
            }
            Source::Fixed { message, plain } => {
                self.query = Query::Fixed(match (self.edns, plain) {
                    (false, Some(p)) => p.to_vec(),
                    _ => message.to_vec(),
                });
                Ok(())
            }
        }
    }

    /// Takes `other`'s query (the same question to another server), with ID `id` when it
    /// is built here (the caller's message is sent as it is).
    pub(super) fn copy_query(&mut self, other: &Slot, id: u16) {
        self.query.clone_from(&other.query);
        if let Query::Built(q) = &mut self.query {
            q.set_id(id);
        }
    }

    /// Starts asking: over TCP when `use_vc`, else over UDP.
    pub(super) fn start(&mut self, tag: &Tag<'_>, use_vc: bool) {
        if tag.log {
            self.started = Some(Instant::now());
        }
        if use_vc {
            self.start_tcp(tag);
        } else {
            self.start_udp(tag);
        }
    }

    /// Its question is done: the socket is closed (at once: with few descriptors, another
    /// question's server may be waiting for it).
    pub(super) fn close(&mut self) {
        self.link = Link::Closed;
    }

    pub(super) fn failure(&self) -> Option<Failure> {
        match self.link {
            Link::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// The descriptor and events to poll for, if the slot is live.
    pub(super) fn poll_entry(&self) -> Option<PollFd> {
        Some(match &self.link {
            Link::Udp(fd) => PollFd::new(fd, Wait::Read),
            Link::Tcp(conn) => PollFd::new(conn.fd(), conn.waits_for()),
            Link::Waiting { .. } | Link::Failed(_) | Link::Closed => return None,
        })
    }

    fn fail(&mut self, f: Failure) {
        self.link = Link::Failed(f);
    }

    /// Whether the slot waits for a descriptor.
    pub(super) fn waiting(&self) -> bool {
        matches!(self.link, Link::Waiting { .. })
    }

    /// Starts a waiting slot if a descriptor can be had now; `Err(errno)` when it cannot (it
    /// keeps waiting).
    pub(super) fn resume(&mut self, tag: &Tag<'_>) -> std::result::Result<(), i32> {
        let Link::Waiting { tcp, .. } = self.link else {
            return Ok(());
        };
        self.parked = false;
        if tcp {
            self.start_tcp(tag);
        } else {
            self.start_udp(tag);
        }
        match self.link {
            Link::Waiting { errno, .. } => Err(errno),
            _ => Ok(()),
        }
    }

    /// A slot on UDP closes its socket and waits for a descriptor again (its query, and so
    /// its ID, stay: a retransmission is the same query).
    pub(super) fn park(&mut self) {
        if matches!(self.link, Link::Udp(_)) {
            self.link = Link::Waiting {
                tcp: false,
                errno: EMFILE,
            };
            self.parked = true;
        }
    }

    /// Whether the slot gave its socket up at the last turn (see [`Slot::park`]).
    pub(super) fn parked(&self) -> bool {
        self.parked
    }

    /// Gives up waiting: no descriptor is to be had at all.
    pub(super) fn give_up(&mut self, errno: i32) {
        if self.waiting() {
            self.fail(Failure::System(errno));
        }
    }

    fn start_udp(&mut self, tag: &Tag<'_>) {
        let fd = match sys::socket_nonblocking(&self.server, SOCK_DGRAM) {
            Ok(fd) => fd,
            Err(e) if out_of_descriptors(e) => {
                self.link = Link::Waiting {
                    tcp: false,
                    errno: e,
                };
                return;
            }
            Err(e) => {
                tag.trace(self, Proto::Udp, Outcome::Error(e));
                return self.fail(Failure::System(e));
            }
        };
        if let Err(e) = sys::connect(&fd, &self.server) {
            tag.trace(self, Proto::Udp, os_outcome(e));
            return self.fail(Failure::Temporary);
        }
        self.link = Link::Udp(fd);
        self.send_udp(tag);
    }

    /// Sends (again) the current query on the UDP socket. A full socket buffer is not an
    /// error: the next retransmission will do.
    pub(super) fn send_udp(&mut self, tag: &Tag<'_>) {
        let Link::Udp(fd) = &self.link else { return };
        match sys::send(fd, &self.query) {
            Ok(_) => {}
            Err(e) if e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS => {}
            Err(e) => {
                tag.trace(self, Proto::Udp, os_outcome(e));
                self.fail(Failure::Temporary);
            }
        }
    }

    fn start_tcp(&mut self, tag: &Tag<'_>) {
        if tag.log {
            self.started = Some(Instant::now());
        }
        // The UDP socket is of no more use: closed before the TCP one is opened (one
        // descriptor is enough for the exchange).
        self.link = Link::Waiting {
            tcp: true,
            errno: EMFILE,
        };
        match TcpConn::start(&self.server, &self.query) {
            Ok(conn) => self.link = Link::Tcp(Box::new(conn)),
            Err(Ok(errno)) if out_of_descriptors(errno) => {
                self.link = Link::Waiting { tcp: true, errno };
            }
            Err(Ok(errno)) => {
                tag.trace(self, Proto::Tcp, Outcome::Error(errno));
                self.fail(Failure::System(errno));
            }
            Err(Err(e)) => {
                self.trace_tcp_error(tag, e);
                self.fail(Failure::Temporary);
            }
        }
    }

    fn trace_tcp_error(&self, tag: &Tag<'_>, e: TcpError) {
        let outcome = match e {
            TcpError::Os(errno) => os_outcome(errno),
            TcpError::Closed => Outcome::Closed,
            TcpError::BadLength => Outcome::Malformed { bytes: 0 },
        };
        tag.trace(self, Proto::Tcp, outcome);
    }

    /// Handles readiness of the slot's socket; `true` when the question has its answer, put
    /// in `out` (left alone otherwise).
    pub(super) fn on_ready(
        &mut self,
        tag: &Tag<'_>,
        buf: &mut [u8],
        out: &mut Result<Response>,
    ) -> bool {
        match &mut self.link {
            Link::Udp(_) => self.on_udp_readable(tag, buf, out),
            Link::Tcp(conn) => match conn.on_ready() {
                Progress::Waiting => false,
                Progress::Failed(e) => {
                    self.trace_tcp_error(tag, e);
                    self.fail(match e {
                        TcpError::BadLength => Failure::Permanent,
                        _ => Failure::Temporary,
                    });
                    false
                }
                Progress::Done(packet) => {
                    let mut checked = wire::check_response(&self.query, &packet);
                    match &checked {
                        // One query on the connection: anything else in reply is a broken
                        // server.
                        None => {
                            tag.trace(
                                self,
                                Proto::Tcp,
                                Outcome::Ignored {
                                    bytes: packet.len(),
                                },
                            );
                            self.fail(Failure::Permanent);
                            false
                        }
                        Some(r) => {
                            tag.trace(self, Proto::Tcp, response_outcome(&packet, r));
                            self.on_response(tag, &mut checked, Proto::Tcp, out)
                        }
                    }
                }
            },
            Link::Waiting { .. } | Link::Failed(_) | Link::Closed => false,
        }
    }

    fn on_udp_readable(
        &mut self,
        tag: &Tag<'_>,
        buf: &mut [u8],
        out: &mut Result<Response>,
    ) -> bool {
        for _ in 0..MAX_DATAGRAMS_PER_WAKEUP {
            let Link::Udp(fd) = &self.link else {
                return false;
            };
            match sys::recv_from(fd, buf) {
                Err(e) if e == EAGAIN || e == EWOULDBLOCK => return false,
                Err(e) => {
                    // ECONNREFUSED: ICMP port unreachable from the server.
                    tag.trace(self, Proto::Udp, os_outcome(e));
                    self.fail(Failure::Temporary);
                    return false;
                }
                Ok((n, from)) => {
                    let packet = buf.get(..n).unwrap_or(buf);
                    // A datagram from elsewhere is not even read.
                    let from_server = from.is_none_or(|a| same_endpoint(&a, &self.server));
                    if !from_server {
                        tag.trace(self, Proto::Udp, Outcome::Ignored { bytes: n });
                        continue;
                    }
                    let mut checked = wire::check_response(&self.query, packet);
                    match &checked {
                        None => tag.trace(self, Proto::Udp, Outcome::Ignored { bytes: n }),
                        Some(r) => {
                            tag.trace(self, Proto::Udp, response_outcome(packet, r));
                            return self.on_response(tag, &mut checked, Proto::Udp, out);
                        }
                    }
                }
            }
        }
        false
    }

    /// A response that matches the query (`checked`, never `None`): an answer (moved to `out`:
    /// `true`), a reason to go on (TCP, no EDNS) or the end of this server for this question.
    /// (The response is moved once, from where `check_response` left it to where it is kept:
    /// it is large; `checked` is left `None` when it was moved.)
    #[inline(always)]
    fn on_response(
        &mut self,
        tag: &Tag<'_>,
        checked: &mut Option<Response>,
        proto: Proto,
        out: &mut Result<Response>,
    ) -> bool {
        let Some(r) = checked.as_mut() else {
            return false;
        };
        r.tcp = proto == Proto::Tcp;
        match self.judge(tag, r, proto) {
            Verdict::Answer => {
                // Some: moved as it is, in one copy.
                *out = checked.take().ok_or(Error::TryAgain);
                true
            }
            Verdict::Servfail => {
                self.servfail = checked.take().map(Box::new);
                false
            }
            Verdict::Other => false,
        }
    }

    /// What a matching response is to this slot; moving on (TCP, no EDNS, failure) is done
    /// here.
    fn judge(&mut self, tag: &Tag<'_>, r: &Response, proto: Proto) -> Verdict {
        if r.malformed {
            self.fail(Failure::Permanent);
            return Verdict::Other;
        }
        if r.truncated {
            // Never use the records of a truncated answer.
            match proto {
                Proto::Udp => self.start_tcp(tag),
                // Truncated even over TCP (over 64 KiB): nothing usable.
                Proto::Tcp => self.fail(Failure::Permanent),
            }
            return Verdict::Other;
        }
        match r.rcode {
            rcode::NOERROR | rcode::NXDOMAIN => Verdict::Answer,
            rcode::FORMERR if self.edns && self.can_drop_edns(tag) => {
                // RFC 6891 7: a server that does not know EDNS0 may answer FORMERR; ask again
                // without the OPT record.
                self.edns = false;
                if self.make_query(tag, random_id()).is_err() {
                    self.fail(Failure::Permanent);
                    return Verdict::Other;
                }
                match proto {
                    Proto::Udp => self.send_udp(tag),
                    Proto::Tcp => self.start_tcp(tag),
                }
                Verdict::Other
            }
            rcode::SERVFAIL | rcode::REFUSED => {
                self.fail(Failure::Temporary);
                if tag.any_rcode && r.rcode == rcode::SERVFAIL {
                    Verdict::Servfail
                } else {
                    Verdict::Other
                }
            }
            rcode::NOTIMP if tag.any_rcode => {
                self.fail(Failure::Temporary);
                Verdict::Other
            }
            _ if tag.any_rcode => Verdict::Answer,
            _ => {
                self.fail(Failure::Permanent);
                Verdict::Other
            }
        }
    }

    /// Whether a FORMERR can be answered by asking again without the OPT record: always for
    /// queries we build, only with a plain variant for the caller's own message.
    fn can_drop_edns(&self, tag: &Tag<'_>) -> bool {
        match tag.source {
            Source::Built { .. } => true,
            Source::Fixed { plain, .. } => plain.is_some(),
        }
    }

    /// Logs that this slot got nothing before the deadline (if it was still waiting).
    pub(super) fn trace_timeout(&self, tag: &Tag<'_>) {
        let proto = match self.link {
            Link::Udp(_) => Proto::Udp,
            Link::Tcp(_) => Proto::Tcp,
            Link::Waiting { .. } | Link::Failed(_) | Link::Closed => return,
        };
        tag.trace(self, proto, Outcome::Timeout);
    }
}

/// The error of a question every server failed: TryAgain if any failure was temporary, else
/// Fail if any was permanent, else the system error.
pub(super) fn aggregate(failures: impl Iterator<Item = Failure>) -> Error {
    let mut err = None;
    for f in failures {
        err = Some(match (err, f) {
            (_, Failure::Temporary) | (Some(Error::TryAgain), _) => Error::TryAgain,
            (_, Failure::Permanent) | (Some(Error::Fail), _) => Error::Fail,
            (Some(e), Failure::System(_)) => e,
            (None, Failure::System(errno)) => Error::System(errno),
        });
    }
    err.unwrap_or(Error::TryAgain)
}

/// Whether a datagram from `from` comes from `server` (address and port; the IPv6 scope id is
/// not compared, the kernel fills it in for link-local senders).
fn same_endpoint(from: &SocketAddr, server: &SocketAddr) -> bool {
    from.ip() == server.ip() && from.port() == server.port()
}
