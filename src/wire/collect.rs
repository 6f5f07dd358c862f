//! Records of the asked type at the end of the CNAME chain.

use std::net::IpAddr;

use hickory_proto::op::Message;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use super::query::{checked_name, labels_of};

/// CNAME records followed from the query name before giving up; also bounds the work on
/// hostile answers (each hop scans the answer section once). Neither libc has a bound: glibc's
/// nss_dns follows aliases in answer order as far as they go; musl does not follow chains at
/// all and takes every address record of the answer, whatever its owner. So this is generous:
/// a chain of 20 (tests/faults.rs) resolves with both libcs and must resolve here too, and 64
/// hops cost at most 64 scans of one answer section.
pub const MAX_CNAME_HOPS: usize = 64;

/// What an answer says about one name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collected {
    /// The last name of the CNAME chain, presentation form without the trailing dot
    /// (see [`name_to_string`]); the query name (without trailing dot, as given) when the answer
    /// has no CNAME for it.
    pub canonical: String,
    /// Answer records of the asked type, class IN, owned by `canonical`; answer order, records
    /// with equal data kept once (TTL ignored).
    pub records: Vec<Record>,
}

/// Follows the CNAME chain from `qname` through the answer section of `message` (names
/// compared ASCII-case-insensitively; at most [`MAX_CNAME_HOPS`] hops; a CNAME back to a name
/// already on the chain ends it) and collects the `qtype` records of the chain's end. Records
/// owned by other names are ignored. With `qtype == CNAME` the chain is not followed: the CNAME
/// records of `qname` itself are returned.
///
/// An invalid `qname` (see [`super::build_query`]) yields no records.
pub fn collect(message: &Message, qname: &str, qtype: RecordType) -> Collected {
    let (canonical, mut at_end) = chain(message, qname, qtype);
    let mut records: Vec<Record> = Vec::with_capacity(
        message
            .answers
            .iter()
            .filter(|r| r.record_type() == qtype)
            .count(),
    );
    for r in message.answers.iter().filter(|r| r.record_type() == qtype) {
        if at_end(r) && !records.iter().any(|k| k.data == r.data) {
            records.push(r.clone());
        }
    }
    Collected { canonical, records }
}

/// What [`collect`] and then [`addresses`] give, without copying records: the canonical name
/// and the A and AAAA addresses at the end of the chain, in answer order, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectedAddrs {
    /// As [`Collected::canonical`].
    pub canonical: String,
    pub addrs: Vec<IpAddr>,
}

/// `addresses(&collect(message, qname, qtype))` and its canonical name, for address lookups:
/// no record is cloned.
pub fn collect_addresses(message: &Message, qname: &str, qtype: RecordType) -> CollectedAddrs {
    let (canonical, mut at_end) = chain(message, qname, qtype);
    let mut addrs: Vec<IpAddr> = Vec::new();
    for r in message.answers.iter().filter(|r| r.record_type() == qtype) {
        let ip = match &r.data {
            RData::A(a) => IpAddr::V4(a.0),
            RData::AAAA(a) => IpAddr::V6(a.0),
            _ => continue,
        };
        if at_end(r) && !addrs.contains(&ip) {
            addrs.push(ip);
        }
    }
    CollectedAddrs { canonical, addrs }
}

/// Follows the CNAME chain of [`collect`]: the canonical name, and a test for the answer
/// records (class IN, owned by the chain's end) of the chain's end. An invalid `qname` has no
/// records.
fn chain<'m>(
    message: &'m Message,
    qname: &str,
    qtype: RecordType,
) -> (String, impl FnMut(&Record) -> bool + 'm) {
    let given = match qname {
        "." => ".",
        _ => qname.strip_suffix('.').unwrap_or(qname),
    };
    // The query name's labels, borrowed: copied into a small buffer so that the test outlives
    // `qname` (no allocation for names up to the wire maximum).
    let mut query = [0u8; super::MAX_NAME_LEN];
    let query_len = match checked_name(qname) {
        Ok(checked) => {
            query[..checked.len()].copy_from_slice(checked);
            Some(checked.len())
        }
        Err(_) => None,
    };
    let in_class = |r: &&Record| r.dns_class == DNSClass::IN;

    // The chain after the query name: CNAME targets, borrowed from the message (no copies).
    let mut chain: [Option<&Name>; MAX_CNAME_HOPS] = [None; MAX_CNAME_HOPS];
    let mut hops = 0;
    // Whether `name` is the chain's name at position `i` (0: the query name).
    let is_at = move |name: &Name, i: usize, chain: &[Option<&Name>]| match (i, query_len) {
        (_, None) => false,
        (0, Some(len)) => name_eq_labels(name, labels_of(&query[..len])),
        (_, Some(_)) => chain[i - 1].is_some_and(|c| name.eq_ignore_root(c)),
    };
    if qtype != RecordType::CNAME && query_len.is_some() {
        while hops < MAX_CNAME_HOPS {
            let target = message
                .answers
                .iter()
                .filter(in_class)
                .find_map(|r| match &r.data {
                    RData::CNAME(target) if is_at(&r.name, hops, &chain) => Some(&target.0),
                    _ => None,
                });
            match target {
                Some(t) if !(0..=hops).any(|i| is_at(t, i, &chain)) => {
                    chain[hops] = Some(t);
                    hops += 1;
                }
                _ => break,
            }
        }
    }
    let canonical = match hops.checked_sub(1).and_then(|i| chain[i]) {
        Some(end) => name_to_string(end),
        None => given.to_string(),
    };
    let at_end = move |r: &Record| r.dns_class == DNSClass::IN && is_at(&r.name, hops, &chain);
    (canonical, at_end)
}

/// Whether `name` has exactly `labels`, compared ASCII-case-insensitively (what
/// [`Name::eq_ignore_root`] does between two names).
fn name_eq_labels<'a>(name: &Name, mut labels: impl Iterator<Item = &'a [u8]>) -> bool {
    let mut own = name.iter();
    loop {
        match (own.next(), labels.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => {}
            _ => return false,
        }
    }
}

/// The A and AAAA addresses among the collected records, in order.
pub fn addresses(c: &Collected) -> Vec<IpAddr> {
    c.records
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        })
        .collect()
}

/// Presentation form of a name without the trailing dot (`"."` for the root). Printable ASCII
/// is kept as is (no punycode decoding, no case change); `.` and `\` inside a label are escaped
/// with a backslash, other bytes as `\DDD` (decimal, RFC 1035 5.1, as glibc's `ns_name_ntop`).
pub fn name_to_string(name: &Name) -> String {
    if name.num_labels() == 0 {
        return ".".to_string();
    }
    let mut s = String::with_capacity(name.len());
    for (i, label) in name.iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        for &b in label {
            match b {
                b'.' | b'\\' => {
                    s.push('\\');
                    s.push(char::from(b));
                }
                0x21..=0x7e => s.push(char::from(b)),
                _ => {
                    s.push('\\');
                    s.push_str(&format!("{b:03}"));
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testutil::{a_record, aaaa_record, cname_record, name};
    use std::net::Ipv4Addr;

    fn msg(answers: Vec<Record>) -> Message {
        let mut m = Message::response(1, hickory_proto::op::OpCode::Query);
        m.add_answers(answers);
        m
    }

    fn ips(c: &Collected) -> Vec<IpAddr> {
        addresses(c)
    }

    #[test]
    fn no_cname() {
        let m = msg(vec![
            a_record("host.example.com.", [192, 0, 2, 1]),
            a_record("host.example.com.", [192, 0, 2, 2]),
        ]);
        let c = collect(&m, "Host.Example.com.", RecordType::A);
        assert_eq!(c.canonical, "Host.Example.com");
        assert_eq!(
            ips(&c),
            vec![IpAddr::from([192, 0, 2, 1]), IpAddr::from([192, 0, 2, 2])]
        );
    }

    #[test]
    fn follows_chain() {
        let m = msg(vec![
            cname_record("www.example.com.", "edge.cdn.net."),
            cname_record("edge.cdn.net.", "e1.cdn.net."),
            a_record("e1.cdn.net.", [198, 51, 100, 7]),
            a_record("e1.cdn.net.", [198, 51, 100, 8]),
        ]);
        let c = collect(&m, "www.example.com", RecordType::A);
        assert_eq!(c.canonical, "e1.cdn.net");
        assert_eq!(c.records.len(), 2);
        // No AAAA at the end of the chain.
        let c = collect(&m, "www.example.com", RecordType::AAAA);
        assert_eq!(c.canonical, "e1.cdn.net");
        assert!(c.records.is_empty());
    }

    #[test]
    fn chain_out_of_order_and_case_insensitive() {
        let m = msg(vec![
            a_record("E1.CDN.net.", [198, 51, 100, 7]),
            cname_record("Edge.cdn.NET.", "e1.cdn.net."),
            cname_record("WWW.example.com.", "edge.CDN.net."),
        ]);
        let c = collect(&m, "www.EXAMPLE.com", RecordType::A);
        assert_eq!(c.canonical, "e1.cdn.net");
        assert_eq!(ips(&c), vec![IpAddr::from([198, 51, 100, 7])]);
    }

    #[test]
    fn off_chain_records_ignored() {
        let m = msg(vec![
            a_record("www.example.com.", [203, 0, 113, 1]), // owned by the alias: ignored
            cname_record("www.example.com.", "real.example.com."),
            a_record("other.example.com.", [203, 0, 113, 2]),
            a_record("real.example.com.", [203, 0, 113, 3]),
            aaaa_record("real.example.com.", "2001:db8::1".parse().unwrap()),
        ]);
        let c = collect(&m, "www.example.com", RecordType::A);
        assert_eq!(c.canonical, "real.example.com");
        assert_eq!(ips(&c), vec![IpAddr::from([203, 0, 113, 3])]);
    }

    #[test]
    fn loop_stops() {
        let m = msg(vec![
            cname_record("a.example.", "b.example."),
            cname_record("b.example.", "a.example."),
            a_record("a.example.", [192, 0, 2, 1]),
        ]);
        let c = collect(&m, "a.example", RecordType::A);
        assert_eq!(c.canonical, "b.example");
        assert!(c.records.is_empty());
        // Self-loop.
        let m = msg(vec![cname_record("a.example.", "A.example.")]);
        let c = collect(&m, "a.example", RecordType::A);
        assert_eq!(c.canonical, "a.example");
        assert!(c.records.is_empty());
    }

    #[test]
    fn hop_limit() {
        let mut answers = Vec::new();
        for i in 0..MAX_CNAME_HOPS as u8 + 4 {
            answers.push(cname_record(
                &format!("n{i}.example."),
                &format!("n{}.example.", i + 1),
            ));
            answers.push(a_record(&format!("n{}.example.", i + 1), [10, 0, 0, i + 1]));
        }
        let c = collect(&msg(answers), "n0.example", RecordType::A);
        assert_eq!(c.canonical, format!("n{MAX_CNAME_HOPS}.example"));
        assert_eq!(
            ips(&c),
            vec![IpAddr::from([10, 0, 0, MAX_CNAME_HOPS as u8])]
        );
    }

    #[test]
    fn chain_of_20_resolves() {
        // musl and glibc both resolve it (tests/faults.rs cname_chain_of_20).
        let mut answers: Vec<Record> = (0..20)
            .map(|i| cname_record(&format!("c{i}.test."), &format!("c{}.test.", i + 1)))
            .collect();
        answers.push(a_record("c20.test.", [10, 0, 0, 20]));
        let c = collect(&msg(answers), "c0.test", RecordType::A);
        assert_eq!(c.canonical, "c20.test");
        assert_eq!(ips(&c), vec![IpAddr::from([10, 0, 0, 20])]);
    }

    #[test]
    fn duplicates_dropped_order_kept() {
        let mut dup = a_record("h.example.", [192, 0, 2, 1]);
        dup.ttl = 5;
        let m = msg(vec![
            a_record("h.example.", [192, 0, 2, 9]),
            a_record("h.example.", [192, 0, 2, 1]),
            dup,
            a_record("h.example.", [192, 0, 2, 9]),
        ]);
        let c = collect(&m, "h.example", RecordType::A);
        assert_eq!(
            ips(&c),
            vec![
                IpAddr::from(Ipv4Addr::new(192, 0, 2, 9)),
                IpAddr::from([192, 0, 2, 1])
            ]
        );
    }

    #[test]
    fn cname_query_not_followed() {
        let m = msg(vec![
            cname_record("www.example.com.", "real.example.com."),
            cname_record("real.example.com.", "x.example.com."),
        ]);
        let c = collect(&m, "www.example.com", RecordType::CNAME);
        assert_eq!(c.canonical, "www.example.com");
        assert_eq!(c.records.len(), 1);
    }

    #[test]
    fn wildcard_and_root_owners_compared_as_is() {
        let m = msg(vec![
            a_record("*.example.", [192, 0, 2, 1]),
            a_record("example.", [192, 0, 2, 2]),
            a_record(".", [192, 0, 2, 3]),
        ]);
        let c = collect(&m, "*.Example", RecordType::A);
        assert_eq!(ips(&c), vec![IpAddr::from([192, 0, 2, 1])]);
        let c = collect(&m, "example.", RecordType::A);
        assert_eq!(ips(&c), vec![IpAddr::from([192, 0, 2, 2])]);
        let c = collect(&m, ".", RecordType::A);
        assert_eq!(c.canonical, ".");
        assert_eq!(ips(&c), vec![IpAddr::from([192, 0, 2, 3])]);
    }

    #[test]
    fn addresses_without_copies_agree() {
        let mut dup = a_record("e1.cdn.net.", [198, 51, 100, 7]);
        dup.ttl = 9;
        let m = msg(vec![
            a_record("www.example.com.", [203, 0, 113, 1]),
            cname_record("WWW.example.com.", "edge.CDN.net."),
            cname_record("edge.cdn.net.", "e1.cdn.net."),
            a_record("E1.cdn.net.", [198, 51, 100, 7]),
            aaaa_record("e1.cdn.net.", "2001:db8::7".parse().unwrap()),
            dup,
            a_record("e1.cdn.net.", [198, 51, 100, 8]),
            a_record("other.net.", [198, 51, 100, 9]),
        ]);
        for q in [
            "www.example.com",
            "www.example.com.",
            "edge.cdn.net",
            "x.test",
            "a..b",
            ".",
        ] {
            for t in [RecordType::A, RecordType::AAAA, RecordType::CNAME] {
                let c = collect(&m, q, t);
                let fast = collect_addresses(&m, q, t);
                assert_eq!(fast.canonical, c.canonical, "{q} {t}");
                assert_eq!(fast.addrs, addresses(&c), "{q} {t}");
            }
        }
        let fast = collect_addresses(&m, "www.example.com", RecordType::A);
        assert_eq!(fast.canonical, "e1.cdn.net");
        assert_eq!(
            fast.addrs,
            vec![
                IpAddr::from([198, 51, 100, 7]),
                IpAddr::from([198, 51, 100, 8])
            ]
        );
    }

    #[test]
    fn invalid_qname() {
        let c = collect(&msg(vec![]), "a..b", RecordType::A);
        assert_eq!(c.canonical, "a..b");
        assert!(c.records.is_empty());
    }

    #[test]
    fn presentation_form() {
        assert_eq!(
            name_to_string(&name("xn--bcher-kva.example.")),
            "xn--bcher-kva.example"
        );
        assert_eq!(name_to_string(&Name::root()), ".");
        let raw = Name::from_labels(vec![&b"a.b"[..], b"c\\d", b"e f\x01", b"-_*"]).unwrap();
        assert_eq!(name_to_string(&raw), "a\\.b.c\\\\d.e\\032f\\001.-_*");
    }
}
