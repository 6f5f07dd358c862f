//! The library's message reader ([`wire::Message`]) held against hickory-proto's
//! (`Message::from_vec`), the independent reference: the same bytes through both, the same
//! verdict and, where both read a message, the same header, question and answer records.
//!
//! Where they part, the reason must be one the library means ([`Intended`]); any other is a
//! finding.

use crate::wire::{self, rtype, Message};
use hickory_proto::op::{Header, Message as HMessage, Query};
use hickory_proto::rr::{Name as HName, RData, Record as HRecord};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

/// The types whose data the library reads, and checks whole when it takes a message in.
const READ_TYPES: [u16; 9] = [
    rtype::A,
    rtype::AAAA,
    rtype::NS,
    rtype::CNAME,
    rtype::PTR,
    rtype::DNAME,
    rtype::MX,
    rtype::SRV,
    rtype::SOA,
];

/// The disagreements the library means to have with hickory-proto: the short list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intended {
    /// A compression pointer that does not lead back: to the piece of the name that holds it
    /// or to a place after it, or to labels that run into that piece. hickory refuses it
    /// (RFC 1035 4.1.4 speaks of "a prior occurrence"); the library follows any pointer inside
    /// the packet, with a guard against loops, as glibc's and musl's `dn_expand` do.
    ForwardPointer,
    /// A record with empty data: hickory reads it as an UPDATE prerequisite and refuses it in
    /// any other message (and takes it in an UPDATE); the library asks for data only of the
    /// types it reads (an A record has four bytes).
    EmptyData,
    /// A record the library does not read, wrong in a way only hickory checks: anything outside
    /// the answer section past the owner names and lengths (OPT placement, owner and count,
    /// TXT strings, SVCB parameters, ...), and in the answer section a record of a type whose
    /// data the library does not read (not in [`READ_TYPES`]) or that may only stand in the
    /// additional section (OPT, SIG, TSIG).
    UnreadRecord,
    /// DNAME data: the library checks it is one name (it reads DNAME targets), hickory keeps
    /// it as bytes.
    DnameData,
}

/// The same bytes through both readers.
///
/// Invariants: both take the message in or both refuse it, unless [`Intended`] names why
/// not; where both take it: the same ID, response code (with the OPT record's upper bits),
/// first question (labels, type, class), and answer records (owner labels, type, class, TTL,
/// and the data of the types the library reads: addresses, target names, MX, SRV and SOA
/// fields; the bytes of the types hickory does not know).
pub fn message_vs_hickory(data: &[u8]) {
    let ours = Message::parse(data);
    let theirs = HMessage::from_vec(data);
    match (&ours, &theirs) {
        (Some(m), Ok(h)) => same_contents(m, h),
        (None, Err(_)) => {}
        (Some(_), Err(e)) => {
            let why = intended(data);
            assert!(
                why.is_some(),
                "only the library reads this message (hickory: {e}): {data:02x?}"
            );
        }
        (None, Ok(_)) => {
            let why = intended(data);
            assert!(
                why.is_some(),
                "only hickory reads this message: {data:02x?}"
            );
        }
    }
}

/// Why the two readers may part on `data`, if a listed reason holds.
fn intended(data: &[u8]) -> Option<Intended> {
    let walk = Walk::of(data);
    if walk.forward_pointer {
        return Some(Intended::ForwardPointer);
    }
    if walk.empty_data {
        return Some(Intended::EmptyData);
    }
    if hickory_fails_on_unread_record(data) {
        return Some(Intended::UnreadRecord);
    }
    if !walk.dnames.is_empty() {
        // The library takes the message once its DNAME records are of a type it does not read.
        let mut other = data.to_vec();
        for at in &walk.dnames {
            other[*at..*at + 2].copy_from_slice(&0xff00u16.to_be_bytes());
        }
        if Message::parse(&other).is_some() {
            return Some(Intended::DnameData);
        }
    }
    None
}

/// Whether hickory, reading `data` record by record, gets through the header, the questions
/// and the answer records of the types the library reads, and refuses something after that:
/// a record outside the answer section, or an answer record the library does not read.
fn hickory_fails_on_unread_record(data: &[u8]) -> bool {
    let mut d = BinDecoder::new(data);
    let Ok(header) = Header::read(&mut d) else {
        return false;
    };
    let c = header.counts;
    if HMessage::read_queries(&mut d, usize::from(c.queries)).is_err() {
        return false;
    }
    let op = header.metadata.op_code;
    for (section, n) in [c.answers, c.authorities, c.additionals]
        .into_iter()
        .enumerate()
    {
        for _ in 0..n {
            let start = d.index();
            if HMessage::read_records(&mut d, 1, section == 2, op).is_err() {
                return section != 0 || !record_type_at(data, start).is_some_and(is_read);
            }
        }
    }
    // Every record reads alone: the message fails on a rule across records (a second OPT, a
    // record after a TSIG), all of the additional section.
    true
}

fn is_read(t: u16) -> bool {
    READ_TYPES.contains(&t)
}

/// The type of the record starting at `at` (after its owner name).
fn record_type_at(data: &[u8], at: usize) -> Option<u16> {
    let end = name_end(data, at)?;
    let t = data.get(end..end + 2)?;
    Some(u16::from_be_bytes([t[0], t[1]]))
}

/// Where the name at `at` ends in place: after its root byte or its first pointer.
fn name_end(data: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let b = *data.get(at)?;
        match b {
            0 => return Some(at + 1),
            _ if b & 0xc0 == 0xc0 => return Some(at + 2),
            _ if b & 0xc0 == 0 => at += 1 + usize::from(b),
            _ => return None,
        }
    }
}

/// What a plain walk over the message's sections finds (as far as the structure reads).
#[derive(Debug, Default)]
struct Walk {
    /// A name (question, owner, or in the data of a type the library reads) holds a pointer to
    /// the start of its own piece or later.
    forward_pointer: bool,
    /// A record has empty data.
    empty_data: bool,
    /// Where the type field of each DNAME record is.
    dnames: Vec<usize>,
}

impl Walk {
    fn of(data: &[u8]) -> Walk {
        let mut w = Walk::default();
        let Some(counts) = data.get(4..12) else {
            return w;
        };
        let count = |i: usize| usize::from(u16::from_be_bytes([counts[i], counts[i + 1]]));
        let mut at = wire::HEADER_LEN;
        for _ in 0..count(0) {
            w.name(data, at);
            match name_end(data, at) {
                Some(end) => at = end + 4,
                None => return w,
            }
        }
        for _ in 0..count(2) + count(4) + count(6) {
            w.name(data, at);
            let Some(end) = name_end(data, at) else {
                return w;
            };
            let Some(f) = data.get(end..end + 10) else {
                return w;
            };
            let t = u16::from_be_bytes([f[0], f[1]]);
            let len = usize::from(u16::from_be_bytes([f[8], f[9]]));
            let rdata = end + 10;
            w.empty_data |= len == 0;
            if t == rtype::DNAME {
                w.dnames.push(end);
            }
            // The names in the data of the types the library reads.
            let names: &[usize] = match t {
                rtype::NS | rtype::CNAME | rtype::PTR | rtype::DNAME => &[0],
                rtype::MX => &[2],
                rtype::SRV => &[6],
                rtype::SOA => &[0, usize::MAX],
                _ => &[],
            };
            let mut next = rdata;
            for &off in names {
                let n = if off == usize::MAX { next } else { rdata + off };
                if n < rdata + len {
                    w.name(data, n);
                    next = name_end(data, n).unwrap_or(rdata + len);
                }
            }
            if rdata + len > data.len() {
                return w;
            }
            at = rdata + len;
        }
        w
    }

    /// Follows the name at `at` through its pointers, noting one that does not lead back
    /// (hickory's rule: to a place before the start of the piece of the name that holds it,
    /// whose labels end before that piece).
    fn name(&mut self, data: &[u8], mut at: usize) {
        let mut piece = at;
        let mut limit = usize::MAX;
        for _ in 0..128 {
            if at >= limit {
                self.forward_pointer = true;
                return;
            }
            let Some(&b) = data.get(at) else {
                return;
            };
            match b {
                0 => return,
                _ if b & 0xc0 == 0xc0 => {
                    let Some(&lo) = data.get(at + 1) else {
                        return;
                    };
                    let target = usize::from(u16::from_be_bytes([b & 0x3f, lo]));
                    if target >= piece {
                        self.forward_pointer = true;
                        return;
                    }
                    limit = piece;
                    at = target;
                    piece = target;
                }
                _ if b & 0xc0 == 0 => at += 1 + usize::from(b),
                _ => return,
            }
        }
    }
}

/// The labels of a name of ours and of hickory's.
fn labels_of(n: &wire::Name<'_>) -> Vec<Vec<u8>> {
    n.labels().map(<[u8]>::to_vec).collect()
}

fn hlabels(n: &HName) -> Vec<Vec<u8>> {
    n.iter().map(<[u8]>::to_vec).collect()
}

/// Both readers took the message in: they read the same.
fn same_contents(m: &Message, h: &HMessage) {
    assert_eq!(m.id(), h.metadata.id, "ID");
    assert_eq!(
        m.rcode(),
        u16::from(h.metadata.response_code),
        "response code"
    );
    match (m.question(), h.queries.first()) {
        (None, None) => {}
        (Some((name, t, class)), Some(q)) => same_question(&name, t, class, q),
        (ours, theirs) => panic!("question: {ours:?} against {theirs:?}"),
    }
    assert_eq!(m.answer_count(), h.answers.len(), "answer count");
    for (r, hr) in m.answers().zip(&h.answers) {
        same_record(&r, hr);
    }
}

fn same_question(name: &wire::Name<'_>, t: u16, class: u16, q: &Query) {
    assert_eq!(labels_of(name), hlabels(&q.name), "question name");
    assert_eq!(t, u16::from(q.query_type), "question type");
    assert_eq!(class, u16::from(q.query_class), "question class");
}

fn same_record(r: &wire::Record<'_>, h: &HRecord) {
    assert_eq!(labels_of(&r.name), hlabels(&h.name), "owner");
    assert_eq!(r.rtype, u16::from(h.record_type()), "type");
    assert_eq!(r.class, u16::from(h.dns_class), "class");
    assert_eq!(r.ttl, h.ttl, "TTL");
    let name_at = |offset| r.name_at(offset).map(|(n, next)| (labels_of(&n), next));
    match &h.data {
        RData::A(a) => assert_eq!(r.a(), Some(a.0), "A"),
        RData::AAAA(a) => assert_eq!(r.aaaa(), Some(a.0), "AAAA"),
        RData::CNAME(n) => assert_eq!(r.target().map(|t| labels_of(&t)), Some(hlabels(&n.0))),
        RData::NS(n) => assert_eq!(r.target().map(|t| labels_of(&t)), Some(hlabels(&n.0))),
        RData::PTR(n) => assert_eq!(r.target().map(|t| labels_of(&t)), Some(hlabels(&n.0))),
        RData::MX(mx) => {
            let d = r.data();
            assert_eq!(
                u16::from_be_bytes([d[0], d[1]]),
                mx.preference,
                "MX preference"
            );
            assert_eq!(name_at(2).map(|n| n.0), Some(hlabels(&mx.exchange)), "MX");
        }
        RData::SRV(srv) => {
            let d = r.data();
            let word = |i: usize| u16::from_be_bytes([d[i], d[i + 1]]);
            assert_eq!(
                (word(0), word(2), word(4)),
                (srv.priority, srv.weight, srv.port),
                "SRV fields"
            );
            assert_eq!(name_at(6).map(|n| n.0), Some(hlabels(&srv.target)), "SRV");
        }
        RData::SOA(soa) => {
            let (mname, next) = name_at(0).expect("SOA mname");
            let (rname, end) = name_at(next).expect("SOA rname");
            assert_eq!(mname, hlabels(&soa.mname), "SOA mname");
            assert_eq!(rname, hlabels(&soa.rname), "SOA rname");
            let d = &r.data()[end..];
            let word = |i: usize| u32::from_be_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]);
            assert_eq!(word(0), soa.serial, "SOA serial");
        }
        RData::Unknown { rdata, .. } => assert_eq!(r.data(), rdata.anything, "data"),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_pointers_are_seen() {
        // One question whose name points at itself, and one that points back to it.
        let mut m = vec![0, 1, 0x81, 0x80, 0, 2, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        assert!(Walk::of(&m).forward_pointer);
        let mut m = vec![0, 1, 0x81, 0x80, 0, 2, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(&[1, b'a', 0, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1]);
        assert!(!Walk::of(&m).forward_pointer);
        message_vs_hickory(&m);
    }

    #[test]
    fn empty_data_is_seen() {
        let mut m = vec![0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        m.extend_from_slice(&[1, b'a', 0, 0, 1, 0, 1]);
        m.extend_from_slice(&[0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 0]);
        let w = Walk::of(&m);
        assert!(w.empty_data && !w.forward_pointer);
        message_vs_hickory(&m);
    }

    #[test]
    fn op_code_does_not_matter() {
        // An UPDATE (opcode 5) reads as any other message here.
        let mut m = vec![0, 1, 0x80 | 5 << 3, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(&[1, b'a', 0, 0, 6, 0, 1]);
        message_vs_hickory(&m);
        let h = HMessage::from_vec(&m).unwrap();
        assert_eq!(h.metadata.op_code, hickory_proto::op::OpCode::Update);
    }
}
