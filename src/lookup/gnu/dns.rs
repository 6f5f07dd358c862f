//! glibc's `dns` module for hosts (`resolv/nss_dns/dns-host.c`, 2.36 as distributions
//! release it): `res_hnok` on the name asked, `HOSTALIASES`, `res_search`
//! ([`super::search`]) with `res_query`'s bookkeeping, and the answers read as `getanswer_r`
//! and `gaih_getanswer` read them (aliases from the CNAME chain, names from the network
//! through glibc's check, [`network_name`]).

use super::nss::{HostData, Nss};
use super::search::{question_name, res_search};
use crate::config::{hostaliases, ResolvConf};
use crate::lookup::ask::{self, Ask, Servers};
use crate::lookup::name::{hnok_labels, network_name, Taken};
use crate::lookup::types::{Address, Errnos, Semantics};
use crate::lookup::{no_aaaa, sortlist};
use crate::sys::AF_INET6;
use crate::transport::{Question, Results};
use crate::wire::{self, rcode, rtype, Message, Response, MAX_LABEL_LEN, MAX_WIRE_NAME};
use crate::{Error, Result};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::net::IpAddr;

/// `res_hnok`: printable ASCII, a valid name in presentation form (labels of 1..63 bytes,
/// 255 bytes in all in wire form, backslash escapes: [`wire::pton`]), whose labels pass
/// `__res_binary_hnok` ([`hnok_labels`]: only `[0-9A-Za-z_-]`, no leading `-`). The `dns`
/// module answers `HOST_NOT_FOUND` for anything else without sending a query.
///
/// The name as glibc then asks it: itself, or with its escapes decoded (`on\101.test` is
/// `one.test`: every label of a host name is plain text, so its labels joined by dots are the
/// name `res_mkquery` encodes).
pub(crate) fn res_hnok(name: &str) -> Option<Cow<'_, str>> {
    if name != "." {
        let body = name.strip_suffix('.').unwrap_or(name);
        // Without escapes (nearly every name): one pass, no allocation.
        if let Some(plain) = plain_hnok(body.as_bytes()) {
            // "" is the root, as "." is (and no query can be made of it: NO_RECOVERY).
            let ok = body.is_empty() || (body.len() + 2 <= MAX_WIRE_NAME && plain);
            return ok.then_some(Cow::Borrowed(name));
        }
    }
    res_hnok_escaped(name)
}

/// What a byte is to [`plain_hnok`].
const OTHER: u8 = 0;
const HOST: u8 = 1;
const DOT: u8 = 2;
const ESCAPE: u8 = 3;

/// [`OTHER`], [`HOST`] (letters, digits, `-`, `_`), [`DOT`] or [`ESCAPE`] (`\`) for each byte.
const CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            t[c] = HOST;
        }
        c += 1;
    }
    t[b'.' as usize] = DOT;
    t[b'\\' as usize] = ESCAPE;
    t
};

/// [`hnok_labels`] of a name in one pass over its bytes: labels of 1..=63 bytes split at dots,
/// letters, digits, `-` and `_`, the first not starting with `-`. `None` when the name holds a
/// `\` before any byte that fails (an escape: [`res_hnok_escaped`] decides). A byte that fails
/// before any escape fails the full check too: escapes change only what follows them.
fn plain_hnok(body: &[u8]) -> Option<bool> {
    if body.first() == Some(&b'-') {
        return Some(false);
    }
    let mut label = 0;
    for &c in body {
        match CLASS[usize::from(c)] {
            HOST => {
                label += 1;
                if label > MAX_LABEL_LEN {
                    return Some(false);
                }
            }
            DOT => {
                if label == 0 {
                    return Some(false);
                }
                label = 0;
            }
            ESCAPE => return None,
            _ => return Some(false),
        }
    }
    Some(label > 0)
}

/// [`res_hnok`] through `ns_name_pton`, escapes and all.
fn res_hnok_escaped(name: &str) -> Option<Cow<'_, str>> {
    if !name.bytes().all(|b| b > b' ' && b <= b'~') {
        return None;
    }
    let wire = wire::pton(name.as_bytes())?;
    if !hnok_labels(wire.labels()) {
        return None;
    }
    if !name.contains('\\') {
        return Some(Cow::Borrowed(name));
    }
    let mut text: Vec<u8> = Vec::with_capacity(name.len());
    for l in wire.labels() {
        if !text.is_empty() {
            text.push(b'.');
        }
        text.extend_from_slice(l);
    }
    if name.ends_with('.') || text.is_empty() {
        text.push(b'.');
    }
    // Host-name labels are ASCII.
    String::from_utf8(text).ok().map(Cow::Owned)
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
    let qname_ok = res_hnok(qname).is_some();
    let mut names: Vec<String> = Vec::new();
    if qname_ok {
        names.push(qname.to_string());
    }
    // Every target on the chain is followed; only host names are kept (names from the
    // network go through the libc's check). glibc's text of such a name is ASCII.
    names.extend(c.chain.targets().filter_map(|t| {
        let n = network_name(&t, Semantics::Glibc, Taken::Canonical)?;
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

/// [`parse_answer`]'s `canonical` for a query name that is a host name: the last target on
/// the chain that is one, else the query name.
fn canonical(chain: &wire::Chain<'_>, qname: &str) -> String {
    chain
        .targets()
        .rev()
        .find_map(|t| {
            let n = network_name(&t, Semantics::Glibc, Taken::Canonical)?;
            String::from_utf8(n).ok()
        })
        .unwrap_or_else(|| qname.to_string())
}

/// One `res_query`: the responses, or the `h_errno` glibc sets.
type Queried = std::result::Result<Vec<Response>, Error>;

/// `res_query` for one name and one or two types (`T_QUERY_A_AND_AAAA`, as `options no-aaaa`
/// leaves them: `plan`): the responses when one of them has an answer, else the `h_errno`
/// glibc sets. The outer error is a failure the
/// shim reports as it is in both builds (every server broken: `EAI_FAIL`; a system error),
/// see docs/compat.md.
fn res_query(dns: &mut dyn Ask, fqdn: &str, plan: &[(u16, bool)]) -> Result<Queried> {
    let questions: SmallVec<[Question; 2]> = plan
        .iter()
        .map(|&(qtype, _)| Question { name: fqdn, qtype })
        .collect();
    let answered = |r: &Response| r.rcode == rcode::NOERROR && r.message.answer_count() > 0;
    let mut results = Results::new();
    dns.ask_into(&questions, &mut results);
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
            r.rcode = rcode::SERVFAIL;
            r
        });
    let tried = Ok;
    let mut out = Vec::with_capacity(plan.len());
    for r in results {
        match r {
            Ok(resp) => out.push(resp),
            Err(Error::TryAgain) if stand_in.is_some() => out.extend(stand_in.clone()),
            Err(Error::TryAgain) => return tried(Err(Error::TryAgain)),
            Err(Error::NotFound) => return tried(Err(Error::NotFound)),
            Err(e) => return Err(e),
        }
    }
    // One response per question of the plan, in its order (a stand-in where one was
    // missing); those asked only for their rcode lose their records. (Zipped with the plan
    // while moved into `out`, each response was copied twice more.)
    for (resp, &(_, without_records)) in out.iter_mut().zip(plan) {
        if without_records {
            resp.message.clear_answers();
        }
    }
    if out.iter().any(answered) {
        return tried(Ok(out));
    }
    let (Some(first), Some(second)) = (out.first(), out.last()) else {
        return Err(Error::Fail);
    };
    let rcode = if first.rcode == rcode::NOERROR {
        second.rcode
    } else {
        first.rcode
    };
    tried(Err(match rcode {
        rcode::NXDOMAIN => Error::NotFound,
        rcode::SERVFAIL => Error::TryAgain,
        rcode::NOERROR => Error::NoData,
        _ => Error::Fail,
    }))
}

/// What a search found: the responses, the full name they answer, and what the search left
/// in the thread's `h_errno`.
struct Found<'a> {
    responses: Vec<Response>,
    /// Borrowed from the name searched when that was the name found (no copy).
    name: Cow<'a, str>,
    thread: Error,
}

/// `res_search` of `name` for the questions of `plan` (the name as the module has it: checked,
/// its alias taken): what it found, or the `h_errno` the search left.
fn search<'a>(
    conf: &ResolvConf,
    name: &'a str,
    plan: &[(u16, bool)],
) -> Result<std::result::Result<Found<'a>, Error>> {
    // Through the answer cache and the parallel walk as `conf` turns them on.
    let policy = Semantics::Glibc.policy(conf);
    let mut servers = Servers::new(conf, &policy);
    let s = ask::search(conf, &mut servers, |dns| {
        res_search(
            conf,
            name,
            |full| res_query(dns, question_name(full), plan),
            Err,
        )
    })?;
    Ok(match s.last {
        Ok(responses) => Ok(Found {
            responses,
            name: match s.name {
                Cow::Borrowed(n) => Cow::Borrowed(question_name(n)),
                Cow::Owned(n) => Cow::Owned(question_name(&n).to_string()),
            },
            thread: s.h_errno,
        }),
        Err(_) => Err(s.h_errno),
    })
}

/// `res_search` failed with `h`: the module's status (`TRY_AGAIN` comes from a timeout or
/// SERVFAIL, which glibc reports as UNAVAIL and TRYAGAIN; both read the same to callers).
fn search_failure<T>(h: Error) -> Nss<T> {
    match h {
        Error::TryAgain => Nss::TryAgain(h),
        _ => Nss::NotFound(h),
    }
}

/// The name the module looks up: `name` checked by `res_hnok`, then its `HOSTALIASES` alias
/// when it has no dot, else itself (escapes decoded). `None`: no host name.
fn module_name(name: &str) -> Option<Cow<'_, str>> {
    let checked = res_hnok(name)?;
    Some(match hostaliases::lookup(name) {
        Some(alias) => Cow::Owned(alias),
        None => checked,
    })
}

/// `_nss_dns_gethostbyname3_r` (glibc 2.36 as released by distributions, with the rewritten
/// `getanswer_r`): `h_name` is the end of the CNAME chain, `h_aliases` the names before it; an
/// answer without an address is TRYAGAIN with NO_RECOVERY, CNAME or not. A failed search
/// returns EAGAIN for TRY_AGAIN and 0 otherwise; the search leaves its `h_errno` in the thread.
pub(crate) fn gethostbyname3(
    conf: &ResolvConf,
    name: &str,
    af: i32,
) -> Result<(Nss<HostData>, Errnos)> {
    let Some(name) = module_name(name) else {
        let h = Error::NotFound;
        return Ok((Nss::NotFound(h), Errnos::module(None, Err(h))));
    };
    let t = if af == AF_INET6 {
        rtype::AAAA
    } else {
        rtype::A
    };
    let plan = no_aaaa::questions(conf.no_aaaa, &[t]);
    let Found {
        responses: resps,
        name: fqdn,
        thread,
    } = match search(conf, &name, plan.as_slice())? {
        Ok(r) => r,
        Err(h) => {
            let ret = (h == Error::TryAgain).then_some(h);
            return Ok((search_failure(h), Errnos::query_failed(ret, h)));
        }
    };
    let Some(resp) = resps.first() else {
        return Err(Error::Fail);
    };
    let answered = |status: Nss<HostData>, ret: Option<Error>, h: Result<()>| {
        let errnos = Errnos {
            ret,
            h_errnop: Some(h),
            h_errno: Some(Err(thread)),
        };
        Ok((status, errnos))
    };
    let mut p = parse_answer(&resp.message, &fqdn, t);
    if !p.qname_ok {
        let h = Error::NotFound;
        return answered(Nss::NotFound(h), None, Err(h));
    }
    if p.addrs.is_empty() {
        let h = Error::Fail;
        return answered(Nss::TryAgain(h), Some(Error::TryAgain), Err(h));
    }
    if t == rtype::A && p.addrs.len() > 1 {
        // getanswer_r's `addrsort`.
        sortlist::apply(&conf.sortlist, &mut p.addrs);
    }
    let found = HostData {
        name: p.canonical,
        aliases: p.aliases,
        addrs: p.addrs.into_iter().map(Address::new).collect(),
    };
    answered(Nss::Success(found), None, Ok(()))
}

/// `_nss_dns_gethostbyname4_r`: A and AAAA together, the A answer's addresses first; the
/// canonical name of the first answer that has an address. An answer without addresses is
/// NOTFOUND (HOST_NOT_FOUND).
pub(crate) fn gethostbyname4(
    conf: &ResolvConf,
    given: &str,
) -> Result<Nss<(Vec<Address>, String)>> {
    let Some(name) = module_name(given) else {
        return Ok(Nss::NotFound(Error::NotFound));
    };
    let plan = no_aaaa::questions(conf.no_aaaa, &[rtype::A, rtype::AAAA]);
    let plan = plan.as_slice();
    let Found {
        responses: resps,
        name: fqdn,
        ..
    } = match search(conf, &name, plan)? {
        Ok(r) => r,
        Err(h) => return Ok(search_failure(h)),
    };
    let mut addrs = Vec::new();
    let mut canon = None;
    // gaih_getanswer_slice, for each answer (what parse_answer reads, without the aliases):
    // nothing when the query name is no host name; gaih_getanswer: success if either has an
    // address, else NOTFOUND.
    let qname = wire::as_given(&fqdn);
    // The name given, as asked (the usual case), passed res_hnok in module_name: the same
    // body, not checked twice.
    if qname == wire::as_given(given) || res_hnok(qname).is_some() {
        for (r, &(t, _)) in resps.iter().zip(plan) {
            let c = wire::collect_addresses(&r.message, &fqdn, t);
            if !c.addrs.is_empty() {
                canon.get_or_insert_with(|| canonical(&c.chain, qname));
                addrs.extend(c.addrs.iter().map(|&ip| Address::new(ip)));
            }
        }
    }
    Ok(match canon {
        Some(c) => Nss::Success((addrs, c)),
        None => Nss::NotFound(Error::NotFound),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hnok(s: &str) -> bool {
        res_hnok(s).is_some()
    }

    #[test]
    fn hnok_fast_and_full_agree() {
        // The one-pass check agrees with the full one, escapes or not (a backslash after a
        // byte that fails the one-pass check: the full check fails too).
        let mut seed = 7u32;
        let alphabet = b"ab-_.9Z \x7f\xc3\\";
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
            // gethostbyname4 counts on this: a name that passes passes as asked.
            if res_hnok(&s).is_some() {
                assert!(res_hnok(wire::as_given(&s)).is_some(), "{s:?}");
            }
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
    }

    #[test]
    fn hnok_rules() {
        assert!(hnok("one.test"));
        assert!(hnok("one.test."));
        assert!(hnok("_srv.x-y.test"));
        assert!(!hnok("-x.test"));
        assert!(!hnok("a b.test"));
        assert!(!hnok("a..b"));
        assert!(!hnok("a!b"));
        // The empty name is the root for ns_name_pton: glibc's res_hnok accepts it.
        assert!(hnok(""));
        assert!(hnok(&"a".repeat(63)));
        assert!(!hnok(&"a".repeat(64)));
        // 253 characters are 255 bytes in wire form; 254 are too many.
        let l63 = "a".repeat(63);
        let n253 = format!("{l63}.{l63}.{l63}.{}", "b".repeat(61));
        assert_eq!(n253.len(), 253);
        assert!(hnok(&n253));
        assert!(hnok(&format!("{n253}.")));
        assert!(!hnok(&format!("{n253}b")));
        // Escapes: \046 is '.', not allowed in a host name label; a three-digit escape is
        // the byte it names, so the name asked is the decoded one.
        assert!(!hnok("a\\046b.test"));
        assert_eq!(res_hnok("a\\098.test").as_deref(), Some("ab.test"));
        assert_eq!(res_hnok("on\\e.test.").as_deref(), Some("one.test."));
        assert_eq!(res_hnok("one.test").as_deref(), Some("one.test"));
        // Fewer than three digits, or a backslash at the end: no name (ns_name_pton's rule).
        assert!(!hnok("a\\12b.test"));
        assert!(!hnok("a.test\\"));
        assert_eq!(res_hnok(".").as_deref(), Some("."));
    }
}
