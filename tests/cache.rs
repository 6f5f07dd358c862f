//! The answer cache (`options dnsshim-cache[:N]`, `DNSSHIM_CACHE`), through tests/c/conform.c
//! against the test server in a private namespace, both builds of the shim: what is kept and
//! for how long (TTLs, the cap, RFC 2308 negative answers), what never is (SERVFAIL, timeouts,
//! truncated answers, `res_*`), the bound on entries, the flush when resolv.conf or hosts
//! change, a fork child using its parent's answers. The proof is the server's own log: which
//! questions reached it, how many times. (That a hit gives exactly the lookup's result is
//! tests/conformance.rs `features_change_time_not_answers`; 64 threads and fork under load
//! are tests/stress.rs.)

mod common;

use std::path::PathBuf;

use common::{
    Libc, Outcome, Probe, Program, Scenario, Variant, DEFAULT_HOSTS, GLIBC_SHIM, MUSL_SHIM,
};

const SHIMS: [Variant; 2] = [MUSL_SHIM, GLIBC_SHIM];
/// One server, one try of one second, the cache on.
const RESOLV: &str = "nameserver 127.0.0.1\noptions timeout:1 attempts:1 dnsshim-cache\n";

fn conform(libc: Libc) -> PathBuf {
    common::c_program(libc, "tests/c/conform.c", "conform")
}

/// tests/c/conform.c making `calls` under the shim of `v`, with `env`.
fn probe(v: Variant, calls: &[String], env: &[(&str, &str)]) -> Probe {
    let mut p = Probe {
        variant: v,
        program: Program::Command(conform(v.libc)),
        args: calls.to_vec(),
        env: Vec::new(),
    };
    for (k, val) in env {
        p = p.env(k, val);
    }
    p
}

fn calls(specs: &[&str]) -> Vec<String> {
    specs.iter().map(|s| s.to_string()).collect()
}

/// `specs` in each shim build, in one namespace with `zone` and [`RESOLV`].
fn run_shims(zone: &str, specs: &[String]) -> Vec<Outcome> {
    let mut sc = Scenario::new(zone).resolv(RESOLV);
    for v in SHIMS {
        sc = sc.probe(probe(v, specs, &[]));
    }
    sc.run()
}

/// Fails with everything about `o` unless each `(name, type, count)` holds.
fn expect(o: &Outcome, want: &[(&str, &str, usize)]) {
    for &(name, qtype, n) in want {
        assert_eq!(
            o.times_asked(name, qtype),
            n,
            "{name} {qtype} asked {} times, expected {n}; asked: {:?}\n{}",
            o.times_asked(name, qtype),
            o.asked(),
            o.dump()
        );
    }
    assert_eq!(o.status, 0, "{}", o.dump());
}

#[test]
fn repeated_lookups_come_from_the_cache() {
    let zone = "web.test. A 10.0.0.1\nweb.test. AAAA 2001:db8::1\n\
                1.0.0.10.in-addr.arpa. PTR web.test.\n";
    let specs = calls(&[
        "gai web.test unspec",
        "gai web.test unspec",
        "ghbn web.test",
        "gai web.test unspec",
        "addr 10.0.0.1",
        "addr 10.0.0.1",
        "gai nx.test unspec",
        "gai nx.test unspec",
        // res_* hand out raw messages: never from the cache.
        "res web.test A query",
        "res web.test A query",
    ]);
    let mut sc = Scenario::new(zone).resolv(RESOLV);
    for v in SHIMS {
        sc = sc.probe(probe(v, &specs, &[("DNSSHIM_LOG", "1")]));
        // DNSSHIM_CACHE=0 turns off what resolv.conf turned on.
        sc = sc.probe(probe(v, &specs, &[("DNSSHIM_CACHE", "0")]));
    }
    let out = sc.run();
    for pair in out.chunks(2) {
        let (on, off) = (&pair[0], &pair[1]);
        assert_eq!(on.stdout, off.stdout, "{}\n{}", on.dump(), off.dump());
        expect(
            on,
            &[
                ("web.test", "A", 1 + 2),
                ("web.test", "AAAA", 1),
                ("1.0.0.10.in-addr.arpa", "PTR", 1),
                ("nx.test", "A", 1),
                ("nx.test", "AAAA", 1),
            ],
        );
        // Without the cache, every call asks.
        assert!(off.times_asked("web.test", "A") >= 5, "{}", off.dump());
        assert!(
            off.times_asked("1.0.0.10.in-addr.arpa", "PTR") >= 2,
            "{}",
            off.dump()
        );
        // DNSSHIM_LOG marks the hits.
        let hits = on
            .stderr
            .lines()
            .filter(|l| l.contains(" cache hit "))
            .count();
        assert!(hits >= 8, "{hits} hit lines\n{}", on.dump());
        assert!(
            on.stderr
                .lines()
                .any(|l| l.starts_with("dnsshim: nx.test A cache hit rcode=NXDOMAIN")),
            "{}",
            on.dump()
        );
    }
}

#[test]
fn answers_expire_with_their_ttl_and_the_cap() {
    // short.test and the CNAME of alias.test live 1 s; long.test 300 s.
    let zone = "ttl 1\nshort.test. A 10.0.0.1\nalias.test. CNAME long.test.\n\
                ttl 300\nlong.test. A 10.0.0.2\n";
    let round = [
        "gai short.test inet",
        "gai long.test inet",
        "gai alias.test inet",
    ];
    let specs: Vec<String> = round
        .iter()
        .chain(&["sleep 2100"])
        .chain(&round)
        .map(|s| s.to_string())
        .collect();
    let mut sc = Scenario::new(zone).resolv(RESOLV);
    for v in SHIMS {
        sc = sc.probe(probe(v, &specs, &[]));
        // At most one second, whatever the TTL (RES_OPTIONS carries the option too).
        sc = sc.probe(probe(v, &specs, &[("RES_OPTIONS", "dnsshim-cache:1")]));
    }
    let out = sc.run();
    for pair in out.chunks(2) {
        let (ttl, capped) = (&pair[0], &pair[1]);
        // The smallest TTL along the CNAME chain counts.
        expect(
            ttl,
            &[
                ("short.test", "A", 2),
                ("long.test", "A", 1),
                ("alias.test", "A", 2),
            ],
        );
        expect(
            capped,
            &[
                ("short.test", "A", 2),
                ("long.test", "A", 2),
                ("alias.test", "A", 2),
            ],
        );
        assert_eq!(ttl.stdout, capped.stdout);
    }
}

#[test]
fn negative_answers_last_as_rfc_2308_says() {
    // NXDOMAIN and NODATA carry an SOA of TTL 60, MINIMUM 1: kept 1 s.
    let zone = "soa 60 1\nv4.test. A 10.0.0.1\n";
    let specs = calls(&[
        "gai nx.test unspec",
        "gai nx.test unspec",
        "gai v4.test unspec",
        "gai v4.test unspec",
        "sleep 2100",
        "gai nx.test unspec",
        "gai v4.test unspec",
    ]);
    // Without an SOA a negative answer is not kept at all.
    let bare = calls(&["gai nx.test inet", "gai nx.test inet", "gai nx.test inet"]);
    let mut with_soa = Scenario::new(zone).resolv(RESOLV);
    let mut without = Scenario::new("soa off\nv4.test. A 10.0.0.1\n").resolv(RESOLV);
    for v in SHIMS {
        with_soa = with_soa.probe(probe(v, &specs, &[]));
        without = without.probe(probe(v, &bare, &[]));
    }
    for o in with_soa.run() {
        expect(
            &o,
            &[
                ("nx.test", "A", 2),
                ("nx.test", "AAAA", 2),
                ("v4.test", "A", 1),
                ("v4.test", "AAAA", 2),
            ],
        );
    }
    for o in without.run() {
        expect(&o, &[("nx.test", "A", 3)]);
    }
}

#[test]
fn failures_are_never_kept() {
    // SERVFAIL; silence (a timeout); an answer truncated over UDP (60 addresses: the full
    // answer comes over TCP, and that one is kept).
    let zone = "rcode sf.test SERVFAIL\nsf.test. A 10.0.0.9\nsilent quiet.test\n\
                quiet.test. A 10.0.0.8\nbig.test. A 10.0.0.1..60\n";
    let specs = calls(&[
        "gai sf.test inet",
        "gai sf.test inet",
        "gai sf.test inet",
        "gai quiet.test inet",
        "gai quiet.test inet",
        "gai big.test inet",
        "gai big.test inet",
    ]);
    for o in run_shims(zone, &specs) {
        // big.test: one UDP question (truncated) and the same over TCP, once.
        expect(
            &o,
            &[
                ("sf.test", "A", 3),
                ("quiet.test", "A", 2),
                ("big.test", "A", 2),
            ],
        );
        assert!(
            o.server_log
                .lines()
                .any(|l| l.contains(": tcp ") && l.contains("big.test")),
            "{}",
            o.dump()
        );
    }
}

#[test]
fn the_least_recently_used_go_beyond_the_bound() {
    // More names than the cache holds (1024 answers): the first ones were evicted, the
    // last ones are still there.
    const NAMES: usize = 1100;
    let mut zone = String::new();
    for i in 0..NAMES {
        zone.push_str(&format!("n{i}.test. A 10.4.{}.{}\n", i / 256, i % 256));
    }
    let mut specs: Vec<String> = (0..NAMES).map(|i| format!("gai n{i}.test inet")).collect();
    specs.extend(calls(&[
        "gai n0.test inet",
        "gai n50.test inet",
        "gai n200.test inet",
        "gai n1099.test inet",
    ]));
    for o in run_shims(&zone, &specs) {
        expect(
            &o,
            &[
                ("n0.test", "A", 2),
                ("n50.test", "A", 2),
                ("n200.test", "A", 1),
                ("n1099.test", "A", 1),
            ],
        );
    }
}

/// The spec that writes `text` to `path` (spaces and newlines escaped for conform.c).
fn write(path: &str, text: &str) -> String {
    format!(
        "write {path} {}",
        text.replace(' ', "\\x20").replace('\n', "\\x0a")
    )
}

#[test]
fn a_changed_resolv_conf_or_hosts_file_flushes() {
    let specs = vec![
        "gai web.test inet".to_string(),
        "gai web.test inet".to_string(),
        write("/etc/resolv.conf", &format!("{RESOLV}# changed\n")),
        "gai web.test inet".to_string(),
        "gai web.test inet".to_string(),
        write(
            "/etc/hosts",
            &format!("{DEFAULT_HOSTS}10.9.9.9 other.test\n"),
        ),
        "gai web.test inet".to_string(),
        "gai web.test inet".to_string(),
    ];
    for v in SHIMS {
        let o = Scenario::new("web.test. A 10.0.0.1\n")
            .resolv(RESOLV)
            .probe(probe(v, &specs, &[]))
            .run()
            .remove(0);
        expect(&o, &[("web.test", "A", 3)]);
    }
}

#[test]
fn a_fork_child_uses_its_parents_answers() {
    let specs = calls(&[
        "gai web.test inet",
        "child gai web.test inet",
        "child gai other.test inet",
        "gai other.test inet",
    ]);
    for o in run_shims("web.test. A 10.0.0.1\nother.test. A 10.0.0.2\n", &specs) {
        // The child found web.test in the cache it inherited; what it kept itself stayed its
        // own.
        expect(&o, &[("web.test", "A", 1), ("other.test", "A", 2)]);
        let lines: Vec<&str> = o.stdout.lines().collect();
        assert_eq!(lines.len(), 4, "{}", o.dump());
        assert_eq!(lines[0], lines[1], "{}", o.dump());
        assert_eq!(lines[2], lines[3], "{}", o.dump());
        assert!(lines[0].contains("10.0.0.1"), "{}", o.dump());
    }
}
