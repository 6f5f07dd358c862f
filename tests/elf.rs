//! The musl build's only NEEDED entry is `libc.so`, the unwinder is linked in, both builds
//! export exactly the resolver API plus the library's own additions, and neither carries test
//! code. Every artefact is built for the architecture under test (`DNSSHIM_TEST_ARCH`: the
//! aarch64 slice of `make test` runs these tests on the aarch64 builds).

mod common;

use common::{cli, shim_library, Libc};
use std::collections::BTreeSet;
use std::path::Path;
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
    let so = shim_library(Libc::Musl);
    let dynamic = run("readelf", &["-d", so.to_str().unwrap()]);
    let needed: Vec<&str> = dynamic.lines().filter(|l| l.contains("(NEEDED)")).collect();
    assert_eq!(needed.len(), 1, "NEEDED entries: {needed:?}");
    assert!(
        needed[0].contains("[libc.so]"),
        "NEEDED entries: {needed:?}"
    );
    // The unwinder is inside (no libgcc_s).
    let undef = undefined(&so);
    assert!(
        undef.iter().all(|s| !s.starts_with("_Unwind_")),
        "unwinder not static: {undef:?}"
    );
}

#[test]
fn lookup_functions_are_bound_on_first_use() {
    // What only a lookup calls is looked up with dlsym when first called (src/sys/late.rs),
    // not by the loader in every process the library is loaded into.
    for libc in [Libc::Musl, Libc::Glibc] {
        let so = shim_library(libc);
        let undef = undefined(&so);
        assert!(undef.contains("dlsym"), "{}: {undef:?}", so.display());
        for late in [
            "socket",
            "connect",
            "poll",
            "recvfrom",
            "sendto",
            "getauxval",
            "pthread_getspecific",
            "__h_errno_location",
            "environ",
        ] {
            // On aarch64 the static unwinder (pointer authentication) and compiler-rt's CPU
            // feature detection (`init_have_lse_atomics`, `__init_cpu_features`) import
            // getauxval themselves.
            if late == "getauxval" && common::arch() == "aarch64" {
                continue;
            }
            assert!(
                !undef.contains(late),
                "{} imports {late}: {undef:?}",
                so.display()
            );
        }
    }
}

#[test]
fn both_builds_export_the_resolver_api() {
    let want: BTreeSet<String> = EXPORTS.iter().map(|s| s.to_string()).collect();
    for libc in [Libc::Musl, Libc::Glibc] {
        let so = shim_library(libc);
        let got = exported_functions(&so);
        assert_eq!(got, want, "exports of {}", so.display());
    }
}

/// `readelf -h`'s name of the machine of each architecture.
fn readelf_machine(arch: &str) -> &'static str {
    match arch {
        "aarch64" => "AArch64",
        _ => "Advanced Micro Devices X86-64",
    }
}

/// Both libraries and the static command are 64-bit little-endian ELF files for the
/// architecture under test, as `readelf -h` reads them (not only the harness's own check of
/// `e_machine`), and the command is an executable, the libraries shared objects.
#[test]
fn every_artefact_is_built_for_the_architecture_under_test() {
    let want = readelf_machine(common::arch());
    for (file, kind) in [
        (shim_library(Libc::Musl), "DYN"),
        (shim_library(Libc::Glibc), "DYN"),
        (cli(), "EXEC"),
    ] {
        let h = run("readelf", &["-h", file.to_str().unwrap()]);
        let field = |name: &str| {
            h.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .map(|v| v.trim().to_string())
                .unwrap_or_else(|| panic!("no {name} in readelf -h {}:\n{h}", file.display()))
        };
        assert_eq!(field("Machine:"), want, "{}", file.display());
        assert_eq!(field("Class:"), "ELF64", "{}", file.display());
        assert!(
            field("Data:").contains("little endian"),
            "{}",
            file.display()
        );
        assert!(
            field("Type:").starts_with(kind),
            "{}: {kind}\n{h}",
            file.display()
        );
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
    for libc in [Libc::Musl, Libc::Glibc] {
        let so = shim_library(libc);
        let path = so.to_str().unwrap();
        let symbols = run("nm", &["--defined-only", path]);
        let dynamic = run("nm", &["-D", "--defined-only", path]);
        if libc == Libc::Musl {
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
