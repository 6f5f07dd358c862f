//! musl's `gethostbyname2` (`gethostbyname2_r.c`: `__lookup_name` with `AI_CANONNAME`, sorted)
//! and `gethostbyaddr` (`gethostbyaddr_r.c`: `getnameinfo`, the number when no name is found).

use super::lookup_name::lookup_name;
use super::sort;
use crate::config;
use crate::lookup::reverse;
use crate::lookup::sortlist;
use crate::lookup::types::{ai, Family, HostEnt, Looked, Semantics};
use crate::numeric::ntop6_musl;
use crate::sys::{AF_INET, AF_INET6};
use crate::{Error, Result};
use std::net::IpAddr;

/// `gethostbyname2(name, af)`. `Err(Error::BadFamily)` for families other than IPv4/IPv6.
pub(crate) fn gethostbyname2(name: &str, af: i32) -> Looked {
    Looked::musl(by_name(name, af))
}

fn by_name(name: &str, af: i32) -> Result<HostEnt> {
    let family = match af {
        AF_INET => Family::Inet,
        AF_INET6 => Family::Inet6,
        _ => return Err(Error::BadFamily),
    };
    let mut names = lookup_name(Some(name), family, ai::CANONNAME)?;
    sort::sort(&mut names.addrs);
    // musl: h_aliases[0] is the canonical name, then the name asked for if different.
    let mut aliases = vec![names.canon.to_vec()];
    if names.canon.as_slice() != name.as_bytes() {
        aliases.push(name.as_bytes().to_vec());
    }
    let mut addrs: Vec<IpAddr> = names.addrs.iter().map(|a| a.ip).collect();
    // `sortlist` (glibc: IPv4 answers from DNS only; honoured in the musl build too).
    if af == AF_INET && names.from_dns {
        sortlist::apply(&config::resolv_conf().sortlist, &mut addrs);
    }
    Ok(HostEnt {
        name: names.canon.into_vec(),
        aliases,
        addrtype: af,
        addrs,
    })
}

/// `gethostbyaddr`: hosts file, then PTR over DNS ([`reverse`]); musl (through `getnameinfo`
/// without `NI_NAMEREQD`) answers with the numeric address when no name is found and when
/// DNS fails.
pub(crate) fn gethostbyaddr(addr: IpAddr) -> Looked {
    let af = if addr.is_ipv4() { AF_INET } else { AF_INET6 };
    let n = match reverse::lookup(&addr, 0, Semantics::Musl) {
        Ok(f) => f.name,
        Err(_) => match addr {
            IpAddr::V4(a) => a.to_string().into_bytes(),
            IpAddr::V6(a) => ntop6_musl(&a).into_bytes(),
        },
    };
    Looked::musl(Ok(HostEnt {
        name: n.clone(),
        aliases: vec![n],
        addrtype: af,
        addrs: vec![addr],
    }))
}
