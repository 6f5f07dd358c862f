//! `dnsshim resolve NAME [--type T]`: a lookup through the library with the trace on.
//!
//! - No `--type`, `--type A`, `--type AAAA`: the library's `getaddrinfo` (numeric address,
//!   hosts file, search list, A and AAAA in parallel, sorting), as a program would get it.
//! - Any other type: that question through the library's search list, transport (UDP to every
//!   server, TCP on truncation) and record collection (CNAME chain followed); `PTR` takes an
//!   address and asks for its `in-addr.arpa`/`ip6.arpa` name (the hosts file first, as
//!   `gethostbyaddr`).
//!
//! The exchanges are logged on stderr (the library's `DNSSHIM_LOG` lines), the records go to
//! stdout as `NAME TYPE DATA`, one a line. Exit status as `getent`: 0 found, 2 not found (no
//! such name, or no record of that type), 1 any other failure.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Instant;

use dnsshim::config;
use dnsshim::lookup::reverse;
use dnsshim::lookup::{self, ai, getaddrinfo, Family, Hints, Semantics};
use dnsshim::numeric::{parse_literal, Literal};
use dnsshim::transport::{self, Policy, Question};
use dnsshim::wire::{self, rcode, rtype, Message, Record};
use dnsshim::{trace, Error};

use crate::{EXIT_ERROR, EXIT_NOT_FOUND, EXIT_OK};

const HELP: &str = "\
usage: dnsshim resolve NAME [--type TYPE] [--compat musl|glibc]

Resolve NAME through the dnsshim library (not through the C library), logging every DNS
exchange on stderr: server, udp/tcp, tc (truncated), rcode, answer count, bytes, time. Then
print the records on stdout, one a line: NAME TYPE DATA.

  (no --type)     A and AAAA, exactly as the shim's getaddrinfo() answers a program: numeric
                  addresses, /etc/hosts, the search list, then DNS
  --type A|AAAA   the same, one address family
  --type TXT|SRV|MX|NS|SOA|CNAME|CAA|ANY|...
                  that record type through the search list; CNAME chains are followed
  --type PTR      NAME may be an address: its in-addr.arpa / ip6.arpa name is asked
                  (/etc/hosts first, as gethostbyaddr)
  --compat R      follow musl's (default) or glibc's rules where they differ (search list
                  order, hosts-file case), as DNSSHIM_COMPAT=glibc does
  -h, --help      this text

The configuration is the one the library reads (see `dnsshim config`).
exit status: 0 found, 2 not found (no such name, or no record of that type), 1 other errors
(timeout, server failure, bad usage).
";

/// What was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// getaddrinfo for this family.
    Addresses(Family),
    /// One DNS type.
    Type(u16),
}

pub fn main(args: &[String]) -> ExitCode {
    if crate::wants_help(args) {
        print!("{HELP}");
        return ExitCode::from(EXIT_OK);
    }
    let mut name = None;
    let mut ask = Ask::Addresses(Family::Unspec);
    let mut it = args.iter();
    let mut opts = true;
    while let Some(a) = it.next() {
        let (key, inline) = crate::split_opt(a);
        match key {
            "--" if opts => opts = false,
            "--type" | "-t" if opts => {
                let Some(v) = inline.or_else(|| it.next().map(String::as_str)) else {
                    return crate::usage_error("resolve", "--type needs a value");
                };
                ask = match parse_type(v) {
                    Some(t) => t,
                    None => {
                        return crate::usage_error(
                            "resolve",
                            format_args!("unknown record type {v:?}"),
                        )
                    }
                };
            }
            "--compat" if opts => {
                let v = inline.or_else(|| it.next().map(String::as_str));
                if let Err(code) = crate::set_compat("resolve", v) {
                    return code;
                }
            }
            s if opts && s.starts_with('-') && s.len() > 1 => {
                return crate::usage_error("resolve", format_args!("unknown option {s:?}"));
            }
            _ if name.is_none() => name = Some(a.clone()),
            _ => return crate::usage_error("resolve", "one NAME only"),
        }
    }
    let Some(name) = name else {
        return crate::usage_error("resolve", "no NAME given");
    };
    trace::force_on();
    let sem = Semantics::current();
    let conf = config::resolv_conf();
    let policy = sem.policy(&conf);
    let servers: Vec<String> = policy.servers.iter().map(|s| s.to_string()).collect();
    let what = match ask {
        Ask::Addresses(Family::Unspec) => "A+AAAA as getaddrinfo".to_string(),
        Ask::Addresses(Family::Inet) => "A as getaddrinfo".to_string(),
        Ask::Addresses(Family::Inet6) => "AAAA as getaddrinfo".to_string(),
        Ask::Type(t) => wire::type_name(t),
    };
    crate::error(format_args!(
        "resolve {}: {what}, {} rules, servers {}, timeout {} s x {} attempts{}{}",
        printable(&name),
        match sem {
            Semantics::Musl => "musl",
            Semantics::Glibc => "glibc",
        },
        servers.join(" "),
        policy.timeout.as_secs(),
        policy.attempts,
        if conf.search.is_empty() {
            String::new()
        } else {
            format!(", search {}", conf.search.join(" "))
        },
        if policy.use_vc { ", use-vc" } else { "" },
    ));
    let started = Instant::now();
    let result = match ask {
        Ask::Addresses(f) => addresses(&name, f, sem),
        Ask::Type(t) => records(&name, t, sem, &policy),
    };
    let ms = started.elapsed().as_millis();
    match result {
        Ok(found) => {
            for line in &found.lines {
                println!("{line}");
            }
            crate::error(format_args!(
                "{}: {} record{} ({}) in {ms} ms",
                printable(&name),
                found.lines.len(),
                if found.lines.len() == 1 { "" } else { "s" },
                found.how
            ));
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            let (status, why) = explain(e);
            crate::error(format_args!("{}: {why} ({ms} ms)", printable(&name)));
            ExitCode::from(status)
        }
    }
}

/// `--type` value: a type mnemonic (case-insensitive) or `TYPEnnn`.
fn parse_type(v: &str) -> Option<Ask> {
    let up = v.to_ascii_uppercase();
    match up.as_str() {
        "A" => return Some(Ask::Addresses(Family::Inet)),
        "AAAA" => return Some(Ask::Addresses(Family::Inet6)),
        _ => {}
    }
    wire::type_from_name(&up).map(Ask::Type)
}

/// What a successful lookup printed, and a short account of where it came from.
struct Found {
    lines: Vec<String>,
    how: String,
}

/// Exit status and a one-line explanation of a failed lookup.
fn explain(e: Error) -> (u8, String) {
    match e {
        Error::NotFound => (
            EXIT_NOT_FOUND,
            "not found: no such name (NXDOMAIN for every name tried, or an invalid name)".into(),
        ),
        Error::NoData => (
            EXIT_NOT_FOUND,
            "not found: the name exists but has no record of that type (NODATA)".into(),
        ),
        Error::TryAgain => (
            EXIT_ERROR,
            "no answer: timeout, or every server failed temporarily (SERVFAIL, REFUSED, \
             unreachable); see the lines above"
                .into(),
        ),
        Error::Fail => (
            EXIT_ERROR,
            "failed: every server answered with an error (FORMERR, NOTIMP, ...) or a malformed \
             message; see the lines above"
                .into(),
        ),
        Error::System(errno) => (
            EXIT_ERROR,
            format!("system error: {}", std::io::Error::from_raw_os_error(errno)),
        ),
        other => (EXIT_ERROR, format!("failed: {other}")),
    }
}

/// The shim's getaddrinfo(NAME, NULL, {AI_CANONNAME, family, SOCK_STREAM}).
fn addresses(name: &str, family: Family, sem: Semantics) -> Result<Found, Error> {
    let af = match family {
        Family::Unspec => libc::AF_UNSPEC,
        Family::Inet => libc::AF_INET,
        Family::Inet6 => libc::AF_INET6,
    };
    let hints = Hints {
        flags: ai::CANONNAME,
        family: af,
        socktype: libc::SOCK_STREAM,
        protocol: 0,
    };
    let source = match parse_literal(name) {
        Literal::Addr(..) => "a numeric address, no lookup",
        _ if lookup::in_hosts_file(name, family, sem) => "from /etc/hosts, no DNS query",
        _ => "DNS",
    };
    // The command is a static program: no NSS module can be loaded into it (nor is any read
    // in the musl build, whose glibc rules use `hosts: files dns`).
    let r = getaddrinfo(Some(name), None, Some(hints), sem, &mut lookup::NoModules)?;
    if r.entries.is_empty() {
        return Err(Error::NotFound);
    }
    let owner = r.canon.as_deref().map_or_else(
        || name.to_string(),
        |c| String::from_utf8_lossy(c).into_owned(),
    );
    let lines = r
        .entries
        .iter()
        .map(|e| {
            let t = if e.addr.ip.is_ipv4() { "A" } else { "AAAA" };
            format!("{} {t} {}", printable(&owner), e.addr.ip)
        })
        .collect();
    let canon = if owner.eq_ignore_ascii_case(name.trim_end_matches('.')) {
        String::new()
    } else {
        format!(", canonical name {}", printable(&owner))
    };
    Ok(Found {
        lines,
        how: format!("{source}{canon}"),
    })
}

/// One DNS type through the search list.
fn records(name: &str, qtype: u16, sem: Semantics, policy: &Policy) -> Result<Found, Error> {
    if qtype == rtype::PTR {
        if let Literal::Addr(ip, scope_id) = parse_literal(name) {
            return reverse(&ip, scope_id, sem);
        }
    }
    let base = name.strip_suffix('.').unwrap_or(name);
    lookup::search(name, sem, |fqdn| {
        Ok(Found {
            lines: ask(fqdn, qtype, policy)?,
            how: if fqdn == base {
                "DNS".to_string()
            } else {
                format!("DNS, as {}", printable(fqdn))
            },
        })
    })
}

/// An address (the C library's forms: `127.1`, `fe80::1%lo`) to its name, as the shim's
/// `gethostbyaddr`/`getnameinfo` do it: the hosts file, then the PTR question.
fn reverse(ip: &IpAddr, scope_id: u32, sem: Semantics) -> Result<Found, Error> {
    let qname = reverse::ptr_question(ip, sem);
    let found = reverse::lookup(ip, scope_id, sem).map_err(reverse::NoName::error)?;
    Ok(Found {
        lines: vec![format!(
            "{qname} PTR {}",
            printable(&String::from_utf8_lossy(&found.name))
        )],
        how: if found.from_hosts {
            "from /etc/hosts, no DNS query".into()
        } else {
            "DNS".into()
        },
    })
}

/// One question for one fully qualified name: the CNAME chain and the records at its end
/// (`ANY`: every answer record). NXDOMAIN → `NotFound`; no record → `NoData`.
fn ask(fqdn: &str, qtype: u16, policy: &Policy) -> Result<Vec<String>, Error> {
    let q = [Question { name: fqdn, qtype }];
    let resp = transport::resolve(&q, policy).pop().ok_or(Error::Fail)??;
    if resp.rcode == rcode::NXDOMAIN {
        return Err(Error::NotFound);
    }
    let lines: Vec<String> = if qtype == rtype::ANY {
        resp.message
            .answers()
            .filter(|r| r.class == wire::CLASS_IN)
            .map(|r| line(&r))
            .collect()
    } else {
        let mut v = chain(&resp.message, fqdn);
        let c = wire::collect(&resp.message, fqdn, qtype);
        if c.records.is_empty() {
            return Err(Error::NoData);
        }
        v.extend(c.records.iter().map(line));
        v
    };
    if lines.is_empty() {
        return Err(Error::NoData);
    }
    Ok(lines)
}

/// The CNAME records from `fqdn` along the chain, as collect follows it.
fn chain(msg: &Message, fqdn: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = vec![fqdn.trim_end_matches('.').to_ascii_lowercase()];
    let mut current = fqdn.to_string();
    for _ in 0..wire::MAX_CNAME_HOPS {
        let c = wire::collect(msg, &current, rtype::CNAME);
        let Some(r) = c.records.first() else { break };
        let Some(target) = r.target() else { break };
        out.push(line(r));
        let next = wire::name_to_string(&target);
        if seen.contains(&next.to_ascii_lowercase()) {
            break;
        }
        seen.push(next.to_ascii_lowercase());
        current = next;
    }
    out
}

/// `NAME TYPE DATA` for one record.
fn line(r: &Record<'_>) -> String {
    format!(
        "{} {} {}",
        wire::name_to_string(&r.name),
        wire::type_name(r.rtype),
        rdata(r)
    )
}

/// Presentation form of record data (RFC 1035 5.1); names without the trailing dot, as
/// owners are shown; types without a form here in RFC 3597's generic `\# LENGTH HEX`.
fn rdata(r: &Record<'_>) -> String {
    let d = r.data();
    let n = |offset: usize| {
        r.name_at(offset)
            .map(|(name, end)| (wire::name_to_string(&name), end))
    };
    let u16_at = |i: usize| u16::from_be_bytes([d[i], d[i + 1]]);
    let known = match r.rtype {
        rtype::A => r.a().map(|a| a.to_string()),
        rtype::AAAA => r.aaaa().map(|a| a.to_string()),
        rtype::CNAME | rtype::PTR | rtype::NS | rtype::DNAME => {
            r.target().map(|t| wire::name_to_string(&t))
        }
        rtype::MX => n(2).map(|(x, _)| format!("{} {x}", u16_at(0))),
        rtype::SRV => n(6).map(|(t, _)| format!("{} {} {} {t}", u16_at(0), u16_at(2), u16_at(4))),
        rtype::TXT => strings(d).map(|v| v.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(" ")),
        rtype::SOA => n(0).and_then(|(m, end)| {
            let (rname, end) = n(end)?;
            let f: Vec<u32> = d
                .get(end..end + 20)?
                .chunks(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            Some(format!(
                "{m} {rname} {} {} {} {} {}",
                f[0], f[1], f[2], f[3], f[4]
            ))
        }),
        CAA => (d.len() >= 2)
            .then(|| {
                d.get(2..2 + usize::from(d[1]))
                    .map(|tag| (d[0], tag, &d[2 + tag.len()..]))
            })
            .flatten()
            .map(|(flags, tag, value)| {
                format!("{flags} {} {}", String::from_utf8_lossy(tag), quoted(value))
            }),
        _ => None,
    };
    known.unwrap_or_else(|| {
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        format!("\\# {} {hex}", d.len()).trim_end().to_string()
    })
}

/// Type of CAA records (RFC 8659).
const CAA: u16 = 257;

/// The character-strings of TXT data (RFC 1035 3.3.14), `None` if they do not fill it.
fn strings(mut d: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = d.split_first() {
        let s = rest.get(..usize::from(len))?;
        out.push(s);
        d = &rest[s.len()..];
    }
    Some(out)
}

/// A character-string in double quotes: `"` and `\` escaped, other bytes outside printable
/// ASCII as `\DDD` (RFC 1035 5.1).
fn quoted(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &b in s {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out.push('"');
    out
}

/// `s` with control characters as `\DDD`, so that a line stays one line.
fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\{:03}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert_eq!(parse_type("a"), Some(Ask::Addresses(Family::Inet)));
        assert_eq!(parse_type("AAAA"), Some(Ask::Addresses(Family::Inet6)));
        assert_eq!(parse_type("txt"), Some(Ask::Type(rtype::TXT)));
        assert_eq!(parse_type("SRV"), Some(Ask::Type(rtype::SRV)));
        assert_eq!(parse_type("any"), Some(Ask::Type(rtype::ANY)));
        assert_eq!(parse_type("TYPE65"), Some(Ask::Type(65)));
        assert_eq!(parse_type("bogus"), None);
        assert_eq!(parse_type("TYPEx"), None);
    }

    /// Every record of an answer built with hickory-proto, as `line` prints it.
    fn lines_of(records: Vec<hickory_proto::rr::Record>) -> Vec<String> {
        let mut m = hickory_proto::op::Message::response(1, hickory_proto::op::OpCode::Query);
        m.add_answers(records);
        let bytes = m.to_vec().unwrap();
        let msg = Message::parse(&bytes).unwrap();
        msg.answers().map(|r| line(&r)).collect()
    }

    #[test]
    fn record_data() {
        use hickory_proto::rr::rdata::{MX, NS, NULL, PTR, SOA, SRV, TXT};
        use hickory_proto::rr::{Name, RData, Record, RecordType};
        let n = |s: &str| Name::from_ascii(s).unwrap();
        let rec = |d: RData| Record::from_rdata(n("x.test."), 60, d);
        let got = lines_of(vec![
            rec(RData::MX(MX::new(10, n("mx1.test.")))),
            rec(RData::SRV(SRV::new(0, 5, 80, n("web.test.")))),
            rec(RData::TXT(TXT::new(vec!["a b".into(), "c\"d".into()]))),
            rec(RData::SOA(SOA::new(
                n("ns.test."),
                n("h.test."),
                7,
                3600,
                600,
                86400,
                300,
            ))),
            rec(RData::NS(NS(n("ns.test.")))),
            rec(RData::PTR(PTR(n("p.test.")))),
            rec(RData::Unknown {
                code: RecordType::Unknown(65280),
                rdata: NULL::with(vec![1, 0xab]),
            }),
        ]);
        assert_eq!(
            got,
            [
                "x.test MX 10 mx1.test",
                "x.test SRV 0 5 80 web.test",
                "x.test TXT \"a b\" \"c\\\"d\"",
                "x.test SOA ns.test h.test 7 3600 600 86400 300",
                "x.test NS ns.test",
                "x.test PTR p.test",
                "x.test TYPE65280 \\# 2 01ab",
            ]
        );
    }

    #[test]
    fn presentation() {
        assert_eq!(quoted(b"v=spf1 \"x\"\\\n"), "\"v=spf1 \\\"x\\\"\\\\\\010\"");
        assert_eq!(printable("a\nb"), "a\\010b");
    }
}
