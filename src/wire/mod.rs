//! DNS messages: query building, response validation, record collection along CNAME chains.
//!
//! Queries are built by hand (byte-exact, like `res_mkquery`); responses are parsed with
//! hickory-proto after the header and question have been checked by hand against the query.
//!
//! - [`build_query`]: one question, RD set, optional EDNS0 OPT record.
//! - [`check_response`]: does this packet answer that query? ([`Response`])
//! - [`collect`]: the records of one type at the end of the CNAME chain ([`Collected`]).

mod collect;
mod query;
mod response;
#[cfg(test)]
pub(crate) mod testutil;

pub use collect::{
    addresses, collect, collect_addresses, name_to_string, Collected, CollectedAddrs,
    MAX_CNAME_HOPS,
};
pub use hickory_proto::op::Message;
pub use hickory_proto::rr::RecordType;
pub use query::{build_query, build_query_ad, check_name, EDNS_PAYLOAD, FLAG_AD};
pub use response::{check_response, query_id, Response};

/// Longest name accepted, in presentation form without the trailing dot (RFC 1035: 255 octets
/// on the wire).
pub const MAX_NAME_LEN: usize = 253;
/// Longest label (RFC 1035).
pub const MAX_LABEL_LEN: usize = 63;
/// Size of the fixed DNS header (RFC 1035 4.1.1).
pub const HEADER_LEN: usize = 12;
/// Class IN (RFC 1035 3.2.4).
pub const CLASS_IN: u16 = 1;
/// Type of the EDNS0 pseudo-record (RFC 6891 6.1.1).
pub const TYPE_OPT: u16 = 41;

/// Response codes (RFC 1035 4.1.1) the transport distinguishes.
pub mod rcode {
    pub const NOERROR: u16 = 0;
    pub const FORMERR: u16 = 1;
    pub const SERVFAIL: u16 = 2;
    pub const NXDOMAIN: u16 = 3;
    pub const NOTIMP: u16 = 4;
    pub const REFUSED: u16 = 5;

    /// Mnemonic of a response code, for log lines (`RCODE<n>` for the ones without a name here).
    pub fn name(rcode: u16) -> std::borrow::Cow<'static, str> {
        match rcode {
            NOERROR => "NOERROR".into(),
            FORMERR => "FORMERR".into(),
            SERVFAIL => "SERVFAIL".into(),
            NXDOMAIN => "NXDOMAIN".into(),
            NOTIMP => "NOTIMP".into(),
            REFUSED => "REFUSED".into(),
            16 => "BADVERS".into(),
            n => format!("RCODE{n}").into(),
        }
    }
}

/// Mnemonic of a record type for log lines (`TYPE<n>` for types hickory does not know).
pub fn type_name(qtype: u16) -> String {
    match RecordType::from(qtype) {
        RecordType::Unknown(n) => format!("TYPE{n}"),
        t => t.to_string(),
    }
}
