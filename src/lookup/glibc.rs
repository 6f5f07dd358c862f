//! glibc's name lookup flows (2.36), for the glibc build and `DNSSHIM_COMPAT=glibc`.
//!
//! - [`getaddrinfo`]: `sysdeps/posix/getaddrinfo.c` step by step: `*` for NULL, the flag and
//!   family checks, `AI_ADDRCONFIG` by rtnetlink, the service tuples, the NULL host, numeric
//!   hosts (`EAI_ADDRFAMILY` on a family mismatch), the `gethostbyname2_r` short cut for
//!   `AF_INET` without `AI_CANONNAME`, then the NSS hosts services (`files`, then `dns`) through
//!   `gethostbyname4_r` (`AF_UNSPEC`) or `gethostbyname3_r` per family, glibc's NODATA/AGAIN
//!   bookkeeping, `AI_V4MAPPED` filtering, `ai_flags` copied into every result, and the
//!   RFC 3484 sort ([`super::glibc_sort`]).
//! - [`gethostbyname2`]: `__nss_hostname_digits_dots`, then `files`, then `dns`.
//!
//! The NSS modules are modelled on `nss_files/files-hosts.c` (with `/etc/host.conf`'s
//! `multi`) and `nss_dns/dns-host.c` (`res_hnok` name check, `res_search` with glibc's
//! search-list bookkeeping, `getanswer_r` aliases from the CNAME chain). The service order is
//! always `hosts: files dns`.

use super::addrinfo::{AddrInfo, Hints};
use super::ask::{self, Ask, Servers};
use super::hostent::HostEnt;
use super::name::{hnok_labels, Taken};
use super::serv::{glibc_service, glibc_servtuples};
use super::{ai, Address, Semantics};
use crate::config::{self, FileCache, HostEntry, Hosts, ResolvConf};
use crate::numeric::{inet_aton, inet_pton6};
use crate::transport::Question;
use crate::wire::{self, rtype, Message, Response};
use crate::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `h_errno` values (netdb.h).
pub mod herr {
    pub const NETDB_INTERNAL: i32 = -1;
    pub const HOST_NOT_FOUND: i32 = 1;
    pub const TRY_AGAIN: i32 = 2;
    pub const NO_RECOVERY: i32 = 3;
    pub const NO_DATA: i32 = 4;
}

/// Every flag glibc accepts: the POSIX ones, `AI_IDN`, `AI_CANONIDN` and the deprecated IDN
/// bits 0x100 and 0x200 (`DEPRECATED_AI_IDN`).
const GLIBC_FLAGS: i32 = ai::PASSIVE
    | ai::CANONNAME
    | ai::NUMERICHOST
    | ai::V4MAPPED
    | ai::ALL
    | ai::ADDRCONFIG
    | ai::IDN
    | ai::CANONIDN
    | 0x300
    | ai::NUMERICSERV;

/// The `AI_*` flags a program built against `program`'s headers can pass, which glibc's
/// semantics accept: glibc's own, or in compatibility mode musl's ([`super::PROGRAM_LIBC`]:
/// the IDN bits mean nothing to a musl program, and musl rejects them too).
pub fn known_ai_flags(program: Semantics) -> i32 {
    match program {
        Semantics::Musl => super::addrinfo::MUSL_FLAGS,
        Semantics::Glibc => GLIBC_FLAGS,
    }
}

/// glibc's `AI_DEFAULT`, the flags of NULL hints.
pub const AI_DEFAULT: i32 = ai::V4MAPPED | ai::ADDRCONFIG;

/// `/etc/host.conf` (glibc `_PATH_HOSTCONF`).
const HOST_CONF_PATH: &str = "/etc/host.conf";
/// How much of host.conf we read (real files are a line or two).
const HOST_CONF_MAX_BYTES: u64 = 1 << 16;

static HOST_CONF: FileCache<bool> =
    FileCache::new_static(HOST_CONF_PATH, parse_host_conf, HOST_CONF_MAX_BYTES);

/// The `multi` setting of host.conf text (glibc `res_hconf.c`: keywords and `on`/`off` case
/// insensitive, the last line wins, off by default). Other keywords are ignored.
fn parse_host_conf(text: &[u8]) -> bool {
    let mut multi = false;
    for line in text.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_start();
        let end = line
            .find(|c: char| c.is_ascii_whitespace() || c == '#' || c == ',')
            .unwrap_or(line.len());
        if !line[..end].eq_ignore_ascii_case("multi") {
            continue;
        }
        if let Some(v) = bool_arg(line[end..].trim_start()) {
            multi = v;
        }
    }
    multi
}

/// glibc `arg_bool`: a prefix `on` or `off`, any case.
fn bool_arg(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    if b.len() >= 2 && b[..2].eq_ignore_ascii_case(b"on") {
        Some(true)
    } else if b.len() >= 3 && b[..3].eq_ignore_ascii_case(b"off") {
        Some(false)
    } else {
        None
    }
}

/// The hosts file (glibc `_PATH_HOSTS`).
const HOSTS_PATH: &str = "/etc/hosts";
/// How much of the hosts file we read (as `config::hosts`).
const HOSTS_MAX_BYTES: u64 = 64 << 20;

static HOSTS: FileCache<Hosts> =
    FileCache::new_static(HOSTS_PATH, parse_hosts_glibc, HOSTS_MAX_BYTES);

/// The hosts file as glibc's `files` module reads it: the address with `inet_pton` (IPv4 only
/// as a dotted quad, no IPv6 scope), so lines that only `inet_aton` or a scope would accept are
/// skipped; `#` starts a comment anywhere; names split on blanks.
fn parse_hosts_glibc(text: &[u8]) -> Hosts {
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

/// `/etc/hosts` for the `files` module.
fn hosts() -> std::sync::Arc<Hosts> {
    HOSTS.get()
}

/// `__res_context_hostalias`: for a name without dots, the full name the file named by
/// `HOSTALIASES` gives it (`alias full-name` lines, the alias compared case-insensitively).
fn hostalias(name: &str) -> Option<String> {
    if name.contains('.') {
        return None;
    }
    let file = config::env::var("HOSTALIASES")?;
    let text = std::fs::read(file).ok()?;
    for line in text.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let mut toks = line.split_ascii_whitespace();
        let Some(alias) = toks.next() else {
            continue;
        };
        if alias
            .trim_end_matches('.')
            .eq_ignore_ascii_case(name.trim_end_matches('.'))
        {
            // A matching line without a full name ends the search, as in glibc.
            return toks.next().map(str::to_string);
        }
    }
    None
}

/// Whether the hosts file returns every matching line (`multi on`, or `RESOLV_MULTI`).
fn multi() -> bool {
    if let Some(v) = config::env::var("RESOLV_MULTI") {
        if let Some(b) = bool_arg(&v) {
            return b;
        }
    }
    *HOST_CONF.get()
}

/// What one NSS module said (`enum nss_status` with the `h_errno` it set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nss<T> {
    Success(T),
    NotFound(i32),
    TryAgain(i32),
    Unavail(i32),
}

impl<T> Nss<T> {
    fn h_errno(&self) -> i32 {
        match self {
            Nss::Success(_) => 0,
            Nss::NotFound(h) | Nss::TryAgain(h) | Nss::Unavail(h) => *h,
        }
    }

    fn is_success(&self) -> bool {
        matches!(self, Nss::Success(_))
    }
}

/// A `struct hostent` of one family as an NSS module fills it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostData {
    pub name: String,
    pub aliases: Vec<String>,
    pub addrs: Vec<Address>,
}

// ---------------------------------------------------------------------------------------------
// nss_files

/// The address of a hosts line as `internal_getent` parses it for `af` (`AF_UNSPEC` for
/// `gethostbyname4_r`): for `AF_INET`, IPv6 lines count only as v4-mapped addresses or `::1`
/// (127.0.0.1); for `AF_INET6`, IPv4 lines do not count. Lines with a scope do not parse.
fn files_addr(e: &HostEntry, af: i32) -> Option<Address> {
    if e.scope_id != 0 {
        return None;
    }
    let ip = match (af, e.addr) {
        (libc::AF_INET6, IpAddr::V4(_)) => return None,
        (libc::AF_INET, IpAddr::V6(a)) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                IpAddr::V4(v4)
            } else if a == Ipv6Addr::LOCALHOST {
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            } else {
                return None;
            }
        }
        (_, ip) => ip,
    };
    Some(Address::new(ip))
}

/// `_nss_files_gethostbyname3_r`: the first line naming `name` (any case), and with `multi`
/// the addresses and aliases of every later one (a later line's own name becomes an alias when
/// it differs).
pub fn files3(hosts: &Hosts, name: &str, af: i32, multi: bool) -> Nss<HostData> {
    let mut found: Option<HostData> = None;
    for e in &hosts.entries {
        let Some(addr) = files_addr(e, af) else {
            continue;
        };
        if !e.has_name(name, true) {
            continue;
        }
        match &mut found {
            None => {
                found = Some(HostData {
                    name: e.names[0].clone(),
                    aliases: e.names[1..].to_vec(),
                    addrs: vec![addr],
                });
                if !multi {
                    break;
                }
            }
            Some(h) => {
                h.addrs.push(addr);
                h.aliases.extend(e.names[1..].iter().cloned());
                if e.names[0] != h.name {
                    h.aliases.push(e.names[0].clone());
                }
            }
        }
    }
    match found {
        Some(h) => Nss::Success(h),
        None => Nss::NotFound(herr::HOST_NOT_FOUND),
    }
}

/// `_nss_files_gethostbyname4_r`: the addresses of every matching line (only the first without
/// `multi`), both families, and the first line's name.
fn files4(hosts: &Hosts, name: &str, multi: bool) -> Nss<(Vec<Address>, String)> {
    let mut addrs = Vec::new();
    let mut canon = None;
    for e in &hosts.entries {
        let Some(addr) = files_addr(e, libc::AF_UNSPEC) else {
            continue;
        };
        if !e.has_name(name, true) {
            continue;
        }
        addrs.push(addr);
        canon.get_or_insert_with(|| e.names[0].clone());
        if !multi {
            break;
        }
    }
    match canon {
        Some(c) => Nss::Success((addrs, c)),
        None => Nss::NotFound(herr::HOST_NOT_FOUND),
    }
}

// ---------------------------------------------------------------------------------------------
// nss_dns

/// `res_hnok`: printable ASCII, a valid name in wire form (labels of 1..63 bytes, 255 bytes
/// in all, backslash escapes), and its labels pass `__res_binary_hnok`
/// ([`hnok_labels`]: only `[0-9A-Za-z_-]`, no leading `-`). The `dns` module answers
/// `HOST_NOT_FOUND` for anything else without sending a query.
pub fn res_hnok(name: &str) -> bool {
    // Without escapes (nearly every name): one pass, no allocation.
    if !name.contains('\\') && name != "." {
        let body = name.strip_suffix('.').unwrap_or(name);
        return !body.is_empty()
            && body.len() + 2 <= 255
            && body.split('.').all(|l| (1..=63).contains(&l.len()))
            && hnok_labels(body.split('.').map(str::as_bytes));
    }
    res_hnok_escaped(name)
}

/// [`res_hnok`] through `ns_name_pton`, escapes and all.
fn res_hnok_escaped(name: &str) -> bool {
    if !name.bytes().all(|b| b > b' ' && b <= b'~') {
        return false;
    }
    name_pton(name).is_some_and(|labels| hnok_labels(labels.iter().map(Vec::as_slice)))
}

/// `ns_name_pton` to labels: `\X` and `\DDD` escapes, an optional trailing dot, `"."` is the
/// root. `None` for empty labels, labels over 63 bytes or names over 255 bytes in wire form.
fn name_pton(name: &str) -> Option<Vec<Vec<u8>>> {
    if name == "." {
        return Some(Vec::new());
    }
    let b = name.as_bytes();
    let mut labels = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    let mut ended_with_dot = false;
    while i < b.len() {
        ended_with_dot = false;
        match b[i] {
            b'\\' => {
                let d = &b[i + 1..];
                if d.len() >= 3 && d[..3].iter().all(u8::is_ascii_digit) {
                    let v = u32::from(d[0] - b'0') * 100
                        + u32::from(d[1] - b'0') * 10
                        + u32::from(d[2] - b'0');
                    cur.push(u8::try_from(v).ok()?);
                    i += 4;
                } else {
                    cur.push(*d.first()?);
                    i += 2;
                }
                continue;
            }
            b'.' => {
                if cur.is_empty() {
                    return None;
                }
                labels.push(std::mem::take(&mut cur));
                ended_with_dot = true;
            }
            c => cur.push(c),
        }
        if cur.len() > 63 {
            return None;
        }
        i += 1;
    }
    if !cur.is_empty() {
        labels.push(cur);
    } else if !ended_with_dot {
        return None;
    }
    if labels.iter().any(|l| l.len() > 63) {
        return None;
    }
    let wire: usize = labels.iter().map(|l| l.len() + 1).sum::<usize>() + 1;
    (wire <= 255).then_some(labels)
}

/// One answer as glibc's parsers read it.
struct Parsed {
    /// Whether the query name is a host name (`__res_binary_hnok`): when not, the answer is
    /// NOTFOUND with HOST_NOT_FOUND.
    qname_ok: bool,
    /// `h_name`: the last of the query name and the chain's CNAME targets that is a host name
    /// (`getanswer_r` keeps the names that are, in order, and takes the last;
    /// `gaih_getanswer_slice` the last such target before the first address).
    canonical: String,
    /// `h_aliases`: the names before it that are host names, in order.
    aliases: Vec<String>,
    addrs: Vec<IpAddr>,
}

fn parse_answer(msg: &Message, qname: &str, t: u16) -> Parsed {
    let c = wire::collect_addresses(msg, qname, t);
    let qname = wire::as_given(qname);
    let qname_ok = res_hnok(qname);
    let mut names: Vec<String> = Vec::new();
    if qname_ok {
        names.push(qname.to_string());
    }
    // Every target on the chain is followed; only host names are kept (issue 10: names
    // from the network go through the libc's check). glibc's text of such a name is ASCII.
    names.extend(c.chain.targets().filter_map(|t| {
        let n = super::name::network_name(&t, Semantics::Glibc, Taken::Canonical)?;
        String::from_utf8(n).ok()
    }));
    let canonical = names.pop().unwrap_or_else(|| qname.to_string());
    Parsed {
        qname_ok,
        canonical,
        aliases: names,
        addrs: c.addrs.into_vec(),
    }
}

/// What `res_query` and `res_search` give: the responses, or the `h_errno` glibc sets. The
/// outer error is a failure the shim reports as it is in both builds (every server broken:
/// `EAI_FAIL`; a system error), see docs/compat.md.
type Searched<T> = Result<std::result::Result<T, i32>>;

/// `res_query` for one name and one or two types (`T_QUERY_A_AND_AAAA`): the responses when
/// one of them has an answer, else the `h_errno` glibc sets.
fn res_query(
    dns: &mut dyn Ask,
    conf: &ResolvConf,
    fqdn: &str,
    types: &[u16],
) -> Searched<Vec<Response>> {
    // `options no-aaaa` (`__res_handle_no_aaaa`): an AAAA question alone is asked as A, and
    // its answer is reported without records: NODATA, or NXDOMAIN as it came.
    let no_aaaa = conf.no_aaaa && types == [rtype::AAAA];
    let questions: Vec<Question> = types
        .iter()
        .map(|t| Question {
            name: fqdn,
            qtype: if no_aaaa { rtype::A } else { *t },
        })
        .collect();
    let answered = |r: &Response| r.rcode == wire::rcode::NOERROR && r.message.answer_count() > 0;
    let results = dns.ask(&questions);
    // send_dg: when one of the two questions got an answer and the other timed out (servers
    // and firewalls that drop AAAA queries), glibc retries one question at a time and then
    // returns the answer it has, the other as an unusable 1-byte reply. Here the missing one
    // becomes an answer without records, so the addresses of the other are used.
    let stand_in = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .find(|r| answered(r))
        .map(|r| {
            let mut r = r.clone();
            r.message.clear_answers();
            r.rcode = wire::rcode::SERVFAIL;
            r
        });
    let mut out = Vec::with_capacity(types.len());
    for r in results {
        match r {
            Ok(mut resp) => {
                if no_aaaa {
                    resp.message.clear_answers();
                }
                out.push(resp)
            }
            Err(Error::TryAgain) if stand_in.is_some() => out.extend(stand_in.clone()),
            Err(Error::TryAgain) => return Ok(Err(herr::TRY_AGAIN)),
            Err(Error::NotFound) => return Ok(Err(herr::HOST_NOT_FOUND)),
            Err(e) => return Err(e),
        }
    }
    if out.iter().any(answered) {
        return Ok(Ok(out));
    }
    let (Some(first), Some(second)) = (out.first(), out.last()) else {
        return Err(Error::Fail);
    };
    let rcode = if first.rcode == wire::rcode::NOERROR {
        second.rcode
    } else {
        first.rcode
    };
    Ok(Err(match rcode {
        wire::rcode::NXDOMAIN => herr::HOST_NOT_FOUND,
        wire::rcode::SERVFAIL => herr::TRY_AGAIN,
        wire::rcode::NOERROR => herr::NO_DATA,
        _ => herr::NO_RECOVERY,
    }))
}

/// `res_search`: the name as given first when it has `ndots` dots (or a trailing dot, then
/// only it), then each search domain, then the name as given if not tried yet. The `h_errno`
/// of a failure is the first try's when the name was tried as given first, else NO_DATA if any
/// domain had the name without data, else that of the last query. On success, also what it
/// leaves in the thread's `h_errno`: `HOST_NOT_FOUND` (set before the first query) or the
/// `h_errno` of the last query that failed before the one that answered.
fn res_search(
    dns: &mut dyn Ask,
    conf: &ResolvConf,
    name: &str,
    types: &[u16],
) -> Searched<(Vec<Response>, String, i32)> {
    let dots = name.bytes().filter(|&b| b == b'.').count() as u32;
    let trailing_dot = name.ends_with('.');
    // "." is the root: glibc strips the dot and asks for the empty name, which is the root.
    let base = match name.strip_suffix('.') {
        Some("") => ".",
        Some(b) => b,
        None => name,
    };
    let mut saved = None;
    let mut last = herr::HOST_NOT_FOUND;
    let mut tried_as_is = false;
    if dots >= conf.ndots || trailing_dot {
        match res_query(dns, conf, base, types)? {
            Ok(r) => return Ok(Ok((r, base.to_string(), last))),
            Err(h) if trailing_dot => return Ok(Err(h)),
            Err(h) => {
                saved = Some(h);
                last = h;
                tried_as_is = true;
            }
        }
    }
    let mut searched = false;
    let mut got_nodata = false;
    for d in &conf.search {
        searched = true;
        let d = d.strip_prefix('.').unwrap_or(d);
        let fqdn = if d.is_empty() {
            if tried_as_is {
                continue;
            }
            base.to_string()
        } else {
            format!("{base}.{d}")
        };
        match res_query(dns, conf, &fqdn, types)? {
            Ok(r) => return Ok(Ok((r, fqdn, last))),
            Err(h) => {
                last = h;
                match h {
                    herr::NO_DATA => got_nodata = true,
                    herr::HOST_NOT_FOUND => {}
                    _ => break,
                }
            }
        }
    }
    let root_on_list = conf
        .search
        .iter()
        .any(|d| d.trim_start_matches('.').is_empty());
    // glibc: `(dots || !searched || !RES_NOTLDQUERY) && !(tried_as_is || root_on_list)`.
    let no_tld = dots == 0 && searched && conf.no_tld_query;
    if !(tried_as_is || root_on_list || no_tld) {
        match res_query(dns, conf, base, types)? {
            Ok(r) => return Ok(Ok((r, base.to_string(), last))),
            Err(h) => last = h,
        }
    }
    Ok(Err(match saved {
        Some(h) => h,
        None if got_nodata => herr::NO_DATA,
        None => last,
    }))
}

/// [`res_search`] through the nameservers of `conf` (the answer cache and the parallel walk as
/// `conf` turns them on: [`super::ask`]).
fn dns_search(
    conf: &ResolvConf,
    name: &str,
    types: &[u16],
) -> Searched<(Vec<Response>, String, i32)> {
    let policy = super::policy(conf, Semantics::Glibc);
    let mut servers = Servers::new(conf, &policy);
    ask::search(conf, &mut servers, |dns| res_search(dns, conf, name, types))
}

/// `res_search` failed with `h`: the module's status (`TRY_AGAIN` comes from a timeout or
/// SERVFAIL, which glibc reports as UNAVAIL and TRYAGAIN; both read the same to callers).
fn search_failure<T>(h: i32) -> Nss<T> {
    match h {
        herr::TRY_AGAIN => Nss::TryAgain(h),
        _ => Nss::NotFound(h),
    }
}

/// What glibc's `gethostbyname2_r` and `gethostbyaddr_r` return and write besides the entry
/// (`nss/getXXbyYY_r.c` over the `files` and `dns` modules and the resolver, as Debian 12's
/// 2.36 behaves): the value returned, what `*h_errnop` holds after the call, and what the
/// resolver wrote to the thread's `h_errno` on the way (`None`: not written). A buffer too
/// small is the caller's (`ERANGE`, `NETDB_INTERNAL`, the thread's `h_errno` not written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errnos {
    pub ret: i32,
    pub h_errnop: Option<i32>,
    pub h_errno: Option<i32>,
}

impl Errnos {
    /// A module's end without any resolver query: `ret`, `*h_errnop = h`.
    fn module(ret: i32, h: i32) -> Errnos {
        Errnos {
            ret,
            h_errnop: Some(h),
            h_errno: None,
        }
    }

    /// A query that failed with `h`, as `res_query`/`res_search` set it in the thread and the
    /// `dns` module copies it to `*h_errnop`; `ret` is what the function then returns.
    fn query_failed(ret: i32, h: i32) -> Errnos {
        Errnos {
            ret,
            h_errnop: Some(h),
            h_errno: Some(h),
        }
    }

    /// For a failure the shim reports as it is in both builds (see [`Searched`]): every server
    /// broken is the resolver's NO_RECOVERY (`FORMERR`); a system error NETDB_INTERNAL and its
    /// errno (`EMFILE`); out of memory NETDB_INTERNAL and `ENOMEM`.
    pub fn of_error(e: Error) -> Errnos {
        match e {
            // Out of memory: NETDB_INTERNAL and ENOMEM, the thread's h_errno not written
            // (nss_dns's malloc failures).
            Error::Memory => Errnos::module(libc::ENOMEM, herr::NETDB_INTERNAL),
            Error::System(errno) => Errnos::query_failed(errno, herr::NETDB_INTERNAL),
            Error::TryAgain => Errnos::query_failed(libc::EAGAIN, herr::TRY_AGAIN),
            Error::NotFound => Errnos::query_failed(0, herr::HOST_NOT_FOUND),
            Error::NoData => Errnos::query_failed(0, herr::NO_DATA),
            _ => Errnos::query_failed(0, herr::NO_RECOVERY),
        }
    }
}

/// `_nss_dns_gethostbyname3_r` (glibc 2.36 as released by distributions, with the rewritten
/// `getanswer_r`): `h_name` is the end of the CNAME chain, `h_aliases` the names before it; an
/// answer without an address is TRYAGAIN with NO_RECOVERY, CNAME or not. A failed search
/// returns EAGAIN for TRY_AGAIN and 0 otherwise; the search leaves its `h_errno` in the thread.
pub fn dns3(conf: &ResolvConf, name: &str, af: i32) -> Result<(Nss<HostData>, Errnos)> {
    if !res_hnok(name) {
        let h = herr::HOST_NOT_FOUND;
        return Ok((Nss::NotFound(h), Errnos::module(0, h)));
    }
    let alias = hostalias(name);
    let name = alias.as_deref().unwrap_or(name);
    let t = if af == libc::AF_INET6 {
        rtype::AAAA
    } else {
        rtype::A
    };
    let (resps, fqdn, thread) = match dns_search(conf, name, &[t])? {
        Ok(r) => r,
        Err(h) => {
            let ret = if h == herr::TRY_AGAIN {
                libc::EAGAIN
            } else {
                0
            };
            return Ok((search_failure(h), Errnos::query_failed(ret, h)));
        }
    };
    let Some(resp) = resps.first() else {
        return Err(Error::Fail);
    };
    let answered = |status: Nss<HostData>, ret: i32, h: i32| {
        let errnos = Errnos {
            ret,
            h_errnop: Some(h),
            h_errno: Some(thread),
        };
        Ok((status, errnos))
    };
    let mut p = parse_answer(&resp.message, &fqdn, t);
    if !p.qname_ok {
        let h = herr::HOST_NOT_FOUND;
        return answered(Nss::NotFound(h), 0, h);
    }
    if p.addrs.is_empty() {
        let h = herr::NO_RECOVERY;
        return answered(Nss::TryAgain(h), libc::EAGAIN, h);
    }
    if t == rtype::A && p.addrs.len() > 1 {
        sortlist(conf, &mut p.addrs);
    }
    let found = HostData {
        name: p.canonical,
        aliases: p.aliases,
        addrs: p.addrs.into_iter().map(Address::new).collect(),
    };
    answered(Nss::Success(found), 0, NETDB_SUCCESS)
}

/// `h_errno` of a lookup that found its answer (netdb.h `NETDB_SUCCESS`).
const NETDB_SUCCESS: i32 = 0;

/// `getanswer_r`'s `addrsort`: IPv4 answers ordered by resolv.conf's `sortlist`.
fn sortlist(conf: &ResolvConf, addrs: &mut [IpAddr]) {
    let list: Vec<(Ipv4Addr, Ipv4Addr)> = conf
        .sortlist
        .iter()
        .filter_map(|e| match e {
            (IpAddr::V4(a), IpAddr::V4(m)) => Some((*a, *m)),
            _ => None,
        })
        .collect();
    if list.is_empty() {
        return;
    }
    let mut v4: Vec<Ipv4Addr> = addrs
        .iter()
        .filter_map(|a| match a {
            IpAddr::V4(v) => Some(*v),
            IpAddr::V6(_) => None,
        })
        .collect();
    if v4.len() == addrs.len() {
        super::hostent::addrsort(&mut v4, &list);
        for (dst, a) in addrs.iter_mut().zip(v4) {
            *dst = IpAddr::V4(a);
        }
    }
}

/// `_nss_dns_gethostbyname4_r`: A and AAAA together, the A answer's addresses first; the
/// canonical name of the first answer that has an address. An answer without addresses is
/// NOTFOUND (HOST_NOT_FOUND).
fn dns4(conf: &ResolvConf, name: &str) -> Result<Nss<(Vec<Address>, String)>> {
    if !res_hnok(name) {
        return Ok(Nss::NotFound(herr::HOST_NOT_FOUND));
    }
    let alias = hostalias(name);
    let name = alias.as_deref().unwrap_or(name);
    let types: &[u16] = if conf.no_aaaa {
        &[rtype::A]
    } else {
        &[rtype::A, rtype::AAAA]
    };
    let (resps, fqdn, _) = match dns_search(conf, name, types)? {
        Ok(r) => r,
        Err(h) => return Ok(search_failure(h)),
    };
    let mut addrs = Vec::new();
    let mut canon = None;
    for (r, t) in resps.iter().zip(types) {
        // gaih_getanswer_slice, for each answer; gaih_getanswer: success if either has an
        // address, else NOTFOUND.
        let p = parse_answer(&r.message, &fqdn, *t);
        if p.qname_ok && !p.addrs.is_empty() {
            canon.get_or_insert(p.canonical);
            addrs.extend(p.addrs.into_iter().map(Address::new));
        }
    }
    Ok(match canon {
        Some(c) => Nss::Success((addrs, c)),
        None => Nss::NotFound(herr::HOST_NOT_FOUND),
    })
}

// ---------------------------------------------------------------------------------------------
// gethostbyname2

/// `__nss_hostname_digits_dots` for `af`: `Some` when `name` is handled as an address literal
/// (successfully or not), `None` when the NSS modules are to be asked.
fn digits_dots(name: &str, af: i32) -> Option<Nss<HostData>> {
    let b = name.as_bytes();
    let first = *b.first()?;
    let not_found = || Some(Nss::NotFound(herr::HOST_NOT_FOUND));
    let literal = |ip: IpAddr| {
        Some(Nss::Success(HostData {
            name: name.to_string(),
            aliases: Vec::new(),
            addrs: vec![Address::new(ip)],
        }))
    };
    if !(first.is_ascii_hexdigit() || first == b':') {
        return None;
    }
    if first.is_ascii_digit()
        && b.iter().all(|c| c.is_ascii_digit() || *c == b'.')
        && !name.ends_with('.')
    {
        return match af {
            libc::AF_INET6 => match inet_pton6(name) {
                Some(a) => literal(IpAddr::V6(a)),
                None => not_found(),
            },
            _ => match inet_aton(name) {
                Some(a) => literal(IpAddr::V4(a)),
                None => not_found(),
            },
        };
    }
    if (first.is_ascii_hexdigit() && name.contains(':')) || first == b':' {
        if af != libc::AF_INET6 {
            return not_found();
        }
        if b.iter()
            .all(|c| c.is_ascii_hexdigit() || *c == b':' || *c == b'.')
            && !name.ends_with('.')
        {
            return match inet_pton6(name) {
                Some(a) => literal(IpAddr::V6(a)),
                None => not_found(),
            };
        }
    }
    None
}

/// `gethostbyname2_r(name, af)` as glibc runs it: digits and dots, then `files`, then `dns`;
/// the status and `h_errno` of the last module asked, and what the call returns and writes.
pub fn gethostbyname2_nss(name: &str, af: i32) -> Result<(Nss<HostData>, Errnos)> {
    if let Some(r) = digits_dots(name, af) {
        let h = r.h_errno();
        return Ok((r, Errnos::module(0, h)));
    }
    if af != libc::AF_INET && af != libc::AF_INET6 {
        // files: no line parses for another family; dns: UNAVAIL, NO_DATA, EAFNOSUPPORT.
        let h = herr::NO_DATA;
        return Ok((Nss::Unavail(h), Errnos::module(libc::EAFNOSUPPORT, h)));
    }
    match files3(&hosts(), name, af, multi()) {
        // The files module found it and leaves HOST_NOT_FOUND in *h_errnop.
        Nss::Success(h) => Ok((Nss::Success(h), Errnos::module(0, herr::HOST_NOT_FOUND))),
        _ => dns3(&config::resolv_conf(), name, af),
    }
}

/// `gethostbyname2` in glibc's terms, as a [`HostEnt`]; failures as [`Error`]s whose `h_errno`
/// is glibc's: `NotFound` (HOST_NOT_FOUND), `NoData` (NO_DATA), `TryAgain` (TRY_AGAIN), `Fail`
/// (NO_RECOVERY: an answer without an address), `BadFamily` (an unsupported family); with
/// what glibc's `gethostbyname2_r` returns and writes.
pub fn gethostbyname2(name: &str, af: i32) -> (Result<HostEnt>, Errnos) {
    let (status, errnos) = match gethostbyname2_nss(name, af) {
        Ok(r) => r,
        Err(e) => return (Err(e), Errnos::of_error(e)),
    };
    let found = match status {
        Nss::Success(h) => Ok(HostEnt {
            name: h.name.into_bytes(),
            aliases: h.aliases.into_iter().map(String::into_bytes).collect(),
            addrtype: af,
            addrs: h.addrs.into_iter().map(|a| a.ip).collect(),
        }),
        Nss::Unavail(herr::NO_DATA) => Err(Error::BadFamily),
        other => Err(match other.h_errno() {
            herr::NO_DATA => Error::NoData,
            herr::TRY_AGAIN => Error::TryAgain,
            herr::NO_RECOVERY => Error::Fail,
            _ => Error::NotFound,
        }),
    };
    (found, errnos)
}

// ---------------------------------------------------------------------------------------------
// getaddrinfo

/// `struct gaih_result`.
#[derive(Debug, Default)]
struct GaihResult {
    at: Vec<Address>,
    canon: Option<String>,
    got_ipv6: bool,
}

/// `getaddrinfo(host, serv, hints)` as glibc 2.36 answers it.
pub fn getaddrinfo(
    host: Option<&str>,
    serv: Option<&str>,
    hints: Option<Hints>,
) -> Result<AddrInfo> {
    let host = host.filter(|h| *h != "*");
    let serv = serv.filter(|s| *s != "*");
    if host.is_none() && serv.is_none() {
        return Err(Error::NotFound);
    }
    let mut h = hints.unwrap_or(Hints {
        flags: AI_DEFAULT,
        family: libc::AF_UNSPEC,
        socktype: 0,
        protocol: 0,
    });
    if h.flags & !known_ai_flags(super::PROGRAM_LIBC) != 0 {
        return Err(Error::BadFlags);
    }
    if h.flags & ai::CANONNAME != 0 && host.is_none() {
        return Err(Error::BadFlags);
    }
    if ![libc::AF_UNSPEC, libc::AF_INET, libc::AF_INET6].contains(&h.family) {
        return Err(Error::BadFamily);
    }
    if h.flags & ai::ADDRCONFIG != 0 {
        let (v4, v6) = match super::netlink::check_pf() {
            Some(i) => (i.seen_ipv4, i.seen_ipv6),
            None => (true, true),
        };
        if h.family == libc::AF_UNSPEC && (v4 || v6) {
            if v4 != v6 {
                h.family = if v4 { libc::AF_INET } else { libc::AF_INET6 };
            }
        } else if (h.family == libc::AF_INET && !v4) || (h.family == libc::AF_INET6 && !v6) {
            return Err(Error::NotFound);
        }
    }
    let service = glibc_service(serv, h.flags)?;

    let st = glibc_servtuples(service, h.socktype, h.protocol, &config::services)?;
    let res = gaih_inet(host, &h)?;

    // generate_addrinfo: v4-mapped results go when IPv6 ones were found, unless AI_ALL.
    let mut at: Vec<Address> = res
        .at
        .into_iter()
        .filter(|a| {
            !(res.got_ipv6
                && h.flags & (ai::V4MAPPED | ai::ALL) == ai::V4MAPPED
                && matches!(a.ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some()))
        })
        .collect();
    if at.len() > 1 {
        super::glibc_sort::sort(&mut at);
    }
    let entries = super::addrinfo::Entries::product(at.into(), &st);
    if entries.is_empty() {
        return Err(Error::NotFound);
    }
    Ok(AddrInfo {
        entries,
        canon: res.canon.map(String::into_bytes),
        canon_on_all: false,
        flags: h.flags,
    })
}

/// `gaih_inet` from the NULL host to `process_canonname`.
fn gaih_inet(name: Option<&str>, req: &Hints) -> Result<GaihResult> {
    let Some(name) = name else {
        return Ok(GaihResult {
            at: local_addresses(req),
            ..GaihResult::default()
        });
    };
    let mut res = match text_to_binary(name, req)? {
        Some(r) => r,
        None => match try_simple_gethostbyname(name, req)? {
            Some(r) => r,
            None => get_nss_addresses(name, req)?.ok_or(Error::NotFound)?,
        },
    };
    if req.flags & ai::CANONNAME != 0 && res.canon.is_none() {
        res.canon = Some(name.to_string());
    }
    Ok(res)
}

/// `get_local_addresses`: IPv6 first, then IPv4; loopback, or the wildcard with `AI_PASSIVE`.
fn local_addresses(req: &Hints) -> Vec<Address> {
    let passive = req.flags & ai::PASSIVE != 0;
    let mut v = Vec::with_capacity(2);
    if req.family != libc::AF_INET {
        let a = if passive {
            Ipv6Addr::UNSPECIFIED
        } else {
            Ipv6Addr::LOCALHOST
        };
        v.push(Address::new(IpAddr::V6(a)));
    }
    if req.family != libc::AF_INET6 {
        let a = if passive {
            Ipv4Addr::UNSPECIFIED
        } else {
            Ipv4Addr::LOCALHOST
        };
        v.push(Address::new(IpAddr::V4(a)));
    }
    v
}

/// `text_to_binary_address`: a numeric host (`inet_aton` forms, IPv6 with a `%scope`).
/// `Ok(None)` when `name` is not numeric; `EAI_ADDRFAMILY` for an address of a family not
/// asked for (v4-mapped addresses convert both ways where glibc converts them).
fn text_to_binary(name: &str, req: &Hints) -> Result<Option<GaihResult>> {
    let canon = (req.flags & ai::CANONNAME != 0).then(|| name.to_string());
    let one = |ip: IpAddr, scope_id: u32| GaihResult {
        at: vec![Address { ip, scope_id }],
        canon: canon.clone(),
        got_ipv6: false,
    };
    if let Some(a) = inet_aton(name) {
        return match req.family {
            libc::AF_UNSPEC | libc::AF_INET => Ok(Some(one(IpAddr::V4(a), 0))),
            libc::AF_INET6 if req.flags & ai::V4MAPPED != 0 => {
                Ok(Some(one(IpAddr::V6(a.to_ipv6_mapped()), 0)))
            }
            _ => Err(Error::AddrFamily),
        };
    }
    let (addr, scope) = match name.find('%') {
        Some(i) => (&name[..i], Some(&name[i + 1..])),
        None => (name, None),
    };
    if let Some(a) = inet_pton6(addr) {
        let ip = match req.family {
            libc::AF_UNSPEC | libc::AF_INET6 => IpAddr::V6(a),
            libc::AF_INET if a.to_ipv4_mapped().is_some() => {
                IpAddr::V4(a.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED))
            }
            _ => return Err(Error::AddrFamily),
        };
        let scope_id = match scope {
            None => 0,
            Some(s) => scopeid_pton(&a, s).ok_or(Error::NotFound)?,
        };
        return Ok(Some(one(ip, scope_id)));
    }
    if req.flags & ai::NUMERICHOST != 0 {
        return Err(Error::NotFound);
    }
    Ok(None)
}

/// `__inet6_scopeid_pton`: an interface name for link-local and node/link-local multicast
/// addresses, else (or when no such interface) a decimal number up to `u32::MAX`.
fn scopeid_pton(a: &Ipv6Addr, scope: &str) -> Option<u32> {
    let o = a.octets();
    let link_local = o[0] == 0xfe && o[1] & 0xc0 == 0x80;
    let mc_local = o[0] == 0xff && (o[1] & 0xf == 1 || o[1] & 0xf == 2);
    if link_local || mc_local {
        if let Ok(c) = std::ffi::CString::new(scope) {
            // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
            let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
            if i != 0 {
                return Some(i);
            }
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

/// `try_simple_gethostbyname`: `AF_INET` without `AI_CANONNAME` asks `gethostbyname2_r`.
fn try_simple_gethostbyname(name: &str, req: &Hints) -> Result<Option<GaihResult>> {
    if req.family != libc::AF_INET || req.flags & ai::CANONNAME != 0 {
        return Ok(None);
    }
    match gethostbyname2_nss(name, libc::AF_INET)?.0 {
        Nss::Success(h) => Ok(Some(GaihResult {
            at: h.addrs,
            canon: None,
            got_ipv6: false,
        })),
        // gethostbyname2_r returns 0 for NOTFOUND, an error number otherwise.
        Nss::NotFound(herr::NO_DATA) => Err(Error::NoData),
        Nss::NotFound(_) => Err(Error::NotFound),
        other => Err(match other.h_errno() {
            herr::NETDB_INTERNAL => Error::System(libc::EAGAIN),
            herr::TRY_AGAIN => Error::TryAgain,
            _ => Error::NoData,
        }),
    }
}

/// Which NSS module.
#[derive(Clone, Copy)]
enum Module {
    Files,
    Dns,
}

/// `gethosts`: one family from one module into `res`; the status and glibc's `no_data`
/// (1 for NO_DATA, `EAI_AGAIN` for TRY_AGAIN, else 0).
fn gethosts(
    module: Module,
    name: &str,
    af: i32,
    req: &Hints,
    res: &mut GaihResult,
) -> Result<(Nss<()>, i32)> {
    let r = match module {
        Module::Files => files3(&hosts(), name, af, multi()),
        Module::Dns => dns3(&config::resolv_conf(), name, af)?.0,
    };
    match r {
        Nss::Success(h) => {
            if !h.addrs.is_empty() {
                res.got_ipv6 = af == libc::AF_INET6;
            }
            for a in h.addrs {
                let ip = match a.ip {
                    IpAddr::V4(v4) if req.family == libc::AF_INET6 => {
                        IpAddr::V6(v4.to_ipv6_mapped())
                    }
                    ip => ip,
                };
                res.at.push(Address { ip, ..a });
            }
            // Only gethostbyname3_r (asked with AI_CANONNAME) reports the canonical name.
            if req.flags & ai::CANONNAME != 0 && res.canon.is_none() {
                res.canon = Some(h.name);
            }
            Ok((Nss::Success(()), 0))
        }
        other => {
            let h = other.h_errno();
            if h == herr::NETDB_INTERNAL {
                return Err(Error::System(libc::EAGAIN));
            }
            let no_data = match h {
                herr::TRY_AGAIN => EAI_AGAIN_MARK,
                herr::NO_DATA => 1,
                _ => 0,
            };
            let st = match other {
                Nss::TryAgain(h) => Nss::TryAgain(h),
                Nss::Unavail(h) => Nss::Unavail(h),
                _ => Nss::NotFound(h),
            };
            Ok((st, no_data))
        }
    }
}

/// glibc stores `EAI_AGAIN` (a negative number) in `no_data`; any value other than 0 and 1.
const EAI_AGAIN_MARK: i32 = -3;

/// `get_nss_addresses` with `hosts: files dns`. `Ok(None)`: no module found the name.
fn get_nss_addresses(name: &str, req: &Hints) -> Result<Option<GaihResult>> {
    let mut no_data = 0;
    let mut no_inet6_data = 0;
    let mut status: Nss<()> = Nss::Unavail(0);
    let mut res = GaihResult::default();
    for module in [Module::Files, Module::Dns] {
        res = GaihResult::default();
        no_data = 0;
        if req.family == libc::AF_UNSPEC {
            let r = match module {
                Module::Files => files4(&hosts(), name, multi()),
                Module::Dns => dns4(&config::resolv_conf(), name)?,
            };
            match r {
                Nss::Success((at, canon)) => {
                    if req.flags & ai::CANONNAME != 0 {
                        res.canon = Some(canon);
                    }
                    no_data = i32::from(at.is_empty());
                    res.at = at;
                    status = Nss::Success(());
                }
                other => {
                    let h = other.h_errno();
                    no_data = match h {
                        herr::TRY_AGAIN => EAI_AGAIN_MARK,
                        herr::NO_DATA => 1,
                        _ => 0,
                    };
                    status = match other {
                        Nss::TryAgain(h) => Nss::TryAgain(h),
                        Nss::Unavail(h) => Nss::Unavail(h),
                        _ => Nss::NotFound(h),
                    };
                }
            }
            no_inet6_data = no_data;
        } else {
            let mut inet6_status: Nss<()> = Nss::Unavail(0);
            if req.family == libc::AF_INET6 {
                let (s, nd) = gethosts(module, name, libc::AF_INET6, req, &mut res)?;
                no_data = nd;
                no_inet6_data = nd;
                inet6_status = s.clone();
                status = s;
            }
            let v4 = req.family == libc::AF_INET
                || (req.family == libc::AF_INET6
                    && req.flags & ai::V4MAPPED != 0
                    && (req.flags & ai::ALL != 0 || !res.got_ipv6));
            if v4 {
                let (s, nd) = gethosts(module, name, libc::AF_INET, req, &mut res)?;
                no_data = nd;
                status = s;
                if req.family == libc::AF_INET {
                    no_inet6_data = no_data;
                    inet6_status = status.clone();
                }
            }
            if inet6_status.is_success() || status.is_success() {
                if req.flags & ai::CANONNAME != 0 && res.canon.is_none() {
                    res.canon = Some(name.to_string());
                }
                status = Nss::Success(());
            } else if matches!(inet6_status, Nss::TryAgain(_))
                || (matches!(status, Nss::Unavail(_)) && !matches!(inet6_status, Nss::Unavail(_)))
            {
                // Of two failures, TRYAGAIN for IPv6 wins, and anything wins over UNAVAIL.
                status = inet6_status;
            }
        }
        if status.is_success() {
            break;
        }
    }
    if matches!(status, Nss::TryAgain(_) | Nss::Unavail(_))
        && status.h_errno() == herr::NETDB_INTERNAL
    {
        return Err(Error::System(libc::EAGAIN));
    }
    if no_data != 0 && no_inet6_data != 0 {
        return Err(
            if no_data == EAI_AGAIN_MARK && no_inet6_data == EAI_AGAIN_MARK {
                Error::TryAgain
            } else {
                Error::NoData
            },
        );
    }
    Ok(status.is_success().then_some(res))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_conf() {
        assert!(parse_host_conf(b"multi on\n"));
        assert!(parse_host_conf(b"# c\n  MULTI On # x\n"));
        assert!(!parse_host_conf(b"multi on\nmulti off\n"));
        assert!(!parse_host_conf(b"multiple on\n"));
        assert!(!parse_host_conf(b""));
        assert!(parse_host_conf(b"order hosts,bind\nmulti on\n"));
    }

    #[test]
    fn hnok() {
        // The one-pass check agrees with the full one on names without escapes.
        let mut seed = 7u32;
        let alphabet = b"ab-_.9Z \x7f\xc3";
        for n in 0..20_000u32 {
            let len = (n % 70) as usize;
            let s: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    alphabet[(seed >> 16) as usize % alphabet.len()]
                })
                .collect();
            let s = String::from_utf8_lossy(&s);
            assert_eq!(res_hnok(&s), res_hnok_escaped(&s), "{s:?}");
        }
        for s in [
            "",
            ".",
            "a.",
            "a..",
            ".a",
            "-a",
            "a-",
            &"a".repeat(63),
            &"a".repeat(64),
        ] {
            assert_eq!(res_hnok(s), res_hnok_escaped(s), "{s:?}");
        }
        let long = vec!["a".repeat(63); 4].join(".");
        assert_eq!(res_hnok(&long), res_hnok_escaped(&long));
        assert_eq!(res_hnok(&long[2..]), res_hnok_escaped(&long[2..]));
        assert!(res_hnok("one.test"));
        assert!(res_hnok("one.test."));
        assert!(res_hnok("_srv.x-y.test"));
        assert!(!res_hnok("-x.test"));
        assert!(!res_hnok("a b.test"));
        assert!(!res_hnok("a..b"));
        assert!(!res_hnok("a!b"));
        assert!(!res_hnok(""));
        assert!(res_hnok(&"a".repeat(63)));
        assert!(!res_hnok(&"a".repeat(64)));
        // 253 characters are 255 bytes in wire form; 254 are too many.
        let l63 = "a".repeat(63);
        let n253 = format!("{l63}.{l63}.{l63}.{}", "b".repeat(61));
        assert_eq!(n253.len(), 253);
        assert!(res_hnok(&n253));
        assert!(res_hnok(&format!("{n253}.")));
        assert!(!res_hnok(&format!("{n253}b")));
        // Escapes: \046 is '.', not allowed in a host name label.
        assert!(!res_hnok("a\\046b.test"));
        assert!(res_hnok("a\\098.test"));
    }

    #[test]
    fn files_rules() {
        let h = Hosts::parse(
            b"127.0.0.1 localhost\n::1 localhost ip6-localhost\n10.0.0.3 two first\n\
              10.0.0.4 Two second\n::ffff:10.0.0.5 mapped\n2001:db8::1 six\n",
        );
        let Nss::Success(l) = files3(&h, "localhost", libc::AF_INET, true) else {
            panic!()
        };
        assert_eq!(l.addrs.len(), 2);
        assert!(l
            .addrs
            .iter()
            .all(|a| a.ip == IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!(l.aliases, ["ip6-localhost"]);
        let Nss::Success(t) = files3(&h, "TWO", libc::AF_INET, true) else {
            panic!()
        };
        assert_eq!(t.name, "two");
        assert_eq!(t.aliases, ["first", "second", "Two"]);
        let Nss::Success(t) = files3(&h, "two", libc::AF_INET, false) else {
            panic!()
        };
        assert_eq!(t.aliases, ["first"]);
        assert!(files3(&h, "mapped", libc::AF_INET, true).is_success());
        assert!(files3(&h, "six", libc::AF_INET, true) == Nss::NotFound(herr::HOST_NOT_FOUND));
        assert!(files3(&h, "two", libc::AF_INET6, true) == Nss::NotFound(herr::HOST_NOT_FOUND));
        let Nss::Success((a, c)) = files4(&h, "localhost", true) else {
            panic!()
        };
        assert_eq!(c, "localhost");
        assert_eq!(a.len(), 2);
        assert!(a[1].ip.is_ipv6());
    }

    #[test]
    fn digits_and_dots() {
        let ok = |n: &str, af| matches!(digits_dots(n, af), Some(Nss::Success(_)));
        let nf = |n: &str, af| digits_dots(n, af) == Some(Nss::NotFound(herr::HOST_NOT_FOUND));
        assert!(ok("127.1", libc::AF_INET));
        assert!(nf("127.0.0.1", libc::AF_INET6));
        assert!(nf("1.2.3.4.5", libc::AF_INET));
        assert!(digits_dots("1.2.3.4.", libc::AF_INET).is_none());
        assert!(nf("::1", libc::AF_INET));
        assert!(ok("::1", libc::AF_INET6));
        assert!(digits_dots("fe80::1%1", libc::AF_INET6).is_none());
        assert!(digits_dots("one.test", libc::AF_INET).is_none());
        assert!(digits_dots("dead.test", libc::AF_INET).is_none());
    }
}
