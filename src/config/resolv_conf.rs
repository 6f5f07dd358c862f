//! `/etc/resolv.conf`, as glibc's resolv.conf(5) documents it (musl reads a subset).
//!
//! [`parse`] never fails: lines it does not understand are ignored, as both C libraries do.
//! The rules, with their source:
//! - Comments: a line whose first byte is `#` or `;` (glibc `res_vinit_1`). A token that starts
//!   with `#` or `;` also ends the line (our addition: neither libc has inline comments, they
//!   would read `search a # b` as three domains).
//! - A keyword counts only at the start of the line and followed by a space or tab (glibc
//!   `MATCH`).
//! - `nameserver ADDR`: the first [`MAXNS`] usable addresses, port [`NAMESERVER_PORT`]; IPv4 in
//!   every `inet_aton` form, IPv6 with an optional `%scope`. An unusable scope is dropped and
//!   the address kept with scope 0 (glibc ignores `__inet6_scopeid_pton` errors). None usable:
//!   `127.0.0.1:53`.
//! - `search a b c` / `domain x`: the last such line wins (`domain` keeps its first name only).
//!   Trailing dots are stripped and empty names dropped, so `search .` means "no search list".
//!   A `search`/`domain` line with nothing after the keyword is ignored.
//! - `options`: see [`ResolvConf::apply_options`].
//! - `sortlist addr[/mask] …`: IPv4 only, up to [`MAXRESOLVSORT`] entries.
//! - Lines that are not valid UTF-8 are ignored.

use crate::numeric::{inet_aton, inet_pton6, parse_literal, Literal};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Maximum number of nameservers used (glibc `MAXNS`, musl `MAXNS`).
pub const MAXNS: usize = 3;

/// Port of every nameserver (glibc `NAMESERVER_PORT`, RFC 1035 section 4.2).
pub const NAMESERVER_PORT: u16 = 53;

/// Default `ndots` (glibc `resolv_conf_parser_init`, musl `__get_resolv_conf`).
pub const DEFAULT_NDOTS: u32 = 1;
/// Highest `ndots` (glibc `RES_MAXNDOTS`, musl caps at the same 15).
pub const MAX_NDOTS: u32 = 15;

/// Default per-try timeout in seconds (glibc `RES_TIMEOUT`, musl's default 5).
pub const DEFAULT_TIMEOUT: u32 = 5;
/// Highest `timeout` (glibc `RES_MAXRETRANS`; musl allows 60).
pub const MAX_TIMEOUT: u32 = 30;
/// Lowest `timeout` we keep: glibc's `res_send` raises a zero per-server timeout to one second.
pub const MIN_TIMEOUT: u32 = 1;

/// Default number of attempts (glibc `RES_DFLRETRY`, musl's default 2).
pub const DEFAULT_ATTEMPTS: u32 = 2;
/// Highest `attempts` (glibc `RES_MAXRETRY`; musl allows 10).
pub const MAX_ATTEMPTS: u32 = 5;
/// Lowest `attempts` we keep: with 0, glibc sends nothing and musl divides by zero
/// (`res_msend`); one try is the only useful reading.
pub const MIN_ATTEMPTS: u32 = 1;

/// Maximum number of `sortlist` entries (glibc `MAXRESOLVSORT`, `<resolv.h>`).
pub const MAXRESOLVSORT: usize = 10;

/// How long the answer cache keeps an answer at most, seconds, when `options dnsshim-cache`
/// gives no value (ours: five minutes bounds how stale an answer with a long TTL can be
/// after the records changed; answers with shorter TTLs go sooner).
pub const DEFAULT_CACHE_MAX_TTL: u32 = 300;
/// The highest `dnsshim-cache:N` we keep, seconds (BIND's `max-cache-ttl` default, one
/// week).
pub const MAX_CACHE_MAX_TTL: u32 = 604_800;

/// Typed resolver configuration; each option maps onto one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvConf {
    /// Up to [`MAXNS`] servers, port 53; IPv6 with scope id. Default: `127.0.0.1:53`.
    pub nameservers: Vec<SocketAddr>,
    /// Search list (from the last `search` or `domain` line), without trailing dots.
    pub search: Vec<String>,
    /// `options ndots:` (default 1, capped at 15).
    pub ndots: u32,
    /// `options timeout:` seconds (default 5, between 1 and 30).
    pub timeout: u32,
    /// `options attempts:` (default 2, between 1 and 5).
    pub attempts: u32,
    /// `options rotate`.
    pub rotate: bool,
    /// `options edns0`.
    pub edns0: bool,
    /// `options use-vc`.
    pub use_vc: bool,
    /// `options single-request`.
    pub single_request: bool,
    /// `options single-request-reopen`.
    pub single_request_reopen: bool,
    /// `options no-aaaa`.
    pub no_aaaa: bool,
    /// `options no-tld-query` (also glibc's older spelling `no_tld_query`).
    pub no_tld_query: bool,
    /// `options trust-ad`.
    pub trust_ad: bool,
    /// `options inet6`.
    pub inet6: bool,
    /// `options debug`.
    pub debug: bool,
    /// `sortlist`: (address, netmask) pairs, IPv4 only, at most [`MAXRESOLVSORT`].
    pub sortlist: Vec<(IpAddr, IpAddr)>,
    /// `options dnsshim-cache` / `dnsshim-cache:N` (N > 0): the answer cache is on (ours; the
    /// prefix keeps it apart from every libc option, and both libcs ignore it).
    pub cache: bool,
    /// The `N` of `dnsshim-cache:N`: the longest time an answer is kept, seconds (default
    /// [`DEFAULT_CACHE_MAX_TTL`], at most [`MAX_CACHE_MAX_TTL`]).
    pub cache_max_ttl: u32,
    /// `options dnsshim-parallel-search`: the candidates of the search list asked at once
    /// (ours, like `dnsshim-cache`).
    pub parallel_search: bool,
}

impl Default for ResolvConf {
    /// What an empty or missing resolv.conf means: `127.0.0.1:53`, ndots 1, timeout 5,
    /// attempts 2, no search list, no flags.
    fn default() -> Self {
        ResolvConf {
            nameservers: vec![default_nameserver()],
            search: Vec::new(),
            ndots: DEFAULT_NDOTS,
            timeout: DEFAULT_TIMEOUT,
            attempts: DEFAULT_ATTEMPTS,
            rotate: false,
            edns0: false,
            use_vc: false,
            single_request: false,
            single_request_reopen: false,
            no_aaaa: false,
            no_tld_query: false,
            trust_ad: false,
            inet6: false,
            debug: false,
            sortlist: Vec::new(),
            cache: false,
            cache_max_ttl: DEFAULT_CACHE_MAX_TTL,
            parallel_search: false,
        }
    }
}

/// `127.0.0.1:53`, used when no `nameserver` line is usable (glibc `IN_LOOPBACKNET`, musl).
fn default_nameserver() -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, NAMESERVER_PORT))
}

/// The result of parsing, with what the file said beyond the typed fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub conf: ResolvConf,
    /// The file had a usable `search` or `domain` line (even `search .`). glibc derives a
    /// search domain from the host name only when it did not.
    pub has_search_line: bool,
}

/// Parses resolv.conf text. Never fails; see the module documentation for the rules.
pub fn parse(text: &[u8]) -> ResolvConf {
    parse_full(text).conf
}

/// [`parse`], also telling whether a `search`/`domain` line was present.
pub fn parse_full(text: &[u8]) -> Parsed {
    let mut conf = ResolvConf {
        nameservers: Vec::new(),
        ..ResolvConf::default()
    };
    let mut has_search_line = false;
    for raw in text.split(|&b| b == b'\n') {
        let line = match std::str::from_utf8(raw) {
            Ok(l) => l,
            Err(_) => continue,
        };
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = keyword(line, "nameserver") {
            if conf.nameservers.len() < MAXNS {
                if let Some(ns) = tokens(rest).next().and_then(parse_nameserver) {
                    conf.nameservers.push(ns);
                }
            }
        } else if let Some(rest) = keyword(line, "search") {
            let mut names = tokens(rest).peekable();
            if names.peek().is_some() {
                conf.search = names.filter_map(clean_domain).collect();
                has_search_line = true;
            }
        } else if let Some(rest) = keyword(line, "domain") {
            if let Some(first) = tokens(rest).next() {
                conf.search = clean_domain(first).into_iter().collect();
                has_search_line = true;
            }
        } else if let Some(rest) = keyword(line, "sortlist") {
            for tok in tokens(rest) {
                if conf.sortlist.len() >= MAXRESOLVSORT {
                    break;
                }
                if let Some(entry) = parse_sort_entry(tok) {
                    conf.sortlist.push(entry);
                }
            }
        } else if let Some(rest) = keyword(line, "options") {
            conf.apply_options(rest);
        }
    }
    if conf.nameservers.is_empty() {
        conf.nameservers.push(default_nameserver());
    }
    Parsed {
        conf,
        has_search_line,
    }
}

impl ResolvConf {
    /// Parses resolv.conf text; same as the free function [`parse`].
    pub fn parse(text: &[u8]) -> ResolvConf {
        parse(text)
    }

    /// The environment on top of the file, as glibc's `res_vinit_1` applies it:
    /// `LOCALDOMAIN` (when set, even empty) replaces the search list with its blank-separated
    /// names (up to a newline); `RES_OPTIONS` is read like the rest of an `options` line.
    /// The caller passes `None` for unset variables and in secure-execution mode.
    pub fn apply_env(&mut self, localdomain: Option<&str>, res_options: Option<&str>) {
        if let Some(ld) = localdomain {
            let ld = ld.split('\n').next().unwrap_or("");
            self.search = ld.split([' ', '\t']).filter_map(clean_domain).collect();
        }
        if let Some(opts) = res_options {
            self.apply_options(opts);
        }
    }

    /// Applies the rest of an `options` line (or `RES_OPTIONS`): blank-separated tokens,
    /// each one of
    /// - `ndots:N` (capped at [`MAX_NDOTS`]), `timeout:N` (1..=[`MAX_TIMEOUT`]),
    ///   `attempts:N` (1..=[`MAX_ATTEMPTS`]): N is read like C `strtoul` (leading digits, the
    ///   rest ignored); a value without a leading digit is ignored (musl; glibc's `atoi` would
    ///   read it as 0);
    /// - `rotate`, `edns0`, `use-vc`, `single-request`, `single-request-reopen`, `no-aaaa`,
    ///   `no-tld-query` (or `no_tld_query`), `trust-ad`, `inet6`, `debug`: set the field;
    /// - ours: `dnsshim-cache` (the answer cache on), `dnsshim-cache:N` (on, answers kept at
    ///   most N seconds, capped at [`MAX_CACHE_MAX_TTL`]; `dnsshim-cache:0` off; a value
    ///   without a leading digit is ignored), `dnsshim-parallel-search`;
    /// - `no-reload`, `no-check-names`, `ip6-bytestring`, `ip6-dotint`, `no-ip6-dotint`,
    ///   anything else: ignored.
    ///
    /// Flags match the whole token (glibc matches a prefix, so `rotatex` would set `rotate`).
    pub fn apply_options(&mut self, options: &str) {
        for tok in tokens(options) {
            if let Some(v) = tok.strip_prefix("ndots:") {
                if let Some(n) = leading_number(v) {
                    self.ndots = n.min(MAX_NDOTS);
                }
            } else if let Some(v) = tok.strip_prefix("timeout:") {
                if let Some(n) = leading_number(v) {
                    self.timeout = n.clamp(MIN_TIMEOUT, MAX_TIMEOUT);
                }
            } else if let Some(v) = tok.strip_prefix("attempts:") {
                if let Some(n) = leading_number(v) {
                    self.attempts = n.clamp(MIN_ATTEMPTS, MAX_ATTEMPTS);
                }
            } else if let Some(v) = tok.strip_prefix("dnsshim-cache:") {
                if let Some(n) = leading_number(v) {
                    self.cache = n > 0;
                    if n > 0 {
                        self.cache_max_ttl = n.min(MAX_CACHE_MAX_TTL);
                    }
                }
            } else {
                match tok {
                    "rotate" => self.rotate = true,
                    "edns0" => self.edns0 = true,
                    "use-vc" => self.use_vc = true,
                    "single-request" => self.single_request = true,
                    "single-request-reopen" => self.single_request_reopen = true,
                    "no-aaaa" => self.no_aaaa = true,
                    "no-tld-query" | "no_tld_query" => self.no_tld_query = true,
                    "trust-ad" => self.trust_ad = true,
                    "inet6" => self.inet6 = true,
                    "debug" => self.debug = true,
                    "dnsshim-cache" => self.cache = true,
                    "dnsshim-parallel-search" => self.parallel_search = true,
                    _ => {}
                }
            }
        }
    }
}

/// The domain part of the host name (after its first dot), which glibc uses as the search list
/// when resolv.conf has no `search`/`domain` line and `LOCALDOMAIN` is unset
/// (`domain_from_hostname`). `None` when the host name has no dot or cannot be read.
pub fn hostname_domain() -> Option<String> {
    crate::sys::host::hostname(|name| clean_domain(name.split_once('.')?.1))?
}

/// `line` starts with `kw` followed by a space or tab (glibc `MATCH`): the rest of the line.
fn keyword<'a>(line: &'a str, kw: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(kw)?;
    match rest.as_bytes().first() {
        Some(b' ' | b'\t') => Some(rest),
        _ => None,
    }
}

/// Whitespace-separated tokens, up to an inline comment.
fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split_ascii_whitespace()
        .take_while(|t| !t.starts_with('#') && !t.starts_with(';'))
}

/// A search domain without its trailing dots; `None` if nothing is left.
fn clean_domain(s: &str) -> Option<String> {
    let d = s.trim_end_matches('.');
    if d.is_empty() {
        None
    } else {
        Some(d.to_owned())
    }
}

/// C `strtoul(s, &end, 10)` that must consume at least one digit; saturates.
fn leading_number(s: &str) -> Option<u32> {
    let digits = s.bytes().take_while(u8::is_ascii_digit);
    let mut seen = false;
    let mut v: u32 = 0;
    for d in digits {
        seen = true;
        v = v.saturating_mul(10).saturating_add(u32::from(d - b'0'));
    }
    seen.then_some(v)
}

fn parse_nameserver(tok: &str) -> Option<SocketAddr> {
    match parse_literal(tok) {
        Literal::Addr(IpAddr::V4(a), _) => {
            Some(SocketAddr::V4(SocketAddrV4::new(a, NAMESERVER_PORT)))
        }
        Literal::Addr(IpAddr::V6(a), scope) => Some(v6(a, scope)),
        // glibc keeps the address and ignores the scope error.
        Literal::BadScope => {
            let (addr, _) = tok.split_once('%')?;
            inet_pton6(addr).map(|a| v6(a, 0))
        }
        Literal::NotLiteral => None,
    }
}

fn v6(a: Ipv6Addr, scope: u32) -> SocketAddr {
    SocketAddr::V6(SocketAddrV6::new(a, NAMESERVER_PORT, 0, scope))
}

/// One `sortlist` token: `addr`, `addr/mask` or `addr&mask` (glibc `is_sort_mask`), both
/// `inet_aton` forms. A missing or unparsable mask is the address's classful mask (glibc
/// `net_mask`). A mask of one or two decimal digits up to 32 is read as a prefix length (our
/// addition: glibc would read `/24` as the netmask `0.0.0.24`).
fn parse_sort_entry(tok: &str) -> Option<(IpAddr, IpAddr)> {
    let (net, mask) = match tok.find(['/', '&']) {
        Some(i) => (&tok[..i], Some(&tok[i + 1..])),
        None => (tok, None),
    };
    let addr = inet_aton(net)?;
    let mask = mask
        .and_then(|m| prefix_mask(m).or_else(|| inet_aton(m)))
        .unwrap_or_else(|| classful_mask(addr));
    Some((IpAddr::V4(addr), IpAddr::V4(mask)))
}

fn prefix_mask(m: &str) -> Option<Ipv4Addr> {
    if m.is_empty() || m.len() > 2 || !m.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bits: u32 = m.parse().ok()?;
    if bits > 32 {
        return None;
    }
    let v = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
    Some(Ipv4Addr::from(v))
}

/// glibc `net_mask`: the class A, B or C network mask of an address.
fn classful_mask(a: Ipv4Addr) -> Ipv4Addr {
    let i = u32::from(a);
    if i & 0x8000_0000 == 0 {
        Ipv4Addr::new(255, 0, 0, 0)
    } else if i & 0xc000_0000 == 0x8000_0000 {
        Ipv4Addr::new(255, 255, 0, 0)
    } else {
        Ipv4Addr::new(255, 255, 255, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn empty_is_default() {
        let c = parse(b"");
        assert_eq!(c, ResolvConf::default());
        assert_eq!(c.nameservers, vec![sa("127.0.0.1:53")]);
        assert_eq!((c.ndots, c.timeout, c.attempts), (1, 5, 2));
        assert!(c.search.is_empty());
        assert!(!c.rotate && !c.edns0 && !c.use_vc && !c.inet6 && !c.trust_ad);
        assert!(!parse_full(b"").has_search_line);
    }

    #[test]
    fn typical_file() {
        let c = parse(
            b"# generated\n; also a comment\nnameserver 10.0.0.1\nnameserver 2001:db8::53\n\
              search corp.example.com example.com.\noptions ndots:2 timeout:3 attempts:4 rotate edns0\n",
        );
        assert_eq!(
            c.nameservers,
            vec![sa("10.0.0.1:53"), sa("[2001:db8::53]:53")]
        );
        assert_eq!(c.search, vec!["corp.example.com", "example.com"]);
        assert_eq!((c.ndots, c.timeout, c.attempts), (2, 3, 4));
        assert!(c.rotate && c.edns0);
        assert!(!c.use_vc);
    }

    #[test]
    fn nameserver_limit_and_fallback() {
        let c = parse(
            b"nameserver 1.1.1.1\nnameserver bogus\nnameserver 2.2.2.2\nnameserver 3.3.3.3\nnameserver 4.4.4.4\n",
        );
        assert_eq!(
            c.nameservers,
            vec![sa("1.1.1.1:53"), sa("2.2.2.2:53"), sa("3.3.3.3:53")]
        );
        let c = parse(b"nameserver bogus\nnameserver\nnameserver \nnameserver1.2.3.4\n");
        assert_eq!(c.nameservers, vec![sa("127.0.0.1:53")]);
    }

    #[test]
    fn nameserver_aton_forms() {
        let c = parse(b"nameserver 127.1\nnameserver 0x0a.1\nnameserver 2130706433\n");
        assert_eq!(
            c.nameservers,
            vec![sa("127.0.0.1:53"), sa("10.0.0.1:53"), sa("127.0.0.1:53")]
        );
        let c = parse(b"nameserver 010.0.0.1   # comment\n");
        assert_eq!(c.nameservers, vec![sa("8.0.0.1:53")]);
        let c = parse(b"nameserver\t192.0.2.1\r\n");
        assert_eq!(c.nameservers, vec![sa("192.0.2.1:53")]);
    }

    #[test]
    fn nameserver_ipv6_scope() {
        let c = parse(
            b"nameserver fe80::1%7\nnameserver fe80::2%lo\nnameserver 2001:db8::1%nosuchif0\n",
        );
        let want = |a: &str, s| SocketAddr::V6(SocketAddrV6::new(a.parse().unwrap(), 53, 0, s));
        assert_eq!(
            c.nameservers,
            vec![
                want("fe80::1", 7),
                want("fe80::2", 1),
                want("2001:db8::1", 0)
            ]
        );
    }

    #[test]
    fn last_search_or_domain_wins() {
        let c = parse(b"search a.example b.example\ndomain d.example extra\n");
        assert_eq!(c.search, vec!["d.example"]);
        let c = parse(b"domain d.example\nsearch a.example b.example.\n");
        assert_eq!(c.search, vec!["a.example", "b.example"]);
        // An empty search line does not clear the list.
        let c = parse(b"search a.example\nsearch\nsearch   \ndomain\n");
        assert_eq!(c.search, vec!["a.example"]);
        // `search .` does.
        let p = parse_full(b"search a.example\nsearch .\n");
        assert!(p.conf.search.is_empty());
        assert!(p.has_search_line);
    }

    #[test]
    fn keyword_needs_blank_and_line_start() {
        let c =
            parse(b"searchx a.example\n search b.example\nsearch:c.example\nnameservers 1.2.3.4\n");
        assert!(c.search.is_empty());
        assert_eq!(c.nameservers, vec![sa("127.0.0.1:53")]);
        let c = parse(b"search\tx.example\t\ty.example..\n");
        assert_eq!(c.search, vec!["x.example", "y.example"]);
    }

    #[test]
    fn comments() {
        let c = parse(b"#nameserver 1.1.1.1\n;nameserver 2.2.2.2\nsearch a.example # b.example\n");
        assert_eq!(c.nameservers, vec![sa("127.0.0.1:53")]);
        assert_eq!(c.search, vec!["a.example"]);
    }

    #[test]
    fn option_caps() {
        let c = parse(b"options ndots:99 timeout:999 attempts:99999999999999999999\n");
        assert_eq!(
            (c.ndots, c.timeout, c.attempts),
            (MAX_NDOTS, MAX_TIMEOUT, MAX_ATTEMPTS)
        );
        assert_eq!((c.ndots, c.timeout, c.attempts), (15, 30, 5));
        let c = parse(b"options ndots:0 timeout:0 attempts:0\n");
        assert_eq!((c.ndots, c.timeout, c.attempts), (0, 1, 1));
    }

    #[test]
    fn malformed_options_ignored() {
        let c = parse(b"options ndots: timeout:x attempts:-1 ndots:abc bogus rotatex\n");
        assert_eq!(c, ResolvConf::default());
        let c = parse(b"options ndots:3x\n");
        assert_eq!(c.ndots, 3);
        // `options` with nothing after it, or glued to its argument.
        assert_eq!(parse(b"options\noptionsrotate\n"), ResolvConf::default());
    }

    #[test]
    fn all_flags() {
        let c = parse(
            b"options rotate edns0 use-vc single-request single-request-reopen no-aaaa \
              no-tld-query trust-ad inet6 debug no-reload\n",
        );
        assert!(c.rotate && c.edns0 && c.use_vc && c.single_request && c.single_request_reopen);
        assert!(c.no_aaaa && c.no_tld_query && c.trust_ad && c.inet6 && c.debug);
        assert!(parse(b"options no_tld_query\n").no_tld_query);
        // Options accumulate across lines.
        let c = parse(b"options ndots:4\noptions rotate\n");
        assert!(c.rotate);
        assert_eq!(c.ndots, 4);
    }

    #[test]
    fn dnsshim_options() {
        let c = parse(b"options dnsshim-cache dnsshim-parallel-search\n");
        assert!(c.cache && c.parallel_search);
        assert_eq!(c.cache_max_ttl, DEFAULT_CACHE_MAX_TTL);
        let c = parse(b"options ndots:5 dnsshim-cache:30\n");
        assert!(c.cache && !c.parallel_search);
        assert_eq!((c.ndots, c.cache_max_ttl), (5, 30));
        // 0 turns it off (a later token wins); the cap; no leading digit: ignored.
        let c = parse(b"options dnsshim-cache dnsshim-cache:0\n");
        assert!(!c.cache);
        assert_eq!(
            parse(b"options dnsshim-cache:99999999\n").cache_max_ttl,
            MAX_CACHE_MAX_TTL
        );
        assert_eq!(
            parse(b"options dnsshim-cache:x dnsshim-cachex\n"),
            ResolvConf::default()
        );
        // glibc matches option prefixes: none of its options is a prefix of ours, so neither
        // libc reads anything into them.
        for glibc in [
            "rotate", "edns0", "use-vc", "debug", "inet6", "no-aaaa", "trust-ad",
        ] {
            assert!(!"dnsshim-cache".starts_with(glibc));
        }
        // RES_OPTIONS carries them too.
        let mut c = ResolvConf::default();
        c.apply_env(None, Some("dnsshim-cache:7 dnsshim-parallel-search"));
        assert!(c.cache && c.parallel_search);
        assert_eq!(c.cache_max_ttl, 7);
    }

    #[test]
    fn sortlist() {
        let c = parse(b"sortlist 130.155.160.0/255.255.240.0 130.155.0.0 10.1.0.0&255.255.0.0 192.168.1.0/24 bogus\n");
        let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
        assert_eq!(
            c.sortlist,
            vec![
                (ip("130.155.160.0"), ip("255.255.240.0")),
                (ip("130.155.0.0"), ip("255.255.0.0")),
                (ip("10.1.0.0"), ip("255.255.0.0")),
                (ip("192.168.1.0"), ip("255.255.255.0")),
            ]
        );
        let c = parse(b"sortlist 10.0.0.0 192.0.2.0/0 ; 1.2.3.4\n");
        assert_eq!(
            c.sortlist,
            vec![
                (ip("10.0.0.0"), ip("255.0.0.0")),
                (ip("192.0.2.0"), ip("0.0.0.0"))
            ]
        );
        let many = format!("sortlist {}\n", "1.2.3.4 ".repeat(20));
        assert_eq!(parse(many.as_bytes()).sortlist.len(), MAXRESOLVSORT);
    }

    #[test]
    fn garbage_input() {
        let mut junk: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        junk.extend_from_slice(b"\nnameserver 9.9.9.9\n\xff\xfesearch bad\nsearch \xff.example\n");
        let c = parse(&junk);
        assert_eq!(c.nameservers, vec![sa("9.9.9.9:53")]);
        assert!(c.search.is_empty());
        // Pseudo-random bytes never panic.
        let mut x: u32 = 12345;
        let bytes: Vec<u8> = (0..50_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let _ = parse(&bytes);
        let _ = parse(b"\0\0\0nameserver \0\n");
    }

    #[test]
    fn env_overrides() {
        let mut c = parse(b"search a.example\noptions ndots:2\n");
        c.apply_env(
            Some("x.example  y.example.\tz.example\nignored.example"),
            Some("ndots:5 rotate attempts:9"),
        );
        assert_eq!(c.search, vec!["x.example", "y.example", "z.example"]);
        assert_eq!((c.ndots, c.attempts), (5, 5));
        assert!(c.rotate);

        let mut c = parse(b"search a.example\n");
        c.apply_env(Some(""), None);
        assert!(c.search.is_empty());

        let mut c = parse(b"search a.example\n");
        let before = c.clone();
        c.apply_env(None, None);
        assert_eq!(c, before);

        let mut c = ResolvConf::default();
        c.apply_env(None, Some("  timeout:2   bogus  "));
        assert_eq!(c.timeout, 2);
    }

    #[test]
    fn hostname_domain_is_clean() {
        if let Some(d) = hostname_domain() {
            assert!(!d.is_empty() && !d.ends_with('.'));
        }
    }
}
