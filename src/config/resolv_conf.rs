//! `/etc/resolv.conf`, as glibc's resolv.conf(5) documents it (musl reads a subset).

use std::net::SocketAddr;

/// Maximum number of nameservers used (glibc `MAXNS`, musl `MAXNS`).
pub const MAXNS: usize = 3;

/// Typed resolver configuration; each option maps onto one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvConf {
    /// Up to [`MAXNS`] servers, port 53; IPv6 with scope id. Default: `127.0.0.1:53`.
    pub nameservers: Vec<SocketAddr>,
    /// Search list (from the last `search` or `domain` line), without trailing dots.
    pub search: Vec<String>,
    /// `options ndots:` (default 1, capped at 15).
    pub ndots: u32,
    /// `options timeout:` seconds (default 5).
    pub timeout: u32,
    /// `options attempts:` (default 2).
    pub attempts: u32,
    /// `options rotate`.
    pub rotate: bool,
    /// `options edns0`.
    pub edns0: bool,
    /// `options use-vc`.
    pub use_vc: bool,
    /// `options single-request`.
    pub single_request: bool,
    /// `options single-request-reopen`.
    pub single_request_reopen: bool,
    /// `options no-aaaa`.
    pub no_aaaa: bool,
    /// `options no-tld-query`.
    pub no_tld_query: bool,
    /// `options trust-ad`.
    pub trust_ad: bool,
    /// `options inet6`.
    pub inet6: bool,
}
