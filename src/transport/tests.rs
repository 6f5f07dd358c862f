//! Transport against tiny servers on 127.0.0.1 (threads in the tests only).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::*;
use crate::wire::testutil::{a_record, aaaa_record, respond, Reply};
use crate::wire::{self, rcode};
use hickory_proto::rr::RecordType;

/// Called with (index of the packet, query) → datagrams to send back (may sleep).
pub(crate) type UdpHandler = Box<dyn Fn(usize, &[u8]) -> Vec<Vec<u8>> + Send>;
/// Called with the query → raw bytes to write on the connection (length prefix included).
pub(crate) type TcpHandler = Box<dyn Fn(&[u8]) -> Vec<u8> + Send>;

pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    pub(crate) udp_packets: Arc<AtomicUsize>,
    tcp_conns: Arc<AtomicUsize>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

const LOCAL: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

pub(crate) fn server(udp: Option<UdpHandler>, tcp: Option<TcpHandler>) -> Server {
    // UDP and TCP on the same port (a real server's address is both).
    let (usock, listener) = loop {
        let u = UdpSocket::bind(LOCAL).unwrap();
        let addr = u.local_addr().unwrap();
        match tcp.is_some() {
            false => break (u, None),
            true => {
                if let Ok(l) = TcpListener::bind(addr) {
                    break (u, Some(l));
                }
            }
        }
    };
    let addr = usock.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let udp_packets = Arc::new(AtomicUsize::new(0));
    let tcp_conns = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    if let Some(h) = udp {
        let (stop, count) = (stop.clone(), udp_packets.clone());
        usock
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        threads.push(std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !stop.load(Ordering::SeqCst) {
                if let Ok((n, from)) = usock.recv_from(&mut buf) {
                    let i = count.fetch_add(1, Ordering::SeqCst);
                    for reply in h(i, &buf[..n]) {
                        let _ = usock.send_to(&reply, from);
                    }
                }
            }
        }));
    } else {
        drop(usock); // closed port: ICMP port unreachable
    }
    if let (Some(h), Some(listener)) = (tcp, listener) {
        let (stop, count) = (stop.clone(), tcp_conns.clone());
        listener.set_nonblocking(true).unwrap();
        threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let Ok((mut conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                count.fetch_add(1, Ordering::SeqCst);
                conn.set_nonblocking(false).unwrap();
                conn.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
                let mut len = [0u8; 2];
                if conn.read_exact(&mut len).is_err() {
                    continue;
                }
                let mut q = vec![0u8; usize::from(u16::from_be_bytes(len))];
                if conn.read_exact(&mut q).is_err() {
                    continue;
                }
                let out = h(&q);
                // Dribble the answer out in pieces to exercise partial reads.
                for chunk in out.chunks(700) {
                    if conn.write_all(chunk).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                // Wait for the client to close.
                let _ = conn.read(&mut len);
            }
        }));
    }
    Server {
        addr,
        stop,
        threads,
        udp_packets,
        tcp_conns,
    }
}

fn framed(msg: Vec<u8>) -> Vec<u8> {
    let mut out = (msg.len() as u16).to_be_bytes().to_vec();
    out.extend(msg);
    out
}

pub(crate) fn policy(servers: &[&Server], timeout_ms: u64, attempts: u32) -> Policy {
    Policy {
        servers: servers.iter().map(|s| s.addr).collect(),
        timeout: Duration::from_millis(timeout_ms),
        attempts,
        ..Policy::default()
    }
}

pub(crate) fn q(name: &str, t: RecordType) -> Question<'_> {
    Question {
        name,
        qtype: u16::from(t),
    }
}

/// The type of a query's question.
fn qtype_of(query: &[u8]) -> RecordType {
    hickory_proto::op::Message::from_vec(query).unwrap().queries[0].query_type()
}

fn many_a(owner: &str, n: u8) -> Vec<hickory_proto::rr::Record> {
    (0..n).map(|i| a_record(owner, [10, 0, 0, i])).collect()
}

fn addrs(r: &Response, name: &str, t: RecordType) -> usize {
    wire::addresses(&wire::collect(&r.message, name, u16::from(t))).len()
}

fn answer_a(_: usize, query: &[u8]) -> Vec<Vec<u8>> {
    vec![respond(
        query,
        &Reply::records(vec![a_record("host.test.", [192, 0, 2, 1])]),
    )]
}

#[test]
fn normal_answer() {
    let s = server(Some(Box::new(answer_a)), None);
    let r = resolve(&[q("host.test", RecordType::A)], &policy(&[&s], 2000, 2));
    let r = r.into_iter().next().unwrap().unwrap();
    assert_eq!(r.rcode, rcode::NOERROR);
    assert!(!r.truncated && !r.malformed);
    let c = wire::collect(&r.message, "host.test", wire::rtype::A);
    assert_eq!(
        wire::addresses(&c),
        vec![std::net::IpAddr::from([192, 0, 2, 1])]
    );
}

#[test]
fn nxdomain_is_an_answer() {
    let s = server(
        Some(Box::new(|_, q: &[u8]| {
            vec![respond(q, &Reply::rcode(rcode::NXDOMAIN))]
        })),
        None,
    );
    let r = resolve(&[q("nope.test", RecordType::A)], &policy(&[&s], 2000, 1));
    assert_eq!(r[0].as_ref().unwrap().rcode, rcode::NXDOMAIN);
}

#[test]
fn truncated_goes_to_tcp_and_gets_60_records() {
    let s = server(
        Some(Box::new(|_, query: &[u8]| {
            if qtype_of(query) == RecordType::A {
                vec![respond(query, &Reply::truncated(many_a("big.test.", 3)))]
            } else {
                let ip = "2001:db8::1".parse().unwrap();
                vec![respond(
                    query,
                    &Reply::records(vec![aaaa_record("big.test.", ip)]),
                )]
            }
        })),
        Some(Box::new(|query: &[u8]| {
            framed(respond(query, &Reply::records(many_a("big.test.", 60))))
        })),
    );
    let t0 = Instant::now();
    let r = resolve(
        &[
            q("big.test", RecordType::A),
            q("big.test", RecordType::AAAA),
        ],
        &policy(&[&s], 3000, 1),
    );
    assert!(t0.elapsed() < Duration::from_secs(2));
    let a = r[0].as_ref().unwrap();
    assert!(!a.truncated);
    assert!(a.len > 512);
    assert_eq!(addrs(a, "big.test", RecordType::A), 60);
    assert_eq!(
        addrs(r[1].as_ref().unwrap(), "big.test", RecordType::AAAA),
        1
    );
    assert_eq!(s.tcp_conns.load(Ordering::SeqCst), 1);
}

#[test]
fn unparsable_truncated_answer_still_goes_to_tcp() {
    let s = server(
        Some(Box::new(|_, query: &[u8]| {
            let mut p = respond(query, &Reply::truncated(many_a("cut.test.", 5)));
            p.truncate(p.len() - 7);
            vec![p]
        })),
        Some(Box::new(|query: &[u8]| {
            framed(respond(query, &Reply::records(many_a("cut.test.", 40))))
        })),
    );
    let r = resolve(&[q("cut.test", RecordType::A)], &policy(&[&s], 3000, 1));
    assert_eq!(addrs(r[0].as_ref().unwrap(), "cut.test", RecordType::A), 40);
}

#[test]
fn truncated_then_tcp_refused_fails_fast() {
    // No TCP listener on the port: the connection is refused.
    let s = server(
        Some(Box::new(|_, query: &[u8]| {
            vec![respond(query, &Reply::truncated(many_a("x.test.", 2)))]
        })),
        None,
    );
    let t0 = Instant::now();
    let r = resolve(&[q("x.test", RecordType::A)], &policy(&[&s], 2000, 1));
    assert!(
        matches!(r[0], Err(Error::TryAgain) | Err(Error::Fail)),
        "{:?}",
        r[0]
    );
    assert!(t0.elapsed() < Duration::from_secs(1));
}

#[test]
fn truncated_then_tcp_garbage_fails() {
    let s = server(
        Some(Box::new(|_, query: &[u8]| {
            vec![respond(query, &Reply::truncated(vec![]))]
        })),
        Some(Box::new(|_: &[u8]| framed(vec![0xde; 40]))),
    );
    let r = resolve(&[q("x.test", RecordType::A)], &policy(&[&s], 2000, 1));
    assert_eq!(r[0].as_ref().unwrap_err(), &Error::Fail);
}

#[test]
fn silence_times_out() {
    let s = server(Some(Box::new(|_, _: &[u8]| vec![])), None);
    let t0 = Instant::now();
    let r = resolve(&[q("quiet.test", RecordType::A)], &policy(&[&s], 1000, 1));
    let e = t0.elapsed();
    assert_eq!(r[0].as_ref().unwrap_err(), &Error::TryAgain);
    assert!(e >= Duration::from_millis(1000), "{e:?}");
    assert!(e < Duration::from_millis(1500), "{e:?}");
}

#[test]
fn retransmits_each_period() {
    // The first packet is lost; the retransmission after one period is answered.
    let s = server(
        Some(Box::new(
            |i, query: &[u8]| if i == 0 { vec![] } else { answer_a(i, query) },
        )),
        None,
    );
    let t0 = Instant::now();
    let r = resolve(&[q("host.test", RecordType::A)], &policy(&[&s], 300, 3));
    assert!(r[0].is_ok());
    let e = t0.elapsed();
    assert!(
        e >= Duration::from_millis(300) && e < Duration::from_millis(600),
        "{e:?}"
    );
    assert_eq!(s.udp_packets.load(Ordering::SeqCst), 2);
}

#[test]
fn servfail_then_other_server_answers() {
    let bad = server(
        Some(Box::new(|_, query: &[u8]| {
            vec![respond(query, &Reply::rcode(rcode::SERVFAIL))]
        })),
        None,
    );
    let good = server(
        Some(Box::new(|i, query: &[u8]| {
            std::thread::sleep(Duration::from_millis(100));
            answer_a(i, query)
        })),
        None,
    );
    let r = resolve(
        &[q("host.test", RecordType::A)],
        &policy(&[&bad, &good], 2000, 1),
    );
    assert_eq!(addrs(r[0].as_ref().unwrap(), "host.test", RecordType::A), 1);
}

#[test]
fn all_servers_failing() {
    let servfail = server(
        Some(Box::new(|_, query: &[u8]| {
            vec![respond(query, &Reply::rcode(rcode::SERVFAIL))]
        })),
        None,
    );
    let refused = server(
        Some(Box::new(|_, query: &[u8]| {
            vec![respond(query, &Reply::rcode(rcode::REFUSED))]
        })),
        None,
    );
    let notimp = server(
        Some(Box::new(|_, query: &[u8]| {
            vec![respond(query, &Reply::rcode(rcode::NOTIMP))]
        })),
        None,
    );
    let formerr = server(
        Some(Box::new(|_, query: &[u8]| {
            vec![respond(query, &Reply::rcode(rcode::FORMERR))]
        })),
        None,
    );
    let t0 = Instant::now();
    let r = resolve(
        &[q("h.test", RecordType::A)],
        &policy(&[&servfail, &refused], 3000, 2),
    );
    assert_eq!(r[0].as_ref().unwrap_err(), &Error::TryAgain);
    let r = resolve(
        &[q("h.test", RecordType::A)],
        &policy(&[&notimp, &formerr], 3000, 2),
    );
    assert_eq!(r[0].as_ref().unwrap_err(), &Error::Fail);
    let r = resolve(
        &[q("h.test", RecordType::A)],
        &policy(&[&notimp, &servfail], 3000, 2),
    );
    assert_eq!(r[0].as_ref().unwrap_err(), &Error::TryAgain);
    // Every server said something: no waiting for the deadline.
    assert!(t0.elapsed() < Duration::from_secs(1));
}

#[test]
fn malformed_answer_is_a_failure() {
    let s = server(
        Some(Box::new(|_, query: &[u8]| {
            let mut p = respond(query, &Reply::records(many_a("m.test.", 2)));
            p.truncate(p.len() - 2);
            vec![p]
        })),
        None,
    );
    let r = resolve(&[q("m.test", RecordType::A)], &policy(&[&s], 3000, 1));
    assert_eq!(r[0].as_ref().unwrap_err(), &Error::Fail);
}

#[test]
fn wrong_id_ignored_then_right_one_accepted() {
    let s = server(
        Some(Box::new(|i, query: &[u8]| {
            let mut wrong = answer_a(i, query).remove(0);
            wrong[0] ^= 0x5a; // another ID
            let mut other_type = respond(query, &Reply::rcode(rcode::SERVFAIL));
            other_type[12 + 12] = 28; // question type AAAA ("host.test" is 11 bytes): not ours
            vec![wrong, other_type, answer_a(i, query).remove(0)]
        })),
        None,
    );
    let r = resolve(&[q("host.test", RecordType::A)], &policy(&[&s], 2000, 1));
    assert_eq!(addrs(r[0].as_ref().unwrap(), "host.test", RecordType::A), 1);
}

#[test]
fn closed_port_is_refused() {
    let s = server(None, None);
    let t0 = Instant::now();
    let r = resolve(&[q("h.test", RecordType::A)], &policy(&[&s], 3000, 1));
    assert_eq!(r[0].as_ref().unwrap_err(), &Error::TryAgain);
    assert!(t0.elapsed() < Duration::from_secs(1));
}

#[test]
fn edns_formerr_retries_without_opt() {
    let s = server(
        Some(Box::new(|i, query: &[u8]| {
            let has_opt = query[11] == 1;
            if has_opt {
                vec![respond(query, &Reply::rcode(rcode::FORMERR))]
            } else {
                answer_a(i, query)
            }
        })),
        None,
    );
    let mut p = policy(&[&s], 2000, 1);
    p.edns0 = true;
    let t0 = Instant::now();
    let r = resolve(&[q("host.test", RecordType::A)], &p);
    assert!(r[0].is_ok(), "{:?}", r[0]);
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert_eq!(s.udp_packets.load(Ordering::SeqCst), 2);
}

#[test]
fn edns_query_advertises_payload() {
    let s = server(
        Some(Box::new(|i, query: &[u8]| {
            let m = hickory_proto::op::Message::from_vec(query).unwrap();
            if m.edns.as_ref().map(|e| e.max_payload()) == Some(wire::EDNS_PAYLOAD) {
                answer_a(i, query)
            } else {
                vec![respond(query, &Reply::rcode(rcode::REFUSED))]
            }
        })),
        None,
    );
    let mut p = policy(&[&s], 2000, 1);
    p.edns0 = true;
    assert!(resolve(&[q("host.test", RecordType::A)], &p)[0].is_ok());
}

#[test]
fn use_vc_goes_straight_to_tcp() {
    let s = server(
        Some(Box::new(|_, query: &[u8]| {
            vec![respond(query, &Reply::rcode(rcode::REFUSED))]
        })),
        Some(Box::new(|query: &[u8]| {
            framed(respond(query, &Reply::records(many_a("v.test.", 4))))
        })),
    );
    let mut p = policy(&[&s], 2000, 1);
    p.use_vc = true;
    let r = resolve(
        &[q("v.test", RecordType::A), q("v.test", RecordType::A)],
        &p,
    );
    assert_eq!(addrs(r[0].as_ref().unwrap(), "v.test", RecordType::A), 4);
    assert_eq!(addrs(r[1].as_ref().unwrap(), "v.test", RecordType::A), 4);
    assert_eq!(s.udp_packets.load(Ordering::SeqCst), 0);
    assert_eq!(s.tcp_conns.load(Ordering::SeqCst), 2);
}

#[test]
fn invalid_names_send_nothing() {
    let s = server(Some(Box::new(answer_a)), None);
    let r = resolve(
        &[
            q("a..b", RecordType::A),
            q(&"x".repeat(64), RecordType::A),
            q("host.test", RecordType::A),
        ],
        &policy(&[&s], 2000, 1),
    );
    assert_eq!(r[0].as_ref().unwrap_err(), &Error::NotFound);
    assert_eq!(r[1].as_ref().unwrap_err(), &Error::NotFound);
    assert!(r[2].is_ok());
    assert_eq!(s.udp_packets.load(Ordering::SeqCst), 1);
}

#[test]
fn no_questions_no_servers() {
    assert!(resolve(&[], &policy(&[], 1000, 1)).is_empty());
    let r = resolve(&[q("h.test", RecordType::A)], &policy(&[], 1000, 1));
    assert_eq!(r[0].as_ref().unwrap_err(), &Error::TryAgain);
}

#[test]
fn policy_from_conf() {
    let mut conf = crate::config::ResolvConf::parse(b"");
    conf.nameservers = vec![
        "192.0.2.53:53".parse().unwrap(),
        "[fe80::1%2]:53".parse().unwrap(),
    ];
    conf.timeout = 0;
    conf.attempts = 0;
    conf.edns0 = true;
    conf.use_vc = true;
    let p = Policy::from_conf(&conf);
    assert_eq!(p.servers.as_slice(), conf.nameservers.as_slice());
    assert_eq!(p.timeout, Duration::from_secs(1));
    assert_eq!(p.attempts, 1);
    assert!(p.use_vc && p.edns0);
}

#[test]
fn no_descriptor_leaks() {
    fn open_fds() -> usize {
        std::fs::read_dir("/proc/self/fd")
            .map(|d| d.count())
            .unwrap_or(0)
    }
    let s = server(
        Some(Box::new(|_, query: &[u8]| {
            vec![respond(query, &Reply::truncated(vec![]))]
        })),
        Some(Box::new(|query: &[u8]| {
            framed(respond(query, &Reply::records(many_a("l.test.", 3))))
        })),
    );
    let p = policy(&[&s, &s, &s], 2000, 1);
    let _ = resolve(&[q("l.test", RecordType::A)], &p);
    let before = open_fds();
    for _ in 0..20 {
        let r = resolve(
            &[q("l.test", RecordType::A), q("l.test", RecordType::AAAA)],
            &p,
        );
        assert!(r[0].is_ok());
    }
    // Other tests run in parallel threads and open sockets too: allow some slack.
    assert!(open_fds() < before + 20, "{} -> {}", before, open_fds());
}

// ---- In-order servers, rotate, single-request, trust-ad, res_send ----

/// A server that answers A for anything and counts the packets it received.
fn answering() -> Server {
    server(Some(Box::new(answer_a)), None)
}

/// A UDP server that never answers (but counts).
fn mute() -> Server {
    server(Some(Box::new(|_, _: &[u8]| Vec::new())), None)
}

#[test]
fn in_order_asks_the_first_server_only_when_it_answers() {
    let (a, b) = (answering(), answering());
    let p = policy(&[&a, &b], 2000, 2).in_order(true);
    for _ in 0..3 {
        let r = resolve(&[q("host.test", RecordType::A)], &p);
        assert!(r[0].is_ok());
    }
    assert_eq!(a.udp_packets.load(Ordering::SeqCst), 3);
    assert_eq!(b.udp_packets.load(Ordering::SeqCst), 0);
    // All at once: both get every question.
    let p = policy(&[&a, &b], 2000, 2);
    let r = resolve(&[q("host.test", RecordType::A)], &p);
    assert!(r[0].is_ok());
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(b.udp_packets.load(Ordering::SeqCst), 1);
}

#[test]
fn each_server_gets_the_question_under_its_own_id() {
    use std::sync::Mutex;
    // The query is built once per question and copied for the other servers: each copy must
    // carry an ID of its own and otherwise the same bytes (EDNS included).
    let got: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let recording = || {
        let got = got.clone();
        server(
            Some(Box::new(move |_, query: &[u8]| {
                got.lock().unwrap().push(query.to_vec());
                Vec::new()
            })),
            None,
        )
    };
    let servers = [recording(), recording(), recording()];
    let mut p = policy(&[&servers[0], &servers[1], &servers[2]], 100, 1);
    p.edns0 = true;
    let r = resolve(&[q("host.test", RecordType::AAAA)], &p);
    assert_eq!(r[0].as_ref().err(), Some(&Error::TryAgain));
    // The servers read what was sent before the call timed out; wait for all three reads.
    let deadline = Instant::now() + Duration::from_secs(5);
    while got.lock().unwrap().len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let got = got.lock().unwrap();
    assert_eq!(got.len(), 3);
    let expected = wire::build_query(0, "host.test", 28, Some(wire::EDNS_PAYLOAD)).unwrap();
    for query in got.iter() {
        assert_eq!(query[2..], expected[2..]);
    }
    // Random IDs: two of the three may be equal (once in 22 000 calls), all three only once
    // in four billion; copies without an ID of their own would all be equal.
    let mut ids: Vec<&[u8]> = got.iter().map(|q| &q[..2]).collect();
    ids.sort();
    ids.dedup();
    assert!(ids.len() >= 2, "IDs {ids:?}");
}

#[test]
fn in_order_moves_on_after_the_first_servers_time() {
    let (m, b) = (mute(), answering());
    let p = policy(&[&m, &b], 300, 1).in_order(true);
    let t = Instant::now();
    let r = resolve(&[q("host.test", RecordType::A)], &p);
    let took = t.elapsed();
    assert!(r[0].is_ok());
    // The second server is asked only after the first one's period.
    assert!(took >= Duration::from_millis(290), "{took:?}");
    assert!(took < Duration::from_millis(2000), "{took:?}");
    assert_eq!(m.udp_packets.load(Ordering::SeqCst), 1);
    assert_eq!(b.udp_packets.load(Ordering::SeqCst), 1);
}

#[test]
fn in_order_servfail_goes_to_the_next_server_at_once() {
    let sf = server(
        Some(Box::new(|_, q: &[u8]| {
            vec![respond(q, &Reply::rcode(rcode::SERVFAIL))]
        })),
        None,
    );
    let b = answering();
    let p = policy(&[&sf, &b], 5000, 2).in_order(true);
    let t = Instant::now();
    let r = resolve(&[q("host.test", RecordType::A)], &p);
    assert!(r[0].is_ok());
    assert!(t.elapsed() < Duration::from_millis(2000));
    // Every server failing: the same errors as all at once.
    let p = policy(&[&sf, &sf], 5000, 2).in_order(true);
    let r = resolve(&[q("host.test", RecordType::A)], &p);
    assert_eq!(r[0].as_ref().err(), Some(&Error::TryAgain));
}

#[test]
fn rotate_moves_the_first_server_on_each_call() {
    let (a, b) = (answering(), answering());
    let mut p = policy(&[&a, &b], 2000, 2).in_order(true);
    p.rotate = true;
    for _ in 0..6 {
        assert!(resolve(&[q("host.test", RecordType::A)], &p)[0].is_ok());
    }
    // Two servers, six calls: three each (the counter moves by one per call).
    assert_eq!(a.udp_packets.load(Ordering::SeqCst), 3);
    assert_eq!(b.udp_packets.load(Ordering::SeqCst), 3);
}

#[test]
fn in_order_period_is_glibcs() {
    let s = Duration::from_secs(5);
    assert_eq!(in_order_period(s, 0, 3), s);
    assert_eq!(
        in_order_period(s, 1, 3),
        Duration::from_millis(3333) + Duration::from_nanos(333_333)
    );
    assert_eq!(in_order_period(s, 1, 2), s);
    assert_eq!(in_order_period(s, 2, 3), Duration::from_secs(20) / 3);
    assert_eq!(
        in_order_period(Duration::from_millis(300), 1, 3),
        Duration::from_millis(300)
    );
}

#[test]
fn single_request_asks_one_question_after_the_other() {
    // The A question is never answered: with single-request the AAAA question is never sent.
    let s = server(
        Some(Box::new(|_, qb: &[u8]| {
            if qtype_of(qb) == RecordType::A {
                Vec::new()
            } else {
                vec![respond(qb, &Reply::records(vec![]))]
            }
        })),
        None,
    );
    let qs = [
        q("host.test", RecordType::A),
        q("host.test", RecordType::AAAA),
    ];
    let mut p = policy(&[&s], 300, 1);
    p.single_request = true;
    let r = resolve(&qs, &p);
    assert_eq!(r[0].as_ref().err(), Some(&Error::TryAgain));
    assert_eq!(r[1].as_ref().err(), Some(&Error::TryAgain));
    assert_eq!(s.udp_packets.load(Ordering::SeqCst), 1);
    // Together: AAAA is answered.
    p.single_request = false;
    let r = resolve(&qs, &p);
    assert!(r[1].is_ok());
    // Both answered one after the other.
    let a = answering();
    let mut p = policy(&[&a], 2000, 1);
    p.single_request = true;
    let r = resolve(&qs, &p);
    assert!(r.iter().all(|r| r.is_ok()));
    assert_eq!(a.udp_packets.load(Ordering::SeqCst), 2);
}

#[test]
fn trust_ad_sets_the_ad_bit() {
    let seen = Arc::new(AtomicUsize::new(0));
    let seen2 = seen.clone();
    let s = server(
        Some(Box::new(move |_, qb: &[u8]| {
            if qb[3] & 0x20 != 0 {
                seen2.fetch_add(1, Ordering::SeqCst);
            }
            vec![respond(qb, &Reply::records(vec![]))]
        })),
        None,
    );
    let mut p = policy(&[&s], 2000, 1);
    assert!(resolve(&[q("a.test", RecordType::A)], &p)[0].is_ok());
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    p.trust_ad = true;
    assert!(resolve(&[q("a.test", RecordType::A)], &p)[0].is_ok());
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[test]
fn send_keeps_the_callers_message_and_returns_bytes() {
    let s = answering();
    let msg = wire::build_query(0x7777, "host.test", 1, None).unwrap();
    let a = send(&msg, None, &policy(&[&s], 2000, 1), Accept::Answers).unwrap();
    assert_eq!(&a.message.bytes()[..2], &[0x77, 0x77]);
    assert!(!a.tcp);
    assert_eq!(a.message.bytes().len(), a.len);
    assert_eq!(addrs(&a, "host.test", RecordType::A), 1);
}

#[test]
fn send_long_query_goes_over_tcp() {
    let s = server(
        Some(Box::new(answer_a)),
        Some(Box::new(|qb: &[u8]| {
            let mut base = qb[..qb.len() - 11 * 50].to_vec();
            base[10..12].copy_from_slice(&[0, 0]);
            framed(respond(
                &base,
                &Reply::records(vec![a_record("host.test.", [192, 0, 2, 9])]),
            ))
        })),
    );
    // A query with 50 OPT-sized padding records: over 512 bytes.
    let mut msg = wire::build_query(0x1234, "host.test", 1, None).unwrap();
    for _ in 0..50 {
        msg.extend_from_slice(&[0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]);
    }
    msg[10..12].copy_from_slice(&50u16.to_be_bytes());
    assert!(msg.len() > 512);
    let a = send(&msg, None, &policy(&[&s], 2000, 1), Accept::Answers);
    // The server answers the question (the padding is cut off by the handler above).
    let a = a.unwrap();
    assert!(a.tcp);
    assert_eq!(s.udp_packets.load(Ordering::SeqCst), 0);
    assert_eq!(s.tcp_conns.load(Ordering::SeqCst), 1);
}

#[test]
fn any_rcode_returns_formerr_and_keeps_servfail() {
    let fe = server(
        Some(Box::new(|_, qb: &[u8]| {
            vec![respond(qb, &Reply::rcode(rcode::FORMERR))]
        })),
        None,
    );
    let msg = wire::build_query(1, "host.test", 1, None).unwrap();
    let a = send(&msg, None, &policy(&[&fe], 2000, 1), Accept::AnyRcode).unwrap();
    assert_eq!(a.rcode, rcode::FORMERR);
    assert_eq!(
        send(&msg, None, &policy(&[&fe], 2000, 1), Accept::Answers).err(),
        Some(Error::Fail)
    );
    let sf = server(
        Some(Box::new(|_, qb: &[u8]| {
            vec![respond(qb, &Reply::rcode(rcode::SERVFAIL))]
        })),
        None,
    );
    for in_order in [false, true] {
        let p = policy(&[&sf, &sf], 2000, 1).in_order(in_order);
        let a = send(&msg, None, &p, Accept::AnyRcode).unwrap();
        assert_eq!(a.rcode, rcode::SERVFAIL);
        assert_eq!(
            send(&msg, None, &p, Accept::Answers).err(),
            Some(Error::TryAgain)
        );
    }
}

#[test]
fn send_with_plain_fallback_after_formerr() {
    // FORMERR to anything with an OPT record, an answer otherwise.
    let s = server(
        Some(Box::new(|_, qb: &[u8]| {
            let m = hickory_proto::op::Message::from_vec(qb).unwrap();
            if m.edns.is_some() {
                vec![respond(qb, &Reply::rcode(rcode::FORMERR))]
            } else {
                answer_a(0, qb)
            }
        })),
        None,
    );
    let plain = wire::build_query(5, "host.test", 1, None).unwrap();
    let with = wire::build_query(5, "host.test", 1, Some(1232)).unwrap();
    for accept in [Accept::Answers, Accept::AnyRcode] {
        let a = send(&with, Some(&plain), &policy(&[&s], 2000, 1), accept).unwrap();
        assert_eq!(a.rcode, rcode::NOERROR);
    }
    // Without a plain variant the caller's message is all there is: FORMERR is the answer.
    let a = send(&with, None, &policy(&[&s], 2000, 1), Accept::AnyRcode).unwrap();
    assert_eq!(a.rcode, rcode::FORMERR);
}

#[test]
fn policy_from_conf_options() {
    let conf = crate::config::ResolvConf::parse(
        b"nameserver 127.0.0.1\noptions rotate single-request-reopen trust-ad debug\n",
    );
    let p = Policy::from_conf(&conf);
    assert!(p.rotate && p.single_request && p.trust_ad && p.debug);
    assert!(!p.in_order && !p.edns0 && !p.use_vc);
    assert_eq!(p.edns_payload, wire::EDNS_PAYLOAD);
    let p = Policy::from_conf(&crate::config::ResolvConf::parse(
        b"options single-request\n",
    ));
    assert!(p.single_request && !p.rotate && !p.trust_ad && !p.debug);
}

// ---- resolve_until: the search list asked at once ----

/// Answers A for every name but those starting with `quiet`, which it never answers.
fn quiet_for_quiet_names() -> Server {
    server(
        Some(Box::new(|i, qb: &[u8]| {
            let m = hickory_proto::op::Message::from_vec(qb).unwrap();
            if m.queries[0].name().to_ascii().starts_with("quiet") {
                Vec::new()
            } else {
                answer_a(i, qb)
            }
        })),
        None,
    )
}

#[test]
fn resolve_until_cancels_what_is_no_more_needed() {
    let qs = [
        q("host.test", RecordType::A),
        q("quiet.test", RecordType::A),
    ];
    for in_order in [false, true] {
        // All at once: one server (another would answer quiet.test). One after the other: the
        // second answers everything, but is never asked.
        let (s, other) = (quiet_for_quiet_names(), answering());
        let servers: &[&Server] = if in_order { &[&s, &other] } else { &[&s] };
        let p = policy(servers, 5000, 2).in_order(in_order);
        let mut looked = Vec::new();
        let r = resolve_until(&qs, &[0, 1], &p, &mut |v| {
            looked.push(v.iter().map(Option::is_some).collect::<Vec<_>>());
            v[0].is_some()
        });
        assert_eq!(r.len(), 2);
        assert!(matches!(r[0], Some(Ok(_))), "{in_order}");
        // Cancelled: no result, no timeout (the deadline is 10 s away).
        assert!(r[1].is_none(), "{in_order}");
        assert_eq!(looked, [vec![true, false]], "{in_order}");
        if in_order {
            // The second server was never needed.
            assert_eq!(other.udp_packets.load(Ordering::SeqCst), 0);
        }
    }
    // Never enough: every question has its result, as with resolve.
    let s = quiet_for_quiet_names();
    let p = policy(&[&s], 300, 1);
    let r = resolve_until(&qs, &[0, 1], &p, &mut |_| false);
    assert!(matches!(r[0], Some(Ok(_))));
    assert!(matches!(r[1], Some(Err(Error::TryAgain))));
}

#[test]
fn resolve_until_in_order_shows_failures_only_after_the_last_server() {
    let sf = server(
        Some(Box::new(|_, q: &[u8]| {
            vec![respond(q, &Reply::rcode(rcode::SERVFAIL))]
        })),
        None,
    );
    let p = policy(&[&sf, &sf], 5000, 2).in_order(true);
    let mut looked = 0;
    let r = resolve_until(&[q("host.test", RecordType::A)], &[0], &p, &mut |_| {
        looked += 1;
        false
    });
    // A SERVFAIL is no final result while another server may answer: never shown; the
    // caller reads the final failure from the results.
    assert_eq!(looked, 0);
    assert!(matches!(r[0], Some(Err(Error::TryAgain))));
}

#[test]
fn single_request_groups_ask_the_names_at_once() {
    // quiet.test's A is never answered: with single-request its AAAA waits for it, while the
    // other name (another group) is asked at once, A then AAAA.
    let s = quiet_for_quiet_names();
    let qs = [
        q("quiet.test", RecordType::A),
        q("quiet.test", RecordType::AAAA),
        q("host.test", RecordType::A),
        q("host.test", RecordType::AAAA),
    ];
    let mut p = policy(&[&s], 300, 1);
    p.single_request = true;
    let r = resolve_until(&qs, &[0, 0, 1, 1], &p, &mut |_| false);
    assert!(matches!(r[0], Some(Err(Error::TryAgain))));
    assert!(matches!(r[1], Some(Err(Error::TryAgain))));
    assert!(matches!(r[2], Some(Ok(_))));
    assert!(matches!(r[3], Some(Ok(_))));
    assert_eq!(s.udp_packets.load(Ordering::SeqCst), 3);
}
