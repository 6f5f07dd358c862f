//! `dnsshim-testsrv`: a scriptable DNS server (UDP and TCP) for dnsshim's integration tests.
//!
//! ```text
//! dnsshim-testsrv --config FILE --listen 127.0.0.1:53 [--listen ADDR:PORT ...]
//!                 [--ready-file PATH] [--verbose]
//! ```
//! The scenario file format is described in README.md next to this crate.

mod config;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, Metadata, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{self, A, AAAA, MX, SOA, SRV, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

use config::{Config, Data, TcpMode, UdpMode};

/// RFC 1035 4.2.1: UDP messages without EDNS0 are limited to 512 bytes.
const UDP_PLAIN_LIMIT: usize = 512;
/// Largest UDP payload we ever send (IPv4 maximum datagram minus headers).
const UDP_MAX: usize = 65507;
/// Longest CNAME chain followed before giving up (loops in the scenario file).
const MAX_CHAIN: usize = 16;

struct Server {
    cfg: Config,
    verbose: bool,
}

/// What happened to a question, for the verbose log.
fn describe(q: &Query) -> String {
    format!("{} {}", q.name(), q.query_type())
}

fn name(s: &str) -> Name {
    // Names were validated when the config was parsed into strings; a bad one here is a bug.
    Name::from_ascii(s).unwrap_or_else(|e| panic!("bad name {s:?}: {e}"))
}

fn to_rdata(d: &Data) -> RData {
    match d {
        Data::A(a) => RData::A(A(*a)),
        Data::Aaaa(a) => RData::AAAA(AAAA(*a)),
        Data::Cname(t) => RData::CNAME(rdata::CNAME(name(t))),
        Data::Ptr(t) => RData::PTR(rdata::PTR(name(t))),
        Data::Ns(t) => RData::NS(rdata::NS(name(t))),
        Data::Mx(p, t) => RData::MX(MX::new(*p, name(t))),
        Data::Srv(p, w, port, t) => RData::SRV(SRV::new(*p, *w, *port, name(t))),
        Data::Txt(v) => {
            // A character-string holds at most 255 bytes (RFC 1035 3.3).
            let mut parts = Vec::new();
            for s in v {
                let mut rest = s.as_str();
                loop {
                    let mut cut = rest.len().min(255);
                    while !rest.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    parts.push(rest[..cut].to_string());
                    rest = &rest[cut..];
                    if rest.is_empty() {
                        break;
                    }
                }
            }
            RData::TXT(TXT::new(parts))
        }
    }
}

/// SOA for negative answers, owned by the question's top-level label.
fn soa_for(qname: &str) -> Record {
    let labels: Vec<&str> = qname.trim_end_matches('.').rsplit('.').collect();
    let zone = match labels.first() {
        Some(l) if !l.is_empty() => format!("{l}."),
        _ => ".".to_string(),
    };
    let mname = name(&format!("ns.{}", zone.trim_start_matches('.')));
    let rname = name(&format!("hostmaster.{}", zone.trim_start_matches('.')));
    let soa = SOA::new(mname, rname, 1, 3600, 600, 86400, 60);
    Record::from_rdata(name(&zone), 60, RData::SOA(soa))
}

impl Server {
    /// The full answer to one question, before any size limit.
    fn answer(&self, query: &Message) -> Message {
        let mut meta = Metadata::response_from_request(&query.metadata);
        meta.authoritative = true;
        meta.recursion_available = true;
        let mut resp = Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
        resp.metadata = meta;
        resp.add_queries(query.queries.iter().cloned());
        if query.edns.is_some() && self.cfg.edns {
            let mut e = Edns::new();
            e.set_max_payload(1232);
            resp.set_edns(e);
        }
        if query.metadata.op_code != OpCode::Query {
            resp.metadata.response_code = ResponseCode::NotImp;
            return resp;
        }
        let [q] = query.queries.as_slice() else {
            resp.metadata.response_code = ResponseCode::FormErr;
            return resp;
        };
        let qname = config::fqdn(&q.name().to_ascii());
        let qtype = u16::from(q.query_type());
        if let Some(code) = self.cfg.rcode.get(&qname, qtype) {
            resp.metadata.response_code = ResponseCode::from_low(code as u8);
            return resp;
        }

        let mut owner = q.name().clone();
        let mut cur = qname.clone();
        for _ in 0..MAX_CHAIN {
            let Some(node) = self.cfg.zone.get(&cur) else {
                if !self.cfg.is_empty_nonterminal(&cur) {
                    resp.metadata.response_code = ResponseCode::NXDomain;
                }
                resp.add_authority(soa_for(&qname));
                return resp;
            };
            if let Some(target) = node.cname().filter(|_| qtype != 5 && qtype != 255) {
                let target = target.to_string();
                let rec = Record::from_rdata(
                    owner.clone(),
                    node.records[0].0,
                    RData::CNAME(rdata::CNAME(name(&target))),
                );
                resp.add_answer(rec);
                owner = name(&target);
                cur = target;
                continue;
            }
            let mut any = false;
            for (ttl, d) in &node.records {
                if qtype == 255 || d.type_code() == qtype {
                    resp.add_answer(Record::from_rdata(owner.clone(), *ttl, to_rdata(d)));
                    any = true;
                }
            }
            if !any {
                resp.add_authority(soa_for(&qname));
            }
            return resp;
        }
        // CNAME loop: what BIND does is SERVFAIL.
        resp.answers.clear();
        resp.metadata.response_code = ResponseCode::ServFail;
        resp
    }

    fn encode(msg: &Message) -> Option<Vec<u8>> {
        match msg.to_vec() {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("dnsshim-testsrv: cannot encode answer: {e}");
                None
            }
        }
    }

    /// Applies the UDP size limit and truncation mode.
    fn udp_bytes(&self, query: &Message, mut resp: Message, mode: UdpMode) -> Option<Vec<u8>> {
        let mut limit = match (&query.edns, self.cfg.edns) {
            (Some(e), true) => usize::from(e.max_payload()).max(UDP_PLAIN_LIMIT),
            _ => UDP_PLAIN_LIMIT,
        };
        if let Some(cap) = self.cfg.udp_size {
            limit = limit.min(cap);
        }
        let full = Self::encode(&resp)?;
        let fits = full.len() <= limit;
        match mode {
            UdpMode::Oversize if full.len() <= UDP_MAX => return Some(full),
            UdpMode::TcAlways => {}
            _ if fits => return Some(full),
            _ => {}
        }
        resp.metadata.truncation = true;
        resp.authorities.clear();
        resp.additionals.clear();
        let answers = std::mem::take(&mut resp.answers);
        if mode == UdpMode::TruncateFit {
            // Largest prefix of whole answer records that fits (size grows with the count).
            let (mut lo, mut hi) = (0usize, answers.len());
            while lo < hi {
                let mid = (lo + hi).div_ceil(2);
                resp.answers = answers[..mid].to_vec();
                if Self::encode(&resp)?.len() <= limit {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            resp.answers = answers[..lo].to_vec();
        }
        Self::encode(&resp)
    }

    fn log(&self, msg: impl FnOnce() -> String) {
        if self.verbose {
            eprintln!("dnsshim-testsrv: {}", msg());
        }
    }

    fn serve_udp(self: Arc<Self>, sock: UdpSocket) {
        let mut buf = vec![0u8; 65536];
        loop {
            let (n, peer) = match sock.recv_from(&mut buf) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("dnsshim-testsrv: udp recv: {e}");
                    continue;
                }
            };
            let Some((query, resp)) = self.parse_and_answer(&buf[..n]) else {
                continue;
            };
            let (qn, qt) = key(&query);
            let mode = self.cfg.udp.get(&qn, qt);
            if mode == UdpMode::Silent {
                self.log(|| format!("udp {peer} {qn} {}: silent", RecordType::from(qt)));
                continue;
            }
            let Some(bytes) = self.udp_bytes(&query, resp, mode) else {
                continue;
            };
            self.log(|| {
                format!(
                    "udp {peer} {}: {} bytes tc={}",
                    query.queries.first().map(describe).unwrap_or_default(),
                    bytes.len(),
                    (bytes[2] >> 1) & 1
                )
            });
            let delay = self.cfg.delay.get(&qn, qt);
            if delay == 0 {
                let _ = sock.send_to(&bytes, peer);
            } else if let Ok(s) = sock.try_clone() {
                thread::spawn(move || {
                    thread::sleep(Duration::from_millis(delay));
                    let _ = s.send_to(&bytes, peer);
                });
            }
        }
    }

    /// Parses a query; unparsable ones with a header get FORMERR, others are dropped.
    fn parse_and_answer(&self, bytes: &[u8]) -> Option<(Message, Message)> {
        match Message::from_vec(bytes) {
            Ok(q) if q.metadata.message_type == MessageType::Query => {
                let resp = self.answer(&q);
                Some((q, resp))
            }
            Ok(_) => None,
            Err(e) => {
                self.log(|| format!("unparsable query ({} bytes): {e}", bytes.len()));
                if bytes.len() < 12 {
                    return None;
                }
                let id = u16::from_be_bytes([bytes[0], bytes[1]]);
                let q = Message::new(id, MessageType::Query, OpCode::Query);
                let r = Message::error_msg(id, OpCode::Query, ResponseCode::FormErr);
                Some((q, r))
            }
        }
    }

    fn serve_tcp_conn(self: Arc<Self>, mut conn: TcpStream) {
        let peer = conn
            .peer_addr()
            .map_or_else(|_| "?".to_string(), |p| p.to_string());
        loop {
            let mut len = [0u8; 2];
            if conn.read_exact(&mut len).is_err() {
                return;
            }
            let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if conn.read_exact(&mut buf).is_err() {
                return;
            }
            let Some((query, mut resp)) = self.parse_and_answer(&buf) else {
                continue;
            };
            let (qn, qt) = key(&query);
            match self.cfg.tcp.get(&qn, qt) {
                TcpMode::Close => {
                    self.log(|| format!("tcp {peer} {qn} {}: close", RecordType::from(qt)));
                    return;
                }
                TcpMode::Silent => {
                    self.log(|| format!("tcp {peer} {qn} {}: silent", RecordType::from(qt)));
                    continue;
                }
                TcpMode::Normal => {}
            }
            let Some(mut bytes) = Self::encode(&resp) else {
                return;
            };
            if bytes.len() > 65535 {
                resp.metadata.truncation = true;
                resp.answers.clear();
                resp.authorities.clear();
                let Some(b) = Self::encode(&resp) else { return };
                bytes = b;
            }
            self.log(|| {
                format!(
                    "tcp {peer} {qn} {}: {} bytes",
                    RecordType::from(qt),
                    bytes.len()
                )
            });
            let delay = self.cfg.delay.get(&qn, qt);
            if delay > 0 {
                thread::sleep(Duration::from_millis(delay));
            }
            let mut out = Vec::with_capacity(bytes.len() + 2);
            out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
            out.extend_from_slice(&bytes);
            if conn.write_all(&out).is_err() {
                return;
            }
        }
    }

    fn serve_tcp(self: Arc<Self>, listener: TcpListener) {
        for conn in listener.incoming() {
            match conn {
                Ok(c) => {
                    let me = Arc::clone(&self);
                    thread::spawn(move || me.serve_tcp_conn(c));
                }
                Err(e) => eprintln!("dnsshim-testsrv: tcp accept: {e}"),
            }
        }
    }
}

/// Lower-case question name and type code, for rule lookups.
fn key(query: &Message) -> (String, u16) {
    match query.queries.first() {
        Some(q) => (
            config::fqdn(&q.name().to_ascii()),
            u16::from(q.query_type()),
        ),
        None => (String::new(), 0),
    }
}

const USAGE: &str =
    "usage: dnsshim-testsrv --config FILE --listen ADDR:PORT [--listen ADDR:PORT ...] \
                     [--ready-file PATH] [--verbose]";

fn run() -> Result<(), String> {
    let mut config = None;
    let mut listen: Vec<SocketAddr> = Vec::new();
    let mut ready = None;
    let mut verbose = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--config" => config = Some(val()?),
            "--listen" => {
                let v = val()?;
                listen.push(v.parse().map_err(|e| format!("--listen {v}: {e}"))?);
            }
            "--ready-file" => ready = Some(val()?),
            "--verbose" | "-v" => verbose = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => return Err(format!("unknown argument {a:?}\n{USAGE}")),
        }
    }
    let config = config.ok_or(USAGE)?;
    if listen.is_empty() {
        return Err(USAGE.into());
    }
    let text = std::fs::read_to_string(&config).map_err(|e| format!("{config}: {e}"))?;
    let cfg = Config::parse(&text).map_err(|e| format!("{config}: {e}"))?;
    let tcp = !cfg.tcp_refuse;
    let server = Arc::new(Server { cfg, verbose });

    let mut threads = Vec::new();
    for addr in &listen {
        let udp = UdpSocket::bind(addr).map_err(|e| format!("bind udp {addr}: {e}"))?;
        let s = Arc::clone(&server);
        threads.push(thread::spawn(move || s.serve_udp(udp)));
        if tcp {
            let l = TcpListener::bind(addr).map_err(|e| format!("bind tcp {addr}: {e}"))?;
            let s = Arc::clone(&server);
            threads.push(thread::spawn(move || s.serve_tcp(l)));
        }
    }
    if let Some(path) = ready {
        std::fs::write(&path, format!("{}\n", std::process::id()))
            .map_err(|e| format!("{path}: {e}"))?;
    }
    server.log(|| format!("listening on {listen:?}"));
    for t in threads {
        let _ = t.join();
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dnsshim-testsrv: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(cfg: &str) -> Server {
        Server {
            cfg: Config::parse(cfg).unwrap(),
            verbose: false,
        }
    }

    fn query(n: &str, t: RecordType, edns: Option<u16>) -> Message {
        let mut m = Message::new(0x1234, MessageType::Query, OpCode::Query);
        m.metadata.recursion_desired = true;
        m.add_query(Query::query(Name::from_ascii(n).unwrap(), t));
        if let Some(p) = edns {
            let mut e = Edns::new();
            e.set_max_payload(p);
            m.set_edns(e);
        }
        m
    }

    fn udp(s: &Server, q: &Message) -> Message {
        let (qn, qt) = key(q);
        let bytes = s.udp_bytes(q, s.answer(q), s.cfg.udp.get(&qn, qt)).unwrap();
        assert!(bytes.len() <= UDP_MAX);
        Message::from_vec(&bytes).unwrap()
    }

    #[test]
    fn cname_chain_and_negative_answers() {
        let s = server(
            "a.test CNAME b.test\nb.test CNAME c.test\nc.test A 10.0.0.1..3\n\
             n.test NODATA\nx.sub.test A 1.1.1.1\nd.test CNAME gone.test\n",
        );
        let r = s.answer(&query("A.test.", RecordType::A, None));
        assert_eq!(r.metadata.id, 0x1234);
        assert_eq!(r.queries[0].name().to_ascii(), "A.test.");
        let types: Vec<_> = r.answers.iter().map(|r| r.record_type()).collect();
        use RecordType::{A as TA, CNAME as TC};
        assert_eq!(types, [TC, TC, TA, TA, TA]);
        assert_eq!(r.answers[2].name.to_ascii(), "c.test.");
        for (n, rc) in [
            ("n.test.", ResponseCode::NoError),
            ("sub.test.", ResponseCode::NoError),
            ("nope.test.", ResponseCode::NXDomain),
            ("d.test.", ResponseCode::NXDomain),
        ] {
            let r = s.answer(&query(n, RecordType::A, None));
            assert_eq!(r.metadata.response_code, rc, "{n}");
            assert!(r.answers.iter().all(|a| a.record_type() == TC), "{n}");
            assert_eq!(r.authorities.len(), 1, "{n}");
        }
        let r = s.answer(&query("c.test.", RecordType::AAAA, None));
        assert!(r.answers.is_empty());
    }

    #[test]
    fn truncation_modes() {
        let q = query("big.test.", RecordType::A, None);
        let cfg = "big.test A 10.0.0.1..60\nudp truncate-fit fit.test\nfit.test A 10.0.0.1..60\n";
        let s = server(cfg);
        let r = udp(&s, &q);
        assert!(r.metadata.truncation);
        assert!(r.answers.is_empty());

        let r = udp(&s, &query("fit.test.", RecordType::A, None));
        assert!(r.metadata.truncation);
        let n = r.answers.len();
        assert!(n > 20 && n < 60, "{n}");
        assert!(r.to_vec().unwrap().len() <= 512);

        // EDNS0 payload 4096: everything fits, no TC; udp-size caps it again.
        let r = udp(&s, &query("big.test.", RecordType::A, Some(4096)));
        assert!(!r.metadata.truncation);
        assert_eq!(r.answers.len(), 60);
        assert!(r.edns.is_some());
        let s = server(&format!("{cfg}udp-size 512\n"));
        let r = udp(&s, &query("big.test.", RecordType::A, Some(4096)));
        assert!(r.metadata.truncation);

        let s = server("small.test A 1.2.3.4\nudp tc-always\n");
        let r = udp(&s, &query("small.test.", RecordType::A, None));
        assert!(r.metadata.truncation && r.answers.is_empty());
    }

    #[test]
    fn forced_rcode() {
        let s = server("sf.test A 1.2.3.4\nrcode sf.test SERVFAIL\nrcode r.test REFUSED AAAA\n");
        let r = s.answer(&query("sf.test.", RecordType::A, None));
        assert_eq!(r.metadata.response_code, ResponseCode::ServFail);
        assert!(r.answers.is_empty());
        let r = s.answer(&query("r.test.", RecordType::AAAA, None));
        assert_eq!(r.metadata.response_code, ResponseCode::Refused);
        let r = s.answer(&query("r.test.", RecordType::A, None));
        assert_eq!(r.metadata.response_code, ResponseCode::NXDomain);
    }
}
