//! The types both flows share (musl's `lookup.h`, as it were): which libc's rules apply,
//! addresses and names, the `getaddrinfo` hints and result, the `hostent` and what glibc's
//! `_r` functions write besides it. Plain Rust values; `abi` turns them into C structures.

use crate::config::ResolvConf;
use crate::sys::{AF_INET, AF_INET6, AF_UNSPEC};
use crate::transport::Policy;
use crate::{Error, Result};
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

    /// Every flag musl's `getaddrinfo` accepts (and its `<netdb.h>` defines).
    pub const MUSL_FLAGS: i32 =
        PASSIVE | CANONNAME | NUMERICHOST | V4MAPPED | ALL | ADDRCONFIG | NUMERICSERV;

    /// Every flag glibc accepts: the POSIX ones, `AI_IDN`, `AI_CANONIDN` and the deprecated
    /// IDN bits 0x100 and 0x200 (`DEPRECATED_AI_IDN`).
    pub const GLIBC_FLAGS: i32 = MUSL_FLAGS | IDN | CANONIDN | 0x300;
}

/// The `AI_*` flags a program built against `program`'s headers can pass, which glibc's
/// semantics accept: glibc's own, or in compatibility mode musl's ([`PROGRAM_LIBC`]: the IDN
/// bits mean nothing to a musl program, and musl rejects them too).
pub fn known_ai_flags(program: Semantics) -> i32 {
    match program {
        Semantics::Musl => ai::MUSL_FLAGS,
        Semantics::Glibc => ai::GLIBC_FLAGS,
    }
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
            AF_UNSPEC => Some(Family::Unspec),
            AF_INET => Some(Family::Inet),
            AF_INET6 => Some(Family::Inet6),
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

    /// How to use the nameservers of `conf`: every resolv.conf option, and the servers all at
    /// once (musl) or one after the other (glibc).
    pub fn policy(self, conf: &ResolvConf) -> Policy {
        Policy::from_conf(conf).in_order(self == Semantics::Glibc)
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
    fn from_ip(ip: IpAddr) -> Address {
        Address::new(ip)
    }
    fn ip(&self) -> IpAddr {
        self.ip
    }
}

/// The triples a service lookup gives: up to three (one per socket type) without allocating.
pub type ServiceVec = smallvec::SmallVec<[Service; 3]>;

/// The addresses of a [`Names`].
pub type Addresses = smallvec::SmallVec<[Address; 4]>;

/// How many bytes of a canonical name [`Canon`] holds without allocating: most names asked
/// (not a libc limit; a longer name, up to a host name's 253 bytes and beyond for a name from
/// the network, is kept on the heap).
pub const CANON_INLINE: usize = 64;

/// A canonical name ([`Names::canon`], [`AddrInfo::canon`]): inline up to [`CANON_INLINE`]
/// bytes, so the usual lookup allocates nothing for it.
pub type Canon = smallvec::SmallVec<[u8; CANON_INLINE]>;

/// Addresses of one name and its canonical name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Names {
    /// Inline up to four: no allocation for the usual lookup.
    pub addrs: Addresses,
    /// Canonical name: the last name of the CNAME chain musl takes
    /// ([`super::name::network_name`]), the hosts file's first name, or the name itself (fully
    /// qualified by the search list). Bytes: a name from the network may hold any byte musl
    /// passes on. Empty for a NULL name.
    pub canon: Canon,
    /// The addresses came from DNS (not the hosts file, a numeric host or a NULL name).
    pub from_dns: bool,
}

/// The caller's hints, or the libc's defaults for NULL hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    pub flags: i32,
    pub family: i32,
    pub socktype: i32,
    pub protocol: i32,
}

impl Hints {
    /// What NULL hints mean with `flags`: no socket type or protocol, any family.
    pub fn with_flags(flags: i32) -> Hints {
        Hints {
            flags,
            family: AF_UNSPEC,
            socktype: 0,
            protocol: 0,
        }
    }
}

/// One (port, socket type, protocol) triple.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    pub port: u16,
    pub socktype: i32,
    pub protocol: i32,
}

/// At most three triples, kept inline: what a numeric or absent service gives (musl: tcp and
/// udp; glibc: tcp, udp and raw), so that `getaddrinfo` of a numeric host allocates nothing
/// but its result block.
#[derive(Debug, Clone, Copy)]
pub struct ServiceList {
    items: [Service; 3],
    len: usize,
}

impl ServiceList {
    pub(crate) const fn new() -> ServiceList {
        ServiceList {
            items: [Service {
                port: 0,
                socktype: 0,
                protocol: 0,
            }; 3],
            len: 0,
        }
    }

    /// Appends `s`; never more than three are pushed (see the callers).
    pub(crate) fn push(&mut self, s: Service) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = s;
            self.len += 1;
        }
    }

    pub fn as_slice(&self) -> &[Service] {
        &self.items[..self.len]
    }
}

/// A service step that needs no services file: its triples, or the name still to look up.
pub(crate) enum ServiceStep<T> {
    Done(ServiceList),
    ByName(T),
}

impl<T> ServiceStep<T> {
    pub(crate) fn done(self) -> Option<ServiceList> {
        match self {
            ServiceStep::Done(list) => Some(list),
            ServiceStep::ByName(_) => None,
        }
    }
}

/// One `struct addrinfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub addr: Address,
    pub port: u16,
    pub socktype: i32,
    pub protocol: i32,
}

/// The entries of a result: each address with each service, in that order (what a lookup
/// gives: no list of entries is built, the C block is laid out from the two lists), or an
/// explicit list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entries {
    Product {
        addrs: Addresses,
        services: ServiceVec,
    },
    List(Vec<Entry>),
}

impl Entries {
    /// Each of `addrs` with each of `services`.
    pub fn product(addrs: Addresses, services: &[Service]) -> Entries {
        Entries::Product {
            addrs,
            services: smallvec::SmallVec::from_slice(services),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Entries::Product { addrs, services } => addrs.len() * services.len(),
            Entries::List(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entry `i` (`i < len()`).
    pub fn get(&self, i: usize) -> Entry {
        match self {
            Entries::Product { addrs, services } => {
                let s = services[i % services.len()];
                Entry {
                    addr: addrs[i / services.len()],
                    port: s.port,
                    socktype: s.socktype,
                    protocol: s.protocol,
                }
            }
            Entries::List(v) => v[i],
        }
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = Entry> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// The whole result list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrInfo {
    pub entries: Entries,
    /// `ai_canonname` (bytes: see [`HostEnt`]).
    pub canon: Option<Canon>,
    /// musl puts the canonical name on every entry, glibc only on the first.
    pub canon_on_all: bool,
    /// `ai_flags` of every entry: 0 in musl, the hints' flags in glibc (`AI_DEFAULT` for NULL
    /// hints).
    pub flags: i32,
}

/// A result of one address with at most three services, the canonical name borrowed from the
/// caller: what the numeric short cut ([`super::numeric`]) gives, on the stack.
#[derive(Debug, Clone, Copy)]
pub struct Small<'a> {
    pub(crate) addr: Address,
    pub(crate) services: ServiceList,
    /// `ai_canonname`.
    pub canon: Option<&'a [u8]>,
    /// As [`AddrInfo::canon_on_all`].
    pub canon_on_all: bool,
    /// As [`AddrInfo::flags`].
    pub flags: i32,
}

impl Small<'_> {
    /// How many entries: one per service.
    pub fn len(&self) -> usize {
        self.services.as_slice().len()
    }

    /// Never: every call the short cut answers has a service.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entry `i` (`i < self.len()`): the address with service `i`.
    pub fn entry(&self, i: usize) -> Entry {
        let s = self.services.as_slice().get(i).copied().unwrap_or(Service {
            port: 0,
            socktype: 0,
            protocol: 0,
        });
        Entry {
            addr: self.addr,
            port: s.port,
            socktype: s.socktype,
            protocol: s.protocol,
        }
    }
}

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
    pub(crate) fn musl(found: Result<HostEnt>) -> Looked {
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

/// What glibc's `gethostbyname2_r` and `gethostbyaddr_r` return and write besides the entry
/// (`nss/getXXbyYY_r.c` over the `files` and `dns` modules and the resolver, as Debian 12's
/// 2.36 behaves), each as the error `abi` makes the C number of. A buffer too small is the
/// caller's (`ERANGE`, `NETDB_INTERNAL`, the thread's `h_errno` not written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Errnos {
    /// The value returned: 0 (`None`), or the errno of an error: `TryAgain` `EAGAIN`,
    /// `NotFound` `ENOENT`, `BadFamily` `EAFNOSUPPORT`, `Memory` `ENOMEM`, `System(e)` `e`.
    pub ret: Option<Error>,
    /// What `*h_errnop` holds after the call (`None`: not written): `NETDB_SUCCESS` (`Ok`), or
    /// the `h_errno` of an error (`NotFound` `HOST_NOT_FOUND`, `NoData` `NO_DATA`, `TryAgain`
    /// `TRY_AGAIN`, `Fail` `NO_RECOVERY`, `Memory` and `System` `NETDB_INTERNAL`).
    pub h_errnop: Option<Result<()>>,
    /// What the resolver wrote to the thread's `h_errno` on the way (`None`: not written).
    pub h_errno: Option<Result<()>>,
}

impl Errnos {
    /// A module's end without any resolver query: `ret`, `*h_errnop = h`.
    pub(crate) fn module(ret: Option<Error>, h: Result<()>) -> Errnos {
        Errnos {
            ret,
            h_errnop: Some(h),
            h_errno: None,
        }
    }

    /// A query that failed with `h`, as `res_query`/`res_search` set it in the thread and the
    /// `dns` module copies it to `*h_errnop`; `ret` is what the function then returns.
    pub(crate) fn query_failed(ret: Option<Error>, h: Error) -> Errnos {
        Errnos {
            ret,
            h_errnop: Some(Err(h)),
            h_errno: Some(Err(h)),
        }
    }

    /// For a failure the shim reports as it is in both builds: every server broken is the
    /// resolver's NO_RECOVERY (`FORMERR`); a system error NETDB_INTERNAL and its errno
    /// (`EMFILE`); out of memory NETDB_INTERNAL and `ENOMEM`, the thread's `h_errno` not
    /// written (nss_dns's malloc failures).
    pub fn of_error(e: Error) -> Errnos {
        match e {
            Error::Memory => Errnos::module(Some(e), Err(e)),
            Error::System(_) => Errnos::query_failed(Some(e), e),
            Error::TryAgain => Errnos::query_failed(Some(e), e),
            Error::NotFound | Error::NoData => Errnos::query_failed(None, e),
            _ => Errnos::query_failed(None, Error::Fail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_in_order_for_glibc_only() {
        let conf = ResolvConf::parse(b"nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions rotate\n");
        assert!(Semantics::Glibc.policy(&conf).in_order);
        assert!(!Semantics::Musl.policy(&conf).in_order);
        assert!(Semantics::Musl.policy(&conf).rotate);
    }
}
