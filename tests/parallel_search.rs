//! The parallel search list (`options dnsshim-parallel-search`, `DNSSHIM_PARALLEL_SEARCH`),
//! through tests/c/conform.c against the test server in a private namespace, both builds of
//! the shim, each call made with the parallel walk and with the sequential one: the same
//! result, every candidate asked at once (seen in the server's log: candidates the sequential
//! walk never reaches are asked), no more questions than the sequential walk sends when every
//! candidate fails, and the questions left open once a result is certain cancelled, not
//! retransmitted. (That every scenario of the conformance suite gives the same lines is
//! tests/conformance.rs `features_change_time_not_answers`.)

mod common;

use std::path::PathBuf;

use common::{Libc, Outcome, Probe, Program, Scenario, Variant, GLIBC_SHIM, MUSL_SHIM};

const SHIMS: [Variant; 2] = [MUSL_SHIM, GLIBC_SHIM];

/// Three search domains and ndots:5, as in a Kubernetes pod; the parallel search on.
fn resolv(timeout: u32, attempts: u32) -> String {
    format!(
        "nameserver 127.0.0.1\nsearch a.test b.test c.test\n\
         options ndots:5 timeout:{timeout} attempts:{attempts} dnsshim-parallel-search\n"
    )
}

/// conform.c making `specs` under the shim of `v`, with the parallel walk (`parallel`) or,
/// turned off by `DNSSHIM_PARALLEL_SEARCH=0`, the sequential one.
fn probe(v: Variant, specs: &[&str], parallel: bool) -> Probe {
    Probe {
        variant: v,
        program: Program::Command(conform(v.libc)),
        args: specs.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
    }
    .env("DNSSHIM_PARALLEL_SEARCH", if parallel { "1" } else { "0" })
}

fn conform(libc: Libc) -> PathBuf {
    common::c_program(libc, "tests/c/conform.c", "conform")
}

/// Runs `specs` in each shim build with the parallel and the sequential walk: (parallel,
/// sequential) per build, with the same output.
fn both_walks(zone: &str, resolv: &str, specs: &[&str]) -> Vec<(Outcome, Outcome)> {
    let mut sc = Scenario::new(zone).resolv(resolv);
    for v in SHIMS {
        sc = sc
            .probe(probe(v, specs, true))
            .probe(probe(v, specs, false));
    }
    let mut out = sc.run().into_iter();
    let mut pairs = Vec::new();
    while let (Some(par), Some(seq)) = (out.next(), out.next()) {
        assert_eq!(
            (&par.stdout, par.status),
            (&seq.stdout, seq.status),
            "the parallel walk answered otherwise\n{}\n{}",
            par.dump(),
            seq.dump()
        );
        pairs.push((par, seq));
    }
    pairs
}

#[test]
fn every_candidate_is_asked_at_once() {
    // The first candidate never answers: the sequential walk waits out its time and ends
    // there (musl), or goes on to the name as it is (glibc), never reaching web.b.test; the
    // parallel walk asked it with the others, and its result is still the first's.
    let zone = "silent web.a.test\nweb.a.test. A 10.0.0.1\nweb.c.test. A 10.0.0.3\n";
    for (par, seq) in both_walks(zone, &resolv(1, 1), &["gai web inet"]) {
        assert_eq!(seq.times_asked("web.b.test", "A"), 0, "{}", seq.dump());
        assert_eq!(par.times_asked("web.b.test", "A"), 1, "{}", par.dump());
        assert_eq!(par.times_asked("web.c.test", "A"), 1, "{}", par.dump());
    }
}

#[test]
fn a_later_answer_waits_for_the_earlier_candidates() {
    // web.c.test answers, but web.a.test is NXDOMAIN and web.b.test NODATA: musl's walk stops
    // at NODATA, glibc's goes on to web.c.test; the parallel walk asked web.c.test at once and
    // each build answers as its own sequential walk does.
    let zone = "web.b.test. NODATA\nweb.c.test. A 10.0.0.3\n";
    let pairs = both_walks(zone, &resolv(1, 1), &["gai web inet", "gai web unspec"]);
    for (par, _) in &pairs {
        assert_eq!(par.times_asked("web.c.test", "A"), 2, "{}", par.dump());
    }
    // The two builds differ as their libcs do.
    assert!(
        !pairs[0].0.stdout.contains("10.0.0.3"),
        "{}",
        pairs[0].0.dump()
    );
    assert!(
        pairs[1].0.stdout.contains("10.0.0.3"),
        "{}",
        pairs[1].0.dump()
    );
}

#[test]
fn what_is_no_more_needed_is_cancelled() {
    // The first candidate answers; the others never do. With 3 s per try and two tries, a
    // question still open after 3 s would be sent again: each is sent once.
    let zone = "web.a.test. A 10.0.0.1\nsilent web.b.test\nsilent web.c.test\nsilent web\n";
    for (par, seq) in both_walks(zone, &resolv(3, 2), &["gai web inet"]) {
        assert!(par.stdout.contains("10.0.0.1"), "{}", par.dump());
        assert_eq!(seq.times_asked("web.b.test", "A"), 0, "{}", seq.dump());
        for n in ["web.a.test", "web.b.test", "web.c.test", "web"] {
            assert_eq!(par.times_asked(n, "A"), 1, "{n}\n{}", par.dump());
        }
    }
}

#[test]
fn never_more_questions_than_the_sequential_walk_when_all_fail() {
    // Nothing exists: both walks ask every candidate, A and AAAA, once.
    let zone = "other.test. A 10.0.0.1\n";
    for (par, seq) in both_walks(
        zone,
        &resolv(1, 1),
        &["gai nothing unspec", "gai api.example.com unspec"],
    ) {
        assert_eq!(par.asked(), seq.asked(), "{}\n{}", par.dump(), seq.dump());
        assert_eq!(par.asked().len(), 16, "{}", par.dump());
    }
    // An external name found as it is, after three NXDOMAIN candidates: the same questions.
    let zone = "api.example.com. A 10.0.0.7\napi.example.com. AAAA 2001:db8::7\n";
    for (par, seq) in both_walks(zone, &resolv(1, 1), &["gai api.example.com unspec"]) {
        assert_eq!(par.asked(), seq.asked(), "{}\n{}", par.dump(), seq.dump());
        assert!(par.stdout.contains("10.0.0.7"), "{}", par.dump());
    }
}
