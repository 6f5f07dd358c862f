//! Scarce resources: every resolver export on threads with small stacks, with few
//! descriptors, and with malloc failing at each of its calls, against the test server in a
//! private network namespace; each build of the shim compared with its C library alone.
//! tests/c/scarce.c and tests/c/oom.c run the calls of tests/c/calls.h.
//!
//! `DNSSHIM_SCARCE_SHOW=1` prints every line the probes printed (the figures in
//! docs/reliability.md).

mod common;
mod reliability;

use common::{Libc, Outcome, Scenario, Variant, ALL, GLIBC, GLIBC_SHIM, MUSL, MUSL_SHIM};
use reliability::c_probe;

/// A 253-byte name: the longest a PTR record may point to.
fn long_name() -> String {
    format!(
        "{}.{}.{}.{}.test",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(56)
    )
}

/// The names the calls below ask for.
fn zone() -> String {
    format!(
        "compact on\n\
         small.test. A 10.1.0.1\n\
         small.test. AAAA 2001:db8:1::1\n\
         big.test. A 10.0.0.1..400\n\
         big.test. AAAA 2001:db8::1..400\n\
         huge.test. A 10.2.0.1..4000\n\
         alias.test. CNAME big.test.\n\
         1.0.1.10.in-addr.arpa. PTR {long}.\n\
         1.0.0.10.in-addr.arpa. PTR big.test.\n\
         long.test. A 10.1.0.1\n",
        long = long_name()
    )
}

const RESOLV: &str = "nameserver 127.0.0.1\nsearch test\noptions timeout:2 attempts:2\n";

fn scenario() -> Scenario {
    Scenario::new(&zone()).resolv(RESOLV)
}

/// Every export, with the large answers: TC over UDP then 400 or 4000 records over TCP, the
/// longest PTR name, the `_r` functions with a 1 MiB buffer.
const CALLS: &[&str] = &[
    "gai small.test unspec",
    "gai big.test unspec",
    "gai alias.test inet canon",
    "gai huge.test inet",
    "gai nosuch.test unspec",
    "gai big unspec",
    "ghbn big.test",
    "ghbn2 big.test inet6",
    "ghbnr huge.test",
    "ghbn2r big.test inet6",
    "ghba 10.1.0.1",
    "ghbar 10.1.0.1",
    "gni 10.1.0.1 namereqd",
    "gni 2001:db8::1",
    "resq big.test A",
    "resq huge.test A",
    "ress big A",
    "resqd big test AAAA",
    "resmk big.test A",
    "ressend big.test AAAA",
    "resinit",
    "gaistr",
];

/// The calls of [`CALLS`] that the C library's own functions answer (on the caller's stack).
const FORWARDED: &[&str] = &["resinit", "gaistr"];

fn show(o: &Outcome) {
    if std::env::var_os("DNSSHIM_SCARCE_SHOW").is_some() {
        for l in o.stdout.lines() {
            println!("[{}] {l}", o.variant);
        }
    }
}

/// The result lines of a run of tests/c/scarce.c: call => result (without the depth figures).
fn results(o: &Outcome) -> Vec<(String, String)> {
    o.stdout
        .lines()
        .filter_map(|l| l.split_once(" => "))
        .map(|(call, r)| {
            let r = r.split(" depth=").next().unwrap_or(r);
            (call.to_string(), r.to_string())
        })
        .collect()
}

/// `key=N` in a result line.
fn figure(line: &str, key: &str) -> Option<i64> {
    line.split(' ')
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

/// The stack sizes of the test: musl's own resolver completes every call at 4 KiB; glibc's
/// threads cannot be smaller than its PTHREAD_STACK_MIN: 16 KiB on x86_64, 128 KiB on aarch64
/// (where glibc allows for 64 KiB pages; pthread_attr_setstacksize refuses less).
const MUSL_STACKS: [&str; 2] = ["4096", "8192"];
fn glibc_stack() -> &'static str {
    match common::arch() {
        "aarch64" => "131072",
        _ => "16384",
    }
}

/// On threads with small stacks every call completes with the build of the shim as it does on
/// a large stack, wherever the C library alone completes it (musl: 4 and 8 KiB; glibc: 16 KiB,
/// where glibc alone does not always); the deepest use of the caller's stack is measured too.
#[test]
fn small_stacks() {
    let mut sc = scenario();
    for v in ALL {
        sc = sc.probe(c_probe(v, "scarce", &[&["depth"], CALLS].concat()));
    }
    for size in MUSL_STACKS {
        for v in [MUSL, MUSL_SHIM] {
            sc = sc.probe(c_probe(v, "scarce", &[&["stack", size], CALLS].concat()));
        }
    }
    for v in [GLIBC, GLIBC_SHIM] {
        sc = sc.probe(c_probe(
            v,
            "scarce",
            &[&["stack", glibc_stack()], CALLS].concat(),
        ));
    }
    let out = sc.run();
    out.iter().for_each(show);
    let (depth, small) = out.split_at(ALL.len());
    for (i, (v, o)) in ALL.iter().zip(depth).enumerate() {
        let lines = results(o);
        assert_eq!(lines.len(), CALLS.len(), "{}", o.dump());
        for (n, line) in o.stdout.lines().enumerate() {
            assert!(!line.contains("CRASH"), "{v}: {line}\n{}", o.dump());
            if !v.shim {
                continue;
            }
            // The caller's stack: the boundary's frame and the switch; for the calls the C
            // library answers itself (`res_init`, `gai_strerror`), what it takes alone too.
            let d = figure(line, "depth").unwrap_or(i64::MAX);
            let libc_own = if FORWARDED.iter().any(|c| line.starts_with(c)) {
                let alone = depth[i - 1].stdout.lines().nth(n).unwrap_or_default();
                figure(alone, "depth").unwrap_or(0)
            } else {
                0
            };
            assert!(
                d <= libc_own + 1024,
                "{v}: {line}: over 1 KiB\n{}",
                o.dump()
            );
            // The library's own stack: well inside its 128 KiB.
            let inner = figure(line, "inner").unwrap_or(-1);
            assert!(
                (1..=32 * 1024).contains(&inner),
                "{v}: {line}\n{}",
                o.dump()
            );
        }
    }
    // Every run on a small stack: the same results as on the large one, for each call the C
    // library alone completed there (musl: all of them).
    let reference = |v: Variant| results(&depth[ALL.iter().position(|&a| a == v).unwrap()]);
    for pair in small.chunks(2) {
        let (alone, shim) = (&pair[0], &pair[1]);
        let want = reference(shim.variant);
        let got = results(shim);
        assert_eq!(got.len(), CALLS.len(), "{}", shim.dump());
        for (((call, r), (_, alone_r)), (_, w)) in got.iter().zip(results(alone)).zip(&want) {
            if alone.variant.libc == common::Libc::Musl {
                assert!(
                    !alone_r.contains("CRASH"),
                    "musl alone: {call} => {alone_r}"
                );
            }
            assert_eq!(
                r,
                w,
                "{}: {call} on a small stack\n{}",
                shim.variant,
                shim.dump()
            );
        }
    }
}

/// With `DNSSHIM_DISABLE` the C library's own functions run where they would run without the
/// library: on the caller's stack (they are not ours to bound; glibc's `getaddrinfo` alone
/// takes 54 KiB of it for a large answer). Each call reaches as deep into the caller's stack
/// as the C library alone does, within 1 KiB for the boundary's frame and the switches.
#[test]
fn disabled_calls_run_on_the_callers_stack() {
    let mut sc = scenario();
    for v in ALL {
        sc = sc
            .probe(c_probe(v, "scarce", &[&["depth"], CALLS].concat()).env("DNSSHIM_DISABLE", "1"));
    }
    let out = sc.run();
    out.iter().for_each(show);
    for pair in out.chunks(2) {
        let (alone, shim) = (&pair[0], &pair[1]);
        assert!(!alone.variant.shim && shim.variant.shim);
        // The C library's own results, every call of them.
        assert_eq!(results(alone).len(), CALLS.len(), "{}", alone.dump());
        assert_eq!(
            results(shim),
            results(alone),
            "{}: the libc's own results\n{}",
            shim.variant,
            shim.dump()
        );
        let mut deep = 0;
        for (la, ls) in alone.stdout.lines().zip(shim.stdout.lines()) {
            let (da, ds) = (figure(la, "depth"), figure(ls, "depth"));
            let (Some(da), Some(ds)) = (da, ds) else {
                panic!("{}: {ls}: no depth\n{}", shim.variant, shim.dump());
            };
            assert!(
                (da..=da + 1024).contains(&ds),
                "{}: {ls}: the libc alone {da} bytes deep\n{}",
                shim.variant,
                shim.dump()
            );
            deep += usize::from(da > 2048);
        }
        // The comparison means something: calls that go deeper than the boundary's own frame.
        assert!(
            deep >= CALLS.len() / 2,
            "{}: {deep} deep calls",
            shim.variant
        );
    }
}

/// What the descriptor test asks: small and large answers, UDP then TCP, PTR.
const FD_CALLS: &[&str] = &[
    "gai small.test unspec",
    "gai big.test unspec",
    "gai huge.test inet",
    "ghbn big.test",
    "ghbnr huge.test",
    "gni 10.1.0.1 namereqd",
    "resq big.test A",
    "ressend big.test AAAA",
];

/// RLIMIT_NOFILE of the runs: 3 leaves no descriptor free (stdin, stdout, stderr are open),
/// 4 one, and so on; 64 is the reference.
const FD_LIMITS: [&str; 5] = ["4", "5", "6", "8", "64"];

/// A call answered (an address, a name, an answer's length).
fn answered(r: &str) -> bool {
    r.starts_with("OK") || r.starts_with("len=") || r.starts_with("rc=0 OK")
}

/// One descriptor test: the servers, the limits and the calls.
struct FdCase {
    label: &'static str,
    scenario: Scenario,
    limits: &'static [&'static str],
    calls: &'static [&'static str],
}

/// With few descriptors the shim gives up parallel sockets, not answers: wherever musl alone
/// or glibc alone answers at a limit, both builds answer as they do with descriptors to spare
/// (one server; two; two of which the first is silent), close every descriptor they open, and
/// fail with EAI_SYSTEM and EMFILE only when no descriptor is free at all.
#[test]
fn few_descriptors() {
    let two = "nameserver 127.0.0.1\nnameserver 127.0.0.2\noptions timeout:1 attempts:2\n";
    let cases = [
        FdCase {
            label: "one server",
            scenario: scenario(),
            limits: &FD_LIMITS,
            calls: FD_CALLS,
        },
        FdCase {
            label: "two servers",
            scenario: scenario()
                .resolv(two)
                .extra_server(&zone(), &["127.0.0.2:53"]),
            limits: &FD_LIMITS,
            calls: FD_CALLS,
        },
        FdCase {
            label: "two servers, the first silent",
            scenario: Scenario::new(&format!("{}silent\n", zone()))
                .resolv(two)
                .extra_server(&zone(), &["127.0.0.2:53"]),
            limits: &["4", "64"],
            calls: &["gai small.test unspec", "gai big.test inet"],
        },
    ];
    for case in cases {
        let mut sc = case.scenario;
        for n in case.limits.iter().chain(&["3"]) {
            for v in ALL {
                sc = sc.probe(c_probe(v, "scarce", &[&["fds", n], case.calls].concat()));
            }
        }
        let out = sc.run();
        out.iter().for_each(show);
        let by_limit: Vec<&[Outcome]> = out.chunks(ALL.len()).collect();
        let reference = by_limit[case.limits.len() - 1];
        for (limit, runs) in case.limits.iter().zip(&by_limit) {
            let lines: Vec<Vec<(String, String)>> = runs.iter().map(results).collect();
            for (i, o) in runs.iter().enumerate() {
                assert_eq!(lines[i].len(), case.calls.len(), "{}", o.dump());
            }
            for (k, call) in case.calls.iter().enumerate() {
                // musl alone, glibc alone (ALL's order: musl, musl+shim, glibc, glibc+shim).
                let alone_answers = answered(&lines[0][k].1) || answered(&lines[2][k].1);
                for i in [1, 3] {
                    let (_, got) = &lines[i][k];
                    let want = &results(&reference[i])[k].1;
                    let what = format!("{}, RLIMIT_NOFILE {limit}: {call}", case.label);
                    assert!(got.ends_with("fds same"), "{what} => {got}");
                    if alone_answers {
                        assert_eq!(got, want, "{what} ({})", runs[i].variant);
                    }
                }
            }
        }
        // No descriptor at all: EAI_SYSTEM with EMFILE.
        let none = by_limit[case.limits.len()];
        for i in [1, 3] {
            let r = &results(&none[i])[0].1;
            let v = none[i].variant;
            assert!(
                r.starts_with("EAI_SYSTEM errno=EMFILE"),
                "{}: {v}: {r}",
                case.label
            );
        }
    }
}

/// The calls of the allocation-failure sweep: a large name (TC, then 800 addresses over TCP),
/// gethostbyname and gethostbyname_r of 400 addresses, getnameinfo of the longest PTR name,
/// res_query of the large answer.
const OOM_CALLS: &[&str] = &[
    "gai big.test unspec",
    "ghbn big.test",
    "ghbnr big.test",
    "gni 10.1.0.1 namereqd",
    "resq big.test A",
];

/// The `summary` lines of tests/c/oom.c: (call and phase, figures by name).
fn summaries(o: &Outcome) -> Vec<(String, Vec<(String, i64)>)> {
    o.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("summary "))
        .map(|l| {
            let at = l.find(" allocations=").unwrap_or(l.len());
            let figures = l[at..]
                .split_whitespace()
                .filter_map(|w| {
                    let (k, v) = w.split_once('=')?;
                    Some((k.to_string(), v.parse().ok()?))
                })
                .collect();
            (l[..at].to_string(), figures)
        })
        .collect()
}

/// Every summary of a shim run: each failure gave the out-of-memory error (none succeeded
/// anyway, none gave another result, none crashed), nothing leaked, and there was something
/// to fail.
fn assert_all_oom(o: &Outcome, phases: usize) {
    let sums = summaries(o);
    assert_eq!(sums.len(), OOM_CALLS.len() * phases, "{}", o.dump());
    for (what, f) in &sums {
        let get = |k: &str| f.iter().find(|(n, _)| n == k).map_or(-1, |(_, v)| *v);
        let allocations = get("allocations");
        assert!(allocations > 0, "{}: {what}: nothing allocated", o.variant);
        for (k, want) in [
            ("failures", allocations),
            ("oom", allocations),
            ("ok", 0),
            ("other", 0),
            ("crash", 0),
            ("leaked", 0),
        ] {
            assert_eq!(get(k), want, "{}: {what}: {k}\n{}", o.variant, o.dump());
        }
    }
}

/// malloc failing at its Nth call, for every N along each call (cold, each in a fresh process,
/// and warm): both builds return the C library's out-of-memory error every time (EAI_MEMORY;
/// gethostbyname(_r) ENOMEM with NETDB_INTERNAL, musl NO_RECOVERY; res_query -1 with
/// NETDB_INTERNAL and ENOMEM), never crash, and keep no block (valgrind for the glibc build's
/// warm sweep). The C libraries alone run the same sweep, for the figures only.
#[test]
fn allocation_failures() {
    let oom = reliability::c_binary(Libc::Glibc, "oom");
    let valgrind = reliability::valgrind_probe(
        &oom,
        // The program's own malloc & co. stay its own: they call glibc's, which valgrind
        // replaces as usual.
        &["--soname-synonyms=somalloc=nouserintercepts"],
        &[&["sweep-warm"], OOM_CALLS].concat(),
    );
    let mut sc = scenario();
    for v in ALL {
        sc = sc.probe(c_probe(v, "oom", &[&["sweep"], OOM_CALLS].concat()));
    }
    let out = sc.probe(valgrind).run();
    out.iter().for_each(show);
    for o in &out[..ALL.len()] {
        if o.variant.shim {
            assert_all_oom(o, 2);
        }
    }
    let vg = &out[ALL.len()];
    assert_eq!(vg.status, 0, "{}", vg.dump());
    assert_all_oom(vg, 1);
    assert!(
        vg.stderr.contains("ERROR SUMMARY: 0 errors"),
        "{}",
        vg.dump()
    );
    if std::env::var_os("DNSSHIM_SCARCE_SHOW").is_some() {
        for l in vg.stderr.lines().filter(|l| {
            l.contains("ERROR SUMMARY") || l.contains("lost:") || l.contains("heap usage")
        }) {
            println!("VALGRIND {}", l.split("== ").nth(1).unwrap_or(l));
        }
    }
    if !vg.stderr.contains("All heap blocks were freed") {
        for kind in ["definitely lost:", "indirectly lost:"] {
            let line = vg.stderr.lines().find(|l| l.contains(kind));
            let v = line.and_then(|l| l.split(kind).nth(1)).unwrap_or("").trim();
            assert!(v.starts_with("0 bytes"), "{kind} {v}\n{}", vg.dump());
        }
    }
}
