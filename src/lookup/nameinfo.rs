//! `getnameinfo`'s parts both flows share: the `NI_*` flags, the request and the answer, the
//! service text, the numeric host, and the buffer rule (`EAI_OVERFLOW` when a result does not
//! fit its buffer with its NUL). The flows: [`super::musl`] (`getnameinfo.c`: hosts file,
//! then a PTR question; no name found, or DNS failing, gives the numeric address unless
//! `NI_NAMEREQD`; `NI_NOFQDN` ignored; flags not checked) and [`super::gnu`]
//! (`inet/getnameinfo.c`: the same through `gethostbyaddr_r`, but a temporary DNS failure is
//! `EAI_AGAIN`, `NI_NOFQDN` cuts the local domain off, unknown flags are `EAI_BADFLAGS`).
//! `abi::nameinfo` reads the C `sockaddr` and copies the strings into the caller's buffers.

use super::types::Semantics;
use crate::config::{self, Proto};
use crate::numeric::{ntop6_glibc, ntop6_musl};
use crate::{Error, Result};
use std::net::IpAddr;

/// `NI_*` flag values (musl's and glibc's `<netdb.h>` agree where both have them).
pub mod ni {
    pub const NUMERICHOST: i32 = 0x01;
    pub const NUMERICSERV: i32 = 0x02;
    pub const NOFQDN: i32 = 0x04;
    pub const NAMEREQD: i32 = 0x08;
    pub const DGRAM: i32 = 0x10;
    /// glibc only: IDN decoding of the name (accepted; names are passed through).
    pub const IDN: i32 = 0x20;
    /// glibc only: the former `NI_IDN_ALLOW_UNASSIGNED` and `NI_IDN_USE_STD3_ASCII_RULES`,
    /// accepted and ignored.
    pub const DEPRECATED_IDN: i32 = 0xc0;
    /// musl only: keep the scope id numeric.
    pub const NUMERICSCOPE: i32 = 0x100;
}

/// Flags glibc accepts; any other bit is `EAI_BADFLAGS`.
pub const GLIBC_FLAGS: i32 = ni::NUMERICHOST
    | ni::NUMERICSERV
    | ni::NOFQDN
    | ni::NAMEREQD
    | ni::DGRAM
    | ni::IDN
    | ni::DEPRECATED_IDN;

/// Flags musl's `<netdb.h>` defines (musl itself ignores any other bit).
pub const MUSL_FLAGS: i32 =
    ni::NUMERICHOST | ni::NUMERICSERV | ni::NOFQDN | ni::NAMEREQD | ni::DGRAM | ni::NUMERICSCOPE;

/// The flags a program built against `program`'s headers can pass: glibc's semantics reject
/// any other bit with `EAI_BADFLAGS` (in compatibility mode the program's flags are musl's,
/// `NI_NUMERICSCOPE` among them: [`super::PROGRAM_LIBC`]).
pub fn known_flags(program: Semantics) -> i32 {
    match program {
        Semantics::Musl => MUSL_FLAGS,
        Semantics::Glibc => GLIBC_FLAGS,
    }
}

/// What the caller asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// `sin_addr` / `sin6_addr` (a `sockaddr_in6` stays IPv6, v4-mapped or not).
    pub addr: IpAddr,
    pub port: u16,
    /// `sin6_scope_id` (0 for IPv4).
    pub scope_id: u32,
    /// The host buffer's size, `None` for a NULL or empty buffer (no host wanted).
    pub host_len: Option<usize>,
    /// The service buffer's size, `None` for a NULL or empty buffer.
    pub serv_len: Option<usize>,
    pub flags: i32,
}

/// The answer: host and service text (each only when asked for; the host as bytes, since
/// musl passes a PTR target's bytes on as they are).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameInfo {
    pub host: Option<Vec<u8>>,
    pub serv: Option<String>,
}

/// The answer for `r`: the host text `host` gives (asked only when a host buffer was passed)
/// and the service text, each checked to fit its buffer.
pub(crate) fn answer(r: &Request, host: impl FnOnce() -> Result<Vec<u8>>) -> Result<NameInfo> {
    let mut out = NameInfo::default();
    if let Some(len) = r.host_len {
        let host = host()?;
        fits(&host, len)?;
        out.host = Some(host);
    }
    if let Some(len) = r.serv_len {
        let serv = service(r.port, r.flags);
        fits(serv.as_bytes(), len)?;
        out.serv = Some(serv);
    }
    Ok(out)
}

/// A string and its NUL fit in `len` bytes.
fn fits(s: &[u8], len: usize) -> Result<()> {
    if s.len() < len {
        Ok(())
    } else {
        Err(Error::Overflow)
    }
}

/// The address as the libc's `inet_ntop` writes it, and the scope: `%ifname` for link-local
/// (unicast or multicast) addresses whose interface exists (unless musl's `NI_NUMERICSCOPE`,
/// which only a program built against musl passes: glibc's semantics reject the bit from any
/// other), else `%number`.
pub(crate) fn numeric_host(r: &Request, sem: Semantics) -> Vec<u8> {
    let mut s = match r.addr {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) if sem == Semantics::Glibc => ntop6_glibc(&a),
        IpAddr::V6(a) => ntop6_musl(&a),
    };
    if let IpAddr::V6(a) = r.addr {
        if r.scope_id != 0 {
            let o = a.octets();
            let link_local =
                (o[0] == 0xfe && o[1] & 0xc0 == 0x80) || (o[0] == 0xff && o[1] & 0x0f == 0x02);
            let numeric = r.flags & ni::NUMERICSCOPE != 0;
            s.push('%');
            match crate::sys::host::if_indextoname(r.scope_id).filter(|_| link_local && !numeric) {
                Some(n) => s.push_str(&n),
                None => s.push_str(&r.scope_id.to_string()),
            }
        }
    }
    s.into_bytes()
}

/// The service: the first services-file name for the port and protocol (udp with
/// `NI_DGRAM`, else tcp), unless `NI_NUMERICSERV`; else the decimal port.
fn service(port: u16, flags: i32) -> String {
    if flags & ni::NUMERICSERV == 0 {
        let proto = if flags & ni::DGRAM != 0 {
            Proto::Udp
        } else {
            Proto::Tcp
        };
        if let Some(e) = config::services().by_port(port, Some(proto)).next() {
            return e.names[0].clone();
        }
    }
    port.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_of_the_programs_libc() {
        // A musl program's NI_NUMERICSCOPE is a flag it knows, also under glibc's rules.
        assert_ne!(known_flags(Semantics::Musl) & ni::NUMERICSCOPE, 0);
        assert_eq!(known_flags(Semantics::Glibc) & ni::NUMERICSCOPE, 0);
        assert_eq!(known_flags(Semantics::Musl) & ni::IDN, 0);
    }

    #[test]
    fn services() {
        // /etc/services may be anything on the test machine; numeric is always numeric.
        assert_eq!(service(65000, ni::NUMERICSERV), "65000");
    }
}
