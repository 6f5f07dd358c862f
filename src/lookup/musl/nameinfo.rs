//! musl's `getnameinfo` (`getnameinfo.c`): the hosts file, then a PTR question; no name found
//! (or DNS failing) gives the numeric address unless `NI_NAMEREQD`; flags are not checked.

use crate::lookup::nameinfo::{answer, ni, numeric_host, NameInfo, Request};
use crate::lookup::reverse;
use crate::lookup::types::Semantics;
use crate::{Error, Result};

/// `getnameinfo` for an IPv4 or IPv6 socket address. Errors: `NotFound` (`EAI_NONAME`),
/// `Overflow`.
pub(crate) fn getnameinfo(r: &Request) -> Result<NameInfo> {
    answer(r, || {
        if r.flags & ni::NUMERICHOST == 0 {
            // Every DNS failure is "no name" (musl's getnameinfo never says EAI_AGAIN).
            if let Ok(found) = reverse::lookup(&r.addr, r.scope_id, Semantics::Musl) {
                return Ok(found.name);
            }
        }
        if r.flags & ni::NAMEREQD != 0 {
            return Err(Error::NotFound);
        }
        Ok(numeric_host(r, Semantics::Musl))
    })
}
