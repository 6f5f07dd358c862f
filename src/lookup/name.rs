//! One name to its addresses: NULL name, numeric host, hosts file, DNS with the search list.
//! The flow is musl's `__lookup_name`; the glibc differences are marked where they branch.

use super::ask::{self, Ask, Servers};
use super::{ai, Address, Family, Names, Semantics};
use crate::config::{self, Hosts, ResolvConf};
use crate::numeric::{parse_literal, Literal};
use crate::transport::Question;
use crate::wire::{self, rtype, Response};
use crate::{Error, Result};
use smallvec::SmallVec;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest name accepted (musl: `strnlen(name, 255) - 1 >= 254` rejects 255 and more).
pub const MAX_HOST_LEN: usize = 254;

/// DNS response codes used here.
const RCODE_NXDOMAIN: u16 = 3;

/// Resolve `name` (`None`: the loopback or wildcard address) to addresses of `family`.
/// `flags` are `AI_*` flags; only PASSIVE, NUMERICHOST, V4MAPPED and ALL matter here.
/// The addresses come in answer order: callers sort them ([`super::sort`]) where the libc does.
pub fn lookup_name(
    name: Option<&str>,
    family: Family,
    flags: i32,
    sem: Semantics,
) -> Result<Names> {
    let mut family = family;
    let mut flags = flags;
    if let Some(n) = name {
        if n.is_empty() || n.len() > MAX_HOST_LEN {
            return Err(Error::NotFound);
        }
    }
    // A v6 request with AI_V4MAPPED is an unspecified-family request, filtered afterwards.
    if flags & ai::V4MAPPED != 0 {
        if family == Family::Inet6 {
            family = Family::Unspec;
        } else {
            flags &= !ai::V4MAPPED;
        }
    }

    let mut names = match name {
        None => from_null(family, flags),
        Some(n) => match from_numeric(n, family)? {
            Some(found) => found,
            None if flags & ai::NUMERICHOST != 0 => return Err(Error::NotFound),
            None => match from_hosts(&config::hosts(), n, family, sem)? {
                Some(found) => found,
                None => from_dns_search(&config::resolv_conf(), n, family, sem)?,
            },
        },
    };

    if flags & ai::V4MAPPED != 0 {
        v4mapped(&mut names.addrs, flags & ai::ALL != 0);
    }
    Ok(names)
}

fn from_null(family: Family, flags: i32) -> Names {
    let passive = flags & ai::PASSIVE != 0;
    let (v4, v6) = if passive {
        (Ipv4Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED)
    } else {
        (Ipv4Addr::LOCALHOST, Ipv6Addr::LOCALHOST)
    };
    let mut addrs = super::Addresses::new();
    if family != Family::Inet6 {
        addrs.push(Address::new(IpAddr::V4(v4)));
    }
    if family != Family::Inet {
        addrs.push(Address::new(IpAddr::V6(v6)));
    }
    Names {
        addrs,
        ..Names::default()
    }
}

/// A numeric host: `Ok(None)` if `name` is not an address literal; an address of the wrong
/// family is `EAI_NONAME` (both libcs).
fn from_numeric(name: &str, family: Family) -> Result<Option<Names>> {
    match parse_literal(name) {
        Literal::NotLiteral => Ok(None),
        Literal::BadScope => Err(Error::NotFound),
        Literal::Addr(ip, scope_id) => {
            if !family.admits(&ip) {
                return Err(Error::NotFound);
            }
            Ok(Some(Names {
                addrs: smallvec::smallvec![Address { ip, scope_id }],
                canon: name.as_bytes().to_vec(),
                from_dns: false,
            }))
        }
    }
}

/// musl's `is_valid_hostname` (`lookup_name.c`): what may become a canonical name. 1 to 254
/// bytes, a valid multibyte string in the program's locale (`mbstowcs`: in musl's C locale any
/// byte, in a UTF-8 locale only UTF-8), and only letters, digits, `.`, `-` and bytes from 0x80.
fn is_valid_hostname(s: &[u8]) -> bool {
    (1..=MAX_HOST_LEN).contains(&s.len())
        && s.iter()
            .all(|&b| b >= 0x80 || b == b'.' || b == b'-' || b.is_ascii_alphanumeric())
        && (s.is_ascii() || crate::sys::multibyte_ok(s))
}

/// glibc's `__res_binary_hnok` (`resolv/res-name-checking.c`) on a name's labels: every byte a
/// letter, digit, `-` or `_`, and the first label not starting with `-`. The root is a host
/// name.
pub fn hnok_labels<'a>(mut labels: impl Iterator<Item = &'a [u8]>) -> bool {
    let ok = |l: &[u8]| {
        l.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    };
    match labels.next() {
        None => true,
        Some(first) => first.first() != Some(&b'-') && ok(first) && labels.all(ok),
    }
}

/// Where a name from the network ends up, for musl's rule ([`network_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// A CNAME target that becomes the canonical name (`h_name`, `ai_canonname`).
    Canonical,
    /// A PTR target (`gethostbyaddr`'s `h_name`, `getnameinfo`'s host).
    Ptr,
}

/// A name from the network (a CNAME target, a PTR target) as the emulated libc hands it to the
/// program, or `None` where that libc refuses it. The one check every path applies:
/// - glibc (`nss_dns`: `getanswer_r`, `gaih_getanswer_slice`, `getanswer_ptr`): the name in
///   wire form must pass `__res_binary_hnok` ([`hnok_labels`]); its text is then its labels
///   joined by dots (`ns_name_ntop` escapes nothing in such a name).
/// - musl (`__dn_expand`, and for a canonical name `is_valid_hostname`): the text is the
///   labels' bytes as they are (a dot inside a label shows as one, so "empty labels" appear),
///   joined by dots, ending at a NUL byte (a C string); a canonical name must pass
///   [`is_valid_hostname`]; a PTR target is taken as it is (empty: no name).
pub fn network_name(name: &wire::Name<'_>, sem: Semantics, taken: Taken) -> Option<Vec<u8>> {
    let mut text = Vec::with_capacity(wire::MAX_NAME_LEN);
    for l in name.labels() {
        if !text.is_empty() {
            text.push(b'.');
        }
        text.extend_from_slice(l);
    }
    match sem {
        Semantics::Glibc => {
            if !hnok_labels(name.labels()) {
                return None;
            }
            if text.is_empty() {
                text.push(b'.'); // ns_name_ntop's root
            }
            Some(text)
        }
        Semantics::Musl => {
            if let Some(nul) = text.iter().position(|&b| b == 0) {
                text.truncate(nul);
            }
            (taken == Taken::Ptr || is_valid_hostname(&text)).then_some(text)
        }
    }
}

/// The hosts file. `Ok(None)`: not there, go on to DNS.
///
/// musl: names match case-sensitively; a line for the name with an address of the other
/// family ends the lookup with `EAI_NONAME` when no line of the asked family matched.
/// glibc: names match case-insensitively and such lines are simply skipped.
pub fn from_hosts(
    hosts: &Hosts,
    name: &str,
    family: Family,
    sem: Semantics,
) -> Result<Option<Names>> {
    let mut out = Names::default();
    let mut badfam = false;
    let mut have_canon = false;
    for e in hosts.by_name(name, sem == Semantics::Glibc) {
        if family.admits(&e.addr) {
            out.addrs.push(Address {
                ip: e.addr,
                scope_id: e.scope_id,
            });
        } else {
            badfam = true;
            if sem == Semantics::Glibc {
                continue;
            }
        }
        if !have_canon && is_valid_hostname(e.names[0].as_bytes()) {
            have_canon = true;
            out.canon = e.names[0].as_bytes().to_vec();
        }
    }
    if !out.addrs.is_empty() {
        if !have_canon {
            out.canon = name.as_bytes().to_vec();
        }
        return Ok(Some(out));
    }
    if badfam && sem == Semantics::Musl {
        return Err(Error::NotFound);
    }
    Ok(None)
}

/// The names to try, in order, for `name` with the search list (`name` has no trailing dot
/// any more; `rooted` says whether it had one).
pub fn candidates(conf: &ResolvConf, name: &str, rooted: bool, sem: Semantics) -> Vec<String> {
    let dots = name.bytes().filter(|&b| b == b'.').count() as u32;
    let fqdn = |d: &String| {
        // musl: the search domain must fit the 256-byte name buffer.
        (name.len() + 1 + d.len() < 256).then(|| format!("{name}.{d}"))
    };
    if rooted {
        return vec![name.to_string()];
    }
    let searched = conf.search.iter().filter_map(fqdn);
    match sem {
        // musl: the search list only below ndots, then the name as given.
        Semantics::Musl => {
            let mut v: Vec<String> = if dots >= conf.ndots {
                Vec::new()
            } else {
                searched.collect()
            };
            // `options no-tld-query` (glibc's, honoured here too): a single label is not asked
            // as it is when a search list was tried.
            if !(dots == 0 && conf.no_tld_query && !conf.search.is_empty()) {
                v.push(name.to_string());
            }
            v
        }
        // glibc res_search: the name as given first when it has ndots dots, then the search
        // list, then the name as given if not tried yet (not for single labels with
        // no-tld-query).
        Semantics::Glibc => {
            let mut v = Vec::new();
            let as_is_first = dots >= conf.ndots;
            if as_is_first {
                v.push(name.to_string());
            }
            v.extend(searched);
            // glibc: `(dots || !searched || !RES_NOTLDQUERY)`; "searched" means the search
            // list had a domain.
            let single_label_blocked = dots == 0 && conf.no_tld_query && !conf.search.is_empty();
            if !as_is_first && !single_label_blocked {
                v.push(name.to_string());
            }
            v
        }
    }
}

/// `name` as the search list takes it: without its trailing dot, and whether it had one.
/// `None` for a name no search finds (empty, or ending in two dots).
pub fn split_rooted(name: &str) -> Option<(&str, bool)> {
    let (base, rooted) = match name.strip_suffix('.') {
        Some(b) => (b, true),
        None => (name, false),
    };
    (!base.is_empty() && !base.ends_with('.')).then_some((base, rooted))
}

/// The first of the [`candidates`] for `base` that `ask` finds. NXDOMAIN goes on to the next
/// candidate; so does NODATA with glibc, which reports it at the end (musl stops there); any
/// other failure ends the search.
pub fn search<T>(
    conf: &ResolvConf,
    base: &str,
    rooted: bool,
    sem: Semantics,
    mut ask: impl FnMut(&str) -> Result<T>,
) -> Result<T> {
    let mut nodata = false;
    for fqdn in candidates(conf, base, rooted, sem) {
        match ask(&fqdn) {
            Ok(found) => return Ok(found),
            Err(Error::NotFound) => continue,
            Err(Error::NoData) if sem == Semantics::Glibc => nodata = true,
            Err(e) => return Err(e),
        }
    }
    Err(if nodata {
        Error::NoData
    } else {
        Error::NotFound
    })
}

/// DNS with the search list.
pub fn from_dns_search(
    conf: &ResolvConf,
    name: &str,
    family: Family,
    sem: Semantics,
) -> Result<Names> {
    let Some((base, rooted)) = split_rooted(name) else {
        return Err(Error::NotFound);
    };
    let policy = super::policy(conf, sem);
    let mut servers = Servers::new(conf, &policy);
    ask::search(conf, &mut servers, |dns| {
        search(conf, base, rooted, sem, |fqdn| {
            from_dns(dns, conf, fqdn, family)
        })
    })
}

/// One fully qualified name over DNS: A and AAAA in parallel.
fn from_dns(dns: &mut dyn Ask, conf: &ResolvConf, fqdn: &str, family: Family) -> Result<Names> {
    let mut types: SmallVec<[u16; 2]> = SmallVec::new();
    // `options no-aaaa` (glibc 2.36; honoured in both builds): no AAAA question at all. An
    // IPv6-only lookup asks A instead, only to tell NXDOMAIN from NODATA (glibc
    // `__res_handle_no_aaaa`).
    let no_aaaa = conf.no_aaaa;
    if family != Family::Inet6 || no_aaaa {
        types.push(rtype::A);
    }
    if family != Family::Inet && !no_aaaa {
        types.push(rtype::AAAA);
    }
    let questions: SmallVec<[Question<'_>; 2]> = types
        .iter()
        .map(|&qtype| Question { name: fqdn, qtype })
        .collect();
    let answers = dns.ask(&questions);

    let mut responses: SmallVec<[&Response; 2]> = SmallVec::new();
    for a in &answers {
        let r = a.as_ref().map_err(|e| *e)?;
        if r.rcode == RCODE_NXDOMAIN {
            return Err(Error::NotFound);
        }
        responses.push(r);
    }
    if no_aaaa && family == Family::Inet6 {
        return Err(Error::NoData);
    }
    let mut out = Names {
        canon: fqdn.as_bytes().to_vec(),
        from_dns: true,
        ..Names::default()
    };
    let mut have_canon = false;
    // Room for every answer record: one allocation at most, no intermediate lists.
    out.addrs
        .reserve_exact(responses.iter().map(|r| r.message.answer_count()).sum());
    for (r, t) in responses.iter().zip(&types) {
        let before = out.addrs.len();
        let chain = wire::collect_addresses_into(&r.message, fqdn, *t, &mut out.addrs);
        if !have_canon && out.addrs.len() > before {
            have_canon = true;
            // musl: the target of the last CNAME that is a valid host name (the chain's
            // names in order); none: `fqdn` itself.
            let valid = chain
                .targets()
                .rev()
                .find_map(|t| network_name(&t, Semantics::Musl, Taken::Canonical));
            if let Some(canonical) = valid {
                out.canon = canonical;
            }
        }
    }
    if out.addrs.is_empty() {
        return Err(Error::NoData);
    }
    Ok(out)
}

/// `AI_V4MAPPED` (with family AF_INET6): without `AI_ALL`, IPv4 results only when there is no
/// IPv6 result; the IPv4 results become `::ffff:a.b.c.d`.
fn v4mapped(addrs: &mut super::Addresses, all: bool) {
    if !all && addrs.iter().any(|a| a.ip.is_ipv6()) {
        addrs.retain(|a| a.ip.is_ipv6());
    }
    for a in addrs.iter_mut() {
        if let IpAddr::V4(v4) = a.ip {
            a.ip = IpAddr::V6(v4.to_ipv6_mapped());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(search: &[&str], ndots: u32) -> ResolvConf {
        let mut c = ResolvConf::parse(b"");
        c.search = search.iter().map(|s| s.to_string()).collect();
        c.ndots = ndots;
        c
    }

    #[test]
    fn musl_search_order() {
        let c = conf(&["a.test", "b.test"], 1);
        assert_eq!(
            candidates(&c, "web", false, Semantics::Musl),
            ["web.a.test", "web.b.test", "web"]
        );
        assert_eq!(candidates(&c, "web.x", false, Semantics::Musl), ["web.x"]);
        assert_eq!(candidates(&c, "web", true, Semantics::Musl), ["web"]);
    }

    #[test]
    fn glibc_search_order() {
        let c = conf(&["a.test"], 1);
        assert_eq!(
            candidates(&c, "web", false, Semantics::Glibc),
            ["web.a.test", "web"]
        );
        assert_eq!(
            candidates(&c, "web.x", false, Semantics::Glibc),
            ["web.x", "web.x.a.test"]
        );
    }

    #[test]
    fn no_tld_query() {
        let mut c = conf(&["a.test"], 1);
        c.no_tld_query = true;
        // A single label is not asked as it is once the search list was tried (glibc's rule,
        // honoured with musl semantics too).
        for sem in [Semantics::Musl, Semantics::Glibc] {
            assert_eq!(candidates(&c, "web", false, sem), ["web.a.test"]);
            assert_eq!(candidates(&c, "web", true, sem), ["web"]);
        }
        assert_eq!(
            candidates(&c, "web.x", false, Semantics::Glibc),
            ["web.x", "web.x.a.test"]
        );
        // Without a search list nothing was tried: the name as it is (glibc: !searched).
        let mut c = conf(&[], 1);
        c.no_tld_query = true;
        for sem in [Semantics::Musl, Semantics::Glibc] {
            assert_eq!(candidates(&c, "web", false, sem), ["web"]);
        }
    }

    #[test]
    fn search_domain_too_long_is_skipped() {
        let long = "d".repeat(252);
        let c = conf(&[&long, "ok.test"], 1);
        assert_eq!(
            candidates(&c, "web", false, Semantics::Musl),
            ["web.ok.test", "web"]
        );
    }

    #[test]
    fn numeric_family_mismatch_is_noname() {
        assert_eq!(
            from_numeric("127.0.0.1", Family::Inet6),
            Err(Error::NotFound)
        );
        assert_eq!(from_numeric("::1", Family::Inet), Err(Error::NotFound));
        assert!(from_numeric("host", Family::Inet).unwrap().is_none());
        let n = from_numeric("127.1", Family::Unspec).unwrap().unwrap();
        assert_eq!(n.addrs[0].ip, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(n.canon, b"127.1");
    }

    #[test]
    fn hosts_rules() {
        let h = Hosts::parse(b"10.0.0.1 Web web.alias\n::1 six\n10.0.0.2 web\n");
        let n = from_hosts(&h, "web", Family::Unspec, Semantics::Musl)
            .unwrap()
            .unwrap();
        assert_eq!(n.addrs.len(), 1);
        assert_eq!(n.canon, b"web");
        let n = from_hosts(&h, "web", Family::Unspec, Semantics::Glibc)
            .unwrap()
            .unwrap();
        assert_eq!(n.addrs.len(), 2);
        assert_eq!(n.canon, b"Web");
        assert_eq!(
            from_hosts(&h, "six", Family::Inet, Semantics::Musl),
            Err(Error::NotFound)
        );
        assert_eq!(
            from_hosts(&h, "six", Family::Inet, Semantics::Glibc),
            Ok(None)
        );
        assert_eq!(
            from_hosts(&h, "none", Family::Unspec, Semantics::Musl),
            Ok(None)
        );
    }

    /// The one check of names from the network, on names built label by label (any byte).
    #[test]
    fn network_names() {
        use crate::wire::testutil::{respond, Reply};
        use hickory_proto::rr::{rdata::PTR, Name as HName, RData, Record};
        let labels: &[&[&[u8]]] = &[
            &[b"ok-host", b"example"],
            &[b"under_score", b"example"],
            &[b"evil;id`x`$(y)|z<s>", b"example"],
            &[b"with space", b"example"],
            &[b"b\xfccher", b"example"],
            &[b"dot.inside", b"example"],
            &[b"nul\0byte", b"example"],
            &[b"-dash", b"example"],
            &[],
        ];
        let q = wire::build_query(1, "1.0.0.10.in-addr.arpa", rtype::PTR, None).unwrap();
        let records = labels
            .iter()
            .map(|l| {
                let n = HName::from_labels(l.iter().copied()).unwrap();
                let owner = HName::from_ascii("1.0.0.10.in-addr.arpa.").unwrap();
                Record::from_rdata(owner, 300, RData::PTR(PTR(n)))
            })
            .collect();
        let bytes = respond(&q, &Reply::records(records));
        let msg = wire::Message::parse(&bytes).unwrap();
        let targets: Vec<_> = msg.answers().filter_map(|r| r.target()).collect();
        assert_eq!(targets.len(), labels.len());
        use Semantics::{Glibc, Musl};
        use Taken::{Canonical, Ptr};
        let some = |b: &'static [u8]| Some(b);
        // (name, semantics, role, what the libc hands on)
        let mut want: Vec<(usize, Semantics, Taken, Option<&[u8]>)> = Vec::new();
        // glibc: __res_binary_hnok, both roles alike.
        for taken in [Canonical, Ptr] {
            want.push((0, Glibc, taken, some(b"ok-host.example")));
            want.push((1, Glibc, taken, some(b"under_score.example")));
            want.extend((2..8).map(|bad| (bad, Glibc, taken, None)));
            want.push((8, Glibc, taken, some(b".")));
        }
        // musl: the bytes as they are for a PTR target, cut at a NUL; a canonical name must
        // pass is_valid_hostname (bytes from 0x80 are checked by mbstowcs in the program's
        // locale: not asked here; '_' is not in musl's set).
        want.extend([
            (2, Musl, Ptr, some(b"evil;id`x`$(y)|z<s>.example")),
            (3, Musl, Ptr, some(b"with space.example")),
            (5, Musl, Ptr, some(b"dot.inside.example")),
            (6, Musl, Ptr, some(b"nul")),
            (8, Musl, Ptr, some(b"")),
            (1, Musl, Canonical, None),
            (2, Musl, Canonical, None),
            (3, Musl, Canonical, None),
            (5, Musl, Canonical, some(b"dot.inside.example")),
            (6, Musl, Canonical, some(b"nul")),
            (7, Musl, Canonical, some(b"-dash.example")),
            (8, Musl, Canonical, None),
        ]);
        for (i, sem, taken, w) in want {
            let got = network_name(&targets[i], sem, taken);
            assert_eq!(got.as_deref(), w, "{i} {sem:?} {taken:?}");
        }
        // glibc's check, label by label.
        assert!(hnok_labels([&b"a-b"[..], b"_c"].into_iter()));
        assert!(!hnok_labels([&b"-a"[..]].into_iter()));
        assert!(hnok_labels([&b"a"[..], b"-b"].into_iter()));
        assert!(hnok_labels(std::iter::empty()));
    }

    #[test]
    fn mapped() {
        let mut a: super::super::Addresses = smallvec::smallvec![
            Address::new("10.0.0.1".parse().unwrap()),
            Address::new("::2".parse().unwrap()),
        ];
        v4mapped(&mut a, false);
        assert_eq!(a.as_slice(), [Address::new("::2".parse().unwrap())]);
        let mut a: super::super::Addresses =
            smallvec::smallvec![Address::new("10.0.0.1".parse().unwrap())];
        v4mapped(&mut a, false);
        assert_eq!(a[0].ip, "::ffff:10.0.0.1".parse::<IpAddr>().unwrap());
    }
}
