//! Records of the asked type at the end of the CNAME chain.

use std::net::IpAddr;

use smallvec::SmallVec;

use super::message::{rtype, Message, Name, Record};
use super::name::{checked_bytes, checked_name};
use super::{CLASS_IN, HEADER_LEN};

/// CNAME records followed from the query name before giving up; also bounds the work on
/// hostile answers (each hop scans the answer section once). Neither libc has a bound: glibc's
/// nss_dns follows aliases in answer order as far as they go; musl does not follow chains at
/// all and takes every address record of the answer, whatever its owner. So this is generous:
/// a chain of 20 (tests/faults.rs) resolves with both libcs and must resolve here too, and 64
/// hops cost at most 64 scans of one answer section.
pub const MAX_CNAME_HOPS: usize = 64;

/// What an answer says about one name and type.
#[derive(Debug, Clone)]
pub struct Collected<'m> {
    /// The last name of the CNAME chain, presentation form without the trailing dot
    /// (see [`name_to_string`](super::name_to_string)); the query name (without trailing dot,
    /// as given) when the answer has no CNAME for it.
    pub canonical: String,
    /// Answer records of the asked type, class IN, owned by `canonical`; answer order, records
    /// with equal data kept once (TTL ignored).
    pub records: Vec<Record<'m>>,
}

/// Follows the CNAME chain from `qname` through the answer section of `message` (names
/// compared ASCII-case-insensitively; at most [`MAX_CNAME_HOPS`] hops; a CNAME back to a name
/// already on the chain ends it) and collects the `qtype` records of the chain's end. Records
/// owned by other names are ignored. With `qtype == CNAME` the chain is not followed: the CNAME
/// records of `qname` itself are returned.
///
/// An invalid `qname` (see [`super::build_query`]) yields no records.
pub fn collect<'m>(message: &'m Message, qname: &str, qtype: u16) -> Collected<'m> {
    let mut chain = Chain::empty(message.bytes());
    let end = follow(message, qname, qtype, &mut chain);
    let mut records: Vec<Record<'m>> = Vec::new();
    let mut seen = Seen::for_records(message.answer_count());
    for r in message.answers().filter(|r| r.rtype == qtype) {
        if end.owns(&r) && !(seen.maybe(data_key(&r)) && records.iter().any(|k| same_data(k, &r))) {
            records.push(r);
        }
    }
    Collected {
        canonical: end
            .canonical()
            .unwrap_or_else(|| as_given(qname).to_string()),
        records,
    }
}

/// A summary of a record's data that equal data (see [`same_data`]) always shares: a hash of
/// the target name's labels, ASCII case folded, or of the data bytes.
fn data_key(r: &Record<'_>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325; // FNV-1a
    let mut add = |b: u8| h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    match r.target() {
        Some(t) => t.labels().for_each(|l| {
            add(l.len() as u8);
            l.iter().for_each(|b| add(b.to_ascii_lowercase()));
        }),
        None => r.data().iter().for_each(|&b| add(b)),
    }
    h
}

/// Whether two records of one type carry the same data: names compared as names (ASCII case
/// ignored, compressed or not), anything else byte for byte.
fn same_data(a: &Record<'_>, b: &Record<'_>) -> bool {
    match (a.target(), b.target()) {
        (Some(x), Some(y)) => x.eq_ignore_case(&y),
        _ => a.data() == b.data(),
    }
}

/// What [`collect`] and then [`addresses`] give, without copying records: the CNAME chain and
/// the A and AAAA addresses at its end, in answer order, each once.
#[derive(Debug, Clone)]
pub struct CollectedAddrs<'m> {
    /// The CNAME chain followed from the query name.
    pub chain: Chain<'m>,
    /// Inline up to four (no allocation for the usual answer).
    pub addrs: SmallVec<[IpAddr; 4]>,
}

/// `addresses(&collect(message, qname, qtype))` and its CNAME chain, for address lookups.
pub fn collect_addresses<'m>(message: &'m Message, qname: &str, qtype: u16) -> CollectedAddrs<'m> {
    let mut addrs: SmallVec<[IpAddr; 4]> = SmallVec::with_capacity(message.answer_count());
    let chain = collect_addresses_into(message, qname, qtype, &mut addrs);
    CollectedAddrs { chain, addrs }
}

/// The CNAME chain [`collect`] follows from a query name: the targets of its CNAME records, in
/// chain order (the query name itself is not one). What a libc makes of these names (which it
/// takes as canonical name and aliases) is the lookup's business.
#[derive(Clone)]
pub struct Chain<'m> {
    msg: &'m [u8],
    /// Where each target is in the message (messages are at most 65535 bytes); inline up to
    /// [`INLINE_HOPS`] (small to move: the chain is returned by value).
    at: SmallVec<[u16; INLINE_HOPS]>,
}

/// CNAME hops a [`Chain`] keeps without allocating (a CDN's chain has two or three).
const INLINE_HOPS: usize = 8;

impl<'m> Chain<'m> {
    fn empty(msg: &'m [u8]) -> Chain<'m> {
        Chain {
            msg,
            at: SmallVec::new(),
        }
    }

    /// The targets, in chain order.
    pub fn targets(&self) -> impl DoubleEndedIterator<Item = Name<'m>> + '_ {
        self.at
            .iter()
            .map(|&at| Name::new(self.msg, usize::from(at)))
    }

    /// The chain's end: the last target, `None` when no CNAME was followed.
    pub fn end(&self) -> Option<Name<'m>> {
        self.targets().next_back()
    }

    /// The presentation form of the end ([`super::name_to_string`]) when a CNAME was followed.
    pub fn canonical(&self) -> Option<String> {
        self.end().map(|t| super::name_to_string(&t))
    }
}

impl std::fmt::Debug for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.targets().map(|t| super::name_to_string(&t)))
            .finish()
    }
}

/// An address as a caller's list keeps it (a bare address, or one with more fields).
pub trait AddressItem {
    fn from_ip(ip: IpAddr) -> Self;
    fn ip(&self) -> IpAddr;
}

impl AddressItem for IpAddr {
    fn from_ip(ip: IpAddr) -> IpAddr {
        ip
    }
    fn ip(&self) -> IpAddr {
        *self
    }
}

/// [`collect_addresses`] appending to `out` (what was in `out` before is left alone and not
/// compared with), for a caller that keeps addresses in its own form: no intermediate list.
/// Returns the CNAME chain as [`CollectedAddrs::chain`]. Not inlined: inlined into musl's
/// `from_dns`, its loop cost about 6 instructions more per address (callgrind, 60 records).
#[inline(never)]
pub fn collect_addresses_into<'m, A>(
    message: &'m Message,
    qname: &str,
    qtype: u16,
    out: &mut SmallVec<A>,
) -> Chain<'m>
where
    A: smallvec::Array,
    A::Item: AddressItem,
{
    let mut chain = Chain::empty(message.bytes());
    let end = follow(message, qname, qtype, &mut chain);
    let start = out.len();
    // Few records (the usual answer): each address compared with the few kept; more: a
    // filter first.
    let mut seen =
        (message.answer_count() > LINEAR_DEDUP).then(|| Seen::for_records(message.answer_count()));
    // The owner test of the last record whose owner was a compression pointer: the records
    // of an answer mostly share one (to the question or to the end of the chain).
    let mut last: Option<([u8; 2], bool)> = None;
    for r in message.answers().filter(|r| r.rtype == qtype) {
        let Some(ip) = address(&r) else { continue };
        let owned = match (r.name.pointer(), last) {
            (Some(p), Some((q, owned))) if p == q && r.class == CLASS_IN => owned,
            (p, _) => {
                let owned = end.owns(&r);
                if let (Some(p), true) = (p, r.class == CLASS_IN) {
                    last = Some((p, owned));
                }
                owned
            }
        };
        let kept = || out[start..].iter().any(|a| a.ip() == ip);
        let dup = match &mut seen {
            Some(seen) => seen.maybe(ip_key(&ip)) && kept(),
            None => kept(),
        };
        if owned && !dup {
            out.push(A::Item::from_ip(ip));
        }
    }
    chain
}

/// Up to this many answer records, addresses are de-duplicated by comparing each with the
/// ones kept (at most 16 × 16 comparisons); past it, through [`Seen`].
const LINEAR_DEDUP: usize = 16;

/// A filter of the addresses met so far, at least 16 bits per record of the answer (on the
/// stack up to 64 records): a clear bit means "never met", so the list is searched only
/// on the rare hit (about 6 % of the addresses), not for every address. Without it the
/// de-duplication is quadratic: a hostile 64 KiB answer of 6 000 distinct addresses would
/// cost 18 million comparisons per call.
struct Seen {
    inline: [u64; 16],
    /// The bits when there are more than `inline` holds.
    heap: Vec<u64>,
    /// log2 of the number of bits.
    bits_log2: u32,
}

impl Seen {
    fn for_records(records: usize) -> Seen {
        let bits = (records * 16).next_power_of_two().max(512);
        Seen {
            inline: [0; 16],
            heap: if bits > 1024 {
                vec![0; bits / 64]
            } else {
                Vec::new()
            },
            bits_log2: bits.trailing_zeros(),
        }
    }

    /// Marks `key`; whether its bit was already set (it may have been met).
    fn maybe(&mut self, key: u64) -> bool {
        let h = key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - self.bits_log2);
        let (word, bit) = ((h / 64) as usize, 1u64 << (h % 64));
        let words = if self.heap.is_empty() {
            &mut self.inline[..]
        } else {
            &mut self.heap[..]
        };
        let was = words[word] & bit != 0;
        words[word] |= bit;
        was
    }
}

/// The filter key of an address.
fn ip_key(ip: &IpAddr) -> u64 {
    match ip {
        IpAddr::V4(a) => u64::from(u32::from(*a)),
        IpAddr::V6(a) => {
            let v = u128::from(*a);
            (v as u64) ^ ((v >> 64) as u64)
        }
    }
}

/// The address of an A or AAAA record.
fn address(r: &Record<'_>) -> Option<IpAddr> {
    r.a().map(IpAddr::V4).or_else(|| r.aaaa().map(IpAddr::V6))
}

/// A query name as the canonical name shows it: without its trailing dot (the root as `.`).
pub fn as_given(qname: &str) -> &str {
    match qname {
        "." => ".",
        _ => qname.strip_suffix('.').unwrap_or(qname),
    }
}

/// Where a CNAME chain ends.
enum End<'q, 'm> {
    /// The query name is invalid: nothing belongs to it.
    Invalid,
    /// At the query name: no CNAME for it.
    Query(QueryName<'q>),
    /// At this CNAME target.
    Target(Name<'m>),
}

impl End<'_, '_> {
    /// Whether `r` is an answer record (class IN) of the chain's end.
    fn owns(&self, r: &Record<'_>) -> bool {
        r.class == CLASS_IN
            && match self {
                End::Invalid => false,
                End::Query(q) => q.matches(&r.name),
                End::Target(t) => r.name.eq_ignore_case(t),
            }
    }

    /// The presentation form of the end when a CNAME was followed.
    fn canonical(&self) -> Option<String> {
        match self {
            End::Target(t) => Some(super::name_to_string(t)),
            _ => None,
        }
    }
}

/// The query name (checked, see [`checked_name`]) as compared with names in one message.
#[derive(Clone, Copy)]
struct QueryName<'q> {
    labels: &'q [u8],
    /// Whether the message's question has this name: the answer to give for every owner that
    /// is a pointer to the question (most of them) without reading its labels.
    is_question: Option<bool>,
}

impl<'q> QueryName<'q> {
    /// `qname` as compared with the names of `message`; `None` when it is not a valid query
    /// name (see [`checked_name`]).
    fn new(message: &Message, qname: &'q str) -> Option<QueryName<'q>> {
        let text = qname.as_bytes();
        let question = message.question().map(|(name, _, _)| name);
        // The usual case: the question's name. `eq_dotted` is true only for a valid name, so
        // the name is not checked apart (`""` is no name, though the root's dotted form is
        // empty).
        let dotted = match text {
            b"." => &[][..],
            t => t.strip_suffix(b".").unwrap_or(t),
        };
        if let Some(q) = question.filter(|_| !text.is_empty()) {
            if q.eq_dotted(dotted) {
                return Some(QueryName {
                    labels: dotted,
                    is_question: Some(true),
                });
            }
        }
        Some(QueryName {
            labels: checked_bytes(text).ok()?,
            is_question: question.map(|_| false),
        })
    }

    /// Whether `name` (in the same message) is the query name.
    fn matches(&self, name: &Name<'_>) -> bool {
        match self.is_question {
            Some(b) if name.at() == HEADER_LEN || name.points_to(HEADER_LEN) => b,
            _ => name.eq_dotted(self.labels),
        }
    }
}

/// Follows the CNAME chain of [`collect`] from `qname` to its end, filling `chain` (empty):
/// the end.
fn follow<'q, 'm>(
    message: &'m Message,
    qname: &'q str,
    qtype: u16,
    chain: &mut Chain<'m>,
) -> End<'q, 'm> {
    let bytes = message.bytes();
    let Some(query) = QueryName::new(message, qname) else {
        return End::Invalid;
    };
    if qtype == rtype::CNAME || !message.has_cname() {
        return End::Query(query);
    }
    // Whether `name` is the chain's name at position `i` (0: the query name).
    let is_at = |name: &Name<'_>, i: usize, chain: &Chain<'_>| match i {
        0 => query.matches(name),
        _ => name.eq_ignore_case(&Name::new(bytes, usize::from(chain.at[i - 1]))),
    };
    while chain.at.len() < MAX_CNAME_HOPS {
        let hops = chain.at.len();
        let target = message.answers().find_map(|r| {
            (r.rtype == rtype::CNAME && r.class == CLASS_IN && is_at(&r.name, hops, chain))
                .then(|| r.target())
                .flatten()
        });
        match target {
            // A name in a message of at most 65535 bytes (the transport's limit) is at a
            // position that fits 16 bits.
            Some(t) if !(0..=hops).any(|i| is_at(&t, i, chain)) => {
                let Ok(at) = u16::try_from(t.at()) else { break };
                chain.at.push(at);
            }
            _ => break,
        }
    }
    match chain.end() {
        None => End::Query(query),
        Some(t) => End::Target(t),
    }
}

/// Whether `name` is `qname` (a name as [`super::build_query`] takes it, trailing dot or not),
/// ASCII case ignored; never for an invalid `qname`.
pub fn name_is(name: &Name<'_>, qname: &str) -> bool {
    checked_name(qname).is_ok_and(|c| name.eq_dotted(c))
}

/// The A and AAAA addresses among the collected records, in order.
pub fn addresses(c: &Collected<'_>) -> Vec<IpAddr> {
    c.records.iter().filter_map(address).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::name_to_string;
    use crate::wire::testutil::{a_record, aaaa_record, cname_record, name};
    use hickory_proto::rr::Record as HRecord;
    use std::net::Ipv4Addr;

    const A: u16 = rtype::A;
    const AAAA: u16 = rtype::AAAA;
    const CNAME: u16 = rtype::CNAME;

    fn msg(answers: Vec<HRecord>) -> Message {
        let mut m = hickory_proto::op::Message::response(1, hickory_proto::op::OpCode::Query);
        m.add_answers(answers);
        Message::parse(&m.to_vec().unwrap()).unwrap()
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
        let c = collect(&m, "Host.Example.com.", A);
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
        let c = collect(&m, "www.example.com", A);
        assert_eq!(c.canonical, "e1.cdn.net");
        assert_eq!(c.records.len(), 2);
        // No AAAA at the end of the chain.
        let c = collect(&m, "www.example.com", AAAA);
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
        let c = collect(&m, "www.EXAMPLE.com", A);
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
        let c = collect(&m, "www.example.com", A);
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
        let c = collect(&m, "a.example", A);
        assert_eq!(c.canonical, "b.example");
        assert!(c.records.is_empty());
        // Self-loop.
        let m = msg(vec![cname_record("a.example.", "A.example.")]);
        let c = collect(&m, "a.example", A);
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
        let m = msg(answers);
        let c = collect(&m, "n0.example", A);
        assert_eq!(c.canonical, format!("n{MAX_CNAME_HOPS}.example"));
        assert_eq!(
            ips(&c),
            vec![IpAddr::from([10, 0, 0, MAX_CNAME_HOPS as u8])]
        );
    }

    #[test]
    fn chain_of_20_resolves() {
        // musl and glibc both resolve it (tests/faults.rs cname_chain_of_20).
        let mut answers: Vec<HRecord> = (0..20)
            .map(|i| cname_record(&format!("c{i}.test."), &format!("c{}.test.", i + 1)))
            .collect();
        answers.push(a_record("c20.test.", [10, 0, 0, 20]));
        let m = msg(answers);
        let c = collect(&m, "c0.test", A);
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
        let c = collect(&m, "h.example", A);
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
        let c = collect(&m, "www.example.com", CNAME);
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
        let c = collect(&m, "*.Example", A);
        assert_eq!(ips(&c), vec![IpAddr::from([192, 0, 2, 1])]);
        let c = collect(&m, "example.", A);
        assert_eq!(ips(&c), vec![IpAddr::from([192, 0, 2, 2])]);
        let c = collect(&m, ".", A);
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
            for t in [A, AAAA, CNAME] {
                let c = collect(&m, q, t);
                let fast = collect_addresses(&m, q, t);
                assert_eq!(
                    fast.chain
                        .canonical()
                        .clone()
                        .unwrap_or_else(|| as_given(q).to_string()),
                    c.canonical,
                    "{q} {t}"
                );
                assert_eq!(fast.addrs.as_slice(), addresses(&c), "{q} {t}");
            }
        }
        let fast = collect_addresses(&m, "www.example.com", A);
        assert_eq!(fast.chain.canonical().as_deref(), Some("e1.cdn.net"));
        assert_eq!(
            fast.addrs.as_slice(),
            vec![
                IpAddr::from([198, 51, 100, 7]),
                IpAddr::from([198, 51, 100, 8])
            ]
        );
    }

    #[test]
    fn question_shortcut_agrees_with_checked_names() {
        use crate::wire::build_query;
        use crate::wire::testutil::{respond, Reply};
        // The same answers with and without a question: a query name that is the question's
        // skips its own check and the owners pointing to the question are not read; without
        // a question, everything is compared label by label.
        let answers = vec![
            a_record("host.test.", [192, 0, 2, 1]),
            cname_record("alias.test.", "host.test."),
            a_record("Other.test.", [192, 0, 2, 2]),
            aaaa_record("host.test.", "2001:db8::1".parse().unwrap()),
            a_record("host.test.", [192, 0, 2, 1]),
        ];
        let bare = msg(answers.clone());
        for question in ["host.test", "HOST.Test.", "alias.test", "other.test", "."] {
            let q = build_query(1, question, A, None).unwrap();
            let asked = Message::parse(&respond(&q, &Reply::records(answers.clone()))).unwrap();
            for qname in [
                "host.test",
                "host.test.",
                "Host.TEST",
                "host.test..",
                ".host.test",
                "host..test",
                "host",
                "alias.test",
                "other.test.",
                "",
                ".",
                "..",
            ] {
                for t in [A, AAAA, CNAME] {
                    let (x, y) = (
                        collect_addresses(&asked, qname, t),
                        collect_addresses(&bare, qname, t),
                    );
                    assert_eq!(
                        x.chain.canonical(),
                        y.chain.canonical(),
                        "{question} {qname} {t}"
                    );
                    assert_eq!(x.addrs, y.addrs, "{question} {qname} {t}");
                    let (x, y) = (collect(&asked, qname, t), collect(&bare, qname, t));
                    assert_eq!(x.canonical, y.canonical, "{question} {qname} {t}");
                    assert_eq!(ips(&x), ips(&y), "{question} {qname} {t}");
                }
            }
        }
        // Many records: the filter instead of the comparisons, same result.
        let many: Vec<HRecord> = (0..40u8)
            .map(|i| a_record("host.test.", [10, 0, 0, i % 25]))
            .collect();
        let many = msg(many);
        let fast = collect_addresses(&many, "host.test", A);
        let want: Vec<IpAddr> = (0..25u8).map(|i| IpAddr::from([10, 0, 0, i])).collect();
        assert_eq!(fast.addrs.as_slice(), want.as_slice());
    }

    #[test]
    fn random_names_with_and_without_the_question() {
        use crate::wire::testutil::{respond, Reply};
        use hickory_proto::rr::Name as HName;
        let mut seed = 77u32;
        let mut next = |n: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 8) % n
        };
        // Labels of odd bytes (space, dot, case, high bytes), 1 to 12 bytes.
        let pick = b"aB .-\xe9z9";
        for _ in 0..3000 {
            let mut names: Vec<Vec<Vec<u8>>> = Vec::new();
            for _ in 0..3 {
                let labels = 1 + next(3);
                let mut name = Vec::new();
                for _ in 0..labels {
                    let len = 1 + next(12) as usize;
                    name.push(
                        (0..len)
                            .map(|_| pick[next(8) as usize])
                            .collect::<Vec<u8>>(),
                    );
                }
                names.push(name);
            }
            let hname =
                |labels: &Vec<Vec<u8>>| HName::from_labels(labels.iter().map(|l| &l[..])).unwrap();
            let mut cname = cname_record("x.", "y.");
            cname.name = hname(&names[0]);
            cname.data =
                hickory_proto::rr::RData::CNAME(hickory_proto::rr::rdata::CNAME(hname(&names[1])));
            let mut a = a_record("x.", [10, 0, 0, next(250) as u8]);
            a.name = hname(&names[next(3) as usize]);
            let answers = vec![cname, a];
            // The query name: one of the names (or a cut or changed form of it), dotted.
            let mut qname = names[next(3) as usize].join(&b'.');
            match next(4) {
                0 => qname.truncate(next(qname.len() as u32 + 1) as usize),
                1 => qname.push(b'.'),
                2 if !qname.is_empty() => {
                    let at = next(qname.len() as u32) as usize;
                    qname[at] = pick[next(8) as usize];
                }
                _ => {}
            }
            let Ok(qname) = String::from_utf8(qname) else {
                continue;
            };
            let question = names[0].join(&b'.');
            let Ok(question) = String::from_utf8(question) else {
                continue;
            };
            let Ok(q) = crate::wire::build_query(1, &question, A, None) else {
                continue;
            };
            let asked = Message::parse(&respond(&q, &Reply::records(answers.clone()))).unwrap();
            let bare = msg(answers);
            let (x, y) = (
                collect_addresses(&asked, &qname, A),
                collect_addresses(&bare, &qname, A),
            );
            assert_eq!(x.chain.canonical(), y.chain.canonical(), "{qname:?}");
            assert_eq!(x.addrs, y.addrs, "{qname:?}");
        }
    }

    #[test]
    fn many_records_deduplicated_in_order() {
        // 3000 distinct addresses, every tenth one repeated later: beyond the stack filter.
        let ip = |i: u32| [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
        let mut answers: Vec<HRecord> = (0..3000).map(|i| a_record("m.test.", ip(i))).collect();
        answers.extend((0..3000).step_by(10).map(|i| a_record("M.test.", ip(i))));
        let m = msg(answers);
        let want: Vec<IpAddr> = (0..3000).map(|i| IpAddr::from(ip(i))).collect();
        let fast = collect_addresses(&m, "m.test", A);
        assert_eq!(fast.addrs.as_slice(), want.as_slice());
        assert_eq!(ips(&collect(&m, "m.test", A)), want);
    }

    #[test]
    fn invalid_qname() {
        let m = msg(vec![]);
        let c = collect(&m, "a..b", A);
        assert_eq!(c.canonical, "a..b");
        assert!(c.records.is_empty());
    }

    #[test]
    fn presentation_form() {
        // The owner of the one answer record, as read from the wire.
        let shown = |owner: hickory_proto::rr::Name| {
            let mut r = a_record("x.", [192, 0, 2, 1]);
            r.name = owner;
            let m = msg(vec![r]);
            let first = m.answers().next().unwrap();
            name_to_string(&first.name)
        };
        assert_eq!(
            shown(name("xn--bcher-kva.example.")),
            "xn--bcher-kva.example"
        );
        assert_eq!(shown(hickory_proto::rr::Name::root()), ".");
        let raw =
            hickory_proto::rr::Name::from_labels(vec![&b"a.b"[..], b"c\\d", b"e f\x01", b"-_*"])
                .unwrap();
        assert_eq!(shown(raw), "a\\.b.c\\\\d.e\\032f\\001.-_*");
    }
}
