//! glibc's `getnameinfo` (`inet/getnameinfo.c`): the flags checked, the name through
//! `gethostbyaddr_r` and the sources of the `hosts:` line (a temporary failure is
//! `EAI_AGAIN`, a system error `EAI_SYSTEM`), `NI_NOFQDN` cutting the local domain off.

use super::gethostbyaddr::gethostbyaddr;
use super::gethostbyname::gethostbyname;
use super::nss::{internal, system_error, Modules};
use crate::lookup::nameinfo::{answer, known_flags, ni, numeric_host, NameInfo, Request};
use crate::lookup::types::{Semantics, PROGRAM_LIBC};
use crate::{Error, Result};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

/// `getnameinfo` for an IPv4 or IPv6 socket address. Errors: `BadFlags`, `NotFound`
/// (`EAI_NONAME`), `TryAgain` (a source temporarily failing), `System`, `Overflow`.
pub(crate) fn getnameinfo(r: &Request, modules: &mut dyn Modules) -> Result<NameInfo> {
    if r.flags & !known_flags(PROGRAM_LIBC) != 0 {
        return Err(Error::BadFlags);
    }
    if r.flags & ni::NAMEREQD != 0 && r.host_len.is_none() && r.serv_len.is_none() {
        return Err(Error::NotFound);
    }
    answer(r, || host(r, modules))
}

/// `gni_host_inet_name`, then the numeric form unless `NI_NAMEREQD`.
fn host(r: &Request, modules: &mut dyn Modules) -> Result<Vec<u8>> {
    if r.flags & ni::NUMERICHOST == 0 {
        let (found, errnos) = gethostbyaddr(r.addr, modules);
        match found {
            Ok(h) => {
                return Ok(if r.flags & ni::NOFQDN != 0 {
                    strip_local_domain(&h.name, local_domain(modules).as_deref())
                } else {
                    h.name
                })
            }
            // The function's buffer could not grow: out of memory.
            Err(e @ Error::Memory) => return Err(e),
            // NETDB_INTERNAL: EAI_SYSTEM with the errno the sources left; TRY_AGAIN:
            // EAI_AGAIN; anything else: no name.
            Err(_) => match errnos.h_errnop {
                Some(h) if internal(h) => return Err(system_error(errnos.ret)),
                Some(Err(Error::TryAgain)) => return Err(Error::TryAgain),
                _ => {}
            },
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
fn local_domain(modules: &mut dyn Modules) -> Option<String> {
    static DOMAIN: OnceLock<Option<String>> = OnceLock::new();
    if let Some(d) = DOMAIN.get() {
        return d.clone();
    }
    let found = find_local_domain(modules);
    let _ = DOMAIN.set(found.clone());
    DOMAIN.get().cloned().unwrap_or(found)
}

/// `nrl_domainname_core`: `gethostbyname_r` of `localhost`, the host name,
/// `gethostbyname_r` of the host name, `gethostbyaddr_r` of 127.0.0.1, each through the
/// `hosts:` line.
fn find_local_domain(modules: &mut dyn Modules) -> Option<String> {
    let after_dot = |s: &str| s.split_once('.').map(|(_, d)| d.to_string());
    let mut canon = |n: &str| {
        gethostbyname(n, &mut *modules)
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
    gethostbyaddr(IpAddr::V4(Ipv4Addr::LOCALHOST), modules)
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
