//! Deciding whether a packet answers a query, and parsing it.

use hickory_proto::op::{Header, Message, Query};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

use super::HEADER_LEN;

/// Longest uncompressed name on the wire (RFC 1035 3.1).
const MAX_WIRE_NAME: usize = 255;
/// Compression pointers followed while reading one name before giving up (loop guard).
const MAX_POINTERS: usize = 64;

/// A packet that answers the query it was checked against (see [`check_response`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The parsed message. For a truncated or malformed packet that hickory cannot parse, only
    /// the header and the question (no records).
    pub message: Message,
    /// Response code, including the EDNS0 extended bits when the OPT record was parsed.
    pub rcode: u16,
    /// TC bit: the records are incomplete and must not be used; ask again over TCP.
    pub truncated: bool,
    /// Size of the packet in bytes.
    pub len: usize,
    /// The packet matches the query (ID, question) but its body cannot be parsed and it is not
    /// truncated: it is not an answer, the server that sent it failed for this question.
    /// [`crate::transport::resolve`] never hands out a `Response` with this set.
    pub malformed: bool,
}

/// The ID of a message (first two bytes), if it has a full header.
pub fn query_id(msg: &[u8]) -> Option<u16> {
    if msg.len() < HEADER_LEN {
        return None;
    }
    Some(u16::from_be_bytes([msg[0], msg[1]]))
}

/// Does `resp` answer `query`? `None` when it does not: shorter than a header, QR=0, another
/// ID, QDCOUNT != 1, or a question (name compared ASCII-case-insensitively, type, class) other
/// than the query's. Such packets are to be ignored (keep waiting).
///
/// When it does, the packet is parsed with hickory-proto:
/// - parsed: `Some(Response { malformed: false, .. })` with the full message;
/// - not parsable and TC set: `Some(Response { truncated: true, malformed: false, .. })` whose
///   message holds only header and question (a truncated packet may end in the middle of a
///   record; it only serves to trigger the TCP retry);
/// - not parsable and TC clear: `Some(Response { malformed: true, .. })`, header and question
///   only: a failure of the server that sent it, not an answer.
///
/// Never panics, whatever the input.
pub fn check_response(query: &[u8], resp: &[u8]) -> Option<Response> {
    if resp.len() < HEADER_LEN || query.len() < HEADER_LEN {
        return None;
    }
    if resp[0..2] != query[0..2] || resp[2] & 0x80 == 0 {
        return None;
    }
    if u16::from_be_bytes([resp[4], resp[5]]) != 1 {
        return None;
    }
    let expected = read_question(query)?;
    if read_question(resp)? != expected {
        return None;
    }
    let truncated = resp[2] & 0x02 != 0;
    match Message::from_vec(resp) {
        Ok(message) => Some(Response {
            rcode: u16::from(message.metadata.response_code),
            message,
            truncated,
            len: resp.len(),
            malformed: false,
        }),
        Err(_) => Some(Response {
            message: header_and_question(resp)?,
            rcode: u16::from(resp[3] & 0x0f),
            truncated,
            len: resp.len(),
            malformed: !truncated,
        }),
    }
}

/// A message with only the header and the question of `resp` (whose question already parsed by
/// hand, so hickory's reading of it should succeed too; if not, header only).
fn header_and_question(resp: &[u8]) -> Option<Message> {
    let mut decoder = BinDecoder::new(resp);
    let header = Header::read(&mut decoder).ok()?;
    let metadata = header.metadata;
    let mut message = Message::new(metadata.id, metadata.message_type, metadata.op_code);
    message.metadata = metadata;
    if let Ok(q) = Query::read(&mut decoder) {
        message.add_query(q);
    }
    Some(message)
}

/// A name in uncompressed wire form with ASCII letters lowercased, on the stack.
#[derive(Clone, Copy)]
struct WireName {
    bytes: [u8; MAX_WIRE_NAME],
    len: usize,
}

impl WireName {
    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Appends `part`; `None` when the name would exceed [`MAX_WIRE_NAME`] bytes.
    fn push(&mut self, part: impl ExactSizeIterator<Item = u8>) -> Option<()> {
        let end = self.len.checked_add(part.len())?;
        for (dst, b) in self.bytes.get_mut(self.len..end)?.iter_mut().zip(part) {
            *dst = b;
        }
        self.len = end;
        Some(())
    }
}

impl PartialEq for WireName {
    fn eq(&self, other: &WireName) -> bool {
        self.as_slice() == other.as_slice()
    }
}

/// The first question of a message: its name in uncompressed wire form with ASCII letters
/// lowercased, its type and class.
fn read_question(msg: &[u8]) -> Option<(WireName, u16, u16)> {
    let (name, pos) = read_name(msg, HEADER_LEN)?;
    let tail = msg.get(pos..pos + 4)?;
    Some((
        name,
        u16::from_be_bytes([tail[0], tail[1]]),
        u16::from_be_bytes([tail[2], tail[3]]),
    ))
}

/// Reads the possibly compressed name at `pos`: its uncompressed wire form (ASCII lowercased)
/// and the position right after it in `msg`. `None` for anything malformed: out of bounds,
/// longer than 255 bytes, pointer loops, extended label types.
fn read_name(msg: &[u8], mut pos: usize) -> Option<(WireName, usize)> {
    let mut out = WireName {
        bytes: [0; MAX_WIRE_NAME],
        len: 0,
    };
    let mut end = None;
    let mut pointers = 0;
    loop {
        let len = usize::from(*msg.get(pos)?);
        match len & 0xc0 {
            0x00 if len == 0 => {
                out.push(std::iter::once(0))?;
                return Some((out, end.unwrap_or(pos + 1)));
            }
            0x00 => {
                let label = msg.get(pos + 1..pos + 1 + len)?;
                out.push(std::iter::once(len as u8))?;
                out.push(label.iter().map(u8::to_ascii_lowercase))?;
                pos += 1 + len;
            }
            0xc0 => {
                let low = usize::from(*msg.get(pos + 1)?);
                end.get_or_insert(pos + 2);
                pointers += 1;
                if pointers > MAX_POINTERS {
                    return None;
                }
                pos = ((len & 0x3f) << 8) | low;
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testutil::{a_record, respond, Reply};
    use crate::wire::{build_query, rcode};

    fn query() -> Vec<u8> {
        build_query(0x4242, "Host.Example.com", 1, None).unwrap()
    }

    fn good() -> Vec<u8> {
        respond(
            &query(),
            &Reply::records(vec![a_record("host.example.com", [192, 0, 2, 1])]),
        )
    }

    #[test]
    fn accepts_matching_answer() {
        let q = query();
        let r = check_response(&q, &good()).unwrap();
        assert_eq!(r.rcode, rcode::NOERROR);
        assert!(!r.truncated && !r.malformed);
        assert_eq!(r.len, good().len());
        assert_eq!(r.message.answers.len(), 1);
    }

    #[test]
    fn question_name_is_case_insensitive() {
        let mut r = good();
        // "host" label starts at 13: upper-case it in the response's question.
        r[13..17].copy_from_slice(b"HOST");
        assert!(check_response(&query(), &r).is_some());
    }

    #[test]
    fn nxdomain_is_accepted() {
        let r = respond(&query(), &Reply::rcode(rcode::NXDOMAIN));
        assert_eq!(check_response(&query(), &r).unwrap().rcode, rcode::NXDOMAIN);
    }

    #[test]
    fn rejects_wrong_id() {
        let mut r = good();
        r[1] ^= 1;
        assert!(check_response(&query(), &r).is_none());
    }

    #[test]
    fn rejects_query_bit_clear() {
        let mut r = good();
        r[2] &= 0x7f;
        assert!(check_response(&query(), &r).is_none());
        // A query is not its own answer.
        assert!(check_response(&query(), &query()).is_none());
    }

    #[test]
    fn rejects_wrong_name() {
        let r = respond(
            &build_query(0x4242, "other.example.com", 1, None).unwrap(),
            &Reply::records(vec![]),
        );
        assert!(check_response(&query(), &r).is_none());
        let r = respond(
            &build_query(0x4242, "host.example.co", 1, None).unwrap(),
            &Reply::records(vec![]),
        );
        assert!(check_response(&query(), &r).is_none());
    }

    #[test]
    fn rejects_wrong_type_and_class() {
        let r = respond(
            &build_query(0x4242, "host.example.com", 28, None).unwrap(),
            &Reply::records(vec![]),
        );
        assert!(check_response(&query(), &r).is_none());
        let mut r = good();
        let class_pos = 12 + 18 + 2; // header, name (18 bytes), type
        assert_eq!(&r[class_pos..class_pos + 2], &[0, 1]);
        r[class_pos + 1] = 3; // CH
        assert!(check_response(&query(), &r).is_none());
    }

    #[test]
    fn rejects_qdcount_not_one() {
        let mut r = good();
        r[5] = 0;
        assert!(check_response(&query(), &r).is_none());
        r[5] = 2;
        assert!(check_response(&query(), &r).is_none());
    }

    #[test]
    fn rejects_short_and_garbage() {
        let q = query();
        assert!(check_response(&q, &[]).is_none());
        assert!(check_response(&q, &q[..11]).is_none());
        assert!(check_response(&q, &[0xff; 300]).is_none());
        let mut r = good();
        r.truncate(20); // header fine, question cut
        assert!(check_response(&q, &r).is_none());
        assert!(check_response(&[], &good()).is_none());
    }

    #[test]
    fn compressed_question_pointer_loop_is_rejected() {
        let mut r = good()[..12].to_vec();
        r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        assert!(check_response(&query(), &r).is_none());
    }

    #[test]
    fn truncated_unparsable_is_reported_truncated() {
        let mut r = respond(
            &query(),
            &Reply::records(vec![
                a_record("host.example.com", [192, 0, 2, 1]),
                a_record("host.example.com", [192, 0, 2, 2]),
            ]),
        );
        r.truncate(r.len() - 3); // cut inside the last record
        r[2] |= 0x02;
        let resp = check_response(&query(), &r).unwrap();
        assert!(resp.truncated);
        assert!(!resp.malformed);
        assert!(resp.message.answers.is_empty());
        assert_eq!(resp.message.queries.len(), 1);
    }

    #[test]
    fn malformed_is_flagged() {
        let mut r = good();
        r.truncate(r.len() - 3);
        let resp = check_response(&query(), &r).unwrap();
        assert!(resp.malformed);
        assert!(!resp.truncated);
        assert!(resp.message.answers.is_empty());
    }

    #[test]
    fn never_panics_on_mutations() {
        use crate::wire::testutil::{aaaa_record, cname_record};
        let q = query();
        let mut records = vec![cname_record("host.example.com", "x.example.net")];
        records.push(a_record("x.example.net", [192, 0, 2, 1]));
        records.push(aaaa_record("x.example.net", "2001:db8::1".parse().unwrap()));
        let base = respond(&q, &Reply::records(records));
        let iterations = std::env::var("DNSSHIM_FUZZ_ITERATIONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000u32);
        let mut seed: u32 = 12345;
        let mut next = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            seed >> 8
        };
        for _ in 0..iterations {
            let mut r = base.clone();
            // Keep ID, QR and the question most of the time so that parsing is reached.
            for _ in 0..(next() % 4 + 1) {
                let pos = if next() % 8 == 0 {
                    next() as usize % r.len()
                } else {
                    30 + next() as usize % (r.len() - 30)
                };
                r[pos] = next() as u8;
            }
            if next() % 5 == 0 {
                let cut = next() as usize % r.len();
                r.truncate(cut);
            }
            if next() % 7 == 0 && r.len() > 2 {
                r[2] |= 0x02;
            }
            let _ = check_response(&q, &r);
        }
    }
}
