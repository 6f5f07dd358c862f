//! Names to addresses: numeric hosts, the hosts file, the search list, DNS; sorting; the
//! service table; the `getaddrinfo` and `gethostbyname` result builders (plain Rust values,
//! turned into C structures by `abi`).
//!
//! Two semantics live here: musl's (the default of the musl build) and glibc's (the glibc build,
//! or the musl build with `DNSSHIM_COMPAT=glibc`). [`Semantics::current`] picks one per call.

pub mod addrinfo;
pub mod ask;
pub mod glibc;
mod glibc_sort;
pub mod hostent;
pub mod name;
pub mod nameinfo;
pub mod netlink;
pub mod res;
pub mod reverse;
pub mod serv;
pub mod sort;

use std::net::IpAddr;

/// `AI_*` flag values; identical in musl's and glibc's `<netdb.h>`.
pub mod ai {
    pub const PASSIVE: i32 = 0x01;
    pub const CANONNAME: i32 = 0x02;
    pub const NUMERICHOST: i32 = 0x04;
    pub const V4MAPPED: i32 = 0x08;
    pub const ALL: i32 = 0x10;
    pub const ADDRCONFIG: i32 = 0x20;
    /// glibc only: IDN conversion of the name (accepted, names are passed through).
    pub const IDN: i32 = 0x40;
    /// glibc only: IDN conversion of the canonical name.
    pub const CANONIDN: i32 = 0x80;
    pub const NUMERICSERV: i32 = 0x400;
}

/// Address family asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Unspec,
    Inet,
    Inet6,
}

impl Family {
    /// From a C `AF_*` value; `None` for unsupported families.
    pub fn from_af(af: i32) -> Option<Family> {
        match af {
            libc::AF_UNSPEC => Some(Family::Unspec),
            libc::AF_INET => Some(Family::Inet),
            libc::AF_INET6 => Some(Family::Inet6),
            _ => None,
        }
    }

    /// Whether addresses of `ip`'s family are wanted.
    pub fn admits(self, ip: &IpAddr) -> bool {
        match self {
            Family::Unspec => true,
            Family::Inet => ip.is_ipv4(),
            Family::Inet6 => ip.is_ipv6(),
        }
    }
}

/// Whose behaviour to reproduce where musl and glibc differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Semantics {
    Musl,
    Glibc,
}

impl Semantics {
    /// musl's in the musl build unless `DNSSHIM_COMPAT=glibc`; glibc's in the glibc build.
    pub fn current() -> Semantics {
        if crate::config::env::compat_glibc() {
            Semantics::Glibc
        } else {
            Semantics::Musl
        }
    }
}

/// The C library whose headers the calling program was built with: the `AI_*` and `NI_*`
/// flag values it passes are that library's (musl's in the musl build, `DNSSHIM_COMPAT=glibc`
/// or not; glibc's in the glibc build). Compatibility mode changes the lookup rules, never the
/// meaning of the caller's constants.
pub const PROGRAM_LIBC: Semantics = if cfg!(target_env = "musl") {
    Semantics::Musl
} else {
    Semantics::Glibc
};

/// How to use the nameservers of `conf`: every resolv.conf option, and the servers all at
/// once (musl) or one after the other (glibc).
pub fn policy(conf: &crate::config::ResolvConf, sem: Semantics) -> crate::transport::Policy {
    crate::transport::Policy::from_conf(conf).in_order(sem == Semantics::Glibc)
}

/// One resolved address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    pub ip: IpAddr,
    /// IPv6 scope id, else 0.
    pub scope_id: u32,
}

impl Address {
    pub fn new(ip: IpAddr) -> Address {
        Address { ip, scope_id: 0 }
    }
}

impl crate::wire::AddressItem for Address {
    fn from_ip(ip: std::net::IpAddr) -> Address {
        Address::new(ip)
    }
    fn ip(&self) -> std::net::IpAddr {
        self.ip
    }
}

/// The addresses of a [`Names`].
pub type Addresses = smallvec::SmallVec<[Address; 4]>;

/// Addresses of one name and its canonical name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Names {
    /// Inline up to four: no allocation for the usual lookup.
    pub addrs: Addresses,
    /// Canonical name: the last name of the CNAME chain musl takes ([`name::network_name`]),
    /// the hosts file's first name, or the name itself (fully qualified by the search list).
    /// Bytes: a name from the network may hold any byte musl passes on. Empty for a NULL name.
    pub canon: Vec<u8>,
    /// The addresses came from DNS (not the hosts file, a numeric host or a NULL name).
    pub from_dns: bool,
}
