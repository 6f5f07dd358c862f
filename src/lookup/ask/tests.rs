//! The parallel walk against a tiny server: the same result as the sequential walk, never
//! more questions than the sequential walk sends when every candidate fails.

use super::*;
use crate::transport::tests::{policy, server, Server};
use crate::wire::rtype;
use crate::wire::testutil::{a_record, respond, Reply};
use std::sync::atomic::Ordering;

/// Answers by the first label of the question: `nx` NXDOMAIN, `ok` an A record, `sf`
/// SERVFAIL, `nodata` NOERROR without records, `quiet` nothing.
fn behaving() -> Server {
    server(
        Some(Box::new(|_, qb: &[u8]| {
            let m = hickory_proto::op::Message::from_vec(qb).unwrap();
            let name = m.queries[0].name().to_ascii();
            let reply = match name.split('.').next().unwrap_or("") {
                "nx" => Reply::rcode(rcode::NXDOMAIN),
                "ok" => Reply::records(vec![a_record(&name, [10, 0, 0, 1])]),
                "sf" => Reply::rcode(rcode::SERVFAIL),
                "nodata" => Reply::records(vec![]),
                _ => return Vec::new(),
            };
            vec![respond(qb, &reply)]
        })),
        None,
    )
}

/// A walk by musl's rule over `candidates`: NXDOMAIN goes on, anything else ends it; an
/// answer without records is NODATA (then, with `glibc`, the walk goes on too and reports
/// NODATA at the end).
fn walk(candidates: &[String], glibc: bool) -> impl Fn(&mut dyn Ask) -> Result<String> + '_ {
    move |ask: &mut dyn Ask| {
        let mut nodata = false;
        for c in candidates {
            let q = [Question {
                name: c,
                qtype: rtype::A,
            }];
            let r = ask.ask(&q).pop().unwrap_or(Err(Error::Fail));
            match r {
                Ok(r) if r.rcode == rcode::NXDOMAIN => continue,
                Ok(r) if r.message.answer_count() == 0 => {
                    if glibc {
                        nodata = true;
                        continue;
                    }
                    return Err(Error::NoData);
                }
                Ok(_) => return Ok(c.clone()),
                Err(e) => return Err(e),
            }
        }
        Err(if nodata {
            Error::NoData
        } else {
            Error::NotFound
        })
    }
}

/// Runs `walk` over `candidates` with the servers of `p`, no cache, the parallel walk or not.
fn run(p: &Policy, parallel: bool, candidates: &[String], glibc: bool) -> Result<String> {
    let mut servers = Servers {
        policy: p,
        cache: None,
    };
    search(&conf(parallel), &mut servers, walk(candidates, glibc))
}

fn conf(parallel: bool) -> ResolvConf {
    let mut c = ResolvConf::parse(b"");
    c.parallel_search = parallel;
    c
}

#[test]
fn the_same_result_as_one_after_the_other() {
    let kinds = ["nx", "ok", "sf", "nodata", "quiet"];
    let mut checked = 0;
    for a in kinds {
        for b in kinds {
            for c in ["nx", "ok"] {
                for glibc in [false, true] {
                    let candidates: Vec<String> = [a, b, c]
                        .iter()
                        .enumerate()
                        .map(|(i, k)| format!("{k}.c{i}.test"))
                        .collect();
                    let (s1, s2) = (behaving(), behaving());
                    let p1 = policy(&[&s1], 100, 1);
                    let p2 = policy(&[&s2], 100, 1);
                    let (seq, par) = std::thread::scope(|sc| {
                        let seq = sc.spawn(|| run(&p1, false, &candidates, glibc));
                        let par = run(&p2, true, &candidates, glibc);
                        (seq.join().unwrap(), par)
                    });
                    assert_eq!(seq, par, "{candidates:?} glibc={glibc}");
                    // Never more than all three candidates (one attempt, one server).
                    let sent = s2.udp_packets.load(Ordering::SeqCst);
                    assert!(sent <= 3, "{candidates:?}: {sent}");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 100);
}

#[test]
fn later_answers_wait_for_earlier_candidates() {
    // The last candidate answers at once; the first is silent until the deadline: the walk's
    // result is the first one's timeout, as one after the other.
    let s = behaving();
    let p = policy(&[&s], 300, 1);
    let candidates = vec!["quiet.c0.test".to_string(), "ok.c1.test".to_string()];
    let r = run(&p, true, &candidates, false);
    assert_eq!(r, Err(Error::TryAgain));
    // Both were asked at once.
    assert_eq!(s.udp_packets.load(Ordering::SeqCst), 2);
}

#[test]
fn a_found_candidate_cancels_the_later_ones() {
    // The first candidate answers; the later ones are silent: their questions are cancelled
    // (the walk does not wait for their deadline, and its result is the first's).
    let s = behaving();
    let p = policy(&[&s], 5000, 2);
    let candidates: Vec<String> = ["ok.c0.test", "quiet.c1.test", "quiet.c2.test"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let r = run(&p, true, &candidates, false);
    assert_eq!(r, Ok("ok.c0.test".to_string()));
    // All three were sent at once: the server counts each as it reads it, which may be after
    // the walk has its result (waited for, up to 5 s: the count never goes past 3).
    let mut sent = 0;
    for _ in 0..500 {
        sent = s.udp_packets.load(Ordering::SeqCst);
        if sent >= 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(sent, 3);
}

#[test]
fn recording_answers_nxdomain_and_numbers_the_candidates() {
    let mut rec = Recording::default();
    let qs = |n: &'static str| {
        [
            Question {
                name: n,
                qtype: rtype::A,
            },
            Question {
                name: n,
                qtype: rtype::AAAA,
            },
        ]
    };
    for r in rec
        .ask(&qs("a.test"))
        .into_iter()
        .chain(rec.ask(&qs("b.test")))
    {
        assert_eq!(r.unwrap().rcode, rcode::NXDOMAIN);
    }
    rec.ask(&qs("a.test"));
    assert_eq!(rec.questions.len(), 4);
    assert_eq!(rec.groups.as_slice(), [0, 0, 1, 1]);
    // A name no query can carry: the transport's answer.
    assert_eq!(
        rec.ask(&[Question {
            name: "a..b",
            qtype: rtype::A
        }])[0],
        Err(Error::NotFound)
    );
}
