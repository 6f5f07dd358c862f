//! The scenario file: records plus behaviour rules. Format documented in ../README.md.

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Record data as written in the scenario file; turned into hickory records per answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Data {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(String),
    Ptr(String),
    Ns(String),
    Mx(u16, String),
    Srv(u16, u16, u16, String),
    Txt(Vec<String>),
}

impl Data {
    /// The DNS type code (RFC 1035 / 3596 / 2782).
    pub fn type_code(&self) -> u16 {
        match self {
            Data::A(_) => 1,
            Data::Ns(_) => 2,
            Data::Cname(_) => 5,
            Data::Ptr(_) => 12,
            Data::Mx(..) => 15,
            Data::Txt(_) => 16,
            Data::Aaaa(_) => 28,
            Data::Srv(..) => 33,
        }
    }
}

/// One owner name's records, in file order. A node with no records is a NODATA name.
#[derive(Clone, Debug, Default)]
pub struct Node {
    pub records: Vec<(u32, Data)>,
}

impl Node {
    pub fn cname(&self) -> Option<&str> {
        self.records.iter().find_map(|(_, d)| match d {
            Data::Cname(t) => Some(t.as_str()),
            _ => None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UdpMode {
    /// Answers that fit are sent; larger ones get TC=1 and no records (CoreDNS).
    TruncateEmpty,
    /// Larger answers get TC=1 and as many whole answer records as fit (BIND).
    TruncateFit,
    /// The whole answer is sent whatever its size (no TC).
    Oversize,
    /// Every UDP answer gets TC=1 and no records, even small ones.
    TcAlways,
    /// No UDP answer at all.
    Silent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpMode {
    /// Full answer, any size up to 65535 bytes.
    Normal,
    /// Read the query, then close the connection without answering.
    Close,
    /// Read the query, never answer, keep the connection open.
    Silent,
    /// Write the two-byte length prefix of the answer, then close.
    CloseAfterLength,
    /// Write the length prefix and half of the answer, then close.
    CloseMidBody,
    /// Write a zero length prefix, then close.
    ZeroLength,
    /// Write the answer one byte at a time, `drip-ms` apart.
    Drip,
}

/// A bad packet sent over UDP just before the real answer (which then follows 30 ms later).
/// Its records are poisoned (every A is 192.0.2.66, every AAAA 2001:db8::66), so a client that
/// accepted it shows the poisoned address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoy {
    /// Another query ID.
    WrongId,
    /// Another question name (`decoy.` prepended).
    WrongName,
    /// Another question type (A and AAAA swapped; anything else becomes A).
    WrongType,
    /// Question class CH instead of IN.
    WrongClass,
    /// QR bit clear (a query, not a response).
    QrClear,
    /// Everything right, sent from another port of the server's address.
    OtherPort,
    /// Everything right, sent from port 53 of another loopback address (127.0.0.66).
    OtherAddr,
}

/// A change to the answer's bytes, after it is built and truncated (UDP and TCP).
/// "First answer record" is the first record of the answer section; without one the kinds
/// that need it change nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mangle {
    /// The first answer record's owner is a compression pointer to itself.
    PtrLoop,
    /// The first answer record's owner is a compression pointer past the end of the message.
    PtrPastEnd,
    /// The first answer record's owner is one 64-byte label (length byte 0x40).
    Label64,
    /// The first answer record's owner is five 63-byte labels: 321 bytes on the wire.
    Name256,
    /// The first answer record's RDLENGTH runs 100 bytes past the end of the message.
    RdlengthPastEnd,
    /// ANCOUNT is 5 more than the records present.
    CountsHigh,
    /// The first A record has RDLENGTH 3 (its last address byte removed).
    ARdlength3,
    /// Nothing at all: a 0-byte datagram, or a zero length prefix over TCP.
    Empty,
}

/// A value that may be set globally, per name, or per name and type; the most specific wins.
#[derive(Clone, Debug)]
pub struct Rules<T> {
    default: T,
    rules: Vec<(Option<String>, Option<u16>, T)>,
}

impl<T: Copy> Rules<T> {
    fn new(default: T) -> Self {
        Rules {
            default,
            rules: Vec::new(),
        }
    }

    fn push(&mut self, name: Option<String>, qtype: Option<u16>, value: T) {
        self.rules.push((name, qtype, value));
    }

    /// The value for a question; later lines win among equally specific ones.
    pub fn get(&self, name: &str, qtype: u16) -> T {
        let mut best: Option<(u8, T)> = None;
        for (n, t, v) in &self.rules {
            if n.as_deref().is_some_and(|n| n != name) || t.is_some_and(|t| t != qtype) {
                continue;
            }
            let score = u8::from(n.is_some()) * 2 + u8::from(t.is_some());
            if best.is_none_or(|(s, _)| score >= s) {
                best = Some((score, *v));
            }
        }
        best.map_or(self.default, |(_, v)| v)
    }
}

/// One record of a verbatim answer: TTL, owner (as [`fqdn`]), data.
pub type VerbatimRecord = (u32, String, Data);

#[derive(Clone, Debug)]
pub struct Config {
    /// Lower-case fully qualified owner name → node.
    pub zone: HashMap<String, Node>,
    pub udp: Rules<UdpMode>,
    pub tcp: Rules<TcpMode>,
    /// Response code forced for a question (RFC 1035 / 6895 numeric value).
    pub rcode: Rules<Option<u16>>,
    /// Milliseconds to wait before answering.
    pub delay: Rules<u64>,
    /// A bad packet to send over UDP before the answer.
    pub decoy: Rules<Option<Decoy>>,
    /// A change to the answer's bytes.
    pub mangle: Rules<Option<Mangle>>,
    /// Verbatim answer sections: (lower-case question name, type) → records (TTL, owner,
    /// data) in file order, sent as they are (NOERROR, no CNAME following, no SOA).
    pub verbatim: HashMap<(String, u16), Vec<VerbatimRecord>>,
    /// Milliseconds between two bytes in `tcp drip` mode.
    pub drip_ms: u64,
    /// Directory where every response sent is also written, one file each (`dump DIR`).
    pub dump: Option<String>,
    /// Encode answers of only A/AAAA records owned by the question name by hand, every owner
    /// a two-byte pointer to the question (`compact on`): 16 bytes per A record, as BIND does.
    pub compact: bool,
    /// Global `tcp refuse`: the TCP port is not bound at all.
    pub tcp_refuse: bool,
    /// Cap on UDP answers whatever EDNS0 payload the query offers (`udp-size`).
    pub udp_size: Option<usize>,
    /// Drop OPT from queries before answering, as a server without EDNS0 would (`edns off`).
    pub edns: bool,
    /// Answer FORMERR (and no OPT) to every query with an OPT record (`edns formerr`), as
    /// some old servers and middleboxes do.
    pub edns_formerr: bool,
    /// Set the AD bit in every answer (`ad on`), as a validating resolver does.
    pub ad: bool,
    /// The SOA record of negative answers: its TTL and MINIMUM field (`soa TTL MINIMUM`,
    /// default 60 60: RFC 2308's negative TTL is the smaller); `None` (`soa off`): negative
    /// answers without SOA.
    pub soa: Option<(u32, u32)>,
}

#[derive(Debug)]
pub struct ConfigError {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

/// A name as the zone and the rules key it: [`key_of`] its [`labels`]; a name that does not
/// parse (rule names are not checked) lower-cased, with the trailing dot.
pub fn fqdn(name: &str) -> String {
    if let Ok(l) = labels(name) {
        return key_of(&l);
    }
    let mut n = name.to_ascii_lowercase();
    if !n.ends_with('.') {
        n.push('.');
    }
    n
}

/// Longest label and longest name in wire form (RFC 1035 2.3.4).
const MAX_LABEL: usize = 63;
const MAX_WIRE_NAME: usize = 255;

/// The labels of a name as the scenario file writes it: RFC 1035 5.1 escapes (`\X` is the
/// byte X, `\DDD` the byte of that decimal value), so that any byte can be in a label (`.`
/// as `\.` or `\046`, a space as `\032`); dots between labels, an optional final dot; `.`
/// alone is the root. Labels of 1 to 63 bytes, at most 255 bytes in wire form.
pub fn labels(word: &str) -> Result<Vec<Vec<u8>>, String> {
    let bad = |why: &str| Err(format!("bad name {word:?}: {why}"));
    if word == "." {
        return Ok(Vec::new());
    }
    let b = word.as_bytes();
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let d = &b[i + 1..];
                if d.len() >= 3 && d[..3].iter().all(u8::is_ascii_digit) {
                    let v = d[..3]
                        .iter()
                        .fold(0u32, |v, c| v * 10 + u32::from(c - b'0'));
                    let Ok(v) = u8::try_from(v) else {
                        return bad("escape over 255");
                    };
                    cur.push(v);
                    i += 4;
                } else if let Some(&c) = d.first() {
                    cur.push(c);
                    i += 2;
                } else {
                    return bad("a lone backslash at the end");
                }
                continue;
            }
            b'.' if cur.is_empty() => return bad("empty label"),
            b'.' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
        i += 1;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    if out.iter().any(|l| l.len() > MAX_LABEL) {
        return bad("label over 63 bytes");
    }
    if out.iter().map(|l| l.len() + 1).sum::<usize>() + 1 > MAX_WIRE_NAME {
        return bad("over 255 bytes in wire form");
    }
    if out.is_empty() {
        return bad("empty");
    }
    Ok(out)
}

/// The key of a name: every label lower-cased, bytes other than letters, digits, `-`, `_`
/// and `*` as `\DDD`, labels joined by dots, with the final dot (`.` for the root).
/// [`labels`] reads it back.
pub fn key_of<L: AsRef<[u8]>>(labels: &[L]) -> String {
    let mut s = String::new();
    for l in labels {
        for &c in l.as_ref() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'*' {
                s.push(char::from(c));
            } else {
                s.push_str(&format!("\\{c:03}"));
            }
        }
        s.push('.');
    }
    if s.is_empty() {
        s.push('.');
    }
    s
}

/// DNS type mnemonic → code, for rules and record lines.
pub fn type_code(name: &str) -> Option<u16> {
    Some(match name.to_ascii_uppercase().as_str() {
        "A" => 1,
        "NS" => 2,
        "CNAME" => 5,
        "SOA" => 6,
        "PTR" => 12,
        "MX" => 15,
        "TXT" => 16,
        "AAAA" => 28,
        "SRV" => 33,
        "ANY" => 255,
        _ => return None,
    })
}

pub fn rcode_code(name: &str) -> Option<u16> {
    Some(match name.to_ascii_uppercase().as_str() {
        "NOERROR" => 0,
        "FORMERR" => 1,
        "SERVFAIL" => 2,
        "NXDOMAIN" => 3,
        "NOTIMP" => 4,
        "REFUSED" => 5,
        _ => return None,
    })
}

/// Splits a line into words; `"..."` is one word (quotes kept, `\"` and `\\` escapes), `#`
/// outside quotes starts a comment.
fn tokenize(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '#' {
            break;
        } else if c == '"' {
            chars.next();
            let mut s = String::from('"');
            loop {
                match chars.next() {
                    None => return Err("unterminated quoted string".into()),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(e) => s.push(e),
                        None => return Err("unterminated quoted string".into()),
                    },
                    Some(ch) => s.push(ch),
                }
            }
            s.push('"');
            out.push(s);
        } else {
            let mut s = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || ch == '#' {
                    break;
                }
                s.push(ch);
                chars.next();
            }
            out.push(s);
        }
    }
    Ok(out)
}

/// `START..COUNT`: COUNT addresses counting up from START as an integer; or one address.
fn expand<T: Copy>(
    word: &str,
    parse: impl Fn(&str) -> Option<T>,
    step: impl Fn(T, u64) -> Option<T>,
) -> Result<Vec<T>, String> {
    let (start, count) = match word.split_once("..") {
        Some((s, c)) => (
            s,
            c.parse::<u64>()
                .map_err(|_| format!("bad count in range {word:?}"))?,
        ),
        None => (word, 1),
    };
    let start = parse(start).ok_or_else(|| format!("bad address {start:?}"))?;
    (0..count)
        .map(|i| step(start, i).ok_or_else(|| format!("range {word:?} overflows")))
        .collect()
}

fn num<T: std::str::FromStr>(word: Option<&String>, what: &str) -> Result<T, String> {
    let word = word.ok_or_else(|| format!("missing {what}"))?;
    word.parse().map_err(|_| format!("bad {what} {word:?}"))
}

/// A domain name (labels up to 63 bytes, 255 in all, any bytes), as [`key_of`].
fn checked_name(word: &str) -> Result<String, String> {
    Ok(key_of(&labels(word)?))
}

fn target(word: Option<&String>) -> Result<String, String> {
    checked_name(word.ok_or("missing target name")?)
}

/// `[NAME [TYPE]]` after a directive.
fn scope(words: &[String]) -> Result<(Option<String>, Option<u16>), String> {
    match words {
        [] => Ok((None, None)),
        [n] => Ok((Some(fqdn(n)), None)),
        [n, t] => {
            let t = type_code(t).ok_or_else(|| format!("unknown type {t:?}"))?;
            Ok((Some(fqdn(n)), Some(t)))
        }
        _ => Err("too many words".into()),
    }
}

/// `OWNER TYPE DATA...`: the owner (as [`fqdn`]) and its records (none for `NODATA`).
fn parse_record(w: &[String]) -> Result<(String, Vec<Data>), String> {
    let owner = checked_name(&w[0])?;
    let ty = w
        .get(1)
        .ok_or_else(|| format!("unknown directive {:?}", w[0]))?;
    let rest = &w[2..];
    let data: Vec<Data> = match ty.to_ascii_uppercase().as_str() {
        "NODATA" => Vec::new(),
        "A" => rest
            .iter()
            .map(|a| {
                expand(
                    a,
                    |s| s.parse::<Ipv4Addr>().ok(),
                    |s, i| {
                        u32::try_from(i)
                            .ok()
                            .and_then(|i| u32::from(s).checked_add(i))
                            .map(Ipv4Addr::from)
                    },
                )
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .map(Data::A)
            .collect(),
        "AAAA" => rest
            .iter()
            .map(|a| {
                expand(
                    a,
                    |s| s.parse::<Ipv6Addr>().ok(),
                    |s, i| u128::from(s).checked_add(i.into()).map(Ipv6Addr::from),
                )
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .map(Data::Aaaa)
            .collect(),
        "CNAME" => vec![Data::Cname(target(rest.first())?)],
        "PTR" => vec![Data::Ptr(target(rest.first())?)],
        "NS" => vec![Data::Ns(target(rest.first())?)],
        "MX" => vec![Data::Mx(
            num(rest.first(), "preference")?,
            target(rest.get(1))?,
        )],
        "SRV" => vec![Data::Srv(
            num(rest.first(), "priority")?,
            num(rest.get(1), "weight")?,
            num(rest.get(2), "port")?,
            target(rest.get(3))?,
        )],
        "TXT" => {
            let mut strings = Vec::new();
            for s in rest {
                let s = s.strip_prefix('"').and_then(|s| s.strip_suffix('"'));
                let s = s.ok_or("TXT strings must be quoted")?;
                strings.push(s.to_string());
            }
            vec![Data::Txt(strings)]
        }
        other => return Err(format!("unknown directive or type {other:?}")),
    };
    if ty.eq_ignore_ascii_case("NODATA") && !rest.is_empty() {
        return Err("NODATA takes no data".into());
    }
    if data.is_empty() && !ty.eq_ignore_ascii_case("NODATA") {
        return Err(format!("{ty} record without data"));
    }
    Ok((owner, data))
}

impl Config {
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut cfg = Config {
            zone: HashMap::new(),
            udp: Rules::new(UdpMode::TruncateEmpty),
            tcp: Rules::new(TcpMode::Normal),
            rcode: Rules::new(None),
            delay: Rules::new(0),
            decoy: Rules::new(None),
            mangle: Rules::new(None),
            verbatim: HashMap::new(),
            drip_ms: 100,
            dump: None,
            compact: false,
            tcp_refuse: false,
            udp_size: None,
            edns: true,
            edns_formerr: false,
            ad: false,
            soa: Some((60, 60)),
        };
        let mut ttl = 300u32;
        for (i, line) in text.lines().enumerate() {
            let err = |msg: String| ConfigError { line: i + 1, msg };
            let words = tokenize(line).map_err(err)?;
            if words.is_empty() {
                continue;
            }
            cfg.line(&words, &mut ttl).map_err(err)?;
        }
        // A CNAME owner holds nothing else (RFC 1034 3.6.2).
        for (name, node) in &cfg.zone {
            if node.cname().is_some() && node.records.len() > 1 {
                return Err(ConfigError {
                    line: 0,
                    msg: format!("{name} has a CNAME and other records"),
                });
            }
        }
        Ok(cfg)
    }

    fn line(&mut self, w: &[String], ttl: &mut u32) -> Result<(), String> {
        match w[0].as_str() {
            "udp" => {
                let mode = match w.get(1).map(String::as_str) {
                    Some("normal" | "truncate-empty") => UdpMode::TruncateEmpty,
                    Some("truncate-fit") => UdpMode::TruncateFit,
                    Some("oversize") => UdpMode::Oversize,
                    Some("tc-always") => UdpMode::TcAlways,
                    Some("silent") => UdpMode::Silent,
                    m => return Err(format!("unknown udp mode {m:?}")),
                };
                let (n, t) = scope(&w[2..])?;
                self.udp.push(n, t, mode);
            }
            "tcp" => {
                let mode = match w.get(1).map(String::as_str) {
                    Some("normal") => TcpMode::Normal,
                    Some("refuse") if w.len() == 2 => {
                        self.tcp_refuse = true;
                        return Ok(());
                    }
                    Some("close" | "refuse") => TcpMode::Close,
                    Some("silent") => TcpMode::Silent,
                    Some("close-after-length") => TcpMode::CloseAfterLength,
                    Some("close-mid-body") => TcpMode::CloseMidBody,
                    Some("zero-length") => TcpMode::ZeroLength,
                    Some("drip") => TcpMode::Drip,
                    m => return Err(format!("unknown tcp mode {m:?}")),
                };
                let (n, t) = scope(&w[2..])?;
                self.tcp.push(n, t, mode);
            }
            "silent" => {
                let (n, t) = scope(&w[1..])?;
                self.udp.push(n.clone(), t, UdpMode::Silent);
                self.tcp.push(n, t, TcpMode::Silent);
            }
            "rcode" => {
                let (name, code) = match w {
                    [_, c] => (None, c),
                    [_, n, c, ..] => (Some(n), c),
                    _ => return Err("usage: rcode [NAME] CODE [TYPE]".into()),
                };
                let code = rcode_code(code).ok_or_else(|| format!("unknown rcode {code:?}"))?;
                let qtype = match w.get(3) {
                    Some(t) => Some(type_code(t).ok_or_else(|| format!("unknown type {t:?}"))?),
                    None => None,
                };
                if w.len() > 4 {
                    return Err("too many words".into());
                }
                self.rcode.push(name.map(|n| fqdn(n)), qtype, Some(code));
            }
            "delay" => {
                let ms = num(w.get(1), "milliseconds")?;
                let (n, t) = scope(&w[2..])?;
                self.delay.push(n, t, ms);
            }
            "decoy" => {
                let kind = match w.get(1).map(String::as_str) {
                    Some("wrong-id") => Decoy::WrongId,
                    Some("wrong-name") => Decoy::WrongName,
                    Some("wrong-type") => Decoy::WrongType,
                    Some("wrong-class") => Decoy::WrongClass,
                    Some("qr-clear") => Decoy::QrClear,
                    Some("other-port") => Decoy::OtherPort,
                    Some("other-addr") => Decoy::OtherAddr,
                    m => return Err(format!("unknown decoy {m:?}")),
                };
                let (n, t) = scope(&w[2..])?;
                self.decoy.push(n, t, Some(kind));
            }
            "mangle" => {
                let kind = match w.get(1).map(String::as_str) {
                    Some("ptr-loop") => Mangle::PtrLoop,
                    Some("ptr-past-end") => Mangle::PtrPastEnd,
                    Some("label-64") => Mangle::Label64,
                    Some("name-256") => Mangle::Name256,
                    Some("rdlength-past-end") => Mangle::RdlengthPastEnd,
                    Some("counts-high") => Mangle::CountsHigh,
                    Some("a-rdlength-3") => Mangle::ARdlength3,
                    Some("empty") => Mangle::Empty,
                    m => return Err(format!("unknown mangle {m:?}")),
                };
                let (n, t) = scope(&w[2..])?;
                self.mangle.push(n, t, Some(kind));
            }
            "answer" => {
                // answer QNAME QTYPE OWNER TYPE DATA...
                let qname = checked_name(w.get(1).ok_or("usage: answer QNAME QTYPE RECORD")?)?;
                let qt = w.get(2).ok_or("usage: answer QNAME QTYPE RECORD")?;
                let qtype = type_code(qt).ok_or_else(|| format!("unknown type {qt:?}"))?;
                if w.len() < 5 {
                    return Err("usage: answer QNAME QTYPE OWNER TYPE DATA...".into());
                }
                let (owner, data) = parse_record(&w[3..])?;
                let list = self.verbatim.entry((qname, qtype)).or_default();
                list.extend(data.into_iter().map(|d| (*ttl, owner.clone(), d)));
            }
            "drip-ms" => self.drip_ms = num(w.get(1), "milliseconds")?,
            "dump" => self.dump = Some(w.get(1).ok_or("usage: dump DIR")?.clone()),
            "compact" => match w.get(1).map(String::as_str) {
                Some("on") => self.compact = true,
                Some("off") => self.compact = false,
                m => return Err(format!("compact on|off, not {m:?}")),
            },
            "udp-size" => self.udp_size = Some(num(w.get(1), "size")?),
            "edns" => match w.get(1).map(String::as_str) {
                Some("on") => self.edns = true,
                Some("off") => self.edns = false,
                Some("formerr") => self.edns_formerr = true,
                m => return Err(format!("edns on|off|formerr, not {m:?}")),
            },
            "ad" => match w.get(1).map(String::as_str) {
                Some("on") => self.ad = true,
                Some("off") => self.ad = false,
                m => return Err(format!("ad on|off, not {m:?}")),
            },
            "ttl" => *ttl = num(w.get(1), "ttl")?,
            "soa" => match w.get(1).map(String::as_str) {
                Some("off") => self.soa = None,
                _ => self.soa = Some((num(w.get(1), "ttl")?, num(w.get(2), "minimum")?)),
            },
            _ => self.record(w, *ttl)?,
        }
        Ok(())
    }

    fn record(&mut self, w: &[String], ttl: u32) -> Result<(), String> {
        let (owner, data) = parse_record(w)?;
        let node = self.zone.entry(owner).or_default();
        node.records.extend(data.into_iter().map(|d| (ttl, d)));
        Ok(())
    }

    /// True when `name` has no node of its own but a descendant has one (an empty
    /// non-terminal: NODATA, not NXDOMAIN).
    pub fn is_empty_nonterminal(&self, name: &str) -> bool {
        let suffix = if name == "." {
            String::new()
        } else {
            format!(".{name}")
        };
        self.zone
            .keys()
            .any(|k| k.ends_with(&suffix) && k.len() > suffix.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_expand_as_integers() {
        let c =
            Config::parse("big.test A 10.0.0.250..10\nv6.test. AAAA 2001:db8::1..30\n").unwrap();
        let big = &c.zone["big.test."].records;
        assert_eq!(big.len(), 10);
        assert_eq!(big[0].1, Data::A("10.0.0.250".parse().unwrap()));
        assert_eq!(big[9].1, Data::A("10.0.1.3".parse().unwrap()));
        let v6 = &c.zone["v6.test."].records;
        assert_eq!(v6.len(), 30);
        assert_eq!(v6[29].1, Data::Aaaa("2001:db8::1e".parse().unwrap()));
    }

    #[test]
    fn rules_most_specific_wins() {
        let c = Config::parse(
            "udp truncate-fit\nudp silent quiet.test\nudp oversize quiet.test AAAA\n\
             rcode bad.test SERVFAIL\n",
        )
        .unwrap();
        assert_eq!(c.udp.get("other.test.", 1), UdpMode::TruncateFit);
        assert_eq!(c.udp.get("quiet.test.", 1), UdpMode::Silent);
        assert_eq!(c.udp.get("quiet.test.", 28), UdpMode::Oversize);
        assert_eq!(c.rcode.get("bad.test.", 28), Some(2));
        assert_eq!(c.rcode.get("good.test.", 28), None);
    }

    #[test]
    fn comments_quotes_and_errors() {
        let c =
            Config::parse("t.test TXT \"a # b\" \"c\\\"d\" # trailing\nn.test NODATA\n").unwrap();
        assert_eq!(
            c.zone["t.test."].records[0].1,
            Data::Txt(vec!["a # b".into(), "c\"d".into()])
        );
        assert!(c.zone["n.test."].records.is_empty());
        let e = Config::parse("ok.test A 1.2.3.4\nbad.test A nope\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(Config::parse("udp sideways\n").is_err());
        assert!(Config::parse(&format!("{}.test A 1.2.3.4\n", "x".repeat(64))).is_err());
        assert!(Config::parse("x.test CNAME y.test\nx.test A 1.2.3.4\n").is_err());
    }

    #[test]
    fn empty_nonterminals() {
        let c = Config::parse("web.corp.test A 10.1.1.1\n").unwrap();
        assert!(c.is_empty_nonterminal("corp.test."));
        assert!(c.is_empty_nonterminal("test."));
        assert!(!c.is_empty_nonterminal("web.corp.test."));
        assert!(!c.is_empty_nonterminal("other.test."));
    }
}
