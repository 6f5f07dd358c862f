//! musl's `res_mkquery`, `res_query` and `res_querydomain` (1.2.3 `res_mkquery.c`,
//! `res_query.c`, `res_querydomain.c`); its `res_search` is `res_query` (no search list).
//! The query carries RD and AD; a failed send is `TRY_AGAIN`, NXDOMAIN `HOST_NOT_FOUND`,
//! NOERROR without answers `NO_DATA`; a name that cannot be encoded fails without touching
//! `h_errno`.

use crate::config::{self, ResolvConf};
use crate::lookup::res::{query_sent, question, Done, Fail, Mkquery, Question};
use crate::lookup::types::Semantics;
use crate::wire::{self, flag, rcode, HEADER_LEN};
use crate::Error;

/// Size of musl's query buffer in `res_query` (`unsigned char q[280]`).
const MUSL_QUERYSIZE: usize = 280;
/// musl's `res_querydomain` buffer: the name, a dot and the domain in 254 bytes.
const QUERYDOMAIN_MAX: usize = 254;

/// `res_mkquery(op, dname, class, type, …, buf, buflen)`: the query, or `None` (-1). musl:
/// opcode up to 15; the name's labels taken byte for byte (`""` and `"."` are the root; the
/// rule of [`wire::name::checked_bytes`], which is musl's: at most 253 bytes, one trailing
/// dot); RD and AD set; the ID from the clock (here: random); class and type up to 65535
/// (musl refuses values above 255; see docs/compat.md). `data` is never read.
pub(crate) fn mkquery(m: &Mkquery<'_>) -> Option<Vec<u8>> {
    let Mkquery {
        op,
        dname,
        class,
        qtype,
        buflen,
        ..
    } = *m;
    let class = u16::try_from(class).ok()?;
    let qtype = u16::try_from(qtype).ok()?;
    if !(0..=15).contains(&op) {
        return None;
    }
    let labels: &[u8] = if dname.is_empty() {
        &[]
    } else {
        wire::name::checked_bytes(dname).ok()?
    };
    let mut name = Vec::with_capacity(labels.len() + 2);
    wire::name::encode_checked(labels, &mut name);
    let flags = (op as u16) << flag::OPCODE_SHIFT | flag::RD | flag::AD;
    let q = question(flags, &name, qtype, class, 0);
    (q.len() <= buflen).then_some(q)
}

/// `res_query(name, class, type, anslen)` (and `res_search`).
pub(crate) fn query(q: Question<'_>) -> Done {
    query_with(&config::resolv_conf(), q)
}

fn query_with(conf: &ResolvConf, q: Question<'_>) -> Done {
    let m = q.mkquery(MUSL_QUERYSIZE);
    let Some(plain) = mkquery(&m) else {
        // musl returns mkquery's -1 as it is.
        return Done::fail(Fail::SILENT);
    };
    if q.anslen < HEADER_LEN {
        // musl ends with r < 12: TRY_AGAIN.
        return Done::fail(Fail::h(Error::TryAgain));
    }
    query_sent(
        &plain,
        q.anslen,
        conf,
        Semantics::Musl,
        |rc, ancount| match rc {
            rcode::NXDOMAIN => Some(Error::NotFound),
            rcode::NOERROR if ancount == 0 => Some(Error::NoData),
            _ => None,
        },
    )
}

/// `res_querydomain(name, domain, class, type, anslen)`: `name.domain` (just `name` for a NULL
/// domain, where musl would crash); -1 without `h_errno` when the two do not fit musl's
/// 254-byte buffer (each counted up to 255 bytes, as `strnlen` does).
pub(crate) fn querydomain(q: Question<'_>, domain: Option<&[u8]>) -> Done {
    let name = q.name;
    let nl = name.len().min(255);
    let d = domain.unwrap_or(b"");
    let dl = d.len().min(255);
    if nl + dl + 1 > QUERYDOMAIN_MAX {
        return Done::fail(Fail::SILENT);
    }
    let full = match domain {
        None => name.to_vec(),
        Some(_) => [&name[..nl], b".", &d[..dl]].concat(),
    };
    query_with(&config::resolv_conf(), Question { name: &full, ..q })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkquery(op: i32, dname: &[u8], class: i32, qtype: i32, buflen: usize) -> Option<Vec<u8>> {
        super::mkquery(&Mkquery::new(op, dname, class, qtype, buflen))
    }

    #[test]
    fn mkquery_bytes() {
        let q = mkquery(0, b"Ab.example.", 1, 16, 280).unwrap();
        // RD and AD, one question, labels byte for byte.
        assert_eq!(&q[2..12], &[0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x02Ab\x07example\x00\x00\x10\x00\x01");
        // The root: "" and ".".
        for root in [&b""[..], b"."] {
            let q = mkquery(0, root, 1, 2, 280).unwrap();
            assert_eq!(q.len(), 17);
            assert_eq!(&q[12..], b"\x00\x00\x02\x00\x01");
        }
        // Opcode in the header.
        let q = mkquery(4, b"a", 1, 6, 280).unwrap();
        assert_eq!(q[2], 4 << 3 | 1);
        // Bad names, opcodes, buffers.
        for bad in [&b"a..b"[..], b".a", b"a.."] {
            assert!(mkquery(0, bad, 1, 1, 280).is_none());
        }
        let l64 = vec![b'a'; 64];
        assert!(mkquery(0, &l64, 1, 1, 280).is_none());
        assert!(mkquery(16, b"a", 1, 1, 280).is_none());
        assert!(mkquery(0, b"abc", 1, 1, 20).is_none());
        assert_eq!(mkquery(0, b"abc", 1, 1, 21).map(|q| q.len()), Some(21));
        // Types above 255 (CAA 257): accepted (musl itself says -1).
        let q = mkquery(0, b"a", 1, 257, 280).unwrap();
        assert_eq!(&q[15..17], &[1, 1]);
        assert!(mkquery(0, b"a", 1, 65536, 280).is_none());
        // The name rule is musl's own: at most 253 bytes after one trailing dot, of any
        // length before it (strnlen 255).
        let n253 = [&[b'a'; 63][..], &[b'a'; 63], &[b'a'; 63], &[b'a'; 61]].join(&b'.');
        assert_eq!(n253.len(), 253);
        assert!(mkquery(0, &n253, 1, 1, 280).is_some());
        assert!(mkquery(0, &[&n253[..], b"."].concat(), 1, 1, 280).is_some());
        assert!(mkquery(0, &[&n253[..], b"a"].concat(), 1, 1, 280).is_none());
        assert!(mkquery(0, &vec![b'a'; 300], 1, 1, 280).is_none());
    }
}
