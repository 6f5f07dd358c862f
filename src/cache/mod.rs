//! The answer cache: opt-in (`options dnsshim-cache[:N]`, `DNSSHIM_CACHE`), per process.
//!
//! **What is kept.** DNS answers, one message per question (name as asked and type), exactly
//! as the transport handed them out: the lookups build their results from a kept message with
//! the same code that builds them from a fresh one, so a hit gives exactly the result the
//! lookup would have given (address sorting, which depends on routes, still runs per call).
//! Positive answers are kept for the smallest TTL of their records (the CNAME chain and the
//! records at its end), negative ones (NXDOMAIN, NODATA) for RFC 2308's time from their SOA
//! record; both capped by the configured maximum ([`ttl::lifetime`]). Never SERVFAIL, another
//! failure, a timeout or a truncated answer. `res_*` never go through here: they hand the
//! caller raw messages, whose IDs and TTLs a cache would change.
//!
//! **Which layer.** The cache sits under the DNS source, in the path from a lookup to the
//! nameservers, not above the sources of a lookup (the hosts file, the `hosts:` line of
//! nsswitch.conf in the glibc rules): those are read fresh on every call, so a line added to
//! /etc/hosts wins at once and the order of the sources is kept; and everything that shapes
//! a result besides the answers (the caller's hints, `AI_ADDRCONFIG`, sortlist, gai.conf,
//! routes) applies per call. A cache of whole results (nscd's) would have to know all of them.
//!
//! **Bounds.** [`store::MAX_ENTRIES`] answers and [`store::MAX_BYTES`] bytes; when either
//! would be passed, expired answers go first, then the least recently used ([`store`]).
//!
//! **Threads.** One lock around the store, held for a map operation and a reference count
//! (messages are shared, copied and parsed outside it), never during I/O: two threads missing
//! the same question both ask it, and the later answer replaces the earlier. A thread that
//! finds the lock taken spins briefly, then waits for it when a thread of its own process
//! holds it (the holder's process id is kept beside the lock).
//!
//! **fork.** A child keeps the parent's answers when the lock was free at the fork (the
//! store is then consistent). When another thread held it, that thread does not exist in
//! the child and the lock stays held forever: the child recognises the lock holder's process
//! id and moves on to the next of [`SLOTS`] empty stores (the old one is left alone, its
//! memory shared with the parent until either writes to it); with all of them used up, the
//! process goes on without a cache.
//!
//! **Flush.** Everything kept is dropped when resolv.conf or the hosts file changed
//! ([`crate::config::generation`]) or the servers or the options that change an answer (EDNS0,
//! the AD bit) differ from those the answers were asked with.
//!
//! `DNSSHIM_LOG` shows a `cache hit` line for each question answered from here
//! ([`crate::trace::cache_hit`]).

pub mod store;
pub mod ttl;

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use smallvec::SmallVec;

use crate::transport::{self, Enough, Partial, Policy, Question, Results, Servers};
use crate::wire::{Message, Response};
use crate::{trace, Result};
use store::Store;

/// Empty stores a process can move on to, one after the other, when it was forked while
/// another thread held the lock of the one in use (ours: each fork that catches the lock
/// held costs one; past these, no cache).
const SLOTS: usize = 4;

/// What the answers depend on besides the question.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Epoch {
    /// [`crate::config::generation`]: resolv.conf and hosts as they were.
    generation: u64,
    servers: Servers,
    edns0: bool,
    trust_ad: bool,
}

impl Epoch {
    fn of(policy: &Policy) -> Epoch {
        Epoch {
            generation: crate::config::generation(),
            servers: policy.servers.clone(),
            edns0: policy.edns0,
            trust_ad: policy.trust_ad,
        }
    }
}

struct State {
    /// The answers were asked under this epoch.
    epoch: Option<Epoch>,
    store: Store,
}

impl State {
    /// Whether answers asked under `epoch` belong here: a newer epoch empties the store
    /// first; answers of an older one (asked before a change another thread has seen) do not.
    fn admit(&mut self, epoch: &Epoch) -> bool {
        match &self.epoch {
            Some(e) if e == epoch => true,
            Some(e) if e.generation > epoch.generation => false,
            _ => {
                self.store.clear();
                self.epoch = Some(epoch.clone());
                true
            }
        }
    }
}

/// One store and its lock.
struct Shared {
    /// The process id of the thread holding `state`, 0 when none: a child after `fork` that
    /// finds the lock held and another process's id here knows no thread will release it.
    holder: AtomicU32,
    state: Mutex<State>,
}

impl Shared {
    const fn new() -> Shared {
        Shared {
            holder: AtomicU32::new(0),
            state: Mutex::new(State {
                epoch: None,
                store: Store::new(),
            }),
        }
    }
}

/// The stores and the index of the one in use: the answer cache of a process ([`shared`]).
pub struct Cache {
    stores: [Shared; SLOTS],
    current: AtomicUsize,
}

impl Cache {
    const fn new() -> Cache {
        Cache {
            stores: [const { Shared::new() }; SLOTS],
            current: AtomicUsize::new(0),
        }
    }

    /// Runs `f` on the store in use, under its lock; `None` when this process has no store
    /// left, or (rarely) when the lock is busy and its holder unknown (see the module
    /// documentation).
    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        let pid = crate::sys::process_id();
        loop {
            let i = self.current.load(Ordering::Acquire);
            let shared = self.stores.get(i)?;
            let mut guard = match crate::config::lock_briefly(&shared.state) {
                Some(g) => g,
                None => match shared.holder.load(Ordering::Relaxed) {
                    // A thread of this process holds it, for a map operation and a reference
                    // count (never during I/O): wait for it.
                    h if h == pid => shared.state.lock().unwrap_or_else(PoisonError::into_inner),
                    // Just released, or being taken: go on without it this time.
                    0 => return None,
                    // Held by a thread of the process this one was forked from: gone.
                    _ => {
                        let _ = self.current.compare_exchange(
                            i,
                            i + 1,
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        );
                        continue;
                    }
                },
            };
            shared.holder.store(pid, Ordering::Relaxed);
            let r = f(&mut guard);
            shared.holder.store(0, Ordering::Relaxed);
            return Some(r);
        }
    }
}

/// The process's cache (built at compile time: nothing runs at load time, nothing is
/// initialised later that a fork could catch half done).
static CACHE: Cache = Cache::new();

/// A kept message as the transport hands out an answer.
fn response(hit: store::Hit) -> Option<Response> {
    let message = Message::parse(&hit.message)?;
    Some(Response {
        rcode: message.rcode(),
        len: hit.message.len(),
        message,
        truncated: false,
        malformed: false,
        tcp: hit.tcp,
    })
}

/// The answers kept for `questions` under `epoch` (`None`: not kept), logged as hits.
fn served(cache: &Cache, questions: &[Question<'_>], epoch: &Epoch, log: bool) -> Partial {
    let now = Instant::now();
    let hits: SmallVec<[Option<store::Hit>; 2]> = cache
        .with_state(|st| {
            if !st.admit(epoch) {
                return questions.iter().map(|_| None).collect();
            }
            questions
                .iter()
                .map(|q| st.store.get(q.name.as_bytes(), q.qtype, now))
                .collect()
        })
        .unwrap_or_else(|| questions.iter().map(|_| None).collect());
    hits.into_iter()
        .zip(questions)
        .map(|(hit, q)| {
            let left = hit.as_ref().map_or(Duration::ZERO, |h| h.left);
            let r = response(hit?)?;
            if log {
                trace::cache_hit(&trace::CacheHit {
                    name: q.name,
                    qtype: q.qtype,
                    rcode: r.rcode,
                    answers: r.message.answer_count() as u16,
                    bytes: r.len,
                    left,
                });
            }
            Some(Ok(r))
        })
        .collect()
}

/// Keeps what may be kept of `results`, the answers to `questions` asked under `epoch`, for
/// at most `max_ttl` seconds.
fn keep(
    cache: &Cache,
    questions: &[Question<'_>],
    results: &[Option<&Result<Response>>],
    epoch: &Epoch,
    max_ttl: u32,
) {
    // Built before the lock is taken (their allocations outside it).
    let items: SmallVec<[store::Item; 2]> = questions
        .iter()
        .zip(results)
        .filter_map(|(q, r)| {
            let r = r.as_ref()?.as_ref().ok()?;
            let ttl = ttl::lifetime(r, q.name, q.qtype)?.min(max_ttl);
            let ttl = Duration::from_secs(u64::from(ttl));
            store::Item::new(q.name.as_bytes(), q.qtype, r.message.bytes(), r.tcp, ttl)
        })
        .collect();
    // Nothing built from the allocator's reserve is kept (out of memory: see crate::oom).
    if items.is_empty() || crate::oom::failed() {
        return;
    }
    let now = Instant::now();
    cache.with_state(|st| {
        if !st.admit(epoch) {
            return;
        }
        for item in items {
            st.store.insert(item, now);
        }
        if crate::oom::failed() {
            st.store.clear();
        }
    });
}

/// The process's answer cache, which the lookups ask through ([`crate::lookup::ask`]).
pub fn shared() -> &'static Cache {
    &CACHE
}

impl Cache {
    /// [`transport::resolve`] with the cache in front: the questions with an answer kept are not
    /// asked; the answers to the others are kept as far as they may be, for at most `max_ttl`
    /// seconds.
    pub fn resolve(&self, questions: &[Question<'_>], policy: &Policy, max_ttl: u32) -> Results {
        let epoch = Epoch::of(policy);
        let mut out = served(self, questions, &epoch, trace::enabled() || policy.debug);
        let missing: SmallVec<[usize; 2]> =
            (0..questions.len()).filter(|&i| out[i].is_none()).collect();
        if !missing.is_empty() {
            let asked: SmallVec<[Question<'_>; 2]> =
                missing.iter().map(|&i| questions[i]).collect();
            let got = transport::resolve(&asked, policy);
            {
                let view: SmallVec<[Option<&Result<Response>>; 2]> = got.iter().map(Some).collect();
                keep(self, &asked, &view, &epoch, max_ttl);
            }
            for (i, r) in missing.into_iter().zip(got) {
                out[i] = Some(r);
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or(Err(crate::Error::TryAgain)))
            .collect()
    }

    /// [`transport::resolve_until`] with the cache in front when `max_ttl` is given (as
    /// [`Cache::resolve`]): `enough` is shown the kept answers first, then each answer as it comes.
    pub fn resolve_until(
        &self,
        questions: &[Question<'_>],
        groups: &[u32],
        policy: &Policy,
        max_ttl: Option<u32>,
        enough: &mut Enough<'_>,
    ) -> Partial {
        let epoch = Epoch::of(policy);
        let mut out: Partial = match max_ttl {
            Some(_) => served(self, questions, &epoch, trace::enabled() || policy.debug),
            None => questions.iter().map(|_| None).collect(),
        };
        let missing: SmallVec<[usize; 8]> =
            (0..questions.len()).filter(|&i| out[i].is_none()).collect();
        if missing.is_empty() {
            return out;
        }
        if missing.len() < questions.len() {
            let view: SmallVec<[Option<&Result<Response>>; 8]> =
                out.iter().map(Option::as_ref).collect();
            let stop = enough(&view);
            drop(view);
            if stop {
                return out;
            }
        }
        let asked: SmallVec<[Question<'_>; 8]> = missing.iter().map(|&i| questions[i]).collect();
        let asked_groups: SmallVec<[u32; 8]> = missing
            .iter()
            .map(|&i| groups.get(i).copied().unwrap_or(0))
            .collect();
        let got = {
            let mut merged = |now: &[Option<&Result<Response>>]| {
                let mut all: SmallVec<[Option<&Result<Response>>; 8]> =
                    out.iter().map(Option::as_ref).collect();
                for (&i, r) in missing.iter().zip(now) {
                    all[i] = *r;
                }
                enough(&all)
            };
            transport::resolve_until(&asked, &asked_groups, policy, &mut merged)
        };
        if let Some(max_ttl) = max_ttl {
            let view: SmallVec<[Option<&Result<Response>>; 8]> =
                got.iter().map(Option::as_ref).collect();
            keep(self, &asked, &view, &epoch, max_ttl);
            drop(view);
        }
        for (i, r) in missing.into_iter().zip(got) {
            out[i] = r;
        }
        out
    }
}

#[cfg(test)]
mod tests;
