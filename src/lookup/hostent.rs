//! `gethostbyname`, `gethostbyname2` and `gethostbyaddr` as plain Rust; `abi::hostent` lays
//! the result out in the caller's buffer.

use super::glibc::Errnos;
use super::name::lookup_name;
use super::reverse::{self, NoName};
use super::{ai, Family, Semantics};
use crate::{config, Error, Result};
use std::net::{IpAddr, Ipv4Addr};

/// Addresses glibc's `addrsort` orders by `sortlist` (nss_dns `MAX_NR_ADDRS`); the rest keep
/// their place.
pub const SORTLIST_MAX_ADDRS: usize = 48;

/// A `struct hostent`. Names are bytes: musl passes names from the network on byte for byte
/// ([`super::name::network_name`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEnt {
    pub name: Vec<u8>,
    pub aliases: Vec<Vec<u8>>,
    /// `AF_INET` or `AF_INET6`.
    pub addrtype: i32,
    pub addrs: Vec<IpAddr>,
}

/// A lookup's end: the entry or the failure, and with glibc's semantics what its `_r`
/// functions return and write besides ([`Errnos`]; musl's follow from the failure alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Looked {
    pub found: Result<HostEnt>,
    pub glibc: Option<Errnos>,
}

impl Looked {
    fn musl(found: Result<HostEnt>) -> Looked {
        Looked { found, glibc: None }
    }
}

impl From<(Result<HostEnt>, Errnos)> for Looked {
    fn from((found, errnos): (Result<HostEnt>, Errnos)) -> Looked {
        Looked {
            found,
            glibc: Some(errnos),
        }
    }
}

/// `gethostbyname2(name, af)`. `Err(Error::BadFamily)` for families other than IPv4/IPv6.
pub fn gethostbyname2(name: &str, af: i32, sem: Semantics) -> Looked {
    if sem == Semantics::Glibc {
        return super::glibc::gethostbyname2(name, af).into();
    }
    Looked::musl(gethostbyname2_musl(name, af))
}

/// `gethostbyname2` with musl's semantics.
fn gethostbyname2_musl(name: &str, af: i32) -> Result<HostEnt> {
    let sem = Semantics::Musl;
    let family = match af {
        libc::AF_INET => Family::Inet,
        libc::AF_INET6 => Family::Inet6,
        _ => return Err(Error::BadFamily),
    };
    let mut names = lookup_name(Some(name), family, ai::CANONNAME, sem)?;
    let sortlist = &config::resolv_conf().sortlist;
    super::sort::sort(&mut names.addrs);
    // musl: h_aliases[0] is the canonical name, then the name asked for if different.
    let mut aliases = vec![names.canon.clone()];
    if names.canon != name.as_bytes() {
        aliases.push(name.as_bytes().to_vec());
    }
    // `sortlist` (glibc: IPv4 answers from DNS only; honoured in the musl build too).
    if af == libc::AF_INET && names.from_dns && !sortlist.is_empty() {
        let mut v4: Vec<Ipv4Addr> = names
            .addrs
            .iter()
            .filter_map(|a| match a.ip {
                IpAddr::V4(v) => Some(v),
                IpAddr::V6(_) => None,
            })
            .collect();
        let list: Vec<(Ipv4Addr, Ipv4Addr)> = sortlist
            .iter()
            .filter_map(|e| match e {
                (IpAddr::V4(a), IpAddr::V4(m)) => Some((*a, *m)),
                _ => None,
            })
            .collect();
        if v4.len() == names.addrs.len() {
            addrsort(&mut v4, &list);
            for (dst, a) in names.addrs.iter_mut().zip(v4) {
                dst.ip = IpAddr::V4(a);
            }
        }
    }
    Ok(HostEnt {
        name: names.canon,
        aliases,
        addrtype: af,
        addrs: names.addrs.into_iter().map(|a| a.ip).collect(),
    })
}

/// glibc's `addrsort` (nss_dns): each of the first [`SORTLIST_MAX_ADDRS`] addresses gets the
/// index of the first `sortlist` entry whose address equals it masked with the entry's mask
/// (no entry: the list's length), and a stable insertion sort orders them by that index.
pub fn addrsort(addrs: &mut [Ipv4Addr], list: &[(Ipv4Addr, Ipv4Addr)]) {
    let n = addrs.len().min(SORTLIST_MAX_ADDRS);
    let rank = |a: &Ipv4Addr| {
        list.iter()
            .position(|(net, mask)| u32::from(*net) == u32::from(*a) & u32::from(*mask))
            .unwrap_or(list.len())
    };
    let mut keyed: Vec<(usize, Ipv4Addr)> = addrs[..n].iter().map(|a| (rank(a), *a)).collect();
    keyed.sort_by_key(|k| k.0);
    for (dst, (_, a)) in addrs.iter_mut().zip(keyed) {
        *dst = a;
    }
}

/// `gethostbyname(name)`: `gethostbyname2(name, AF_INET)`, or with `options inet6` (what
/// resolv.conf(5) documents and glibc before 2.30 did): IPv6 first, and when the name has no
/// IPv6 address its IPv4 addresses as `::ffff:a.b.c.d`, `AF_INET6`.
pub fn gethostbyname(name: &str, sem: Semantics) -> Looked {
    if !config::resolv_conf().inet6 {
        return gethostbyname2(name, libc::AF_INET, sem);
    }
    let six = gethostbyname2(name, libc::AF_INET6, sem);
    if !matches!(six.found, Err(Error::NotFound | Error::NoData)) {
        return six;
    }
    let mut four = gethostbyname2(name, libc::AF_INET, sem);
    if let Ok(h) = &mut four.found {
        h.addrtype = libc::AF_INET6;
        for a in &mut h.addrs {
            if let IpAddr::V4(v4) = *a {
                *a = IpAddr::V6(v4.to_ipv6_mapped());
            }
        }
    }
    four
}

/// `gethostbyaddr`: hosts file, then PTR over DNS ([`reverse`]).
/// musl (via `getnameinfo` without `NI_NAMEREQD`) answers with the numeric address when no
/// name is found and when DNS fails. glibc answers `HOST_NOT_FOUND` (NXDOMAIN, and `::`
/// without asking), `NO_DATA` (no PTR record) or `TRY_AGAIN`; a name from DNS for a
/// v4-mapped address comes back as the IPv4 address, `AF_INET` (nss_dns unmaps it).
pub fn gethostbyaddr(addr: IpAddr, sem: Semantics) -> Looked {
    let af = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    match sem {
        Semantics::Musl => {
            let n = match reverse::lookup(&addr, 0, sem) {
                Ok(f) => f.name,
                Err(_) => match addr {
                    IpAddr::V4(a) => a.to_string().into_bytes(),
                    IpAddr::V6(a) => super::nameinfo::ntop6(&a, sem).into_bytes(),
                },
            };
            Looked::musl(Ok(HostEnt {
                name: n.clone(),
                aliases: vec![n],
                addrtype: af,
                addrs: vec![addr],
            }))
        }
        Semantics::Glibc => gethostbyaddr_glibc(addr, af).into(),
    }
}

/// glibc's `gethostbyaddr_r` (`inet/gethstbyad_r.c`, the `files` and `dns` modules), with
/// what it returns and writes: `::` is HOST_NOT_FOUND and `ENOENT` without a question; a name
/// from the hosts file leaves `*h_errnop` as it was; a failed question returns 0 with its
/// `h_errno` in `*h_errnop` and the thread's (REFUSED and SERVFAIL are TRY_AGAIN); an answer
/// without a usable PTR record NO_RECOVERY (no PTR record: TRYAGAIN, `EAGAIN`; a name that is
/// no host name: UNAVAIL, 0).
fn gethostbyaddr_glibc(addr: IpAddr, af: i32) -> (Result<HostEnt>, Errnos) {
    use super::glibc::herr;
    let only = |ret, h| Errnos {
        ret,
        h_errnop: Some(h),
        h_errno: None,
    };
    if matches!(addr, IpAddr::V6(a) if a.is_unspecified()) {
        let h = herr::HOST_NOT_FOUND;
        return (Err(Error::NotFound), only(libc::ENOENT, h));
    }
    let f = match reverse::lookup(&addr, 0, Semantics::Glibc) {
        Ok(f) => f,
        Err(NoName::Query(e)) => {
            let mut errnos = Errnos::of_error(e);
            errnos.ret = 0;
            return (Err(e), errnos);
        }
        Err(e @ NoName::NoPtr) => return (Err(e.error()), only(libc::EAGAIN, herr::NO_RECOVERY)),
        Err(e @ NoName::BadName) => return (Err(e.error()), only(0, herr::NO_RECOVERY)),
    };
    let (addrtype, addr) = match addr {
        IpAddr::V6(a) if !f.from_hosts => match reverse::ipv4_part(&a, Semantics::Glibc) {
            Some(v4) => (libc::AF_INET, IpAddr::V4(v4)),
            None => (af, addr),
        },
        _ => (af, addr),
    };
    let errnos = Errnos {
        ret: 0,
        h_errnop: (!f.from_hosts).then_some(0),
        h_errno: None,
    };
    let h = HostEnt {
        name: f.name,
        aliases: f.aliases,
        addrtype,
        addrs: vec![addr],
    };
    (Ok(h), errnos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addrsort_as_glibc() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        let list = [
            (ip("10.2.0.0"), ip("255.255.0.0")),
            (ip("10.1.0.0"), ip("255.255.0.0")),
        ];
        let mut v = vec![
            ip("10.9.0.1"),
            ip("10.1.0.1"),
            ip("10.2.0.1"),
            ip("10.1.0.2"),
        ];
        addrsort(&mut v, &list);
        assert_eq!(
            v,
            [
                ip("10.2.0.1"),
                ip("10.1.0.1"),
                ip("10.1.0.2"),
                ip("10.9.0.1")
            ]
        );
        // The entry's address is compared as written: 10.1.2.3/255.255.0.0 matches nothing.
        let mut v = vec![ip("10.9.0.1"), ip("10.1.2.3")];
        addrsort(&mut v, &[(ip("10.1.2.3"), ip("255.255.0.0"))]);
        assert_eq!(v, [ip("10.9.0.1"), ip("10.1.2.3")]);
        // Only the first 48 move.
        let mut v: Vec<Ipv4Addr> = (0..60u32)
            .map(|i| Ipv4Addr::from(0x0a09_0000 + i))
            .collect();
        v.push(ip("10.2.0.9"));
        let before = v.clone();
        addrsort(&mut v, &list);
        assert_eq!(v, before);
        let mut v: Vec<Ipv4Addr> = (0..60u32)
            .map(|i| Ipv4Addr::from(0x0a09_0000 + i))
            .collect();
        v[47] = ip("10.2.0.9");
        addrsort(&mut v, &list);
        assert_eq!(v[0], ip("10.2.0.9"));
    }
}
