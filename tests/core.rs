//! The core shim beyond the end-to-end scenarios: the glibc build against glibc itself, the
//! `DNSSHIM_DISABLE` switch, NULL and bad input, name length limits, reverse lookups, two
//! nameservers. Real C probes (tests/c/probe.c, built with gcc and musl-gcc) against the
//! scriptable DNS server in a private network namespace (tests/common/).
//!
//! Every expected difference between a C library and the shim is named where it is expected,
//! with its reason; docs/compat.md lists them all.

mod common;

use common::{Outcome, Probe, Scenario, Variant, GLIBC, GLIBC_SHIM, MUSL, MUSL_SHIM};

/// Splits a probe command line on blanks; `''` stands for an empty argument.
fn words(s: &str) -> Vec<String> {
    s.split_whitespace()
        .map(|w| {
            if w == "''" {
                String::new()
            } else {
                w.to_string()
            }
        })
        .collect()
}

fn same(a: &Outcome, b: &Outcome) -> bool {
    (a.status, &a.stdout) == (b.status, &b.stdout)
}

/// Runs every case with `libc` alone and with the shim; returns the pairs, in case order.
fn pairs(sc: Scenario, libc: Variant, shim: Variant, cases: &[Vec<String>]) -> Vec<[Outcome; 2]> {
    let mut sc = sc;
    for args in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        sc = sc.probe_each(&[libc, shim], &a);
    }
    let out = sc.run();
    out.chunks(2)
        .map(|p| [p[0].clone(), p[1].clone()])
        .collect()
}

/// Asserts that libc and libc+shim print the same for every case, and that the cases are
/// meaningful (most of them resolve).
fn assert_parity(what: &str, results: &[[Outcome; 2]]) {
    let diffs: Vec<String> = results
        .iter()
        .filter(|[l, s]| !same(l, s))
        .map(|[l, s]| format!("{}\n{}", l.dump(), s.dump()))
        .collect();
    let resolved = results.iter().filter(|[l, _]| l.status == 0).count();
    assert!(
        resolved * 2 > results.len(),
        "{what}: only {resolved} of {} cases resolve",
        results.len()
    );
    assert!(
        diffs.is_empty(),
        "{what}: {} of {} cases differ:\n{}",
        diffs.len(),
        results.len(),
        diffs.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// 1. The glibc build answers as glibc.

const GLIBC_DNS: &str = "\
one.test.     A     10.4.0.1
dual.test.    A     10.4.0.2
dual.test.    AAAA  2001:db8:4::2
alias.test.   CNAME one.test.
alias2.test.  CNAME alias.test.
cnv6.test.    CNAME v6only.test.
v6only.test.  AAAA  2001:db8:4::6
nodata.test.  NODATA
many.test.    A     10.4.0.3 10.4.0.4 127.0.0.3
lo.test.      A     127.1.0.5 127.0.0.5 10.4.0.5
lo.test.      AAAA  2001:db8:4::5 ::1
web.corp.test. A    10.4.0.9
nd.corp.test. NODATA
nd2.test.corp.test. NODATA
sfx.corp.test. A    10.4.0.11
rcode sfx.corp.test SERVFAIL
sfx.other.test. A   10.4.0.12
sfx.          A     10.4.0.10
";

const GLIBC_HOSTS: &str = "\
# comment line
127.0.0.1       localhost
::1             localhost ip6-localhost ip6-loopback
10.5.0.1        hostv4.test hv4alias   # trailing comment
2001:db8:5::1   hostv6.test hv6alias
10.5.0.2        multi.test
2001:db8:5::2   multi.test
10.5.0.3        two.test first
10.5.0.4        Two.Test second
::ffff:10.5.0.5 mapped.test
fe80::9%1       scoped.test
10.5.6          short.test
";

const GAI_NAMES: [&str; 36] = [
    "one.test",
    "One.TEST",
    "one.test.",
    "dual.test",
    "alias.test",
    "alias2.test",
    "v6only.test",
    "cnv6.test",
    "nx.test",
    "nodata.test",
    "many.test",
    "lo.test",
    "web",
    "nd",
    "nd2.test",
    "127.0.0.1",
    "::1",
    "127.1",
    "::ffff:10.1.2.3",
    "fe80::1%1",
    "fe80::1%lo",
    "10.9.9.9",
    "1.2.3.4.5",
    "hostv4.test",
    "HOSTV4.test",
    "hv4alias",
    "hostv6.test",
    "hv6alias",
    "multi.test",
    "two.test",
    "first",
    "second",
    "mapped.test",
    "scoped.test",
    "short.test",
    "localhost",
];

const GAI_HINTS: [&str; 20] = [
    "",
    "--family inet",
    "--family inet6",
    "--socktype stream --service 80",
    "--socktype dgram --service http",
    "--socktype raw",
    "--protocol tcp --service http",
    "--flags canonname",
    "--flags canonname --family inet --socktype stream --service http",
    "--flags canonname --family inet6 --socktype stream",
    "--nullhints",
    "--flags numerichost",
    "--flags passive --socktype stream",
    "--family inet6 --flags v4mapped --socktype stream",
    "--family inet6 --flags v4mapped,all --socktype stream",
    "--family inet6 --flags v4mapped,canonname --socktype stream",
    "--flags v4mapped,all --socktype stream",
    "--flags addrconfig --socktype stream",
    "--flags addrconfig --family inet6 --socktype stream",
    "--service 80 --flags numericserv",
];

/// Hint and service combinations without a host, or with odd services and flags.
const GAI_EXTRA: [&str; 22] = [
    "gai - --flags passive --service 80",
    "gai - --flags passive --service http --family inet6 --socktype stream",
    "gai - --service 80",
    "gai - --service 80 --socktype dgram --family inet",
    "gai - --flags passive",
    "gai - --nullhints --service 80",
    "gai - --service 80 --flags canonname",
    "gai - --service 80 --family inet6 --flags v4mapped,all",
    "gai * --service 80 --socktype stream",
    "gai one.test --service * --socktype stream",
    "gai one.test --service '' --socktype stream",
    "gai one.test --service +80 --socktype stream",
    "gai one.test --service 65536 --socktype stream",
    "gai one.test --service -1 --socktype stream",
    "gai one.test --service no-such-service",
    "gai one.test --service http --flags numericserv",
    "gai one.test --service http --socktype raw",
    "gai one.test --service 80 --socktype raw --protocol 99",
    "gai one.test --family 99",
    "gai one.test --socktype 99",
    "gai one.test --protocol 99",
    "gai one.test --flags 0x4000",
];

fn gai_cases(names: &[&str], hints: &[&str], extra: &[&str]) -> Vec<Vec<String>> {
    let mut cases = Vec::new();
    for n in names {
        for h in hints {
            let mut c = vec!["gai".to_string(), n.to_string()];
            c.extend(words(h));
            c.push("--show-flags".into());
            cases.push(c);
        }
    }
    for e in extra {
        let mut c = words(e);
        c.push("--show-flags".into());
        cases.push(c);
    }
    cases
}

fn glibc_scenario() -> Scenario {
    Scenario::new(GLIBC_DNS)
        .hosts(GLIBC_HOSTS)
        .resolv("nameserver 127.0.0.1\nsearch corp.test other.test\n")
}

/// A case where glibc+shim answers differently from glibc on purpose (docs/compat.md).
struct Exception {
    case: &'static str,
    reason: &'static str,
    /// The difference is exactly the documented one.
    check: fn(glibc: &Outcome, shim: &Outcome) -> bool,
}

const GLIBC_EXCEPTIONS: [Exception; 2] = [
    Exception {
        case: "gai one.test --service amqp",
        reason: "glibc also looks the service up for SCTP, DCCP and UDP-Lite (/etc/services has \
             amqp 5672/sctp); the shim knows tcp and udp services only",
        check: |glibc, shim| {
            let tcp_udp: Vec<&str> = glibc
                .stdout
                .lines()
                .filter(|l| !l.contains(" 132 ") && !l.contains(" 33 ") && !l.contains(" 136 "))
                .collect();
            shim.status == 0 && shim.stdout.lines().collect::<Vec<_>>() == tcp_udp
        },
    },
    Exception {
        case: "gai sfx --socktype stream",
        reason: "SERVFAIL for sfx.corp.test: glibc goes on down the search list to \
                 sfx.other.test; the shim cannot tell SERVFAIL from a timeout, leaves the \
                 search list and asks for sfx as given, as glibc does after a timeout",
        check: |glibc, shim| {
            glibc.stdout == "gai OK\ninet stream tcp 10.4.0.12 0 -\n"
                && shim.stdout == "gai OK\ninet stream tcp 10.4.0.10 0 -\n"
        },
    },
];

/// getaddrinfo: names × hints, ai_flags shown; the namespace has only loopback addresses.
#[test]
fn small_answers_getaddrinfo_match_glibc() {
    let cases = gai_cases(&GAI_NAMES, &GAI_HINTS, &GAI_EXTRA);
    let r = pairs(glibc_scenario(), GLIBC, GLIBC_SHIM, &cases);
    assert_parity("glibc vs glibc+shim, getaddrinfo", &r);

    let cases: Vec<Vec<String>> = GLIBC_EXCEPTIONS.iter().map(|e| words(e.case)).collect();
    let r = pairs(glibc_scenario(), GLIBC, GLIBC_SHIM, &cases);
    for (e, [glibc, shim]) in GLIBC_EXCEPTIONS.iter().zip(&r) {
        assert!(
            (e.check)(glibc, shim),
            "expected difference ({}) not as documented:\n{}\n{}",
            e.reason,
            glibc.dump(),
            shim.dump()
        );
    }
}

/// `HOSTALIASES` names a file of `alias full-name` lines for names without dots: getaddrinfo
/// and gethostbyname look the alias up through the search list (nss_dns), `res_search` asks
/// it as it is (its own alias step).
#[test]
fn hostaliases_match_glibc() {
    let file = std::env::temp_dir().join(format!("dnsshim-hostaliases-{}", std::process::id()));
    std::fs::write(
        &file,
        "# aliases\nshort one.test\nSixer v6only.test\nbare\nwebalias web\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let mut sc = glibc_scenario();
    let cases = [
        "gai short --flags canonname",
        "gai SIXER --socktype stream",
        "gai bare",
        "gai web --socktype stream",
        "gai webalias --socktype stream",
        "ghbn short",
        "ghbn2 sixer inet6",
        "res_search short",
        "res_search sixer --type AAAA",
        "res_search webalias",
        "res_search bare",
    ];
    for c in cases {
        let a = words(c);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        for v in [GLIBC, GLIBC_SHIM] {
            sc = sc.probe(Probe::new(v, &a).env("HOSTALIASES", path));
        }
    }
    let out = sc.run();
    let _ = std::fs::remove_file(&file);
    let r: Vec<[Outcome; 2]> = out
        .chunks(2)
        .map(|p| [p[0].clone(), p[1].clone()])
        .collect();
    assert_parity("glibc vs glibc+shim, HOSTALIASES", &r);
    assert!(
        r[0][1].stdout.contains("10.4.0.1 0 one.test"),
        "{}",
        r[0][1].dump()
    );
}

/// Names glibc reads with `ns_name_pton` (escapes, a backslash at the end, the empty name) and
/// search domains written with a leading dot, through getaddrinfo, gethostbyname and the
/// `res_*` functions: as glibc answers (`on\101.test` is `one.test`; the empty name is the root
/// for `res_hnok`, and no query is made of it: NO_RECOVERY).
#[test]
fn escaped_names_and_dotted_domains_match_glibc() {
    let cases: Vec<Vec<String>> = [
        "gai on\\101.test --socktype stream --flags canonname",
        "ghbn on\\101.test",
        "ghbn2 o\\110e.test inet",
        "res_search on\\101.test",
        "res_query on\\101.test",
        "gai one.test\\ --socktype stream",
        "gai '' --socktype stream",
        "ghbn ''",
        "gai w\\e\\b --socktype stream",
    ]
    .iter()
    .map(|c| words(c))
    .collect();
    let r = pairs(glibc_scenario(), GLIBC, GLIBC_SHIM, &cases);
    assert_parity("glibc vs glibc+shim, escaped names", &r);
    assert!(
        r[0][1].stdout.contains("10.4.0.1 0 one.test"),
        "{}",
        r[0][1].dump()
    );
    let dotted = glibc_scenario().resolv("nameserver 127.0.0.1\nsearch .corp.test\n");
    let cases: Vec<Vec<String>> = ["res_search web", "gai web --socktype stream", "ghbn web"]
        .iter()
        .map(|c| words(c))
        .collect();
    let r = pairs(dotted, GLIBC, GLIBC_SHIM, &cases);
    assert_parity(
        "glibc vs glibc+shim, a search domain with a leading dot",
        &r,
    );
    assert!(r[0][1].stdout.contains("10.4.0.9"), "{}", r[0][1].dump());
}

/// Address sorting (RFC 3484 as glibc does it) and AI_ADDRCONFIG with global addresses on the
/// loopback interface: IPv4 and IPv6, IPv6 only, IPv4 only.
#[test]
fn sorting_and_addrconfig_match_glibc() {
    let dns = "\
mix.test.   A     10.4.1.7 10.4.2.7 192.0.2.7 127.0.0.7 169.254.0.7
mix.test.   AAAA  2002::7 2001:db8:9::7 fd00:4::7 2001:db8:4::7 ::1 fec0::7 2001::7
sub.test.   A     10.4.1.200 10.4.1.1 10.4.1.100
sub6.test.  AAAA  2001:db8:4:0:8000::1 2001:db8:4::1 2001:db8:4::100
ula.test.   A     10.4.1.9
ula.test.   AAAA  fd00:4::9
";
    let names = [
        "mix.test",
        "sub.test",
        "sub6.test",
        "ula.test",
        "localhost",
        "dual.test",
        "multi.test",
    ];
    let hints = [
        "--socktype stream",
        "--family inet --socktype stream",
        "--family inet6 --socktype stream",
        "--family inet6 --flags v4mapped,all --socktype stream",
        "--flags addrconfig --socktype stream",
        "--flags addrconfig --family inet --socktype stream",
        "--flags addrconfig --family inet6 --socktype stream",
        "--nullhints",
    ];
    let extra = [
        "gai - --service 80 --socktype stream",
        "gai - --flags passive --service 80 --socktype stream",
        "gai - --flags addrconfig --service 80 --socktype stream",
    ];
    let cases = gai_cases(&names, &hints, &extra);
    let dns = format!("{dns}{GLIBC_DNS}");
    let both = Scenario::new(&dns)
        .hosts(GLIBC_HOSTS)
        .lo_addr("10.4.1.100/24")
        .lo_addr("2001:db8:4::100/64")
        .lo_addr("fd00:4::100/64");
    let v6_only = Scenario::new(&dns)
        .hosts(GLIBC_HOSTS)
        .lo_addr("2001:db8:4::100/64");
    let v4_only = Scenario::new(&dns)
        .hosts(GLIBC_HOSTS)
        .lo_addr("10.4.1.100/24");
    for (what, sc) in [
        ("IPv4 and IPv6 on lo", both),
        ("IPv6 on lo", v6_only),
        ("IPv4 on lo", v4_only),
    ] {
        let r = pairs(sc, GLIBC, GLIBC_SHIM, &cases);
        assert_parity(&format!("glibc vs glibc+shim, sorting, {what}"), &r);
    }
}

/// `/etc/gai.conf` changes the tables of the sort as in glibc: the usual "prefer IPv4" line,
/// and labels, precedences and IPv4 scopes of one's own.
#[test]
fn gai_conf_matches_glibc() {
    let dns = "\
mix.test.   A     10.4.1.7 10.4.2.7 192.0.2.7 127.0.0.7 169.254.0.7
mix.test.   AAAA  2002::7 2001:db8:9::7 fd00:4::7 2001:db8:4::7 ::1 fec0::7 2001::7
dual.test.  A     10.4.1.2
dual.test.  AAAA  2001:db8:4::2
";
    let confs = [
        "# prefer IPv4\nprecedence ::ffff:0:0/96  100\n",
        "label 2001:db8:4::/48 20\nlabel ::ffff:0:0/96 20\nprecedence 2001:db8:9::/48 60\n\
         precedence ::/0 45\nscopev4 10.4.1.0/24 2\nscopev4 ::ffff:192.0.2.0/120 1\n",
    ];
    let names = ["mix.test", "dual.test", "localhost"];
    let hints = [
        "--socktype stream",
        "--family inet --socktype stream",
        "--family inet6 --flags v4mapped,all --socktype stream",
    ];
    let cases = gai_cases(&names, &hints, &["gai - --service 80 --socktype stream"]);
    for conf in confs {
        let sc = Scenario::new(dns)
            .hosts(GLIBC_HOSTS)
            .etc_file("gai.conf", conf)
            .lo_addr("10.4.1.100/24")
            .lo_addr("2001:db8:4::100/64")
            .lo_addr("fd00:4::100/64");
        let r = pairs(sc, GLIBC, GLIBC_SHIM, &cases);
        assert_parity(&format!("glibc vs glibc+shim, gai.conf {conf:?}"), &r);
        // The file made a difference: with "prefer IPv4", IPv4 comes first.
        if conf.contains("prefer IPv4") {
            let first = r[0][0].gai()[0].clone();
            assert_eq!(first.family, "inet", "{}", r[0][0].dump());
        }
    }
}

/// gethostbyname, gethostbyname2 (both families and an unsupported one), gethostbyname_r.
#[test]
fn small_answers_gethostbyname_match_glibc() {
    let mut cases = Vec::new();
    for n in [
        "one.test",
        "One.TEST",
        "one.test.",
        "dual.test",
        "alias.test",
        "alias2.test",
        "v6only.test",
        "cnv6.test",
        "nx.test",
        "nodata.test",
        "many.test",
        "lo.test",
        "web",
        "nd",
        "127.0.0.1",
        "127.1",
        "::1",
        "::ffff:10.1.2.3",
        "1.2.3.4.5",
        "fe80::1%1",
        "hostv4.test",
        "hv4alias",
        "hostv6.test",
        "multi.test",
        "two.test",
        "second",
        "mapped.test",
        "scoped.test",
        "localhost",
    ] {
        cases.push(words(&format!("ghbn {n}")));
        cases.push(words(&format!("ghbn_r {n}")));
        cases.push(words(&format!("ghbn2 {n} inet")));
        cases.push(words(&format!("ghbn2 {n} inet6")));
    }
    cases.push(words("ghbn2 localhost 1"));
    cases.push(words("ghbn2 one.test 1"));
    let r = pairs(glibc_scenario(), GLIBC, GLIBC_SHIM, &cases);
    assert_parity("glibc vs glibc+shim, gethostbyname", &r);
}

/// `multi off` in /etc/host.conf, or `RESOLV_MULTI=off` over `multi on`: only the first hosts
/// line of a name counts (the other tests run with the machine's host.conf, Debian's
/// `multi on`).
#[test]
fn host_conf_multi_off_matches_glibc() {
    let mut cases = Vec::new();
    for n in ["multi.test", "two.test", "localhost"] {
        for c in [
            format!("gai {n} --socktype stream --flags canonname"),
            format!("gai {n} --family inet --socktype stream"),
            format!("ghbn {n}"),
            format!("ghbn2 {n} inet6"),
        ] {
            cases.push(words(&c));
        }
    }
    // /etc/host.conf says off (in any case, after a comment); or it says on and RESOLV_MULTI
    // says off.
    let mut r = Vec::new();
    for (host_conf, env) in [("# test\nMULTI Off\n", None), ("multi on\n", Some("off"))] {
        let mut sc = glibc_scenario().etc_file("host.conf", host_conf);
        for args in &cases {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            for v in [GLIBC, GLIBC_SHIM] {
                let p = Probe::new(v, &a);
                sc = sc.probe(match env {
                    Some(e) => p.env("RESOLV_MULTI", e),
                    None => p,
                });
            }
        }
        let out = sc.run();
        r.extend(out.chunks(2).map(|p| [p[0].clone(), p[1].clone()]));
    }
    assert_parity("glibc vs glibc+shim, multi off", &r);
    // And it made a difference: localhost has one IPv4 address now, two with `multi on`.
    for [_, shim] in r.iter().filter(|[l, _]| l.label.contains("ghbn localhost")) {
        assert_eq!(shim.host_field("addr"), ["127.0.0.1"], "{}", shim.dump());
    }
}

// ---------------------------------------------------------------------------------------------
// 2. DNSSHIM_DISABLE=1 forwards everything to the C library.

const BIG_COREDNS: &str = "big.test. A 10.0.0.1..60\nudp truncate-empty\nudp-size 512\n\
one.test. A 10.4.0.1\n1.0.4.10.in-addr.arpa. PTR one.test.\n";

#[test]
fn disable_forwards_to_the_c_library() {
    let cases = [
        "gai big.test --socktype stream",
        "gai one.test --flags canonname",
        "gai 127.0.0.1 --service 80",
        "gai localhost --family inet6 --socktype stream",
        "gai nx.test",
        "ghbn big.test",
        "ghbn_r one.test",
        "ghbn2 one.test inet",
        "ghba 10.4.0.1",
        "ghba_r 10.4.0.1",
    ];
    let mut sc = Scenario::new(BIG_COREDNS);
    for c in cases {
        let a = words(c);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        for (libc, shim) in [(MUSL, MUSL_SHIM), (GLIBC, GLIBC_SHIM)] {
            sc = sc
                .probe(Probe::new(libc, &a))
                .probe(Probe::new(shim, &a).env("DNSSHIM_DISABLE", "1"))
                .probe(Probe::new(shim, &a).env("DNSSHIM_DISABLE", "0"));
        }
    }
    let out = sc.run();
    let mut diffs = Vec::new();
    for t in out.chunks(3) {
        let (libc, disabled) = (&t[0], &t[1]);
        if !same(libc, disabled) || !disabled.stderr.is_empty() {
            diffs.push(format!("{}\n{}", libc.dump(), disabled.dump()));
        }
    }
    assert!(
        diffs.is_empty(),
        "DNSSHIM_DISABLE=1 differs:\n{}",
        diffs.join("\n")
    );
    // The large name: musl fails with and without the disabled shim, the enabled shim
    // (DNSSHIM_DISABLE=0 is off) returns all 60; glibc returns 60 either way.
    let big: Vec<&[Outcome]> = out.chunks(3).take(2).collect();
    let (musl, glibc) = (big[0], big[1]);
    assert_ne!(musl[0].status, 0, "{}", musl[0].dump());
    assert_ne!(musl[1].status, 0, "{}", musl[1].dump());
    assert_eq!(musl[2].gai_addrs().len(), 60, "{}", musl[2].dump());
    for o in glibc {
        assert_eq!(o.gai_addrs().len(), 60, "{}", o.dump());
    }
    // Every list the C library made was freed through the shim's freeaddrinfo (the probe
    // frees what it gets) without a crash: the successful gai probes exited 0.
    for t in out.chunks(3) {
        if t[0].status == 0 && t[0].head() == "gai OK" {
            assert_eq!(t[1].status, 0, "{}", t[1].dump());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. NULL and bad input.

#[test]
fn null_and_bad_input() {
    let all = [MUSL, MUSL_SHIM, GLIBC, GLIBC_SHIM];
    let shims = [MUSL_SHIM, GLIBC_SHIM];
    let sc = Scenario::new("one.test. A 10.4.0.1\n")
        // getaddrinfo(NULL, NULL, ...): EAI_NONAME everywhere.
        .probe_each(&all, &["gai", "-"])
        .probe_each(&all, &["gai", "-", "--nullhints"])
        // NULL result pointer: the C libraries crash; the shim says EAI_FAIL.
        .probe_each(&shims, &["gai", "one.test", "--nullres"])
        // freeaddrinfo(NULL): musl 1.2.3 crashes; glibc and the shim do nothing.
        .probe_each(&[MUSL_SHIM, GLIBC, GLIBC_SHIM], &["freeaddrinfo_null"])
        // NULL names: both C libraries crash; the shim says HOST_NOT_FOUND.
        .probe_each(&shims, &["--nullname", "ghbn", "x"])
        .probe_each(&shims, &["--nullname", "ghbn2", "x", "inet6"])
        .probe_each(&shims, &["--nullname", "ghbn_r", "x"])
        // An unsupported family: glibc NO_DATA; musl returns a hostent of family 1.
        .probe_each(&all, &["ghbn2", "one.test", "1"])
        .probe_each(&all, &["ghbn2", "localhost", "1"]);
    let out = sc.run();
    let mut o = out.iter();
    let mut next = |n: usize| -> Vec<&Outcome> { o.by_ref().take(n).collect() };
    // (probes, expected output, expected exit status), in the order they were added above.
    let expected: [(usize, &str, i32); 4] = [
        (8, "gai EAI_NONAME\n", 2),
        (2, "gai EAI_FAIL\n", 3),
        (3, "freeaddrinfo(NULL) returned\n", 0),
        (4, "h_errno=HOST_NOT_FOUND\n", 2),
    ];
    for (count, stdout, status) in expected {
        for p in next(count) {
            assert_eq!(
                (p.stdout.as_str(), p.status),
                (stdout, status),
                "{}",
                p.dump()
            );
        }
    }
    let r = next(2);
    assert_eq!(
        r[0].stdout,
        "h_errno=HOST_NOT_FOUND ret=ENOENT\n",
        "{}",
        r[0].dump()
    );
    assert_eq!(
        r[1].stdout,
        "h_errno=HOST_NOT_FOUND ret=0\n",
        "{}",
        r[1].dump()
    );
    for _ in 0..2 {
        let r = next(4);
        let (musl, musl_shim, glibc, glibc_shim) = (r[0], r[1], r[2], r[3]);
        // musl 1.2.3 does not check the family: a "hostent" of family 1 with garbage.
        assert_eq!(musl.host_field("addrtype"), ["1"], "{}", musl.dump());
        // The musl build refuses it: NETDB_INTERNAL (errno EAFNOSUPPORT).
        assert_eq!(
            musl_shim.stdout,
            "h_errno=NETDB_INTERNAL\n",
            "{}",
            musl_shim.dump()
        );
        assert_eq!(glibc.stdout, "h_errno=NO_DATA\n", "{}", glibc.dump());
        assert!(
            same(glibc, glibc_shim),
            "{}\n{}",
            glibc.dump(),
            glibc_shim.dump()
        );
    }
}

/// gethostbyname_r with a buffer too small: ERANGE, nothing written past the buffer (a canary
/// follows it), then success with a larger one; same final answer as the C library.
#[test]
fn gethostbyname_r_small_buffer_erange_then_success() {
    let dns = "one.test. A 10.4.0.1\nalias.test. CNAME one.test.\nbig.test. A 10.0.0.1..60\n";
    let mut sc = Scenario::new(dns).hosts(
        "127.0.0.1 localhost\n10.5.0.1 hostv4.test a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12\n",
    );
    let names = [
        "one.test",
        "alias.test",
        "big.test",
        "hostv4.test",
        "127.0.0.1",
    ];
    for n in names {
        for start in ["1", "16", "40", "100"] {
            sc = sc.probe_each(
                &[MUSL, MUSL_SHIM, GLIBC, GLIBC_SHIM],
                &["ghbn_r_retry", n, start],
            );
        }
    }
    let out = sc.run();
    for four in out.chunks(4) {
        for o in four {
            if o.variant == MUSL && o.label.contains("big.test") {
                // musl alone cannot get the 60 addresses (truncated over UDP).
                assert_ne!(o.status, 0, "{}", o.dump());
                continue;
            }
            let lines: Vec<&str> = o.stdout.lines().collect();
            let tries: Vec<&&str> = lines.iter().filter(|l| l.starts_with("buflen ")).collect();
            assert!(!tries.is_empty(), "{}", o.dump());
            assert!(
                tries.iter().all(|l| l.ends_with(" canary=ok")),
                "{}",
                o.dump()
            );
            let (last, erange) = tries.split_last().unwrap();
            for l in erange {
                assert!(
                    l.contains(" ret=ERANGE ") && l.contains(" result=NULL "),
                    "{}",
                    o.dump()
                );
                // Each C library's convention: glibc sets NETDB_INTERNAL, musl leaves it.
                let herr = match o.variant.libc {
                    common::Libc::Glibc => " h_errno=NETDB_INTERNAL ",
                    common::Libc::Musl => " h_errno=NETDB_SUCCESS ",
                };
                assert!(l.contains(herr), "{}", o.dump());
            }
            if o.label.ends_with(" 1") {
                // One byte holds nothing: at least one ERANGE first.
                assert!(tries.len() > 1, "{}", o.dump());
            }
            assert!(
                last.contains(" ret=0 ") && last.contains(" result=set "),
                "{}",
                o.dump()
            );
        }
        // The answer in the end is the C library's own (musl alone: whatever fits in UDP).
        let hostent = |o: &Outcome| -> String {
            o.stdout
                .lines()
                .filter(|l| !l.starts_with("buflen "))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let (musl, musl_shim, glibc, glibc_shim) = (&four[0], &four[1], &four[2], &four[3]);
        // A buffer the C library is content with is enough for the shim too (programs with a
        // fixed buffer keep working).
        let fits = |o: &Outcome| -> Option<u64> {
            let last = o.stdout.lines().rfind(|l| l.starts_with("buflen "))?;
            last.contains(" ret=0 ")
                .then(|| last.split(' ').nth(1)?.parse().ok())
                .flatten()
        };
        for (libc, shim) in [(musl, musl_shim), (glibc, glibc_shim)] {
            if let Some(n) = fits(libc) {
                assert!(
                    fits(shim).is_some_and(|m| m <= n),
                    "{}\n{}",
                    libc.dump(),
                    shim.dump()
                );
            }
        }
        if !musl.label.contains("big.test") {
            assert_eq!(
                hostent(musl),
                hostent(musl_shim),
                "{}\n{}",
                musl.dump(),
                musl_shim.dump()
            );
        }
        assert_eq!(
            hostent(glibc),
            hostent(glibc_shim),
            "{}\n{}",
            glibc.dump(),
            glibc_shim.dump()
        );
    }
}

/// Names over 253 bytes and labels over 63: not found, and no query leaves the process (as
/// with both C libraries). 253 bytes (254 with the trailing dot) and 63-byte labels are fine.
#[test]
fn name_length_limits() {
    let l63 = "a".repeat(63);
    let n253 = format!("{l63}.{l63}.{l63}.{}", "b".repeat(61));
    assert_eq!(n253.len(), 253);
    let label63 = format!("{l63}.test");
    let label64 = format!("{}.test", "a".repeat(64));
    let dns = format!("{n253}. A 10.6.0.1\n{label63}. A 10.6.0.2\n");
    let ok = [n253.clone(), format!("{n253}."), label63.clone()];
    let bad = [
        format!("{n253}b"),
        format!("{n253}b."),
        format!("{n253}bc"),
        format!("{n253}bcd"),
        label64.clone(),
        format!("{label64}."),
    ];
    let all = [MUSL, MUSL_SHIM, GLIBC, GLIBC_SHIM];
    let mut sc = Scenario::new(&dns).resolv("nameserver 127.0.0.1\nsearch corp.test\n");
    for n in ok.iter().chain(&bad) {
        sc = sc
            .probe_each(&all, &["gai", n, "--socktype", "stream"])
            .probe_each(&all, &["ghbn", n]);
    }
    let out = sc.run();
    let (ok_out, bad_out) = out.split_at(ok.len() * 8);
    for o in ok_out {
        assert_eq!(o.status, 0, "{}", o.dump());
        assert!(!o.queries().is_empty(), "{}", o.dump());
    }
    // Both C libraries refuse them without a query too; the shim does the same.
    for o in bad_out {
        let want = if o.head().starts_with("gai") {
            "gai EAI_NONAME\n"
        } else {
            "h_errno=HOST_NOT_FOUND\n"
        };
        assert_eq!((o.stdout.as_str(), o.status), (want, 2), "{}", o.dump());
        assert!(o.queries().is_empty(), "a query was sent:\n{}", o.dump());
    }
}

// ---------------------------------------------------------------------------------------------
// 4. gethostbyaddr: hosts file, PTR over UDP and over TCP, not found.

#[test]
fn gethostbyaddr_matches_each_libc() {
    let long = |i: u32| format!("{}{i}.ptr.test.", "p".repeat(60));
    let mut dns = String::from(
        "1.0.6.10.in-addr.arpa.  PTR ptr4.test.\n\
         1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR ptr6.test.\n\
         3.0.6.10.in-addr.arpa.  NODATA\n\
         4.0.6.10.in-addr.arpa.  PTR first.test.\n\
         4.0.6.10.in-addr.arpa.  PTR second.test.\n\
         udp-size 512\n",
    );
    // Ten long PTR names: over 512 bytes, truncated over UDP, complete over TCP.
    for i in 0..10 {
        dns.push_str(&format!("2.0.6.10.in-addr.arpa. PTR {}\n", long(i)));
    }
    let hosts = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n\
                 10.5.0.1 hostv4.test hv4alias\n2001:db8:5::1 hostv6.test hv6alias\n";
    let addrs = [
        "10.5.0.1",
        "2001:db8:5::1",
        "127.0.0.1",
        "::1",
        "10.6.0.1",
        "2001:db8:6::1",
        "10.6.0.3",
        "10.6.0.4",
        "10.9.9.9",
        "2001:db8:9::9",
    ];
    let mut cases = Vec::new();
    for a in addrs {
        cases.push(words(&format!("ghba {a}")));
        cases.push(words(&format!("ghba_r {a}")));
    }
    let tc = ["ghba 10.6.0.2", "ghba_r 10.6.0.2"];
    for t in tc {
        cases.push(words(t));
    }
    let sc = || Scenario::new(&dns).hosts(hosts);
    let musl = pairs(sc(), MUSL, MUSL_SHIM, &cases);
    let glibc = pairs(sc(), GLIBC, GLIBC_SHIM, &cases);
    let (musl_same, musl_tc) = musl.split_at(musl.len() - tc.len());
    let (glibc_same, glibc_tc) = glibc.split_at(glibc.len() - tc.len());
    assert_parity("musl vs musl+shim, gethostbyaddr", musl_same);
    assert_parity("glibc vs glibc+shim, gethostbyaddr", glibc_same);
    // Not found: musl answers with the numeric address (getnameinfo without NI_NAMEREQD).
    let nx = musl_same
        .iter()
        .find(|[l, _]| l.label.ends_with("ghba 10.9.9.9"))
        .unwrap();
    assert_eq!(nx[1].host_field("name"), ["10.9.9.9"], "{}", nx[1].dump());
    // The PTR answer that needs TCP: musl alone gets a truncated answer without records and
    // falls back to the number; the shim asks again over TCP and gets the name; glibc too.
    for [libc, shim] in musl_tc {
        assert_eq!(libc.host_field("name"), ["10.6.0.2"], "{}", libc.dump());
        assert_eq!(shim.status, 0, "{}", shim.dump());
        assert!(
            shim.queries().iter().any(|q| q.contains(": tcp ")),
            "{}",
            shim.dump()
        );
    }
    for [libc, shim] in glibc_tc {
        assert!(same(libc, shim), "{}\n{}", libc.dump(), shim.dump());
        assert!(
            libc.host_field("name")[0].ends_with(".ptr.test"),
            "{}",
            libc.dump()
        );
    }
    let names: Vec<String> = musl_tc
        .iter()
        .map(|[_, s]| s.host_field("name")[0].clone())
        .collect();
    assert!(
        names.iter().all(|n| n.ends_with(".ptr.test")),
        "musl+shim over TCP: {names:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Two nameservers: the first fails the name, the second answers.

#[test]
fn second_nameserver_answers_promptly() {
    let resolv = "nameserver 127.0.0.1\nnameserver 127.0.0.2\noptions timeout:3 attempts:2\n";
    let first = "sf.test. A 10.8.0.1\nrcode sf.test SERVFAIL\nrf.test. A 10.8.0.2\n\
                 rcode rf.test REFUSED\n";
    let second = "sf.test. A 10.8.0.1\nrf.test. A 10.8.0.2\n";
    let mut sc = Scenario::new(first)
        .extra_server(second, &["127.0.0.2:53"])
        .resolv(resolv);
    for name in ["sf.test", "rf.test"] {
        for v in [MUSL, MUSL_SHIM, GLIBC, GLIBC_SHIM] {
            sc = sc
                .probe(Probe::new(
                    v,
                    &["--time", "gai", name, "--socktype", "stream"],
                ))
                .probe(Probe::new(v, &["--time", "ghbn", name]));
        }
    }
    let out = sc.run();
    for o in &out {
        if !o.variant.shim {
            continue;
        }
        assert_eq!(o.status, 0, "{}", o.dump());
        let addr = if o.label.contains("sf.test") {
            "10.8.0.1"
        } else {
            "10.8.0.2"
        };
        assert!(o.stdout.contains(addr), "{}", o.dump());
        // Well under one timeout (3 s): the failure of the first server is not waited out.
        assert!(
            o.elapsed_ms < 1000,
            "took {} ms\n{}",
            o.elapsed_ms,
            o.dump()
        );
        // Both servers were asked the name: each one's own log has the question.
        let name = if o.label.contains("sf.test") {
            "sf.test."
        } else {
            "rf.test."
        };
        assert_eq!(o.server_logs.len(), 2, "{}", o.dump());
        for (n, (log, at)) in o
            .server_logs
            .iter()
            .zip(["at=127.0.0.1:53", "at=127.0.0.2:53"])
            .enumerate()
        {
            let asked = log
                .lines()
                .any(|l| l.contains(": udp ") && l.contains(name) && l.contains(at));
            assert!(asked, "server {} was not asked\n{}", n + 1, o.dump());
        }
    }
}
