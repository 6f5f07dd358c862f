//! How long an answer may be served again: its TTLs (RFC 1035 3.2.1), RFC 2308 for negative
//! answers.

use crate::wire::{self, rcode, rtype, Message, Response, CLASS_IN};

/// A TTL with the most significant bit set is read as zero (RFC 2181 8: TTLs are 0 to
/// 2^31 - 1).
const MAX_TTL: u32 = i32::MAX as u32;

/// The seconds `r`, the answer to `qname` (as asked) and `qtype`, may be served again, before
/// any cap; `None` (or `Some(0)`) when it must not be kept:
/// - an answer with records of `qtype` at the end of the CNAME chain (what a lookup takes):
///   the smallest TTL of the answer section's records, the chain's CNAME records and the
///   records at its end (a server adding other records only makes it shorter);
/// - NXDOMAIN, or NOERROR without such records (NODATA): RFC 2308 5, the smaller of the SOA
///   record's TTL and its MINIMUM field, the SOA taken from the authority section (and no
///   longer than any record of the answer section: a CNAME chain leading to the negative
///   name). Without an SOA record: never (RFC 2308 5: "SHOULD NOT be cached");
/// - anything else: never. SERVFAIL and the other codes, truncated or malformed answers
///   (the transport hands out none of them for a lookup, this says so again), and
///   timeouts, which are no answer at all.
pub fn lifetime(r: &Response, qname: &str, qtype: u16) -> Option<u32> {
    if r.truncated || r.malformed {
        return None;
    }
    let m = &r.message;
    let answers = m.answers().map(|rec| ttl(rec.ttl)).min();
    match r.rcode {
        rcode::NOERROR if has_data(m, qname, qtype) => answers,
        rcode::NOERROR | rcode::NXDOMAIN => {
            let negative = negative_ttl(m)?;
            Some(answers.map_or(negative, |a| a.min(negative)))
        }
        _ => None,
    }
}

/// A record's TTL as a cache reads it.
fn ttl(t: u32) -> u32 {
    if t > MAX_TTL {
        0
    } else {
        t
    }
}

/// Whether the answer has records of `qtype` at the end of the chain from `qname`.
fn has_data(m: &Message, qname: &str, qtype: u16) -> bool {
    !wire::collect(m, qname, qtype).records.is_empty()
}

/// RFC 2308 5: the TTL of a negative answer, from the first SOA record of the authority
/// section: the smaller of its own TTL and its MINIMUM field.
fn negative_ttl(m: &Message) -> Option<u32> {
    m.authority()
        .find(|r| r.rtype == rtype::SOA && r.class == CLASS_IN)
        .and_then(|soa| Some(ttl(soa.ttl).min(ttl(soa.soa_minimum()?))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testutil::{a_record, cname_record, respond, soa_record, Reply};
    use hickory_proto::rr::Record;

    fn response(qname: &str, qtype: u16, reply: &Reply) -> Response {
        let q = wire::build_query(1, qname, qtype, None).unwrap();
        let bytes = respond(&q, reply);
        wire::check_response(&q, &bytes).unwrap()
    }

    fn with_ttl(mut r: Record, ttl: u32) -> Record {
        r.ttl = ttl;
        r
    }

    fn negative(rc: u16, soa: Option<Record>, answers: Vec<Record>) -> Reply {
        let mut reply = Reply::records(answers);
        reply.rcode = rc;
        reply.authority.extend(soa);
        reply
    }

    #[test]
    fn positive_answers_take_the_smallest_ttl_of_the_chain() {
        let reply = Reply::records(vec![
            with_ttl(cname_record("web.test.", "c1.test."), 40),
            with_ttl(cname_record("c1.test.", "real.test."), 7),
            with_ttl(a_record("real.test.", [10, 0, 0, 1]), 300),
            with_ttl(a_record("real.test.", [10, 0, 0, 2]), 100),
        ]);
        assert_eq!(
            lifetime(
                &response("web.test", rtype::A, &reply),
                "web.test",
                rtype::A
            ),
            Some(7)
        );
        let plain = Reply::records(vec![with_ttl(a_record("web.test.", [10, 0, 0, 1]), 30)]);
        let r = response("web.test", rtype::A, &plain);
        assert_eq!(lifetime(&r, "web.test", rtype::A), Some(30));
        assert_eq!(lifetime(&r, "web.test.", rtype::A), Some(30));
        // RFC 2181 8: a TTL with the top bit set is zero.
        let huge = Reply::records(vec![with_ttl(
            a_record("web.test.", [10, 0, 0, 1]),
            1 << 31,
        )]);
        let r = response("web.test", rtype::A, &huge);
        assert_eq!(lifetime(&r, "web.test", rtype::A), Some(0));
    }

    #[test]
    fn negative_answers_follow_rfc_2308() {
        let nx = |soa| negative(rcode::NXDOMAIN, soa, vec![]);
        let r = response("nx.test", rtype::A, &nx(Some(soa_record("test.", 60, 5))));
        assert_eq!(lifetime(&r, "nx.test", rtype::A), Some(5));
        let r = response("nx.test", rtype::A, &nx(Some(soa_record("test.", 3, 900))));
        assert_eq!(lifetime(&r, "nx.test", rtype::A), Some(3));
        // No SOA: not kept.
        let r = response("nx.test", rtype::A, &nx(None));
        assert_eq!(lifetime(&r, "nx.test", rtype::A), None);
        // NODATA: NOERROR, nothing of the type asked, an SOA.
        let nodata = negative(rcode::NOERROR, Some(soa_record("test.", 60, 20)), vec![]);
        let r = response("v4only.test", rtype::AAAA, &nodata);
        assert_eq!(lifetime(&r, "v4only.test", rtype::AAAA), Some(20));
        // Records, but none of the type at the chain's end: NODATA too.
        let other = negative(
            rcode::NOERROR,
            Some(soa_record("test.", 60, 20)),
            vec![with_ttl(cname_record("alias.test.", "v4only.test."), 8)],
        );
        let r = response("alias.test", rtype::AAAA, &other);
        assert_eq!(lifetime(&r, "alias.test", rtype::AAAA), Some(8));
        let r = response("alias.test", rtype::AAAA, &{
            let mut o = other.clone();
            o.authority.clear();
            o
        });
        assert_eq!(lifetime(&r, "alias.test", rtype::AAAA), None);
    }

    #[test]
    fn failures_are_never_kept() {
        for rc in [
            rcode::SERVFAIL,
            rcode::REFUSED,
            rcode::FORMERR,
            rcode::NOTIMP,
        ] {
            let reply = negative(
                rc,
                Some(soa_record("test.", 60, 60)),
                vec![a_record("web.test.", [10, 0, 0, 1])],
            );
            let r = response("web.test", rtype::A, &reply);
            assert_eq!(lifetime(&r, "web.test", rtype::A), None, "rcode {rc}");
        }
        let reply = Reply::records(vec![a_record("web.test.", [10, 0, 0, 1])]);
        let mut r = response("web.test", rtype::A, &reply);
        r.truncated = true;
        assert_eq!(lifetime(&r, "web.test", rtype::A), None);
        r.truncated = false;
        r.malformed = true;
        assert_eq!(lifetime(&r, "web.test", rtype::A), None);
    }
}
