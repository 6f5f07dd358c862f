//! Building a query message, byte for byte (what `res_mkquery` produces).

use super::{CLASS_IN, HEADER_LEN, MAX_LABEL_LEN, MAX_NAME_LEN, TYPE_OPT};
use crate::{Error, Result};

/// UDP payload size advertised with `options edns0` (DNS flag day 2020; glibc uses 1200).
pub const EDNS_PAYLOAD: u16 = 1232;

/// Header flags of a query: RD (recursion desired) only; AD, CD and opcode are zero.
const QUERY_FLAGS: u16 = 0x0100;
/// The AD bit of the header flags (RFC 4035 3.2.3; RFC 6840 5.7: a query with AD set asks
/// the server to report the AD bit in its answer). glibc sets it with `options trust-ad`.
pub const FLAG_AD: u16 = 0x0020;

/// `name` checked as a query name, without its trailing dot; its labels are the pieces between
/// the dots, none for the root (`"."`, given back as an empty slice). One
/// trailing dot is allowed; empty labels (`""`, `"a..b"`, `".a"`, `"a.."`), labels longer than
/// [`MAX_LABEL_LEN`] and names longer than [`MAX_NAME_LEN`] are `Error::NotFound`. Labels are
/// taken byte for byte. Allocates nothing.
pub(crate) fn checked_name(name: &str) -> Result<&[u8]> {
    if name == "." {
        return Ok(&[]);
    }
    let name = name.strip_suffix('.').unwrap_or(name).as_bytes();
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(Error::NotFound);
    }
    // One pass: the length of the label being read, checked at each dot and at the end.
    let mut label = 0;
    for &b in name {
        if b == b'.' {
            if label == 0 {
                return Err(Error::NotFound);
            }
            label = 0;
        } else {
            label += 1;
            if label > MAX_LABEL_LEN {
                return Err(Error::NotFound);
            }
        }
    }
    if label == 0 {
        return Err(Error::NotFound);
    }
    Ok(name)
}

/// The labels of a name that [`checked_name`] returned, in order (none for the root): the
/// reference the one-pass readers are tested against.
#[cfg(test)]
pub(crate) fn labels_of(checked: &[u8]) -> impl Iterator<Item = &[u8]> + Clone {
    checked
        .split(|&b| b == b'.')
        .filter(|label| !label.is_empty())
}

/// Whether [`build_query`] accepts `name` (see [`checked_name`]): `Error::NotFound` if not.
pub fn check_name(name: &str) -> Result<()> {
    checked_name(name).map(|_| ())
}

/// A standard query (RFC 1035 4.1) for `name`/`qtype`/IN with ID `id`, RD=1.
///
/// Labels are taken byte for byte from `name` (no escapes, no IDNA). With `edns_payload`, an
/// OPT record (RFC 6891 6.1.2: root owner, class = UDP payload size, TTL 0, no options) is put
/// in the additional section. Invalid names (see [`checked_name`]) are `Error::NotFound`.
pub fn build_query(id: u16, name: &str, qtype: u16, edns_payload: Option<u16>) -> Result<Vec<u8>> {
    build_query_ad(id, name, qtype, edns_payload, false)
}

/// [`build_query`], with the AD bit ([`FLAG_AD`]) set when `ad` (`options trust-ad`).
pub fn build_query_ad(
    id: u16,
    name: &str,
    qtype: u16,
    edns_payload: Option<u16>,
    ad: bool,
) -> Result<Vec<u8>> {
    let name = checked_name(name)?;
    // Each label takes its length byte, the root its zero byte: the dots become length bytes.
    let name_len = if name.is_empty() { 1 } else { name.len() + 2 };
    let opt_len = if edns_payload.is_some() { 11 } else { 0 };
    let mut q = Vec::with_capacity(HEADER_LEN + name_len + 4 + opt_len);
    let arcount: u16 = if edns_payload.is_some() { 1 } else { 0 };
    let flags = if ad {
        QUERY_FLAGS | FLAG_AD
    } else {
        QUERY_FLAGS
    };
    for word in [id, flags, 1, 0, 0, arcount] {
        q.extend_from_slice(&word.to_be_bytes());
    }
    if !name.is_empty() {
        // Each dot becomes the length of the label after it; the first length goes in front.
        // checked_name bounds every label to MAX_LABEL_LEN (63), so each fits in a byte.
        let mut len_at = q.len();
        q.push(0);
        for &b in name {
            if b == b'.' {
                q[len_at] = (q.len() - len_at - 1) as u8;
                len_at = q.len();
                q.push(0);
            } else {
                q.push(b);
            }
        }
        q[len_at] = (q.len() - len_at - 1) as u8;
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&CLASS_IN.to_be_bytes());
    if let Some(payload) = edns_payload {
        q.push(0); // root owner name
        q.extend_from_slice(&TYPE_OPT.to_be_bytes());
        q.extend_from_slice(&payload.to_be_bytes());
        q.extend_from_slice(&[0, 0, 0, 0]); // extended rcode, version 0, flags (DO=0)
        q.extend_from_slice(&[0, 0]); // no options
    }
    Ok(q)
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
        assert_eq!(check_name("a.b."), Ok(()));
        assert_eq!(check_name("a..b"), Err(Error::NotFound));
        assert_eq!(labels_of(b"").count(), 0);
        assert_eq!(labels_of(b"ab.c").collect::<Vec<_>>(), [&b"ab"[..], b"c"]);
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
