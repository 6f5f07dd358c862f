//! Building a query message, byte for byte (what `res_mkquery` produces).

use super::name::{query_name_text, set_lengths};
use super::{flag, CLASS_IN, HEADER_LEN, MAX_WIRE_NAME, TYPE_OPT};
use crate::{Error, Result};

/// UDP payload size advertised with `options edns0` (DNS flag day 2020; glibc uses 1200).
pub const EDNS_PAYLOAD: u16 = 1232;

/// Size of an OPT record without options (RFC 6891 6.1.2): root owner, type, class, TTL,
/// RDLENGTH.
const OPT_LEN: usize = 11;

/// A standard query (RFC 1035 4.1) for `name`/`qtype`/IN with ID `id`, RD=1.
///
/// Labels are taken byte for byte from `name` (no escapes, no IDNA). With `edns_payload`, an
/// OPT record (RFC 6891 6.1.2: root owner, class = UDP payload size, TTL 0, no options) is put
/// in the additional section. Invalid names (see [`super::name::checked_name`]) are `Error::NotFound`.
pub fn build_query(id: u16, name: &str, qtype: u16, edns_payload: Option<u16>) -> Result<Vec<u8>> {
    build_query_ad(id, name, qtype, edns_payload, false)
}

/// [`build_query`], with the AD bit ([`flag::AD`]) set when `ad` (`options trust-ad`).
pub fn build_query_ad(
    id: u16,
    name: &str,
    qtype: u16,
    edns_payload: Option<u16>,
    ad: bool,
) -> Result<Vec<u8>> {
    let mut q = Query::EMPTY;
    q.build(id, name.as_bytes(), qtype, edns_payload, ad)?;
    Ok(q.to_vec())
}

/// Longest query [`Query::build`] makes: the header, the longest name on the wire (RFC 1035
/// 3.1, [`MAX_WIRE_NAME`]), type and class, an OPT record.
pub const MAX_QUERY: usize = HEADER_LEN + MAX_WIRE_NAME + 4 + OPT_LEN;

/// A query built in place, inline (no allocation): what [`build_query_ad`] returns, in a
/// fixed buffer of [`MAX_QUERY`] bytes. Derefs to the message.
#[derive(Clone, Copy)]
pub struct Query {
    len: usize,
    bytes: [u8; MAX_QUERY],
}

impl Query {
    /// No message (zero bytes).
    pub const EMPTY: Query = Query {
        len: 0,
        bytes: [0; MAX_QUERY],
    };

    /// Makes this the query of [`build_query_ad`] (byte for byte); on error (an invalid name:
    /// `Error::NotFound`) it is left empty.
    pub fn build(
        &mut self,
        id: u16,
        name: &[u8],
        qtype: u16,
        edns_payload: Option<u16>,
        ad: bool,
    ) -> Result<()> {
        self.len = 0;
        let name = query_name_text(name).ok_or(Error::NotFound)?;
        let root = name.is_empty();
        // RD (recursion desired); AD with `trust-ad`; CD and the opcode zero.
        let flags = if ad { flag::RD | flag::AD } else { flag::RD };
        let [id0, id1] = id.to_be_bytes();
        let [f0, f1] = flags.to_be_bytes();
        let ar = u8::from(edns_payload.is_some());
        // The header (QDCOUNT 1, ARCOUNT 1 with the OPT record), then the first length byte:
        // the root's zero byte when the name is the root.
        let head = [id0, id1, f0, f1, 0, 1, 0, 0, 0, 0, 0, ar, 0];
        // The root's byte (unless the name is the root), type, class, the OPT record.
        let [t0, t1] = qtype.to_be_bytes();
        let [c0, c1] = CLASS_IN.to_be_bytes();
        let [p0, p1] = edns_payload.unwrap_or(0).to_be_bytes();
        let [o0, o1] = TYPE_OPT.to_be_bytes();
        let tail = [0, t0, t1, c0, c1, 0, o0, o1, p0, p1, 0, 0, 0, 0, 0, 0];
        let tail = match (root, edns_payload.is_some()) {
            (false, true) => &tail[..],
            (false, false) => &tail[..5],
            (true, true) => &tail[1..],
            (true, false) => &tail[1..5],
        };
        // At most 13 + MAX_NAME_LEN + 16 = MAX_QUERY bytes.
        let named = head.len() + name.len();
        let end = named + tail.len();
        let Some(out) = self.bytes.get_mut(..end) else {
            return Err(Error::NotFound);
        };
        let (h, rest) = out.split_at_mut(head.len());
        let (n, t) = rest.split_at_mut(name.len());
        h.copy_from_slice(&head);
        n.copy_from_slice(name);
        t.copy_from_slice(tail);
        // Each label takes its length byte, the root its zero byte: the dots become length
        // bytes.
        if !root
            && !self
                .bytes
                .get_mut(HEADER_LEN..named)
                .is_some_and(|wire| set_lengths(name, wire))
        {
            return Err(Error::NotFound);
        }
        self.len = end;
        Ok(())
    }

    /// Sets the query's ID (its first two bytes).
    pub fn set_id(&mut self, id: u16) {
        if let Some(b) = self.bytes.get_mut(..2) {
            b.copy_from_slice(&id.to_be_bytes());
        }
    }
}

impl std::ops::Deref for Query {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Query").field(&&**self).finish()
    }
}

/// The header of a query with one question: `id`, `flags` (the second word: opcode and
/// flag bits), QDCOUNT 1, no answer or authority records, `arcount` additional ones.
#[inline(always)]
pub(crate) fn push_header(q: &mut Vec<u8>, id: u16, flags: u16, arcount: u16) {
    let [id0, id1] = id.to_be_bytes();
    let [f0, f1] = flags.to_be_bytes();
    let [ar0, ar1] = arcount.to_be_bytes();
    q.extend_from_slice(&[id0, id1, f0, f1, 0, 1, 0, 0, 0, 0, ar0, ar1]);
}

/// An OPT record advertising a UDP payload of `payload` bytes (RFC 6891 6.1.2: root owner,
/// class = payload size, extended rcode, version 0, no flags (DO=0), no options).
#[inline]
fn push_opt(q: &mut Vec<u8>, payload: u16) {
    q.push(0); // root owner name
    q.extend_from_slice(&TYPE_OPT.to_be_bytes());
    q.extend_from_slice(&payload.to_be_bytes());
    q.extend_from_slice(&[0, 0, 0, 0]); // extended rcode, version 0, flags (DO=0)
    q.extend_from_slice(&[0, 0]); // no options
}

/// `query` (a whole message) with an OPT record advertising `payload` appended and counted
/// (glibc `__res_nopt`).
pub fn with_opt(query: &[u8], payload: u16) -> Vec<u8> {
    let mut q = Vec::with_capacity(query.len() + OPT_LEN);
    q.extend_from_slice(query);
    push_opt(&mut q, payload);
    if q.len() >= HEADER_LEN {
        let ar = u16::from_be_bytes([q[10], q[11]]).saturating_add(1);
        q[10..12].copy_from_slice(&ar.to_be_bytes());
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_a_query() {
        let q = build_query(0x1234, "www.example.com", 1, None).unwrap();
        let expected: &[u8] = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\
            \x03www\x07example\x03com\x00\x00\x01\x00\x01";
        assert_eq!(q, expected);
    }

    #[test]
    fn golden_aaaa_query_with_trailing_dot_and_edns() {
        let q = build_query(0xbeef, "Ab.C.", 28, Some(1232)).unwrap();
        let expected: &[u8] = b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\
            \x02Ab\x01C\x00\x00\x1c\x00\x01\
            \x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";
        assert_eq!(q, expected);
    }

    #[test]
    fn ad_bit() {
        let q = build_query_ad(0x1234, "a.b", 1, None, true).unwrap();
        assert_eq!(&q[2..4], &[0x01, 0x20]);
        assert_eq!(q[4..], build_query(0x1234, "a.b", 1, None).unwrap()[4..]);
    }

    #[test]
    fn root_query() {
        let q = build_query(1, ".", 2, None).unwrap();
        assert_eq!(&q[12..], b"\x00\x00\x02\x00\x01");
    }

    #[test]
    fn sized_exactly() {
        for (name, edns) in [(".", None), ("a", Some(1232)), ("www.example.com.", None)] {
            let q = build_query(1, name, 1, edns).unwrap();
            assert_eq!(q.len(), q.capacity(), "{name}");
        }
    }

    #[test]
    fn opt_appended_and_counted() {
        let q = build_query(1, "a", 1, None).unwrap();
        let o = with_opt(&q, 1000);
        assert_eq!(&o[10..12], &[0, 1]);
        assert_eq!(&o[q.len()..], &[0, 0, 41, 0x03, 0xe8, 0, 0, 0, 0, 0, 0]);
        assert_eq!(o, build_query(1, "a", 1, Some(1000)).unwrap());
    }

    #[test]
    fn labels_are_bytes() {
        let q = build_query(1, "é_x", 1, None).unwrap();
        assert_eq!(&q[12..], b"\x04\xc3\xa9_x\x00\x00\x01\x00\x01");
    }

    #[test]
    fn parses_back_with_hickory() {
        let q = build_query(7, "a.example.org", 28, Some(EDNS_PAYLOAD)).unwrap();
        let m = hickory_proto::op::Message::from_vec(&q).unwrap();
        assert_eq!(m.metadata.id, 7);
        assert!(m.metadata.recursion_desired);
        assert!(!m.metadata.authentic_data);
        assert_eq!(m.queries.len(), 1);
        assert_eq!(m.queries[0].name.to_ascii(), "a.example.org.");
        assert_eq!(m.edns.as_ref().map(|e| e.max_payload()), Some(1232));
    }

    #[test]
    fn agrees_with_check_then_encode() {
        use crate::wire::name::{checked_name, encode_checked};
        // The query as the separate steps build it.
        let reference = |id: u16, name: &str, qtype: u16, edns: Option<u16>, ad: bool| {
            let checked = checked_name(name)?;
            let mut q = Vec::new();
            let flags = if ad { flag::RD | flag::AD } else { flag::RD };
            push_header(&mut q, id, flags, u16::from(edns.is_some()));
            encode_checked(checked, &mut q);
            q.extend_from_slice(&qtype.to_be_bytes());
            q.extend_from_slice(&CLASS_IN.to_be_bytes());
            if let Some(p) = edns {
                push_opt(&mut q, p);
            }
            Ok(q)
        };
        let mut seed = 5u32;
        let mut next = |n: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 8) % n
        };
        // The edge cases, separated by '|' (the first one is empty).
        let mut names: Vec<String> = "|.|..|a|a.|a..|.a|small.bench.test|exactly8.exactly8."
            .split('|')
            .map(str::to_string)
            .collect();
        names.push("a".repeat(63) + "." + &"b".repeat(63));
        names.push("a".repeat(64));
        for _ in 0..5000 {
            let len = next(80) as usize;
            names.push(
                (0..len)
                    .map(|_| ['x', 'Y', '.', '-'][next(4) as usize])
                    .collect(),
            );
        }
        for name in &names {
            for (edns, ad) in [(None, false), (Some(1232), true), (Some(512), false)] {
                let id = next(65536) as u16;
                let qtype = [1, 28, 12][next(3) as usize];
                let got = build_query_ad(id, name, qtype, edns, ad);
                assert_eq!(got, reference(id, name, qtype, edns, ad), "{name:?}");
                if let Ok(q) = got {
                    assert_eq!(q.len(), q.capacity(), "{name:?}");
                }
            }
        }
    }

    #[test]
    fn inline_query_holds_the_longest() {
        // 253 characters and a trailing dot, with an OPT record: the largest query built.
        let mut q = Query::EMPTY;
        let a63 = "a".repeat(63);
        let n253 = "b".repeat(61) + "." + &[&a63[..]; 3].join(".");
        assert_eq!(n253.len(), 253);
        q.build(
            9,
            (n253.clone() + ".").as_bytes(),
            28,
            Some(EDNS_PAYLOAD),
            true,
        )
        .unwrap();
        assert_eq!(q.len(), MAX_QUERY);
        assert_eq!(
            &q[..],
            &build_query_ad(9, &n253, 28, Some(EDNS_PAYLOAD), true).unwrap()[..]
        );
        // An invalid name leaves it empty; a valid one after it is whole again.
        assert_eq!(
            q.build(9, (n253 + "a").as_bytes(), 1, None, false),
            Err(Error::NotFound)
        );
        assert!(q.is_empty());
        q.build(0x1234, b"www.example.com", 1, None, false).unwrap();
        q.set_id(0xbeef);
        assert_eq!(
            &q[..],
            &build_query(0xbeef, "www.example.com", 1, None).unwrap()[..]
        );
        assert_eq!(format!("{q:?}"), format!("Query({:?})", &q[..]));
    }

    #[test]
    fn invalid_names() {
        for name in ["", "..", "a..b", ".a", "a..", "a.b.."] {
            assert_eq!(
                build_query(1, name, 1, None),
                Err(Error::NotFound),
                "{name:?}"
            );
        }
        let long_label = "a".repeat(64);
        assert_eq!(build_query(1, &long_label, 1, None), Err(Error::NotFound));
        assert!(build_query(1, &"a".repeat(63), 1, None).is_ok());
        // 253 characters: ok (with or without trailing dot); 254: too long.
        let label = "a".repeat(49);
        let n253 = [&label[..]; 5].join(".") + ".bcd"; // 5*49 + 4 + 4 = 253
        assert_eq!(n253.len(), 253);
        assert!(build_query(1, &n253, 1, None).is_ok());
        assert!(build_query(1, &(n253.clone() + "."), 1, None).is_ok());
        let n254 = n253 + "e";
        assert_eq!(build_query(1, &n254, 1, None), Err(Error::NotFound));
    }
}
