//! The cache in front of the transport, against tiny servers on 127.0.0.1 (each test with a
//! cache of its own: the process's one is shared by every test thread).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use hickory_proto::rr::{Record, RecordType};

use super::*;
use crate::transport::tests::{policy, q, server, Server};
use crate::wire::testutil::{a_record, respond, soa_record, Reply};
use crate::wire::{rcode, rtype};
use crate::Error;

/// A server answering every question with `reply` (its records' owner renamed to the
/// question), counting the packets.
fn answering(reply: Reply) -> Server {
    server(
        Some(Box::new(move |_, qb: &[u8]| {
            let m = hickory_proto::op::Message::from_vec(qb).unwrap();
            let owner = m.queries[0].name().clone();
            let mut r = reply.clone();
            for rec in r.records.iter_mut() {
                rec.name = owner.clone();
            }
            vec![respond(qb, &r)]
        })),
        None,
    )
}

fn a(ttl: u32) -> Record {
    let mut r = a_record("x.", [10, 0, 0, 1]);
    r.ttl = ttl;
    r
}

fn packets(s: &Server) -> usize {
    s.udp_packets.load(Ordering::SeqCst)
}

fn leaked() -> &'static Cache {
    Box::leak(Box::new(Cache::new()))
}

#[test]
fn a_kept_answer_is_not_asked_again() {
    let cache = leaked();
    let s = answering(Reply::records(vec![a(300)]));
    let p = policy(&[&s], 2000, 1);
    let qs = [q("web.test", RecordType::A)];
    let first = cache.resolve(&qs, &p, 300);
    let second = cache.resolve(&qs, &p, 300);
    assert_eq!(packets(&s), 1);
    // The same message, byte for byte.
    let (f, s2) = (first[0].as_ref().unwrap(), second[0].as_ref().unwrap());
    assert_eq!(f.message.bytes(), s2.message.bytes());
    assert_eq!((f.rcode, f.len, f.tcp), (s2.rcode, s2.len, s2.tcp));
    // A and AAAA: only the one not kept is asked.
    let both = [
        q("web.test", RecordType::A),
        q("web.test", RecordType::AAAA),
    ];
    let r = cache.resolve(&both, &p, 300);
    assert!(r.iter().all(|r| r.is_ok()));
    assert_eq!(packets(&s), 2);
    // Case is part of the question (the answer echoes it); a trailing dot is not.
    cache.resolve(&[q("web.test.", RecordType::A)], &p, 300);
    assert_eq!(packets(&s), 2);
    cache.resolve(&[q("WEB.test", RecordType::A)], &p, 300);
    assert_eq!(packets(&s), 3);
}

#[test]
fn negative_answers_are_kept_with_their_soa_only() {
    let cache = leaked();
    let mut nx = Reply::rcode(rcode::NXDOMAIN);
    nx.authority = vec![soa_record("test.", 60, 30)];
    let s = answering(nx.clone());
    let p = policy(&[&s], 2000, 1);
    let qs = [q("nx.test", RecordType::A)];
    for _ in 0..3 {
        let r = cache.resolve(&qs, &p, 300);
        assert_eq!(r[0].as_ref().unwrap().rcode, rcode::NXDOMAIN);
    }
    assert_eq!(packets(&s), 1);
    // Without an SOA: asked each time.
    let bare = answering(Reply::rcode(rcode::NXDOMAIN));
    let p = policy(&[&bare], 2000, 1);
    for _ in 0..3 {
        cache.resolve(&qs, &p, 300);
    }
    assert_eq!(packets(&bare), 3);
}

#[test]
fn failures_and_zero_ttls_are_never_kept() {
    let cache = leaked();
    let mut sf = Reply::records(vec![a(300)]);
    sf.rcode = rcode::SERVFAIL;
    sf.authority = vec![soa_record("test.", 60, 60)];
    let s = answering(sf);
    let p = policy(&[&s], 2000, 1);
    let qs = [q("sf.test", RecordType::A)];
    for _ in 0..3 {
        assert_eq!(cache.resolve(&qs, &p, 300)[0], Err(Error::TryAgain));
    }
    assert_eq!(packets(&s), 3);
    let zero = answering(Reply::records(vec![a(0)]));
    let p = policy(&[&zero], 2000, 1);
    cache.resolve(&qs, &p, 300);
    cache.resolve(&qs, &p, 300);
    assert_eq!(packets(&zero), 2);
    // A zero maximum keeps nothing either.
    let long = answering(Reply::records(vec![a(300)]));
    let p = policy(&[&long], 2000, 1);
    cache.resolve(&qs, &p, 0);
    cache.resolve(&qs, &p, 0);
    assert_eq!(packets(&long), 2);
}

#[test]
fn other_servers_or_options_flush() {
    let cache = leaked();
    let (s1, s2) = (
        answering(Reply::records(vec![a(300)])),
        answering(Reply::records(vec![a(300)])),
    );
    let qs = [q("web.test", RecordType::A)];
    let p1 = policy(&[&s1], 2000, 1);
    cache.resolve(&qs, &p1, 300);
    cache.resolve(&qs, &p1, 300);
    assert_eq!(packets(&s1), 1);
    // Another server: asked, and what was kept for the first is gone.
    let p2 = policy(&[&s2], 2000, 1);
    cache.resolve(&qs, &p2, 300);
    cache.resolve(&qs, &p1, 300);
    assert_eq!((packets(&s1), packets(&s2)), (2, 1));
    // EDNS0 changes the question on the wire.
    let mut e = p1.clone();
    e.edns0 = true;
    cache.resolve(&qs, &e, 300);
    assert_eq!(packets(&s1), 3);
}

#[test]
fn answers_of_an_older_configuration_are_not_kept() {
    let cache = leaked();
    let s = answering(Reply::records(vec![a(300)]));
    let p = policy(&[&s], 2000, 1);
    let now = Epoch::of(&p);
    let older = Epoch {
        generation: now.generation.wrapping_sub(1),
        ..now.clone()
    };
    let r = transport::resolve(&[q("web.test", RecordType::A)], &p);
    let view: Vec<Option<&Result<Response>>> = r.iter().map(Some).collect();
    // Kept under the current epoch, then an answer asked under an older one arrives.
    assert!(cache.with_state(|st| st.admit(&now)).unwrap());
    keep(cache, &[q("old.test", RecordType::A)], &view, &older, 300);
    assert_eq!(cache.with_state(|st| st.store.len()), Some(0));
    keep(cache, &[q("web.test", RecordType::A)], &view, &now, 300);
    assert_eq!(cache.with_state(|st| st.store.len()), Some(1));
    // A newer one empties the store.
    let newer = Epoch {
        generation: now.generation + 1,
        ..now
    };
    assert!(cache.with_state(|st| st.admit(&newer)).unwrap());
    assert_eq!(cache.with_state(|st| st.store.len()), Some(0));
}

#[test]
fn a_lock_held_by_another_process_moves_to_the_next_store() {
    let cache = leaked();
    assert_eq!(cache.with_state(|_| 1), Some(1));
    // A thread of this process holds the lock: waited for, the same store stays in use.
    let pid = std::process::id();
    let (tx, rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let hold =
        |holder: u32, tx: std::sync::mpsc::Sender<()>, done: std::sync::mpsc::Receiver<()>| {
            std::thread::spawn(move || {
                let shared = &cache.stores[cache.current.load(Ordering::SeqCst)];
                let _g = shared.state.lock().unwrap();
                shared.holder.store(holder, Ordering::SeqCst);
                tx.send(()).unwrap();
                let _ = done.recv();
                shared.holder.store(0, Ordering::SeqCst);
            })
        };
    let t = hold(pid, tx, done_rx);
    rx.recv().unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        done_tx.send(()).unwrap();
    });
    assert_eq!(cache.with_state(|_| 2), Some(2));
    assert_eq!(cache.current.load(Ordering::SeqCst), 0);
    release.join().unwrap();
    t.join().unwrap();
    // As a child after fork sees it: held, by another process's thread that is gone.
    let (tx, rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let t = hold(pid.wrapping_add(1).max(1), tx, done_rx);
    rx.recv().unwrap();
    assert_eq!(cache.with_state(|st| st.store.len()), Some(0));
    assert_eq!(cache.current.load(Ordering::SeqCst), 1);
    done_tx.send(()).unwrap();
    t.join().unwrap();
    // With every store used up, no cache at all.
    cache.current.store(SLOTS, Ordering::SeqCst);
    assert_eq!(cache.with_state(|_| 3), None);
}

#[test]
fn threads_share_one_cache() {
    let cache = leaked();
    let s = Arc::new(answering(Reply::records(vec![a(300)])));
    let names: Vec<String> = (0..8).map(|i| format!("n{i}.test")).collect();
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let (s, names) = (Arc::clone(&s), names.clone());
            std::thread::spawn(move || {
                let p = policy(&[&s], 2000, 1);
                for i in 0..100 {
                    let name = &names[(t + i) % names.len()];
                    let r = cache.resolve(&[q(name, RecordType::A)], &p, 300);
                    let r = r[0].as_ref().unwrap();
                    let got = crate::wire::collect_addresses(&r.message, name, rtype::A).addrs;
                    assert_eq!(
                        got.as_slice(),
                        ["10.0.0.1".parse::<std::net::IpAddr>().unwrap()]
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // 1600 lookups of 8 names: each name asked by the threads that missed it at once, at
    // most, and a few times more when the lock was busy.
    let n = packets(&s);
    assert!((8..400).contains(&n), "{n} packets");
}
