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

use config::{Config, Data, Decoy, Mangle, TcpMode, UdpMode};

/// RFC 1035 4.2.1: UDP messages without EDNS0 are limited to 512 bytes.
const UDP_PLAIN_LIMIT: usize = 512;
/// Largest UDP payload we ever send (IPv4 maximum datagram minus headers).
const UDP_MAX: usize = 65507;
/// Longest CNAME chain followed before giving up (loops in the scenario file).
const MAX_CHAIN: usize = 64;
/// How long the real answer waits after a decoy, so that the decoy surely arrives first.
const DECOY_LEAD: Duration = Duration::from_millis(30);
/// Where `decoy other-addr` packets come from.
const OTHER_ADDR: std::net::Ipv4Addr = std::net::Ipv4Addr::new(127, 0, 0, 66);

struct Server {
    cfg: Config,
    verbose: bool,
}

/// Writes `dnsshim-testsrv: MSG` and a newline to stderr with one `write`: the UDP thread and
/// the TCP connection threads log at once, and the harness gives each server a log file of its
/// own, which it reads line by line (a line written in pieces could be split by another).
fn say(msg: &str) {
    let line = format!("dnsshim-testsrv: {msg}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// What happened to a question, for the verbose log.
fn describe(q: &Query) -> String {
    format!("{} {}", q.name(), q.query_type())
}

/// The end of a query's log line: ` at=LOCAL-ADDRESS`, ` edns=PAYLOAD` when the query has an
/// OPT record, ` ad=1` when it has the AD bit.
fn marks(query: &Message, local: Option<SocketAddr>) -> String {
    let mut s = String::new();
    if let Some(l) = local {
        s.push_str(&format!(" at={l}"));
    }
    if let Some(e) = &query.edns {
        s.push_str(&format!(" edns={}", e.max_payload()));
    }
    if query.metadata.authentic_data {
        s.push_str(" ad=1");
    }
    s
}

/// A name of the config (as [`config::key_of`] writes it) as a hickory name, any bytes in
/// its labels.
fn name(s: &str) -> Name {
    // Names were validated when the config was parsed into strings; a bad one here is a bug.
    config::labels(s)
        .and_then(|l| Name::from_labels(l.iter().map(Vec::as_slice)).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| panic!("bad name {s:?}: {e}"))
}

/// The key of a name in a query (lower case, odd bytes escaped: [`config::key_of`]).
fn name_key(n: &Name) -> String {
    config::key_of(&n.iter().collect::<Vec<&[u8]>>())
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

/// SOA for negative answers, owned by the question's top-level label, with this TTL and
/// MINIMUM.
fn soa_for(qname: &str, (ttl, minimum): (u32, u32)) -> Record {
    let labels: Vec<&str> = qname.trim_end_matches('.').rsplit('.').collect();
    let zone = match labels.first() {
        Some(l) if !l.is_empty() => format!("{l}."),
        _ => ".".to_string(),
    };
    let z = zone.trim_start_matches('.');
    let parse = |s: &str| Name::from_ascii(s).ok();
    // A label the zone language does not take ("2001:db8::5" asked as a name, raw bytes):
    // the root's SOA, so that such questions get an answer instead of stopping the server.
    let (owner, mname, rname) = match (
        parse(&zone),
        parse(&format!("ns.{z}")),
        parse(&format!("hostmaster.{z}")),
    ) {
        (Some(o), Some(m), Some(r)) => (o, m, r),
        _ => (
            Name::root(),
            name("ns.invalid."),
            name("hostmaster.invalid."),
        ),
    };
    let soa = SOA::new(mname, rname, 1, 3600, 600, 86400, minimum);
    Record::from_rdata(owner, ttl, RData::SOA(soa))
}

impl Server {
    /// The full answer to one question, before any size limit.
    fn answer(&self, query: &Message) -> Message {
        let mut meta = Metadata::response_from_request(&query.metadata);
        meta.authoritative = true;
        meta.recursion_available = true;
        let mut resp = Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
        resp.metadata = meta;
        resp.metadata.authentic_data = self.cfg.ad;
        resp.add_queries(query.queries.iter().cloned());
        if query.edns.is_some() && self.cfg.edns_formerr {
            resp.metadata.response_code = ResponseCode::FormErr;
            return resp;
        }
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
        let qname = name_key(q.name());
        let qtype = u16::from(q.query_type());
        if let Some(code) = self.cfg.rcode.get(&qname, qtype) {
            resp.metadata.response_code = ResponseCode::from_low(code as u8);
            return resp;
        }
        if let Some(records) = self.cfg.verbatim.get(&(qname.clone(), qtype)) {
            for (ttl, owner, d) in records {
                resp.add_answer(Record::from_rdata(name(owner), *ttl, to_rdata(d)));
            }
            return resp;
        }

        let mut owner = q.name().clone();
        let mut cur = qname.clone();
        for _ in 0..MAX_CHAIN {
            let Some(node) = self.cfg.zone.get(&cur) else {
                if !self.cfg.is_empty_nonterminal(&cur) {
                    resp.metadata.response_code = ResponseCode::NXDomain;
                }
                resp.add_authorities(self.cfg.soa.map(|soa| soa_for(&qname, soa)));
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
                resp.add_authorities(self.cfg.soa.map(|soa| soa_for(&qname, soa)));
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
                say(&format!("cannot encode answer: {e}"));
                None
            }
        }
    }

    /// The answer's bytes: by hand with `compact on` when [`encode_compact`] can, else by
    /// hickory (which compresses only some owner names).
    fn encode_answer(&self, msg: &Message) -> Option<Vec<u8>> {
        self.cfg
            .compact
            .then(|| encode_compact(msg))
            .flatten()
            .or_else(|| Self::encode(msg))
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
        let full = self.encode_answer(&resp)?;
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

    /// `dump DIR`: every response sent, one file each, for the fuzzers' seed corpus.
    fn dump(&self, qn: &str, qt: u16, proto: &str, bytes: &[u8]) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        if let Some(dir) = &self.cfg.dump {
            let n = N.fetch_add(1, Ordering::Relaxed);
            let file = format!(
                "{dir}/{}-{n}-{}{}-{}.bin",
                std::process::id(),
                qn.trim_end_matches('.'),
                RecordType::from(qt),
                proto
            );
            if let Err(e) = std::fs::write(&file, bytes) {
                say(&format!("{file}: {e}"));
            }
        }
    }

    fn log(&self, msg: impl FnOnce() -> String) {
        if self.verbose {
            say(&msg());
        }
    }

    fn serve_udp(self: Arc<Self>, sock: UdpSocket) {
        let mut buf = vec![0u8; 65536];
        loop {
            let (n, peer) = match sock.recv_from(&mut buf) {
                Ok(x) => x,
                Err(e) => {
                    say(&format!("udp recv: {e}"));
                    continue;
                }
            };
            let Some((query, resp)) = self.parse_and_answer(&buf[..n]) else {
                continue;
            };
            let (qn, qt) = key(&query);
            let mode = self.cfg.udp.get(&qn, qt);
            if mode == UdpMode::Silent {
                self.log(|| {
                    format!(
                        "udp {peer} {qn} {}: silent{}",
                        RecordType::from(qt),
                        marks(&query, sock.local_addr().ok())
                    )
                });
                continue;
            }
            let decoy = self.cfg.decoy.get(&qn, qt).and_then(|d| {
                let msg = decoy_message(&resp, d);
                Some((d, Self::encode(&msg)?))
            });
            let Some(mut bytes) = self.udp_bytes(&query, resp, mode) else {
                continue;
            };
            if let Some(m) = self.cfg.mangle.get(&qn, qt) {
                mangle(&mut bytes, m);
            }
            self.dump(&qn, qt, "udp", &bytes);
            self.log(|| {
                format!(
                    "udp {peer} {} id={}: {} bytes tc={}{}",
                    query.queries.first().map(describe).unwrap_or_default(),
                    query.metadata.id,
                    bytes.len(),
                    bytes.get(2).map_or(0, |b| (b >> 1) & 1),
                    marks(&query, sock.local_addr().ok())
                )
            });
            let mut delay = self.cfg.delay.get(&qn, qt);
            if let Some((kind, d)) = decoy {
                self.log(|| format!("udp {peer} {qn}: decoy {kind:?} first"));
                send_decoy(&sock, kind, &d, peer);
                delay = delay.max(DECOY_LEAD.as_millis() as u64);
            }
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
            let mode = self.cfg.tcp.get(&qn, qt);
            match mode {
                TcpMode::Close => {
                    self.log(|| format!("tcp {peer} {qn} {}: close", RecordType::from(qt)));
                    return;
                }
                TcpMode::Silent => {
                    self.log(|| format!("tcp {peer} {qn} {}: silent", RecordType::from(qt)));
                    continue;
                }
                _ => {}
            }
            let Some(mut bytes) = self.encode_answer(&resp) else {
                return;
            };
            if bytes.len() > 65535 {
                resp.metadata.truncation = true;
                resp.answers.clear();
                resp.authorities.clear();
                let Some(b) = Self::encode(&resp) else { return };
                bytes = b;
            }
            if let Some(m) = self.cfg.mangle.get(&qn, qt) {
                mangle(&mut bytes, m);
            }
            self.dump(&qn, qt, "tcp", &bytes);
            self.log(|| {
                format!(
                    "tcp {peer} {qn} {} id={}: {} bytes{}{}",
                    RecordType::from(qt),
                    query.metadata.id,
                    bytes.len(),
                    match mode {
                        TcpMode::Normal => String::new(),
                        m => format!(" ({m:?})"),
                    },
                    marks(&query, conn.local_addr().ok())
                )
            });
            let delay = self.cfg.delay.get(&qn, qt);
            if delay > 0 {
                thread::sleep(Duration::from_millis(delay));
            }
            // A message can be at most 65535 bytes; a mangled one is cut there.
            bytes.truncate(65535);
            let mut out = Vec::with_capacity(bytes.len() + 2);
            out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
            out.extend_from_slice(&bytes);
            let out: &[u8] = match mode {
                TcpMode::CloseAfterLength => &out[..2],
                TcpMode::CloseMidBody => &out[..2 + bytes.len() / 2],
                TcpMode::ZeroLength => &[0, 0],
                _ => &out,
            };
            if mode == TcpMode::Drip {
                for b in out.chunks(1) {
                    if conn.write_all(b).is_err() {
                        return;
                    }
                    thread::sleep(Duration::from_millis(self.cfg.drip_ms));
                }
                continue;
            }
            if conn.write_all(out).is_err() {
                return;
            }
            if matches!(
                mode,
                TcpMode::CloseAfterLength | TcpMode::CloseMidBody | TcpMode::ZeroLength
            ) {
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
                Err(e) => say(&format!("tcp accept: {e}")),
            }
        }
    }
}

/// A message whose answer section holds only A and AAAA records owned by the question name,
/// encoded with every owner a pointer to the question (offset 12): header and question as
/// hickory writes them, then 16 bytes per A record, 28 per AAAA. `None` for any other message
/// (authority or additional records, EDNS, other types or owners, more than 65535 records).
fn encode_compact(msg: &Message) -> Option<Vec<u8>> {
    let [q] = msg.queries.as_slice() else {
        return None;
    };
    if msg.answers.is_empty()
        || !msg.authorities.is_empty()
        || !msg.additionals.is_empty()
        || msg.edns.is_some()
    {
        return None;
    }
    let mut head = msg.clone();
    head.answers.clear();
    let mut out = head.to_vec().ok()?;
    let count = u16::try_from(msg.answers.len()).ok()?;
    out.get_mut(6..8)?.copy_from_slice(&count.to_be_bytes());
    for r in &msg.answers {
        if !r.name.eq_ignore_root(q.name()) {
            return None;
        }
        let (rtype, data): (u16, Vec<u8>) = match &r.data {
            RData::A(a) => (1, a.0.octets().to_vec()),
            RData::AAAA(a) => (28, a.0.octets().to_vec()),
            _ => return None,
        };
        out.extend_from_slice(&[0xc0, 12]);
        out.extend_from_slice(&rtype.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&r.ttl.to_be_bytes());
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(&data);
    }
    Some(out)
}

/// The decoy of `kind` for the answer `resp`: its records poisoned (every A 192.0.2.66, every
/// AAAA 2001:db8::66), then the header or question spoiled as `kind` says.
fn decoy_message(resp: &Message, kind: Decoy) -> Message {
    let mut m = resp.clone();
    for r in m.answers.iter_mut() {
        match r.data {
            RData::A(_) => r.data = RData::A(A::new(192, 0, 2, 66)),
            RData::AAAA(_) => r.data = RData::AAAA(AAAA::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x66)),
            _ => {}
        }
    }
    if m.answers.is_empty() {
        // Something to poison with even when the real answer is empty.
        if let Some(q) = m.queries.first() {
            let owner = q.name().clone();
            m.add_answer(Record::from_rdata(
                owner,
                300,
                RData::A(A::new(192, 0, 2, 66)),
            ));
        }
    }
    match kind {
        Decoy::WrongId => m.metadata.id ^= 0x5a5a,
        Decoy::WrongName => {
            if let Some(q) = m.queries.first_mut() {
                let n = q
                    .name()
                    .prepend_label("decoy")
                    .unwrap_or_else(|_| name("decoy."));
                q.set_name(n);
            }
        }
        Decoy::WrongType => {
            if let Some(q) = m.queries.first_mut() {
                let t = match q.query_type() {
                    RecordType::A => RecordType::AAAA,
                    _ => RecordType::A,
                };
                q.set_query_type(t);
            }
        }
        Decoy::WrongClass => {
            if let Some(q) = m.queries.first_mut() {
                q.set_query_class(hickory_proto::rr::DNSClass::CH);
            }
        }
        Decoy::QrClear => m.metadata.message_type = MessageType::Query,
        Decoy::OtherPort | Decoy::OtherAddr => {}
    }
    m
}

/// Sends a decoy to `peer`: from the serving socket, or from another port or address.
fn send_decoy(sock: &UdpSocket, kind: Decoy, bytes: &[u8], peer: SocketAddr) {
    let from = match (kind, sock.local_addr()) {
        (Decoy::OtherPort, Ok(local)) => SocketAddr::new(local.ip(), 0),
        (Decoy::OtherAddr, Ok(local)) => SocketAddr::new(OTHER_ADDR.into(), local.port()),
        _ => {
            let _ = sock.send_to(bytes, peer);
            return;
        }
    };
    match UdpSocket::bind(from) {
        Ok(s) => {
            let _ = s.send_to(bytes, peer);
        }
        Err(e) => say(&format!("decoy from {from}: {e}")),
    }
}

/// The positions in `msg` of the first answer record: (start of its owner name, end of the
/// owner name). `None` when there is no answer record or the message cannot be walked.
fn first_answer(msg: &[u8]) -> Option<(usize, usize)> {
    let count = |at: usize| Some(u16::from_be_bytes([*msg.get(at)?, *msg.get(at + 1)?]));
    let qd = count(4)?;
    if count(6)? == 0 {
        return None;
    }
    let mut pos = 12;
    for _ in 0..qd {
        pos = skip_name(msg, pos)? + 4;
    }
    Some((pos, skip_name(msg, pos)?))
}

/// The position right after the (possibly compressed) name at `pos`.
fn skip_name(msg: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = usize::from(*msg.get(pos)?);
        match len {
            0 => return Some(pos + 1),
            l if l & 0xc0 == 0xc0 => return Some(pos + 2),
            l if l < 64 => pos += 1 + l,
            _ => return None,
        }
    }
}

/// Applies `kind` to an encoded answer (see [`Mangle`]).
fn mangle(msg: &mut Vec<u8>, kind: Mangle) {
    if kind == Mangle::Empty {
        msg.clear();
        return;
    }
    if kind == Mangle::CountsHigh {
        if msg.len() >= 12 {
            let an = u16::from_be_bytes([msg[6], msg[7]]).saturating_add(5);
            msg[6..8].copy_from_slice(&an.to_be_bytes());
        }
        return;
    }
    let Some((start, end)) = first_answer(msg) else {
        return;
    };
    let pointer = |to: usize| {
        let to = to.min(0x3fff) as u16;
        (0xc000 | to).to_be_bytes().to_vec()
    };
    let owner: Vec<u8> = match kind {
        Mangle::PtrLoop => pointer(start),
        Mangle::PtrPastEnd => pointer(msg.len() + 16),
        Mangle::Label64 => {
            let mut v = vec![64];
            v.extend([b'a'; 64]);
            v.push(0);
            v
        }
        Mangle::Name256 => {
            let mut v = Vec::new();
            for _ in 0..5 {
                v.push(63);
                v.extend([b'a'; 63]);
            }
            v.push(0);
            v
        }
        Mangle::RdlengthPastEnd => {
            let past = (msg.len().saturating_sub(end + 10) + 100).min(0xffff) as u16;
            if let Some(rdlen) = msg.get_mut(end + 8..end + 10) {
                rdlen.copy_from_slice(&past.to_be_bytes());
            }
            return;
        }
        Mangle::ARdlength3 => {
            // Walk the answer records to the first A record with RDLENGTH 4.
            let an = u16::from_be_bytes([msg[6], msg[7]]);
            let mut pos = start;
            for _ in 0..an {
                let Some(e) = skip_name(msg, pos) else { return };
                let Some(h) = msg.get(e..e + 10) else { return };
                let (rtype, rdlen) = (
                    u16::from_be_bytes([h[0], h[1]]),
                    usize::from(u16::from_be_bytes([h[8], h[9]])),
                );
                if rtype == 1 && rdlen == 4 {
                    msg[e + 8..e + 10].copy_from_slice(&3u16.to_be_bytes());
                    msg.remove(e + 10 + 3);
                    return;
                }
                pos = e + 10 + rdlen;
            }
            return;
        }
        Mangle::Empty | Mangle::CountsHigh => return,
    };
    msg.splice(start..end, owner);
}

/// Lower-case question name and type code, for rule lookups.
fn key(query: &Message) -> (String, u16) {
    match query.queries.first() {
        Some(q) => (name_key(q.name()), u16::from(q.query_type())),
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
            say(&e);
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
    fn negative_answers_carry_the_configured_soa() {
        let soa_of = |cfg: &str, n: &str| {
            let r = server(cfg).answer(&query(n, RecordType::A, None));
            r.authorities.first().map(|rec| match &rec.data {
                RData::SOA(soa) => (rec.ttl, soa.minimum),
                other => panic!("{other:?}"),
            })
        };
        assert_eq!(soa_of("n.test NODATA\n", "nope.test."), Some((60, 60)));
        assert_eq!(
            soa_of("n.test NODATA\nsoa 30 2\n", "nope.test."),
            Some((30, 2))
        );
        assert_eq!(
            soa_of("n.test NODATA\nsoa 30 2\n", "n.test."),
            Some((30, 2))
        );
        assert_eq!(soa_of("n.test NODATA\nsoa off\n", "nope.test."), None);
        assert!(Config::parse("soa 30\n").is_err());
    }

    #[test]
    fn escaped_names_carry_any_byte() {
        // A PTR target and a CNAME chain through names with a space, a dot inside a label,
        // shell metacharacters and a byte over 0x7f.
        let s = server(
            "1.0.0.10.in-addr.arpa PTR evil\\;id`x`\\$(y)|z<s>.test\n\
             c.test CNAME a\\032b.x\\.y.b\\252.test\n\
             a\\032b.x\\.y.B\\252.test A 10.0.0.1\n",
        );
        let r = s.answer(&query("1.0.0.10.in-addr.arpa.", RecordType::PTR, None));
        let RData::PTR(p) = &r.answers[0].data else {
            panic!("{r:?}")
        };
        let want: [&[u8]; 2] = [b"evil;id`x`$(y)|z<s>", b"test"];
        assert_eq!(p.0.iter().collect::<Vec<_>>(), want);
        let r = s.answer(&query("c.test.", RecordType::A, None));
        assert_eq!(r.answers.len(), 2, "{r:?}");
        let want: [&[u8]; 4] = [b"a b", b"x.y", b"b\xfc", b"test"];
        assert_eq!(r.answers[1].name.iter().collect::<Vec<_>>(), want);
        // The key of a name: lower case, odd bytes as \DDD, read back by `labels`.
        assert_eq!(config::fqdn("A\\032b.X\\.y"), "a\\032b.x\\046y.");
        assert_eq!(
            config::labels("a\\032b.x\\046y.").unwrap(),
            [&b"a b"[..], b"x.y"]
        );
        assert!(config::labels("a..b").is_err());
        assert!(config::labels(&"a".repeat(64)).is_err());
        // Bytes survive encoding.
        let bytes = Server::encode(&r).unwrap();
        assert!(bytes.windows(3).any(|w| w == b"a b"));
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
    fn verbatim_answers_and_long_chains() {
        let s = server(
            "answer loop.test A loop.test CNAME l2.test\nanswer loop.test A l2.test CNAME loop.test\n\
             answer dup.test A dup.test A 10.0.0.1 10.0.0.1\n",
        );
        let r = s.answer(&query("loop.test.", RecordType::A, None));
        assert_eq!(r.metadata.response_code, ResponseCode::NoError);
        assert_eq!(r.answers.len(), 2);
        assert_eq!(r.answers[1].name.to_ascii(), "l2.test.");
        let r = s.answer(&query("dup.test.", RecordType::A, None));
        assert_eq!(r.answers.len(), 2);
        let mut chain = String::new();
        for i in 0..20 {
            chain += &format!("c{i}.test CNAME c{}.test\n", i + 1);
        }
        chain += "c20.test A 10.0.0.20\n";
        let r = server(&chain).answer(&query("c0.test.", RecordType::A, None));
        assert_eq!(r.answers.len(), 21);
    }

    fn mangled(kind: Mangle) -> Vec<u8> {
        let s = server("m.test A 10.0.0.1 10.0.0.2\n");
        let mut b = Server::encode(&s.answer(&query("m.test.", RecordType::A, None))).unwrap();
        mangle(&mut b, kind);
        b
    }

    #[test]
    fn mangles() {
        let good = mangled(Mangle::Empty);
        assert!(good.is_empty());
        let s = server("m.test A 10.0.0.1 10.0.0.2\n");
        let plain = Server::encode(&s.answer(&query("m.test.", RecordType::A, None))).unwrap();
        assert!(Message::from_vec(&plain).is_ok());
        // Header 12, question "m.test." 8 + 4: the first answer's owner is at 24.
        assert_eq!(first_answer(&plain), Some((24, 26)));
        for kind in [
            Mangle::PtrLoop,
            Mangle::PtrPastEnd,
            Mangle::Label64,
            Mangle::Name256,
            Mangle::RdlengthPastEnd,
            Mangle::CountsHigh,
            Mangle::ARdlength3,
        ] {
            let b = mangled(kind);
            assert!(Message::from_vec(&b).is_err(), "{kind:?} still parses");
            assert_eq!(&b[..6], &plain[..6], "{kind:?}: header");
            assert_eq!(&b[8..24], &plain[8..24], "{kind:?}: question");
        }
        assert_eq!(&mangled(Mangle::PtrLoop)[24..26], &[0xc0, 24]);
        assert_eq!(mangled(Mangle::Name256).len(), plain.len() - 2 + 321);
        assert_eq!(mangled(Mangle::ARdlength3).len(), plain.len() - 1);
        assert_eq!(mangled(Mangle::CountsHigh)[7], 7);
    }

    #[test]
    fn decoys_are_poisoned_and_spoiled() {
        let s = server("d.test A 10.0.0.1\n");
        let r = s.answer(&query("d.test.", RecordType::A, None));
        let d = decoy_message(&r, Decoy::WrongId);
        assert_ne!(d.metadata.id, r.metadata.id);
        assert_eq!(d.answers[0].data, RData::A(A::new(192, 0, 2, 66)));
        let d = decoy_message(&r, Decoy::WrongName);
        assert_eq!(d.queries[0].name().to_ascii(), "decoy.d.test.");
        let d = decoy_message(&r, Decoy::WrongType);
        assert_eq!(d.queries[0].query_type(), RecordType::AAAA);
        let d = decoy_message(&r, Decoy::QrClear);
        assert_eq!(d.metadata.message_type, MessageType::Query);
        let d = decoy_message(&r, Decoy::OtherPort);
        assert_eq!(d.metadata.id, r.metadata.id);
        assert_eq!(d.queries, r.queries);
    }

    #[test]
    fn edns_formerr_and_ad() {
        let s = server("a.test A 1.2.3.4\nedns formerr\nad on\n");
        let r = s.answer(&query("a.test.", RecordType::A, Some(1232)));
        assert_eq!(r.metadata.response_code, ResponseCode::FormErr);
        assert!(r.edns.is_none() && r.answers.is_empty());
        let r = s.answer(&query("a.test.", RecordType::A, None));
        assert_eq!(r.metadata.response_code, ResponseCode::NoError);
        assert!(r.metadata.authentic_data);
        assert_eq!(r.answers.len(), 1);
        let q = query("a.test.", RecordType::A, Some(700));
        assert_eq!(marks(&q, None), " edns=700");
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
