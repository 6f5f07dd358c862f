//! Address to name: the hosts file, then a PTR question (in-addr.arpa / ip6.arpa) over DNS
//! with the same UDP→TCP transport as forward lookups.

use crate::config;
use crate::transport::{self, Policy, Question};
use crate::wire::{self, RecordType};
use crate::{Error, Result};
use hickory_proto::rr::RData;
use std::fmt::Write;
use std::net::IpAddr;

/// The PTR owner name of `addr`.
pub fn ptr_name(addr: &IpAddr) -> String {
    let mut s = String::with_capacity(73);
    match addr {
        IpAddr::V4(a) => {
            let o = a.octets();
            let _ = write!(s, "{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0]);
        }
        IpAddr::V6(a) => {
            for b in a.octets().iter().rev() {
                let _ = write!(s, "{:x}.{:x}.", b & 15, b >> 4);
            }
            s.push_str("ip6.arpa");
        }
    }
    s
}

/// The name of `addr`: `Ok(None)` when neither the hosts file nor DNS has one (NXDOMAIN or no
/// PTR record); `Err(TryAgain/Fail)` when DNS could not answer.
pub fn reverse(addr: &IpAddr) -> Result<Option<String>> {
    if let Some(e) = config::hosts().by_addr(*addr).next() {
        return Ok(Some(e.names[0].clone()));
    }
    let conf = config::resolv_conf();
    let q = [Question {
        name: ptr_name(addr),
        qtype: u16::from(RecordType::PTR),
    }];
    let r = match transport::resolve(&q, &Policy::from_conf(&conf)).pop() {
        Some(r) => r?,
        None => return Err(Error::Fail),
    };
    let c = wire::collect(&r.message, &q[0].name, RecordType::PTR);
    Ok(c.records.iter().find_map(|rec| match &rec.data {
        RData::PTR(p) => {
            let n = wire::name_to_string(&p.0);
            (!n.is_empty()).then_some(n)
        }
        _ => None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ptr_names() {
        assert_eq!(
            ptr_name(&"192.0.2.1".parse().unwrap()),
            "1.2.0.192.in-addr.arpa"
        );
        assert_eq!(
            ptr_name(&"2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }
}
