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
pub use query::{build_query, build_query_ad, with_opt, Query, EDNS_PAYLOAD, MAX_QUERY};
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

/// Record types with a mnemonic (RFC 1035, 3596, 2782, 6891, 4034, 6698, 7553, 8659, 9460),
/// for log lines and the `dnsshim` command; [`TYPE_MNEMONICS`] names them in the same order.
/// Numbers and one string rather than a table of `&str`: the loader would relocate each
/// entry's pointer in every process the library is loaded into.
const TYPE_CODES: [u16; 50] = [
    1, 2, 5, 6, 12, 13, 15, 16, 17, 18, 24, 25, 28, 29, 33, 35, 36, 37, 39, 41, 42, 43, 44, 45, 46,
    47, 48, 49, 50, 51, 52, 53, 55, 59, 60, 61, 62, 63, 64, 65, 99, 108, 109, 249, 250, 251, 252,
    255, 256, 257,
];
const TYPE_MNEMONICS: &str = "A NS CNAME SOA PTR HINFO MX TXT RP AFSDB SIG KEY AAAA LOC SRV NAPTR KX CERT DNAME OPT APL DS SSHFP IPSECKEY RRSIG NSEC DNSKEY DHCID NSEC3 NSEC3PARAM TLSA SMIMEA HIP CDS CDNSKEY OPENPGPKEY CSYNC ZONEMD SVCB HTTPS SPF EUI48 EUI64 TKEY TSIG IXFR AXFR ANY URI CAA";

/// The record types with a mnemonic, and their mnemonics.
fn known_types() -> impl Iterator<Item = (u16, &'static str)> {
    TYPE_CODES.into_iter().zip(TYPE_MNEMONICS.split(' '))
}

/// Mnemonic of a record type (`TYPE<n>` for the ones without a name here, RFC 3597 5).
pub fn type_name(qtype: u16) -> String {
    match known_types().find(|(n, _)| *n == qtype) {
        Some((_, name)) => name.to_string(),
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
    known_types()
        .find(|(_, m)| m.eq_ignore_ascii_case(name))
        .map(|(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_code_has_its_mnemonic() {
        assert_eq!(TYPE_MNEMONICS.split(' ').count(), TYPE_CODES.len());
        assert_eq!(type_name(1), "A");
        assert_eq!(type_name(28), "AAAA");
        assert_eq!(type_name(257), "CAA");
        assert_eq!(type_name(58), "TYPE58");
        assert_eq!(type_from_name("naptr"), Some(35));
        assert_eq!(type_from_name("OPENPGPKEY"), Some(61));
        assert_eq!(type_from_name("TYPE58"), Some(58));
        assert_eq!(type_from_name("NOPE"), None);
        for (code, name) in known_types() {
            assert_eq!(type_from_name(name), Some(code));
        }
    }
}
