//! Sending questions: UDP to every nameserver in parallel on connected sockets, TCP to the
//! server that truncated (RFC 7766 length prefix), one deadline for the whole exchange.
//!
//! One [`resolve`] call is one blocking `poll` loop over every socket it opened (no threads,
//! no locks held): each (question, server) pair is a slot with its own non-blocking,
//! close-on-exec socket, its own random query ID and its own small state machine (UDP, then TCP
//! after a truncated answer, or TCP only with `use-vc`). Descriptors are owned values, closed
//! when a slot moves on, when its question is answered, and on every way out of `resolve`.

mod deadline;
mod exchange;
mod sys;
mod tcp;
#[cfg(test)]
mod tests;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use crate::config::ResolvConf;
use crate::wire::Response;
use crate::{trace, Error, Result};
use deadline::Schedule;
use exchange::{aggregate, Slot, Tag};

/// Largest DNS message: the TCP length prefix is 16 bits, and no UDP payload is larger.
const MAX_MESSAGE: usize = 65535;

/// The nameserver used when the configuration names none (glibc and musl default).
const DEFAULT_SERVER: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 53);

/// How to ask: servers, timing, transport options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Every server is asked every question at once.
    pub servers: Vec<SocketAddr>,
    /// Per attempt: UDP queries are retransmitted after each `timeout`.
    pub timeout: Duration,
    /// Number of UDP transmissions; the whole exchange (TCP included) ends after
    /// `timeout × attempts`.
    pub attempts: u32,
    /// `options use-vc`: TCP only.
    pub use_vc: bool,
    /// `options edns0`: queries carry an OPT record advertising [`crate::wire::EDNS_PAYLOAD`]
    /// bytes; a server answering FORMERR is asked again without it.
    pub edns0: bool,
}

impl Policy {
    /// The policy of a resolver configuration (timeout at least 1 s as glibc, attempts at
    /// least 1, `127.0.0.1:53` when no server is configured).
    pub fn from_conf(c: &ResolvConf) -> Policy {
        Policy {
            servers: if c.nameservers.is_empty() {
                vec![DEFAULT_SERVER]
            } else {
                c.nameservers.clone()
            },
            timeout: Duration::from_secs(u64::from(c.timeout.max(1))),
            attempts: c.attempts.max(1),
            use_vc: c.use_vc,
            edns0: c.edns0,
        }
    }
}

/// One question: a name (labels taken byte for byte, optional trailing dot) and a type, class IN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    pub name: String,
    pub qtype: u16,
}

/// One question in flight.
struct Pending<'a> {
    tag: Tag<'a>,
    slots: Vec<Slot>,
    result: Option<Result<Response>>,
}

impl<'a> Pending<'a> {
    fn start(q: &'a Question, policy: &Policy, log: bool) -> Pending<'a> {
        let tag = Tag {
            name: &q.name,
            qtype: q.qtype,
            log,
        };
        let mut p = Pending {
            tag,
            slots: Vec::with_capacity(policy.servers.len()),
            result: None,
        };
        if let Err(e) = crate::wire::build_query(0, &q.name, q.qtype, None) {
            p.result = Some(Err(e));
            return p;
        }
        for server in &policy.servers {
            match Slot::open(&tag, *server, policy.edns0, policy.use_vc) {
                Ok(slot) => p.slots.push(slot),
                Err(e) => {
                    p.finish(Err(e));
                    return p;
                }
            }
        }
        p
    }

    fn finish(&mut self, r: Result<Response>) {
        self.result = Some(r);
        // Closes every socket of this question.
        self.slots.clear();
    }

    /// When every server has failed, the question's error.
    fn settle(&mut self) {
        if self.result.is_none() && self.slots.iter().all(|s| s.failure().is_some()) {
            let err = aggregate(self.slots.iter().filter_map(Slot::failure));
            self.finish(Err(err));
        }
    }

    /// The result once the loop is over: what it got, or a timeout.
    fn into_result(mut self) -> Result<Response> {
        self.settle();
        match self.result.take() {
            Some(r) => r,
            None => {
                for s in &self.slots {
                    s.trace_timeout(&self.tag);
                }
                Err(Error::TryAgain)
            }
        }
    }
}

/// Asks every question to every server of `policy` and returns one result per question, in
/// order.
///
/// - `Ok(response)`: the first NOERROR or NXDOMAIN response (check `response.rcode`), never
///   truncated and never malformed; `response.message` is the full parsed message.
/// - `Err(NotFound)`: the name is invalid (empty label, label over 63 bytes, over 253 bytes);
///   nothing was sent.
/// - `Err(TryAgain)`: deadline (`timeout × attempts`) passed, or every server failed and at
///   least one failure was temporary (SERVFAIL, REFUSED, unreachable, connection refused).
/// - `Err(Fail)`: every server failed with FORMERR, NOTIMP, another rcode, or a malformed
///   answer.
/// - `Err(System(errno))`: no socket could be created for any server.
///
/// A truncated UDP answer is never used: the same question goes over TCP to that server under
/// the same deadline, while UDP answers for the other questions are still being collected.
pub fn resolve(questions: &[Question], policy: &Policy) -> Vec<Result<Response>> {
    let log = trace::enabled();
    let mut schedule = Schedule::new(Instant::now(), policy.timeout, policy.attempts);
    let mut pending: Vec<Pending<'_>> = questions
        .iter()
        .map(|q| {
            let mut p = Pending::start(q, policy, log);
            if p.result.is_none() && p.slots.is_empty() {
                p.finish(Err(Error::TryAgain)); // no server at all
            }
            p
        })
        .collect();
    let mut buf = vec![0u8; MAX_MESSAGE + 1];
    let mut fds: Vec<libc::pollfd> = Vec::new();
    let mut owners: Vec<(usize, usize)> = Vec::new();

    loop {
        pending.iter_mut().for_each(Pending::settle);
        if pending.iter().all(|p| p.result.is_some()) {
            break;
        }
        let now = Instant::now();
        if now >= schedule.deadline() {
            break;
        }
        if schedule.retransmit_due(now) {
            for p in pending.iter_mut().filter(|p| p.result.is_none()) {
                let tag = p.tag;
                p.slots.iter_mut().for_each(|s| s.send_udp(&tag));
            }
            continue; // a send may have failed a slot: settle again
        }

        fds.clear();
        owners.clear();
        for (qi, p) in pending
            .iter()
            .enumerate()
            .filter(|(_, p)| p.result.is_none())
        {
            for (si, slot) in p.slots.iter().enumerate() {
                if let Some(pfd) = slot.poll_entry() {
                    fds.push(pfd);
                    owners.push((qi, si));
                }
            }
        }
        match sys::poll(&mut fds, schedule.poll_timeout(now)) {
            Ok(0) => continue,
            Ok(_) => {}
            // Interrupted by a signal: recompute the remaining time and wait again.
            Err(libc::EINTR) => continue,
            Err(e) => {
                for p in pending.iter_mut().filter(|p| p.result.is_none()) {
                    p.finish(Err(Error::System(e)));
                }
                break;
            }
        }
        for (pfd, &(qi, si)) in fds.iter().zip(&owners) {
            if pfd.revents == 0 {
                continue;
            }
            let Some(p) = pending.get_mut(qi) else {
                continue;
            };
            if p.result.is_some() {
                continue; // answered by another server in this same round
            }
            let tag = p.tag;
            let answer = p.slots.get_mut(si).and_then(|s| s.on_ready(&tag, &mut buf));
            if let Some(r) = answer {
                p.finish(Ok(r));
            }
        }
    }
    pending.into_iter().map(Pending::into_result).collect()
}
