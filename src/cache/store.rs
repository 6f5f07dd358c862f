//! The answers kept: one message per question, bounded in entries and bytes.
//!
//! The eviction rule, when an answer to keep would pass either bound: every expired answer goes
//! first; then the least recently used ones (kept or served longest ago), one at a time, until
//! both bounds hold. An answer that expires is also dropped when it is next asked for.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// At most this many answers are kept (ours: a process asks for a few dozen names, each a few
/// questions with the search list, e.g. 8 for a name that walks Kubernetes' three search
/// domains before it is found as it is; 1024 covers a hundred such names).
pub const MAX_ENTRIES: usize = 1024;
/// At most this many bytes are kept, counted as [`cost`] (ours: 1 MiB, what the 1024 usual
/// answers of 100 to 300 bytes take with room to spare; a process that turns the cache on
/// pays at most this).
pub const MAX_BYTES: usize = 1 << 20;
/// What one answer costs besides its message and name: the map's share, the two heap blocks'
/// headers, the entry's fields (ours, an estimate on the high side).
const ENTRY_OVERHEAD: usize = 96;
/// The longest question name a key holds: 255 bytes on the wire make at most 254 in text
/// (with a trailing dot); the two type bytes follow.
const MAX_KEY: usize = 256 + 2;

/// What keeping one answer costs towards [`MAX_BYTES`].
pub fn cost(name: &[u8], message: &[u8]) -> usize {
    name.len() + 2 + message.len() + ENTRY_OVERHEAD
}

/// One answer kept.
#[derive(Debug)]
struct Entry {
    /// Shared with the hits served: the lock is held for a reference count, not a copy.
    message: Arc<[u8]>,
    /// It came over TCP.
    tcp: bool,
    expires: Instant,
    /// The store's clock when it was kept or last served: the smallest goes first.
    used: u64,
    cost: usize,
}

/// An answer served from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub message: Arc<[u8]>,
    pub tcp: bool,
    /// How long it stays.
    pub left: Duration,
}

/// An answer to keep, built before the store's lock is taken (its allocations outside it).
#[derive(Debug)]
pub struct Item {
    key: Box<[u8]>,
    message: Arc<[u8]>,
    tcp: bool,
    ttl: Duration,
    cost: usize,
}

impl Item {
    /// `message`, the answer to `name` and `qtype`, to keep for `ttl`; `None` when nothing is
    /// to be kept: a zero `ttl`, a name longer than any question, an answer over the bound.
    pub fn new(name: &[u8], qtype: u16, message: &[u8], tcp: bool, ttl: Duration) -> Option<Item> {
        let (k, len) = key(name, qtype)?;
        let cost = cost(&k[..len - 2], message);
        if ttl.is_zero() || cost > MAX_BYTES {
            return None;
        }
        Some(Item {
            key: k[..len].into(),
            message: message.into(),
            tcp,
            ttl,
            cost,
        })
    }
}

/// The answers, by question: the name's bytes (as asked, without a trailing dot) and the
/// type's two bytes (so that a lookup borrows a key from the stack).
#[derive(Debug, Default)]
pub struct Store {
    map: BTreeMap<Box<[u8]>, Entry>,
    bytes: usize,
    /// Moves on by one for each answer kept or served.
    clock: u64,
}

/// `name` and `qtype` as a key, on the stack; `None` for a name longer than any question.
fn key(name: &[u8], qtype: u16) -> Option<([u8; MAX_KEY], usize)> {
    let name = name.strip_suffix(b".").unwrap_or(name);
    let len = name.len() + 2;
    let mut k = [0u8; MAX_KEY];
    k.get_mut(..name.len())?.copy_from_slice(name);
    k[name.len()..len].copy_from_slice(&qtype.to_be_bytes());
    Some((k, len))
}

impl Store {
    /// An empty store (nothing allocated).
    pub const fn new() -> Store {
        Store {
            map: BTreeMap::new(),
            bytes: 0,
            clock: 0,
        }
    }

    /// How many answers are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none is.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The bytes kept, as [`cost`] counts them.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Forgets every answer.
    pub fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
    }

    /// The answer kept for `name` (a trailing dot does not count: the question is the same)
    /// and `qtype`, when it has not expired at `now`.
    pub fn get(&mut self, name: &[u8], qtype: u16, now: Instant) -> Option<Hit> {
        let (k, len) = key(name, qtype)?;
        let k = &k[..len];
        let e = self.map.get_mut(k)?;
        if e.expires <= now {
            let cost = e.cost;
            self.map.remove(k);
            self.bytes -= cost;
            return None;
        }
        self.clock += 1;
        e.used = self.clock;
        Some(Hit {
            message: Arc::clone(&e.message),
            tcp: e.tcp,
            left: e.expires - now,
        })
    }

    /// Keeps `item` from `now` (replacing what was kept for its question), then evicts by the
    /// rule of the module documentation.
    pub fn insert(&mut self, item: Item, now: Instant) {
        self.clock += 1;
        let entry = Entry {
            message: item.message,
            tcp: item.tcp,
            expires: now + item.ttl,
            used: self.clock,
            cost: item.cost,
        };
        if let Some(old) = self.map.insert(item.key, entry) {
            self.bytes -= old.cost;
        }
        self.bytes += item.cost;
        self.make_room(now);
    }

    fn over(&self) -> bool {
        self.map.len() > MAX_ENTRIES || self.bytes > MAX_BYTES
    }

    /// Expired answers first, then the least recently used, until both bounds hold.
    fn make_room(&mut self, now: Instant) {
        if !self.over() {
            return;
        }
        let mut freed = 0;
        self.map.retain(|_, e| {
            let keep = e.expires > now;
            if !keep {
                freed += e.cost;
            }
            keep
        });
        self.bytes -= freed;
        while self.over() {
            // Clock values are unique: exactly one entry has the smallest.
            let Some(oldest) = self.map.values().map(|e| e.used).min() else {
                break;
            };
            let mut freed = 0;
            self.map.retain(|_, e| {
                let keep = e.used != oldest;
                if !keep {
                    freed += e.cost;
                }
                keep
            });
            self.bytes -= freed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: u16 = 1;
    const AAAA: u16 = 28;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    fn put(
        st: &mut Store,
        name: &[u8],
        qtype: u16,
        msg: &[u8],
        tcp: bool,
        ttl: Duration,
        now: Instant,
    ) {
        if let Some(item) = Item::new(name, qtype, msg, tcp, ttl) {
            st.insert(item, now);
        }
    }

    #[test]
    fn keeps_until_expiry() {
        let t0 = Instant::now();
        let mut st = Store::new();
        put(&mut st, b"web.test", A, b"msg-a", false, s(5), t0);
        put(&mut st, b"web.test", AAAA, b"msg-aaaa", true, s(9), t0);
        let hit = st.get(b"web.test", A, t0 + s(1)).unwrap();
        assert_eq!(
            (&hit.message[..], hit.tcp, hit.left),
            (&b"msg-a"[..], false, s(4))
        );
        // The same question with a trailing dot; another case is another question.
        assert!(st.get(b"web.test.", A, t0 + s(1)).is_some());
        assert!(st.get(b"WEB.test", A, t0 + s(1)).is_none());
        assert_eq!(
            &st.get(b"web.test", AAAA, t0).unwrap().message[..],
            b"msg-aaaa"
        );
        // Expired: gone, and its bytes with it.
        assert!(st.get(b"web.test", A, t0 + s(5)).is_none());
        assert_eq!(st.len(), 1);
        assert_eq!(st.bytes(), cost(b"web.test", b"msg-aaaa"));
        // A zero TTL keeps nothing; a name too long for any question neither.
        put(&mut st, b"zero.test", A, b"m", false, Duration::ZERO, t0);
        assert!(Item::new(&[b'x'; 300], A, b"m", false, s(5)).is_none());
        assert!(Item::new(b"zero.test", A, b"m", false, Duration::ZERO).is_none());
        assert_eq!(st.len(), 1);
        // Replacing an answer replaces its bytes.
        put(
            &mut st,
            b"web.test",
            AAAA,
            b"longer message",
            false,
            s(9),
            t0,
        );
        assert_eq!(st.bytes(), cost(b"web.test", b"longer message"));
        st.clear();
        assert!(st.is_empty() && st.bytes() == 0);
    }

    #[test]
    fn evicts_expired_then_least_recently_used() {
        let t0 = Instant::now();
        let mut st = Store::new();
        for i in 0..MAX_ENTRIES {
            // Entry 0 expires first; all others live long.
            let ttl = if i == 0 { s(1) } else { s(100) };
            put(
                &mut st,
                format!("n{i}.test").as_bytes(),
                A,
                b"m",
                false,
                ttl,
                t0,
            );
        }
        assert_eq!(st.len(), MAX_ENTRIES);
        // n1 is served: now n2 is the least recently used.
        assert!(st.get(b"n1.test", A, t0).is_some());
        // Full, at t0 + 2: the expired n0 goes, nothing else.
        put(&mut st, b"new1.test", A, b"m", false, s(100), t0 + s(2));
        assert_eq!(st.len(), MAX_ENTRIES);
        assert!(st.get(b"n0.test", A, t0 + s(2)).is_none());
        assert!(st.get(b"n2.test", A, t0 + s(2)).is_some());
        // n2 was just served; the least recently used is n3.
        put(&mut st, b"new2.test", A, b"m", false, s(100), t0 + s(2));
        assert_eq!(st.len(), MAX_ENTRIES);
        assert!(st.get(b"n3.test", A, t0 + s(2)).is_none());
        for n in ["n1.test", "n2.test", "n4.test", "new1.test", "new2.test"] {
            assert!(st.get(n.as_bytes(), A, t0 + s(2)).is_some(), "{n}");
        }
    }

    #[test]
    fn bytes_bound() {
        let t0 = Instant::now();
        let mut st = Store::new();
        let big = vec![7u8; 60_000];
        for i in 0..40 {
            put(
                &mut st,
                format!("big{i}.test").as_bytes(),
                A,
                &big,
                false,
                s(100),
                t0,
            );
            assert!(st.bytes() <= MAX_BYTES);
        }
        let each = cost(b"big0.test", &big);
        assert_eq!(st.len(), MAX_BYTES / each);
        // The newest are kept, the oldest went.
        assert!(st.get(b"big39.test", A, t0).is_some());
        assert!(st.get(b"big0.test", A, t0).is_none());
        let total: usize = st.map.values().map(|e| e.cost).sum();
        assert_eq!(total, st.bytes());
    }
}
