//! Textual addresses as the C library reads them: `inet_aton` forms for IPv4 (`127.1`,
//! `0x7f.0.0.1`, `2130706433`), `inet_pton` for IPv6 with an optional `%scope` suffix.
//! Used for numeric hosts, `nameserver` lines and hosts-file addresses.

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

/// One component of an `inet_aton` address: C `strtoul(s, &z, 0)` restricted to what
/// `inet_aton` accepts (the component must start with a digit). Returns the value (saturated)
/// and the rest of the string.
fn aton_part(s: &str) -> Option<(u64, &str)> {
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() {
        return None;
    }
    let (radix, start) =
        if b.len() > 2 && b[0] == b'0' && (b[1] | 0x20) == b'x' && b[2].is_ascii_hexdigit() {
            (16, 2)
        } else if b[0] == b'0' {
            (8, 0)
        } else {
            (10, 0)
        };
    let mut v: u64 = 0;
    let mut i = start;
    while i < b.len() {
        let d = match (b[i] as char).to_digit(radix) {
            Some(d) => d as u64,
            None => break,
        };
        v = v.saturating_mul(radix as u64).saturating_add(d);
        i += 1;
    }
    Some((v, &s[i..]))
}

/// `inet_aton`: one to four parts separated by dots, each decimal, octal (`0` prefix) or hex
/// (`0x` prefix); the last part fills the remaining bytes.
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let mut parts = [0u64; 4];
    let mut rest = s;
    let mut n = 0;
    loop {
        if n == 4 {
            return None;
        }
        let (v, r) = aton_part(rest)?;
        parts[n] = v;
        n += 1;
        if r.is_empty() {
            break;
        }
        rest = r.strip_prefix('.')?;
    }
    let max_last: u64 = match n {
        1 => 0xffff_ffff,
        2 => 0xff_ffff,
        3 => 0xffff,
        _ => 0xff,
    };
    if parts[..n - 1].iter().any(|&p| p > 255) || parts[n - 1] > max_last {
        return None;
    }
    let mut v: u32 = 0;
    for (i, p) in parts[..n - 1].iter().enumerate() {
        v |= (*p as u32) << (24 - 8 * i);
    }
    v |= parts[n - 1] as u32;
    Some(Ipv4Addr::from(v))
}

/// `inet_pton(AF_INET6, …)`.
pub fn inet_pton6(s: &str) -> Option<Ipv6Addr> {
    s.parse().ok()
}

fn is_link_local(a: &Ipv6Addr) -> bool {
    let o = a.octets();
    (o[0] == 0xfe && (o[1] & 0xc0) == 0x80) || (o[0] == 0xff && (o[1] & 0x0f) == 0x02)
}

/// musl's `__lookup_ipliteral` without the family filter: IPv4 by `inet_aton`, then IPv6 by
/// `inet_pton` with an optional `%scope` (a number, or an interface name for link-local
/// addresses).
pub fn parse_literal(s: &str) -> Literal {
    if let Some(a) = inet_aton(s) {
        return Literal::Addr(IpAddr::V4(a), 0);
    }
    let (addr, scope) = match s.find('%') {
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
                match if_nametoindex(sc) {
                    0 => return Literal::BadScope,
                    i => i,
                }
            }
        }
    };
    Literal::Addr(IpAddr::V6(a6), scope_id)
}

fn if_nametoindex(name: &str) -> u32 {
    let mut buf = [0u8; libc::IF_NAMESIZE + 1];
    if name.is_empty() || name.len() >= libc::IF_NAMESIZE || name.as_bytes().contains(&0) {
        return 0;
    }
    buf[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: buf is NUL-terminated (zero-initialised, name shorter than the buffer) and
    // lives for the whole call; if_nametoindex only reads it.
    unsafe { libc::if_nametoindex(buf.as_ptr().cast()) }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
