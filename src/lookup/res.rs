//! `res_mkquery`, `res_query`, `res_search`, `res_querydomain` and `res_send` as plain Rust;
//! `abi::res` copies the results into the caller's buffers and sets `h_errno`/`errno`.
//!
//! Answers come through the same transport as every lookup (UDP, then TCP on truncation), so
//! a 9 KB TXT record or 40 SRV records arrive whole. What goes into the caller's buffer when
//! the answer is bigger than the buffer is glibc's rule ([`Reply::fit`]), in both builds.
//!
//! musl (1.2.3 `res_query.c`, `res_mkquery.c`, `res_send.c`): `res_search` is `res_query` (no
//! search list); the query carries RD and AD; a failed send is `TRY_AGAIN`, NXDOMAIN
//! `HOST_NOT_FOUND`, NOERROR without answers `NO_DATA`; a name that cannot be encoded fails
//! without touching `h_errno`.
//! glibc (2.36 `res_query.c`, `res_send.c`, `res_mkquery.c`, `res-noaaaa.c`): the search list
//! with `ndots` and `no-tld-query`; escapes (`\.`, `\DDD`) in names; AD in queries and answers
//! only with `trust-ad`; `edns0` advertises the caller's buffer size (at least 512 bytes);
//! `no-aaaa` turns AAAA questions into A questions whose answer is reported as NODATA; every
//! response code but SERVFAIL, NOTIMP and REFUSED is an answer of `res_send`, and `res_query`
//! maps it to `h_errno` (FORMERR, NOTIMP, REFUSED: `NO_RECOVERY`; SERVFAIL: `TRY_AGAIN`).

use super::Semantics;
use crate::config::{self, ResolvConf};
use crate::transport::{self, Accept};
use crate::wire::{rcode, EDNS_PAYLOAD, HEADER_LEN, TYPE_OPT};
use crate::Error;

/// Opcode of a standard query (`QUERY`, `ns_o_query`).
pub const OP_QUERY: i32 = 0;
/// Opcode of a zone change notification (`NS_NOTIFY_OP`), which glibc's `res_mkquery` also
/// builds.
pub const OP_NOTIFY: i32 = 4;

/// Type codes used here.
const T_A: u16 = 1;
const T_NULL: u16 = 10;
const T_AAAA: u16 = 28;
const C_IN: u16 = 1;

/// Longest name in presentation form glibc's `res_querydomain` accepts (`MAXDNAME`).
const MAXDNAME: usize = 1025;
/// Longest encoded name (RFC 1035 3.1, `NS_MAXCDNAME`).
const MAX_WIRE_NAME: usize = 255;
/// Longest label (RFC 1035).
const MAX_LABEL: usize = 63;
/// Size of glibc's query buffer in `res_query` (`QUERYSIZE`: header, question, a full name).
const GLIBC_QUERYSIZE: usize = HEADER_LEN + 4 + MAX_WIRE_NAME + 1;
/// Size of musl's query buffer in `res_query` (`unsigned char q[280]`).
const MUSL_QUERYSIZE: usize = 280;
/// Smallest EDNS0 payload glibc advertises (`__res_nopt`: the plain UDP limit).
const EDNS_MIN_PAYLOAD: u16 = 512;

/// Header bits.
const FLAG_TC: u8 = 0x02;
const FLAG_AD: u8 = 0x20;

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
            if let Some(b) = copy.get_mut(2) {
                *b |= FLAG_TC;
            }
            (copy, self.bytes.len())
        } else {
            (copy, anslen)
        }
    }

    /// The header's RCODE and ANCOUNT.
    fn rcode_ancount(&self) -> (u16, u16) {
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
    fn h(e: Error) -> Fail {
        Fail {
            h_errno: Some(e),
            errno: None,
        }
    }

    /// -1 and nothing else set.
    const SILENT: Fail = Fail {
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
    fn fail(f: Fail) -> Done {
        Done {
            reply: None,
            status: Err(f),
        }
    }
}

/// `res_mkquery(op, dname, class, type, data, …, buf, buflen)`: the query, or `None` (-1).
/// `data` is the name glibc puts in a NOTIFY's additional section: `None` for NULL, else a
/// function that reads it, called only where the emulated libc reads it (glibc: NOTIFY, once
/// the question is built; musl: never), so that a caller's binary `data` without a NUL is
/// never read as a string.
///
/// musl: opcode up to 15, labels taken byte for byte (one trailing dot allowed), at most 253
/// bytes; RD and AD set; the ID from the clock (here: random).
/// glibc: `QUERY` or `NOTIFY` only, `\.`/`\DDD` escapes, at most 255 bytes encoded; RD set, AD
/// with `trust-ad`; a random ID.
/// Both: class and type up to 65535 (musl rejects values above 255; see docs/compat.md).
#[allow(clippy::too_many_arguments)] // res_mkquery's own arguments
pub fn mkquery(
    op: i32,
    dname: &[u8],
    class: i32,
    qtype: i32,
    data: Option<&dyn Fn() -> Vec<u8>>,
    buflen: usize,
    conf: &ResolvConf,
    sem: Semantics,
) -> Option<Vec<u8>> {
    let class = u16::try_from(class).ok()?;
    let qtype = u16::try_from(qtype).ok()?;
    let (labels, flags) = match sem {
        Semantics::Musl => {
            if !(0..=15).contains(&op) {
                return None;
            }
            let labels = musl_labels(dname)?;
            (labels, (op as u16) << 11 | 0x0100 | u16::from(FLAG_AD))
        }
        Semantics::Glibc => {
            if op != OP_QUERY && op != OP_NOTIFY {
                return None;
            }
            let ad = if conf.trust_ad { u16::from(FLAG_AD) } else { 0 };
            (pton_labels(dname)?, (op as u16) << 11 | 0x0100 | ad)
        }
    };
    // glibc's NOTIFY with data: an additional record naming it (T_NULL, TTL 0, no RDATA).
    let data = data.filter(|_| sem == Semantics::Glibc && op == OP_NOTIFY);
    let mut q = Vec::with_capacity(HEADER_LEN + 4 + MAX_WIRE_NAME + 1);
    let arcount = u16::from(data.is_some());
    for word in [crate::sys::random_id(), flags, 1, 0, 0, arcount] {
        q.extend_from_slice(&word.to_be_bytes());
    }
    put_name(&mut q, &labels);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&class.to_be_bytes());
    // glibc reserves the record's fixed part before the question name, and reads `data` only
    // once the question fits.
    let reserve = if data.is_some() { RR_FIXED_LEN } else { 0 };
    if q.len() + reserve > buflen {
        return None;
    }
    if let Some(d) = data {
        let l = pton_labels(&d())?;
        put_name_compressed(&mut q, &l, &labels);
        q.extend_from_slice(&T_NULL.to_be_bytes());
        q.extend_from_slice(&class.to_be_bytes());
        q.extend_from_slice(&[0; 6]); // TTL 0, RDLENGTH 0
    }
    (q.len() <= buflen).then_some(q)
}

/// Type, class, TTL and RDLENGTH of a resource record (glibc `RRFIXEDSZ`, RFC 1035 4.1.3).
const RR_FIXED_LEN: usize = 10;

/// `labels` after the question name `qname` (written at [`HEADER_LEN`]), compressed as glibc's
/// `ns_name_compress` does: the longest suffix of `labels` that is also a suffix of `qname`
/// (letters compared without case) becomes a pointer to it.
fn put_name_compressed(q: &mut Vec<u8>, labels: &[Vec<u8>], qname: &[Vec<u8>]) {
    let same = |a: &[Vec<u8>], b: &[Vec<u8>]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    for i in 0..labels.len() {
        let found = (0..qname.len()).find(|&j| same(&labels[i..], &qname[j..]));
        if let Some(j) = found {
            put_name(q, &labels[..i]);
            q.pop(); // the pointer ends the name
            let at = HEADER_LEN + qname[..j].iter().map(|l| l.len() + 1).sum::<usize>();
            // The question starts at 12 and is at most 255 bytes: under 0x3fff.
            q.extend_from_slice(&(0xc000 | at as u16).to_be_bytes());
            return;
        }
    }
    put_name(q, labels);
}

fn put_name(q: &mut Vec<u8>, labels: &[Vec<u8>]) {
    for l in labels {
        // Labels are at most MAX_LABEL (63) bytes long: checked when they were split.
        q.push(l.len() as u8);
        q.extend_from_slice(l);
    }
    q.push(0);
}

/// musl's `__res_mkquery` name rules: at most 254 bytes considered (`strnlen(dname, 255)`),
/// one trailing dot dropped, at most 253 bytes left, labels of 1 to 63 bytes.
fn musl_labels(dname: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut n = &dname[..dname.len().min(MAX_WIRE_NAME)];
    if let Some(stripped) = n.strip_suffix(b".") {
        n = stripped;
    }
    if n.len() > 253 {
        return None;
    }
    if n.is_empty() {
        return Some(Vec::new());
    }
    n.split(|&b| b == b'.')
        .map(|l| (1..=MAX_LABEL).contains(&l.len()).then(|| l.to_vec()))
        .collect()
}

/// glibc's `ns_name_pton`: presentation form to labels. `\X` is the byte X, `\DDD` the byte of
/// that decimal value (at most 255, exactly three digits); empty labels are errors except the
/// root (`""` or `"."`); labels of at most 63 bytes, at most 255 bytes encoded.
pub fn pton_labels(name: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut labels: Vec<Vec<u8>> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < name.len() {
        let c = name[i];
        i += 1;
        match c {
            b'\\' => {
                let e = *name.get(i)?;
                i += 1;
                if e.is_ascii_digit() {
                    let d = name.get(i..i + 2)?;
                    if !d.iter().all(u8::is_ascii_digit) {
                        return None;
                    }
                    i += 2;
                    let v = u32::from(e - b'0') * 100
                        + u32::from(d[0] - b'0') * 10
                        + u32::from(d[1] - b'0');
                    cur.push(u8::try_from(v).ok()?);
                } else {
                    cur.push(e);
                }
            }
            b'.' => {
                if cur.is_empty() {
                    // "." alone is the root; any other empty label is an error.
                    return (labels.is_empty() && i == name.len()).then(Vec::new);
                }
                labels.push(std::mem::take(&mut cur));
                if i == name.len() {
                    break;
                }
            }
            _ => cur.push(c),
        }
        if cur.len() > MAX_LABEL {
            return None;
        }
    }
    if !cur.is_empty() {
        labels.push(cur);
    }
    let wire: usize = labels.iter().map(|l| l.len() + 1).sum::<usize>() + 1;
    (wire <= MAX_WIRE_NAME).then_some(labels)
}

/// The EDNS0 payload advertised for a caller's buffer of `anslen` bytes (glibc `__res_nopt`:
/// the buffer size, at least 512, at most our [`EDNS_PAYLOAD`]).
pub fn edns_payload_for(anslen: usize) -> u16 {
    u16::try_from(anslen)
        .unwrap_or(u16::MAX)
        .clamp(EDNS_MIN_PAYLOAD, EDNS_PAYLOAD)
}

/// `query` with an OPT record advertising `payload` (RFC 6891; glibc `__res_nopt`).
fn with_opt(query: &[u8], payload: u16) -> Vec<u8> {
    let mut q = query.to_vec();
    q.push(0);
    q.extend_from_slice(&TYPE_OPT.to_be_bytes());
    q.extend_from_slice(&payload.to_be_bytes());
    q.extend_from_slice(&[0; 6]); // extended rcode, version, flags, RDLENGTH
    let ar = u16::from_be_bytes([q[10], q[11]]).saturating_add(1);
    q[10..12].copy_from_slice(&ar.to_be_bytes());
    q
}

/// Where the question of a message ends (after QTYPE and QCLASS), for a well-formed
/// uncompressed first question.
fn question_end(msg: &[u8]) -> Option<usize> {
    let mut p = HEADER_LEN;
    loop {
        let l = usize::from(*msg.get(p)?);
        if l == 0 {
            p += 1;
            break;
        }
        if l & 0xc0 != 0 {
            p += 2;
            break;
        }
        p += 1 + l;
    }
    (p + 4 <= msg.len()).then_some(p + 4)
}

/// glibc `__res_handle_no_aaaa`: for a well-formed query (QR, opcode, rcode 0; one question;
/// no answer or authority records) whose question is AAAA/IN, the same query for A without
/// any additional record.
fn no_aaaa_query(query: &[u8]) -> Option<Vec<u8>> {
    if query.len() <= HEADER_LEN {
        return None;
    }
    let hdr_ok = query[2] & 0xf8 == 0
        && query[3] & 0x0f == 0
        && query[4..6] == [0, 1]
        && query[6..10] == [0, 0, 0, 0];
    if !hdr_ok {
        return None;
    }
    let end = question_end(query)?;
    if query[end - 4..end] != [0, 28, 0, 1] {
        return None;
    }
    let mut q = query[..end].to_vec();
    q[10..12].copy_from_slice(&[0, 0]);
    q[end - 3] = T_A as u8;
    Some(q)
}

/// The answer to a translated A query, shown as the AAAA query's NODATA (or NXDOMAIN): the
/// header with no records, the question switched back to AAAA, nothing after it.
fn no_aaaa_reply(bytes: &mut Vec<u8>) {
    if let Some(end) = question_end(bytes) {
        if bytes[end - 4..end] == [0, T_A as u8, 0, C_IN as u8] {
            bytes[end - 3] = T_AAAA as u8;
            bytes[6..12].copy_from_slice(&[0; 6]);
            bytes.truncate(end);
        }
    }
}

/// Sends a finished query as the semantics says, with `plain` as the FORMERR fallback.
fn exchange(
    query: &[u8],
    plain: Option<&[u8]>,
    conf: &ResolvConf,
    sem: Semantics,
) -> crate::Result<Reply> {
    let policy = super::policy(conf, sem);
    let accept = match sem {
        Semantics::Glibc => Accept::AnyRcode,
        Semantics::Musl => Accept::Answers,
    };
    let (query, translated) = match conf.no_aaaa.then(|| no_aaaa_query(query)).flatten() {
        Some(a) => (a, true),
        None => (query.to_vec(), false),
    };
    let plain = if translated { None } else { plain };
    let a = transport::send(&query, plain, &policy, accept)?;
    let tcp = a.tcp;
    let mut bytes = a.message.into_bytes();
    if translated {
        no_aaaa_reply(&mut bytes);
    }
    if sem == Semantics::Glibc && !conf.trust_ad && bytes.len() > HEADER_LEN {
        // glibc `mask_ad_bit`: the AD bit is only passed on with trust-ad.
        bytes[3] &= !FLAG_AD;
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
            errno: Some(libc::EINVAL),
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

/// `res_query(name, class, type, anslen)`.
pub fn query(name: &[u8], class: i32, qtype: i32, anslen: usize, sem: Semantics) -> Done {
    let conf = config::resolv_conf();
    query_with(&conf, name, class, qtype, anslen, sem)
}

fn query_with(
    conf: &ResolvConf,
    name: &[u8],
    class: i32,
    qtype: i32,
    anslen: usize,
    sem: Semantics,
) -> Done {
    let size = match sem {
        Semantics::Musl => MUSL_QUERYSIZE,
        Semantics::Glibc => GLIBC_QUERYSIZE,
    };
    let Some(plain) = mkquery(OP_QUERY, name, class, qtype, None, size, conf, sem) else {
        return Done::fail(match sem {
            // musl returns mkquery's -1 as it is.
            Semantics::Musl => Fail::SILENT,
            Semantics::Glibc => Fail::h(Error::Fail),
        });
    };
    if anslen < HEADER_LEN {
        // glibc: res_send fails with EINVAL, res_query says TRY_AGAIN; musl ends with r < 12:
        // TRY_AGAIN.
        return Done::fail(Fail {
            h_errno: Some(Error::TryAgain),
            errno: (sem == Semantics::Glibc).then_some(libc::EINVAL),
        });
    }
    let edns = conf
        .edns0
        .then(|| with_opt(&plain, edns_payload_for(anslen)));
    let sent = match &edns {
        Some(q) => exchange(q, Some(&plain), conf, sem),
        None => exchange(&plain, None, conf, sem),
    };
    let r = match sent {
        Ok(r) => r,
        Err(_) => return Done::fail(Fail::h(Error::TryAgain)),
    };
    let (rc, ancount) = r.rcode_ancount();
    let failure = match sem {
        Semantics::Musl => match rc {
            rcode::NXDOMAIN => Some(Error::NotFound),
            rcode::NOERROR if ancount == 0 => Some(Error::NoData),
            _ => None,
        },
        Semantics::Glibc => match rc {
            rcode::NOERROR if ancount != 0 => None,
            rcode::NOERROR => Some(Error::NoData),
            rcode::NXDOMAIN => Some(Error::NotFound),
            rcode::SERVFAIL => Some(Error::TryAgain),
            _ => Some(Error::Fail),
        },
    };
    Done {
        reply: Some(r),
        status: match failure {
            None => Ok(()),
            Some(e) => Err(Fail::h(e)),
        },
    }
}

/// `res_querydomain(name, domain, class, type, anslen)`: `name.domain` (just `name` for a NULL
/// domain). glibc: `NO_RECOVERY` when longer than `MAXDNAME`; musl: -1 without `h_errno` when
/// the two do not fit its 254-byte buffer.
pub fn querydomain(
    name: &[u8],
    domain: Option<&[u8]>,
    class: i32,
    qtype: i32,
    anslen: usize,
    sem: Semantics,
) -> Done {
    let conf = config::resolv_conf();
    querydomain_with(&conf, name, domain, class, qtype, anslen, sem)
}

fn querydomain_with(
    conf: &ResolvConf,
    name: &[u8],
    domain: Option<&[u8]>,
    class: i32,
    qtype: i32,
    anslen: usize,
    sem: Semantics,
) -> Done {
    let full = match (sem, domain) {
        (Semantics::Glibc, None) => {
            // glibc decrements the length first (catching "" as a wrap-around).
            if name.is_empty() || name.len() >= MAXDNAME {
                return Done::fail(Fail::h(Error::Fail));
            }
            name.to_vec()
        }
        (Semantics::Glibc, Some(d)) => {
            if name.len() + d.len() + 1 >= MAXDNAME {
                return Done::fail(Fail::h(Error::Fail));
            }
            [name, b".", d].concat()
        }
        (Semantics::Musl, d) => {
            let nl = name.len().min(255);
            let d = d.unwrap_or(b"");
            let dl = d.len().min(255);
            if nl + dl + 1 > 254 {
                return Done::fail(Fail::SILENT);
            }
            if domain.is_none() {
                name.to_vec()
            } else {
                [&name[..nl], b".", &d[..dl]].concat()
            }
        }
    };
    query_with(conf, &full, class, qtype, anslen, sem)
}

/// `res_search(name, class, type, anslen)`. musl: `res_query` (musl's `res_search` is an
/// alias of it). glibc: `__res_context_search` — the name as it is first when it has at least
/// `ndots` dots or ends with a dot (then nothing else), the search list unless it ends with a
/// dot (on to the next domain after NXDOMAIN, NODATA or SERVFAIL, stopping at any other
/// failure), the name as it is last unless tried or barred by `no-tld-query`; the `h_errno`
/// of a failure is the first try's, else `NO_DATA` if any domain said NODATA, else
/// `TRY_AGAIN` if any said SERVFAIL, else the last one's.
pub fn search(name: &[u8], class: i32, qtype: i32, anslen: usize, sem: Semantics) -> Done {
    let conf = config::resolv_conf();
    if sem == Semantics::Musl {
        return query_with(&conf, name, class, qtype, anslen, sem);
    }
    let dots = name.iter().filter(|&&b| b == b'.').count() as u32;
    let trailing_dot = name.last() == Some(&b'.');
    let h_of = |d: &Done| d.status.err().and_then(|f| f.h_errno);
    let mut saved: Option<Option<Error>> = None;
    let mut last = Done::fail(Fail::h(Error::NotFound));
    if dots >= conf.ndots || trailing_dot {
        let d = querydomain_with(&conf, name, None, class, qtype, anslen, sem);
        if d.status.is_ok() || trailing_dot {
            return d;
        }
        saved = Some(h_of(&d));
        last = d;
    }
    let mut got_nodata = false;
    let mut got_servfail = false;
    let searched = !conf.search.is_empty() && !trailing_dot;
    if !trailing_dot {
        for domain in &conf.search {
            let d = querydomain_with(
                &conf,
                name,
                Some(domain.as_bytes()),
                class,
                qtype,
                anslen,
                sem,
            );
            if d.status.is_ok() {
                return d;
            }
            let servfail = d
                .reply
                .as_ref()
                .is_some_and(|r| r.rcode_ancount().0 == rcode::SERVFAIL);
            let go_on = match h_of(&d) {
                Some(Error::NoData) => {
                    got_nodata = true;
                    true
                }
                Some(Error::NotFound) => true,
                Some(Error::TryAgain) if servfail => {
                    got_servfail = true;
                    true
                }
                _ => false,
            };
            last = d;
            if !go_on {
                break;
            }
        }
    }
    if (dots > 0 || !searched || !conf.no_tld_query) && saved.is_none() {
        let d = querydomain_with(&conf, name, None, class, qtype, anslen, sem);
        if d.status.is_ok() {
            return d;
        }
        last = d;
    }
    let h = match saved {
        Some(h) => h,
        None if got_nodata => Some(Error::NoData),
        None if got_servfail => Some(Error::TryAgain),
        None => h_of(&last),
    };
    Done {
        reply: last.reply,
        status: Err(Fail {
            h_errno: h,
            errno: last.status.err().and_then(|f| f.errno),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf() -> ResolvConf {
        ResolvConf::default()
    }

    #[test]
    fn musl_mkquery_bytes() {
        let q = mkquery(
            0,
            b"Ab.example.",
            1,
            16,
            None,
            280,
            &conf(),
            Semantics::Musl,
        )
        .unwrap();
        // RD and AD, one question, labels byte for byte.
        assert_eq!(&q[2..12], &[0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x02Ab\x07example\x00\x00\x10\x00\x01");
        // The root: "" and ".".
        for root in [&b""[..], b"."] {
            let q = mkquery(0, root, 1, 2, None, 280, &conf(), Semantics::Musl).unwrap();
            assert_eq!(q.len(), 17);
            assert_eq!(&q[12..], b"\x00\x00\x02\x00\x01");
        }
        // Opcode in the header.
        let q = mkquery(4, b"a", 1, 6, None, 280, &conf(), Semantics::Musl).unwrap();
        assert_eq!(q[2], 4 << 3 | 1);
        // Bad names, opcodes, buffers.
        for bad in [&b"a..b"[..], b".a", b"a.."] {
            assert!(mkquery(0, bad, 1, 1, None, 280, &conf(), Semantics::Musl).is_none());
        }
        let l64 = vec![b'a'; 64];
        assert!(mkquery(0, &l64, 1, 1, None, 280, &conf(), Semantics::Musl).is_none());
        assert!(mkquery(16, b"a", 1, 1, None, 280, &conf(), Semantics::Musl).is_none());
        assert!(mkquery(0, b"abc", 1, 1, None, 20, &conf(), Semantics::Musl).is_none());
        assert_eq!(
            mkquery(0, b"abc", 1, 1, None, 21, &conf(), Semantics::Musl).map(|q| q.len()),
            Some(21)
        );
        // Types above 255 (CAA 257): accepted (musl itself says -1).
        let q = mkquery(0, b"a", 1, 257, None, 280, &conf(), Semantics::Musl).unwrap();
        assert_eq!(&q[15..17], &[1, 1]);
        assert!(mkquery(0, b"a", 1, 65536, None, 280, &conf(), Semantics::Musl).is_none());
    }

    #[test]
    fn glibc_mkquery_bytes() {
        let mut c = conf();
        let q = mkquery(0, b"a\\.b.c", 1, 1, None, 512, &c, Semantics::Glibc).unwrap();
        assert_eq!(&q[2..4], &[0x01, 0x00]);
        assert_eq!(&q[12..], b"\x03a.b\x01c\x00\x00\x01\x00\x01");
        c.trust_ad = true;
        let q = mkquery(0, b"x", 1, 1, None, 512, &c, Semantics::Glibc).unwrap();
        assert_eq!(q[3], 0x20);
        assert!(mkquery(1, b"x", 1, 1, None, 512, &c, Semantics::Glibc).is_none());
        let y = || b"y".to_vec();
        let q = mkquery(4, b"x", 1, 6, Some(&y), 512, &c, Semantics::Glibc).unwrap();
        assert_eq!(&q[10..12], &[0, 1]);
        assert_eq!(
            &q[12..],
            b"\x01x\x00\x00\x06\x00\x01\x01y\x00\x00\x0a\x00\x01\0\0\0\0\0\0"
        );
        // The data name compressed against the question (ns_name_compress): "notify.DATA.test"
        // after "one.data.test" ends in a pointer to "data.test" (offset 16).
        let d = || b"notify.DATA.test".to_vec();
        let q = mkquery(
            4,
            b"one.data.test",
            1,
            1,
            Some(&d),
            512,
            &c,
            Semantics::Glibc,
        )
        .unwrap();
        assert_eq!(&q[31..], b"\x06notify\xc0\x10\x00\x0a\x00\x01\0\0\0\0\0\0");
        // `data` is read only for NOTIFY with glibc semantics, and only when the question fits.
        let boom = || -> Vec<u8> { panic!("data read") };
        for (op, sem) in [
            (0, Semantics::Glibc),
            (4, Semantics::Musl),
            (0, Semantics::Musl),
        ] {
            assert!(mkquery(op, b"x", 1, 1, Some(&boom), 512, &c, sem).is_some());
        }
        assert!(mkquery(
            4,
            b"x",
            1,
            1,
            Some(&boom),
            12 + 3 + 4 + 9,
            &c,
            Semantics::Glibc
        )
        .is_none());
        assert!(mkquery(4, b"a..b", 1, 1, Some(&boom), 512, &c, Semantics::Glibc).is_none());
    }

    #[test]
    fn pton_rules() {
        let l = |s: &[u8]| pton_labels(s);
        assert_eq!(l(b"").unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(l(b".").unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(l(b"a.b.").unwrap(), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(l(b"\\065\\.x").unwrap(), vec![b"A.x".to_vec()]);
        assert!(l(b"\\256").is_none());
        assert!(l(b"\\12").is_none());
        assert!(l(b"a..b").is_none());
        assert!(l(b".a").is_none());
        assert!(l(b"a\\").is_none());
        assert!(l(&[b'a'; 64]).is_none());
        assert!(l(&[b'a'; 63]).is_some());
        // 255 bytes encoded at most: four 62-byte labels (252) + root = 253 fit; 5 × 50 = 256.
        let n = vec![vec![b'a'; 62]; 4].join(&b'.');
        assert!(l(&n).is_some());
        let n = vec![vec![b'a'; 50]; 5].join(&b'.');
        assert!(l(&n).is_none());
    }

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
        assert_eq!(b[2] & FLAG_TC, FLAG_TC);
        // Over UDP and too big: the first anslen bytes as they came, anslen returned.
        let (b, n) = reply(400, false).fit(100);
        assert_eq!((b.len(), n), (100, 100));
        assert_eq!(b[2] & FLAG_TC, 0);
    }

    #[test]
    fn edns_payload_follows_the_buffer() {
        assert_eq!(edns_payload_for(100), 512);
        assert_eq!(edns_payload_for(1000), 1000);
        assert_eq!(edns_payload_for(65536), EDNS_PAYLOAD);
        let q = mkquery(0, b"a", 1, 1, None, 512, &conf(), Semantics::Glibc).unwrap();
        let o = with_opt(&q, 1000);
        assert_eq!(&o[10..12], &[0, 1]);
        assert_eq!(&o[q.len()..], &[0, 0, 41, 0x03, 0xe8, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn no_aaaa_translation() {
        let q = mkquery(0, b"host.test", 1, 28, None, 512, &conf(), Semantics::Glibc).unwrap();
        let q = with_opt(&q, 1232);
        let a = no_aaaa_query(&q).unwrap();
        assert_eq!(&a[10..12], &[0, 0]); // OPT dropped
        assert_eq!(&a[a.len() - 4..], &[0, 1, 0, 1]);
        // Not for A questions, responses or other classes.
        let q4 = mkquery(0, b"host.test", 1, 1, None, 512, &conf(), Semantics::Glibc).unwrap();
        assert!(no_aaaa_query(&q4).is_none());
        let mut r = a.clone();
        r[2] |= 0x80;
        assert!(no_aaaa_query(&r).is_none());
        // The answer is shown as the AAAA question with no records.
        let mut resp = a.clone();
        resp[2] |= 0x80;
        resp[6..8].copy_from_slice(&[0, 1]);
        resp.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
        let mut out = resp;
        no_aaaa_reply(&mut out);
        assert_eq!(out.len(), a.len());
        assert_eq!(&out[6..12], &[0; 6]);
        assert_eq!(&out[out.len() - 4..], &[0, 28, 0, 1]);
    }
}
