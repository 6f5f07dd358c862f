//! Sending questions: UDP to every nameserver in parallel on connected sockets, TCP to the
//! server that truncated (RFC 7766 length prefix), one deadline for the whole exchange.
//!
//! Two ways to use the servers ([`Policy::in_order`]): all at once (musl's way, the default),
//! or one after the other as glibc's `res_send` does (the glibc build and
//! `DNSSHIM_COMPAT=glibc`): the first server gets the question and its share of the time, then
//! the next, for `attempts` rounds; `options rotate` moves the starting server on by one for
//! each call. `options single-request(-reopen)` asks the questions of one call one after the
//! other instead of together.
//!
//! One [`resolve`] call is one blocking `poll` loop over every socket it opened (no threads,
//! no locks held): each (question, server) pair is a slot with its own non-blocking,
//! close-on-exec socket, its own random query ID and its own small state machine (UDP, then TCP
//! after a truncated answer, or TCP only with `use-vc`). Descriptors are owned values, closed
//! when a slot moves on, when its question is answered, and on every way out of `resolve`.
//!
//! Few descriptors (`RLIMIT_NOFILE`, a program that holds most of its own): a slot whose
//! `socket` fails with `EMFILE` or `ENFILE` waits, and starts as soon as another slot has
//! closed its socket (servers that answered another question of the call first); a slot
//! moving to TCP closes its UDP socket before it opens the TCP one; at each retransmission a
//! question with waiting servers hands the descriptors of the ones it asked over to them, so
//! that a silent server does not keep the others from being asked. The exchange goes on with
//! as few as one socket at a time, and fails with the errno only when no slot has a socket and
//! none can get one.

mod deadline;
mod exchange;
mod tcp;
#[cfg(test)]
pub(crate) mod tests;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use smallvec::SmallVec;

use crate::config::resolv_conf::MAXNS;
use crate::config::ResolvConf;
use crate::sys::poll::{poll, PollFd};
use crate::sys::{RecvBuf, EINTR};
use crate::wire::Response;
use crate::{trace, Error, Result};
use deadline::Schedule;
use exchange::{aggregate, Slot, Source, Tag};

/// Largest DNS message: the TCP length prefix is 16 bits, and no UDP payload is larger.
const MAX_MESSAGE: usize = 65535;

/// The nameserver used when the configuration names none (glibc and musl default).
const DEFAULT_SERVER: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 53);

/// One result per question, in order (inline for the usual one or two questions: a response
/// is over 500 bytes).
pub type Results = SmallVec<[Result<Response>; 2]>;

/// The servers of a [`Policy`] (inline up to resolv.conf's maximum, `MAXNS`).
pub type Servers = SmallVec<[SocketAddr; MAXNS]>;

/// How to ask: servers, timing, transport options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Every server is asked every question at once.
    pub servers: Servers,
    /// Per attempt: UDP queries are retransmitted after each `timeout`.
    pub timeout: Duration,
    /// Number of UDP transmissions; the whole exchange (TCP included) ends after
    /// `timeout × attempts`.
    pub attempts: u32,
    /// `options use-vc`: TCP only.
    pub use_vc: bool,
    /// `options edns0`: queries carry an OPT record advertising [`Policy::edns_payload`]
    /// bytes; a server answering FORMERR is asked again without it.
    pub edns0: bool,
    /// UDP payload size advertised with `edns0` ([`crate::wire::EDNS_PAYLOAD`] unless a
    /// caller's smaller buffer asks for less, as glibc's `res_query` does).
    pub edns_payload: u16,
    /// Servers one after the other (glibc), not all at once (musl).
    pub in_order: bool,
    /// `options rotate`: each call starts with the next server (in order), or sends to the
    /// next server first (all at once).
    pub rotate: bool,
    /// `options single-request` / `single-request-reopen`: the questions of one call are
    /// asked one after the other (each on its own socket), not together.
    pub single_request: bool,
    /// `options trust-ad`: queries carry the AD bit.
    pub trust_ad: bool,
    /// `options debug`: log lines as with `DNSSHIM_LOG=1`.
    pub debug: bool,
}

impl Default for Policy {
    /// `127.0.0.1:53`, timeout 5 s, 2 attempts, all servers at once, no options.
    fn default() -> Policy {
        Policy {
            servers: Servers::from_slice(&[DEFAULT_SERVER]),
            timeout: Duration::from_secs(5),
            attempts: 2,
            use_vc: false,
            edns0: false,
            edns_payload: crate::wire::EDNS_PAYLOAD,
            in_order: false,
            rotate: false,
            single_request: false,
            trust_ad: false,
            debug: false,
        }
    }
}

impl Policy {
    /// The policy of a resolver configuration (timeout at least 1 s as glibc, attempts at
    /// least 1, `127.0.0.1:53` when no server is configured).
    pub fn from_conf(c: &ResolvConf) -> Policy {
        Policy {
            servers: if c.nameservers.is_empty() {
                Servers::from_slice(&[DEFAULT_SERVER])
            } else {
                Servers::from_slice(&c.nameservers)
            },
            timeout: Duration::from_secs(u64::from(c.timeout.max(1))),
            attempts: c.attempts.max(1),
            use_vc: c.use_vc,
            edns0: c.edns0,
            rotate: c.rotate,
            single_request: c.single_request || c.single_request_reopen,
            trust_ad: c.trust_ad,
            debug: c.debug,
            ..Policy::default()
        }
    }

    /// The same policy, asking the servers one after the other (`true`) or all at once.
    pub fn in_order(mut self, in_order: bool) -> Policy {
        self.in_order = in_order;
        self
    }
}

/// Which response codes end an exchange with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// NOERROR and NXDOMAIN; SERVFAIL and REFUSED try the other servers; anything else fails
    /// the server (the lookups).
    Answers,
    /// glibc's `res_send`: SERVFAIL, NOTIMP and REFUSED try the other servers; any other code
    /// is an answer.
    AnyRcode,
}

/// Queries longer than this go over TCP from the start (glibc `res_send`: `PACKETSZ`).
const MAX_UDP_QUERY: usize = 512;

/// One question: a name (labels taken byte for byte, optional trailing dot) and a type, class IN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Question<'a> {
    pub name: &'a str,
    pub qtype: u16,
}

/// Query IDs for the slots of one poll loop, drawn from the kernel a batch at a time (one
/// `getrandom` for a lookup's two questions to three servers, not one per query).
struct Ids {
    buf: [u16; 2 * MAXNS],
    /// How many of `buf` were handed out (all of them: draw a new batch).
    used: usize,
}

impl Default for Ids {
    fn default() -> Ids {
        Ids {
            buf: [0; 2 * MAXNS],
            used: 2 * MAXNS,
        }
    }
}

impl Ids {
    fn next(&mut self) -> u16 {
        if self.used == self.buf.len() {
            crate::sys::random_ids(&mut self.buf);
            self.used = 0;
        }
        self.used += 1;
        self.buf[self.used - 1]
    }
}

/// One question in flight.
struct Pending<'a> {
    tag: Tag<'a>,
    /// With `single-request`, it waits for the earlier questions of its group.
    group: u32,
    slots: SmallVec<[Slot; MAXNS]>,
    result: Option<Result<Response>>,
    /// It was asked (or failed to be).
    started: bool,
    /// The caller needed it no more ([`resolve_until`]): no result, no timeout.
    cancelled: bool,
}

impl<'a> Pending<'a> {
    /// A question not asked yet.
    fn new(tag: Tag<'a>, group: u32) -> Pending<'a> {
        Pending {
            tag,
            group,
            slots: SmallVec::new(),
            result: None,
            started: false,
            cancelled: false,
        }
    }

    /// Whether it has its result, or never will (cancelled).
    fn done(&self) -> bool {
        self.result.is_some() || self.cancelled
    }

    /// Asks the question to every server (the slots are built in place: a `Pending` is large
    /// and is not moved once in its list).
    fn start(&mut self, servers: &[SocketAddr], policy: &Policy, ids: &mut Ids) {
        self.started = true;
        let tag = self.tag;
        let (edns, tcp) = match tag.source {
            Source::Built { .. } => {
                if let Err(e) = crate::wire::check_name(tag.name) {
                    self.result = Some(Err(e));
                    return;
                }
                (policy.edns0, policy.use_vc)
            }
            Source::Fixed { message, plain } => (
                plain.is_some(),
                policy.use_vc || message.len() > MAX_UDP_QUERY,
            ),
        };
        for server in servers {
            match Slot::open(&tag, *server, edns, tcp, ids.next()) {
                Ok(slot) => self.slots.push(slot),
                Err(e) => return self.finish(Err(e)),
            }
        }
    }

    /// When some of this question's servers wait for a descriptor, the ones asked over UDP
    /// so far give theirs up and wait in turn, behind the others: with few descriptors the
    /// servers are asked one after the other, a period each, and a silent one does not keep
    /// the others from being asked.
    fn take_turns(&mut self) {
        if !self.slots.iter().any(Slot::waiting) {
            return;
        }
        for s in self.slots.iter_mut() {
            s.park();
        }
        // Stable: the ones that waited first keep their order, ahead of the parked ones.
        self.slots.sort_by_key(Slot::parked);
    }

    fn finish(&mut self, r: Result<Response>) {
        self.result = Some(r);
        // Closes every socket of this question.
        self.slots.clear();
    }

    /// When every server has failed, the question's error (with [`Accept::AnyRcode`], a
    /// SERVFAIL answer if a server gave one: the caller tells it apart by its code).
    fn settle(&mut self) {
        if self.started && !self.done() && self.slots.iter().all(|s| s.failure().is_some()) {
            if let Some(a) = self.slots.iter_mut().rev().find_map(|s| s.servfail.take()) {
                return self.finish(Ok(*a));
            }
            let err = aggregate(self.slots.iter().filter_map(Slot::failure));
            self.finish(Err(err));
        }
    }

    /// Needed no more: its sockets closed, no result.
    fn cancel(&mut self) {
        self.cancelled = true;
        self.slots.clear();
    }

    /// The result once the loop is over: what it got, or a timeout (also for a question never
    /// started: no time was left for it); `None` when cancelled.
    fn take_result(&mut self) -> Option<Result<Response>> {
        if self.cancelled {
            return None;
        }
        self.settle();
        Some(match self.result.take() {
            Some(r) => r,
            None => {
                for s in &self.slots {
                    s.trace_timeout(&self.tag);
                }
                Err(Error::TryAgain)
            }
        })
    }
}

/// The results of [`resolve_until`]: `None` for a question cancelled before it had one.
pub type Partial = SmallVec<[Option<Result<Response>>; 2]>;

/// What [`resolve_until`]'s caller is shown each time a question has its final result: every
/// question's result so far (`None`: none yet), in order; `true` ends the exchange.
pub type Enough<'f> = dyn FnMut(&[Option<&Result<Response>>]) -> bool + 'f;

/// Asks every question to the servers of `policy` and returns one result per question, in
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
pub fn resolve(questions: &[Question<'_>], policy: &Policy) -> Results {
    let tags = built(questions, policy);
    let groups: SmallVec<[u32; 2]> = tags.iter().map(|_| 0).collect();
    run(&tags, &groups, policy, None)
        .into_iter()
        .map(|r| r.unwrap_or(Err(Error::TryAgain)))
        .collect()
}

/// [`resolve`], ending as soon as `enough` says the results so far are all the caller needs
/// (it is called each time a question has its final result; with servers one after the
/// other, a failure is final only after the last server): the questions without a result then
/// are cancelled, their sockets closed, and come back as `None`. `groups[i]` is question
/// `i`'s group: with `options single-request`, a question waits for the earlier questions of
/// its group only (A then AAAA of one name, the names at once). This is how the search list
/// is asked at once (`options dnsshim-parallel-search`).
pub fn resolve_until(
    questions: &[Question<'_>],
    groups: &[u32],
    policy: &Policy,
    enough: &mut Enough<'_>,
) -> Partial {
    let tags = built(questions, policy);
    let groups: SmallVec<[u32; 8]> = (0..tags.len())
        .map(|i| groups.get(i).copied().unwrap_or(0))
        .collect();
    run(&tags, &groups, policy, Some(enough))
}

/// The exchanges of `questions`, each a query built here under `policy`.
fn built<'q>(questions: &[Question<'q>], policy: &Policy) -> SmallVec<[Tag<'q>; 2]> {
    let log = trace::enabled() || policy.debug;
    let source = Source::Built {
        ad: policy.trust_ad,
        edns_payload: policy.edns_payload,
    };
    questions
        .iter()
        .map(|q| Tag {
            name: q.name,
            qtype: q.qtype,
            log,
            source,
            any_rcode: false,
        })
        .collect()
}

/// Sends `message` (a whole DNS query, ID included) as it is to the servers of `policy`, as
/// `res_send` does: over TCP from the start when it is longer than 512 bytes or with
/// `use-vc`, else UDP then TCP on truncation. `plain`, when given, is the same query without
/// its OPT record, sent instead to a server that answered FORMERR. The answer must match the
/// message's ID and question. Errors as for [`resolve`]; `accept` says which response codes
/// are answers.
pub fn send(
    message: &[u8],
    plain: Option<&[u8]>,
    policy: &Policy,
    accept: Accept,
) -> Result<Response> {
    let log = trace::enabled() || policy.debug;
    let (name, qtype) = if log {
        question_of(message)
    } else {
        (String::new(), 0)
    };
    let tag = Tag {
        name: &name,
        qtype,
        log,
        source: Source::Fixed { message, plain },
        any_rcode: accept == Accept::AnyRcode,
    };
    run(&[tag], &[0], policy, None)
        .pop()
        .flatten()
        .unwrap_or(Err(Error::Fail))
}

/// Name and type of a message's question, for log lines.
fn question_of(message: &[u8]) -> (String, u16) {
    crate::wire::Message::header_only(message)
        .and_then(|m| {
            m.question()
                .map(|(name, qtype, _)| (crate::wire::name_to_string(&name), qtype))
        })
        .unwrap_or_else(|| ("?".to_string(), 0))
}

/// Per-call rotation counter (glibc `nameserver_offset`: a process-wide counter).
static ROTATION: AtomicU32 = AtomicU32::new(0);

/// The index of the first server for this call: 0 without `rotate`; with it, a counter that
/// moves on by one per call, starting at a random value.
fn first_server(policy: &Policy) -> usize {
    let n = policy.servers.len();
    if !policy.rotate || n < 2 {
        return 0;
    }
    // The low bit says "initialised"; the value is in the other bits (as glibc does it).
    let mut v = ROTATION.fetch_add(2, Ordering::Relaxed);
    if v & 1 == 0 {
        v = u32::from(crate::sys::random_id()) << 1;
        ROTATION.store((v | 1).wrapping_add(2), Ordering::Relaxed);
    }
    (v >> 1) as usize % n
}

/// glibc `send_dg`'s share of the time for the server at index `ns` of `n`:
/// `(timeout << ns) / n` for all but the first, at least one second.
fn in_order_period(timeout: Duration, ns: usize, n: usize) -> Duration {
    if ns == 0 || n < 2 {
        return timeout;
    }
    let shifted = timeout.checked_mul(1u32 << ns.min(16)).unwrap_or(timeout);
    (shifted / n as u32).max(Duration::from_secs(1).min(timeout))
}

/// Runs the exchanges of `tags` under `policy`: all servers at once, or one after the other;
/// until `enough` says so, when given (see [`resolve_until`]).
fn run(
    tags: &[Tag<'_>],
    groups: &[u32],
    policy: &Policy,
    mut enough: Option<&mut Enough<'_>>,
) -> Partial {
    let first = first_server(policy);
    let n = policy.servers.len();
    if !policy.in_order || n < 2 {
        // All at once; with rotate, the packets leave in the rotated order.
        let servers: Servers = (0..n).map(|k| policy.servers[(first + k) % n]).collect();
        let round = Round {
            servers: &servers,
            period: policy.timeout,
            attempts: policy.attempts,
            errors_final: true,
        };
        return run_round(tags, groups, policy, &round, enough);
    }
    let mut results: Vec<Option<Result<Response>>> = tags.iter().map(|_| None).collect();
    let mut failures: Vec<Vec<Error>> = tags.iter().map(|_| Vec::new()).collect();
    // With Accept::AnyRcode a SERVFAIL answer sends us on to the next server; the last one is
    // the result if no server answers.
    let mut servfail: Vec<Option<Response>> = tags.iter().map(|_| None).collect();
    let mut cancelled = false;
    'rounds: for _attempt in 0..policy.attempts.max(1) {
        for k in 0..n {
            let ns = (first + k) % n;
            let open: Vec<usize> = (0..tags.len()).filter(|&i| results[i].is_none()).collect();
            if open.is_empty() {
                break 'rounds;
            }
            let sub: Vec<Tag<'_>> = open.iter().map(|&i| tags[i]).collect();
            let sub_groups: Vec<u32> = open.iter().map(|&i| groups[i]).collect();
            let round = Round {
                servers: &policy.servers[ns..=ns],
                period: in_order_period(policy.timeout, ns, n),
                attempts: 1,
                errors_final: false,
            };
            // The caller sees the answers of the earlier rounds with this round's.
            let got = match enough.as_deref_mut() {
                None => run_round(&sub, &sub_groups, policy, &round, None),
                Some(enough) => {
                    let mut view = |now: &[Option<&Result<Response>>]| {
                        let mut all: SmallVec<[Option<&Result<Response>>; 8]> =
                            results.iter().map(Option::as_ref).collect();
                        for (&i, r) in open.iter().zip(now) {
                            all[i] = *r;
                        }
                        enough(&all)
                    };
                    run_round(&sub, &sub_groups, policy, &round, Some(&mut view))
                }
            };
            for (i, r) in open.into_iter().zip(got) {
                match r {
                    None => cancelled = true,
                    Some(Ok(a)) if tags[i].any_rcode && a.rcode == crate::wire::rcode::SERVFAIL => {
                        failures[i].push(Error::TryAgain);
                        servfail[i] = Some(a);
                    }
                    Some(Ok(a)) => results[i] = Some(Ok(a)),
                    // An invalid name is never sent anywhere.
                    Some(Err(Error::NotFound)) => results[i] = Some(Err(Error::NotFound)),
                    Some(Err(e)) => failures[i].push(e),
                }
            }
            if cancelled {
                break 'rounds;
            }
        }
    }
    results
        .into_iter()
        .zip(failures)
        .zip(servfail)
        .map(|((r, f), sf)| match r {
            Some(r) => Some(r),
            None if cancelled => None,
            None => Some(sf.map(Ok).unwrap_or_else(|| Err(worst(&f)))),
        })
        .collect()
}

/// The error of a question that every server (and attempt) failed, by the same precedence as
/// [`aggregate`]: temporary, then permanent, then a system error.
fn worst(errors: &[Error]) -> Error {
    if errors.is_empty() || errors.contains(&Error::TryAgain) {
        return Error::TryAgain;
    }
    if errors.contains(&Error::Fail) {
        return Error::Fail;
    }
    errors[0]
}

/// Starts the slots that wait for a descriptor, in order (questions, then servers, those of
/// the servers in `answered` first: they answered another question of this call), until
/// `socket` fails again. When no slot has a socket left and none can get one, every waiting
/// slot fails with that errno: a call ends with `EMFILE` only when not even one socket could
/// be had. Whether any slot started or gave up.
fn resume_waiting(pending: &mut [Pending<'_>], answered: &[SocketAddr]) -> bool {
    if !pending.iter().any(|p| p.slots.iter().any(Slot::waiting)) {
        return false;
    }
    let mut changed = false;
    let mut short = None;
    'resume: for p in pending.iter_mut().filter(|p| p.result.is_none()) {
        let tag = p.tag;
        let known = |s: &Slot| !answered.contains(&s.server);
        p.slots.sort_by_key(known);
        for slot in p.slots.iter_mut().filter(|s| s.waiting()) {
            match slot.resume(&tag) {
                Ok(()) => changed = true,
                Err(e) => {
                    short = Some(e);
                    break 'resume;
                }
            }
        }
    }
    let Some(errno) = short else {
        return changed;
    };
    let live = pending
        .iter()
        .filter(|p| p.result.is_none())
        .any(|p| p.slots.iter().any(|s| s.poll_entry().is_some()));
    if !live {
        for p in pending.iter_mut().filter(|p| p.result.is_none()) {
            p.slots.iter_mut().for_each(|s| s.give_up(errno));
        }
        return true;
    }
    changed
}

/// Where and how long one poll loop asks.
struct Round<'s> {
    servers: &'s [SocketAddr],
    /// UDP is retransmitted every `period`; the loop ends after `period × attempts`.
    period: Duration,
    attempts: u32,
    /// A failure is a question's final result (all servers at once), not only an answer
    /// (servers one after the other: the next server may answer).
    errors_final: bool,
}

/// One poll loop: every question of `tags` to every server of the round at once (UDP
/// retransmitted every period, the whole loop ending after `period × attempts`). With
/// `single_request`, a question is asked only once the earlier ones of its group have their
/// result. With `enough`, it is shown the final results each time a question has one, and
/// ends the loop when it says so (the questions still open come back as `None`).
fn run_round(
    tags: &[Tag<'_>],
    groups: &[u32],
    policy: &Policy,
    round: &Round<'_>,
    mut enough: Option<&mut Enough<'_>>,
) -> Partial {
    let servers = round.servers;
    let mut schedule = Schedule::new(Instant::now(), round.period, round.attempts);
    let mut ids = Ids::default();
    let mut pending: SmallVec<[Pending<'_>; 2]> = tags
        .iter()
        .zip(groups)
        .map(|(t, g)| Pending::new(*t, *g))
        .collect();
    // How many questions had their final result when `enough` last looked.
    let mut shown = 0;
    // One entry per live slot (one socket each); inline for two questions to three servers.
    let mut fds: SmallVec<[PollFd; 2 * MAXNS]> = SmallVec::new();
    let mut owners: SmallVec<[(usize, usize); 2 * MAXNS]> = SmallVec::new();
    // Servers that answered a question (the first to ask when descriptors are few).
    let mut answered: Servers = Servers::new();

    loop {
        // Start the questions that may start now: all of them, or each once every earlier
        // one of its group is done (single-request).
        for i in 0..pending.len() {
            let group = pending[i].group;
            let blocked =
                policy.single_request && pending[..i].iter().any(|p| p.group == group && !p.done());
            let p = &mut pending[i];
            if p.started || p.done() || blocked {
                continue;
            }
            p.start(servers, policy, &mut ids);
            if p.result.is_none() && p.slots.is_empty() {
                p.finish(Err(Error::TryAgain)); // no server at all
            }
        }
        pending.iter_mut().for_each(Pending::settle);
        if crate::oom::failed() {
            // Out of memory (the reserve served it): the call fails as such, no more traffic.
            for p in pending.iter_mut().filter(|p| !p.done()) {
                p.finish(Err(Error::Memory));
            }
            break;
        }
        if let Some(enough) = enough.as_deref_mut() {
            fn is_final<'p>(p: &'p Pending<'_>, errors: bool) -> Option<&'p Result<Response>> {
                p.result.as_ref().filter(|r| errors || r.is_ok())
            }
            let errors = round.errors_final;
            let now = pending
                .iter()
                .filter(|p| is_final(p, errors).is_some())
                .count();
            if now > shown {
                shown = now;
                let view: SmallVec<[Option<&Result<Response>>; 8]> =
                    pending.iter().map(|p| is_final(p, errors)).collect();
                let stop = enough(&view);
                drop(view);
                if stop {
                    pending
                        .iter_mut()
                        .filter(|p| !p.done())
                        .for_each(Pending::cancel);
                    break;
                }
            }
        }
        if pending.iter().all(Pending::done) {
            break;
        }
        if pending.iter().all(|p| p.done() || !p.started) {
            continue; // single-request: the next question starts now
        }
        let now = Instant::now();
        if now >= schedule.deadline() {
            break;
        }
        if schedule.retransmit_due(now) {
            for p in pending.iter_mut().filter(|p| p.started && !p.done()) {
                let tag = p.tag;
                p.take_turns();
                p.slots.iter_mut().for_each(|s| s.send_udp(&tag));
            }
            continue; // a send may have failed a slot: settle again
        }

        if resume_waiting(&mut pending, &answered) {
            continue; // a slot started, or gave up: settle again
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
        match poll(&mut fds, schedule.poll_timeout(now)) {
            Ok(0) => continue,
            Ok(_) => {}
            // Interrupted by a signal: recompute the remaining time and wait again.
            Err(EINTR) => continue,
            Err(e) => {
                for p in pending.iter_mut().filter(|p| p.result.is_none()) {
                    p.finish(Err(Error::System(e)));
                }
                break;
            }
        }
        for (pfd, &(qi, si)) in fds.iter().zip(&owners) {
            if !pfd.ready() {
                continue;
            }
            let Some(p) = pending.get_mut(qi) else {
                continue;
            };
            if p.result.is_some() {
                continue; // answered by another server in this same round
            }
            let tag = p.tag;
            let mut buf = RecvBuf::take(MAX_MESSAGE + 1);
            let Some(slot) = p.slots.get_mut(si) else {
                continue;
            };
            if let Some(r) = slot.on_ready(&tag, &mut buf) {
                if !answered.contains(&slot.server) {
                    answered.push(slot.server);
                }
                p.finish(Ok(r));
            }
        }
    }
    pending.iter_mut().map(Pending::take_result).collect()
}
