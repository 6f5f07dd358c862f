//! musl's `__lookup_serv` (`lookup_serv.c`): which (port, socket type, protocol) triples each
//! address is returned with.

use crate::config::{Proto, Services};
use crate::lookup::types::{ai, Service, ServiceList, ServiceStep, ServiceVec};
use crate::numeric::strtoul_parts;
use crate::sys::{
    IPPROTO_TCP as TCP, IPPROTO_UDP as UDP, SOCK_DGRAM as DGRAM, SOCK_STREAM as STREAM,
};
use crate::{Error, Result};

/// The triples for `name` (a number or a service name, or `None`) under the hints' socket type
/// and protocol. `services` is only consulted for names.
pub(crate) fn lookup_serv(
    name: Option<&str>,
    protocol: i32,
    socktype: i32,
    flags: i32,
    services: &dyn Fn() -> std::sync::Arc<Services>,
) -> Result<ServiceVec> {
    let (name, protocol) = match step(name, protocol, socktype, flags)? {
        ServiceStep::Done(list) => return Ok(ServiceVec::from_slice(list.as_slice())),
        ServiceStep::ByName(by_name) => by_name,
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
pub(crate) fn step(
    name: Option<&str>,
    mut protocol: i32,
    socktype: i32,
    flags: i32,
) -> Result<ServiceStep<(&str, i32)>> {
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
            return Ok(ServiceStep::Done(list));
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
        return Ok(ServiceStep::Done(list));
    }
    if flags & ai::NUMERICSERV != 0 {
        return Err(Error::NotFound);
    }
    Ok(ServiceStep::ByName((name.unwrap_or_default(), protocol)))
}

/// C `strtoul(s, &z, 10)` followed by `!*z`: the whole string is a decimal number.
/// `Some(None)` for a number too large.
fn whole_number(s: &str) -> Option<Option<u64>> {
    let (neg, v) = strtoul_parts(s)?;
    // A negated value wraps to a huge unsigned long: never a valid port.
    Some(if neg && v != Some(0) { None } else { v })
}

fn by_name(services: &Services, name: &str, want: impl Fn(Proto) -> bool) -> ServiceVec {
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
