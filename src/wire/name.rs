//! Name syntax: text to wire form, the two ways the C libraries do it.
//!
//! - [`pton`]: glibc's `ns_name_pton` (`resolv/ns_name.c`), the presentation form with
//!   escapes: what glibc's `res_mkquery`, `res_hnok` and every glibc query name go through.
//! - [`checked_name`]: labels taken byte for byte between the dots, no escapes (musl's
//!   `__res_mkquery`, and the names the transport puts in its queries).

use super::{MAX_LABEL_LEN, MAX_NAME_LEN, MAX_WIRE_NAME};
use crate::{Error, Result};

/// A name in wire form (length-prefixed labels, then the root's zero byte), at most
/// [`MAX_WIRE_NAME`] bytes, kept inline.
#[derive(Clone, Copy)]
pub struct WireName {
    buf: [u8; MAX_WIRE_NAME],
    len: usize,
}

impl WireName {
    /// The encoded name, root byte included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The labels in order (none for the root).
    pub fn labels(&self) -> impl Iterator<Item = &[u8]> + Clone {
        let mut rest = self.as_bytes();
        std::iter::from_fn(move || {
            let (&len, tail) = rest.split_first()?;
            let label = tail.get(..usize::from(len)).filter(|l| !l.is_empty())?;
            rest = &tail[label.len()..];
            Some(label)
        })
    }
}

impl std::fmt::Debug for WireName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.labels()).finish()
    }
}

/// glibc's `ns_name_pton`: presentation form to wire form, or `None` where glibc fails with
/// `EMSGSIZE`.
///
/// - `\X` is the byte X (a dot escaped this way stays inside its label); `\DDD` the byte of
///   that decimal value: exactly three digits, at most 255. A backslash at the end, or one
///   followed by fewer than three digits, is an error.
/// - An unescaped dot ends a label. One trailing dot is allowed; `""` and `"."` are the root;
///   any other empty label (`".a"`, `"a..b"`, `"a.."`) is an error.
/// - Labels of at most [`MAX_LABEL_LEN`] bytes, at most [`MAX_WIRE_NAME`] bytes encoded.
pub fn pton(text: &[u8]) -> Option<WireName> {
    let mut out = WireName {
        buf: [0; MAX_WIRE_NAME],
        len: 0,
    };
    // Where the current label's length byte goes; its bytes follow.
    let mut label = 0;
    let mut at = 1;
    let mut i = 0;
    while i < text.len() {
        let mut c = text[i];
        i += 1;
        match c {
            b'\\' => {
                c = *text.get(i)?;
                i += 1;
                if c.is_ascii_digit() {
                    let d = text.get(i..i + 2)?;
                    if !d.iter().all(u8::is_ascii_digit) {
                        return None;
                    }
                    i += 2;
                    let v = u32::from(c - b'0') * 100
                        + u32::from(d[0] - b'0') * 10
                        + u32::from(d[1] - b'0');
                    c = u8::try_from(v).ok()?;
                }
            }
            b'.' => {
                let len = at - label - 1;
                if len > MAX_LABEL_LEN {
                    return None;
                }
                out.buf[label] = len as u8;
                if i == text.len() {
                    // Fully qualified: the root's byte ends the name (the root alone: "." is
                    // that byte already).
                    if len != 0 {
                        *out.buf.get_mut(at)? = 0;
                        at += 1;
                    }
                    out.len = at;
                    return Some(out);
                }
                if len == 0 || text[i] == b'.' {
                    return None;
                }
                label = at;
                at += 1;
                continue;
            }
            _ => {}
        }
        *out.buf.get_mut(at)? = c;
        at += 1;
    }
    let len = at - label - 1;
    if len > MAX_LABEL_LEN || label >= MAX_WIRE_NAME {
        return None;
    }
    out.buf[label] = len as u8;
    if len != 0 {
        *out.buf.get_mut(at)? = 0;
        at += 1;
    }
    out.len = at;
    Some(out)
}

/// `name` checked as a query name, without its trailing dot; its labels are the pieces between
/// the dots, none for the root (`"."`, given back as an empty slice). One
/// trailing dot is allowed; empty labels (`""`, `"a..b"`, `".a"`, `"a.."`), labels longer than
/// [`MAX_LABEL_LEN`] and names longer than [`MAX_NAME_LEN`] are `Error::NotFound`. Labels are
/// taken byte for byte. Allocates nothing.
pub(crate) fn checked_name(name: &str) -> Result<&[u8]> {
    checked_bytes(name.as_bytes())
}

/// [`checked_name`] of any bytes.
pub(crate) fn checked_bytes(name: &[u8]) -> Result<&[u8]> {
    if name == b"." {
        return Ok(&[]);
    }
    let name = name.strip_suffix(b".").unwrap_or(name);
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

/// Appends the wire form of a name that [`checked_name`] returned: each dot becomes the length
/// of the label after it, the first length goes in front, the root's zero byte ends it (the
/// root alone is that byte). `checked_name` bounds every label to [`MAX_LABEL_LEN`], so each
/// length fits in a byte.
#[inline(always)]
pub(crate) fn encode_checked(checked: &[u8], q: &mut Vec<u8>) {
    if !checked.is_empty() {
        // The name copied whole behind a length byte, then each dot replaced by the length
        // of the label after it, walking back from the end (no byte-by-byte push).
        let start = q.len();
        q.push(0);
        q.extend_from_slice(checked);
        let mut label = 0u8;
        if let Some(wire) = q.get_mut(start..) {
            for b in wire.iter_mut().skip(1).rev() {
                if *b == b'.' {
                    *b = label;
                    label = 0;
                } else {
                    label = label.wrapping_add(1);
                }
            }
            if let Some(first) = wire.first_mut() {
                *first = label;
            }
        }
    }
    q.push(0);
}

/// The labels of a name that [`checked_name`] returned, in order (none for the root): the
/// reference the one-pass readers are tested against.
#[cfg(test)]
pub(crate) fn labels_of(checked: &[u8]) -> impl Iterator<Item = &[u8]> + Clone {
    checked
        .split(|&b| b == b'.')
        .filter(|label| !label.is_empty())
}

/// Whether [`super::build_query`] accepts `name` (see [`checked_name`]): `Error::NotFound` if
/// not.
pub fn check_name(name: &str) -> Result<()> {
    checked_name(name).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(text: &[u8]) -> Option<Vec<u8>> {
        pton(text).map(|n| n.as_bytes().to_vec())
    }

    /// glibc 2.36's verdicts (the whole set is compared with libresolv itself by
    /// tests/name_syntax.rs).
    #[test]
    fn presentation_rules() {
        assert_eq!(wire(b"").unwrap(), b"\0");
        assert_eq!(wire(b".").unwrap(), b"\0");
        assert_eq!(wire(b"a.b.").unwrap(), b"\x01a\x01b\0");
        assert_eq!(wire(b"a\\.b").unwrap(), b"\x03a.b\0");
        assert_eq!(wire(b"\\065\\.x").unwrap(), b"\x03A.x\0");
        assert_eq!(wire(b"a\\255").unwrap(), b"\x02a\xff\0");
        for bad in [
            &b"\\256"[..],
            b"\\12",
            b"\\1",
            b"\\12x",
            b"a..b",
            b".a",
            b"a..",
            b"..",
            b"a\\",
        ] {
            assert_eq!(wire(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        assert!(wire(&[b'a'; 64]).is_none());
        assert!(wire(&[b'a'; 63]).is_some());
        // 255 bytes encoded at most: four 62-byte labels (252) + root = 253 fit; 5 × 50 = 256.
        let n = vec![vec![b'a'; 62]; 4].join(&b'.');
        assert_eq!(wire(&n).unwrap().len(), 253);
        let n = vec![vec![b'a'; 50]; 5].join(&b'.');
        assert!(wire(&n).is_none());
        let l = pton(b"one.Two.").unwrap();
        assert_eq!(l.labels().collect::<Vec<_>>(), [&b"one"[..], b"Two"]);
        assert_eq!(pton(b".").unwrap().labels().count(), 0);
    }

    #[test]
    fn query_name_rules() {
        assert_eq!(check_name("a.b."), Ok(()));
        assert_eq!(check_name("a..b"), Err(Error::NotFound));
        assert_eq!(labels_of(b"").count(), 0);
        assert_eq!(labels_of(b"ab.c").collect::<Vec<_>>(), [&b"ab"[..], b"c"]);
        assert_eq!(checked_bytes(b"a\\.b"), Ok(&b"a\\.b"[..]));
    }
}
