//! Deciding whether a packet answers a query, and reading it.

use super::message::{skip_name, Body, Message, Name, Questions};
use super::name::same_bytes;
use super::HEADER_LEN;

/// A packet that answers the query it was checked against (see [`check_response`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The checked message. For a truncated or malformed packet, only the header and the
    /// question (no records).
    pub message: Message,
    /// Response code, including the EDNS0 extended bits when the OPT record was read.
    pub rcode: u16,
    /// TC bit: the records are incomplete and must not be used; ask again over TCP.
    pub truncated: bool,
    /// Size of the packet in bytes.
    pub len: usize,
    /// The packet matches the query (ID, question) but its body cannot be read and it is not
    /// truncated: it is not an answer, the server that sent it failed for this question.
    /// [`crate::transport::resolve`] never hands out a `Response` with this set.
    pub malformed: bool,
    /// It came over TCP (after a truncated UDP answer, with `use-vc`, or for a long query);
    /// set by the transport.
    pub tcp: bool,
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
/// When it does, the whole packet is checked ([`Message::parse`]):
/// - well formed: `Some(Response { malformed: false, .. })` with the full message;
/// - not well formed and TC set: `Some(Response { truncated: true, malformed: false, .. })`
///   whose message holds only header and question (a truncated packet may end in the middle
///   of a record; it only serves to trigger the TCP retry);
/// - not well formed and TC clear: `Some(Response { malformed: true, .. })`, header and
///   question only: a failure of the server that sent it, not an answer.
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
    let questions = Questions::read(resp)?;
    let end = questions.end;
    // Servers copy the question as it was asked: the same bytes, without a compression
    // pointer, are the same question.
    let copied = questions.plain_single()
        && query
            .get(HEADER_LEN..end)
            .is_some_and(|q| same_bytes(q, &resp[HEADER_LEN..end]));
    if !copied {
        let (want, want_end) = read_question(query)?;
        let got = Name::new(resp, HEADER_LEN);
        if resp[end - 4..end] != query[want_end - 4..want_end] || !got.eq_ignore_case(&want) {
            return None;
        }
    }
    let truncated = resp[2] & 0x02 != 0;
    let body = Body::check(resp, &questions);
    Some(Response {
        rcode: body.unwrap_or(Body::NONE).rcode(resp),
        malformed: body.is_none() && !truncated,
        message: Message::of(resp, &questions, body),
        truncated,
        len: resp.len(),
        tcp: false,
    })
}

/// The first question of a message: its name (checked) and where it ends (after its type and
/// class).
fn read_question(msg: &[u8]) -> Option<(Name<'_>, usize)> {
    let end = skip_name(msg, HEADER_LEN)? + 4;
    (end <= msg.len()).then_some((Name::new(msg, HEADER_LEN), end))
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
        assert_eq!(r.message.answers().count(), 1);
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
    fn compressed_question_is_compared_as_a_name() {
        // The question "host" + a pointer to "example.com" kept after the (empty) sections:
        // not the query's bytes, the same name.
        let q = query();
        let question = |suffix: &[u8], rest: &[u8]| {
            let mut r = good()[..12].to_vec();
            r[7] = 0; // no answer records
            r.extend_from_slice(b"\x04host\xc0\x17\x00\x01\x00\x01");
            assert_eq!(r.len(), 0x17);
            r.extend_from_slice(suffix);
            r.extend_from_slice(rest);
            r
        };
        let r = check_response(&q, &question(b"\x07EXAMPLE\x03com\x00", b"")).unwrap();
        assert!(!r.malformed);
        assert_eq!(r.message.question().unwrap().1, 1);
        assert!(check_response(&q, &question(b"\x07exampl3\x03com\x00", b"")).is_none());
        // The same bytes as the query up to a pointer's target are not enough: the name is
        // read through the pointer.
        let mut r = good();
        let plain = r.clone();
        r[2] |= 0x02;
        assert!(check_response(&q, &plain).is_some());
        assert!(check_response(&q, &r).unwrap().truncated);
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
        assert_eq!(resp.message.answer_count(), 0);
        assert!(resp.message.question().is_some());
    }

    #[test]
    fn malformed_is_flagged() {
        let mut r = good();
        r.truncate(r.len() - 3);
        let resp = check_response(&query(), &r).unwrap();
        assert!(resp.malformed);
        assert!(!resp.truncated);
        assert_eq!(resp.message.answer_count(), 0);
        assert_eq!(resp.rcode, rcode::NOERROR);
        // The header's response code is kept.
        r[3] |= 2;
        let resp = check_response(&query(), &r).unwrap();
        assert!(resp.malformed);
        assert_eq!(resp.rcode, rcode::SERVFAIL);
        assert_eq!(resp.message.bytes().len(), 12 + 18 + 4);
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
