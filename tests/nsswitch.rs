//! nsswitch.conf in the glibc build, beyond the line-by-line scenarios of
//! tests/conformance/nsswitch.scn: the issue's own measurement (`getent` with Debian's
//! libnss-myhostname), modules loaded once per process (threads, fork), a module that looks
//! itself up without a guard, valgrind over a loop through a module, and the stack module
//! calls get. Each against plain glibc in the same namespace with the same files.
//!
//! `DNSSHIM_NSS_SHOW=1` prints the stack figures (docs/reliability.md).

mod common;
mod reliability;

use common::{Outcome, Probe, Program, Scenario, Variant, GLIBC, GLIBC_SHIM};
use reliability::{c_probe, valgrind_probe};
use std::path::PathBuf;

/// The test module's script of these tests (tests/c/nss_test.c).
const SCRIPT: &str = "\
* mod.test SUCCESS name=canon.mod.test alias=alias.mod.test addr=10.60.1.1 addr=10.60.1.2 addr=2001:db8:60::1
* loop.test SUCCESS nest=loop.test addr=10.61.0.1
byaddr 10.60.1.1 SUCCESS name=mod.test alias=back.mod.test
";

/// DNS of these tests: the names the modules do not answer.
const ZONE: &str = "dns.test. A 10.60.0.5\n";

/// A namespace with `nsswitch` as the hosts line and the test module's script.
fn scenario(nsswitch: &str) -> (Scenario, Vec<(String, String)>) {
    let dir = common::temp_dir("nss");
    std::fs::write(dir.join("script"), SCRIPT).unwrap();
    let env = vec![
        ("LD_LIBRARY_PATH".to_string(), common::nss_module_path()),
        (
            "NSS_TEST_SCRIPT".to_string(),
            dir.join("script").to_string_lossy().into_owned(),
        ),
    ];
    let sc = Scenario::new(ZONE)
        .nsswitch(&format!("hosts: {nsswitch}\n"))
        .hostname("nsshost");
    (sc, env)
}

fn with_env(mut p: Probe, env: &[(String, String)]) -> Probe {
    for (k, v) in env {
        p = p.env(k, v);
    }
    p
}

/// tests/c/nssload.c, built with `-rdynamic` (its dlopen counts the shim's loads).
fn nssload(v: Variant, args: &[&str], env: &[(String, String)]) -> Probe {
    let bin = common::c_program_with(
        v.libc,
        "tests/c/nssload.c",
        "nssload",
        &["-g", "-pthread", "-rdynamic"],
    );
    with_env(
        Probe {
            variant: v,
            program: Program::Command(bin),
            args: args.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
        },
        env,
    )
}

fn getent() -> PathBuf {
    ["/usr/bin/getent", "/bin/getent"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .expect("getent (libc-bin) not found")
}

/// The measurement: with `hosts: files myhostname dns`, `getent hosts foo.localhost`
/// answers `::1` under glibc; with the glibc build preloaded it exited 2. Now both print the
/// same, and so for the host's own name and `_gateway`.
#[test]
fn getent_answers_what_myhostname_knows() {
    let (sc, env) = scenario("files myhostname dns");
    let mut sc = sc.setup("\"$IP\" route add default via 10.44.0.1 dev lo onlink");
    let queries: &[&[&str]] = &[
        &["hosts", "foo.localhost"],
        &["ahosts", "foo.localhost"],
        &["hosts", "nsshost"],
        &["ahosts", "nsshost"],
        &["hosts", "_gateway"],
        &["hosts", "10.44.0.1"],
        &["hosts", "dns.test"],
    ];
    for q in queries {
        for v in [GLIBC, GLIBC_SHIM] {
            sc = sc.probe(with_env(
                Probe {
                    variant: v,
                    program: Program::Command(getent()),
                    args: q.iter().map(|s| s.to_string()).collect(),
                    env: Vec::new(),
                },
                &env,
            ));
        }
    }
    let out = sc.run();
    for pair in out.chunks(2) {
        let (glibc, shim) = (&pair[0], &pair[1]);
        assert_eq!(glibc.status, 0, "glibc itself fails:\n{}", glibc.dump());
        assert_eq!(
            (&shim.stdout, shim.status),
            (&glibc.stdout, glibc.status),
            "\n{}\n{}",
            glibc.dump(),
            shim.dump()
        );
    }
    assert!(out[0].stdout.starts_with("::1"), "{}", out[0].dump());
    assert!(out[8].stdout.contains("_gateway"), "{}", out[8].dump());
}

/// Fedora's line, `files dns myhostname`, with a DNS server that answers every question with
/// FORMERR: glibc's dns source fails and myhostname answers after it; so does the glibc
/// build, through each way `getaddrinfo` asks a source (`gethostbyname4_r` for `AF_UNSPEC`,
/// `gethostbyname3_r`/`gethostbyname2_r` per family, `try_simple_gethostbyname` for
/// `AF_INET`) and through `gethostbyname*`. A name no source has fails in both.
#[test]
fn a_broken_dns_hands_over_to_the_next_source() {
    let calls = [
        "gai foo.localhost null unspec inet inet6 inet-canon inet6-plain unspec-plain",
        "gai nsshost null unspec inet inet6 inet-canon inet6-plain unspec-plain",
        "ghbn nsshost",
        "ghbn4 foo.localhost",
        "gai nx.test null unspec inet",
    ];
    let mut sc = Scenario::new("rcode FORMERR\n")
        .nsswitch("hosts: files dns myhostname\n")
        .hostname("nsshost");
    for v in [GLIBC, GLIBC_SHIM] {
        sc = sc.probe(
            Probe {
                variant: v,
                program: Program::Command(common::c_program(
                    v.libc,
                    "tests/c/conform.c",
                    "conform",
                )),
                args: calls.iter().map(|s| s.to_string()).collect(),
                env: Vec::new(),
            }
            .env("LD_LIBRARY_PATH", &common::nss_module_path()),
        );
    }
    let out = sc.run();
    let (glibc, shim) = (&out[0], &out[1]);
    assert_eq!(glibc.status, 0, "{}", glibc.dump());
    // myhostname answered in glibc, after DNS was asked and failed.
    for a in ["::1", "127.0.0.1", "foo.localhost", "nsshost"] {
        assert!(glibc.stdout.contains(a), "{a}\n{}", glibc.dump());
    }
    assert!(shim.server_log.contains("foo.localhost"), "{}", shim.dump());
    assert_eq!(shim.status, glibc.status, "{}", shim.dump());
    // Line for line as glibc, but for the smallest `_r` buffers (the library's are at most
    // glibc's: the conformance suite's buffer oracle) and the name no source has, which the
    // library reports as EAI_FAIL after a DNS that only answers FORMERR (docs/compat.md
    // `formerr-notimp`).
    let lines = |o: &Outcome| -> Vec<String> {
        o.stdout
            .lines()
            .filter(|l| !l.split(' ').next().unwrap_or("").ends_with(".min"))
            .map(str::to_string)
            .collect()
    };
    let (g, m) = (lines(glibc), lines(shim));
    assert_eq!(g.len(), m.len(), "\n{}\n{}", glibc.dump(), shim.dump());
    for (g, m) in g.iter().zip(&m) {
        if g.contains(" nx.test ") {
            assert!(g.contains("| EAI_NONAME |"), "{g}");
            assert!(m.contains("| EAI_FAIL |"), "{m}");
        } else {
            assert_eq!(m, g, "\n{}\n{}", glibc.dump(), shim.dump());
        }
    }
}

/// A module is loaded once per process: rounds of every hosts function on the main thread,
/// on four threads at once and in a child forked half-way through open `libnss_dnsshimtest.so.2`
/// once, and try the module that is not on disk once; every round answers as the first,
/// which answers as glibc does.
#[test]
fn modules_load_once_per_process() {
    let (sc, env) = scenario("files nosuchmodule dnsshimtest dns");
    let args = ["count", "20", "mod.test", "10.60.1.1"];
    let out = sc
        .probe(nssload(GLIBC, &args, &env))
        .probe(nssload(GLIBC_SHIM, &args, &env))
        .run();
    let (glibc, shim) = (&out[0], &out[1]);
    for o in [glibc, shim] {
        assert_eq!(o.status, 0, "{}", o.dump());
        assert!(o.stdout.contains("rounds OK"), "{}", o.dump());
    }
    let results = |o: &Outcome| -> Vec<String> {
        o.stdout
            .lines()
            .filter(|l| !l.contains("dlopen ") && *l != "rounds OK")
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        results(shim),
        results(glibc),
        "\n{}\n{}",
        glibc.dump(),
        shim.dump()
    );
    assert!(
        results(glibc).iter().any(|l| l.contains("10.60.1.2")),
        "the module did not answer:\n{}",
        glibc.dump()
    );
    // glibc opens its modules through its own internal function, which the program's dlopen
    // does not see: the counts are the shim's.
    assert!(!glibc.stdout.contains("dlopen "), "{}", glibc.dump());
    let mut opened: Vec<&str> = shim
        .stdout
        .lines()
        .filter(|l| l.contains("dlopen "))
        .collect();
    opened.sort_unstable();
    assert_eq!(
        opened,
        [
            "child dlopen libnss_dnsshimtest.so.2 1",
            "child dlopen libnss_nosuchmodule.so.2 1",
            "dlopen libnss_dnsshimtest.so.2 1",
            "dlopen libnss_nosuchmodule.so.2 1",
        ],
        "{}",
        shim.dump()
    );
}

/// A module that resolves the name it is asked for from inside its own call, with no guard of
/// its own: under glibc it recurses until the stack is gone; with the shim, the lookup from
/// inside finds the module already in a call on this thread (as if it could not be loaded)
/// and asks the rest of the line, so the module answers once.
#[test]
fn a_module_that_looks_itself_up_ends() {
    let (sc, mut env) = scenario("files dnsshimtest dns");
    env.push(("NSS_TEST_NOGUARD".into(), "1".into()));
    let out = sc
        .probe(nssload(GLIBC, &["gai", "loop.test"], &env))
        .probe(nssload(GLIBC_SHIM, &["gai", "loop.test"], &env))
        .run();
    let (glibc, shim) = (&out[0], &out[1]);
    // 128 + SIGSEGV: the stack overflowed (not the harness's timeout, 124).
    assert_eq!(
        glibc.status,
        139,
        "glibc did not recurse:\n{}",
        glibc.dump()
    );
    assert_eq!(shim.status, 0, "{}", shim.dump());
    assert_eq!(shim.stdout, "gai OK 10.61.0.1\n", "{}", shim.dump());
}

/// valgrind memcheck over rounds of every hosts function through the test module (and a
/// module not on disk): no error, nothing definitely or indirectly lost.
#[test]
fn valgrind_through_a_module() {
    let (sc, env) = scenario("files nosuchmodule dnsshimtest dns");
    let bin = common::c_program_with(
        common::Libc::Glibc,
        "tests/c/nssload.c",
        "nssload",
        &["-g", "-pthread", "-rdynamic"],
    );
    let probe = with_env(
        valgrind_probe(&bin, &[], &["loop", "30", "mod.test", "10.60.1.1"]),
        &env,
    );
    let o = sc.probe(probe).run().remove(0);
    assert_eq!(o.status, 0, "{}", o.dump());
    assert!(o.stdout.contains("rounds OK"), "{}", o.dump());
    assert!(o.stderr.contains("ERROR SUMMARY: 0 errors"), "{}", o.dump());
    if !o.stderr.contains("All heap blocks were freed") {
        for kind in ["definitely lost:", "indirectly lost:"] {
            let line = o
                .stderr
                .lines()
                .find(|l| l.contains(kind))
                .unwrap_or_else(|| panic!("no `{kind}` line\n{}", o.dump()));
            assert!(
                line.contains(&format!("{kind} 0 bytes")),
                "{line}\n{}",
                o.dump()
            );
        }
    }
}

/// The most an export itself uses of the caller's stack (its boundary frame and the switch
/// to the library's stack; tests/scarce.rs asserts it for every export).
const EXPORT_FRAMES: i64 = 1024;

/// `key=N` in a line.
fn figure(line: &str, key: &str) -> Option<i64> {
    line.split(' ')
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

/// Module calls run on the caller's stack, as under glibc: the calls answered by a module
/// (the test module, whose calls take about 12 KiB; myhostname for the host's own name) use
/// of the caller's stack with the shim what they use under glibc, give or take the frames
/// each puts above the module (glibc's own; the export's, at most [`EXPORT_FRAMES`]), and
/// give the same results (tests/c/scarce.c `depth`: each call cold, in a child of its own).
#[test]
fn module_calls_get_the_callers_stack() {
    let (sc, env) = scenario("files myhostname dnsshimtest dns");
    let calls = [
        "gai mod.test unspec",
        "gai mod.test inet",
        "gai mod.test inet6 canon",
        "ghbn mod.test",
        "ghbnr mod.test",
        "ghba 10.60.1.1",
        "gni 10.60.1.1 namereqd",
        "gai nsshost unspec",
        "ghbn2 nsshost inet6",
        "gai foo.localhost unspec",
    ];
    let args: Vec<&str> = ["depth"].iter().copied().chain(calls).collect();
    let out = sc
        .probe(with_env(c_probe(GLIBC, "scarce", &args), &env))
        .probe(with_env(c_probe(GLIBC_SHIM, "scarce", &args), &env))
        .run();
    let lines = |o: &Outcome| -> Vec<(String, String)> {
        o.stdout
            .lines()
            .filter_map(|l| l.split_once(" => "))
            .map(|(c, r)| (c.to_string(), r.to_string()))
            .collect()
    };
    let (glibc, shim) = (lines(&out[0]), lines(&out[1]));
    assert_eq!(glibc.len(), calls.len(), "{}", out[0].dump());
    assert_eq!(shim.len(), calls.len(), "{}", out[1].dump());
    let mut deeper = Vec::new();
    for ((call, g), (_, s)) in glibc.iter().zip(&shim) {
        let result = |r: &str| r.split(" depth=").next().unwrap_or(r).to_string();
        assert_eq!(result(s), result(g), "{call}");
        assert!(result(g).contains("OK"), "{call}: {g}");
        let (gd, sd) = (figure(g, "depth").unwrap(), figure(s, "depth").unwrap());
        if std::env::var_os("DNSSHIM_NSS_SHOW").is_some() {
            println!(
                "{call}: caller's stack glibc {gd}, glibc+shim {sd} (library's {})",
                figure(s, "inner").unwrap_or(-1)
            );
        }
        // The module's frames lie where glibc's would; above them the export's own, at most
        // 1 KiB (tests/scarce.rs bounds every export so), against glibc's own frames.
        if sd > gd + EXPORT_FRAMES {
            deeper.push(format!(
                "{call}: {sd} bytes of the caller's stack, glibc {gd}"
            ));
        }
        // The library's own stack holds the rest of the lookup, well inside its 128 KiB.
        let inner = figure(s, "inner").unwrap_or(-1);
        if !(1..=32 * 1024).contains(&inner) {
            deeper.push(format!("{call}: {inner} bytes of the library's stack"));
        }
    }
    assert!(deeper.is_empty(), "{deeper:#?}");
}
