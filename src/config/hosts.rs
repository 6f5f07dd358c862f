//! `/etc/hosts`.
//!
//! One entry a line: an address, then the canonical name, then aliases, separated by blanks.
//! `#` starts a comment anywhere on a line. Lines are skipped, never fatal, when the address is
//! not a literal (or has an unusable IPv6 scope), when no name follows it, or when what is left
//! after removing the comment is not valid UTF-8. glibc's `files` module reads addresses
//! differently: [`Hosts::parse_glibc`].

use crate::numeric::{parse_literal, Literal};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One usable line of the hosts file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEntry {
    pub addr: IpAddr,
    /// IPv6 scope id (`fe80::1%eth0`), else 0.
    pub scope_id: u32,
    /// The canonical name first, then the aliases.
    pub names: Vec<String>,
}

/// The hosts file, lines in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hosts {
    pub entries: Vec<HostEntry>,
}

impl HostEntry {
    /// The canonical name (the first name on the line).
    pub fn canonical(&self) -> &str {
        self.names.first().map(String::as_str).unwrap_or("")
    }

    /// Whether `name` is the canonical name or one of the aliases.
    pub fn has_name(&self, name: &str, case_insensitive: bool) -> bool {
        self.names.iter().any(|n| {
            if case_insensitive {
                n.eq_ignore_ascii_case(name)
            } else {
                n == name
            }
        })
    }
}

impl Hosts {
    /// Parses hosts-file text. Never fails; see the module documentation for the rules.
    pub fn parse(text: &[u8]) -> Hosts {
        let mut entries = Vec::new();
        for raw in text.split(|&b| b == b'\n') {
            let raw = match raw.iter().position(|&b| b == b'#') {
                Some(i) => &raw[..i],
                None => raw,
            };
            let line = match std::str::from_utf8(raw) {
                Ok(l) => l,
                Err(_) => continue,
            };
            let mut toks = line.split_ascii_whitespace();
            let (addr, scope_id) = match toks.next().map(parse_literal) {
                Some(Literal::Addr(a, s)) => (a, s),
                _ => continue,
            };
            // A name with a NUL byte could never be asked for, and would be cut short in C.
            let names: Vec<String> = toks
                .filter(|n| !n.contains('\0'))
                .map(str::to_owned)
                .collect();
            if names.is_empty() {
                continue;
            }
            entries.push(HostEntry {
                addr,
                scope_id,
                names,
            });
        }
        Hosts { entries }
    }

    /// The hosts file as glibc's `files` module reads it (`nss_files/files-hosts.c`): the
    /// address with `inet_pton` (IPv4 only as a dotted quad, no IPv6 scope), so lines that only
    /// `inet_aton` or a scope would accept are skipped; `#` starts a comment anywhere; names
    /// split on blanks; bytes that are not UTF-8 replaced (such a name matches no query).
    pub fn parse_glibc(text: &[u8]) -> Hosts {
        let mut entries = Vec::new();
        for raw in text.split(|&b| b == b'\n') {
            let raw = raw.split(|&b| b == b'#').next().unwrap_or(raw);
            let line = String::from_utf8_lossy(raw);
            let mut toks = line.split_ascii_whitespace();
            let Some(addr) = toks.next() else {
                continue;
            };
            let addr = match (addr.parse::<Ipv4Addr>(), addr.parse::<Ipv6Addr>()) {
                (Ok(a), _) => IpAddr::V4(a),
                (_, Ok(a)) => IpAddr::V6(a),
                _ => continue,
            };
            let names: Vec<String> = toks.map(str::to_owned).collect();
            if names.is_empty() {
                continue;
            }
            entries.push(HostEntry {
                addr,
                scope_id: 0,
                names,
            });
        }
        Hosts { entries }
    }

    /// Entries, in file order, with `name` as canonical name or alias (the iterator borrows
    /// `name` but the entries outlive it). ASCII case is ignored
    /// when `case_insensitive` (glibc and musl both compare names case-insensitively). The name
    /// is compared as given: a trailing dot is the caller's business.
    pub fn by_name<'a, 'n>(
        &'a self,
        name: &'n str,
        case_insensitive: bool,
    ) -> impl Iterator<Item = &'a HostEntry> + use<'a, 'n> {
        self.entries
            .iter()
            .filter(move |e| e.has_name(name, case_insensitive))
    }

    /// Entries, in file order, whose address is `addr` (scope ids are not compared).
    pub fn by_addr(&self, addr: IpAddr) -> impl Iterator<Item = &HostEntry> + '_ {
        self.entries.iter().filter(move |e| e.addr == addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn typical_file() {
        let h = Hosts::parse(
            b"# comment\n127.0.0.1\tlocalhost localhost.localdomain\n::1 localhost ip6-localhost # trailing\n\
              \n   \n192.0.2.10  web.example.com   web\twww \n",
        );
        assert_eq!(h.entries.len(), 3);
        assert_eq!(
            h.entries[0],
            HostEntry {
                addr: ip("127.0.0.1"),
                scope_id: 0,
                names: vec!["localhost".into(), "localhost.localdomain".into()],
            }
        );
        assert_eq!(h.entries[1].names, vec!["localhost", "ip6-localhost"]);
        assert_eq!(h.entries[2].canonical(), "web.example.com");
        assert_eq!(h.entries[2].names, vec!["web.example.com", "web", "www"]);
    }

    #[test]
    fn lookups() {
        let h = Hosts::parse(
            b"127.0.0.1 localhost\n::1 localhost\n10.0.0.1 Foo.Example foo\n10.0.0.1 bar\n",
        );
        let v: Vec<_> = h.by_name("localhost", false).map(|e| e.addr).collect();
        assert_eq!(v, vec![ip("127.0.0.1"), ip("::1")]);
        assert_eq!(h.by_name("foo.example", false).count(), 0);
        assert_eq!(h.by_name("foo.example", true).count(), 1);
        assert_eq!(
            h.by_name("FOO", true).next().unwrap().canonical(),
            "Foo.Example"
        );
        assert_eq!(h.by_name("localhost.", true).count(), 0);
        let v: Vec<_> = h.by_addr(ip("10.0.0.1")).map(|e| e.canonical()).collect();
        assert_eq!(v, vec!["Foo.Example", "bar"]);
        assert_eq!(h.by_addr(ip("10.0.0.2")).count(), 0);
    }

    #[test]
    fn address_forms_and_bad_lines() {
        let h = Hosts::parse(
            b"127.1 short\n0x7f.0.0.2 hex\nfe80::1%7 scoped\nfe80::2%nosuchif0 badscope\n\
              2001:db8::1%nosuchif0 badscope2\nnot-an-address name\n10.0.0.1\n10.0.0.2 # only comment\n\
              \xff\xfe bad utf8\n10.0.0.3 ok\xe2\x82\xac # \xff comment with junk\n",
        );
        let got: Vec<_> = h
            .entries
            .iter()
            .map(|e| (e.addr, e.scope_id, e.canonical().to_owned()))
            .collect();
        assert_eq!(
            got,
            vec![
                (ip("127.0.0.1"), 0, "short".to_owned()),
                (ip("127.0.0.2"), 0, "hex".to_owned()),
                (ip("fe80::1"), 7, "scoped".to_owned()),
                (ip("10.0.0.3"), 0, "ok\u{20ac}".to_owned()),
            ]
        );
    }

    #[test]
    fn empty_and_garbage() {
        assert!(Hosts::parse(b"").entries.is_empty());
        let mut x: u32 = 7;
        let bytes: Vec<u8> = (0..50_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let _ = Hosts::parse(&bytes);
        let h = Hosts::parse(b"\0\0\n1.2.3.4 a\0b c\r\n5.6.7.8 \0\n");
        assert_eq!(h.entries.len(), 1);
        assert_eq!(h.entries[0].names, vec!["c"]);
    }
}
