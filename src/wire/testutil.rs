//! Test helpers: building answers to queries (tests only).

use hickory_proto::op::{Message, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, SOA};
use hickory_proto::rr::{Name, RData, Record};

/// What a test server answers.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub records: Vec<Record>,
    pub rcode: u16,
    pub tc: bool,
    /// The authority section.
    pub authority: Vec<Record>,
}

impl Reply {
    pub fn records(records: Vec<Record>) -> Self {
        Reply {
            records,
            rcode: 0,
            tc: false,
            authority: Vec::new(),
        }
    }

    pub fn rcode(rcode: u16) -> Self {
        Reply {
            records: Vec::new(),
            rcode,
            tc: false,
            authority: Vec::new(),
        }
    }

    pub fn truncated(records: Vec<Record>) -> Self {
        Reply {
            records,
            rcode: 0,
            tc: true,
            authority: Vec::new(),
        }
    }
}

pub(crate) fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

pub(crate) fn a_record(owner: &str, ip: [u8; 4]) -> Record {
    Record::from_rdata(
        name(owner),
        300,
        RData::A(A::from(std::net::Ipv4Addr::from(ip))),
    )
}

pub(crate) fn aaaa_record(owner: &str, ip: std::net::Ipv6Addr) -> Record {
    Record::from_rdata(name(owner), 300, RData::AAAA(AAAA::from(ip)))
}

pub(crate) fn cname_record(owner: &str, target: &str) -> Record {
    Record::from_rdata(name(owner), 300, RData::CNAME(CNAME(name(target))))
}

/// An SOA record of zone `owner` with this TTL and MINIMUM (RFC 2308: a negative answer's).
pub(crate) fn soa_record(owner: &str, ttl: u32, minimum: u32) -> Record {
    let soa = SOA::new(
        name(&format!("ns.{owner}")),
        name(&format!("hostmaster.{owner}")),
        1,
        3600,
        600,
        86400,
        minimum,
    );
    Record::from_rdata(name(owner), ttl, RData::SOA(soa))
}

/// The answer to `query` (question and ID copied) described by `reply`, in wire form.
pub(crate) fn respond(query: &[u8], reply: &Reply) -> Vec<u8> {
    let q = Message::from_vec(query).unwrap();
    let mut m = Message::response(q.metadata.id, OpCode::Query);
    m.metadata.recursion_desired = q.metadata.recursion_desired;
    m.metadata.recursion_available = true;
    m.metadata.truncation = reply.tc;
    m.metadata.response_code = <ResponseCode as From<u16>>::from(reply.rcode);
    m.add_queries(q.queries.clone());
    m.add_answers(reply.records.clone());
    m.add_authorities(reply.authority.clone());
    m.to_vec().unwrap()
}
