//! The `dnsshim` command: `resolve` against the test server inside the namespace
//! harness, `check` on real programs (musl and glibc probes, the static command itself, a
//! setuid copy, a copy with file capabilities, non-ELF files), `config` with given files and
//! variables.
//!
//! The binary under test is the statically linked musl build (`make cli`):
//! `DNSSHIM_CLI`, default target/static/ARCH-unknown-linux-musl/release/dnsshim. Missing, the
//! tests fail; they are never skipped. For another architecture (`DNSSHIM_TEST_ARCH`) it runs
//! under qemu-user, and so do the probes it examines and resolves for.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{cli, probe_binary, shim_library, v4_range, Libc, Outcome, Probe, Scenario};
use serde_json::Value;

/// A directory of its own under target/, for copies of programs.
fn scratch(tag: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/cli-test")
        .join(format!("{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> Output {
    common::command(&cli())
        .args(args)
        .env_remove("DNSSHIM_LOG")
        .output()
        .expect("run dnsshim")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn dump(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout:\n{}--- stderr:\n{}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    )
}

// ---------------------------------------------------------------------------------------------
// resolve

/// 60 A records (986 bytes), truncated over UDP with no records, as CoreDNS does; and a few
/// other types.
const SERVER: &str = r#"
big.test.              A     10.0.0.1..60
alias.test.            CNAME big.test.
txt.test.              TXT   "v=spf1 -all" "second string"
_http._tcp.srv.test.   SRV   0 5 80 web.test.
mail.test.             MX    10 mx1.test.
1.0.0.10.in-addr.arpa. PTR   big.test.
servfail.test.         A     10.9.9.9
rcode servfail.test SERVFAIL
udp truncate-empty
udp-size 512
"#;

/// `NAME TYPE DATA` lines of stdout.
fn records(o: &Outcome) -> Vec<Vec<String>> {
    o.stdout
        .lines()
        .map(|l| l.splitn(3, ' ').map(str::to_string).collect())
        .collect()
}

/// Trace lines (`dnsshim: NAME TYPE SERVER PROTO ...`) of stderr about `name`.
fn trace<'a>(o: &'a Outcome, name: &str) -> Vec<&'a str> {
    let prefix = format!("dnsshim: {name} ");
    o.stderr
        .lines()
        .filter(|l| l.starts_with(&prefix) && (l.contains(" udp ") || l.contains(" tcp ")))
        .collect()
}

#[test]
fn resolve_through_the_library_with_the_trace() {
    let cli = cli();
    let cmd = |args: &[&str]| Probe::command(&cli, args);
    let out = Scenario::new(SERVER)
        .resolv("nameserver 127.0.0.1\nsearch test\n")
        .probe(cmd(&["resolve", "big.test"]))
        .probe(cmd(&["resolve", "nx.test"]))
        .probe(cmd(&["resolve", "alias.test", "--type", "A"]))
        .probe(cmd(&["resolve", "txt.test", "--type=TXT"]))
        .probe(cmd(&["resolve", "_http._tcp.srv.test", "-t", "srv"]))
        .probe(cmd(&["resolve", "--type", "MX", "mail.test"]))
        .probe(cmd(&["resolve", "10.0.0.1", "--type", "PTR"]))
        .probe(cmd(&["resolve", "big.test", "--type", "MX"]))
        .probe(cmd(&["resolve", "servfail.test"]))
        .probe(cmd(&["resolve", "big.test", "--type", "BOGUS"]))
        .probe(cmd(&["resolve"]))
        .probe(cmd(&["resolve", "txt.test", "--type", "TYPE65280"]))
        .run();
    let [big, nx, alias, txt, srv, mx, ptr, nodata, servfail, bogus, noname, unknown] = &out[..]
    else {
        panic!("{} outcomes", out.len())
    };

    // The large name: a UDP answer with TC set, then TCP, then all 60 records.
    assert_eq!(big.status, 0, "{}", big.dump());
    let lines = trace(big, "big.test");
    let udp = lines
        .iter()
        .position(|l| {
            l.starts_with("dnsshim: big.test A 127.0.0.1:53 udp ") && l.contains(" tc=1 ")
        })
        .unwrap_or_else(|| panic!("no udp tc=1 line for big.test A\n{}", big.dump()));
    assert!(
        lines[udp + 1..].iter().any(|l| {
            l.starts_with("dnsshim: big.test A 127.0.0.1:53 tcp ")
                && l.contains(" tc=0 ")
                && l.contains("rcode=NOERROR")
                && l.contains("answers=60 ")
        }),
        "no tcp line with the 60 answers after the udp tc=1 line\n{}",
        big.dump()
    );
    let recs = records(big);
    assert_eq!(recs.len(), 60, "{}", big.dump());
    assert!(
        recs.iter().all(|r| r[0] == "big.test" && r[1] == "A"),
        "{}",
        big.dump()
    );
    let got: BTreeSet<String> = recs.iter().map(|r| r[2].clone()).collect();
    assert_eq!(got, v4_range("10.0.0.1", 60), "{}", big.dump());
    assert!(
        big.stderr
            .lines()
            .last()
            .unwrap_or("")
            .contains("60 records"),
        "{}",
        big.dump()
    );

    // NXDOMAIN: exit 2, nothing on stdout, the rcode in the trace.
    assert_eq!((nx.status, nx.stdout.as_str()), (2, ""), "{}", nx.dump());
    assert!(
        trace(nx, "nx.test")
            .iter()
            .any(|l| l.contains("rcode=NXDOMAIN")),
        "{}",
        nx.dump()
    );
    assert!(nx.stderr.contains("not found"), "{}", nx.dump());

    // getaddrinfo path, one family, through a CNAME: the canonical name owns the records.
    assert_eq!(alias.status, 0, "{}", alias.dump());
    let recs = records(alias);
    assert_eq!(recs.len(), 60, "{}", alias.dump());
    assert!(
        recs.iter().all(|r| r[0] == "big.test" && r[1] == "A"),
        "{}",
        alias.dump()
    );
    assert!(
        trace(alias, "alias.test")
            .iter()
            .all(|l| !l.contains(" AAAA ")),
        "--type A asks no AAAA\n{}",
        alias.dump()
    );

    let one = |o: &Outcome, want: &str| {
        assert_eq!(o.status, 0, "{}", o.dump());
        assert_eq!(o.stdout, format!("{want}\n"), "{}", o.dump());
    };
    one(txt, "txt.test TXT \"v=spf1 -all\" \"second string\"");
    one(srv, "_http._tcp.srv.test SRV 0 5 80 web.test");
    one(mx, "mail.test MX 10 mx1.test");
    one(ptr, "1.0.0.10.in-addr.arpa PTR big.test");
    // The header line names the type as it was asked for: by mnemonic, or TYPEnnn for a type
    // without one (RFC 3597), never the bare number.
    for (o, name, what) in [
        (srv, "_http._tcp.srv.test", "SRV"),
        (txt, "txt.test", "TXT"),
        (mx, "mail.test", "MX"),
        (ptr, "10.0.0.1", "PTR"),
        (unknown, "txt.test", "TYPE65280"),
    ] {
        let header = format!("dnsshim: resolve {name}: {what}, musl rules, ");
        assert!(
            o.stderr.lines().next().unwrap_or("").starts_with(&header),
            "header line should start with {header:?}\n{}",
            o.dump()
        );
    }
    // A type nobody serves here: NODATA, exit 2.
    assert_eq!(
        (unknown.status, unknown.stdout.as_str()),
        (2, ""),
        "{}",
        unknown.dump()
    );
    assert!(
        trace(ptr, "1.0.0.10.in-addr.arpa")
            .iter()
            .any(|l| l.contains(" PTR ")),
        "{}",
        ptr.dump()
    );

    // NODATA: exit 2.
    assert_eq!(
        (nodata.status, nodata.stdout.as_str()),
        (2, ""),
        "{}",
        nodata.dump()
    );
    assert!(nodata.stderr.contains("NODATA"), "{}", nodata.dump());
    // SERVFAIL from the only server: exit 1, the rcode in the trace.
    assert_eq!(
        (servfail.status, servfail.stdout.as_str()),
        (1, ""),
        "{}",
        servfail.dump()
    );
    assert!(
        servfail.stderr.contains("rcode=SERVFAIL"),
        "{}",
        servfail.dump()
    );
    // Usage errors: one line, exit 1.
    for o in [bogus, noname] {
        assert_eq!(o.status, 1, "{}", o.dump());
        assert_eq!(o.stderr.lines().count(), 1, "{}", o.dump());
        assert!(o.stderr.starts_with("dnsshim: resolve: "), "{}", o.dump());
    }
}

#[test]
fn resolve_uses_the_search_list() {
    let cli = cli();
    let out = Scenario::new(SERVER)
        .resolv("nameserver 127.0.0.1\nsearch nx.example test\n")
        .probe(Probe::command(&cli, &["resolve", "txt", "--type", "TXT"]))
        .probe(Probe::command(&cli, &["resolve", "big"]))
        .run();
    let [txt, big] = &out[..] else { unreachable!() };
    assert_eq!(txt.status, 0, "{}", txt.dump());
    assert_eq!(
        txt.stdout,
        "txt.test TXT \"v=spf1 -all\" \"second string\"\n",
        "{}",
        txt.dump()
    );
    // musl order: the search list first (no dot < ndots 1), then the name as given.
    let tried: Vec<&str> = trace(txt, "txt.nx.example")
        .into_iter()
        .chain(trace(txt, "txt.test"))
        .collect();
    assert!(tried.len() >= 2, "{}", txt.dump());
    assert!(txt.stderr.contains("as txt.test"), "{}", txt.dump());
    assert_eq!(big.status, 0, "{}", big.dump());
    assert_eq!(records(big).len(), 60, "{}", big.dump());
}

// ---------------------------------------------------------------------------------------------
// check

fn check_json(files: &[&Path]) -> (Output, Vec<Value>) {
    let mut args = vec!["check", "--json"];
    let names: Vec<String> = files
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    args.extend(names.iter().map(String::as_str));
    let o = run(&args);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("check --json is not JSON: {e}\n{}", dump(&o)));
    let arr = v
        .as_array()
        .unwrap_or_else(|| panic!("not an array\n{}", dump(&o)))
        .clone();
    assert_eq!(arr.len(), files.len(), "{}", dump(&o));
    (o, arr)
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Functions the library exports (nm), to hold `check`'s "replaced" flags against.
fn exported(so: &Path) -> BTreeSet<String> {
    let o = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(so)
        .output()
        .expect("nm (binutils)");
    assert!(o.status.success(), "{}", dump(&o));
    text(&o.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[1] == "T").then(|| f[2].to_string())
        })
        .collect()
}

/// Program headers of `bin` (readelf).
fn program_headers(bin: &Path) -> String {
    let o = Command::new("readelf")
        .args(["-lW"])
        .arg(bin)
        .output()
        .expect("readelf (binutils)");
    assert!(o.status.success(), "{}", dump(&o));
    text(&o.stdout)
}

#[test]
fn the_command_is_statically_linked() {
    let h = program_headers(&cli());
    assert!(h.contains("Elf file type is EXEC"), "{h}");
    assert!(!h.contains("INTERP"), "has a PT_INTERP:\n{h}");
    assert!(!h.contains("DYNAMIC"), "has a dynamic section:\n{h}");
}

#[test]
fn check_dynamic_probes() {
    for (libc, name) in [(Libc::Musl, "musl"), (Libc::Glibc, "glibc")] {
        let probe = probe_binary(libc);
        let (o, v) = check_json(&[&probe]);
        assert_eq!(o.status.code(), Some(0), "{}", dump(&o));
        let r = &v[0];
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(r["effective"], true, "{r}");
        assert_eq!(r["build"], name, "{r}");
        assert_eq!(r["libc"], name, "{r}");
        assert_eq!(r["linking"], "dynamic", "{r}");
        assert_eq!(r["machine"], common::arch(), "{r}");
        assert_eq!(r["bits"], 64, "{r}");
        assert_eq!(
            (r["setuid"].clone(), r["capabilities"].clone()),
            (false.into(), false.into())
        );
        let interp = r["interpreter"].as_str().unwrap();
        let want = match (libc, common::arch()) {
            (Libc::Musl, arch) => format!("ld-musl-{arch}.so.1"),
            (Libc::Glibc, "aarch64") => "ld-linux-aarch64.so.1".into(),
            (Libc::Glibc, _) => "ld-linux-x86-64.so.2".into(),
        };
        assert!(interp.ends_with(&want), "{r}");
        assert!(strs(&r["reasons"]).is_empty(), "{r}");
        // The probe calls getaddrinfo, gethostbyname, gethostbyname2, gethostbyname_r,
        // gethostbyaddr itself; "replaced" says whether the shim exports each.
        let exports = exported(&shim_library(libc));
        let imports = r["imports"].as_array().unwrap();
        let mine: BTreeSet<&str> = imports
            .iter()
            .filter(|i| i["from"].is_null())
            .map(|i| i["function"].as_str().unwrap())
            .collect();
        for f in [
            "getaddrinfo",
            "gethostbyname",
            "gethostbyname2",
            "gethostbyname_r",
            "gethostbyaddr",
        ] {
            assert!(mine.contains(f), "{f} missing: {r}");
        }
        for i in imports {
            let f = i["function"].as_str().unwrap();
            assert_eq!(
                i["replaced"].as_bool(),
                Some(exports.contains(f)),
                "{f}: `check` and the {name} library's exports disagree: {r}"
            );
        }
        // The same in text form.
        let o = run(&["check", probe.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", dump(&o));
        let out = text(&o.stdout);
        assert!(
            out.starts_with(&format!(
                "{}: yes: the shim takes effect with LD_PRELOAD of its {name} build\n",
                probe.display()
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!("  loader:       {interp} ({name})\n")),
            "{out}"
        );
        assert!(out.contains("getaddrinfo"), "{out}");
    }
}

#[test]
fn check_static_setuid_capabilities_and_not_elf() {
    let dir = scratch("check");
    let cli = cli();
    let musl = probe_binary(Libc::Musl);
    let setuid = dir.join("probe-setuid");
    std::fs::copy(&musl, &setuid).unwrap();
    set_mode(&setuid, 0o4755);
    let caps = dir.join("probe-caps");
    std::fs::copy(&musl, &caps).unwrap();
    set_capability(&caps);
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "just some text\n").unwrap();
    let script = dir.join("run.sh");
    std::fs::write(&script, "#!/bin/sh\nexec true\n").unwrap();
    let missing = dir.join("does-not-exist");

    let (o, v) = check_json(&[&cli, &setuid, &caps, &notes, &script, &missing, &musl]);
    // One file could not be examined: status 1 (over 2 for "will not take effect").
    assert_eq!(o.status.code(), Some(1), "{}", dump(&o));
    let [stat, suid, cap, txt, sh, gone, fine] = &v[..] else {
        unreachable!()
    };

    assert_eq!(stat["ok"], true, "{stat}");
    assert_eq!(stat["effective"], false, "{stat}");
    assert_eq!(stat["linking"], "static", "{stat}");
    assert!(stat["interpreter"].is_null(), "{stat}");
    assert!(stat["build"].is_null(), "{stat}");
    let why = strs(&stat["reasons"]);
    assert!(
        why.len() == 1 && why[0].starts_with("statically linked"),
        "{stat}"
    );

    assert_eq!(
        (suid["setuid"].as_bool(), suid["effective"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(suid["libc"], "musl", "{suid}");
    let why = strs(&suid["reasons"]);
    assert!(why.len() == 1 && why[0].starts_with("setuid"), "{suid}");

    assert_eq!(cap["capabilities"], true, "{cap}");
    assert_eq!(cap["effective"], false, "{cap}");
    assert!(
        strs(&cap["reasons"])
            .iter()
            .any(|r| r.contains("capabilities")),
        "{cap}"
    );

    for (r, p, msg) in [
        (txt, &notes, "not an ELF file"),
        (sh, &script, "a script for \"/bin/sh\""),
        (gone, &missing, "No such file or directory"),
    ] {
        assert_eq!(r["ok"], false, "{r}");
        assert_eq!(r["file"], p.to_str().unwrap(), "{r}");
        assert!(r["error"].as_str().unwrap().contains(msg), "{r}");
    }
    assert_eq!(fine["effective"], true, "{fine}");

    // stderr: one line per file that could not be examined.
    let err = text(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].starts_with(&format!(
            "dnsshim: check: {}: not an ELF file",
            notes.display()
        )),
        "{err}"
    );

    // Text form: a non-ELF file is one line on stderr, exit 1, never a panic.
    let o = run(&["check", notes.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", dump(&o));
    assert_eq!(text(&o.stdout), "", "{}", dump(&o));
    assert_eq!(
        text(&o.stderr),
        format!(
            "dnsshim: check: {}: not an ELF file (no \\x7fELF signature)\n",
            notes.display()
        )
    );
    // Static and setuid: exit 2, the reason on the first line.
    let o = run(&["check", cli.to_str().unwrap(), setuid.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", dump(&o));
    let out = text(&o.stdout);
    assert!(
        out.starts_with(&format!("{}: no: statically linked", cli.display())),
        "{out}"
    );
    assert!(
        out.contains(&format!("{}: no: setuid", setuid.display())),
        "{out}"
    );
    assert!(out.contains("  privileges:   setuid\n"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `setcap cap_net_bind_service+ep FILE`, by hand: a version-2 `vfs_cap_data`.
fn set_capability(p: &Path) {
    use std::os::unix::ffi::OsStrExt;
    const VFS_CAP_REVISION_2: u32 = 0x0200_0000;
    const VFS_CAP_FLAGS_EFFECTIVE: u32 = 1;
    const CAP_NET_BIND_SERVICE: u32 = 10;
    let mut v = Vec::new();
    for w in [
        VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
        1 << CAP_NET_BIND_SERVICE, // permitted, low word
        0,                         // inheritable, low word
        0,
        0,
    ] {
        v.extend_from_slice(&w.to_le_bytes());
    }
    let path = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: NUL-terminated path and name, a buffer of v.len() bytes; all outlive the call.
    let rc = unsafe {
        libc::setxattr(
            path.as_ptr(),
            c"security.capability".as_ptr(),
            v.as_ptr().cast(),
            v.len(),
            0,
        )
    };
    assert_eq!(
        rc,
        0,
        "setting security.capability on {} failed: {} (this test needs root: CAP_SETFCAP)",
        p.display(),
        std::io::Error::last_os_error()
    );
}

// ---------------------------------------------------------------------------------------------
// config

#[test]
fn config_shows_files_environment_and_defaults() {
    let cli = cli();
    let out = Scenario::new(SERVER)
        .resolv(
            "# test\nnameserver 127.0.0.1\nnameserver ::1\nsearch corp.test example.test\n\
             options ndots:3 timeout:99 edns0\n",
        )
        .probe(Probe::command(&cli, &["config"]))
        .probe(
            Probe::command(&cli, &["config"])
                .env("RES_OPTIONS", "attempts:4 use-vc")
                .env("LOCALDOMAIN", "other.test"),
        )
        .run();
    let field = |o: &Outcome, k: &str| -> String {
        let prefix = format!("{k}:");
        o.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {k} line\n{}", o.dump()))
    };
    let [plain, env] = &out[..] else {
        unreachable!()
    };
    for o in [plain, env] {
        assert_eq!(o.status, 0, "{}", o.dump());
        assert_eq!(o.stderr, "", "{}", o.dump());
        assert!(
            field(o, "resolv.conf").starts_with("/etc/resolv.conf ("),
            "{}",
            o.dump()
        );
        assert_eq!(
            field(o, "nameservers"),
            "127.0.0.1:53 [::1]:53  (resolv.conf)"
        );
        assert_eq!(field(o, "ndots"), "3  (resolv.conf ndots:3)");
        // Capped at 30, as glibc's RES_MAXRETRANS.
        assert_eq!(
            field(o, "timeout"),
            "30 s per attempt  (resolv.conf timeout:99)"
        );
        assert_eq!(field(o, "secure mode"), "no");
        assert!(field(o, "rules").starts_with("musl"), "{}", o.dump());
        assert!(
            field(o, "hosts").starts_with("/etc/hosts (2 usable entries)"),
            "{}",
            o.dump()
        );
    }
    assert_eq!(
        field(plain, "search"),
        "corp.test example.test  (resolv.conf)"
    );
    assert_eq!(field(plain, "attempts"), "2  (default)");
    assert_eq!(
        field(plain, "deadline"),
        "60 s for a whole lookup (timeout x attempts)"
    );
    assert_eq!(field(plain, "options"), "edns0 (resolv.conf edns0)");
    assert!(field(plain, "environment").starts_with("unset: LOCALDOMAIN RES_OPTIONS"));

    assert_eq!(field(env, "search"), "other.test  (LOCALDOMAIN)");
    assert_eq!(field(env, "attempts"), "4  (RES_OPTIONS attempts:4)");
    assert_eq!(
        field(env, "options"),
        "edns0 (resolv.conf edns0), use-vc (RES_OPTIONS use-vc)"
    );
    assert_eq!(field(env, "transport"), "TCP only (use-vc)");
    assert!(
        field(env, "environment")
            .starts_with("LOCALDOMAIN=\"other.test\" RES_OPTIONS=\"attempts:4 use-vc\""),
        "{}",
        env.dump()
    );
}

#[test]
fn config_defaults_without_nameserver_lines() {
    let cli = cli();
    let out = Scenario::new(SERVER)
        .resolv("options rotate\n")
        .probe(Probe::command(&cli, &["config", "--compat", "glibc"]))
        .run();
    let o = &out[0];
    assert_eq!(o.status, 0, "{}", o.dump());
    assert!(
        o.stdout
            .contains("nameservers:  127.0.0.1:53  (default: no nameserver line)\n"),
        "{}",
        o.dump()
    );
    assert!(
        o.stdout.contains("ndots:        1  (default)\n"),
        "{}",
        o.dump()
    );
    assert!(o.stdout.contains("rules:        glibc"), "{}", o.dump());
}

// ---------------------------------------------------------------------------------------------
// help and usage

#[test]
fn help_and_usage_errors() {
    for cmd in ["resolve", "check", "config"] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{}", dump(&o));
        assert!(
            text(&o.stdout).starts_with(&format!("usage: dnsshim {cmd}")),
            "{}",
            dump(&o)
        );
        let o = run(&["help", cmd]);
        assert!(
            text(&o.stdout).starts_with(&format!("usage: dnsshim {cmd}")),
            "{}",
            dump(&o)
        );
        let o = run(&[cmd, "--no-such-option", "x"]);
        assert_eq!(o.status.code(), Some(1), "{}", dump(&o));
        let err = text(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("dnsshim: {cmd}: ")), "{err}");
    }
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0), "{}", dump(&o));
    assert!(text(&o.stdout).contains("resolve NAME"), "{}", dump(&o));
    let o = run(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(1), "{}", dump(&o));
    assert_eq!(text(&o.stderr).lines().count(), 1, "{}", dump(&o));
    let o = run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", dump(&o));
}
