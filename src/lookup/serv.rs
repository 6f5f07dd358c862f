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

/// C `strtoul(s, &z, 10)` followed by `!*z`: the whole string is a decimal number (leading
/// white space and a sign accepted as strtoul does). `Some(None)` for a number too large.
fn whole_number(s: &str) -> Option<Option<u64>> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
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

/// glibc's socket type table (`gaih_inet_typeproto`): type, protocol, protocol-any,
/// no-service, returned by default.
const GLIBC_TYPES: [(i32, i32, bool, bool, bool); 6] = [
    (STREAM, TCP, false, false, true),
    (DGRAM, UDP, false, false, true),
    (libc::SOCK_DCCP, libc::IPPROTO_DCCP, false, false, false),
    (DGRAM, libc::IPPROTO_UDPLITE, false, false, false),
    (STREAM, libc::IPPROTO_SCTP, false, false, false),
    (RAW, 0, true, true, true),
];

/// glibc's `gaih_inet` service handling.
fn glibc(
    name: Option<&str>,
    protocol: i32,
    socktype: i32,
    flags: i32,
    services: &dyn Fn() -> std::sync::Arc<Services>,
) -> Result<Vec<Service>> {
    // With a socket type or protocol given, the first matching table row.
    let chosen = if socktype != 0 || protocol != 0 {
        let row = GLIBC_TYPES
            .iter()
            .chain(std::iter::once(&(
                libc::SOCK_SEQPACKET,
                libc::IPPROTO_SCTP,
                false,
                false,
                false,
            )))
            .find(|(t, p, any, _, _)| {
                (socktype == 0 || socktype == *t) && (protocol == 0 || *any || protocol == *p)
            });
        match row {
            Some(r) => Some(*r),
            None if socktype != 0 => return Err(Error::BadSocktype),
            None => return Err(Error::BadService),
        }
    } else {
        None
    };
    let number = match name {
        None => None,
        Some(n) => match n.parse::<u64>() {
            Ok(v) if !n.starts_with('+') => Some(v as u16),
            _ => {
                if flags & ai::NUMERICSERV != 0 {
                    return Err(Error::NotFound);
                }
                None
            }
        },
    };
    let port = match (name, number) {
        (None, _) => 0,
        (Some(_), Some(p)) => p,
        (Some(n), None) => {
            // A service name: looked up per socket type.
            let rows: Vec<_> = match chosen {
                Some(r) => vec![r],
                None => GLIBC_TYPES.iter().copied().filter(|r| r.4).collect(),
            };
            let table = services();
            let mut out = Vec::new();
            for (t, p, any, noservice, _) in rows {
                if noservice {
                    if chosen.is_some() {
                        return Err(Error::BadService);
                    }
                    continue;
                }
                let want = if p == TCP {
                    Proto::Tcp
                } else if p == UDP {
                    Proto::Udp
                } else {
                    continue;
                };
                if let Some(e) = table.by_name(n).find(|e| e.proto == want) {
                    let proto = if any { protocol } else { p };
                    out.push(Service {
                        port: e.port,
                        socktype: t,
                        protocol: proto,
                    });
                }
            }
            return if out.is_empty() {
                Err(Error::BadService)
            } else {
                Ok(out)
            };
        }
    };
    Ok(match chosen {
        Some((t, p, any, noservice, _)) => {
            if noservice && name.is_some() {
                return Err(Error::BadService);
            }
            vec![Service {
                port,
                socktype: t,
                protocol: if any { protocol } else { p },
            }]
        }
        None => GLIBC_TYPES
            .iter()
            .filter(|r| r.4)
            .filter(|r| !(r.3 && name.is_some() && number.is_none()))
            .map(|&(t, p, _, _, _)| Service {
                port,
                socktype: t,
                protocol: p,
            })
            .collect(),
    })
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
