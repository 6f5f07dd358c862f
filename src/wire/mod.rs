//! DNS messages: query building, response validation, record collection along CNAME chains.
//!
//! Queries are built by hand (byte-exact, like `res_mkquery`); responses are parsed with
//! hickory-proto.

pub use hickory_proto::op::Message;
pub use hickory_proto::rr::RecordType;

/// Longest name accepted, in presentation form without the trailing dot (RFC 1035: 255 octets
/// on the wire).
pub const MAX_NAME_LEN: usize = 253;
/// Longest label (RFC 1035).
pub const MAX_LABEL_LEN: usize = 63;
