//! Done-when 7: the musl build's only NEEDED entry is `libc.so`, the unwinder is linked in,
//! and both builds export exactly the resolver API plus the library's own additions.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXPORTS: &[&str] = &[
    "__res_init",
    "__res_mkquery",
    "__res_query",
    "__res_querydomain",
    "__res_search",
    "__res_send",
    "dnsshim_libc",
    "dnsshim_version",
    "freeaddrinfo",
    "gai_strerror",
    "getaddrinfo",
    "gethostbyaddr",
    "gethostbyaddr_r",
    "gethostbyname",
    "gethostbyname2",
    "gethostbyname2_r",
    "gethostbyname_r",
    "getnameinfo",
    "res_init",
    "res_mkquery",
    "res_query",
    "res_querydomain",
    "res_search",
    "res_send",
];

fn lib(var: &str, rel: &str) -> PathBuf {
    let p = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel));
    assert!(
        p.exists(),
        "{} is missing: run `make test`, which builds both libraries",
        p.display()
    );
    p
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Defined, global dynamic symbols of kind T (functions).
fn exported_functions(so: &Path) -> BTreeSet<String> {
    run("nm", &["-D", "--defined-only", so.to_str().unwrap()])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[1] == "T").then(|| f[2].to_string())
        })
        .collect()
}

fn undefined(so: &Path) -> BTreeSet<String> {
    run("nm", &["-D", "--undefined-only", so.to_str().unwrap()])
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .last()
                .map(|s| s.split('@').next().unwrap_or(s).to_string())
        })
        .collect()
}

#[test]
fn musl_build_needs_only_libc_so() {
    let so = lib(
        "DNSSHIM_MUSL_SO",
        "target/x86_64-unknown-linux-musl/release/libdnsshim.so",
    );
    let dynamic = run("readelf", &["-d", so.to_str().unwrap()]);
    let needed: Vec<&str> = dynamic.lines().filter(|l| l.contains("(NEEDED)")).collect();
    assert_eq!(needed.len(), 1, "NEEDED entries: {needed:?}");
    assert!(
        needed[0].contains("[libc.so]"),
        "NEEDED entries: {needed:?}"
    );
    // The unwinder is inside (no libgcc_s), and h_errno comes from the host libc.
    let undef = undefined(&so);
    assert!(
        undef.iter().all(|s| !s.starts_with("_Unwind_")),
        "unwinder not static: {undef:?}"
    );
    assert!(undef.contains("__h_errno_location"), "{undef:?}");
}

#[test]
fn both_builds_export_the_resolver_api() {
    let want: BTreeSet<String> = EXPORTS.iter().map(|s| s.to_string()).collect();
    for (var, rel) in [
        (
            "DNSSHIM_MUSL_SO",
            "target/x86_64-unknown-linux-musl/release/libdnsshim.so",
        ),
        ("DNSSHIM_GLIBC_SO", "target/release/libdnsshim.so"),
    ] {
        let so = lib(var, rel);
        let got = exported_functions(&so);
        assert_eq!(got, want, "exports of {}", so.display());
    }
}

/// The shipped libraries carry no test code: the fuzz target bodies exist only with the
/// `fuzzing` feature, and hickory-proto (the tests' reference reader) is only theirs. No symbol
/// of theirs in the symbol table (the musl build keeps one: it must name the library's own
/// functions, or this test could not see anything), no dynamic symbol, and no name of theirs
/// anywhere in the bytes (panic messages and symbol names would carry one).
#[test]
fn no_test_code_in_the_libraries() {
    let banned = ["fuzzing", "hickory", "message_vs_hickory"];
    for (var, rel) in [
        (
            "DNSSHIM_MUSL_SO",
            "target/x86_64-unknown-linux-musl/release/libdnsshim.so",
        ),
        ("DNSSHIM_GLIBC_SO", "target/release/libdnsshim.so"),
    ] {
        let so = lib(var, rel);
        let path = so.to_str().unwrap();
        let symbols = run("nm", &["--defined-only", path]);
        let dynamic = run("nm", &["-D", "--defined-only", path]);
        if var == "DNSSHIM_MUSL_SO" {
            let own = symbols.lines().filter(|l| l.contains("dnsshim")).count();
            assert!(
                own > 100,
                "{path}: a symbol table without the library's own ({own})"
            );
        }
        for l in symbols.lines().chain(dynamic.lines()) {
            assert!(
                !banned.iter().any(|b| l.contains(b)),
                "{path}: test code shipped: {l}"
            );
        }
        let bytes = std::fs::read(&so).unwrap();
        for b in banned {
            assert!(
                !bytes.windows(b.len()).any(|w| w == b.as_bytes()),
                "{path}: holds {b:?}"
            );
        }
    }
}
