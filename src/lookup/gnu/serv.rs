//! glibc's service handling in `getaddrinfo` (`sysdeps/posix/getaddrinfo.c`: the service
//! argument, `get_servtuples` over its socket type table, `gaih_inet_serv`).

use crate::config::{Proto, Services};
use crate::lookup::types::{ai, Service, ServiceList, ServiceStep, ServiceVec};
use crate::numeric::strtoul_parts;
use crate::sys::{
    IPPROTO_DCCP, IPPROTO_SCTP, IPPROTO_TCP as TCP, IPPROTO_UDP as UDP, IPPROTO_UDPLITE, SOCK_DCCP,
    SOCK_DGRAM as DGRAM, SOCK_RAW as RAW, SOCK_SEQPACKET, SOCK_STREAM as STREAM,
};
use crate::{Error, Result};

/// One row of glibc's socket type table (`gaih_inet_typeproto`).
pub(crate) struct TypeProto {
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
    tp(SOCK_DCCP, IPPROTO_DCCP, false, false, "dccp"),
    tp(DGRAM, IPPROTO_UDPLITE, false, false, "udplite"),
    tp(STREAM, IPPROTO_SCTP, false, false, "sctp"),
    tp(SOCK_SEQPACKET, IPPROTO_SCTP, false, false, "sctp"),
    tp(RAW, 0, true, true, "raw"),
];

/// A service as glibc's `getaddrinfo` reads the argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GlibcService<'a> {
    /// A number (already reduced to 16 bits, as `htons` does).
    Number(u16),
    /// A name for the services file.
    Name(&'a str),
}

/// glibc's reading of a service argument: `strtoul` over the whole string (leading blanks and a
/// sign allowed) stored in an `int`; a negative `int` is looked up as a name, as is anything
/// that is not all number (`AI_NUMERICSERV`: `EAI_NONAME`). The empty string is no service.
#[inline]
pub(crate) fn service(s: Option<&str>, flags: i32) -> Result<Option<GlibcService<'_>>> {
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
pub(crate) fn servtuples(
    service: Option<GlibcService<'_>>,
    socktype: i32,
    protocol: i32,
    services: &dyn Fn() -> std::sync::Arc<Services>,
) -> Result<ServiceVec> {
    let (name, chosen) = match step(service, socktype, protocol)? {
        ServiceStep::Done(list) => return Ok(ServiceVec::from_slice(list.as_slice())),
        ServiceStep::ByName(by_name) => by_name,
    };
    let matches = |t: &TypeProto| matches_row(t, socktype, protocol);
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
    let out: ServiceVec = match chosen {
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
fn matches_row(t: &TypeProto, socktype: i32, protocol: i32) -> bool {
    !((socktype != 0 && socktype != t.socktype)
        || (protocol != 0 && !t.protoany && protocol != t.protocol))
}

/// [`servtuples`] up to the services file: the triples of a number or of no service, or
/// the name to look up with the row chosen by the hints (`None`: every row).
#[inline]
pub(crate) fn step<'a>(
    service: Option<GlibcService<'a>>,
    socktype: i32,
    protocol: i32,
) -> Result<ServiceStep<(&'a str, Option<&'static TypeProto>)>> {
    let chosen = if socktype != 0 || protocol != 0 {
        match GLIBC_TYPES
            .iter()
            .find(|t| matches_row(t, socktype, protocol))
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
        Some(GlibcService::Name(n)) => return Ok(ServiceStep::ByName((n, chosen))),
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
    Ok(ServiceStep::Done(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rows_fit_the_inline_list() {
        assert_eq!(GLIBC_TYPES.iter().filter(|t| t.default).count(), 3);
    }
}
