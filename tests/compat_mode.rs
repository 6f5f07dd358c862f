//! Compatibility mode: where musl and glibc genuinely differ, the musl build keeps
//! musl's answer by default and `DNSSHIM_COMPAT=glibc` switches it to glibc's. For each case
//! this test requires all three facts, so it cannot pass vacuously:
//! - musl alone and glibc alone really differ;
//! - musl + musl build (default) prints exactly what musl alone prints;
//! - musl + musl build with `DNSSHIM_COMPAT=glibc` prints exactly what glibc alone prints.
//!
//! The probe is one C source (tests/c/probe.c) built with musl-gcc and gcc.

mod common;

use common::{Outcome, Probe, Scenario, GLIBC, MUSL, MUSL_SHIM};

const DNS: &str = "\
one.test.           A     10.6.0.1
dual.test.          A     10.6.0.2
dual.test.          AAAA  2001:db8:6::2
web.x.corp.test.    A     10.6.0.3
split.test.         A     10.6.0.4
rcode split.test NXDOMAIN AAAA
";

const RESOLV: &str =
    "nameserver 127.0.0.1\nsearch corp.test\noptions ndots:1 timeout:2 attempts:1\n";
const HOSTS: &str = "127.0.0.1 localhost\n10.6.0.9 MixedCase.test\n";

/// (what differs, probe arguments)
const CASES: &[(&str, &[&str])] = &[
    // glibc tries the search list after NXDOMAIN for names with >= ndots dots; musl does not.
    (
        "search list after NXDOMAIN for a dotted name",
        &["gai", "web.x", "--family", "inet"],
    ),
    // glibc returns SOCK_STREAM, SOCK_DGRAM and SOCK_RAW when hints give no socket type.
    (
        "socket type fan-out",
        &["gai", "one.test", "--family", "inet"],
    ),
    // NULL hints: glibc means AI_V4MAPPED|AI_ADDRCONFIG, musl no flags.
    (
        "default flags for NULL hints",
        &["gai", "dual.test", "--nullhints", "--show-flags"],
    ),
    // NXDOMAIN for AAAA, an address for A.
    (
        "NXDOMAIN for one of A/AAAA",
        &["gai", "split.test", "--socktype", "stream"],
    ),
    // glibc matches hosts-file names in any case; musl only exactly.
    (
        "hosts-file names in any case",
        &["gai", "mixedcase.test", "--socktype", "stream"],
    ),
    // musl puts ai_canonname on every entry, glibc only on the first.
    (
        "canonname on every entry",
        &[
            "gai",
            "dual.test",
            "--socktype",
            "stream",
            "--flags",
            "canonname",
        ],
    ),
];

fn same(a: &Outcome, b: &Outcome) -> bool {
    (a.status, &a.stdout) == (b.status, &b.stdout)
}

#[test]
fn compat_glibc_switches_the_musl_build_to_glibc_answers() {
    check_cases(DNS, CASES);
}

/// Names from the network that are not host names, where musl passes on what glibc
/// refuses (tests/conformance/hostile.scn has them all; these are the ones where the two
/// libcs' answers differ as the probe shows them).
const HOSTILE_DNS: &str = "\
1.0.20.10.in-addr.arpa.  PTR  evil\\;id`x`\\$(y)|z.example.
2.0.20.10.in-addr.arpa.  PTR  with\\032space.example.
dash.test.     CNAME  -dash.example.
-dash.example.  A  10.21.0.9
mid.test.      CNAME  bad\\032mid.example.
bad\\032mid.example.  CNAME  good-end.example.
good-end.example.  A  10.21.0.7
";

const HOSTILE_CASES: &[(&str, &[&str])] = &[
    (
        "PTR target with shell metacharacters: gethostbyaddr",
        &["ghba", "10.20.0.1"],
    ),
    (
        "PTR target with a space: getnameinfo",
        &["gni", "10.20.0.2", "80", "--servlen", "null"],
    ),
    (
        "PTR target with a space: gethostbyaddr_r",
        &["ghba_r", "10.20.0.2"],
    ),
    (
        "CNAME target with a leading dash: canonical name",
        &[
            "gai",
            "dash.test",
            "--socktype",
            "stream",
            "--flags",
            "canonname",
        ],
    ),
    (
        "CNAME chain through a name with a space: h_name and h_aliases",
        &["ghbn", "mid.test"],
    ),
];

#[test]
fn compat_glibc_checks_names_from_the_network_as_glibc() {
    check_cases(HOSTILE_DNS, HOSTILE_CASES);
}

/// Runs each case with musl, glibc, the musl build and the musl build in compatibility mode,
/// and requires that musl and glibc differ, the musl build prints what musl prints and the
/// compatibility mode what glibc prints.
fn check_cases(dns: &str, cases: &[(&str, &[&str])]) {
    let mut sc = Scenario::new(dns).resolv(RESOLV).hosts(HOSTS);
    for (_, args) in cases {
        sc = sc
            .probe(Probe::new(MUSL, args))
            .probe(Probe::new(GLIBC, args))
            .probe(Probe::new(MUSL_SHIM, args))
            .probe(Probe::new(MUSL_SHIM, args).env("DNSSHIM_COMPAT", "glibc"));
    }
    let out = sc.run();
    assert_eq!(out.len(), cases.len() * 4);
    let mut failures = Vec::new();
    for ((what, _), o) in cases.iter().zip(out.chunks(4)) {
        let (musl, glibc, shim, compat) = (&o[0], &o[1], &o[2], &o[3]);
        let dump = || {
            format!(
                "{}\n{}\n{}\n{}",
                musl.dump(),
                glibc.dump(),
                shim.dump(),
                compat.dump()
            )
        };
        if same(musl, glibc) {
            failures.push(format!(
                "{what}: musl and glibc agree, the case shows nothing\n{}",
                dump()
            ));
        }
        if !same(shim, musl) {
            failures.push(format!(
                "{what}: musl build (default) differs from musl\n{}",
                dump()
            ));
        }
        if !same(compat, glibc) {
            failures.push(format!(
                "{what}: DNSSHIM_COMPAT=glibc differs from glibc\n{}",
                dump()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Compatibility mode changes the lookup rules, never the meaning of the caller's
/// constants. A musl program's `NI_NUMERICSCOPE` (0x100, a bit glibc does not define) is
/// honoured as musl honours it (busybox passes `NI_NUMERICHOST|NI_NUMERICSCOPE`), and a bit
/// musl does not define is `EAI_BADFLAGS` under glibc's rules. Each line is compared with musl
/// alone where musl's answer is the flag's meaning, and the default mode must agree too.
#[test]
fn compat_glibc_reads_the_flags_with_the_programs_values() {
    // (probe arguments, what musl alone must print, what compat mode must print)
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &[
                "gni",
                "192.0.2.1",
                "80",
                "--flags",
                "numerichost,numericscope",
                "--servlen",
                "null",
            ],
            "gni OK host=192.0.2.1 serv=(null)",
            "gni OK host=192.0.2.1 serv=(null)",
        ),
        (
            &[
                "gni",
                "fe80::1%1",
                "80",
                "--flags",
                "numerichost,numericscope",
                "--servlen",
                "null",
            ],
            "gni OK host=fe80::1%1 serv=(null)",
            "gni OK host=fe80::1%1 serv=(null)",
        ),
        (
            &[
                "gni",
                "fe80::1%1",
                "80",
                "--flags",
                "numerichost,0x20",
                "--servlen",
                "null",
            ],
            "gni OK host=fe80::1%lo serv=(null)",
            "gni EAI_BADFLAGS",
        ),
    ];
    let mut sc = Scenario::new(DNS).resolv(RESOLV).hosts(HOSTS);
    for (args, _, _) in cases {
        sc = sc
            .probe(Probe::new(MUSL, args))
            .probe(Probe::new(MUSL_SHIM, args))
            .probe(Probe::new(MUSL_SHIM, args).env("DNSSHIM_COMPAT", "glibc"));
    }
    let out = sc.run();
    let mut failures = Vec::new();
    for ((args, want_musl, want_compat), o) in cases.iter().zip(out.chunks(3)) {
        let (musl, shim, compat) = (&o[0], &o[1], &o[2]);
        let dump = || format!("{}\n{}\n{}", musl.dump(), shim.dump(), compat.dump());
        if musl.head() != *want_musl {
            failures.push(format!(
                "{args:?}: musl prints {:?}\n{}",
                musl.head(),
                dump()
            ));
        }
        if !same(shim, musl) {
            failures.push(format!(
                "{args:?}: musl build differs from musl\n{}",
                dump()
            ));
        }
        if compat.head() != *want_compat {
            failures.push(format!(
                "{args:?}: DNSSHIM_COMPAT=glibc prints {:?}, not {want_compat:?}\n{}",
                compat.head(),
                dump()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
