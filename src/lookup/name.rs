//! Host names as each libc checks them: glibc's `res_binary_hnok` and musl's
//! `is_valid_hostname`, and the one check every path applies to a name from the network
//! ([`network_name`]).

use super::types::Semantics;
use crate::wire;

/// Longest name accepted (musl: `strnlen(name, 255) - 1 >= 254` rejects 255 and more).
pub const MAX_HOST_LEN: usize = 254;

/// musl's `is_valid_hostname` (`lookup_name.c`): what may become a canonical name. 1 to 254
/// bytes, a valid multibyte string in the program's locale (`mbstowcs`: in musl's C locale any
/// byte, in a UTF-8 locale only UTF-8), and only letters, digits, `.`, `-` and bytes from 0x80.
pub(crate) fn is_valid_hostname(s: &[u8]) -> bool {
    (1..=MAX_HOST_LEN).contains(&s.len())
        && s.iter()
            .all(|&b| b >= 0x80 || b == b'.' || b == b'-' || b.is_ascii_alphanumeric())
        && (s.is_ascii() || crate::sys::host::multibyte_ok(s))
}

/// glibc's `__res_binary_hnok` (`resolv/res-name-checking.c`) on a name's labels: every byte a
/// letter, digit, `-` or `_`, and the first label not starting with `-`. The root is a host
/// name.
pub fn hnok_labels<'a>(mut labels: impl Iterator<Item = &'a [u8]>) -> bool {
    let ok = |l: &[u8]| {
        l.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    };
    match labels.next() {
        None => true,
        Some(first) => first.first() != Some(&b'-') && ok(first) && labels.all(ok),
    }
}

/// Where a name from the network ends up, for musl's rule ([`network_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// A CNAME target that becomes the canonical name (`h_name`, `ai_canonname`).
    Canonical,
    /// A PTR target (`gethostbyaddr`'s `h_name`, `getnameinfo`'s host).
    Ptr,
}

/// A name from the network (a CNAME target, a PTR target) as the emulated libc hands it to the
/// program, or `None` where that libc refuses it. The one check every path applies:
/// - glibc (`nss_dns`: `getanswer_r`, `gaih_getanswer_slice`, `getanswer_ptr`): the name in
///   wire form must pass `__res_binary_hnok` ([`hnok_labels`]); its text is then its labels
///   joined by dots (`ns_name_ntop` escapes nothing in such a name).
/// - musl (`__dn_expand`, and for a canonical name `is_valid_hostname`): the text is the
///   labels' bytes as they are (a dot inside a label shows as one, so "empty labels" appear),
///   joined by dots, ending at a NUL byte (a C string); a canonical name must pass
///   [`is_valid_hostname`]; a PTR target is taken as it is (empty: no name).
pub fn network_name(name: &wire::Name<'_>, sem: Semantics, taken: Taken) -> Option<Vec<u8>> {
    let mut text = Vec::with_capacity(wire::MAX_NAME_LEN);
    for l in name.labels() {
        if !text.is_empty() {
            text.push(b'.');
        }
        text.extend_from_slice(l);
    }
    match sem {
        Semantics::Glibc => {
            if !hnok_labels(name.labels()) {
                return None;
            }
            if text.is_empty() {
                text.push(b'.'); // ns_name_ntop's root
            }
            Some(text)
        }
        Semantics::Musl => {
            if let Some(nul) = text.iter().position(|&b| b == 0) {
                text.truncate(nul);
            }
            (taken == Taken::Ptr || is_valid_hostname(&text)).then_some(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::rtype;

    /// The one check of names from the network, on names built label by label (any byte).
    #[test]
    fn network_names() {
        use crate::wire::testutil::{respond, Reply};
        use hickory_proto::rr::{rdata::PTR, Name as HName, RData, Record};
        let labels: &[&[&[u8]]] = &[
            &[b"ok-host", b"example"],
            &[b"under_score", b"example"],
            &[b"evil;id`x`$(y)|z<s>", b"example"],
            &[b"with space", b"example"],
            &[b"b\xfccher", b"example"],
            &[b"dot.inside", b"example"],
            &[b"nul\0byte", b"example"],
            &[b"-dash", b"example"],
            &[],
        ];
        let q = wire::build_query(1, "1.0.0.10.in-addr.arpa", rtype::PTR, None).unwrap();
        let records = labels
            .iter()
            .map(|l| {
                let n = HName::from_labels(l.iter().copied()).unwrap();
                let owner = HName::from_ascii("1.0.0.10.in-addr.arpa.").unwrap();
                Record::from_rdata(owner, 300, RData::PTR(PTR(n)))
            })
            .collect();
        let bytes = respond(&q, &Reply::records(records));
        let msg = wire::Message::parse(&bytes).unwrap();
        let targets: Vec<_> = msg.answers().filter_map(|r| r.target()).collect();
        assert_eq!(targets.len(), labels.len());
        use Semantics::{Glibc, Musl};
        use Taken::{Canonical, Ptr};
        let some = |b: &'static [u8]| Some(b);
        // (name, semantics, role, what the libc hands on)
        let mut want: Vec<(usize, Semantics, Taken, Option<&[u8]>)> = Vec::new();
        // glibc: __res_binary_hnok, both roles alike.
        for taken in [Canonical, Ptr] {
            want.push((0, Glibc, taken, some(b"ok-host.example")));
            want.push((1, Glibc, taken, some(b"under_score.example")));
            want.extend((2..8).map(|bad| (bad, Glibc, taken, None)));
            want.push((8, Glibc, taken, some(b".")));
        }
        // musl: the bytes as they are for a PTR target, cut at a NUL; a canonical name must
        // pass is_valid_hostname (bytes from 0x80 are checked by mbstowcs in the program's
        // locale: not asked here; '_' is not in musl's set).
        want.extend([
            (2, Musl, Ptr, some(b"evil;id`x`$(y)|z<s>.example")),
            (3, Musl, Ptr, some(b"with space.example")),
            (5, Musl, Ptr, some(b"dot.inside.example")),
            (6, Musl, Ptr, some(b"nul")),
            (8, Musl, Ptr, some(b"")),
            (1, Musl, Canonical, None),
            (2, Musl, Canonical, None),
            (3, Musl, Canonical, None),
            (5, Musl, Canonical, some(b"dot.inside.example")),
            (6, Musl, Canonical, some(b"nul")),
            (7, Musl, Canonical, some(b"-dash.example")),
            (8, Musl, Canonical, None),
        ]);
        for (i, sem, taken, w) in want {
            let got = network_name(&targets[i], sem, taken);
            assert_eq!(got.as_deref(), w, "{i} {sem:?} {taken:?}");
        }
        // glibc's check, label by label.
        assert!(hnok_labels([&b"a-b"[..], b"_c"].into_iter()));
        assert!(!hnok_labels([&b"-a"[..]].into_iter()));
        assert!(hnok_labels([&b"a"[..], b"-b"].into_iter()));
        assert!(hnok_labels(std::iter::empty()));
    }
}
