//! The `res_*` exports and their neighbours: `res_query`, `res_search`, `res_querydomain`,
//! `res_send`, `res_mkquery`, `res_init` (and their `__res_*` names), `getnameinfo`,
//! `gethostbyaddr_r` with a canary; and the resolv.conf options whose effect shows on the wire (`edns0`,
//! `use-vc`, `rotate`, `single-request`, `trust-ad`, `no-aaaa`, `no-tld-query`, `inet6`,
//! `sortlist`, `debug`).
//!
//! Every case runs the C probe (tests/c/probe.c) with musl, musl + shim, glibc and
//! glibc + shim in one namespace against the scriptable server, and asserts the three rules of
//! the differential suite: glibc + shim prints exactly what glibc prints; musl + shim prints
//! exactly what musl prints unless musl's answer was truncated or failed, and then exactly what
//! glibc prints; any other difference is one listed in docs/compat.md (named at the assertion).

mod common;

use common::{Outcome, Probe, Scenario, Variant, ALL, GLIBC, GLIBC_SHIM, MUSL, MUSL_SHIM};

/// A TXT record of `n` bytes (the server cuts it into 255-byte strings).
fn txt(owner: &str, n: usize) -> String {
    let s: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    format!("{owner} TXT \"{s}\"\n")
}

fn srv40() -> String {
    (0..40)
        .map(|i| {
            format!(
                "_svc._tcp.srv.test. SRV 0 {i} {} host{i}.srv.test.\n",
                8000 + i
            )
        })
        .collect()
}

/// The zone most cases use.
fn zone() -> String {
    let mut z = String::from(
        "one.test.       A     10.4.0.1
dual.test.      A     10.4.0.2
dual.test.      AAAA  2001:db8:4::2
nodata.test.    NODATA
mx.test.        MX    10 mail1.test.
mx.test.        MX    20 mail2.test.
big.test.       A     10.0.0.1..60
fit.test.       A     10.1.0.1..60
udp truncate-fit fit.test
udp truncate-fit _svc._tcp.srv.test
servfail.test.  A     10.9.9.1
rcode servfail.test SERVFAIL
refused.test.   A     10.9.9.2
rcode refused.test REFUSED
formerr.test.   A     10.9.9.3
rcode formerr.test FORMERR
notimp.test.    A     10.9.9.4
rcode notimp.test NOTIMP
",
    );
    z += &txt("txt3k.test.", 3000);
    z += &txt("txt9k.test.", 9000);
    z += &srv40();
    z
}

/// One second per try, one try: failures that musl waits out end quickly.
const RESOLV: &str = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

/// Runs every case with every variant of `variants` (one namespace); outcomes per case, in
/// the order of `variants`.
fn run(sc: Scenario, cases: &[&str], variants: &[Variant]) -> Vec<Vec<Outcome>> {
    let mut sc = sc;
    for c in cases {
        sc = sc.probe_each(variants, &words(c));
    }
    let out = sc.run();
    out.chunks(variants.len())
        .map(<[Outcome]>::to_vec)
        .collect()
}

/// The same stdout and exit status.
fn same(a: &Outcome, b: &Outcome) -> bool {
    a.stdout == b.stdout && a.status == b.status
}

fn assert_same(a: &Outcome, b: &Outcome, why: &str) {
    assert!(
        same(a, b),
        "{why}: expected the same output\n{}\n{}",
        a.dump(),
        b.dump()
    );
}

/// The four outcomes of one case (variants [`ALL`]).
struct Four<'a> {
    musl: &'a Outcome,
    musl_shim: &'a Outcome,
    glibc: &'a Outcome,
    glibc_shim: &'a Outcome,
}

fn four(v: &[Outcome]) -> Four<'_> {
    assert_eq!(v.len(), 4);
    Four {
        musl: &v[0],
        musl_shim: &v[1],
        glibc: &v[2],
        glibc_shim: &v[3],
    }
}

/// The differential rules for one case: glibc + shim = glibc; musl + shim = musl when musl
/// answered whole (`musl_ok`), else = glibc.
fn differential(v: &[Outcome], musl_ok: bool) {
    let f = four(v);
    assert_same(
        f.glibc,
        f.glibc_shim,
        "glibc + shim must print what glibc prints",
    );
    if musl_ok {
        assert_same(
            f.musl,
            f.musl_shim,
            "musl + shim must print what musl prints",
        );
    } else {
        assert_same(
            f.glibc,
            f.musl_shim,
            "musl's answer was cut: musl + shim must print what glibc prints",
        );
    }
}

fn line_with<'a>(o: &'a Outcome, prefix: &str) -> &'a str {
    o.stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?}\n{}", o.dump()))
}

/// res_query, res_search, res_querydomain, res_send and the `__res_*` names with answers of
/// every size: musl 1.2.3 alone gets TC'd answers (CoreDNS style: none of the records; BIND
/// style: some), every other combination the whole answer over TCP.
#[test]
fn large_answers_through_res_functions() {
    let cases = [
        "res_query txt3k.test --type TXT",
        "res_query txt9k.test --type TXT",
        "res_query _svc._tcp.srv.test --type SRV",
        "res_query mx.test --type MX",
        "res_query one.test",
        "res_query big.test",
        "res_query fit.test",
        "res_search txt9k.test --type TXT",
        "res_querydomain txt3k test --type TXT",
        "res_querydomain _svc._tcp srv.test --type SRV",
        "res_send txt9k.test --type TXT",
        "res_send _svc._tcp.srv.test --type SRV",
        "res_query txt9k.test --type TXT --old",
        "res_search _svc._tcp.srv.test --type SRV --old",
        "res_querydomain txt9k test --type TXT --old",
        "res_send txt3k.test --type TXT --old",
    ];
    let out = run(Scenario::new(&zone()).resolv(RESOLV), &cases, &ALL);
    for (case, v) in cases.iter().zip(&out) {
        let f = four(v);
        // The whole answer, from glibc and from both shims.
        for o in [f.glibc, f.glibc_shim, f.musl_shim] {
            let hdr = line_with(o, "hdr ");
            assert!(
                hdr.contains(" tc=0 ") && hdr.contains("rcode=NOERROR"),
                "{}",
                o.dump()
            );
        }
        let full_an = match *case {
            c if c.contains("SRV") => "an=40 ",
            c if c.contains("big.test") || c.contains("fit.test") => "an=60 ",
            c if c.contains("mx.test") => "an=2 ",
            _ => "an=1 ",
        };
        assert!(
            line_with(f.glibc, "hdr ").contains(full_an),
            "{}",
            f.glibc.dump()
        );
        if case.contains("txt9k") {
            assert!(
                f.glibc.stdout.contains(" bytes=9000 "),
                "{}",
                f.glibc.dump()
            );
        }
        if case.contains("txt3k") {
            assert!(
                f.glibc.stdout.contains(" bytes=3000 "),
                "{}",
                f.glibc.dump()
            );
        }
        let small = case.contains("mx.test") || case.contains("one.test");
        let old = case.contains("--old");
        if old {
            // musl exports none of the __res_* names.
            assert_eq!(f.musl.stdout, "nosym\n", "{}", f.musl.dump());
            assert_same(f.glibc, f.musl_shim, "the __res_* name reaches the shim");
            assert_same(
                f.glibc,
                f.glibc_shim,
                "the GLIBC_2.2.5 name reaches the shim",
            );
            continue;
        }
        if small {
            differential(v, true);
            continue;
        }
        // musl 1.2.3 alone: the truncated UDP answer, never the whole one.
        let m = &f.musl.stdout;
        let cut = m.contains(" tc=1 ") || m.contains("h_errno=NO_DATA");
        assert!(
            cut,
            "musl alone should get the truncated answer\n{}",
            f.musl.dump()
        );
        if case.contains("fit.test") || case.contains("srv.test") && case.starts_with("res_send") {
            // BIND style: some of the records, TC set, success.
            assert!(
                m.contains(" tc=1 ") && f.musl.status == 0,
                "{}",
                f.musl.dump()
            );
        }
        differential(v, false);
    }
}

/// The `__res_*` names bind to the shim: with DNSSHIM_LOG=1 the shim writes its log lines.
#[test]
fn old_names_reach_the_shim() {
    let mut sc = Scenario::new(&zone()).resolv(RESOLV);
    for v in [MUSL_SHIM, GLIBC_SHIM] {
        for c in [
            "res_query one.test --old",
            "res_search one.test --old",
            "res_querydomain one test --old",
            "res_send one.test --old",
        ] {
            sc = sc.probe(Probe::new(v, &words(c)).env("DNSSHIM_LOG", "1"));
        }
        sc = sc
            .probe(Probe::new(v, &["res_mkquery", "one.test", "--old"]))
            .probe(Probe::new(v, &["res_init", "--old"]))
            .probe(Probe::new(v, &["res_init"]));
    }
    sc = sc
        .probe(Probe::new(GLIBC, &["res_mkquery", "one.test", "--old"]))
        .probe(Probe::new(MUSL, &["res_mkquery", "one.test"]));
    let out = sc.run();
    for o in out[..7].iter().chain(&out[7..14]) {
        assert_eq!(o.status, 0, "{}", o.dump());
        if o.label.contains("res_init") {
            assert_eq!(o.stdout, "res_init 0\n", "{}", o.dump());
        } else if !o.label.contains("res_mkquery") {
            assert!(
                o.stderr.contains("dnsshim: one.test A "),
                "no shim log line: the call did not reach the shim\n{}",
                o.dump()
            );
        }
    }
    // res_mkquery through the old name: the same bytes as the libc's own (musl has no
    // __res_mkquery: its plain res_mkquery).
    assert_same(&out[14], &out[11], "glibc __res_mkquery");
    assert_same(&out[15], &out[4], "musl __res_mkquery");
}

/// glibc's rule when the answer does not fit the caller's buffer (docs/compat.md): over TCP the
/// first `anslen` bytes with TC set and the full length returned; over UDP the first `anslen`
/// bytes and `anslen` (even when the question does not fit); a buffer under 12 bytes fails.
#[test]
fn answer_bigger_than_the_buffer() {
    let cases = [
        "res_query txt3k.test --type TXT --buflen 512",
        "res_query txt9k.test --type TXT --buflen 4096",
        "res_query _svc._tcp.srv.test --type SRV --buflen 600",
        "res_search txt9k.test --type TXT --buflen 100",
        "res_send txt9k.test --type TXT --buflen 512",
        "res_query one.test --buflen 30",
        "res_query one.test --buflen 42",
        "res_query one.test --buflen 20",
        "res_query one.test --buflen 8",
        "res_send one.test --buflen 30",
    ];
    let out = run(Scenario::new(&zone()).resolv(RESOLV), &cases, &ALL);
    for (case, v) in cases.iter().zip(&out) {
        let f = four(v);
        if case.contains("txt") || case.contains("srv") {
            // TCP: "res FULL buflen=N", TC set in the copy.
            let first = f.glibc.head();
            assert!(first.contains(" buflen="), "{}", f.glibc.dump());
            assert!(
                line_with(f.glibc, "hdr ").contains(" tc=1 "),
                "{}",
                f.glibc.dump()
            );
            differential(v, false);
        } else if case.contains("--buflen 8") {
            for o in [f.musl, f.glibc] {
                assert_eq!(o.stdout, "res -1 h_errno=TRY_AGAIN\n", "{}", o.dump());
            }
            differential(v, true);
        } else {
            // UDP: what fits, its length, TC as the server sent it; the same everywhere.
            assert!(
                line_with(f.glibc, "hdr ").contains(" tc=0 "),
                "{}",
                f.glibc.dump()
            );
            for o in [f.musl, f.musl_shim, f.glibc_shim] {
                assert_same(f.glibc, o, "UDP answer cut by the buffer");
            }
        }
    }
}

/// h_errno after res_query and res_search failures, as each libc sets it.
#[test]
fn h_errno_per_libc() {
    let cases = [
        "res_query nx.test",
        "res_query nodata.test",
        "res_query servfail.test",
        "res_query refused.test",
        "res_query formerr.test",
        "res_query notimp.test",
        "res_search nx.test",
        "res_search nodata.test",
        "res_query bad..name",
        "res_send servfail.test",
    ];
    let out = run(Scenario::new(&zone()).resolv(RESOLV), &cases, &ALL);
    let want_glibc = [
        "res -1 h_errno=HOST_NOT_FOUND",
        "res -1 h_errno=NO_DATA",
        "res -1 h_errno=TRY_AGAIN",
        "res -1 h_errno=TRY_AGAIN",
        "res -1 h_errno=NO_RECOVERY",
        "res -1 h_errno=TRY_AGAIN",
        "res -1 h_errno=HOST_NOT_FOUND",
        "res -1 h_errno=NO_DATA",
        "res -1 h_errno=NO_RECOVERY",
        "send -1",
    ];
    for ((case, v), want) in cases.iter().zip(&out).zip(want_glibc) {
        let f = four(v);
        assert_eq!(f.glibc.head(), want, "{case}\n{}", f.glibc.dump());
        differential(v, true);
    }
    // musl: every failed send is TRY_AGAIN (it waits for the timeout); a name it cannot
    // encode fails without setting h_errno.
    assert_eq!(four(&out[4]).musl.head(), "res -1 h_errno=TRY_AGAIN");
    assert_eq!(four(&out[8]).musl.head(), "res -1 h_errno=NETDB_SUCCESS");
}

/// res_search: the search list and ndots (glibc), none at all (musl: res_search is
/// res_query); DNSSHIM_COMPAT=glibc gives glibc's in the musl build.
#[test]
fn res_search_list_and_ndots() {
    let zone = "web.corp.test.   A 10.6.0.1
host.other.test. A 10.6.0.2
a.b.corp.test.   A 10.6.0.3
x.y.z.corp.test. A 10.6.0.4
nod.corp.test.   NODATA
tld.             A 10.6.0.5
";
    let resolv =
        "nameserver 127.0.0.1\nsearch corp.test other.test\noptions ndots:2 timeout:1 attempts:1\n";
    let cases = [
        "res_search web",
        "res_search host",
        "res_search a.b",
        "res_search x.y.z",
        "res_search web.",
        "res_search nod",
        "res_search gone",
        "res_search tld",
        "res_search web --old",
        "res_query web",
    ];
    let mut variants = ALL.to_vec();
    variants.push(MUSL_SHIM);
    let mut sc = Scenario::new(zone).resolv(resolv);
    for c in cases {
        for (i, v) in variants.iter().enumerate() {
            let p = Probe::new(*v, &words(c));
            sc = sc.probe(if i == 4 {
                p.env("DNSSHIM_COMPAT", "glibc")
            } else {
                p
            });
        }
    }
    let out: Vec<Outcome> = sc.run();
    let glibc_heads = [
        "res 47",
        "res 49",
        "res 47",
        "res 49",
        "res -1 h_errno=HOST_NOT_FOUND",
        "res -1 h_errno=NO_DATA",
        "res -1 h_errno=HOST_NOT_FOUND",
        "res 37",
        "res 47",
        "res -1 h_errno=HOST_NOT_FOUND",
    ];
    for ((case, v), want) in cases.iter().zip(out.chunks(5)).zip(glibc_heads) {
        let f = four(&v[..4]);
        assert_eq!(f.glibc.head(), want, "{case}\n{}", f.glibc.dump());
        if case.ends_with("--old") {
            assert_eq!(f.musl.head(), "nosym");
            assert_same(f.glibc, f.glibc_shim, "glibc + shim, __res_search");
            assert_same(f.glibc, &v[4], "DNSSHIM_COMPAT=glibc, __res_search");
            continue;
        }
        differential(&v[..4], true);
        assert_same(
            f.glibc,
            &v[4],
            "DNSSHIM_COMPAT=glibc: res_search as glibc's",
        );
    }
    // musl's res_search asks the name as it is, once.
    let musl_search = four(&out[..4]).musl;
    assert_eq!(musl_search.head(), "res -1 h_errno=HOST_NOT_FOUND");
    assert_eq!(musl_search.queries().len(), 1, "{}", musl_search.dump());
}

/// `options no-tld-query`: glibc (and the shim in both builds) never asks a single label as it
/// is once the search list was tried; musl ignores the option (docs/compat.md).
#[test]
fn no_tld_query() {
    let zone = "tld. A 10.6.0.5\n";
    let resolv =
        "nameserver 127.0.0.1\nsearch corp.test\noptions no-tld-query timeout:1 attempts:1\n";
    let cases = [
        "res_search tld",
        "gai tld --family inet",
        "gai tld. --family inet",
    ];
    let out = run(Scenario::new(zone).resolv(resolv), &cases, &ALL);
    let f = four(&out[0]);
    assert_eq!(
        f.glibc.head(),
        "res -1 h_errno=HOST_NOT_FOUND",
        "{}",
        f.glibc.dump()
    );
    differential(&out[0], true);
    let f = four(&out[1]);
    assert_eq!(
        f.musl.head(),
        "gai OK",
        "musl ignores no-tld-query\n{}",
        f.musl.dump()
    );
    assert_eq!(
        f.musl_shim.head(),
        "gai EAI_NONAME",
        "{}",
        f.musl_shim.dump()
    );
    assert_same(f.glibc, f.glibc_shim, "glibc getaddrinfo with no-tld-query");
    // With the trailing dot the name is asked as it is, everywhere.
    for o in out[2].iter() {
        assert_eq!(o.head(), "gai OK", "{}", o.dump());
    }
}

/// res_mkquery: byte for byte what each libc builds (but the random ID).
#[test]
fn res_mkquery_bytes() {
    let cases = [
        "res_mkquery one.test",
        "res_mkquery one.test. --type MX",
        "res_mkquery -",
        "res_mkquery .",
        "res_mkquery a\\.b.test",
        "res_mkquery a..b",
        "res_mkquery one.test --op 4 --type SOA",
        "res_mkquery one.test --op 1",
        "res_mkquery one.test --buflen 20",
        "res_mkquery one.test --buflen 26",
        "res_mkquery one.test --class 3",
    ];
    let out = run(Scenario::new("").resolv(RESOLV), &cases, &ALL);
    for (case, v) in cases.iter().zip(&out) {
        differential(v, true);
        if *case == "res_mkquery one.test" {
            let f = four(v);
            // musl asks with AD set, glibc without (unless trust-ad).
            assert!(f.musl.stdout.contains("bytes 0120"), "{}", f.musl.dump());
            assert!(f.glibc.stdout.contains("bytes 0100"), "{}", f.glibc.dump());
        }
    }
    // With trust-ad glibc sets AD too.
    let out = run(
        Scenario::new("").resolv("nameserver 127.0.0.1\noptions trust-ad\n"),
        &["res_mkquery one.test"],
        &ALL,
    );
    differential(&out[0], true);
    assert!(four(&out[0]).glibc.stdout.contains("bytes 0120"));
}

/// CAA (257) and other types above 255: musl's res_mkquery/res_query refuse them; the shim
/// asks as glibc does (docs/compat.md).
#[test]
fn types_above_255() {
    let cases = [
        "res_mkquery caa.test --type CAA",
        "res_query caa.test --type CAA",
    ];
    let out = run(
        Scenario::new("caa.test. A 10.1.1.1\n").resolv(RESOLV),
        &cases,
        &ALL,
    );
    for v in &out {
        let f = four(v);
        assert!(f.musl.stdout.ends_with("-1\n") || f.musl.head().starts_with("res -1"));
        assert_same(f.glibc, f.glibc_shim, "glibc + shim");
        // The same question; the header flags are musl's own (RD and AD).
        let strip = |o: &Outcome| -> Vec<String> {
            o.stdout
                .lines()
                .filter(|l| !l.starts_with("bytes ") && !l.starts_with("hdr "))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(
            strip(f.glibc),
            strip(f.musl_shim),
            "{}\n{}",
            f.glibc.dump(),
            f.musl_shim.dump()
        );
    }
    assert_eq!(four(&out[1]).glibc.head(), "res -1 h_errno=NO_DATA");
}

/// getnameinfo: hosts-file reverse entries, PTR over DNS (and over TCP after TC), the NI_
/// flags, scope ids, EAI_OVERFLOW and NULL buffers, as each libc does them.
#[test]
fn getnameinfo_as_each_libc() {
    let zone = "1.0.4.10.in-addr.arpa. PTR one.test.
2.0.4.10.in-addr.arpa. PTR tcp.test.
udp tc-always 2.0.4.10.in-addr.arpa.
3.0.4.10.in-addr.arpa. PTR failing.test.
rcode 3.0.4.10.in-addr.arpa. SERVFAIL
1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR six.test.
";
    let hosts = "127.0.0.1 localhost.corp.test localhost
::1 localhost ip6-localhost
10.5.0.1 hostv4.corp.test hv4
2001:db8:5::1 hostv6.test
";
    // (case, musl alone answers whole)
    let cases = [
        ("gni 10.4.0.1 80", true),
        ("gni 10.5.0.1 22", true),
        ("gni 10.5.0.1 22 --flags nofqdn", true),
        ("gni 10.4.0.9 53 --flags dgram", true),
        ("gni 10.4.0.9 53 --flags namereqd", true),
        ("gni 10.4.0.1 80 --flags numerichost,numericserv", true),
        ("gni 10.4.0.1 123", true),
        ("gni 10.4.0.1 123 --flags dgram", true),
        ("gni 2001:db8:4::1 443", true),
        ("gni 2001:db8:5::1 443", true),
        ("gni ::ffff:10.4.0.1 80", true),
        ("gni ::ffff:10.5.0.1 80", true),
        ("gni fe80::1%1 80 --flags numerichost", true),
        ("gni fe80::1%lo 80 --flags numerichost,numericscope", true),
        ("gni 2001:db8::9%1 80 --flags numerichost", true),
        ("gni 10.4.0.2 80", false),
        ("gni 10.4.0.3 80", true),
        ("gni 10.4.0.1 80 --hostlen 8", true),
        ("gni 10.4.0.1 80 --hostlen 9", true),
        ("gni 10.4.0.1 80 --servlen 4", true),
        ("gni 10.4.0.1 80 --hostlen null", true),
        ("gni 10.4.0.1 80 --servlen null", true),
        (
            "gni 10.4.0.1 80 --hostlen null --servlen null --flags namereqd",
            true,
        ),
        ("gni 10.4.0.1 80 --salen 8", true),
        ("gni 10.4.0.1 80 --flags 0x1000", true),
        ("ghba 10.4.0.1", true),
        ("ghba 10.4.0.9", true),
        ("ghba ::ffff:10.4.0.1", true),
        ("ghba 10.4.0.3", true),
        ("ghba ::", true),
        ("ghba 10.5.0.1", true),
        ("ghba 10.4.0.2", false),
        ("ghba_r 2001:db8:5::1", true),
    ];
    let names: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let sc = Scenario::new(zone).resolv(RESOLV).hosts(hosts);
    let out = run(sc, &names, &ALL);
    let glibc = |i: usize| four(&out[i]).glibc.stdout.clone();
    let musl = |i: usize| four(&out[i]).musl.stdout.clone();
    for ((case, musl_ok), v) in cases.iter().zip(&out) {
        let f = four(v);
        assert!(
            f.glibc.status != 1 && f.musl.status != 1,
            "usage?\n{}",
            f.glibc.dump()
        );
        if case.starts_with("ghba ") && !musl_ok {
            // The same name and address as glibc's; the hostent keeps musl's shape (the name
            // repeated as h_aliases[0]).
            assert_same(f.glibc, f.glibc_shim, "glibc + shim");
            for k in ["name", "addr", "addrtype"] {
                assert_eq!(
                    f.musl_shim.host_field(k),
                    f.glibc.host_field(k),
                    "{}",
                    f.musl_shim.dump()
                );
            }
            assert_ne!(
                f.musl.host_field("name"),
                f.glibc.host_field("name"),
                "{}",
                f.musl.dump()
            );
            continue;
        }
        differential(v, *musl_ok);
    }
    assert_eq!(glibc(0), "gni OK host=one.test serv=http\n");
    assert_eq!(glibc(1), "gni OK host=hostv4.corp.test serv=ssh\n");
    // NI_NOFQDN: glibc cuts the local domain (from localhost's name); musl ignores the flag.
    assert_eq!(glibc(2), "gni OK host=hostv4 serv=ssh\n");
    assert_eq!(musl(2), "gni OK host=hostv4.corp.test serv=ssh\n");
    assert_eq!(glibc(3), "gni OK host=10.4.0.9 serv=domain\n");
    assert_eq!(glibc(4), "gni EAI_NONAME\n");
    assert_eq!(glibc(6), "gni OK host=one.test serv=123\n");
    assert_eq!(glibc(7), "gni OK host=one.test serv=ntp\n");
    assert_eq!(glibc(8), "gni OK host=six.test serv=https\n");
    assert_eq!(glibc(9), "gni OK host=hostv6.test serv=https\n");
    // A v4-mapped address: musl matches the IPv4 hosts line, glibc does not.
    assert_eq!(musl(11), "gni OK host=hostv4.corp.test serv=http\n");
    assert_eq!(glibc(11), "gni OK host=::ffff:10.5.0.1 serv=http\n");
    assert_eq!(glibc(12), "gni OK host=fe80::1%lo serv=http\n");
    assert_eq!(musl(13), "gni OK host=fe80::1%1 serv=http\n");
    assert_eq!(glibc(13), "gni EAI_BADFLAGS\n");
    assert_eq!(glibc(14), "gni OK host=2001:db8::9%1 serv=http\n");
    // PTR only over TCP: musl alone falls back to the number.
    assert_eq!(musl(15), "gni OK host=10.4.0.2 serv=http\n");
    assert_eq!(glibc(15), "gni OK host=tcp.test serv=http\n");
    // SERVFAIL: glibc EAI_AGAIN, musl the number.
    assert_eq!(glibc(16), "gni EAI_AGAIN\n");
    assert_eq!(musl(16), "gni OK host=10.4.0.3 serv=http\n");
    assert_eq!(glibc(17), "gni EAI_OVERFLOW\n");
    assert_eq!(glibc(18), "gni OK host=one.test serv=http\n");
    assert_eq!(glibc(19), "gni EAI_OVERFLOW\n");
    assert_eq!(glibc(20), "gni OK host=(null) serv=http\n");
    assert_eq!(glibc(21), "gni OK host=one.test serv=(null)\n");
    assert_eq!(glibc(22), "gni EAI_NONAME\n");
    assert_eq!(musl(22), "gni OK host=(null) serv=(null)\n");
    assert_eq!(glibc(23), "gni EAI_FAMILY\n");
    assert_eq!(glibc(24), "gni EAI_BADFLAGS\n");
}

/// gethostbyaddr_r and gethostbyname_r never write past the buffer: ERANGE until it is big
/// enough, the canary after it intact, then the same answer as the libc's.
#[test]
fn r_functions_keep_to_the_buffer() {
    let zone = "1.0.4.10.in-addr.arpa. PTR one.test.\nmany.test. A 10.7.0.1..20\n";
    let hosts = "127.0.0.1 localhost\n10.5.0.1 hostv4.test hv4 hv4b hv4c\n";
    let cases = [
        "ghba_r_retry 10.4.0.1 0",
        "ghba_r_retry 10.5.0.1 1",
        "ghba_r_retry 2001:db8::77 0",
        "ghbn_r_retry many.test 0",
    ];
    let out = run(
        Scenario::new(zone).resolv(RESOLV).hosts(hosts),
        &cases,
        &ALL,
    );
    for (case, v) in cases.iter().zip(&out) {
        for o in v {
            assert!(!o.stdout.contains("canary=BAD"), "{}", o.dump());
            assert_ne!(o.status, 4, "{}", o.dump());
            // Every ERANGE is a clean one: result NULL.
            for l in o.stdout.lines().filter(|l| l.contains("ret=ERANGE")) {
                assert!(l.contains("result=NULL"), "{}", o.dump());
            }
        }
        // The end (the last call's return values and the hostent) as the libc's own; the
        // buffer sizes on the way differ (each lays the hostent out its own way).
        let tail = |o: &Outcome| -> Vec<String> {
            let mut t: Vec<String> = o
                .stdout
                .lines()
                .filter(|l| !l.starts_with("buflen "))
                .map(str::to_string)
                .collect();
            // The last call's line without "buflen N".
            let last = o.stdout.lines().rfind(|l| l.starts_with("buflen "));
            let rest = last.and_then(|l| l.splitn(3, ' ').nth(2)).unwrap_or("");
            t.push(rest.to_string());
            t
        };
        let f = four(v);
        assert_eq!(
            tail(f.glibc),
            tail(f.glibc_shim),
            "{}\n{}",
            f.glibc.dump(),
            f.glibc_shim.dump()
        );
        assert_eq!(
            tail(f.musl),
            tail(f.musl_shim),
            "{}\n{}",
            f.musl.dump(),
            f.musl_shim.dump()
        );
        // A name found needs room: the first calls say ERANGE. (A name not found: glibc says
        // ERANGE while its own file parsing needs room, the shim answers at once; see
        // docs/compat.md.)
        if !case.contains("2001:db8::77") {
            for o in v {
                assert!(
                    o.stdout.starts_with("buflen 0 ret=ERANGE")
                        || o.stdout.starts_with("buflen 1 ret=ERANGE"),
                    "{}",
                    o.dump()
                );
            }
        }
    }
}

/// The queries (server log lines) of an outcome.
fn queries(o: &Outcome) -> Vec<&str> {
    o.queries()
}

/// `options edns0`: an OPT record advertising 1232 bytes (res_query: the caller's buffer, at
/// least 512), so 60 addresses (986 bytes) come over UDP without TCP.
#[test]
fn edns0_big_answers_over_udp() {
    let zone = "big.test. A 10.0.0.1..60\n";
    let resolv = "nameserver 127.0.0.1\noptions edns0 timeout:1 attempts:1\n";
    let cases = [
        "gai big.test --family inet --socktype stream",
        "res_query big.test",
        "res_query big.test --buflen 700",
    ];
    let out = run(Scenario::new(zone).resolv(resolv), &cases, &ALL);
    for v in &out[..2] {
        let f = four(v);
        for o in [f.musl_shim, f.glibc_shim] {
            let q = queries(o);
            assert!(!q.is_empty(), "{}", o.dump());
            assert!(
                q.iter().all(|l| l.contains(": udp ")),
                "no TCP with edns0\n{}",
                o.dump()
            );
            assert!(q.iter().all(|l| l.contains(" edns=1232")), "{}", o.dump());
            assert!(q.iter().all(|l| l.contains(" tc=0")), "{}", o.dump());
        }
        // glibc alone sends OPT too (its payload: 1200).
        assert!(
            queries(f.glibc).iter().all(|l| l.contains(" edns=")),
            "{}",
            f.glibc.dump()
        );
    }
    let f = four(&out[1]);
    assert!(line_with(f.glibc_shim, "hdr ").contains(" an=60 "));
    assert!(
        f.glibc_shim.stdout.contains("ar . OPT payload=1232"),
        "{}",
        f.glibc_shim.dump()
    );
    // A 700-byte buffer advertises 700: the 986-byte answer is truncated, then TCP.
    let f = four(&out[2]);
    for o in [f.musl_shim, f.glibc_shim] {
        let q = queries(o);
        assert!(
            q[0].contains(" edns=700") && q[0].contains(" tc=1"),
            "{}",
            o.dump()
        );
        assert!(q.iter().any(|l| l.contains(": tcp ")), "{}", o.dump());
        assert!(o.head().ends_with(" buflen=700"), "{}", o.dump());
    }
    assert_same(
        f.glibc,
        f.glibc_shim,
        "res_query with edns0 and a 700-byte buffer",
    );
}

/// A server that answers FORMERR to queries with OPT: the shim asks again without it.
#[test]
fn edns0_formerr_retries_without_opt() {
    let zone = "one.test. A 10.4.0.1\nedns formerr\n";
    let resolv = "nameserver 127.0.0.1\noptions edns0 timeout:1 attempts:1\n";
    let cases = [
        "gai one.test --family inet --socktype stream",
        "res_query one.test",
    ];
    let out = run(Scenario::new(zone).resolv(resolv), &cases, &ALL);
    for v in &out {
        let f = four(v);
        for o in [f.musl_shim, f.glibc_shim] {
            assert!(
                o.head() == "gai OK" || o.head() == "res 42",
                "the retry without OPT must succeed\n{}",
                o.dump()
            );
            let q = queries(o);
            assert!(q.iter().any(|l| l.contains(" edns=")), "{}", o.dump());
            assert!(q.iter().any(|l| !l.contains(" edns=")), "{}", o.dump());
        }
    }
}

/// `options use-vc`: TCP only, not a single UDP packet.
#[test]
fn use_vc_sends_no_udp() {
    let resolv = "nameserver 127.0.0.1\noptions use-vc timeout:1 attempts:1\n";
    let cases = [
        "gai dual.test --socktype stream",
        "res_query txt3k.test --type TXT",
        "res_send mx.test --type MX",
        "gni 10.4.0.9 80",
    ];
    let out = run(Scenario::new(&zone()).resolv(resolv), &cases, &ALL);
    for v in &out {
        let f = four(v);
        for o in [f.musl_shim, f.glibc_shim, f.glibc] {
            let q = queries(o);
            assert!(!q.is_empty(), "{}", o.dump());
            assert!(
                q.iter().all(|l| l.contains(": tcp ")),
                "UDP with use-vc\n{}",
                o.dump()
            );
        }
        assert_same(f.glibc, f.glibc_shim, "use-vc");
    }
}

/// `options trust-ad`: the AD bit in queries, and kept in res_* answers. Without it glibc
/// clears AD in answers (the shim too, glibc semantics); musl always sets it and keeps it.
#[test]
fn trust_ad() {
    let zone = "one.test. A 10.4.0.1\nad on\n";
    let with = "nameserver 127.0.0.1\noptions trust-ad timeout:1 attempts:1\n";
    for (resolv, ad) in [(RESOLV, "ad=0"), (with, "ad=1")] {
        let out = run(
            Scenario::new(zone).resolv(resolv),
            &["res_query one.test"],
            &ALL,
        );
        let f = four(&out[0]);
        assert!(
            line_with(f.glibc, "hdr ").contains(ad),
            "{}",
            f.glibc.dump()
        );
        differential(&out[0], true);
        assert!(
            line_with(f.musl, "hdr ").contains("ad=1"),
            "{}",
            f.musl.dump()
        );
        let glibc_q = queries(f.glibc_shim);
        assert_eq!(
            glibc_q[0].contains(" ad=1"),
            ad == "ad=1",
            "{}",
            f.glibc_shim.dump()
        );
    }
}

/// `options no-aaaa`: no AAAA question leaves (an AAAA res_query asks A and reports NODATA).
#[test]
fn no_aaaa() {
    let resolv = "nameserver 127.0.0.1\noptions no-aaaa timeout:1 attempts:1\n";
    let cases = [
        "gai dual.test --socktype stream",
        "res_query dual.test --type AAAA",
        "res_query nx.test --type AAAA",
        "res_query dual.test --type A",
    ];
    let out = run(Scenario::new(&zone()).resolv(resolv), &cases, &ALL);
    for v in &out {
        let f = four(v);
        for o in [f.musl_shim, f.glibc_shim, f.glibc] {
            let q = queries(o);
            // The A question was logged: an empty log proves nothing about AAAA.
            assert!(
                q.iter().any(|l| l.contains(" A id=")),
                "no A question\n{}",
                o.dump()
            );
            assert!(
                q.iter().all(|l| !l.contains(" AAAA ")),
                "an AAAA question with no-aaaa\n{}",
                o.dump()
            );
        }
        assert_same(f.glibc, f.glibc_shim, "no-aaaa");
        // The musl build honours it too (musl ignores the option): glibc's records.
        if f.glibc.head().starts_with("gai") {
            assert_eq!(
                f.glibc.gai_addrs(),
                f.musl_shim.gai_addrs(),
                "{}",
                f.musl_shim.dump()
            );
        } else {
            assert_same(f.glibc, f.musl_shim, "no-aaaa, musl build");
        }
    }
    let f = four(&out[0]);
    assert!(!f.glibc.stdout.contains("2001:db8"), "{}", f.glibc.dump());
    assert_eq!(four(&out[1]).glibc.head(), "res -1 h_errno=NO_DATA");
    assert_eq!(four(&out[2]).glibc.head(), "res -1 h_errno=HOST_NOT_FOUND");
}

/// Two servers: all at once (musl), one after the other (glibc, the glibc build and
/// DNSSHIM_COMPAT=glibc), and with `rotate` each call starting at the next server.
#[test]
fn server_order_and_rotate() {
    let two = "nameserver 127.0.0.1\nnameserver 127.0.0.2\noptions timeout:1 attempts:1\n";
    let rot = "nameserver 127.0.0.1\nnameserver 127.0.0.2\noptions rotate timeout:1 attempts:1\n";
    let count = |o: &Outcome, at: &str| queries(o).iter().filter(|l| l.contains(at)).count();
    for (resolv, rotate) in [(two, false), (rot, true)] {
        let mut sc = Scenario::new("one.test. A 10.4.0.1\n").resolv(resolv);
        sc.listen = vec!["127.0.0.1:53".into(), "127.0.0.2:53".into()];
        let args = words("res_query one.test --repeat 6");
        sc = sc
            .probe(Probe::new(GLIBC, &args))
            .probe(Probe::new(GLIBC_SHIM, &args))
            .probe(Probe::new(MUSL_SHIM, &args).env("DNSSHIM_COMPAT", "glibc"))
            .probe(Probe::new(MUSL_SHIM, &args))
            .probe(Probe::new(MUSL, &args));
        let out = sc.run();
        for o in &out {
            assert_eq!(o.head(), "calls 6 ok 6", "{}", o.dump());
        }
        for o in &out[..3] {
            let (a, b) = (count(o, "at=127.0.0.1:53"), count(o, "at=127.0.0.2:53"));
            if rotate {
                assert_eq!(
                    (a, b),
                    (3, 3),
                    "rotate: one call each in turn\n{}",
                    o.dump()
                );
            } else {
                assert_eq!((a, b), (6, 0), "in order: the first server\n{}", o.dump());
            }
        }
        // musl semantics: every server every time.
        for o in &out[3..] {
            let (a, b) = (count(o, "at=127.0.0.1:53"), count(o, "at=127.0.0.2:53"));
            assert_eq!((a, b), (6, 6), "{}", o.dump());
        }
    }
}

/// `options single-request`: A, then AAAA once A is answered. An A question that is never
/// answered keeps the AAAA question from being sent at all (glibc too).
#[test]
fn single_request() {
    let zone = "quiet.test. A 10.4.0.1\nquiet.test. AAAA 2001:db8::1\nsilent quiet.test A\n";
    for (opt, aaaa_sent) in [
        ("single-request", false),
        ("single-request-reopen", false),
        ("", true),
    ] {
        let resolv = format!("nameserver 127.0.0.1\noptions {opt} timeout:1 attempts:1\n");
        let out = run(
            Scenario::new(zone).resolv(&resolv),
            &["gai quiet.test --socktype stream"],
            &[MUSL_SHIM, GLIBC_SHIM, GLIBC],
        );
        for o in &out[0] {
            let q = queries(o);
            // The A question (answered or `silent`) was logged: an empty log proves nothing.
            assert!(
                q.iter()
                    .any(|l| l.split_whitespace().any(|w| w == "A" || w == "A:")),
                "no A question\n{}",
                o.dump()
            );
            let sent = q.iter().any(|l| l.contains(" AAAA "));
            assert_eq!(sent, aaaa_sent, "options {opt}\n{}", o.dump());
        }
    }
}

/// `options inet6` (gethostbyname: IPv6 first, else IPv4 as v4-mapped), `sortlist`
/// (gethostbyname's IPv4 order) and `debug` (log lines): honoured in both builds; glibc 2.36
/// ignores inet6 and debug, musl all three (docs/compat.md).
#[test]
fn inet6_sortlist_debug() {
    let zone = "one.test. A 10.4.0.1
dual.test. A 10.4.0.2
dual.test. AAAA 2001:db8:4::2
many.test. A 10.7.0.1 10.8.0.1 10.9.0.1 10.7.0.2 10.8.0.2
";
    let resolv = "nameserver 127.0.0.1
sortlist 10.9.0.0/255.255.0.0 10.8.0.0/255.255.0.0
options inet6 debug timeout:1 attempts:1
";
    let cases = [
        "ghbn dual.test",
        "ghbn one.test",
        "ghbn_r one.test",
        "ghbn many.test",
    ];
    let out = run(Scenario::new(zone).resolv(resolv), &cases, &ALL);
    let f = four(&out[0]);
    for o in [f.musl_shim, f.glibc_shim] {
        assert!(o.stdout.contains("addrtype inet6\n"), "{}", o.dump());
        assert!(o.stdout.contains("addr 2001:db8:4::2\n"), "{}", o.dump());
        assert!(
            o.stderr.contains("dnsshim: dual.test AAAA"),
            "debug\n{}",
            o.dump()
        );
    }
    assert!(
        f.glibc.stdout.contains("addrtype inet\n"),
        "{}",
        f.glibc.dump()
    );
    for v in &out[1..3] {
        let f = four(v);
        for o in [f.musl_shim, f.glibc_shim] {
            assert!(o.stdout.contains("addr ::ffff:10.4.0.1\n"), "{}", o.dump());
        }
    }
    // inet6 and sortlist together: no AAAA record, so the IPv4 answer, ordered by the
    // sortlist (an A answer, as glibc before 2.30 sorted it), then mapped. glibc 2.36 ignores
    // inet6 (the IPv4 answer, sorted); musl ignores both.
    let f = four(&out[3]);
    let sorted = ["10.9.0.1", "10.8.0.1", "10.8.0.2", "10.7.0.1", "10.7.0.2"];
    let mapped: Vec<String> = sorted.iter().map(|a| format!("::ffff:{a}")).collect();
    for o in [f.musl_shim, f.glibc_shim] {
        assert!(o.stdout.contains("addrtype inet6\n"), "{}", o.dump());
        assert_eq!(o.host_field("addr"), mapped, "{}", o.dump());
    }
    assert!(
        f.glibc.stdout.contains("addrtype inet\n"),
        "{}",
        f.glibc.dump()
    );
    assert_eq!(f.glibc.host_field("addr"), sorted, "{}", f.glibc.dump());
    assert_eq!(
        f.musl.host_field("addr"),
        ["10.7.0.1", "10.8.0.1", "10.9.0.1", "10.7.0.2", "10.8.0.2"],
        "{}",
        f.musl.dump()
    );
    // sortlist alone (both semantics).
    let resolv = "nameserver 127.0.0.1
sortlist 10.9.0.0/255.255.0.0 10.8.0.0/255.255.0.0
options timeout:1 attempts:1
";
    let out = run(
        Scenario::new(zone).resolv(resolv),
        &["ghbn many.test"],
        &ALL,
    );
    let f = four(&out[0]);
    let order = |o: &Outcome| o.host_field("addr");
    let want = ["10.9.0.1", "10.8.0.1", "10.8.0.2", "10.7.0.1", "10.7.0.2"];
    assert_eq!(order(f.glibc), want, "{}", f.glibc.dump());
    assert_eq!(order(f.glibc_shim), want, "{}", f.glibc_shim.dump());
    assert_eq!(order(f.musl_shim), want, "{}", f.musl_shim.dump());
    assert_eq!(
        order(f.musl),
        ["10.7.0.1", "10.8.0.1", "10.9.0.1", "10.7.0.2", "10.8.0.2"],
        "musl ignores sortlist\n{}",
        f.musl.dump()
    );
}

/// `DNSSHIM_DISABLE=1` hands every new function to the C library's own.
#[test]
fn disable_forwards_to_the_libc() {
    let cases = [
        "res_query txt3k.test --type TXT",
        "res_search _svc._tcp.srv.test --type SRV",
        "res_querydomain txt3k test --type TXT",
        "res_send txt3k.test --type TXT",
        "res_mkquery one.test",
        "gni 10.4.0.1 80",
        "res_init",
    ];
    let mut sc = Scenario::new(&zone()).resolv(RESOLV);
    for c in cases {
        for v in [MUSL, GLIBC] {
            sc = sc.probe(Probe::new(v, &words(c)));
            let shim = Variant { shim: true, ..v };
            sc = sc.probe(Probe::new(shim, &words(c)).env("DNSSHIM_DISABLE", "1"));
        }
    }
    let out = sc.run();
    for pair in out.chunks(2) {
        assert_same(&pair[0], &pair[1], "DNSSHIM_DISABLE=1");
    }
    // The case that shows it: musl's own res_query gets the truncated answer.
    assert_eq!(
        out[1].stdout,
        "res -1 h_errno=NO_DATA\n",
        "{}",
        out[1].dump()
    );
}

/// `res_querydomain` with a NULL domain: the name alone, as glibc (musl dereferences it).
#[test]
fn querydomain_null_domain() {
    let out = run(
        Scenario::new(&zone()).resolv(RESOLV),
        &[
            "res_querydomain one.test -",
            "res_querydomain txt9k.test - --type TXT",
        ],
        &[GLIBC, GLIBC_SHIM, MUSL_SHIM],
    );
    for v in &out {
        assert_eq!(v[0].status, 0, "{}", v[0].dump());
        assert_same(&v[0], &v[1], "glibc + shim");
        assert_same(&v[0], &v[2], "musl + shim: glibc's answer");
    }
}
