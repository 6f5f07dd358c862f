//! `options no-aaaa` (glibc 2.36, `resolv/res-noaaaa.c`; honoured in both builds): no AAAA
//! question is ever sent. Where A and AAAA are asked together, only A is asked; an AAAA
//! question alone is asked as A, only to tell a name that does not exist (NXDOMAIN, reported
//! as it came) from one that does, whose answer is then reported without records (NODATA).
//!
//! The lookups apply the rule to the questions they ask ([`questions`]); `res_query` and
//! `res_send` to the caller's message ([`query`], [`reply`]).

use crate::wire::{self, question_end, rtype, HEADER_LEN};

/// The questions a lookup sends: at most two (A and AAAA), each a type and whether its answer
/// is to be reported without records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Questions {
    asked: [(u16, bool); 2],
    len: usize,
}

impl Questions {
    /// The questions in order.
    pub(crate) fn as_slice(&self) -> &[(u16, bool)] {
        &self.asked[..self.len]
    }
}

/// The questions to send for `types` (A, AAAA, or A and AAAA: at most two are read): each
/// type to send and whether its answer is to be reported without records. Without `no-aaaa`,
/// the types as they are.
#[inline]
pub(crate) fn questions(no_aaaa: bool, types: &[u16]) -> Questions {
    let mut q = Questions {
        asked: [(0, false); 2],
        len: 0,
    };
    let asks_a = types.contains(&rtype::A);
    for &t in types.iter().take(2) {
        q.asked[q.len] = match t {
            rtype::AAAA if no_aaaa && asks_a => continue,
            rtype::AAAA if no_aaaa => (rtype::A, true),
            t => (t, false),
        };
        q.len += 1;
    }
    q
}

/// The question type and class of AAAA/IN, and of A/IN, as they follow the question name.
const AAAA_IN: [u8; 4] = [0, rtype::AAAA as u8, 0, wire::CLASS_IN as u8];
const A_IN: [u8; 4] = [0, rtype::A as u8, 0, wire::CLASS_IN as u8];

/// `__res_handle_no_aaaa` on a caller's message: for a well-formed query (not a response,
/// opcode and rcode 0, one question, no answer or authority records) whose question is
/// AAAA/IN, the same query for A without any additional record (no OPT); `None` otherwise (the
/// message is sent as it is).
pub(crate) fn query(msg: &[u8]) -> Option<Vec<u8>> {
    if msg.len() <= HEADER_LEN {
        return None;
    }
    let header_ok = msg[2] & 0xf8 == 0
        && msg[3] & 0x0f == 0
        && msg[4..6] == [0, 1]
        && msg[6..10] == [0, 0, 0, 0];
    if !header_ok {
        return None;
    }
    let end = question_end(msg)?;
    if msg[end - 4..end] != AAAA_IN {
        return None;
    }
    let mut q = msg[..end].to_vec();
    q[10..12].copy_from_slice(&[0, 0]);
    q[end - 4..end].copy_from_slice(&A_IN);
    Some(q)
}

/// The answer to a query [`query`] rewrote, shown as the AAAA query's answer without records
/// (NODATA, or NXDOMAIN as it came): the header with no records, the question switched back
/// to AAAA, nothing after it.
pub(crate) fn reply(bytes: &mut Vec<u8>) {
    if let Some(end) = question_end(bytes) {
        if bytes[end - 4..end] == A_IN {
            bytes[end - 4..end].copy_from_slice(&AAAA_IN);
            bytes[6..12].copy_from_slice(&[0; 6]);
            bytes.truncate(end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{build_query, with_opt};

    #[test]
    fn questions_asked() {
        use rtype::{A, AAAA};
        let q = |no_aaaa, t: &[u16]| questions(no_aaaa, t).as_slice().to_vec();
        assert_eq!(q(false, &[A, AAAA]), [(A, false), (AAAA, false)]);
        assert_eq!(q(true, &[A, AAAA]), [(A, false)]);
        assert_eq!(q(true, &[AAAA]), [(A, true)]);
        assert_eq!(q(true, &[A]), [(A, false)]);
        assert_eq!(q(true, &[rtype::PTR]), [(rtype::PTR, false)]);
    }

    #[test]
    fn message_translation() {
        let q = with_opt(
            &build_query(7, "host.test", rtype::AAAA, None).unwrap(),
            1232,
        );
        let a = query(&q).unwrap();
        assert_eq!(&a[10..12], &[0, 0]); // OPT dropped
        assert_eq!(&a[a.len() - 4..], &[0, 1, 0, 1]);
        // Not for A questions, responses or other classes.
        let q4 = build_query(7, "host.test", rtype::A, None).unwrap();
        assert!(query(&q4).is_none());
        let mut r = a.clone();
        r[2] |= 0x80;
        assert!(query(&r).is_none());
        // The answer is shown as the AAAA question with no records.
        let mut resp = a.clone();
        resp[2] |= 0x80;
        resp[6..8].copy_from_slice(&[0, 1]);
        resp.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
        let mut out = resp;
        reply(&mut out);
        assert_eq!(out.len(), a.len());
        assert_eq!(&out[6..12], &[0; 6]);
        assert_eq!(&out[out.len() - 4..], &[0, 28, 0, 1]);
    }
}
