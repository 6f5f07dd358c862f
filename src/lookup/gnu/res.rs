//! glibc's `res_mkquery`, `res_query`, `res_querydomain` and `res_search` (2.36
//! `res_mkquery.c`, `res_query.c`): names with escapes (`ns_name_pton`, [`wire::pton`]); the
//! search list ([`super::search`]); AD in queries only with `trust-ad`; every response code
//! but SERVFAIL, NOTIMP and REFUSED is an answer of `res_send`, and `res_query` maps it to
//! `h_errno` (FORMERR, NOTIMP, REFUSED: `NO_RECOVERY`; SERVFAIL: `TRY_AGAIN`).

use super::search::{self, res_search, Try};
use crate::config::{self, ResolvConf};
use crate::lookup::res::{
    query_sent, question, Done, Fail, Mkquery, Question, OP_NOTIFY, OP_QUERY,
};
use crate::lookup::types::Semantics;
use crate::wire::{self, flag, rcode, rtype, WireName, HEADER_LEN, MAX_WIRE_NAME, RR_FIXED_LEN};
use crate::Error;

/// Size of glibc's query buffer in `res_query` (`QUERYSIZE`: header, question, a full name).
const QUERYSIZE: usize = HEADER_LEN + 4 + MAX_WIRE_NAME + 1;

/// `res_mkquery(op, dname, class, type, data, …, buf, buflen)`: the query, or `None` (-1):
/// `QUERY` or `NOTIFY` only; the name through `ns_name_pton`; RD set, AD with `trust-ad`; a
/// random ID; class and type up to 65535. `data` is the name glibc puts in a NOTIFY's
/// additional section (a T_NULL record, TTL 0, no RDATA, compressed against the question):
/// `None` for NULL, else a function that reads it, called only once the question is built
/// and fits, so that a caller's binary `data` without a NUL is never read as a string.
pub(crate) fn mkquery(m: &Mkquery<'_>, conf: &ResolvConf) -> Option<Vec<u8>> {
    let (op, buflen) = (m.op, m.buflen);
    let class = u16::try_from(m.class).ok()?;
    let qtype = u16::try_from(m.qtype).ok()?;
    if op != OP_QUERY && op != OP_NOTIFY {
        return None;
    }
    let name = wire::pton(m.dname)?;
    let ad = if conf.trust_ad { flag::AD } else { 0 };
    let flags = (op as u16) << flag::OPCODE_SHIFT | flag::RD | ad;
    let data = m.data.filter(|_| op == OP_NOTIFY);
    let mut q = question(
        flags,
        name.as_bytes(),
        qtype,
        class,
        u16::from(data.is_some()),
    );
    // glibc reserves the record's fixed part before the question name, and reads `data` only
    // once the question fits.
    let reserve = if data.is_some() { RR_FIXED_LEN } else { 0 };
    if q.len() + reserve > buflen {
        return None;
    }
    if let Some(d) = data {
        let d = wire::pton(&d())?;
        put_name_compressed(&mut q, &d, &name);
        q.extend_from_slice(&rtype::NULL.to_be_bytes());
        q.extend_from_slice(&class.to_be_bytes());
        q.extend_from_slice(&[0; 6]); // TTL 0, RDLENGTH 0
    }
    (q.len() <= buflen).then_some(q)
}

/// `name` after the question name `qname` (written at [`HEADER_LEN`]), compressed as glibc's
/// `ns_name_compress` does: the longest suffix of `name` that is also a suffix of `qname`
/// (letters compared without case) becomes a pointer to it.
fn put_name_compressed(q: &mut Vec<u8>, name: &WireName, qname: &WireName) {
    let labels: Vec<&[u8]> = name.labels().collect();
    let qlabels: Vec<&[u8]> = qname.labels().collect();
    let same = |a: &[&[u8]], b: &[&[u8]]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    for i in 0..labels.len() {
        if let Some(j) = (0..qlabels.len()).find(|&j| same(&labels[i..], &qlabels[j..])) {
            for l in &labels[..i] {
                // Labels of a WireName are at most 63 bytes.
                q.push(l.len() as u8);
                q.extend_from_slice(l);
            }
            let at = HEADER_LEN + qlabels[..j].iter().map(|l| l.len() + 1).sum::<usize>();
            // The question starts at 12 and is at most 255 bytes: under 0x3fff.
            q.extend_from_slice(&(0xc000 | at as u16).to_be_bytes());
            return;
        }
    }
    q.extend_from_slice(name.as_bytes());
}

/// `res_query(name, class, type, anslen)`.
pub(crate) fn query(q: Question<'_>) -> Done {
    query_with(&config::resolv_conf(), q)
}

fn query_with(conf: &ResolvConf, q: Question<'_>) -> Done {
    let m = q.mkquery(QUERYSIZE);
    let Some(plain) = mkquery(&m, conf) else {
        return Done::fail(Fail::h(Error::Fail));
    };
    if q.anslen < HEADER_LEN {
        // res_send fails with EINVAL, res_query says TRY_AGAIN.
        return Done::fail(Fail {
            h_errno: Some(Error::TryAgain),
            errno: Some(crate::sys::EINVAL),
        });
    }
    query_sent(
        &plain,
        q.anslen,
        conf,
        Semantics::Glibc,
        |rc, ancount| match rc {
            rcode::NOERROR if ancount != 0 => None,
            rcode::NOERROR => Some(Error::NoData),
            rcode::NXDOMAIN => Some(Error::NotFound),
            rcode::SERVFAIL => Some(Error::TryAgain),
            _ => Some(Error::Fail),
        },
    )
}

/// `res_querydomain(name, domain, class, type, anslen)`: `name.domain` (just `name` for a NULL
/// domain); `NO_RECOVERY` when `MAXDNAME` bytes or longer ([`search::querydomain`]).
pub(crate) fn querydomain(q: Question<'_>, domain: Option<&[u8]>) -> Done {
    match search::querydomain(q.name, domain) {
        Some(full) => query_with(&config::resolv_conf(), Question { name: &full, ..q }),
        None => Done::fail(Fail::h(Error::Fail)),
    }
}

impl Try for Done {
    fn failure(&self) -> Option<Error> {
        match self.status {
            Ok(()) => None,
            Err(f) => Some(f.h_errno.unwrap_or(Error::Fail)),
        }
    }

    fn servfail(&self) -> bool {
        self.reply
            .as_ref()
            .is_some_and(|r| r.rcode_ancount().0 == rcode::SERVFAIL)
    }
}

/// `res_search(name, class, type, anslen)`: [`search::res_search`] over `res_querydomain`; a
/// failure leaves the last response received in the buffer, the search's `h_errno` and the
/// last try's `errno`.
pub(crate) fn search(q: Question<'_>) -> Done {
    let conf = config::resolv_conf();
    let searched = res_search(
        &conf,
        q.name,
        |full| Ok(query_with(&conf, Question { name: full, ..q })),
        |h| Done::fail(Fail::h(h)),
    );
    // The queries above report their failures in the Done they return, never as an error.
    let Ok(s) = searched else {
        return Done::fail(Fail::h(Error::Fail));
    };
    if s.found() {
        return s.last;
    }
    Done {
        status: Err(Fail {
            h_errno: Some(s.h_errno),
            errno: s.last.status.err().and_then(|f| f.errno),
        }),
        reply: s.last.reply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkquery(
        op: i32,
        dname: &[u8],
        class: i32,
        qtype: i32,
        data: Option<&dyn Fn() -> Vec<u8>>,
        buflen: usize,
        conf: &ResolvConf,
    ) -> Option<Vec<u8>> {
        let m = Mkquery {
            data,
            ..Mkquery::new(op, dname, class, qtype, buflen)
        };
        super::mkquery(&m, conf)
    }

    fn conf() -> ResolvConf {
        ResolvConf::default()
    }

    #[test]
    fn mkquery_bytes() {
        let mut c = conf();
        let q = mkquery(0, b"a\\.b.c", 1, 1, None, 512, &c).unwrap();
        assert_eq!(&q[2..4], &[0x01, 0x00]);
        assert_eq!(&q[12..], b"\x03a.b\x01c\x00\x00\x01\x00\x01");
        c.trust_ad = true;
        let q = mkquery(0, b"x", 1, 1, None, 512, &c).unwrap();
        assert_eq!(q[3], 0x20);
        assert!(mkquery(1, b"x", 1, 1, None, 512, &c).is_none());
        let y = || b"y".to_vec();
        let q = mkquery(4, b"x", 1, 6, Some(&y), 512, &c).unwrap();
        assert_eq!(&q[10..12], &[0, 1]);
        assert_eq!(
            &q[12..],
            b"\x01x\x00\x00\x06\x00\x01\x01y\x00\x00\x0a\x00\x01\0\0\0\0\0\0"
        );
        // The data name compressed against the question (ns_name_compress): "notify.DATA.test"
        // after "one.data.test" ends in a pointer to "data.test" (offset 16).
        let d = || b"notify.DATA.test".to_vec();
        let q = mkquery(4, b"one.data.test", 1, 1, Some(&d), 512, &c).unwrap();
        assert_eq!(&q[31..], b"\x06notify\xc0\x10\x00\x0a\x00\x01\0\0\0\0\0\0");
        // `data` is read only for NOTIFY, and only when the question fits.
        let boom = || -> Vec<u8> { panic!("data read") };
        assert!(mkquery(0, b"x", 1, 1, Some(&boom), 512, &c).is_some());
        assert!(mkquery(4, b"x", 1, 1, Some(&boom), 12 + 3 + 4 + 9, &c).is_none());
        assert!(mkquery(4, b"a..b", 1, 1, Some(&boom), 512, &c).is_none());
    }
}
