//! The `res_*` functions' parts both flows share: the reply and how it goes into the caller's
//! buffer ([`Reply::fit`], glibc's rule in both builds), how a call fails ([`Fail`], [`Done`]),
//! the query's header and question, and the exchange itself: through the same transport as
//! every lookup (UDP, then TCP on truncation), so a 9 KB TXT record or 40 SRV records arrive
//! whole; `options edns0` advertising the caller's buffer, `options no-aaaa`
//! ([`super::no_aaaa`]). `abi::res` copies the results into the caller's buffers and sets
//! `h_errno`/`errno`.
//!
//! The flows: [`super::musl`] (1.2.3 `res_query.c`, `res_mkquery.c`, `res_send.c`) and
//! [`super::gnu`] (2.36 `res_query.c`, `res_send.c`, `res_mkquery.c`, `res-noaaaa.c`).

use super::no_aaaa;
use super::types::Semantics;
use crate::config::{self, ResolvConf};
use crate::transport::{self, Accept};
use crate::wire::{self, flag, rcode, with_opt, EDNS_PAYLOAD, HEADER_LEN};
use crate::Error;

/// Opcode of a standard query (`QUERY`, `ns_o_query`).
pub const OP_QUERY: i32 = 0;
/// Opcode of a zone change notification (`NS_NOTIFY_OP`), which glibc's `res_mkquery` also
/// builds.
pub const OP_NOTIFY: i32 = 4;

/// A `res_query`, `res_search` or `res_querydomain` call: the name as the caller gave it, the
/// class and type, and the size of the caller's answer buffer.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    pub name: &'a [u8],
    pub class: i32,
    pub qtype: i32,
    pub anslen: usize,
}

/// A `res_mkquery(op, dname, class, type, data, …, buf, buflen)` call. `data` is the name
/// glibc puts in a NOTIFY's additional section: `None` for NULL, else a function that reads
/// it, called only where the emulated libc reads it (glibc: NOTIFY, once the question is
/// built; musl: never), so that a caller's binary `data` without a NUL is never read as a
/// string.
#[derive(Clone, Copy)]
pub struct Mkquery<'a> {
    pub op: i32,
    pub dname: &'a [u8],
    pub class: i32,
    pub qtype: i32,
    pub data: Option<&'a dyn Fn() -> Vec<u8>>,
    pub buflen: usize,
}

impl<'a> Mkquery<'a> {
    /// A call without `data`.
    pub fn new(op: i32, dname: &'a [u8], class: i32, qtype: i32, buflen: usize) -> Self {
        Mkquery {
            op,
            dname,
            class,
            qtype,
            data: None,
            buflen,
        }
    }
}

impl<'a> Question<'a> {
    /// The `res_mkquery` call `res_query` makes for it, into a buffer of `buflen` bytes.
    pub(crate) fn mkquery(self, buflen: usize) -> Mkquery<'a> {
        Mkquery::new(OP_QUERY, self.name, self.class, self.qtype, buflen)
    }
}

/// Smallest EDNS0 payload glibc advertises (`__res_nopt`: the plain UDP limit).
const EDNS_MIN_PAYLOAD: u16 = 512;

/// A response for the caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The whole message (with the AD bit already cleared where glibc clears it).
    pub bytes: Vec<u8>,
    /// It came over TCP.
    pub tcp: bool,
}

impl Reply {
    /// What glibc puts into a buffer of `anslen` bytes, and what it returns:
    /// - the answer fits: all of it, its length;
    /// - it came over UDP: its first `anslen` bytes (the kernel cuts the datagram), `anslen`;
    /// - it came over TCP: its first `anslen` bytes with the TC bit set in the copy, and the
    ///   answer's full length, larger than `anslen` (`send_vc`: "response truncated").
    pub fn fit(&self, anslen: usize) -> (Vec<u8>, usize) {
        if self.bytes.len() <= anslen {
            return (self.bytes.clone(), self.bytes.len());
        }
        let mut copy = self.bytes[..anslen].to_vec();
        if self.tcp {
            wire::set_flags(&mut copy, flag::TC, true);
            (copy, self.bytes.len())
        } else {
            (copy, anslen)
        }
    }

    /// The header's RCODE and ANCOUNT.
    pub(crate) fn rcode_ancount(&self) -> (u16, u16) {
        let b = &self.bytes;
        (
            u16::from(b.get(3).copied().unwrap_or(0) & 0x0f),
            u16::from_be_bytes([
                b.get(6).copied().unwrap_or(0),
                b.get(7).copied().unwrap_or(0),
            ]),
        )
    }
}

/// How a call failed: the call returns -1 after setting these (`None`: left alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fail {
    /// `h_errno`, as [`crate::abi::h_errno_code`] maps it: `NotFound` = `HOST_NOT_FOUND`,
    /// `NoData` = `NO_DATA`, `TryAgain` = `TRY_AGAIN`, `Fail` = `NO_RECOVERY`.
    pub h_errno: Option<Error>,
    pub errno: Option<i32>,
}

impl Fail {
    pub(crate) fn h(e: Error) -> Fail {
        Fail {
            h_errno: Some(e),
            errno: None,
        }
    }

    /// -1 and nothing else set.
    pub(crate) const SILENT: Fail = Fail {
        h_errno: None,
        errno: None,
    };
}

/// The end of a `res_*` call: what goes into the caller's buffer (the last response received,
/// even when the call fails, as in both libcs) and whether the call succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub reply: Option<Reply>,
    pub status: Result<(), Fail>,
}

impl Done {
    pub(crate) fn fail(f: Fail) -> Done {
        Done {
            reply: None,
            status: Err(f),
        }
    }
}

/// The start of a query: the header (a random ID, `flags`: the opcode and flag bits, one
/// question, `arcount` additional records) and the question (`name` in wire form).
pub(crate) fn question(flags: u16, name: &[u8], qtype: u16, class: u16, arcount: u16) -> Vec<u8> {
    let mut q = Vec::with_capacity(HEADER_LEN + name.len() + 4);
    wire::push_header(&mut q, crate::sys::random_id(), flags, arcount);
    q.extend_from_slice(name);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&class.to_be_bytes());
    q
}

/// The EDNS0 payload advertised for a caller's buffer of `anslen` bytes (glibc `__res_nopt`:
/// the buffer size, at least 512, at most our [`EDNS_PAYLOAD`]).
pub fn edns_payload_for(anslen: usize) -> u16 {
    u16::try_from(anslen)
        .unwrap_or(u16::MAX)
        .clamp(EDNS_MIN_PAYLOAD, EDNS_PAYLOAD)
}

/// `res_query`'s exchange of `plain` (a query the flow's `res_mkquery` built) for a caller's
/// buffer of `anslen` bytes: with `options edns0`, the query with an OPT record advertising the
/// buffer, `plain` as the FORMERR fallback.
fn ask(plain: &[u8], anslen: usize, conf: &ResolvConf, sem: Semantics) -> crate::Result<Reply> {
    if conf.edns0 {
        let q = with_opt(plain, edns_payload_for(anslen));
        exchange(&q, Some(plain), conf, sem)
    } else {
        exchange(plain, None, conf, sem)
    }
}

/// `res_query` from the query on: the exchange ([`ask`]; none possible: `TRY_AGAIN`), then
/// the flow's reading of the response (`failure`: the `h_errno` of a response code and answer
/// count that make no answer).
pub(crate) fn query_sent(
    plain: &[u8],
    anslen: usize,
    conf: &ResolvConf,
    sem: Semantics,
    failure: impl Fn(u16, u16) -> Option<Error>,
) -> Done {
    let r = match ask(plain, anslen, conf, sem) {
        Ok(r) => r,
        Err(_) => return Done::fail(Fail::h(Error::TryAgain)),
    };
    let (rc, ancount) = r.rcode_ancount();
    Done {
        status: match failure(rc, ancount) {
            None => Ok(()),
            Some(e) => Err(Fail::h(e)),
        },
        reply: Some(r),
    }
}

/// Sends a finished query as the semantics says, with `plain` as the FORMERR fallback: the
/// servers all at once and NOERROR and NXDOMAIN as answers (musl), or one after the other and
/// every code but SERVFAIL, NOTIMP and REFUSED as an answer, the AD bit passed on only with
/// `trust-ad` (glibc `mask_ad_bit`); `options no-aaaa` in both.
fn exchange(
    query: &[u8],
    plain: Option<&[u8]>,
    conf: &ResolvConf,
    sem: Semantics,
) -> crate::Result<Reply> {
    let policy = sem.policy(conf);
    let accept = match sem {
        Semantics::Glibc => Accept::AnyRcode,
        Semantics::Musl => Accept::Answers,
    };
    let (query, translated) = match conf.no_aaaa.then(|| no_aaaa::query(query)).flatten() {
        Some(a) => (a, true),
        None => (query.to_vec(), false),
    };
    let plain = if translated { None } else { plain };
    let a = transport::send(&query, plain, &policy, accept)?;
    let tcp = a.tcp;
    let mut bytes = a.message.into_bytes();
    if translated {
        no_aaaa::reply(&mut bytes);
    }
    if sem == Semantics::Glibc && !conf.trust_ad && bytes.len() > HEADER_LEN {
        wire::set_flags(&mut bytes, flag::AD, false);
    }
    Ok(Reply { bytes, tcp })
}

/// `res_send(msg, anslen)`: the caller's query as it is; the answer of any size (see
/// [`Reply::fit`] for the buffer). glibc: a buffer under 12 bytes is `EINVAL`; a response
/// with any code but SERVFAIL, NOTIMP, REFUSED is returned. musl: NOERROR and NXDOMAIN only.
/// `h_errno` is never set.
pub fn send(msg: &[u8], anslen: usize, sem: Semantics) -> Done {
    if anslen < HEADER_LEN {
        return Done::fail(Fail {
            h_errno: None,
            errno: Some(crate::sys::EINVAL),
        });
    }
    let conf = config::resolv_conf();
    match exchange(msg, None, &conf, sem) {
        // Every server answered SERVFAIL: glibc keeps the last one in the buffer, returns -1.
        Ok(r) if r.rcode_ancount().0 == rcode::SERVFAIL => Done {
            reply: Some(r),
            status: Err(Fail::SILENT),
        },
        Ok(r) => Done {
            reply: Some(r),
            status: Ok(()),
        },
        Err(_) => Done::fail(Fail::SILENT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(len: usize, tcp: bool) -> Reply {
        let mut bytes = vec![0u8; len];
        bytes[3] = 0x80; // RA, NOERROR
        Reply { bytes, tcp }
    }

    #[test]
    fn glibc_buffer_rule() {
        // Fits: all of it.
        let (b, n) = reply(100, true).fit(100);
        assert_eq!((b.len(), n), (100, 100));
        // Over TCP and too big: the first anslen bytes, TC set, the full length returned.
        let (b, n) = reply(3000, true).fit(512);
        assert_eq!((b.len(), n), (512, 3000));
        assert_eq!(b[2] & 0x02, 0x02);
        // Over UDP and too big: the first anslen bytes as they came, anslen returned.
        let (b, n) = reply(400, false).fit(100);
        assert_eq!((b.len(), n), (100, 100));
        assert_eq!(b[2] & 0x02, 0);
    }

    #[test]
    fn edns_payload_follows_the_buffer() {
        assert_eq!(edns_payload_for(100), 512);
        assert_eq!(edns_payload_for(1000), 1000);
        assert_eq!(edns_payload_for(65536), EDNS_PAYLOAD);
    }
}
