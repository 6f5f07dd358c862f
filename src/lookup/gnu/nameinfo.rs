//! glibc's `getnameinfo` (`inet/getnameinfo.c`): the flags checked, the name through
//! `gethostbyaddr_r` (a temporary DNS failure is `EAI_AGAIN`), `NI_NOFQDN` cutting the local
//! domain off.

use super::gethostbyaddr::gethostbyaddr;
use super::gethostbyname::gethostbyname2;
use crate::lookup::nameinfo::{answer, known_flags, ni, numeric_host, NameInfo, Request};
use crate::lookup::reverse::{self, NoName};
use crate::lookup::types::{Semantics, PROGRAM_LIBC};
use crate::sys::AF_INET;
use crate::{Error, Result};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

/// `getnameinfo` for an IPv4 or IPv6 socket address. Errors: `BadFlags`, `NotFound`
/// (`EAI_NONAME`), `TryAgain` (DNS temporarily failing), `System`, `Overflow`.
pub(crate) fn getnameinfo(r: &Request) -> Result<NameInfo> {
    if r.flags & !known_flags(PROGRAM_LIBC) != 0 {
        return Err(Error::BadFlags);
    }
    if r.flags & ni::NAMEREQD != 0 && r.host_len.is_none() && r.serv_len.is_none() {
        return Err(Error::NotFound);
    }
    answer(r, || host(r))
}

fn host(r: &Request) -> Result<Vec<u8>> {
    if r.flags & ni::NUMERICHOST == 0 {
        match reverse::lookup(&r.addr, r.scope_id, Semantics::Glibc) {
            Ok(found) => {
                return Ok(if r.flags & ni::NOFQDN != 0 {
                    strip_local_domain(&found.name, local_domain().as_deref())
                } else {
                    found.name
                })
            }
            Err(NoName::Query(e @ (Error::TryAgain | Error::System(_)))) => return Err(e),
            Err(_) => {}
        }
    }
    if r.flags & ni::NAMEREQD != 0 {
        return Err(Error::NotFound);
    }
    Ok(numeric_host(r, Semantics::Glibc))
}

/// glibc's `NI_NOFQDN`: the name is cut before the first occurrence of the local domain when
/// that occurrence follows a dot (`strstr`, not a suffix test).
fn strip_local_domain(name: &[u8], domain: Option<&str>) -> Vec<u8> {
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
        gethostbyname2(n, AF_INET)
            .0
            .ok()
            .map(|h| String::from_utf8_lossy(&h.name).into_owned())
    };
    if let Some(d) = canon("localhost").as_deref().and_then(after_dot) {
        return Some(d);
    }
    let host = crate::sys::host::hostname(str::to_owned)?;
    if let Some(d) = after_dot(&host) {
        return Some(d);
    }
    if let Some(d) = canon(&host).as_deref().and_then(after_dot) {
        return Some(d);
    }
    gethostbyaddr(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .0
        .ok()
        .and_then(|h| after_dot(&String::from_utf8_lossy(&h.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nofqdn_rule() {
        let domain = Some("corp.test");
        // (name, what is left): cut at the first occurrence after a dot (strstr).
        let rows: [(&[u8], &[u8]); 5] = [
            (b"web.corp.test", b"web"),
            (b"web.other.test", b"web.other.test"),
            (b"corp.test", b"corp.test"),
            (b"xcorp.test.corp.test", b"xcorp.test.corp.test"),
            (b"a.corp.test.x", b"a"),
        ];
        for (name, left) in rows {
            assert_eq!(strip_local_domain(name, domain), left);
        }
        assert_eq!(strip_local_domain(b"web.corp.test", None), b"web.corp.test");
    }
}
