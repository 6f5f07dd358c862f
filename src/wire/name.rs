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

/// A query name without its one trailing dot (empty for the root, `"."`); `None` when it is
/// empty otherwise or longer than [`MAX_NAME_LEN`]. The labels are checked by
/// [`set_lengths`].
#[inline]
pub(crate) fn query_name_text(name: &[u8]) -> Option<&[u8]> {
    if name == b"." {
        return Some(&[]);
    }
    let name = name.strip_suffix(b".").unwrap_or(name);
    (!name.is_empty() && name.len() <= MAX_NAME_LEN).then_some(name)
}

/// The length bytes of the wire form of `name` (not empty, no trailing dot), written into
/// `wire`, which holds a byte for the first length and then `name` itself: each dot becomes
/// the length of the label after it. False (and `wire` partly written) when a label is empty
/// or longer than [`MAX_LABEL_LEN`]: then `name` is not a valid query name. The dots are
/// found eight bytes at a time.
#[inline]
pub(crate) fn set_lengths(name: &[u8], wire: &mut [u8]) -> bool {
    // Where the current label starts in `name`; its length byte is at `wire[label]`.
    let mut label = 0;
    let mut close = |wire: &mut [u8], dot: usize| {
        let len = dot - label;
        if len == 0 || len > MAX_LABEL_LEN {
            return false;
        }
        if let Some(b) = wire.get_mut(label) {
            *b = len as u8;
        }
        label = dot + 1;
        true
    };
    for (k, c) in words(name).enumerate() {
        let mut dots = byte_mask(c, b'.');
        while dots != 0 {
            if !close(wire, k * 8 + (dots.trailing_zeros() / 8) as usize) {
                return false;
            }
            dots &= dots - 1;
        }
    }
    let base = name.len() / 8 * 8;
    for (i, &b) in name[base..].iter().enumerate() {
        if b == b'.' && !close(wire, base + i) {
            return false;
        }
    }
    close(wire, name.len())
}

/// Eight ones, one per byte of a `u64`.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a `u64`.
const HIGH: u64 = ONES * 0x80;

/// The high bit of each byte of `v` that is `b`, and nothing else (exact: no carry from one
/// byte into the next).
#[inline(always)]
pub(crate) fn byte_mask(v: u64, b: u8) -> u64 {
    let x = v ^ (ONES * u64::from(b));
    let low = ONES * 0x7f;
    !(((x & low) + low) | x | low)
}

/// Each byte of `v` with ASCII upper case folded to lower case (bytes from 0x80 kept).
#[inline(always)]
fn fold8(v: u64) -> u64 {
    let low7 = v & !HIGH;
    // High bit set where the low seven bits are >= 'A', and where they are > 'Z' (no carry:
    // at most 0x7f + 0x3f).
    let from_a = low7 + ONES * u64::from(0x80 - b'A');
    let past_z = low7 + ONES * u64::from(0x80 - b'Z' - 1);
    let upper = from_a & !past_z & !v & HIGH;
    v | (upper >> 2)
}

/// Up to eight bytes as a `u64` (shorter slices: overlapping loads, so a byte may appear
/// twice; both sides of a comparison are loaded alike).
#[inline(always)]
fn load_short(s: &[u8]) -> u64 {
    let n = s.len();
    if let (Some(a), Some(b)) = (s.first_chunk::<4>(), s.last_chunk::<4>()) {
        u64::from(u32::from_le_bytes(*a)) | (u64::from(u32::from_le_bytes(*b)) << 32)
    } else if let (Some(a), Some(b)) = (s.first_chunk::<2>(), s.last_chunk::<2>()) {
        u64::from(u16::from_le_bytes(*a)) | (u64::from(u16::from_le_bytes(*b)) << 16)
    } else if n == 1 {
        u64::from(s[0])
    } else {
        0
    }
}

/// Whether eight bytes of a label (`x`) and of a dotted name (`y`) are equal, ASCII case
/// ignored, and `x` has no dot.
#[inline(always)]
fn eq8(x: u64, y: u64) -> bool {
    byte_mask(x, b'.') == 0 && (x == y || fold8(x) == fold8(y))
}

/// Eight bytes of a wire name's labels (`x`) against the same eight of its dotted form (`y`),
/// only the bytes of `keep` (0xff each): where `y` has a dot, `x` has a length byte and is not
/// compared (the dots are counted into `dots`); elsewhere they must be equal with ASCII case
/// ignored (so `x` is no dot there either: a dot folds to nothing else).
#[inline(always)]
pub(crate) fn eq8_dotted(x: u64, y: u64, keep: u64, dots: &mut u32) -> bool {
    let dot = (byte_mask(y, b'.') & keep) >> 7;
    // One per dot: summed into the top byte (no POPCNT in the baseline x86-64 set).
    *dots += (dot.wrapping_mul(ONES) >> 56) as u32;
    let care = !(dot * 0xff) & keep;
    (x ^ y) & care == 0 || (fold8(x) ^ fold8(y)) & care == 0
}

/// Whether `label` (from the wire) and `want` (from a dotted name) are the same label: the
/// same length, equal bytes with ASCII case ignored, and no dot in either (a label holding a
/// dot is never one of a dotted name's). Eight bytes at a time.
#[inline]
pub(crate) fn label_eq(label: &[u8], want: &[u8]) -> bool {
    if label.len() != want.len() {
        return false;
    }
    if label.len() < 8 {
        return eq8(load_short(label), load_short(want));
    }
    for (x, y) in words(label).zip(words(want)) {
        if !eq8(x, y) {
            return false;
        }
    }
    // The last eight bytes (overlapping the chunks when the length is not a multiple of 8).
    match (label.last_chunk::<8>(), want.last_chunk::<8>()) {
        (Some(x), Some(y)) => eq8(u64::from_le_bytes(*x), u64::from_le_bytes(*y)),
        _ => false,
    }
}

/// Whether `a` and `b` hold the same bytes, eight at a time (what `a == b` says, without the
/// C library's byte-by-byte `memcmp` for the few dozen bytes of a question).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() < 8 {
        return load_short(a) == load_short(b);
    }
    words(a).zip(words(b)).all(|(x, y)| x == y) && a.last_chunk::<8>() == b.last_chunk::<8>()
}

/// The whole eight-byte words of `s`, little-endian (the last `s.len() % 8` bytes left out).
#[inline(always)]
pub(crate) fn words(s: &[u8]) -> impl Iterator<Item = u64> + '_ {
    s.chunks_exact(8)
        .map(|c| c.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w)))
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

    /// A small random generator for the agreement tests.
    fn rng(mut seed: u32) -> impl FnMut(u32) -> u32 {
        move |n| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 8) % n
        }
    }

    #[test]
    fn query_names_agree_with_check_then_encode() {
        let mut next = rng(7);
        let pick = b"aZ.-\\\x80";
        let mut names: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b".".to_vec(),
            b"..".to_vec(),
            b"a.".to_vec(),
            b"a..".to_vec(),
            b".a".to_vec(),
            b"small.bench.test".to_vec(),
            b"exactly8.exactly8".to_vec(),
            vec![b'a'; 63],
            vec![b'a'; 64],
            [&[b'b'; 63][..], b".", &[b'c'; 63]].concat(),
            [&[b'b'; 64][..], b".c"].concat(),
            [&b"c."[..], &[b'b'; 64]].concat(),
        ];
        // Around the longest name (253 bytes, one more with the trailing dot).
        for len in [252, 253, 254] {
            let mut n: Vec<u8> = (0..len)
                .map(|i| if i % 50 == 49 { b'.' } else { b'x' })
                .collect();
            names.push(n.clone());
            n.push(b'.');
            names.push(n);
        }
        for _ in 0..20_000 {
            let len = next(90) as usize;
            let mut n: Vec<u8> = (0..len).map(|_| pick[next(6) as usize]).collect();
            // Long labels now and then.
            if next(4) == 0 {
                let at = next(len as u32 + 1) as usize;
                let run = 55 + next(12) as usize;
                n.splice(at..at, std::iter::repeat_n(b'q', run));
            }
            names.push(n);
        }
        // The name as a query carries it: after the header, before type and class.
        let mut q = crate::wire::query::Query::EMPTY;
        for n in names {
            let mut want = Vec::new();
            let expect = checked_bytes(&n).map(|c| encode_checked(c, &mut want));
            let r = q.build(0, &n, 1, None, false);
            assert_eq!(r, expect, "{n:?}");
            let got = match r {
                Ok(()) => q
                    .get(crate::wire::HEADER_LEN..q.len() - 4)
                    .unwrap_or_default(),
                Err(_) => &q[..],
            };
            assert_eq!(got, &want[..], "{n:?}");
        }
    }

    #[test]
    fn label_eq_agrees_with_bytes() {
        let mut next = rng(11);
        // Letters, the bytes around the letters' ranges, a dot, high bytes.
        let pick = b"aAzZ@[`{.\x00\xc1\xe1\x7f-";
        for _ in 0..50_000 {
            let len = 1 + next(20) as usize;
            let a: Vec<u8> = (0..len).map(|_| pick[next(14) as usize]).collect();
            let mut b = a.clone();
            for _ in 0..next(3) {
                let at = next(len as u32) as usize;
                b[at] = pick[next(14) as usize];
            }
            if next(3) == 0 {
                for x in b.iter_mut() {
                    *x = x.to_ascii_uppercase();
                }
            }
            let want = a.eq_ignore_ascii_case(&b) && !a.contains(&b'.');
            assert_eq!(label_eq(&a, &b), want, "{a:?} {b:?}");
        }
        assert!(label_eq(&[b'a'; 63], &[b'A'; 63]));
        assert!(!label_eq(b"ab", b"abc"));
        for b in 0..=255u8 {
            let want = b.to_ascii_lowercase();
            for len in [1, 7, 8, 9] {
                let mut x = vec![b'k'; len];
                x[len - 1] = b;
                let mut y = vec![b'K'; len];
                y[len - 1] = want;
                assert_eq!(label_eq(&x, &y), b != b'.', "{b} {len}");
                y[len - 1] = want ^ 0x20;
                assert_eq!(
                    label_eq(&x, &y),
                    b.is_ascii_alphabetic(),
                    "{b} {len} swapped"
                );
            }
        }
        for v in [0u64, u64::MAX, 0x2e00_2e2e_0000_2e01] {
            for i in 0..8 {
                let byte = (v >> (8 * i)) as u8;
                assert_eq!(byte_mask(v, b'.') >> (8 * i) & 0x80 != 0, byte == b'.');
            }
        }
    }
}
