//! `getnameinfo` as plain Rust: a socket address in, host and service text out.
//! `abi::nameinfo` reads the C `sockaddr` and copies the strings into the caller's buffers.
//!
//! musl (`getnameinfo.c`): hosts file, then a PTR question; no name found (or DNS failing)
//! gives the numeric address unless `NI_NAMEREQD`; `NI_NOFQDN` is ignored; `NI_NUMERICSCOPE`
//! keeps the scope numeric; flags are not checked.
//! glibc (`inet/getnameinfo.c`): the same through `gethostbyaddr_r`, but a temporary DNS
//! failure is `EAI_AGAIN`, `NI_NOFQDN` cuts the local domain off, and unknown flags are
//! `EAI_BADFLAGS`. Both: `EAI_OVERFLOW` when a result does not fit its buffer (with its NUL).

use super::reverse::{self, ipv4_part, NoName};
use super::Semantics;
use crate::config::{self, Proto};
use crate::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

/// `NI_*` flag values (musl's and glibc's `<netdb.h>` agree where both have them).
pub mod ni {
    pub const NUMERICHOST: i32 = 0x01;
    pub const NUMERICSERV: i32 = 0x02;
    pub const NOFQDN: i32 = 0x04;
    pub const NAMEREQD: i32 = 0x08;
    pub const DGRAM: i32 = 0x10;
    /// glibc only: IDN decoding of the name (accepted; names are passed through).
    pub const IDN: i32 = 0x20;
    /// glibc only: the former `NI_IDN_ALLOW_UNASSIGNED` and `NI_IDN_USE_STD3_ASCII_RULES`,
    /// accepted and ignored.
    pub const DEPRECATED_IDN: i32 = 0xc0;
    /// musl only: keep the scope id numeric.
    pub const NUMERICSCOPE: i32 = 0x100;
}

/// Flags glibc accepts; any other bit is `EAI_BADFLAGS`.
pub const GLIBC_FLAGS: i32 = ni::NUMERICHOST
    | ni::NUMERICSERV
    | ni::NOFQDN
    | ni::NAMEREQD
    | ni::DGRAM
    | ni::IDN
    | ni::DEPRECATED_IDN;

/// Flags musl's `<netdb.h>` defines (musl itself ignores any other bit).
pub const MUSL_FLAGS: i32 =
    ni::NUMERICHOST | ni::NUMERICSERV | ni::NOFQDN | ni::NAMEREQD | ni::DGRAM | ni::NUMERICSCOPE;

/// The flags a program built against `program`'s headers can pass: glibc's semantics reject
/// any other bit with `EAI_BADFLAGS` (in compatibility mode the program's flags are musl's,
/// `NI_NUMERICSCOPE` among them: [`super::PROGRAM_LIBC`]).
pub fn known_flags(program: Semantics) -> i32 {
    match program {
        Semantics::Musl => MUSL_FLAGS,
        Semantics::Glibc => GLIBC_FLAGS,
    }
}

/// What the caller asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// `sin_addr` / `sin6_addr` (a `sockaddr_in6` stays IPv6, v4-mapped or not).
    pub addr: IpAddr,
    pub port: u16,
    /// `sin6_scope_id` (0 for IPv4).
    pub scope_id: u32,
    /// The host buffer's size, `None` for a NULL or empty buffer (no host wanted).
    pub host_len: Option<usize>,
    /// The service buffer's size, `None` for a NULL or empty buffer.
    pub serv_len: Option<usize>,
    pub flags: i32,
}

/// The answer: host and service text (each only when asked for; the host as bytes, since
/// musl passes a PTR target's bytes on as they are).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameInfo {
    pub host: Option<Vec<u8>>,
    pub serv: Option<String>,
}

/// `getnameinfo` for an IPv4 or IPv6 socket address. Errors: `BadFlags` (glibc), `NotFound`
/// (`EAI_NONAME`), `TryAgain` (glibc: DNS temporarily failing), `System`, `Overflow`.
pub fn getnameinfo(r: &Request, sem: Semantics) -> Result<NameInfo> {
    if sem == Semantics::Glibc {
        if r.flags & !known_flags(super::PROGRAM_LIBC) != 0 {
            return Err(Error::BadFlags);
        }
        if r.flags & ni::NAMEREQD != 0 && r.host_len.is_none() && r.serv_len.is_none() {
            return Err(Error::NotFound);
        }
    }
    let mut out = NameInfo::default();
    if let Some(len) = r.host_len {
        let host = host(r, sem)?;
        fits(&host, len)?;
        out.host = Some(host);
    }
    if let Some(len) = r.serv_len {
        let serv = service(r.port, r.flags);
        fits(serv.as_bytes(), len)?;
        out.serv = Some(serv);
    }
    Ok(out)
}

/// A string and its NUL fit in `len` bytes.
fn fits(s: &[u8], len: usize) -> Result<()> {
    if s.len() < len {
        Ok(())
    } else {
        Err(Error::Overflow)
    }
}

fn host(r: &Request, sem: Semantics) -> Result<Vec<u8>> {
    if r.flags & ni::NUMERICHOST == 0 {
        match reverse::lookup(&r.addr, r.scope_id, sem) {
            Ok(found) => {
                return Ok(if sem == Semantics::Glibc && r.flags & ni::NOFQDN != 0 {
                    strip_local_domain(&found.name, local_domain().as_deref())
                } else {
                    found.name
                })
            }
            // musl: every DNS failure is "no name" (its getnameinfo never says EAI_AGAIN).
            Err(NoName::Query(Error::TryAgain)) if sem == Semantics::Glibc => {
                return Err(Error::TryAgain)
            }
            Err(NoName::Query(Error::System(e))) if sem == Semantics::Glibc => {
                return Err(Error::System(e))
            }
            Err(_) => {}
        }
    }
    if r.flags & ni::NAMEREQD != 0 {
        return Err(Error::NotFound);
    }
    Ok(numeric_host(r, sem).into_bytes())
}

/// The address as `inet_ntop` writes it, and the scope: `%ifname` for link-local (unicast or
/// multicast) addresses whose interface exists (unless musl's `NI_NUMERICSCOPE`, which only a
/// program built against musl passes: glibc's semantics reject the bit from any other), else
/// `%number`.
fn numeric_host(r: &Request, sem: Semantics) -> String {
    let mut s = match r.addr {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => ntop6(&a, sem),
    };
    if let IpAddr::V6(a) = r.addr {
        if r.scope_id != 0 {
            let o = a.octets();
            let link_local =
                (o[0] == 0xfe && o[1] & 0xc0 == 0x80) || (o[0] == 0xff && o[1] & 0x0f == 0x02);
            let numeric = r.flags & ni::NUMERICSCOPE != 0;
            s.push('%');
            match if_name(r.scope_id).filter(|_| link_local && !numeric) {
                Some(n) => s.push_str(&n),
                None => s.push_str(&r.scope_id.to_string()),
            }
        }
    }
    s
}

/// IPv6 text as the libc's `inet_ntop` writes it: an embedded IPv4 address in dotted form
/// for v4-mapped addresses (both) and for v4-compatible ones whose seventh word is not zero
/// (glibc); otherwise the RFC 5952 form, which both libcs produce.
pub fn ntop6(a: &Ipv6Addr, sem: Semantics) -> String {
    let o = a.octets();
    let embedded = match sem {
        Semantics::Musl => a.to_ipv4_mapped().is_some(),
        Semantics::Glibc => {
            ipv4_part(a, sem).is_some()
                && (o[12] != 0 || o[13] != 0 || a.to_ipv4_mapped().is_some())
        }
    };
    if !embedded {
        return a.to_string();
    }
    let v4 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    if a.to_ipv4_mapped().is_some() {
        format!("::ffff:{v4}")
    } else {
        format!("::{v4}")
    }
}

/// `if_indextoname`.
fn if_name(index: u32) -> Option<String> {
    let mut buf = [0u8; libc::IF_NAMESIZE];
    // SAFETY: buf holds IF_NAMESIZE bytes, as if_indextoname requires; it writes a
    // NUL-terminated name into it or returns NULL.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr().cast()) };
    if p.is_null() {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0)?;
    std::str::from_utf8(&buf[..end]).ok().map(str::to_owned)
}

/// The service: the first services-file name for the port and protocol (udp with
/// `NI_DGRAM`, else tcp), unless `NI_NUMERICSERV`; else the decimal port.
fn service(port: u16, flags: i32) -> String {
    if flags & ni::NUMERICSERV == 0 {
        let proto = if flags & ni::DGRAM != 0 {
            Proto::Udp
        } else {
            Proto::Tcp
        };
        if let Some(e) = config::services().by_port(port, Some(proto)).next() {
            return e.names[0].clone();
        }
    }
    port.to_string()
}

/// glibc's `NI_NOFQDN`: the name is cut before the first occurrence of the local domain when
/// that occurrence follows a dot (`strstr`, not a suffix test).
pub fn strip_local_domain(name: &[u8], domain: Option<&str>) -> Vec<u8> {
    let Some(d) = domain.map(str::as_bytes).filter(|d| !d.is_empty()) else {
        return name.to_vec();
    };
    match name.windows(d.len()).position(|w| w == d) {
        Some(i) if i > 0 && name[i - 1] == b'.' => name[..i - 1].to_vec(),
        _ => name.to_vec(),
    }
}

/// glibc's local domain for `NI_NOFQDN` (`nrl_domainname`), found once per process: the part
/// after the first dot of the canonical name of `localhost`, else of the host name, else of
/// the host name's canonical name, else of the name of 127.0.0.1. The lookups run outside any
/// lock (two threads may both look; the first result is kept).
fn local_domain() -> Option<String> {
    static DOMAIN: OnceLock<Option<String>> = OnceLock::new();
    if let Some(d) = DOMAIN.get() {
        return d.clone();
    }
    let found = find_local_domain();
    let _ = DOMAIN.set(found.clone());
    DOMAIN.get().cloned().unwrap_or(found)
}

fn find_local_domain() -> Option<String> {
    let after_dot = |s: &str| s.split_once('.').map(|(_, d)| d.to_string());
    let canon = |n: &str| {
        super::hostent::gethostbyname2(n, libc::AF_INET, Semantics::Glibc)
            .found
            .ok()
            .map(|h| String::from_utf8_lossy(&h.name).into_owned())
    };
    if let Some(d) = canon("localhost").as_deref().and_then(after_dot) {
        return Some(d);
    }
    let host = hostname()?;
    if let Some(d) = after_dot(&host) {
        return Some(d);
    }
    if let Some(d) = canon(&host).as_deref().and_then(after_dot) {
        return Some(d);
    }
    super::hostent::gethostbyaddr(IpAddr::V4(Ipv4Addr::LOCALHOST), Semantics::Glibc)
        .found
        .ok()
        .and_then(|h| after_dot(&String::from_utf8_lossy(&h.name)))
}

/// `gethostname`.
fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for buf.len() - 1 bytes; the last byte stays 0.
    if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) } != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0)?;
    std::str::from_utf8(&buf[..end]).ok().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(addr: &str, flags: i32) -> Request {
        Request {
            addr: addr.parse().unwrap(),
            port: 80,
            scope_id: 0,
            host_len: Some(1025),
            serv_len: Some(32),
            flags,
        }
    }

    #[test]
    fn numeric_and_overflow() {
        for sem in [Semantics::Musl, Semantics::Glibc] {
            let r = req("192.0.2.1", ni::NUMERICHOST | ni::NUMERICSERV);
            let n = getnameinfo(&r, sem).unwrap();
            assert_eq!(n.host.as_deref(), Some(&b"192.0.2.1"[..]));
            assert_eq!(n.serv.as_deref(), Some("80"));
            // "192.0.2.1" is 9 bytes: 10 fit, 9 do not.
            let mut r2 = r;
            r2.host_len = Some(10);
            assert!(getnameinfo(&r2, sem).is_ok());
            r2.host_len = Some(9);
            assert_eq!(getnameinfo(&r2, sem), Err(Error::Overflow));
            r2.host_len = None;
            r2.serv_len = Some(2);
            assert_eq!(getnameinfo(&r2, sem), Err(Error::Overflow));
            r2.serv_len = None;
            assert_eq!(getnameinfo(&r2, sem), Ok(NameInfo::default()));
        }
    }

    #[test]
    fn flags_of_the_programs_libc() {
        // A musl program's NI_NUMERICSCOPE is a flag it knows, also under glibc's rules.
        assert_ne!(known_flags(Semantics::Musl) & ni::NUMERICSCOPE, 0);
        assert_eq!(known_flags(Semantics::Glibc) & ni::NUMERICSCOPE, 0);
        assert_eq!(known_flags(Semantics::Musl) & ni::IDN, 0);
    }

    #[test]
    fn flags_checked_by_glibc_only() {
        let r = req("192.0.2.1", ni::NUMERICHOST | ni::NUMERICSCOPE);
        assert_eq!(getnameinfo(&r, Semantics::Glibc), Err(Error::BadFlags));
        assert!(getnameinfo(&r, Semantics::Musl).is_ok());
        let mut r = req("192.0.2.1", ni::NAMEREQD);
        r.host_len = None;
        r.serv_len = None;
        assert_eq!(getnameinfo(&r, Semantics::Glibc), Err(Error::NotFound));
        assert_eq!(getnameinfo(&r, Semantics::Musl), Ok(NameInfo::default()));
    }

    #[test]
    fn scopes() {
        let mut r = req("fe80::1", ni::NUMERICHOST);
        r.scope_id = 1;
        let lo = if_name(1);
        let want = format!("fe80::1%{}", lo.clone().unwrap_or_else(|| "1".into()));
        assert_eq!(
            getnameinfo(&r, Semantics::Glibc).unwrap().host,
            Some(want.into_bytes())
        );
        r.flags |= ni::NUMERICSCOPE;
        assert_eq!(
            getnameinfo(&r, Semantics::Musl).unwrap().host.as_deref(),
            Some(&b"fe80::1%1"[..])
        );
        // Not link-local: always the number.
        let mut r = req("2001:db8::1", ni::NUMERICHOST);
        r.scope_id = 1;
        assert_eq!(
            getnameinfo(&r, Semantics::Musl).unwrap().host.as_deref(),
            Some(&b"2001:db8::1%1"[..])
        );
        // An index without an interface: the number.
        let mut r = req("fe80::1", ni::NUMERICHOST);
        r.scope_id = 999_999;
        assert_eq!(
            getnameinfo(&r, Semantics::Glibc).unwrap().host.as_deref(),
            Some(&b"fe80::1%999999"[..])
        );
    }

    #[test]
    fn inet_ntop_forms() {
        let a = |s: &str| s.parse::<Ipv6Addr>().unwrap();
        for sem in [Semantics::Musl, Semantics::Glibc] {
            assert_eq!(ntop6(&a("::ffff:10.0.0.1"), sem), "::ffff:10.0.0.1");
            assert_eq!(ntop6(&a("2001:db8::1"), sem), "2001:db8::1");
            assert_eq!(ntop6(&a("::1"), sem), "::1");
            assert_eq!(ntop6(&a("::"), sem), "::");
        }
        assert_eq!(ntop6(&a("::10.0.0.1"), Semantics::Glibc), "::10.0.0.1");
        assert_eq!(ntop6(&a("::10.0.0.1"), Semantics::Musl), "::a00:1");
        assert_eq!(ntop6(&a("::0.0.1.2"), Semantics::Glibc), "::102");
    }

    #[test]
    fn nofqdn_rule() {
        assert_eq!(
            strip_local_domain(b"web.corp.test", Some("corp.test")),
            b"web"
        );
        assert_eq!(
            strip_local_domain(b"web.other.test", Some("corp.test")),
            b"web.other.test"
        );
        assert_eq!(
            strip_local_domain(b"corp.test", Some("corp.test")),
            b"corp.test"
        );
        // strstr: the first occurrence decides.
        assert_eq!(
            strip_local_domain(b"xcorp.test.corp.test", Some("corp.test")),
            b"xcorp.test.corp.test"
        );
        assert_eq!(
            strip_local_domain(b"a.corp.test.x", Some("corp.test")),
            b"a"
        );
        assert_eq!(strip_local_domain(b"web.corp.test", None), b"web.corp.test");
    }

    #[test]
    fn services() {
        // /etc/services may be anything on the test machine; numeric is always numeric.
        assert_eq!(service(65000, ni::NUMERICSERV), "65000");
    }
}
