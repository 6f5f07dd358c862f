//! How a lookup asks DNS: through [`Ask`], the one door from the lookup flows to the
//! nameservers. [`Servers`] goes to them (through the answer cache when it is on: [`cache`]);
//! [`search`] runs a walk of the search list either as it is, one candidate after the other,
//! or with every candidate asked at once (`options dnsshim-parallel-search`).
//!
//! **The parallel walk.** A walk is the libc's own search-list code, given an [`Ask`]: it
//! asks a candidate's questions, reads the answers by that libc's rules, and goes on or stops.
//! [`search`] runs it three ways, so that the rules are written once and the result is
//! always the one the sequential walk gives:
//! 1. *recording*: every question answered NXDOMAIN. The walk then asks every candidate, the
//!    most a sequential walk ever sends (when every candidate fails); these questions, and no
//!    others, make the batch;
//! 2. *asked at once*: the batch goes out together (one socket per question, as always;
//!    `single-request` still orders A and AAAA of one name), and each time a question has its
//!    final answer the walk runs again on the answers so far (*peeking*). As soon as it
//!    reaches its end touching only questions that have their final answers, nothing else
//!    can change its result: the exchange ends and the questions still open are cancelled.
//!    So a later candidate's answer counts only once every earlier one is definitively
//!    negative, by the walk's own rules (musl: NXDOMAIN; glibc's dns module: also NODATA);
//!    timeouts count when the deadline has passed, as in the sequential walk;
//! 3. *reading*: the walk runs on the batch's answers for its result. (A question it asks
//!    that the batch did not hold is asked on the spot: never needed, never wrong.)

use crate::cache;
use crate::config::{self, ResolvConf};
use crate::transport::{self, Policy, Question, Results};
use crate::wire::{self, rcode, Message, Response};
use crate::{Error, Result};
use smallvec::SmallVec;

/// Asks DNS questions: one result per question, in order, as [`transport::resolve`] gives
/// them (an answer is NOERROR or NXDOMAIN; a failure an [`Error`]).
pub trait Ask {
    /// The results into `out` (what it held before is dropped): built where the caller keeps
    /// them, never copied on the way back (a result is large).
    fn ask_into(&mut self, questions: &[Question<'_>], out: &mut Results);

    /// [`Ask::ask_into`] a new list.
    fn ask(&mut self, questions: &[Question<'_>]) -> Results {
        let mut out = Results::new();
        self.ask_into(questions, &mut out);
        out
    }
}

/// The nameservers of a policy, through the answer cache when it is on.
#[derive(Debug, Clone)]
pub struct Servers<'p> {
    policy: &'p Policy,
    /// The cache's longest TTL, `None` when it is off.
    cache: Option<u32>,
}

impl<'p> Servers<'p> {
    /// `policy`'s servers, with the cache when `conf` (and the environment) turn it on.
    pub fn new(conf: &ResolvConf, policy: &'p Policy) -> Servers<'p> {
        Servers {
            policy,
            cache: config::cache_max_ttl(conf),
        }
    }
}

impl Ask for Servers<'_> {
    fn ask_into(&mut self, questions: &[Question<'_>], out: &mut Results) {
        match self.cache {
            Some(max_ttl) => *out = cache::shared().resolve(questions, self.policy, max_ttl),
            None => transport::resolve_into(questions, self.policy, out),
        }
    }
}

/// Runs `walk`, a walk of the search list, asking through `servers`: one candidate after the
/// other, or every candidate at once when `conf` (and the environment) ask for the parallel
/// search (see the module documentation). The result is the same either way.
pub fn search<T>(
    conf: &ResolvConf,
    servers: &mut Servers<'_>,
    walk: impl Fn(&mut dyn Ask) -> T,
) -> T {
    if !config::parallel_search(conf) {
        return walk(servers);
    }
    let mut recording = Recording::default();
    walk(&mut recording);
    // One candidate (a name asked as it is only): nothing to ask at once.
    if recording.groups.last().is_none_or(|&g| g == 0) {
        return walk(servers);
    }
    let questions: SmallVec<[Question<'_>; 8]> = recording
        .questions
        .iter()
        .map(|(name, qtype)| Question {
            name,
            qtype: *qtype,
        })
        .collect();
    let answers = {
        let mut enough = |answers: &[Option<&Result<Response>>]| {
            let mut peek = Batch {
                questions: &questions,
                answers,
                open: false,
                servers: None,
            };
            walk(&mut peek);
            !peek.open
        };
        cache::shared().resolve_until(
            &questions,
            &recording.groups,
            servers.policy,
            servers.cache,
            &mut enough,
        )
    };
    let view: SmallVec<[Option<&Result<Response>>; 8]> =
        answers.iter().map(Option::as_ref).collect();
    walk(&mut Batch {
        questions: &questions,
        answers: &view,
        open: false,
        servers: Some(servers),
    })
}

/// An NXDOMAIN answer to `name`/`qtype` (no records, no SOA), or the transport's error for a
/// name it would not send.
fn nxdomain(name: &str, qtype: u16) -> Result<Response> {
    let mut bytes = wire::build_query(0, name, qtype, None)?;
    bytes[2] |= 0x80; // QR
    bytes[3] = (bytes[3] & 0xf0) | rcode::NXDOMAIN as u8;
    let message = Message::parse(&bytes).ok_or(Error::Fail)?;
    Ok(Response {
        rcode: rcode::NXDOMAIN,
        len: bytes.len(),
        message,
        truncated: false,
        malformed: false,
        tcp: false,
    })
}

/// Step 1: every question answered NXDOMAIN, each kept once, with its candidate's number
/// (the how-manyth call of [`Ask::ask`] first asked it).
#[derive(Default)]
struct Recording {
    questions: Vec<(String, u16)>,
    groups: SmallVec<[u32; 8]>,
    calls: u32,
}

impl Ask for Recording {
    fn ask_into(&mut self, questions: &[Question<'_>], out: &mut Results) {
        for q in questions {
            let known = self
                .questions
                .iter()
                .any(|(n, t)| n == q.name && *t == q.qtype);
            if !known {
                self.questions.push((q.name.to_string(), q.qtype));
                self.groups.push(self.calls);
            }
        }
        self.calls += 1;
        *out = questions
            .iter()
            .map(|q| nxdomain(q.name, q.qtype))
            .collect();
    }
}

/// Steps 2 and 3: the answers of the batch so far (`None`: not yet, or cancelled).
struct Batch<'a, 's, 'p> {
    questions: &'a [Question<'a>],
    answers: &'a [Option<&'a Result<Response>>],
    /// Peeking: a question without its final answer was asked.
    open: bool,
    /// Reading: where a question without an answer is asked.
    servers: Option<&'s mut Servers<'p>>,
}

impl Ask for Batch<'_, '_, '_> {
    fn ask_into(&mut self, questions: &[Question<'_>], out: &mut Results) {
        let found: SmallVec<[Option<&Result<Response>>; 2]> = questions
            .iter()
            .map(|q| {
                let i = self
                    .questions
                    .iter()
                    .position(|b| b.name == q.name && b.qtype == q.qtype)?;
                *self.answers.get(i)?
            })
            .collect();
        if found.iter().all(Option::is_some) {
            *out = found.into_iter().flatten().cloned().collect();
            return;
        }
        match self.servers.as_deref_mut() {
            Some(servers) => servers.ask_into(questions, out),
            None => {
                self.open = true;
                *out = questions.iter().map(|_| Err(Error::TryAgain)).collect();
            }
        }
    }
}

#[cfg(test)]
mod tests;
