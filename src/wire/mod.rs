//! DNS messages: query building, response validation, record collection along CNAME chains.
//!
//! Queries are built by hand (byte-exact, like `res_mkquery`); responses are checked against
//! the query, then whole, and read in place ([`Message`]): no record is copied.
//!
//! - [`build_query`]: one question, RD set, optional EDNS0 OPT record ([`with_opt`] adds one
//!   to any query).
//! - [`pton`]: glibc's `ns_name_pton`, names with escapes to wire form ([`name`]).
//! - [`check_response`]: does this packet answer that query? ([`Response`])
//! - [`collect`]: the records of one type at the end of the CNAME chain ([`Collected`]).

mod collect;
mod message;
pub mod name;
mod query;
mod response;
#[cfg(test)]
pub(crate) mod testutil;

pub use collect::{
    addresses, as_given, collect, collect_addresses, collect_addresses_into, name_is, AddressItem,
    Chain, Collected, CollectedAddrs, MAX_CNAME_HOPS,
};
pub use message::{name_to_string, question_end, rtype, Labels, Message, Name, Record, Records};
pub use name::{check_name, pton, WireName};
pub(crate) use query::push_header;
pub use query::{build_query, build_query_ad, with_opt, EDNS_PAYLOAD};
pub use response::{check_response, query_id, Response};

/// Longest name accepted, in presentation form without the trailing dot (RFC 1035: 255 octets
/// on the wire).
pub const MAX_NAME_LEN: usize = 253;
/// Longest label (RFC 1035 2.3.4).
pub const MAX_LABEL_LEN: usize = 63;
/// Longest name on the wire, length bytes and root included (RFC 1035 3.1; `NS_MAXCDNAME`).
pub const MAX_WIRE_NAME: usize = 255;
/// Size of the fixed DNS header (RFC 1035 4.1.1).
pub const HEADER_LEN: usize = 12;
/// Class IN (RFC 1035 3.2.4).
pub const CLASS_IN: u16 = 1;
/// Type of the EDNS0 pseudo-record (RFC 6891 6.1.1).
pub const TYPE_OPT: u16 = 41;
/// Type, class, TTL and RDLENGTH of a resource record (RFC 1035 4.1.3, glibc `RRFIXEDSZ`).
pub const RR_FIXED_LEN: usize = 10;

/// Bits of the header's second word (RFC 1035 4.1.1; AD: RFC 4035 3.2.3, RFC 6840 5.7).
pub mod flag {
    /// A response.
    pub const QR: u16 = 0x8000;
    /// Truncated.
    pub const TC: u16 = 0x0200;
    /// Recursion desired.
    pub const RD: u16 = 0x0100;
    /// Authentic data (in a query: asks the server to report it; glibc sets it with `options
    /// trust-ad`).
    pub const AD: u16 = 0x0020;
    /// Where the opcode starts (four bits).
    pub const OPCODE_SHIFT: u16 = 11;
}

/// Sets (`on`) or clears the header bits `bits` of `msg` (the second word of the header:
/// bytes 2 and 3; a byte the message does not have is left out).
pub fn set_flags(msg: &mut [u8], bits: u16, on: bool) {
    for (at, b) in (2..).zip(bits.to_be_bytes()) {
        if let Some(x) = msg.get_mut(at) {
            if on {
                *x |= b;
            } else {
                *x &= !b;
            }
        }
    }
}

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

/// Mnemonics of record types (RFC 1035, 3596, 2782, 6891, 4034, 6698, 7553, 8659, 9460), for
/// log lines and the `dnsshim` command.
const TYPE_NAMES: &[(u16, &str)] = &[
    (1, "A"),
    (2, "NS"),
    (5, "CNAME"),
    (6, "SOA"),
    (12, "PTR"),
    (13, "HINFO"),
    (15, "MX"),
    (16, "TXT"),
    (17, "RP"),
    (18, "AFSDB"),
    (24, "SIG"),
    (25, "KEY"),
    (28, "AAAA"),
    (29, "LOC"),
    (33, "SRV"),
    (35, "NAPTR"),
    (36, "KX"),
    (37, "CERT"),
    (39, "DNAME"),
    (41, "OPT"),
    (42, "APL"),
    (43, "DS"),
    (44, "SSHFP"),
    (45, "IPSECKEY"),
    (46, "RRSIG"),
    (47, "NSEC"),
    (48, "DNSKEY"),
    (49, "DHCID"),
    (50, "NSEC3"),
    (51, "NSEC3PARAM"),
    (52, "TLSA"),
    (53, "SMIMEA"),
    (55, "HIP"),
    (59, "CDS"),
    (60, "CDNSKEY"),
    (61, "OPENPGPKEY"),
    (62, "CSYNC"),
    (63, "ZONEMD"),
    (64, "SVCB"),
    (65, "HTTPS"),
    (99, "SPF"),
    (108, "EUI48"),
    (109, "EUI64"),
    (249, "TKEY"),
    (250, "TSIG"),
    (251, "IXFR"),
    (252, "AXFR"),
    (255, "ANY"),
    (256, "URI"),
    (257, "CAA"),
];

/// Mnemonic of a record type (`TYPE<n>` for the ones without a name here, RFC 3597 5).
pub fn type_name(qtype: u16) -> String {
    match TYPE_NAMES.iter().find(|(n, _)| *n == qtype) {
        Some((_, name)) => (*name).to_string(),
        None => format!("TYPE{qtype}"),
    }
}

/// The type a mnemonic (ASCII case ignored) or a `TYPE<n>` form names.
pub fn type_from_name(name: &str) -> Option<u16> {
    if let Some(n) = name
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("TYPE"))
        .and_then(|_| name[4..].parse::<u16>().ok())
    {
        return Some(n);
    }
    TYPE_NAMES
        .iter()
        .find(|(_, m)| m.eq_ignore_ascii_case(name))
        .map(|(n, _)| *n)
}
