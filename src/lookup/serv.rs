//! Service names and socket types for `getaddrinfo`: which (port, socktype, protocol) triples
//! each address is returned with.

use super::{ai, Semantics};
use crate::config::{Proto, Services};
use crate::{Error, Result};

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
    const fn new() -> ServiceList {
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
    fn push(&mut self, s: Service) {
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
enum Step<T> {
    Done(ServiceList),
    ByName(T),
}

impl<T> Step<T> {
    fn done(self) -> Option<ServiceList> {
        match self {
            Step::Done(list) => Some(list),
            Step::ByName(_) => None,
        }
    }
}

const STREAM: i32 = libc::SOCK_STREAM;
const DGRAM: i32 = libc::SOCK_DGRAM;
const RAW: i32 = libc::SOCK_RAW;
const TCP: i32 = libc::IPPROTO_TCP;
const UDP: i32 = libc::IPPROTO_UDP;

/// The triples for `name` (a number or a service name, or `None`) under the hints' socket type
/// and protocol. `services` is only consulted for names.
pub fn lookup_serv(
    name: Option<&str>,
    protocol: i32,
    socktype: i32,
    flags: i32,
    sem: Semantics,
    services: &dyn Fn() -> std::sync::Arc<Services>,
) -> Result<Vec<Service>> {
    match sem {
        Semantics::Musl => musl(name, protocol, socktype, flags, services),
        Semantics::Glibc => glibc(name, protocol, socktype, flags, services),
    }
}

/// [`lookup_serv`] for the calls that need no services file (a number or no service), without
/// allocating: `None` for a service name or an error, which [`lookup_serv`] then answers.
#[inline]
pub fn lookup_serv_numeric(
    name: Option<&str>,
    protocol: i32,
    socktype: i32,
    flags: i32,
    sem: Semantics,
) -> Option<ServiceList> {
    match sem {
        Semantics::Musl => musl_step(name, protocol, socktype, flags).ok()?.done(),
        Semantics::Glibc => glibc_step(glibc_service(name, flags).ok()?, socktype, protocol)
            .ok()?
            .done(),
    }
}

/// What C `strtoul(s, &z, 10)` followed by `!*z` reads (leading white space and a sign
/// accepted as strtoul does): whether it is negated, and the value of the digits (`None` when
/// it exceeds 64 bits). `None` when `s` is not all number.
fn strtoul_parts(s: &str) -> Option<(bool, Option<u64>)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let neg = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = &b[i..];
    if digits.is_empty() {
        return None;
    }
    let mut v = Some(0u64);
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v
            .and_then(|v| v.checked_mul(10))
            .and_then(|v| v.checked_add(u64::from(c - b'0')));
    }
    Some((neg, v))
}

/// C `strtoul(s, &z, 10)` followed by `!*z`: the whole string is a decimal number.
/// `Some(None)` for a number too large.
fn whole_number(s: &str) -> Option<Option<u64>> {
    let (neg, v) = strtoul_parts(s)?;
    // A negated value wraps to a huge unsigned long: never a valid port.
    Some(if neg && v != Some(0) { None } else { v })
}

fn by_name(services: &Services, name: &str, want: impl Fn(Proto) -> bool) -> Vec<Service> {
    services
        .by_name(name)
        .filter(|e| want(e.proto))
        .map(|e| match e.proto {
            Proto::Tcp => Service {
                port: e.port,
                socktype: STREAM,
                protocol: TCP,
            },
            Proto::Udp => Service {
                port: e.port,
                socktype: DGRAM,
                protocol: UDP,
            },
        })
        .collect()
}

/// musl's `__lookup_serv`.
fn musl(
    name: Option<&str>,
    protocol: i32,
    socktype: i32,
    flags: i32,
    services: &dyn Fn() -> std::sync::Arc<Services>,
) -> Result<Vec<Service>> {
    let (name, protocol) = match musl_step(name, protocol, socktype, flags)? {
        Step::Done(list) => return Ok(list.as_slice().to_vec()),
        Step::ByName(by_name) => by_name,
    };
    let v = by_name(&services(), name, |p| match p {
        Proto::Tcp => protocol != UDP,
        Proto::Udp => protocol != TCP,
    });
    if v.is_empty() {
        Err(Error::BadService)
    } else {
        Ok(v)
    }
}

/// musl's `__lookup_serv` up to the services file: the triples of a number or of no service,
/// or the name to look up with the protocol it must have.
#[inline]
fn musl_step(
    name: Option<&str>,
    mut protocol: i32,
    socktype: i32,
    flags: i32,
) -> Result<Step<(&str, i32)>> {
    let mut list = ServiceList::new();
    match socktype {
        STREAM => match protocol {
            0 | TCP => protocol = TCP,
            _ => return Err(Error::BadService),
        },
        DGRAM => match protocol {
            0 | UDP => protocol = UDP,
            _ => return Err(Error::BadService),
        },
        0 => {}
        _ => {
            if name.is_some() {
                return Err(Error::BadService);
            }
            list.push(Service {
                port: 0,
                socktype,
                protocol,
            });
            return Ok(Step::Done(list));
        }
    }
    let number = match name {
        None => Some(Some(0)),
        Some("") => return Err(Error::BadService),
        Some(n) => whole_number(n),
    };
    if let Some(port) = number {
        let port = match port {
            Some(p) if p <= 65535 => p as u16,
            _ => return Err(Error::BadService),
        };
        if protocol != UDP {
            list.push(Service {
                port,
                socktype: STREAM,
                protocol: TCP,
            });
        }
        if protocol != TCP {
            list.push(Service {
                port,
                socktype: DGRAM,
                protocol: UDP,
            });
        }
        return Ok(Step::Done(list));
    }
    if flags & ai::NUMERICSERV != 0 {
        return Err(Error::NotFound);
    }
    Ok(Step::ByName((name.unwrap_or_default(), protocol)))
}

/// One row of glibc's socket type table (`gaih_inet_typeproto`).
struct TypeProto {
    socktype: i32,
    protocol: i32,
    /// `GAI_PROTO_PROTOANY`: any protocol goes with this socket type (the hints' is kept).
    protoany: bool,
    /// `GAI_PROTO_NOSERVICE`: no service may be named with this socket type.
    noservice: bool,
    /// Returned when neither socket type nor protocol is given.
    default: bool,
    /// The protocol name looked up in the services file.
    name: &'static str,
}

const fn tp(
    socktype: i32,
    protocol: i32,
    protoany: bool,
    default: bool,
    name: &'static str,
) -> TypeProto {
    TypeProto {
        socktype,
        protocol,
        protoany,
        noservice: protoany,
        default,
        name,
    }
}

/// glibc's `gaih_inet_typeproto`, in order.
const GLIBC_TYPES: [TypeProto; 7] = [
    tp(STREAM, TCP, false, true, "tcp"),
    tp(DGRAM, UDP, false, true, "udp"),
    tp(libc::SOCK_DCCP, libc::IPPROTO_DCCP, false, false, "dccp"),
    tp(DGRAM, libc::IPPROTO_UDPLITE, false, false, "udplite"),
    tp(STREAM, libc::IPPROTO_SCTP, false, false, "sctp"),
    tp(
        libc::SOCK_SEQPACKET,
        libc::IPPROTO_SCTP,
        false,
        false,
        "sctp",
    ),
    tp(RAW, 0, true, true, "raw"),
];

/// A service as glibc's `getaddrinfo` reads the argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlibcService<'a> {
    /// A number (already reduced to 16 bits, as `htons` does).
    Number(u16),
    /// A name for the services file.
    Name(&'a str),
}

/// glibc's reading of a service argument: `strtoul` over the whole string (leading blanks and a
/// sign allowed) stored in an `int`; a negative `int` is looked up as a name, as is anything
/// that is not all number (`AI_NUMERICSERV`: `EAI_NONAME`). The empty string is no service.
#[inline]
pub fn glibc_service(s: Option<&str>, flags: i32) -> Result<Option<GlibcService<'_>>> {
    let Some(s) = s.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let Some((neg, v)) = strtoul_parts(s) else {
        if flags & ai::NUMERICSERV != 0 {
            return Err(Error::NotFound);
        }
        return Ok(Some(GlibcService::Name(s)));
    };
    let v = v.unwrap_or(u64::MAX);
    let v = (if neg { v.wrapping_neg() } else { v }) as i32;
    Ok(Some(if v < 0 {
        GlibcService::Name(s)
    } else {
        GlibcService::Number(v as u16)
    }))
}

/// glibc's `get_servtuples`: with a socket type or protocol, the first matching table row;
/// without, every default row for a number, every row whose protocol knows the name for a name.
pub fn glibc_servtuples(
    service: Option<GlibcService<'_>>,
    socktype: i32,
    protocol: i32,
    services: &dyn Fn() -> std::sync::Arc<Services>,
) -> Result<Vec<Service>> {
    let (name, chosen) = match glibc_step(service, socktype, protocol)? {
        Step::Done(list) => return Ok(list.as_slice().to_vec()),
        Step::ByName(by_name) => by_name,
    };
    let matches = |t: &TypeProto| glibc_matches(t, socktype, protocol);
    let proto_of = |t: &TypeProto| if t.protoany { protocol } else { t.protocol };
    // gaih_inet_serv: getservbyname(name, row's protocol name). The services table knows tcp
    // and udp entries only.
    let table = services();
    let lookup = |t: &TypeProto| -> Option<Service> {
        let want = match t.name {
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            _ => return None,
        };
        table
            .by_name(name)
            .find(|e| e.proto == want)
            .map(|e| Service {
                port: e.port,
                socktype: t.socktype,
                protocol: proto_of(t),
            })
    };
    let out: Vec<Service> = match chosen {
        Some(t) => lookup(t).into_iter().collect(),
        None => GLIBC_TYPES
            .iter()
            .filter(|t| !t.noservice && matches(t))
            .filter_map(lookup)
            .collect(),
    };
    if out.is_empty() {
        Err(Error::BadService)
    } else {
        Ok(out)
    }
}

/// Whether table row `t` goes with the hints' socket type and protocol.
fn glibc_matches(t: &TypeProto, socktype: i32, protocol: i32) -> bool {
    !((socktype != 0 && socktype != t.socktype)
        || (protocol != 0 && !t.protoany && protocol != t.protocol))
}

/// [`glibc_servtuples`] up to the services file: the triples of a number or of no service, or
/// the name to look up with the row chosen by the hints (`None`: every row).
#[inline]
fn glibc_step<'a>(
    service: Option<GlibcService<'a>>,
    socktype: i32,
    protocol: i32,
) -> Result<Step<(&'a str, Option<&'static TypeProto>)>> {
    let chosen = if socktype != 0 || protocol != 0 {
        match GLIBC_TYPES
            .iter()
            .find(|t| glibc_matches(t, socktype, protocol))
        {
            Some(t) => Some(t),
            None if socktype != 0 => return Err(Error::BadSocktype),
            None => return Err(Error::BadService),
        }
    } else {
        None
    };
    if service.is_some() && chosen.is_some_and(|t| t.noservice) {
        return Err(Error::BadService);
    }
    let port = match service {
        None => 0,
        Some(GlibcService::Number(p)) => p,
        Some(GlibcService::Name(n)) => return Ok(Step::ByName((n, chosen))),
    };
    let mut list = ServiceList::new();
    match chosen {
        Some(t) => list.push(Service {
            port,
            socktype: t.socktype,
            protocol: if t.protoany { protocol } else { t.protocol },
        }),
        // Three default rows: the list's capacity (tested below).
        None => {
            for t in GLIBC_TYPES.iter().filter(|t| t.default) {
                list.push(Service {
                    port,
                    socktype: t.socktype,
                    protocol: t.protocol,
                });
            }
        }
    }
    Ok(Step::Done(list))
}

/// glibc's `gaih_inet` service handling, from the `getaddrinfo` arguments.
fn glibc(
    name: Option<&str>,
    protocol: i32,
    socktype: i32,
    flags: i32,
    services: &dyn Fn() -> std::sync::Arc<Services>,
) -> Result<Vec<Service>> {
    glibc_servtuples(glibc_service(name, flags)?, socktype, protocol, services)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn table() -> Arc<Services> {
        Arc::new(Services::parse(
            b"http 80/tcp www\nhttp 80/udp\ndomain 53/udp\n",
        ))
    }

    fn m(name: Option<&str>, proto: i32, st: i32, flags: i32) -> Result<Vec<(u16, i32, i32)>> {
        lookup_serv(name, proto, st, flags, Semantics::Musl, &table).map(|v| {
            v.into_iter()
                .map(|s| (s.port, s.socktype, s.protocol))
                .collect()
        })
    }

    fn g(name: Option<&str>, proto: i32, st: i32, flags: i32) -> Result<Vec<(u16, i32, i32)>> {
        lookup_serv(name, proto, st, flags, Semantics::Glibc, &table).map(|v| {
            v.into_iter()
                .map(|s| (s.port, s.socktype, s.protocol))
                .collect()
        })
    }

    #[test]
    fn musl_rules() {
        assert_eq!(
            m(None, 0, 0, 0),
            Ok(vec![(0, STREAM, TCP), (0, DGRAM, UDP)])
        );
        assert_eq!(m(Some("80"), 0, STREAM, 0), Ok(vec![(80, STREAM, TCP)]));
        assert_eq!(
            m(Some("http"), 0, 0, 0),
            Ok(vec![(80, STREAM, TCP), (80, DGRAM, UDP)])
        );
        assert_eq!(m(Some("www"), 0, DGRAM, 0), Err(Error::BadService));
        assert_eq!(m(Some("domain"), 0, 0, 0), Ok(vec![(53, DGRAM, UDP)]));
        assert_eq!(m(Some("http"), 0, 0, ai::NUMERICSERV), Err(Error::NotFound));
        assert_eq!(m(Some("65536"), 0, 0, 0), Err(Error::BadService));
        assert_eq!(m(Some(""), 0, 0, 0), Err(Error::BadService));
        assert_eq!(m(Some("nope"), 0, 0, 0), Err(Error::BadService));
        assert_eq!(m(Some("80"), UDP, STREAM, 0), Err(Error::BadService));
        assert_eq!(m(None, 0, RAW, 0), Ok(vec![(0, RAW, 0)]));
        assert_eq!(m(Some("80"), 0, RAW, 0), Err(Error::BadService));
    }

    #[test]
    fn glibc_rules() {
        assert_eq!(
            g(None, 0, 0, 0),
            Ok(vec![(0, STREAM, TCP), (0, DGRAM, UDP), (0, RAW, 0)])
        );
        assert_eq!(
            g(Some("80"), 0, 0, 0),
            Ok(vec![(80, STREAM, TCP), (80, DGRAM, UDP), (80, RAW, 0)])
        );
        assert_eq!(
            g(Some("http"), 0, 0, 0),
            Ok(vec![(80, STREAM, TCP), (80, DGRAM, UDP)])
        );
        assert_eq!(g(Some("80"), 0, 99, 0), Err(Error::BadSocktype));
        assert_eq!(g(Some("80"), UDP, STREAM, 0), Err(Error::BadSocktype));
        assert_eq!(g(None, 0, RAW, 0), Ok(vec![(0, RAW, 0)]));
        assert_eq!(g(Some("http"), 0, 0, ai::NUMERICSERV), Err(Error::NotFound));
    }

    #[test]
    fn default_rows_fit_the_inline_list() {
        assert_eq!(GLIBC_TYPES.iter().filter(|t| t.default).count(), 3);
    }

    /// The allocation-free variant answers exactly the calls that need no services file, with
    /// what `lookup_serv` answers.
    #[test]
    fn numeric_variant_agrees() {
        let names = [
            None,
            Some(""),
            Some("0"),
            Some("80"),
            Some(" 80"),
            Some("+80"),
            Some("-0"),
            Some("-1"),
            Some("65535"),
            Some("65536"),
            Some("4294967376"),
            Some("99999999999999999999999"),
            Some("http"),
            Some("www"),
            Some("nope"),
            Some("*"),
        ];
        let socktypes = [
            0,
            STREAM,
            DGRAM,
            RAW,
            libc::SOCK_SEQPACKET,
            libc::SOCK_DCCP,
            99,
        ];
        let protocols = [
            0,
            TCP,
            UDP,
            libc::IPPROTO_SCTP,
            libc::IPPROTO_UDPLITE,
            libc::IPPROTO_DCCP,
            7,
        ];
        let not_read = || -> Arc<Services> { panic!("numeric services read the table") };
        for sem in [Semantics::Musl, Semantics::Glibc] {
            for name in names {
                for st in socktypes {
                    for proto in protocols {
                        for flags in [0, ai::NUMERICSERV] {
                            let full = lookup_serv(name, proto, st, flags, sem, &table);
                            match lookup_serv_numeric(name, proto, st, flags, sem) {
                                Some(l) => {
                                    assert_eq!(Ok(l.as_slice().to_vec()), full);
                                    // Nor does lookup_serv read it for these.
                                    assert_eq!(
                                        lookup_serv(name, proto, st, flags, sem, &not_read),
                                        full
                                    );
                                }
                                None => assert!(
                                    full.is_err() || name.is_some_and(|n| whole(n).is_none()),
                                    "{sem:?} {name:?} {st} {proto} {flags}: {full:?}"
                                ),
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether `n` is read as a number by one libc or the other.
    fn whole(n: &str) -> Option<()> {
        strtoul_parts(n).map(|_| ())
    }
}
