//! `gethostbyname2` and `gethostbyaddr` as plain Rust; `abi::hostent` lays the result out in
//! the caller's buffer.

use super::name::lookup_name;
use super::{ai, Family, Semantics};
use crate::{config, Error, Result};
use std::net::IpAddr;

/// A `struct hostent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEnt {
    pub name: String,
    pub aliases: Vec<String>,
    /// `AF_INET` or `AF_INET6`.
    pub addrtype: i32,
    pub addrs: Vec<IpAddr>,
}

/// `gethostbyname2(name, af)`. `Err(Error::BadFamily)` for families other than IPv4/IPv6.
pub fn gethostbyname2(name: &str, af: i32, sem: Semantics) -> Result<HostEnt> {
    let family = match af {
        libc::AF_INET => Family::Inet,
        libc::AF_INET6 => Family::Inet6,
        _ => return Err(Error::BadFamily),
    };
    let mut names = lookup_name(Some(name), family, ai::CANONNAME, sem)?;
    let aliases = match sem {
        // musl: h_aliases[0] is the canonical name, then the name asked for if different.
        Semantics::Musl => {
            super::sort::sort(&mut names.addrs);
            let mut v = vec![names.canon.clone()];
            if names.canon != name {
                v.push(name.to_string());
            }
            v
        }
        // glibc: hosts-file aliases or the CNAME owners; answer order, unsorted.
        Semantics::Glibc => names.aliases.clone(),
    };
    Ok(HostEnt {
        name: names.canon,
        aliases,
        addrtype: af,
        addrs: names.addrs.into_iter().map(|a| a.ip).collect(),
    })
}

/// `gethostbyaddr`: hosts file, then PTR over DNS.
/// musl (via `getnameinfo` without `NI_NAMEREQD`) answers with the numeric address when no
/// name is found and when DNS fails; glibc answers `HOST_NOT_FOUND` / `TRY_AGAIN`.
pub fn gethostbyaddr(addr: IpAddr, sem: Semantics) -> Result<HostEnt> {
    let af = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    let found = super::reverse::reverse(&addr);
    let (name, aliases) = match sem {
        Semantics::Musl => {
            let n = found.ok().flatten().unwrap_or_else(|| addr.to_string());
            (n.clone(), vec![n])
        }
        Semantics::Glibc => {
            let n = found?.ok_or(Error::NotFound)?;
            let aliases = config::hosts()
                .by_addr(addr)
                .next()
                .filter(|e| e.names[0] == n)
                .map(|e| e.names[1..].to_vec())
                .unwrap_or_default();
            (n, aliases)
        }
    };
    Ok(HostEnt {
        name,
        aliases,
        addrtype: af,
        addrs: vec![addr],
    })
}
