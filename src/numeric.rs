//! Addresses and numbers as text, read and written as the C libraries do it: `inet_aton` forms
//! for IPv4 (`127.1`, `0x7f.0.0.1`, `2130706433`), `inet_pton` for IPv6 with an optional
//! `%scope` suffix (musl's rule, [`parse_literal`]; glibc's, [`scopeid_pton`]), each libc's
//! `inet_ntop` for IPv6, and `strtoul`. Used for numeric hosts, `nameserver` lines,
//! hosts-file addresses, service numbers and gai.conf values.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a string is, read as an address literal (musl's `__lookup_ipliteral`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Literal {
    /// Not an address literal at all: the caller goes on to the hosts file and DNS.
    NotLiteral,
    /// An address literal, with the IPv6 scope id (0 for IPv4 and unscoped IPv6).
    Addr(IpAddr, u32),
    /// Looks like an IPv6 literal but its scope is unusable: `EAI_NONAME`.
    BadScope,
}

/// `inet_aton`: one to four parts separated by dots, each decimal, octal (`0` prefix) or hex
/// (`0x` prefix); the last part fills the remaining bytes. Each part is C `strtoul(s, &z, 0)`
/// restricted to what `inet_aton` accepts (it must start with a digit).
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    /// Above every part's maximum; values saturate here.
    const OVER: u64 = 1 << 32;
    let b = s.as_bytes();
    // The parts before the last, in place; how many.
    let mut addr: u32 = 0;
    let mut n = 0;
    let mut i = 0;
    loop {
        if !b.get(i)?.is_ascii_digit() {
            return None;
        }
        let mut v: u64 = 0;
        if b[i] != b'0' {
            while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
                v = (v * 10 + u64::from(c - b'0')).min(OVER);
                i += 1;
            }
        } else if b.get(i + 1).is_some_and(|&c| c | 0x20 == b'x')
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            i += 2;
            while let Some(d) = b.get(i).and_then(|&c| hex_digit(c)) {
                v = (v * 16 + u64::from(d)).min(OVER);
                i += 1;
            }
        } else {
            while let Some(&c) = b.get(i).filter(|c| (b'0'..=b'7').contains(c)) {
                v = (v * 8 + u64::from(c - b'0')).min(OVER);
                i += 1;
            }
        }
        n += 1;
        if i == b.len() {
            // The last part fills the bytes left: 32, 24, 16 or 8 bits.
            if v > u64::from(u32::MAX >> (8 * (n - 1))) {
                return None;
            }
            return Some(Ipv4Addr::from(addr | v as u32));
        }
        if b.get(i) != Some(&b'.') || n == 4 || v > 255 {
            return None;
        }
        addr |= (v as u32) << (24 - 8 * (n - 1));
        i += 1;
    }
}

/// `inet_pton(AF_INET6, …)`, with exactly the grammar of Rust's `Ipv6Addr::from_str` (which
/// this module used before; the tests compare the two): up to eight groups of one to four hex
/// digits, one `::` standing for at least one zero group, and a dotted quad (decimal parts
/// without leading zeros) in place of the last two groups. Written out because the standard
/// parser costs about twice musl's `inet_pton` per call.
pub fn inet_pton6(s: &str) -> Option<Ipv6Addr> {
    let b = s.as_bytes();
    // The groups read, 16 bits each, shifted in from the right: those before `::` end up in
    // `head`, those after it in `tail`.
    let mut head: u128 = 0;
    let mut tail: u128 = 0;
    let mut len = 0;
    // Where `::` stands: the number of groups before it.
    let mut gap = None;
    let mut p = 0;
    if b.starts_with(b"::") {
        gap = Some(0);
        p = 2;
    }
    // Each turn reads one group (or the final dotted quad), then a `:` or `::` before the next;
    // only a `::` may end the string.
    let mut more = p < b.len() || gap.is_none();
    while more {
        // With `::`, at most seven groups are written out.
        let limit = if gap.is_some() { 7 } else { 8 };
        if len >= limit {
            return None;
        }
        let mut v: u16 = 0;
        let mut k = 0;
        while let Some(d) = b.get(p + k).and_then(|&c| hex_digit(c)) {
            if k == 4 {
                return None;
            }
            v = v << 4 | u16::from(d);
            k += 1;
        }
        if k == 0 {
            return None;
        }
        if b.get(p + k) == Some(&b'.') {
            // A dotted quad: the last two groups, at the very end; before `::` only as
            // groups seven and eight.
            let (q, end) = dotted_quad(b, p)?;
            if end != b.len() || len + 2 > limit || (gap.is_none() && len + 2 != 8) {
                return None;
            }
            tail = tail << 32 | u128::from(u32::from_be_bytes(q));
            len += 2;
            break;
        }
        tail = tail << 16 | u128::from(v);
        len += 1;
        p += k;
        if p == b.len() {
            break;
        }
        if b[p] != b':' {
            return None;
        }
        p += 1;
        if b.get(p) == Some(&b':') {
            if gap.is_some() {
                return None;
            }
            gap = Some(len);
            head = tail;
            tail = 0;
            p += 1;
            more = p < b.len();
        }
    }
    match gap {
        None if len == 8 => Some(Ipv6Addr::from(tail)),
        // The `at` groups before `::` go to the top (none: nothing to shift in).
        Some(at) if len <= 7 => Some(Ipv6Addr::from(
            head.checked_shl(16 * (8 - at) as u32).unwrap_or(0) | tail,
        )),
        _ => None,
    }
}

/// Hex digit values by byte; 0xff for every other byte.
static HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

fn hex_digit(c: u8) -> Option<u8> {
    let d = HEX[c as usize];
    (d != 0xff).then_some(d)
}

/// Four decimal parts of at most three digits, each at most 255 and without a leading zero,
/// separated by dots, from `b[p..]`: the bytes and the position after them.
fn dotted_quad(b: &[u8], mut p: usize) -> Option<([u8; 4], usize)> {
    let mut q = [0u8; 4];
    for (i, slot) in q.iter_mut().enumerate() {
        if i > 0 {
            if b.get(p) != Some(&b'.') {
                return None;
            }
            p += 1;
        }
        let start = p;
        let mut v: u32 = 0;
        while let Some(&c) = b.get(p).filter(|c| c.is_ascii_digit()) {
            if p - start == 3 {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
            p += 1;
        }
        let digits = p - start;
        if digits == 0 || (digits > 1 && b[start] == b'0') || v > 255 {
            return None;
        }
        *slot = v as u8;
    }
    Some((q, p))
}

/// Whether `s` has a `:` in its first five bytes. [`inet_aton`] accepts no `:` at all, and
/// [`inet_pton6`] only strings with one there (`::`, or a group of at most four digits and its
/// `:`), so this picks the one parser that can succeed.
pub fn has_colon(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && i < 5 {
        if b[i] == b':' {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether `s` may be an address literal: it starts with a digit (all [`inet_aton`] accepts
/// does) or [`has_colon`] (all [`inet_pton6`] accepts is). `false`: [`parse_literal`],
/// [`inet_aton`] and [`inet_pton6`] all fail, so a host name is known not numeric before any
/// other work.
pub fn may_be_literal(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_digit) || has_colon(s)
}

fn is_link_local(a: &Ipv6Addr) -> bool {
    let o = a.octets();
    (o[0] == 0xfe && (o[1] & 0xc0) == 0x80) || (o[0] == 0xff && (o[1] & 0x0f) == 0x02)
}

/// musl's `__lookup_ipliteral` without the family filter: IPv4 by `inet_aton`, then IPv6 by
/// `inet_pton` with an optional `%scope` (a number, or an interface name for link-local
/// addresses).
pub fn parse_literal(s: &str) -> Literal {
    if !has_colon(s) {
        return match inet_aton(s) {
            Some(a) => Literal::Addr(IpAddr::V4(a), 0),
            None => Literal::NotLiteral,
        };
    }
    let (addr, scope) = match s.bytes().position(|b| b == b'%') {
        Some(i) if i < 64 => (&s[..i], Some(&s[i + 1..])),
        _ => (s, None),
    };
    let a6 = match inet_pton6(addr) {
        Some(a) => a,
        None => return Literal::NotLiteral,
    };
    let scope_id = match scope {
        None => 0,
        Some(sc) => {
            let digits = sc.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && digits == sc.len() {
                match sc.parse::<u32>() {
                    Ok(v) => v,
                    Err(_) => return Literal::BadScope,
                }
            } else {
                if !is_link_local(&a6) {
                    return Literal::BadScope;
                }
                match crate::sys::host::if_nametoindex(sc) {
                    0 => return Literal::BadScope,
                    i => i,
                }
            }
        }
    };
    Literal::Addr(IpAddr::V6(a6), scope_id)
}

/// glibc's `__inet6_scopeid_pton`: the scope of `a` from the text after its `%`: an interface
/// name for link-local and node/link-local multicast addresses, else (or when there is no such
/// interface) a decimal number up to `u32::MAX`.
pub fn scopeid_pton(a: &Ipv6Addr, scope: &str) -> Option<u32> {
    let o = a.octets();
    let link_local = o[0] == 0xfe && o[1] & 0xc0 == 0x80;
    let mc_local = o[0] == 0xff && (o[1] & 0xf == 1 || o[1] & 0xf == 2);
    if link_local || mc_local {
        match crate::sys::host::if_nametoindex(scope) {
            0 => {}
            i => return Some(i),
        }
    }
    let digits = scope.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits != scope.len() {
        return None;
    }
    scope
        .parse::<u64>()
        .ok()
        .and_then(|v| u32::try_from(v).ok())
}

/// The IPv4 address of a v4-compatible IPv6 address (`::a.b.c.d`, glibc's
/// `IN6_IS_ADDR_V4COMPAT`: the first 96 bits zero, the last 32 above 1, so neither `::` nor
/// `::1`).
pub fn v4_compatible(a: &Ipv6Addr) -> Option<Ipv4Addr> {
    let o = a.octets();
    let v4 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    (o[..12].iter().all(|&b| b == 0) && u32::from(v4) > 1).then_some(v4)
}

/// IPv6 text as musl's `inet_ntop` writes it: an embedded IPv4 address in dotted form for
/// v4-mapped addresses; otherwise the RFC 5952 form.
pub fn ntop6_musl(a: &Ipv6Addr) -> String {
    match a.to_ipv4_mapped() {
        Some(v4) => format!("::ffff:{v4}"),
        None => a.to_string(),
    }
}

/// IPv6 text as glibc's `inet_ntop` writes it: as musl's ([`ntop6_musl`]), and dotted also
/// for a v4-compatible address whose seventh word is not zero (its longest run of zeros is the
/// first six words).
pub fn ntop6_glibc(a: &Ipv6Addr) -> String {
    let o = a.octets();
    match v4_compatible(a) {
        Some(v4) if o[12] != 0 || o[13] != 0 => format!("::{v4}"),
        _ => ntop6_musl(a),
    }
}

/// What C `strtoul(s, &z, 10)` followed by `!*z` reads (leading white space and a sign
/// accepted as strtoul does): whether it is negated, and the value of the digits (`None` when
/// it exceeds 64 bits). `None` when `s` is not all number.
pub fn strtoul_parts(s: &str) -> Option<(bool, Option<u64>)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let neg = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = &b[i..];
    if digits.is_empty() {
        return None;
    }
    let mut v = Some(0u64);
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v
            .and_then(|v| v.checked_mul(10))
            .and_then(|v| v.checked_add(u64::from(c - b'0')));
    }
    Some((neg, v))
}

/// C `strtoul(s, &end, 10)` that must consume all of `s`, as its value: a value over 64 bits
/// is `u64::MAX` (`ERANGE`), a negated one wraps. The empty string is 0 (what an unchecked
/// `strtoul` of it gives).
pub fn strtoul(s: &str) -> Option<u64> {
    if s.is_empty() {
        return Some(0);
    }
    let (neg, v) = strtoul_parts(s)?;
    let v = v.unwrap_or(u64::MAX);
    Some(if neg { v.wrapping_neg() } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_may_not_be_a_literal_parses_as_none() {
        let seeds = [
            "",
            "a",
            "small.bench.test",
            "x1.2.3.4",
            " 1.2.3.4",
            "+1",
            ".1",
            "localhost",
            "abcde:1",
            "ff::1",
            "fe80::1%eth0",
            "::",
            "1.2.3.4",
            "0x7f.1",
            "1",
            "1a",
            "a:",
            "abcd::",
            "[::1]",
            "\u{e9}1",
            "12345:",
        ];
        for s in seeds {
            if !may_be_literal(s) {
                assert_eq!(parse_literal(s), Literal::NotLiteral, "{s:?}");
                assert_eq!(inet_aton(s), None, "{s:?}");
                assert_eq!(inet_pton6(s), None, "{s:?}");
            }
        }
        for s in ["1.2.3.4", "ff::1", "::", "0x7f.1", "abcd::"] {
            assert!(may_be_literal(s), "{s:?}");
        }
        for s in ["", "small.bench.test", "x1.2.3.4", "abcde:1", "localhost"] {
            assert!(!may_be_literal(s), "{s:?}");
        }
    }

    #[test]
    fn aton_forms() {
        assert_eq!(inet_aton("127.0.0.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("10.1.2"), Some(Ipv4Addr::new(10, 1, 0, 2)));
        assert_eq!(inet_aton("0x7f.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("010.0.0.1"), Some(Ipv4Addr::new(8, 0, 0, 1)));
        assert_eq!(inet_aton("2130706433"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("0"), Some(Ipv4Addr::new(0, 0, 0, 0)));
        for bad in [
            "",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.256",
            "08",
            "1..2",
            "1.2.",
            " 1",
            "+1",
            "0x",
            "a.b.c.d",
            "4294967296",
            "1.2.3.4 ",
        ] {
            assert_eq!(inet_aton(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn literals() {
        assert_eq!(
            parse_literal("::1"),
            Literal::Addr("::1".parse().unwrap(), 0)
        );
        assert_eq!(
            parse_literal("fe80::1%7"),
            Literal::Addr("fe80::1".parse().unwrap(), 7)
        );
        assert_eq!(
            parse_literal("fe80::1%lo"),
            Literal::Addr("fe80::1".parse().unwrap(), 1)
        );
        assert_eq!(parse_literal("2001:db8::1%nosuchif"), Literal::BadScope);
        assert_eq!(parse_literal("example.com"), Literal::NotLiteral);
        assert_eq!(parse_literal("1.2.3.4%1"), Literal::NotLiteral);
    }

    /// The `inet_aton` this module had before the byte loop: C `strtoul(s, &z, 0)` per part.
    fn aton_reference(s: &str) -> Option<Ipv4Addr> {
        fn part(s: &str) -> Option<(u64, &str)> {
            let b = s.as_bytes();
            if b.is_empty() || !b[0].is_ascii_digit() {
                return None;
            }
            let (radix, start) =
                if b.len() > 2 && b[0] == b'0' && (b[1] | 0x20) == b'x' && b[2].is_ascii_hexdigit()
                {
                    (16, 2)
                } else if b[0] == b'0' {
                    (8, 0)
                } else {
                    (10, 0)
                };
            let mut v: u64 = 0;
            let mut i = start;
            while let Some(d) = b.get(i).and_then(|&c| (c as char).to_digit(radix)) {
                v = v.saturating_mul(radix as u64).saturating_add(d as u64);
                i += 1;
            }
            Some((v, &s[i..]))
        }
        let mut parts = [0u64; 4];
        let mut rest = s;
        let mut n = 0;
        loop {
            if n == 4 {
                return None;
            }
            let (v, r) = part(rest)?;
            parts[n] = v;
            n += 1;
            if r.is_empty() {
                break;
            }
            rest = r.strip_prefix('.')?;
        }
        let max_last: u64 = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff][n - 1];
        if parts[..n - 1].iter().any(|&p| p > 255) || parts[n - 1] > max_last {
            return None;
        }
        let mut v = parts[n - 1] as u32;
        for (i, p) in parts[..n - 1].iter().enumerate() {
            v |= (*p as u32) << (24 - 8 * i);
        }
        Some(Ipv4Addr::from(v))
    }

    /// A small deterministic generator (xorshift) for the comparisons below.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Strings near addresses: valid ones, then characters of the grammar inserted, removed,
    /// duplicated or replaced.
    fn near_addresses(seeds: &[&str], alphabet: &[u8], count: usize) -> Vec<String> {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut out: Vec<String> = seeds.iter().map(|s| s.to_string()).collect();
        for _ in 0..count {
            let mut b = seeds[rng.below(seeds.len())].as_bytes().to_vec();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(b.len() + 1);
                let c = alphabet[rng.below(alphabet.len())];
                match rng.below(4) {
                    0 => b.insert(at, c),
                    1 if at < b.len() => {
                        b.remove(at);
                    }
                    2 if at < b.len() => b.insert(at, b[at]),
                    _ if at < b.len() => b[at] = c,
                    _ => b.push(c),
                }
            }
            // Also strings of the alphabet alone.
            if rng.below(4) == 0 {
                b = (0..rng.below(20))
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect();
            }
            out.push(String::from_utf8_lossy(&b).into_owned());
        }
        out
    }

    #[test]
    fn inet_pton6_reads_what_the_standard_parser_reads() {
        let seeds = [
            "::",
            "::1",
            "1::",
            "2001:db8::1",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4",
            "::ffff:10.0.0.1",
            "::1.2.3.4",
            "1::1.2.3.4",
            "fe80::1:2",
            "ABCD:ef01::ffff",
            "0:0:0:0:0:0:0:0",
            "1:2:3:4:5:6:7:8:9",
            "12345::1",
            "::01.2.3.4",
            "::256.1.1.1",
            "1.2.3.4::",
            ":::",
            "1::2::3",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::1.2.3",
            "::1.2.3.4.5",
            "::1.2.3.0004",
        ];
        for s in near_addresses(&seeds, b"0123456789abcdefABCDEFg:.%x ", 200_000) {
            assert_eq!(inet_pton6(&s), s.parse::<Ipv6Addr>().ok(), "{s:?}");
        }
        // Every string of up to eight characters from a small alphabet.
        let alphabet = b"0:.1a";
        let mut s = Vec::new();
        for len in 0..=8u32 {
            for mut k in 0..alphabet.len().pow(len) {
                s.clear();
                for _ in 0..len {
                    s.push(alphabet[k % alphabet.len()]);
                    k /= alphabet.len();
                }
                let s = std::str::from_utf8(&s).unwrap();
                assert_eq!(inet_pton6(s), s.parse::<Ipv6Addr>().ok(), "{s:?}");
            }
        }
    }

    /// `has_colon` may pick the parser: no string is both.
    #[test]
    fn aton_and_pton6_strings_are_told_apart_by_a_colon() {
        let seeds = [
            "127.0.0.1",
            "0x7f.1",
            "2001:db8::1",
            "::",
            "::1.2.3.4",
            "1:2:3:4:5:6:7:8",
        ];
        for s in near_addresses(&seeds, b"0123456789abcdefx:.", 100_000) {
            if inet_aton(&s).is_some() {
                assert!(!has_colon(&s), "{s:?}");
            }
            if inet_pton6(&s).is_some() {
                assert!(has_colon(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn inet_aton_reads_what_strtoul_reads() {
        let seeds = [
            "127.0.0.1",
            "127.1",
            "10.1.2",
            "0x7f.1",
            "0X7F.0.0.1",
            "010.0.0.1",
            "2130706433",
            "4294967295",
            "4294967296",
            "0xffffffff",
            "0x100000000",
            "037777777777",
            "040000000000",
            "1.0xffffff",
            "1.2.0xffff",
            "255.255.255.255",
            "0",
            "0x",
            "08",
            "99999999999999999999999",
        ];
        for s in near_addresses(&seeds, b"0123456789abcdefxX. +-", 200_000) {
            assert_eq!(inet_aton(&s), aton_reference(&s), "{s:?}");
        }
    }

    #[test]
    fn ntop_forms() {
        let a = |s: &str| s.parse::<Ipv6Addr>().unwrap();
        for f in [ntop6_musl, ntop6_glibc] {
            assert_eq!(f(&a("::ffff:10.0.0.1")), "::ffff:10.0.0.1");
            assert_eq!(f(&a("2001:db8::1")), "2001:db8::1");
            assert_eq!(f(&a("::1")), "::1");
            assert_eq!(f(&a("::")), "::");
        }
        assert_eq!(ntop6_glibc(&a("::10.0.0.1")), "::10.0.0.1");
        assert_eq!(ntop6_musl(&a("::10.0.0.1")), "::a00:1");
        assert_eq!(ntop6_glibc(&a("::0.0.1.2")), "::102");
        assert_eq!(v4_compatible(&a("::1")), None);
        assert_eq!(v4_compatible(&a("::")), None);
        assert_eq!(
            v4_compatible(&a("::0.0.0.2")),
            Some(Ipv4Addr::new(0, 0, 0, 2))
        );
    }

    #[test]
    fn strtoul_reads() {
        assert_eq!(strtoul(""), Some(0));
        assert_eq!(strtoul(" +12"), Some(12));
        assert_eq!(strtoul("-1"), Some(u64::MAX));
        assert_eq!(strtoul("99999999999999999999999"), Some(u64::MAX));
        assert_eq!(strtoul("1x"), None);
        assert_eq!(strtoul("  "), None);
        assert_eq!(strtoul_parts("-0"), Some((true, Some(0))));
    }

    #[test]
    fn glibc_scopes() {
        let a = |s: &str| s.parse::<Ipv6Addr>().unwrap();
        assert_eq!(
            scopeid_pton(&a("fe80::1"), "lo"),
            Some(crate::sys::host::if_nametoindex("lo"))
        );
        assert_eq!(scopeid_pton(&a("2001:db8::1"), "lo"), None);
        assert_eq!(scopeid_pton(&a("2001:db8::1"), "7"), Some(7));
        assert_eq!(scopeid_pton(&a("fe80::1"), "4294967296"), None);
        assert_eq!(scopeid_pton(&a("fe80::1"), ""), None);
    }
}
