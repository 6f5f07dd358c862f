//! musl's `__lookup_name` (`lookup_name.c`): one name to its addresses. The NULL name, a
//! numeric host, the hosts file, then DNS with the search list, A and AAAA in parallel.

use crate::config::{self, Hosts, ResolvConf};
use crate::lookup::ask::{self, Ask, Servers};
use crate::lookup::name::{is_valid_hostname, network_name, Taken, MAX_HOST_LEN};
use crate::lookup::no_aaaa;
use crate::lookup::types::{ai, Address, Addresses, Canon, Family, Names, Semantics};
use crate::numeric::{may_be_literal, parse_literal, Literal};
use crate::transport::{Question, Results};
use crate::wire::{self, rcode, rtype, Response};
use crate::{Error, Result};
use smallvec::SmallVec;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::ControlFlow;

/// Resolve `name` (`None`: the loopback or wildcard address) to addresses of `family`.
/// `flags` are `AI_*` flags; only PASSIVE, NUMERICHOST, V4MAPPED and ALL matter here.
/// The addresses come in answer order: callers sort them ([`super::sort`]) where musl does.
pub(crate) fn lookup_name(name: Option<&str>, family: Family, flags: i32) -> Result<Names> {
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
            None => match from_hosts(&config::hosts(), n, family)? {
                Some(found) => found,
                None => from_dns_search(&config::resolv_conf(), n, family)?,
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
    let mut addrs = Addresses::new();
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
/// family is `EAI_NONAME`.
fn from_numeric(name: &str, family: Family) -> Result<Option<Names>> {
    // A host name (the usual case) is not parsed.
    if !may_be_literal(name) {
        return Ok(None);
    }
    match parse_literal(name) {
        Literal::NotLiteral => Ok(None),
        Literal::BadScope => Err(Error::NotFound),
        Literal::Addr(ip, scope_id) => {
            if !family.admits(&ip) {
                return Err(Error::NotFound);
            }
            Ok(Some(Names {
                addrs: smallvec::smallvec![Address { ip, scope_id }],
                canon: Canon::from_slice(name.as_bytes()),
                from_dns: false,
            }))
        }
    }
}

/// The hosts file (`name_from_hosts`). `Ok(None)`: not there, go on to DNS. Names match
/// case-sensitively; a line for the name with an address of the other family ends the lookup
/// with `EAI_NONAME` when no line of the asked family matched.
pub(crate) fn from_hosts(hosts: &Hosts, name: &str, family: Family) -> Result<Option<Names>> {
    let mut out = Names::default();
    let mut badfam = false;
    let mut have_canon = false;
    for e in hosts.by_name(name, false) {
        if family.admits(&e.addr) {
            out.addrs.push(Address {
                ip: e.addr,
                scope_id: e.scope_id,
            });
        } else {
            badfam = true;
        }
        if !have_canon && is_valid_hostname(e.names[0].as_bytes()) {
            have_canon = true;
            out.canon = Canon::from_slice(e.names[0].as_bytes());
        }
    }
    if !out.addrs.is_empty() {
        if !have_canon {
            out.canon = Canon::from_slice(name.as_bytes());
        }
        return Ok(Some(out));
    }
    if badfam {
        return Err(Error::NotFound);
    }
    Ok(None)
}

/// musl's buffer for a name with a search domain (`char canon[256]` in `name_from_dns_search`):
/// a candidate must fit with its NUL.
const MUSL_NAME_BUF: usize = 256;

/// The names to try, in order, for `name` with the search list (`name` has no trailing dot
/// any more; `rooted` says whether it had one), each handed to `f` until it breaks: the search
/// domains only below `ndots` dots (each that fits musl's 256-byte name buffer), then the name
/// as given. Built on the stack: no allocation.
fn each_candidate<T>(
    conf: &ResolvConf,
    name: &str,
    rooted: bool,
    mut f: impl FnMut(&str) -> ControlFlow<T>,
) -> ControlFlow<T> {
    if rooted {
        return f(name);
    }
    let dots = name.bytes().filter(|&b| b == b'.').count() as u32;
    if dots < conf.ndots {
        let mut buf = [0u8; MUSL_NAME_BUF];
        for d in &conf.search {
            let len = name.len() + 1 + d.len();
            if len >= MUSL_NAME_BUF {
                continue;
            }
            buf[..name.len()].copy_from_slice(name.as_bytes());
            buf[name.len()] = b'.';
            buf[name.len() + 1..len].copy_from_slice(d.as_bytes());
            // Two strings and a dot: UTF-8.
            if let Ok(fqdn) = std::str::from_utf8(&buf[..len]) {
                f(fqdn)?;
            }
        }
    }
    // `options no-tld-query` (glibc's, honoured here too): a single label is not asked as it
    // is when a search list was tried.
    if !(dots == 0 && conf.no_tld_query && !conf.search.is_empty()) {
        f(name)?;
    }
    ControlFlow::Continue(())
}

/// `name_from_dns_search`: the first of the names the search list makes of `name` that `ask`
/// finds. NXDOMAIN (`NotFound`) goes on to the next; any other failure ends the search. A
/// name ending in two dots, or only a dot, is found by none.
pub(crate) fn search<T>(
    conf: &ResolvConf,
    name: &str,
    mut ask: impl FnMut(&str) -> Result<T>,
) -> Result<T> {
    let (base, rooted) = match name.strip_suffix('.') {
        Some(b) => (b, true),
        None => (name, false),
    };
    if base.is_empty() || base.ends_with('.') {
        return Err(Error::NotFound);
    }
    let found = each_candidate(conf, base, rooted, |fqdn| match ask(fqdn) {
        Err(Error::NotFound) => ControlFlow::Continue(()),
        found => ControlFlow::Break(found),
    });
    match found {
        ControlFlow::Break(found) => found,
        ControlFlow::Continue(()) => Err(Error::NotFound),
    }
}

/// DNS with the search list.
fn from_dns_search(conf: &ResolvConf, name: &str, family: Family) -> Result<Names> {
    let policy = Semantics::Musl.policy(conf);
    let mut servers = Servers::new(conf, &policy);
    ask::search(conf, &mut servers, |dns| {
        search(conf, name, |fqdn| from_dns(dns, conf, fqdn, family))
    })
}

/// One fully qualified name over DNS (`name_from_dns`): A and AAAA in parallel (as
/// `options no-aaaa` leaves them, [`no_aaaa`]).
fn from_dns(dns: &mut dyn Ask, conf: &ResolvConf, fqdn: &str, family: Family) -> Result<Names> {
    let wanted: &[u16] = match family {
        Family::Unspec => &[rtype::A, rtype::AAAA],
        Family::Inet => &[rtype::A],
        Family::Inet6 => &[rtype::AAAA],
    };
    let plan = no_aaaa::questions(conf.no_aaaa, wanted);
    let plan = plan.as_slice();
    let questions: SmallVec<[Question<'_>; 2]> = plan
        .iter()
        .map(|&(qtype, _)| Question { name: fqdn, qtype })
        .collect();
    let mut answers = Results::new();
    dns.ask_into(&questions, &mut answers);

    let mut responses: SmallVec<[&Response; 2]> = SmallVec::new();
    for a in &answers {
        let r = a.as_ref().map_err(|e| *e)?;
        if r.rcode == rcode::NXDOMAIN {
            return Err(Error::NotFound);
        }
        responses.push(r);
    }
    // musl's answer parser (`__dns_parse`) skips the question name's labels byte by byte and
    // gives up at a byte from 0x80 (every UTF-8 lead byte, most Latin-1 letters): no record
    // is read, and the name is found by no answer. glibc does not ask such a name at all
    // (`res_hnok`): both end in `EAI_NONAME`.
    if !fqdn.is_ascii() {
        return Err(Error::NotFound);
    }
    let mut out = Names {
        canon: Canon::from_slice(fqdn.as_bytes()),
        from_dns: true,
        ..Names::default()
    };
    let mut have_canon = false;
    // Room for every answer record: one allocation at most, no intermediate lists.
    out.addrs
        .reserve_exact(responses.iter().map(|r| r.message.answer_count()).sum());
    for (r, &(t, without_records)) in responses.iter().zip(plan) {
        if without_records {
            continue;
        }
        let before = out.addrs.len();
        let chain = wire::collect_addresses_into(&r.message, fqdn, t, &mut out.addrs);
        if !have_canon && out.addrs.len() > before {
            have_canon = true;
            // musl: the target of the last CNAME that is a valid host name (the chain's
            // names in order); none: `fqdn` itself.
            let valid = chain
                .targets()
                .rev()
                .find_map(|t| network_name(&t, Semantics::Musl, Taken::Canonical));
            if let Some(canonical) = valid {
                out.canon = Canon::from_vec(canonical);
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
fn v4mapped(addrs: &mut Addresses, all: bool) {
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

    /// Every candidate [`each_candidate`] hands out, in order.
    fn candidates(conf: &ResolvConf, name: &str, rooted: bool) -> Vec<String> {
        let mut v = Vec::new();
        let _ = each_candidate(conf, name, rooted, |n| {
            v.push(n.to_string());
            ControlFlow::<()>::Continue(())
        });
        v
    }

    fn conf(search: &[&str], ndots: u32) -> ResolvConf {
        let mut c = ResolvConf::parse(b"");
        c.search = search.iter().map(|s| s.to_string()).collect();
        c.ndots = ndots;
        c
    }

    #[test]
    fn search_order() {
        let c = conf(&["a.test", "b.test"], 1);
        assert_eq!(
            candidates(&c, "web", false),
            ["web.a.test", "web.b.test", "web"]
        );
        assert_eq!(candidates(&c, "web.x", false), ["web.x"]);
        assert_eq!(candidates(&c, "web", true), ["web"]);
    }

    #[test]
    fn no_tld_query() {
        let mut c = conf(&["a.test"], 1);
        c.no_tld_query = true;
        // A single label is not asked as it is once the search list was tried (glibc's rule,
        // honoured with musl semantics too).
        assert_eq!(candidates(&c, "web", false), ["web.a.test"]);
        assert_eq!(candidates(&c, "web", true), ["web"]);
        // Without a search list nothing was tried: the name as it is.
        let mut c = conf(&[], 1);
        c.no_tld_query = true;
        assert_eq!(candidates(&c, "web", false), ["web"]);
    }

    #[test]
    fn search_domain_too_long_is_skipped() {
        let long = "d".repeat(252);
        let c = conf(&[&long, "ok.test"], 1);
        assert_eq!(candidates(&c, "web", false), ["web.ok.test", "web"]);
    }

    #[test]
    fn search_stops_at_anything_but_nxdomain() {
        let c = conf(&["a.test", "b.test"], 1);
        let mut asked = Vec::new();
        let r: Result<()> = search(&c, "web", |n| {
            asked.push(n.to_string());
            Err(if n == "web.b.test" {
                Error::NoData
            } else {
                Error::NotFound
            })
        });
        assert_eq!(r, Err(Error::NoData));
        assert_eq!(asked, ["web.a.test", "web.b.test"]);
        for bad in ["", ".", "web..", "a.b.."] {
            assert_eq!(search(&c, bad, |_| Ok(())), Err(Error::NotFound), "{bad}");
        }
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
        assert_eq!(n.canon.as_slice(), b"127.1");
    }

    #[test]
    fn hosts_rules() {
        let h = Hosts::parse(b"10.0.0.1 Web web.alias\n::1 six\n10.0.0.2 web\n");
        let n = from_hosts(&h, "web", Family::Unspec).unwrap().unwrap();
        assert_eq!(n.addrs.len(), 1);
        assert_eq!(n.canon.as_slice(), b"web");
        assert_eq!(from_hosts(&h, "six", Family::Inet), Err(Error::NotFound));
        assert_eq!(from_hosts(&h, "none", Family::Unspec), Ok(None));
    }

    #[test]
    fn mapped() {
        let mut a: Addresses = smallvec::smallvec![
            Address::new("10.0.0.1".parse().unwrap()),
            Address::new("::2".parse().unwrap()),
        ];
        v4mapped(&mut a, false);
        assert_eq!(a.as_slice(), [Address::new("::2".parse().unwrap())]);
        let mut a: Addresses = smallvec::smallvec![Address::new("10.0.0.1".parse().unwrap())];
        v4mapped(&mut a, false);
        assert_eq!(a[0].ip, "::ffff:10.0.0.1".parse::<IpAddr>().unwrap());
    }
}
