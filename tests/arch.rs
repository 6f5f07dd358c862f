//! What depends on the architecture's C ABI, checked through the C probes of the
//! architecture under test (`DNSSHIM_TEST_ARCH`; the aarch64 slice of `make test` runs this
//! file under qemu-user): the layouts of `struct addrinfo`, `sockaddr_in`/`sockaddr_in6` and
//! `struct hostent` as each C library reads them, the pointer alignment inside a caller's
//! buffer, and `char` signedness (signed on x86_64, unsigned on aarch64).
//!
//! The names carry bytes 0x80 and up (UTF-8 here, raw bytes to the C library): first in a
//! label, inside one and last in one, as canonical names and as aliases. Both C libraries
//! answer such names from the hosts file (musl's `is_valid_hostname` takes every byte from
//! 0x80 up), and every call through every function that takes or returns a host name must
//! print, with the shim, exactly what the C library prints alone: every field of every
//! `addrinfo`, socket address and `hostent`. A wrong structure layout or a byte sign-extended
//! on one architecture and not the other shows up as a wrong family, port, address, length or
//! name. Over DNS the same bytes come back as CNAME and PTR targets of ASCII questions: musl
//! passes them on, glibc refuses them (docs/compat.md `network-names`), and each build of the
//! shim does as its C library. (A question carrying such bytes is not compared: musl's answer
//! parser takes a byte from 0x80 up in the question for a compression pointer and finds
//! nothing, while the shim's musl build answers; that is no matter of architecture.)

mod common;

use common::{Outcome, Scenario, Variant, GLIBC, GLIBC_SHIM, MUSL, MUSL_SHIM};

const HOSTS: &str = "127.0.0.1\tlocalhost\n\
                     10.20.0.9\thôst.test ålias.test cafè.test\n\
                     2001:db8:20::9\thôst.test\n\
                     10.20.0.10\tcafè.test\n";

/// The calls: every function that takes or returns a host name, each layout (IPv4 and IPv6
/// socket addresses and hostents, service ports, socket types).
const CALLS: [&str; 12] = [
    "gai hôst.test --flags canonname",
    "gai ålias.test --flags canonname --family inet --service 443 --socktype stream",
    "gai hôst.test --family inet6 --service 53 --socktype dgram --flags canonname",
    "gai cafè.test --flags canonname --family inet --socktype dgram",
    "ghbn ålias.test",
    "ghbn2 hôst.test inet6",
    "ghbn_r cafè.test",
    "ghba 10.20.0.9",
    "ghba_r 2001:db8:20::9",
    "gni 10.20.0.9 80 --flags namereqd",
    "gni 2001:db8:20::9 443",
    "gni 10.20.0.10 53 --flags dgram",
];

/// Calls with small caller buffers: `ERANGE` (nothing written past the buffer: the probe's
/// canary) until the buffer is large enough. Where each C library and the shim start to
/// succeed differs (docs/compat.md `r-buffer-small`), so only the final hostent is compared.
const RETRY_CALLS: [&str; 3] = [
    "ghbn_r_retry ålias.test 1",
    "ghbn_r_retry cafè.test 8",
    "ghba_r_retry 10.20.0.9 1",
];

/// The probe's hostent once a `_retry` call succeeded: every line after the `buflen` lines.
fn hostent_after_retries(o: &Outcome) -> String {
    let tries: Vec<&str> = o
        .stdout
        .lines()
        .take_while(|l| l.starts_with("buflen "))
        .collect();
    let (last, erange) = tries
        .split_last()
        .unwrap_or_else(|| panic!("no buflen lines\n{}", o.dump()));
    for l in erange {
        assert!(
            l.contains(" ret=ERANGE ") && l.contains(" result=NULL ") && l.ends_with(" canary=ok"),
            "{}",
            o.dump()
        );
    }
    assert!(
        last.contains(" ret=0 ") && last.contains(" result=set ") && last.ends_with(" canary=ok"),
        "{}",
        o.dump()
    );
    o.stdout
        .lines()
        .skip(tries.len())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The same bytes over DNS: a CNAME target and a PTR target of ASCII questions.
const ZONE: &str = "\
bücher.test.            A      10.20.0.1
bücher.test.            AAAA   2001:db8:20::1
alias.test.             CNAME  bücher.test.
1.0.20.10.in-addr.arpa. PTR    bücher.test.
";

const DNS_CALLS: [&str; 6] = [
    "gai alias.test --flags canonname",
    "gai alias.test --flags canonname --family inet6 --service 80",
    "ghbn_r alias.test",
    "ghbn2 alias.test inet6",
    "ghba 10.20.0.1",
    "gni 10.20.0.1 80 --flags namereqd",
];

/// Every variant, in the order the tests read them.
const VARIANTS: [Variant; 4] = [MUSL, MUSL_SHIM, GLIBC, GLIBC_SHIM];

/// Runs each call with every variant in one namespace; outcomes call by call, in
/// [`VARIANTS`] order.
fn run(calls: &[&str]) -> Vec<Outcome> {
    let mut sc = Scenario::new(ZONE).hosts(HOSTS);
    for c in calls {
        let args: Vec<&str> = c.split(' ').collect();
        sc = sc.probe_each(&VARIANTS, &args);
    }
    sc.run()
}

/// Runs `calls`, checks that each build of the shim printed exactly what its C library
/// printed alone (status and every line), and that `shim_ok` holds for every shim run;
/// returns what the shim printed: `[call][0]` the musl build's, `[call][1]` the glibc
/// build's.
fn same_as_libc(calls: &[&str], shim_ok: impl Fn(&Outcome) -> bool) -> Vec<[String; 2]> {
    let out = run(calls);
    let mut diffs = Vec::new();
    for pair in out.chunks(2) {
        let (libc, shim) = (&pair[0], &pair[1]);
        assert!(!libc.variant.shim && shim.variant.shim);
        if (libc.status, &libc.stdout) != (shim.status, &shim.stdout) {
            diffs.push(format!("{}\n{}", libc.dump(), shim.dump()));
        }
        assert!(shim_ok(shim), "{}", shim.dump());
    }
    assert!(
        diffs.is_empty(),
        "{} calls differ from the C library's own answer:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    out.chunks(4)
        .map(|four| [four[1].stdout.clone(), four[3].stdout.clone()])
        .collect()
}

/// Names with bytes from 0x80 up through getaddrinfo, gethostbyname(2)(_r), gethostbyaddr(_r)
/// and getnameinfo: each build of the shim prints what its C library prints, field for field;
/// the shim's answers are the hosts file's (not two equally wrong outputs).
#[test]
fn names_with_bytes_from_0x80_through_every_layout() {
    // Every call answers, from the hosts file alone.
    let shim = same_as_libc(&CALLS, |o| o.status == 0 && o.queries().is_empty());
    // What the answers are (both builds agree with their C library above).
    assert_eq!(
        shim[1][0],
        "gai OK\ninet stream tcp 10.20.0.9 443 hôst.test\n"
    );
    assert_eq!(
        shim[2][1],
        "gai OK\ninet6 dgram udp 2001:db8:20::9 53 hôst.test\n"
    );
    for ((ghbn, ghba6), gni) in shim[4].iter().zip(&shim[8]).zip(&shim[11]) {
        assert!(
            ghbn.starts_with("name hôst.test\n") && ghbn.contains("alias ålias.test\n"),
            "{ghbn}"
        );
        assert!(
            ghbn.ends_with("addrtype inet\nlength 4\naddr 10.20.0.9\n"),
            "{ghbn}"
        );
        assert!(
            ghba6.starts_with("name hôst.test\n")
                && ghba6.ends_with("addrtype inet6\nlength 16\naddr 2001:db8:20::9\n"),
            "{ghba6}"
        );
        assert_eq!(gni, "gni OK host=cafè.test serv=domain\n");
    }
}

/// The `_r` functions with buffers from one byte up: `ERANGE` without a byte past the buffer,
/// then the same hostent as the C library's (names with bytes from 0x80 up, pointer arrays
/// aligned inside a buffer that starts at any address).
#[test]
fn r_functions_with_small_buffers_and_bytes_from_0x80() {
    let out = run(&RETRY_CALLS);
    for four in out.chunks(4) {
        for pair in four.chunks(2) {
            let (libc, shim) = (&pair[0], &pair[1]);
            assert_eq!(
                (libc.status, shim.status),
                (0, 0),
                "{}\n{}",
                libc.dump(),
                shim.dump()
            );
            let (want, got) = (hostent_after_retries(libc), hostent_after_retries(shim));
            assert_eq!(want, got, "{}\n{}", libc.dump(), shim.dump());
            assert!(got.starts_with("name hôst.test\n") || got.starts_with("name cafè.test\n"));
            // A buffer of one byte holds nothing: the shim said ERANGE first.
            if shim.label.ends_with(" 1") {
                assert!(shim.stdout.lines().nth(1).unwrap().starts_with("buflen "));
            }
        }
    }
}

/// The same bytes from the network (a CNAME target, a PTR target): each build of the shim
/// prints what its C library prints, musl's the bytes as they came, glibc's a refusal.
#[test]
fn names_with_bytes_from_0x80_from_dns() {
    // Every call asked the server.
    let shim = same_as_libc(&DNS_CALLS, |o| !o.queries().is_empty());
    // musl: the CNAME target is the canonical name, the PTR target the host name.
    assert_eq!(
        shim[1][0],
        "gai OK\ninet6 stream tcp 2001:db8:20::1 80 bücher.test\n\
         inet6 dgram udp 2001:db8:20::1 80 bücher.test\n"
    );
    assert!(
        shim[2][0].starts_with("name bücher.test\n"),
        "{}",
        shim[2][0]
    );
    assert_eq!(shim[5][0], "gni OK host=bücher.test serv=http\n");
    // glibc: the name asked stays the canonical name; the PTR target is refused.
    assert!(
        shim[2][1].starts_with("name alias.test\n"),
        "{}",
        shim[2][1]
    );
    assert_eq!(shim[4][1], "h_errno=NO_RECOVERY\n");
}
