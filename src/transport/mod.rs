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

/// Where a question of one poll loop stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not asked yet (`single-request`: it waits for the earlier questions of its group).
    Unasked,
    /// Asked: its slots are live, waiting or failed.
    Asked,
    /// It has its result (in the loop's `out`); its sockets are closed.
    Done,
    /// The caller needed it no more ([`resolve_until`]): no result, no timeout.
    Cancelled,
}

/// One question in flight. Its slots (one per server) are `slots[first..end]` of the loop's
/// one list of slots (all of them inline for two questions to three servers): a question is
/// small and nothing large is moved while the loop runs.
#[derive(Clone, Copy)]
struct Pending<'a> {
    tag: Tag<'a>,
    /// With `single-request`, it waits for the earlier questions of its group.
    group: u32,
    first: usize,
    end: usize,
    state: State,
}

impl Pending<'_> {
    /// Whether it has its result, or never will (cancelled).
    fn done(&self) -> bool {
        matches!(self.state, State::Done | State::Cancelled)
    }

    fn slots(&self) -> std::ops::Range<usize> {
        self.first..self.end
    }
}

/// The slots of every question of one poll loop.
type Slots = SmallVec<[Slot; 2 * MAXNS]>;

/// Asks question `p` to every server: its slots are added at the end of `slots`, each built in
/// place. The query is built once, in the first server's slot, and copied for the other
/// servers with their own IDs.
fn start(
    question: usize,
    p: &mut Pending<'_>,
    slots: &mut Slots,
    out: &mut Result<Response>,
    servers: &[SocketAddr],
    policy: &Policy,
    ids: &mut Ids,
) {
    p.state = State::Asked;
    p.first = slots.len();
    p.end = p.first;
    let tag = &p.tag;
    let (edns, tcp) = match tag.source {
        Source::Built { .. } => (policy.edns0, policy.use_vc),
        Source::Fixed { message, plain } => (
            plain.is_some(),
            policy.use_vc || message.len() > MAX_UDP_QUERY,
        ),
    };
    let first = p.first;
    for (k, server) in servers.iter().enumerate() {
        let id = ids.next();
        slots.push(Slot::new(question, *server, edns));
        let made = match slots.split_last_mut() {
            // The query is made in the first server's slot, in place, and copied from there.
            Some((slot, _)) if k == 0 => slot.make_query(tag, id),
            Some((slot, earlier)) => {
                if let Some(made) = earlier.get(first) {
                    slot.copy_query(made, id);
                }
                Ok(())
            }
            None => Ok(()),
        };
        if let Err(e) = made {
            // An invalid name is never sent anywhere (`Error::NotFound`).
            slots.truncate(first);
            return finish(p, slots, out, Err(e));
        }
        if let Some(slot) = slots.last_mut() {
            slot.start(tag, tcp);
        }
    }
    p.end = slots.len();
    if servers.is_empty() {
        // No server at all (an invalid name is still `Error::NotFound`).
        let mut probe = Slot::new(question, DEFAULT_SERVER, edns);
        let r = probe.make_query(tag, 0).and(Err(Error::TryAgain));
        finish(p, slots, out, r);
    }
}

/// `p` has its result `r`: every socket of the question is closed.
fn finish(
    p: &mut Pending<'_>,
    slots: &mut [Slot],
    out: &mut Result<Response>,
    r: Result<Response>,
) {
    *out = r;
    p.state = State::Done;
    close(p, slots);
}

/// Closes the sockets of question `p`.
fn close(p: &Pending<'_>, slots: &mut [Slot]) {
    if let Some(own) = slots.get_mut(p.slots()) {
        own.iter_mut().for_each(Slot::close);
    }
}

/// When some of the servers of question `p` wait for a descriptor, the ones asked over UDP
/// so far give theirs up and wait in turn, behind the others: with few descriptors the
/// servers are asked one after the other, a period each, and a silent one does not keep
/// the others from being asked.
fn take_turns(own: &mut [Slot]) {
    if !own.iter().any(Slot::waiting) {
        return;
    }
    for s in own.iter_mut() {
        s.park();
    }
    // Stable: the ones that waited first keep their order, ahead of the parked ones.
    own.sort_by_key(Slot::parked);
}

/// When every server of asked question `p` has failed, the question's error (with
/// [`Accept::AnyRcode`], a SERVFAIL answer if a server gave one: the caller tells it apart by
/// its code).
#[inline]
fn settle(p: &mut Pending<'_>, slots: &mut [Slot], out: &mut Result<Response>) {
    if p.state != State::Asked {
        return;
    }
    let Some(own) = slots.get_mut(p.slots()) else {
        return;
    };
    if !own.iter().all(|s| s.failure().is_some()) {
        return;
    }
    let r = match own.iter_mut().rev().find_map(|s| s.servfail.take()) {
        Some(a) => Ok(*a),
        None => Err(aggregate(own.iter().filter_map(Slot::failure))),
    };
    finish(p, slots, out, r);
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
    let mut out = Results::new();
    resolve_into(questions, policy, &mut out);
    out
}

/// [`resolve`] into the caller's `out` (what it held before is dropped): the results are
/// built where the caller keeps them, never copied on the way back (a result is large).
pub fn resolve_into(questions: &[Question<'_>], policy: &Policy, out: &mut Results) {
    let mut pending = SmallVec::new();
    asked(questions, policy, &mut pending);
    out.clear();
    for _ in questions {
        out.push(Err(Error::TryAgain));
    }
    run(&mut pending, policy, None, out, &mut []);
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
    let mut pending = SmallVec::new();
    asked(questions, policy, &mut pending);
    for (p, g) in pending.iter_mut().zip(groups) {
        p.group = *g;
    }
    let mut out: Results = questions.iter().map(|_| Err(Error::TryAgain)).collect();
    let mut cancelled: SmallVec<[bool; 8]> = SmallVec::from_elem(false, questions.len());
    run(&mut pending, policy, Some(enough), &mut out, &mut cancelled);
    out.into_iter()
        .zip(cancelled)
        .map(|(r, c)| (!c).then_some(r))
        .collect()
}

/// The questions of one call, each a query built here under `policy`, not asked yet (all in
/// group 0), added to `pending`.
fn asked<'q>(
    questions: &[Question<'q>],
    policy: &Policy,
    pending: &mut SmallVec<[Pending<'q>; 2]>,
) {
    let log = trace::enabled() || policy.debug;
    let source = Source::Built {
        ad: policy.trust_ad,
        edns_payload: policy.edns_payload,
    };
    for q in questions {
        pending.push(Pending::new(Tag {
            name: q.name,
            qtype: q.qtype,
            log,
            source,
            any_rcode: false,
        }));
    }
}

impl<'a> Pending<'a> {
    /// A question not asked yet, in group 0.
    fn new(tag: Tag<'a>) -> Pending<'a> {
        Pending {
            tag,
            group: 0,
            first: 0,
            end: 0,
            state: State::Unasked,
        }
    }
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
    let mut out = [Err(Error::TryAgain)];
    run(&mut [Pending::new(tag)], policy, None, &mut out, &mut []);
    let [r] = out;
    r
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

/// Runs the exchanges of `pending` (not asked yet) under `policy`: all servers at once, or one
/// after the other; until `enough` says so, when given (see [`resolve_until`]). `out[i]` is
/// question `i`'s result (`Err(TryAgain)` on entry: what a question gets when time runs out);
/// `cancelled[i]` (when given: empty otherwise) is set when it was cancelled.
fn run(
    pending: &mut [Pending<'_>],
    policy: &Policy,
    mut enough: Option<&mut Enough<'_>>,
    out: &mut [Result<Response>],
    cancelled: &mut [bool],
) {
    let first = first_server(policy);
    let n = policy.servers.len();
    if !policy.in_order || n < 2 {
        // All at once; with rotate, the packets leave in the rotated order.
        let rotated: Servers;
        let servers = if first == 0 {
            &policy.servers[..]
        } else {
            rotated = (0..n).map(|k| policy.servers[(first + k) % n]).collect();
            &rotated[..]
        };
        let round = Round {
            servers,
            period: policy.timeout,
            attempts: policy.attempts,
            errors_final: true,
        };
        return run_round(pending, policy, &round, enough, out, cancelled);
    }
    let count = pending.len();
    let mut answered: SmallVec<[bool; 8]> = SmallVec::from_elem(false, count);
    let mut failures: Vec<Vec<Error>> = (0..count).map(|_| Vec::new()).collect();
    // With Accept::AnyRcode a SERVFAIL answer sends us on to the next server; the last one is
    // the result if no server answers.
    let mut servfail: Vec<Option<Response>> = (0..count).map(|_| None).collect();
    let mut stopped = false;
    'rounds: for _attempt in 0..policy.attempts.max(1) {
        for k in 0..n {
            let ns = (first + k) % n;
            let open: SmallVec<[usize; 8]> = (0..count).filter(|&i| !answered[i]).collect();
            if open.is_empty() {
                break 'rounds;
            }
            let mut sub: SmallVec<[Pending<'_>; 8]> = open.iter().map(|&i| pending[i]).collect();
            let mut got: Results = open.iter().map(|_| Err(Error::TryAgain)).collect();
            let mut sub_cancelled: SmallVec<[bool; 8]> = SmallVec::from_elem(false, open.len());
            let round = Round {
                servers: &policy.servers[ns..=ns],
                period: in_order_period(policy.timeout, ns, n),
                attempts: 1,
                errors_final: false,
            };
            // The caller sees the answers of the earlier rounds with this round's.
            match enough.as_deref_mut() {
                None => run_round(&mut sub, policy, &round, None, &mut got, &mut sub_cancelled),
                Some(enough) => {
                    let earlier = &*out;
                    let answered = &answered;
                    let mut view = |now: &[Option<&Result<Response>>]| {
                        let mut all: SmallVec<[Option<&Result<Response>>; 8]> = earlier
                            .iter()
                            .zip(answered)
                            .map(|(r, &a)| a.then_some(r))
                            .collect();
                        for (&i, r) in open.iter().zip(now) {
                            all[i] = *r;
                        }
                        enough(&all)
                    };
                    let view: &mut Enough<'_> = &mut view;
                    run_round(
                        &mut sub,
                        policy,
                        &round,
                        Some(view),
                        &mut got,
                        &mut sub_cancelled,
                    )
                }
            }
            for ((&i, r), c) in open.iter().zip(got).zip(sub_cancelled) {
                if c {
                    stopped = true;
                    continue;
                }
                match r {
                    Ok(a)
                        if pending[i].tag.any_rcode && a.rcode == crate::wire::rcode::SERVFAIL =>
                    {
                        failures[i].push(Error::TryAgain);
                        servfail[i] = Some(a);
                    }
                    // An invalid name is never sent anywhere.
                    Ok(_) | Err(Error::NotFound) => {
                        out[i] = r;
                        answered[i] = true;
                    }
                    Err(e) => failures[i].push(e),
                }
            }
            if stopped {
                break 'rounds;
            }
        }
    }
    for (i, (f, sf)) in failures.into_iter().zip(servfail).enumerate() {
        if answered[i] {
            continue;
        }
        if stopped {
            if let Some(c) = cancelled.get_mut(i) {
                *c = true;
            }
            continue;
        }
        out[i] = sf.map(Ok).unwrap_or_else(|| Err(worst(&f)));
    }
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
fn resume_waiting(pending: &[Pending<'_>], slots: &mut [Slot], answered: &[SocketAddr]) -> bool {
    if !slots.iter().any(Slot::waiting) {
        return false;
    }
    let mut changed = false;
    let mut short = None;
    'resume: for p in pending.iter().filter(|p| p.state == State::Asked) {
        let Some(own) = slots.get_mut(p.slots()) else {
            continue;
        };
        let known = |s: &Slot| !answered.contains(&s.server);
        own.sort_by_key(known);
        for slot in own.iter_mut().filter(|s| s.waiting()) {
            match slot.resume(&p.tag) {
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
    // Slots of questions that are done are closed: no socket, not waiting.
    if !slots.iter().any(|s| s.poll_entry().is_some()) {
        slots.iter_mut().for_each(|s| s.give_up(errno));
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

/// One poll loop: every question of `pending` (not asked yet) to every server of the round at
/// once (UDP retransmitted every period, the whole loop ending after `period × attempts`).
/// With `single_request`, a question is asked only once the earlier ones of its group have
/// their result. With `enough`, it is shown the final results each time a question has one,
/// and ends the loop when it says so (the questions still open are cancelled). Results go to
/// `out` (left at `Err(TryAgain)` for a question that times out), cancellations to
/// `cancelled` (when not empty).
fn run_round(
    pending: &mut [Pending<'_>],
    policy: &Policy,
    round: &Round<'_>,
    mut enough: Option<&mut Enough<'_>>,
    out: &mut [Result<Response>],
    cancelled: &mut [bool],
) {
    let servers = round.servers;
    // Started at the first clock read, once the first queries are out.
    let mut schedule: Option<Schedule> = None;
    let mut ids = Ids::default();
    let mut slots = Slots::new();
    // Questions not asked yet.
    let mut unasked = pending.len();
    // How many questions had their final result when `enough` last looked.
    let mut shown = 0;
    // One entry per live slot (one socket each); inline for two questions to three servers.
    let mut fds: SmallVec<[PollFd; 2 * MAXNS]> = SmallVec::new();
    // The slot of each entry of `fds`.
    let mut owners: SmallVec<[usize; 2 * MAXNS]> = SmallVec::new();
    // Servers that answered a question (the first to ask when descriptors are few).
    let mut answered: Servers = Servers::new();
    // The receive buffer, taken from the pool at the first readable socket.
    let mut buf: Option<RecvBuf> = None;

    loop {
        // Start the questions that may start now: all of them, or each once every earlier
        // one of its group is done (single-request).
        if unasked > 0 {
            for i in 0..pending.len() {
                if pending[i].state != State::Unasked {
                    continue;
                }
                let group = pending[i].group;
                if policy.single_request
                    && pending[..i].iter().any(|p| p.group == group && !p.done())
                {
                    continue;
                }
                unasked -= 1;
                start(
                    i,
                    &mut pending[i],
                    &mut slots,
                    &mut out[i],
                    servers,
                    policy,
                    &mut ids,
                );
            }
        }
        for (p, r) in pending.iter_mut().zip(out.iter_mut()) {
            settle(p, &mut slots, r);
        }
        if crate::oom::failed() {
            // Out of memory (the reserve served it): the call fails as such, no more traffic.
            for (p, r) in pending.iter_mut().zip(out.iter_mut()) {
                if !p.done() {
                    finish(p, &mut slots, r, Err(Error::Memory));
                }
            }
            break;
        }
        if let Some(enough) = enough.as_deref_mut() {
            let errors = round.errors_final;
            let is_final = |p: &Pending<'_>, r: &Result<Response>| {
                p.state == State::Done && (errors || r.is_ok())
            };
            let now = pending
                .iter()
                .zip(out.iter())
                .filter(|(p, r)| is_final(p, r))
                .count();
            if now > shown {
                shown = now;
                let view: SmallVec<[Option<&Result<Response>>; 8]> = pending
                    .iter()
                    .zip(out.iter())
                    .map(|(p, r)| is_final(p, r).then_some(r))
                    .collect();
                let stop = enough(&view);
                drop(view);
                if stop {
                    for (i, p) in pending.iter_mut().enumerate() {
                        if !p.done() {
                            p.state = State::Cancelled;
                            close(p, &mut slots);
                            if let Some(c) = cancelled.get_mut(i) {
                                *c = true;
                            }
                        }
                    }
                    break;
                }
            }
        }
        let mut open = false;
        let mut asked = false;
        for p in pending.iter() {
            open |= !p.done();
            asked |= p.state == State::Asked;
        }
        if !open {
            break;
        }
        if !asked {
            continue; // single-request: the next question starts now
        }
        let now = Instant::now();
        let schedule =
            schedule.get_or_insert_with(|| Schedule::new(now, round.period, round.attempts));
        if now >= schedule.deadline() {
            break;
        }
        if schedule.retransmit_due(now) {
            for p in pending.iter().filter(|p| p.state == State::Asked) {
                if let Some(own) = slots.get_mut(p.slots()) {
                    take_turns(own);
                    own.iter_mut().for_each(|s| s.send_udp(&p.tag));
                }
            }
            continue; // a send may have failed a slot: settle again
        }

        if resume_waiting(pending, &mut slots, &answered) {
            continue; // a slot started, or gave up: settle again
        }

        fds.clear();
        owners.clear();
        // The slots of the questions that are done are closed.
        for (si, slot) in slots.iter().enumerate() {
            if let Some(pfd) = slot.poll_entry() {
                fds.push(pfd);
                owners.push(si);
            }
        }
        match poll(&mut fds, schedule.poll_timeout(now)) {
            Ok(0) => continue,
            Ok(_) => {}
            // Interrupted by a signal: recompute the remaining time and wait again.
            Err(EINTR) => continue,
            Err(e) => {
                for (p, r) in pending.iter_mut().zip(out.iter_mut()) {
                    if !p.done() {
                        finish(p, &mut slots, r, Err(Error::System(e)));
                    }
                }
                break;
            }
        }
        for (pfd, &si) in fds.iter().zip(&owners) {
            if !pfd.ready() {
                continue;
            }
            let Some(slot) = slots.get_mut(si) else {
                continue;
            };
            let qi = slot.question;
            let (Some(p), Some(r)) = (pending.get_mut(qi), out.get_mut(qi)) else {
                continue;
            };
            if p.state != State::Asked {
                continue; // answered by another server in this same round
            }
            let buf = buf.get_or_insert_with(|| RecvBuf::take(MAX_MESSAGE + 1));
            if slot.on_ready(&p.tag, buf, r) {
                if !answered.contains(&slot.server) {
                    answered.push(slot.server);
                }
                p.state = State::Done;
                close(p, &mut slots);
            }
        }
    }
    // A question still open timed out (also one never asked: no time was left for it).
    for (p, r) in pending.iter_mut().zip(out.iter_mut()) {
        settle(p, &mut slots, r);
        if p.state == State::Asked {
            for s in &slots[p.slots()] {
                s.trace_timeout(&p.tag);
            }
        }
    }
}
