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

/// What C `strtoul(s, &z, 10)` followed by `!*z` reads (leading white space and a sign
/// accepted as strtoul does): whether it is negated, and the digits. `None` when `s` is not
/// all number.
fn strtoul_parts(s: &str) -> Option<(bool, &str)> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some((neg, digits))
}

/// C `strtoul(s, &z, 10)` followed by `!*z`: the whole string is a decimal number.
/// `Some(None)` for a number too large.
fn whole_number(s: &str) -> Option<Option<u64>> {
    let (neg, digits) = strtoul_parts(s)?;
    let v = digits.parse::<u64>().ok();
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
    mut protocol: i32,
    socktype: i32,
    flags: i32,
    services: &dyn Fn() -> std::sync::Arc<Services>,
) -> Result<Vec<Service>> {
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
            return Ok(vec![Service {
                port: 0,
                socktype,
                protocol,
            }]);
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
        let mut v = Vec::with_capacity(2);
        if protocol != UDP {
            v.push(Service {
                port,
                socktype: STREAM,
                protocol: TCP,
            });
        }
        if protocol != TCP {
            v.push(Service {
                port,
                socktype: DGRAM,
                protocol: UDP,
            });
        }
        return Ok(v);
    }
    if flags & ai::NUMERICSERV != 0 {
        return Err(Error::NotFound);
    }
    let name = name.unwrap_or_default();
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
pub fn glibc_service(s: Option<&str>, flags: i32) -> Result<Option<GlibcService<'_>>> {
    let Some(s) = s.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let Some((neg, digits)) = strtoul_parts(s) else {
        if flags & ai::NUMERICSERV != 0 {
            return Err(Error::NotFound);
        }
        return Ok(Some(GlibcService::Name(s)));
    };
    let v = digits.parse::<u64>().unwrap_or(u64::MAX);
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
    let matches = |t: &TypeProto| {
        !((socktype != 0 && socktype != t.socktype)
            || (protocol != 0 && !t.protoany && protocol != t.protocol))
    };
    let chosen = if socktype != 0 || protocol != 0 {
        match GLIBC_TYPES.iter().find(|t| matches(t)) {
            Some(t) => Some(t),
            None if socktype != 0 => return Err(Error::BadSocktype),
            None => return Err(Error::BadService),
        }
    } else {
        None
    };
    let proto_of = |t: &TypeProto| if t.protoany { protocol } else { t.protocol };
    if service.is_some() && chosen.is_some_and(|t| t.noservice) {
        return Err(Error::BadService);
    }
    let name = match service {
        None | Some(GlibcService::Number(_)) => {
            let port = match service {
                Some(GlibcService::Number(p)) => p,
                _ => 0,
            };
            return Ok(match chosen {
                Some(t) => vec![Service {
                    port,
                    socktype: t.socktype,
                    protocol: proto_of(t),
                }],
                None => GLIBC_TYPES
                    .iter()
                    .filter(|t| t.default)
                    .map(|t| Service {
                        port,
                        socktype: t.socktype,
                        protocol: t.protocol,
                    })
                    .collect(),
            });
        }
        Some(GlibcService::Name(n)) => n,
    };
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
}
