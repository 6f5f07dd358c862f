//! The two flows side by side: the allocation-free short cuts give what the full flows give,
//! and `getnameinfo`'s rules per libc.

use super::*;
use crate::config::Services;
use crate::numeric::strtoul_parts;
use crate::sys::{
    AF_UNSPEC, IPPROTO_DCCP, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE, SOCK_DCCP,
    SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM,
};
use nameinfo::ni;
use std::sync::Arc;

/// Every call [`numeric`] answers, [`getaddrinfo`] answers alike; and it answers the common
/// ones.
#[test]
fn numeric_agrees_with_the_full_flow() {
    let hosts = [
        "10.0.0.1",
        "127.1",
        "0x7f.0.0.1",
        "2130706433",
        "2001:db8::1",
        "::1",
        "::",
        "::ffff:10.0.0.1",
        "fe80::1%1",
        "fe80::1%lo",
        "2001:db8::1%nosuchif",
        "1.2.3.4%1",
        "256.0.0.1",
        "*",
        &"1".repeat(300),
    ];
    let servs = [
        None,
        Some("80"),
        Some("0"),
        Some("65536"),
        Some(""),
        Some("*"),
    ];
    let flag_sets = [
        0,
        ai::PASSIVE,
        ai::CANONNAME,
        ai::NUMERICHOST,
        ai::V4MAPPED,
        ai::V4MAPPED | ai::ALL,
        ai::NUMERICSERV,
        ai::CANONNAME | ai::V4MAPPED,
        ai::IDN,
        0x1000,
    ];
    let families = [AF_UNSPEC, AF_INET, AF_INET6, 99];
    let kinds = [
        (0, 0),
        (SOCK_STREAM, 0),
        (SOCK_DGRAM, IPPROTO_UDP),
        (SOCK_RAW, 0),
        (SOCK_STREAM, IPPROTO_UDP),
        (0, IPPROTO_SCTP),
    ];
    let mut answered = 0;
    for sem in [Semantics::Musl, Semantics::Glibc] {
        for host in hosts {
            for serv in servs {
                let mut hints: Vec<Option<Hints>> = vec![None];
                for &flags in &flag_sets {
                    for &family in &families {
                        for &(socktype, protocol) in &kinds {
                            hints.push(Some(Hints {
                                flags,
                                family,
                                socktype,
                                protocol,
                            }));
                        }
                    }
                }
                for h in hints {
                    let Some(small) = numeric(host, serv, h, sem) else {
                        continue;
                    };
                    answered += 1;
                    let full = getaddrinfo(Some(host), serv, h, sem, &mut NoModules)
                        .unwrap_or_else(|e| panic!("{sem:?} {host} {serv:?} {h:?}: {e:?}"));
                    assert_eq!(
                        (
                            (0..small.len()).map(|i| small.entry(i)).collect::<Vec<_>>(),
                            small.canon.map(<[u8]>::to_vec),
                            small.canon_on_all,
                            small.flags
                        ),
                        (
                            full.entries.iter().collect::<Vec<_>>(),
                            full.canon.map(|c| c.to_vec()),
                            full.canon_on_all,
                            full.flags
                        ),
                        "{sem:?} {host} {serv:?} {h:?}"
                    );
                }
            }
        }
    }
    assert!(answered > 1000, "{answered}");
    let stream = Some(Hints {
        flags: 0,
        family: AF_UNSPEC,
        socktype: SOCK_STREAM,
        protocol: 0,
    });
    for sem in [Semantics::Musl, Semantics::Glibc] {
        for host in ["10.0.0.1", "2001:db8::1"] {
            for serv in [None, Some("80")] {
                assert!(numeric(host, serv, stream, sem).is_some(), "{host}");
            }
        }
    }
    assert!(numeric("10.0.0.1", None, None, Semantics::Musl).is_some());
}

fn table() -> Arc<Services> {
    Arc::new(Services::parse(
        b"http 80/tcp www\nhttp 80/udp\ndomain 53/udp\n",
    ))
}

/// The triples each flow's service lookup gives, against [`table`].
fn serv(
    sem: Semantics,
    name: Option<&str>,
    proto: i32,
    st: i32,
    flags: i32,
) -> Result<Vec<(u16, i32, i32)>> {
    let v = match sem {
        Semantics::Musl => musl::serv::lookup_serv(name, proto, st, flags, &table),
        Semantics::Glibc => gnu::serv::service(name, flags)
            .and_then(|s| gnu::serv::servtuples(s, st, proto, &table)),
    };
    v.map(|v| {
        v.into_iter()
            .map(|s| (s.port, s.socktype, s.protocol))
            .collect()
    })
}

#[test]
fn musl_services() {
    assert_eq!(
        serv(Semantics::Musl, None, 0, 0, 0),
        Ok(vec![
            (0, SOCK_STREAM, IPPROTO_TCP),
            (0, SOCK_DGRAM, IPPROTO_UDP)
        ])
    );
    assert_eq!(
        serv(Semantics::Musl, Some("80"), 0, SOCK_STREAM, 0),
        Ok(vec![(80, SOCK_STREAM, IPPROTO_TCP)])
    );
    assert_eq!(
        serv(Semantics::Musl, Some("http"), 0, 0, 0),
        Ok(vec![
            (80, SOCK_STREAM, IPPROTO_TCP),
            (80, SOCK_DGRAM, IPPROTO_UDP)
        ])
    );
    assert_eq!(
        serv(Semantics::Musl, Some("www"), 0, SOCK_DGRAM, 0),
        Err(Error::BadService)
    );
    assert_eq!(
        serv(Semantics::Musl, Some("domain"), 0, 0, 0),
        Ok(vec![(53, SOCK_DGRAM, IPPROTO_UDP)])
    );
    assert_eq!(
        serv(Semantics::Musl, Some("http"), 0, 0, ai::NUMERICSERV),
        Err(Error::NotFound)
    );
    assert_eq!(
        serv(Semantics::Musl, Some("65536"), 0, 0, 0),
        Err(Error::BadService)
    );
    assert_eq!(
        serv(Semantics::Musl, Some(""), 0, 0, 0),
        Err(Error::BadService)
    );
    assert_eq!(
        serv(Semantics::Musl, Some("nope"), 0, 0, 0),
        Err(Error::BadService)
    );
    assert_eq!(
        serv(Semantics::Musl, Some("80"), IPPROTO_UDP, SOCK_STREAM, 0),
        Err(Error::BadService)
    );
    assert_eq!(
        serv(Semantics::Musl, None, 0, SOCK_RAW, 0),
        Ok(vec![(0, SOCK_RAW, 0)])
    );
    assert_eq!(
        serv(Semantics::Musl, Some("80"), 0, SOCK_RAW, 0),
        Err(Error::BadService)
    );
}

#[test]
fn glibc_services() {
    assert_eq!(
        serv(Semantics::Glibc, None, 0, 0, 0),
        Ok(vec![
            (0, SOCK_STREAM, IPPROTO_TCP),
            (0, SOCK_DGRAM, IPPROTO_UDP),
            (0, SOCK_RAW, 0)
        ])
    );
    assert_eq!(
        serv(Semantics::Glibc, Some("80"), 0, 0, 0),
        Ok(vec![
            (80, SOCK_STREAM, IPPROTO_TCP),
            (80, SOCK_DGRAM, IPPROTO_UDP),
            (80, SOCK_RAW, 0)
        ])
    );
    assert_eq!(
        serv(Semantics::Glibc, Some("http"), 0, 0, 0),
        Ok(vec![
            (80, SOCK_STREAM, IPPROTO_TCP),
            (80, SOCK_DGRAM, IPPROTO_UDP)
        ])
    );
    assert_eq!(
        serv(Semantics::Glibc, Some("80"), 0, 99, 0),
        Err(Error::BadSocktype)
    );
    assert_eq!(
        serv(Semantics::Glibc, Some("80"), IPPROTO_UDP, SOCK_STREAM, 0),
        Err(Error::BadSocktype)
    );
    assert_eq!(
        serv(Semantics::Glibc, None, 0, SOCK_RAW, 0),
        Ok(vec![(0, SOCK_RAW, 0)])
    );
    assert_eq!(
        serv(Semantics::Glibc, Some("http"), 0, 0, ai::NUMERICSERV),
        Err(Error::NotFound)
    );
}

/// The allocation-free variant answers exactly the calls that need no services file, with
/// what `lookup_serv` answers.
#[test]
fn numeric_variant_agrees() {
    let names = [
        None,
        Some(""),
        Some("0"),
        Some("80"),
        Some(" 80"),
        Some("+80"),
        Some("-0"),
        Some("-1"),
        Some("65535"),
        Some("65536"),
        Some("4294967376"),
        Some("99999999999999999999999"),
        Some("http"),
        Some("www"),
        Some("nope"),
        Some("*"),
    ];
    let socktypes = [
        0,
        SOCK_STREAM,
        SOCK_DGRAM,
        SOCK_RAW,
        SOCK_SEQPACKET,
        SOCK_DCCP,
        99,
    ];
    let protocols = [
        0,
        IPPROTO_TCP,
        IPPROTO_UDP,
        IPPROTO_SCTP,
        IPPROTO_UDPLITE,
        IPPROTO_DCCP,
        7,
    ];
    let not_read = || -> Arc<Services> { panic!("numeric services read the table") };
    for sem in [Semantics::Musl, Semantics::Glibc] {
        let lookup_serv = |name, proto, st, flags, table: &dyn Fn() -> Arc<Services>| match sem {
            Semantics::Musl => musl::serv::lookup_serv(name, proto, st, flags, table),
            Semantics::Glibc => gnu::serv::service(name, flags)
                .and_then(|s| gnu::serv::servtuples(s, st, proto, table)),
        };
        let numeric = |name, proto, st, flags| match sem {
            Semantics::Musl => musl::serv::step(name, proto, st, flags).ok()?.done(),
            Semantics::Glibc => gnu::serv::step(gnu::serv::service(name, flags).ok()?, st, proto)
                .ok()?
                .done(),
        };
        for name in names {
            for st in socktypes {
                for proto in protocols {
                    for flags in [0, ai::NUMERICSERV] {
                        let full = lookup_serv(name, proto, st, flags, &table);
                        match numeric(name, proto, st, flags) {
                            Some(l) => {
                                assert_eq!(Ok(ServiceVec::from_slice(l.as_slice())), full);
                                // Nor does lookup_serv read it for these.
                                assert_eq!(lookup_serv(name, proto, st, flags, &not_read), full);
                            }
                            None => assert!(
                                full.is_err() || name.is_some_and(|n| strtoul_parts(n).is_none()),
                                "{sem:?} {name:?} {st} {proto} {flags}: {full:?}"
                            ),
                        }
                    }
                }
            }
        }
    }
}

fn req(addr: &str, flags: i32) -> Request {
    Request {
        addr: addr.parse().unwrap(),
        port: 80,
        scope_id: 0,
        host_len: Some(1025),
        serv_len: Some(32),
        flags,
    }
}

#[test]
fn numeric_and_overflow() {
    for sem in [Semantics::Musl, Semantics::Glibc] {
        let r = req("192.0.2.1", ni::NUMERICHOST | ni::NUMERICSERV);
        let n = getnameinfo(&r, sem, &mut NoModules).unwrap();
        assert_eq!(n.host.as_deref(), Some(&b"192.0.2.1"[..]));
        assert_eq!(n.serv.as_deref(), Some("80"));
        // "192.0.2.1" is 9 bytes: 10 fit, 9 do not.
        let mut r2 = r;
        r2.host_len = Some(10);
        assert!(getnameinfo(&r2, sem, &mut NoModules).is_ok());
        r2.host_len = Some(9);
        assert_eq!(getnameinfo(&r2, sem, &mut NoModules), Err(Error::Overflow));
        r2.host_len = None;
        r2.serv_len = Some(2);
        assert_eq!(getnameinfo(&r2, sem, &mut NoModules), Err(Error::Overflow));
        r2.serv_len = None;
        assert_eq!(
            getnameinfo(&r2, sem, &mut NoModules),
            Ok(NameInfo::default())
        );
    }
}

#[test]
fn flags_checked_by_glibc_only() {
    let r = req("192.0.2.1", ni::NUMERICHOST | ni::NUMERICSCOPE);
    assert_eq!(
        getnameinfo(&r, Semantics::Glibc, &mut NoModules),
        Err(Error::BadFlags)
    );
    assert!(getnameinfo(&r, Semantics::Musl, &mut NoModules).is_ok());
    let mut r = req("192.0.2.1", ni::NAMEREQD);
    r.host_len = None;
    r.serv_len = None;
    assert_eq!(
        getnameinfo(&r, Semantics::Glibc, &mut NoModules),
        Err(Error::NotFound)
    );
    assert_eq!(
        getnameinfo(&r, Semantics::Musl, &mut NoModules),
        Ok(NameInfo::default())
    );
}

#[test]
fn scopes() {
    let mut r = req("fe80::1", ni::NUMERICHOST);
    r.scope_id = 1;
    let lo = crate::sys::host::if_indextoname(1);
    let want = format!("fe80::1%{}", lo.clone().unwrap_or_else(|| "1".into()));
    assert_eq!(
        getnameinfo(&r, Semantics::Glibc, &mut NoModules)
            .unwrap()
            .host,
        Some(want.into_bytes())
    );
    r.flags |= ni::NUMERICSCOPE;
    assert_eq!(
        getnameinfo(&r, Semantics::Musl, &mut NoModules)
            .unwrap()
            .host
            .as_deref(),
        Some(&b"fe80::1%1"[..])
    );
    // Not link-local: always the number.
    let mut r = req("2001:db8::1", ni::NUMERICHOST);
    r.scope_id = 1;
    assert_eq!(
        getnameinfo(&r, Semantics::Musl, &mut NoModules)
            .unwrap()
            .host
            .as_deref(),
        Some(&b"2001:db8::1%1"[..])
    );
    // An index without an interface: the number.
    let mut r = req("fe80::1", ni::NUMERICHOST);
    r.scope_id = 999_999;
    assert_eq!(
        getnameinfo(&r, Semantics::Glibc, &mut NoModules)
            .unwrap()
            .host
            .as_deref(),
        Some(&b"fe80::1%999999"[..])
    );
}
