//! One `LD_PRELOAD` value for every image: the `$LIB` layout written by the static
//! `dnsshim install` (and `make install LAYOUT=multi`), programs of both C libraries (and
//! shells of one running programs of the other) under that one value, what happens where
//! neither build fits (a missing file, static and setuid programs), `dnsshim run`, the glibc
//! build's symbol versions (nothing newer than GLIBC_2.17), and the pkg-config `preload`
//! variable.
//!
//! Programs: tests/c/which.c (prints the shim build in the process, then getaddrinfo's
//! addresses; can exec another program after). Namespace scripts: tests/nsrun/mod.rs.

mod common;
mod nsrun;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{c_program, cli, root, run_cc, shim_library, temp_dir, v4_range, Libc};
use nsrun::{host, host_env, make_ok, tree, Ns, Run};

/// 60 A records (986 bytes) behind a server that truncates like CoreDNS: TC=1, no records.
const BIG_COREDNS: &str = "big.test. A 10.0.0.1..60\nudp truncate-empty\nudp-size 512\n";
const SONAME: &str = "libdnsshim.so.0";
/// The directories glibc's loader expands `$LIB` to that the layout fills with the glibc
/// build, for the architecture under test (Debian's multiarch directory first).
fn glibc_dirs() -> [String; 3] {
    [
        format!("lib/{}-linux-gnu", common::arch()),
        "lib64".into(),
        "lib".into(),
    ]
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 paths")
}

fn which(libc: Libc) -> PathBuf {
    c_program(libc, "tests/c/which.c", "which")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn run_cli(args: &[&str]) -> Output {
    common::command(&cli())
        .args(args)
        .env_clear()
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", cli().display()))
}

/// `dnsshim install DIR` into a fresh directory; checks it succeeded and printed the value.
fn install(dir: &Path) -> String {
    let out = run_cli(&["install", path_str(dir)]);
    assert!(
        out.status.success(),
        "dnsshim install failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let value = format!("{}/$LIB/{SONAME}", dir.display());
    assert_eq!(
        text(&out.stdout),
        format!("LD_PRELOAD='{value}'\n"),
        "the value, single-quoted, alone on stdout"
    );
    value
}

/// The layout's entries, exactly.
fn layout_entries() -> BTreeSet<String> {
    let mut want: BTreeSet<String> = ["$LIB/".to_string(), "lib/".into()].into();
    want.insert(format!("$LIB/{SONAME}"));
    for d in glibc_dirs() {
        want.insert(format!("{d}/"));
        want.insert(format!("{d}/{SONAME}"));
    }
    want.insert("dnsshim.version".into());
    want
}

/// The tree under `dir` is the layout, byte for byte the built libraries, no symlink.
fn assert_layout(dir: &Path) {
    assert_eq!(tree(dir, true), layout_entries(), "{}", dir.display());
    let musl = fs::read(shim_library(Libc::Musl)).unwrap();
    let glibc = fs::read(shim_library(Libc::Glibc)).unwrap();
    assert!(
        fs::read(dir.join("$LIB").join(SONAME)).unwrap() == musl,
        "$LIB/{SONAME} is not the musl build"
    );
    for d in glibc_dirs() {
        let p = dir.join(&d).join(SONAME);
        assert!(
            fs::read(&p).unwrap() == glibc,
            "{d}/{SONAME} is not the glibc build"
        );
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
            0o755
        );
    }
    assert_eq!(
        fs::read_to_string(dir.join("dnsshim.version")).unwrap(),
        format!("dnsshim {} {}\n", env!("CARGO_PKG_VERSION"), common::arch())
    );
}

/// The static command carries both builds (checked byte for byte against the built
/// files through what it installs, and through the checksums `--version` prints); `install`
/// into a fresh directory writes the layout; the same version again is fine, another version
/// is refused (nothing touched) unless --force; `make install LAYOUT=multi` writes the same
/// tree and `make uninstall LAYOUT=multi` removes it.
#[test]
fn static_command_installs_the_layout_byte_for_byte() {
    let base = temp_dir("layout");
    let dir = base.join("fresh/opt/dnsshim");
    install(&dir);
    assert_layout(&dir);
    // The glibc copies are one file (hard links), so a bind mount cannot break them.
    let inodes: BTreeSet<u64> = glibc_dirs()
        .iter()
        .map(|d| fs::metadata(dir.join(d).join(SONAME)).unwrap().ino())
        .collect();
    assert_eq!(inodes.len(), 1, "hard links");

    // --version names the version and the carried builds' `cksum` values.
    let out = run_cli(&["--version"]);
    let v = text(&out.stdout);
    assert!(out.status.success(), "{v}");
    assert!(
        v.starts_with(&format!("dnsshim {}\n", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
    assert!(
        v.contains(&format!(
            "{SONAME} {} for {}",
            env!("CARGO_PKG_VERSION"),
            common::arch()
        )),
        "{v}"
    );
    for (libc, name) in [(Libc::Musl, "musl "), (Libc::Glibc, "glibc")] {
        let so = shim_library(libc);
        let ck = host("cksum", &[path_str(&so)]);
        let f: Vec<&str> = ck.split_whitespace().collect();
        let line = format!("  {name} build: {} bytes, cksum {}\n", f[1], f[0]);
        assert!(v.contains(&line), "{line:?} not in\n{v}");
    }

    // Again, same version: fine (an init container that restarts).
    install(&dir);
    assert_layout(&dir);
    // Another version: refused, nothing changed; --force replaces it.
    let other = format!("dnsshim 0.0.1 {}\n", common::arch());
    fs::write(dir.join("dnsshim.version"), &other).unwrap();
    let out = run_cli(&["install", path_str(&dir)]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("0.0.1") && err.contains("--force"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        fs::read_to_string(dir.join("dnsshim.version")).unwrap(),
        other
    );
    // Our library without a version file: an unknown version, refused too.
    let bare = base.join("bare");
    fs::create_dir_all(bare.join("lib64")).unwrap();
    fs::write(bare.join("lib64").join(SONAME), "old").unwrap();
    let out = run_cli(&["install", path_str(&bare)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("unknown version"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(fs::read(bare.join("lib64").join(SONAME)).unwrap(), b"old");
    let out = run_cli(&["install", "--force", path_str(&dir)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_layout(&dir);

    // make install LAYOUT=multi: the same tree (DESTDIR + PREFIX), the same value printed.
    let dest = base.join("dest");
    let out = make_ok(&[
        "install",
        "LAYOUT=multi",
        "PREFIX=/opt/dnsshim",
        &format!("DESTDIR={}", dest.display()),
    ]);
    assert!(
        text(&out.stdout).contains(&format!("LD_PRELOAD='/opt/dnsshim/$LIB/{SONAME}'")),
        "{}",
        text(&out.stdout)
    );
    assert_layout(&dest.join("opt/dnsshim"));
    make_ok(&[
        "uninstall",
        "LAYOUT=multi",
        "PREFIX=/opt/dnsshim",
        &format!("DESTDIR={}", dest.display()),
    ]);
    assert_eq!(
        tree(&dest, true),
        ["opt/".to_string(), "opt/dnsshim/".into()].into()
    );
    let _ = fs::remove_dir_all(&base);
}

fn argv(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// One `which` block: `libc=… shim=… gai=…` and its `addr` lines.
#[derive(Debug)]
struct Which {
    libc: String,
    shim: String,
    gai: String,
    addrs: Vec<String>,
}

/// Every block a run printed (several when programs exec or a script runs more than one).
fn blocks(r: &Run) -> Vec<Which> {
    let mut out: Vec<Which> = Vec::new();
    for line in r.stdout.lines() {
        if let Some(a) = line.strip_prefix("addr ") {
            out.last_mut()
                .unwrap_or_else(|| panic!("addr before a header\n{}", r.dump()))
                .addrs
                .push(a.to_string());
            continue;
        }
        let field = |k: &str| {
            line.split(' ')
                .find_map(|w| w.strip_prefix(k))
                .unwrap_or_else(|| panic!("no {k} in {line:?}\n{}", r.dump()))
                .to_string()
        };
        out.push(Which {
            libc: field("libc="),
            shim: field("shim="),
            gai: field("gai="),
            addrs: Vec::new(),
        });
    }
    out
}

/// A block that resolved the 60-address name in full with the shim of its own C library.
fn assert_full(w: &Which, libc: &str, r: &Run) {
    assert_eq!(
        (w.libc.as_str(), w.shim.as_str(), w.gai.as_str()),
        (libc, libc, "OK"),
        "{}",
        r.dump()
    );
    let set: BTreeSet<String> = w.addrs.iter().cloned().collect();
    assert_eq!(w.addrs.len(), 60, "{}", r.dump());
    assert_eq!(set, v4_range("10.0.0.1", 60), "{}", r.dump());
}

/// The shim's trace lines of one TCP retry with 60 answers, `count` times.
fn assert_tcp_retries(r: &Run, count: usize) {
    let n = r
        .trace()
        .iter()
        .filter(|l| l.contains("big.test A") && l.contains(" tcp ") && l.contains("answers=60"))
        .count();
    assert_eq!(n, count, "tcp trace lines\n{}", r.dump());
}

/// ONE LD_PRELOAD value pointing into a `dnsshim install` tree (mounted
/// read-only) makes a musl program and a glibc program both resolve the CoreDNS-truncated
/// name in full, each with the build of its own C library; a glibc shell script running a musl
/// and a glibc program, and a musl program exec'ing a glibc one (environment inherited), work
/// too. Where neither build fits, nothing breaks: a tree without the directory this glibc
/// expands `$LIB` to (as on a distribution whose `$LIB` is another) gives glibc's one-line
/// warning and the program runs unshimmed; musl skips it silently; static programs and
/// setuid programs run as they would without the variable.
#[test]
fn one_value_serves_musl_and_glibc_programs() {
    let mut ns = Ns::for_setuid("onevalue", "setuid copies run as nobody");
    let d = ns.dir().to_path_buf();
    let wm = which(Libc::Musl);
    let wg = which(Libc::Glibc);
    let tree_dir = d.join("opt/dnsshim");
    let value = install(&tree_dir);
    // The tree as a volume mounted read-only: nothing is written at run time.
    ns.sh(&format!(
        "mount --bind {t} {t} && mount -o remount,bind,ro {t} || fail 'cannot mount the tree read-only'\n\
         touch {t}/x 2>/dev/null && fail 'the tree is writable'",
        t = common::q(path_str(&tree_dir))
    ));
    // A tree without lib/x86_64-linux-gnu: what a glibc whose $LIB is none of the three finds.
    let partial = d.join("partial");
    fs::create_dir_all(partial.join("$LIB")).unwrap();
    fs::create_dir_all(partial.join("lib64")).unwrap();
    fs::copy(shim_library(Libc::Musl), partial.join("$LIB").join(SONAME)).unwrap();
    fs::copy(
        shim_library(Libc::Glibc),
        partial.join("lib64").join(SONAME),
    )
    .unwrap();
    let partial_value = format!("{}/$LIB/{SONAME}", partial.display());

    // A glibc shell script (dash, Debian's /bin/sh) that runs a musl and a glibc program.
    let script = ns.file(
        "mixed.sh",
        &format!(
            "#!/bin/sh\n{} big.test || exit 1\n{} big.test || exit 1\n",
            common::q(path_str(&wm)),
            common::q(path_str(&wg))
        ),
    );
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let sh = host("readelf", &["-lW", "/bin/sh"]);
    assert!(
        sh.contains("ld-linux-x86-64.so.2"),
        "/bin/sh is a glibc program here\n{sh}"
    );

    // Static (musl, -static) and setuid-root copies.
    let stat = d.join("which-static");
    run_cc(
        "musl-gcc",
        &[
            "-O1",
            "-static",
            "-o",
            path_str(&stat),
            path_str(&root().join("tests/c/which.c")),
        ]
        .map(std::ffi::OsStr::new),
    );
    assert!(!host("readelf", &["-l", path_str(&stat)]).contains("INTERP"));
    let mut setuid = Vec::new();
    for (w, name) in [(&wm, "which-musl-setuid"), (&wg, "which-glibc-setuid")] {
        let p = d.join(name);
        fs::copy(w, &p).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o4755)).unwrap();
        setuid.push(p);
    }

    ns.testsrv(BIG_COREDNS);
    let env = [("LD_PRELOAD", value.as_str()), ("DNSSHIM_LOG", "1")];
    let big = |p: &Path| vec![path_str(p).to_string(), "big.test".to_string()];
    let r_musl = ns.run("musl", &env, &argv(&big(&wm)));
    let r_glibc = ns.run("glibc", &env, &argv(&big(&wg)));
    let r_script = ns.run("glibc sh script", &env, &[path_str(&script)]);
    let mut chain = big(&wm);
    chain.push("--".into());
    chain.extend(big(&wg));
    let r_chain = ns.run("musl execs glibc", &env, &argv(&chain));
    let missing = [("LD_PRELOAD", partial_value.as_str()), ("DNSSHIM_LOG", "1")];
    let r_miss_g = ns.run("glibc, $LIB dir missing", &missing, &argv(&big(&wg)));
    let r_miss_m = ns.run("musl, same tree", &missing, &argv(&big(&wm)));
    let r_static = ns.run("static musl", &env, &argv(&big(&stat)));
    let as_nobody = |p: &Path| nsrun::as_nobody(&value, &argv(&big(p)));
    let r_suid_m = ns.run("setuid musl as nobody", &[], &argv(&as_nobody(&setuid[0])));
    let r_suid_g = ns.run("setuid glibc as nobody", &[], &argv(&as_nobody(&setuid[1])));
    let runs = ns.exec();

    for (i, libc) in [(r_musl, "musl"), (r_glibc, "glibc")] {
        let r = &runs[i];
        assert_eq!(r.status, 0, "{}", r.dump());
        let b = blocks(r);
        assert_eq!(b.len(), 1, "{}", r.dump());
        assert_full(&b[0], libc, r);
        assert_tcp_retries(r, 1);
    }
    for i in [r_script, r_chain] {
        let r = &runs[i];
        assert_eq!(r.status, 0, "{}", r.dump());
        let b = blocks(r);
        assert_eq!(b.len(), 2, "{}", r.dump());
        assert_full(&b[0], "musl", r);
        assert_full(&b[1], "glibc", r);
        assert_tcp_retries(r, 2);
    }
    // Missing file: glibc warns once and runs (its own resolver retries over TCP itself).
    let r = &runs[r_miss_g];
    assert_eq!(r.status, 0, "{}", r.dump());
    let warn: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("cannot be preloaded"))
        .collect();
    assert_eq!(warn.len(), 1, "{}", r.dump());
    assert!(warn[0].contains("$LIB"), "{}", r.dump());
    let b = blocks(r);
    assert_eq!(
        (b[0].shim.as_str(), b[0].gai.as_str(), b[0].addrs.len()),
        ("none", "OK", 60)
    );
    assert!(r.trace().is_empty(), "{}", r.dump());
    // The same tree still serves musl (its $LIB directory is there).
    let r = &runs[r_miss_m];
    assert_full(&blocks(r)[0], "musl", r);
    // Static and setuid: the variable is not read; musl 1.2.3's own resolver fails on the
    // CoreDNS-style answer, glibc's retries over TCP; no trace, no warning.
    for (i, gai_ok) in [(r_static, false), (r_suid_m, false), (r_suid_g, true)] {
        let r = &runs[i];
        let b = blocks(r);
        assert_eq!(b.len(), 1, "{}", r.dump());
        assert_eq!(b[0].shim, "none", "{}", r.dump());
        assert_eq!(b[0].gai == "OK", gai_ok, "{}", r.dump());
        assert_eq!(r.status, if gai_ok { 0 } else { 1 }, "{}", r.dump());
        assert!(r.trace().is_empty(), "{}", r.dump());
        assert!(!r.stderr.contains("preload"), "{}", r.dump());
    }
}

/// `dnsshim run -- CMD`: the build that fits CMD's loader, from memory (nothing installed):
/// a musl and a glibc program each get their own build and the full answer; a script runs
/// with its interpreter's build; the exit status is CMD's; a missing CMD is 127.
#[test]
fn run_preloads_the_build_that_fits() {
    let wm = which(Libc::Musl);
    let wg = which(Libc::Glibc);
    let mut ns = Ns::new("run");
    let script = ns.file(
        "script.sh",
        &format!("#!/bin/sh\nexec {} big.test\n", common::q(path_str(&wg))),
    );
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    ns.testsrv(BIG_COREDNS);
    let c = cli();
    let c = path_str(&c);
    let log = [("DNSSHIM_LOG", "1")];
    let r_m = ns.run(
        "run musl",
        &log,
        &[c, "run", "--", path_str(&wm), "big.test"],
    );
    let r_g = ns.run("run glibc", &log, &[c, "run", path_str(&wg), "big.test"]);
    let r_s = ns.run("run script", &log, &[c, "run", path_str(&script)]);
    let r_exit = ns.run("exit status", &[], &[c, "run", "sh", "-c", "exit 7"]);
    let r_none = ns.run("missing", &[], &[c, "run", "/nonexistent/prog"]);
    let runs = ns.exec();
    for (i, libc) in [(r_m, "musl"), (r_g, "glibc"), (r_s, "glibc")] {
        let r = &runs[i];
        assert_eq!(r.status, 0, "{}", r.dump());
        assert_full(&blocks(r)[0], libc, r);
        assert_tcp_retries(r, 1);
    }
    assert_eq!(runs[r_exit].status, 7, "{}", runs[r_exit].dump());
    assert_eq!(runs[r_none].status, 127, "{}", runs[r_none].dump());
}

/// `pkg-config --variable=preload dnsshim` names the installed library's full path.
#[test]
fn pkg_config_preload_variable() {
    let base = temp_dir("pcpreload");
    let prefix = base.join("usr");
    make_ok(&[
        "install",
        &format!("PREFIX={}", prefix.display()),
        "LIBC=glibc",
    ]);
    let pc = prefix.join("lib/pkgconfig");
    let preload = host_env(
        "pkg-config",
        &["--variable=preload", "dnsshim"],
        &[
            ("PKG_CONFIG_PATH", path_str(&pc)),
            ("PKG_CONFIG_LIBDIR", ""),
        ],
    );
    let want = prefix.join("lib").join(SONAME);
    assert_eq!(preload.trim(), path_str(&want));
    assert!(fs::read(&want).unwrap() == fs::read(shim_library(Libc::Glibc)).unwrap());
    let _ = fs::remove_dir_all(&base);
}

/// The versions `readelf -V` lists as needed from glibc's libraries, and the undefined dynamic
/// symbols with their version (`objdump -T`): (symbol, version, weak).
fn glibc_needs(so: &Path) -> (BTreeSet<String>, Vec<(String, String, bool)>) {
    let v = host("readelf", &["-VW", path_str(so)]);
    let mut needs = BTreeSet::new();
    let mut in_needs = false;
    for l in v.lines() {
        if l.starts_with("Version needs section") {
            in_needs = true;
        } else if l.starts_with("Version ") {
            in_needs = false;
        } else if in_needs {
            if let Some(n) = l.split("Name: ").nth(1) {
                needs.insert(n.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    }
    let t = host("objdump", &["-T", path_str(so)]);
    let syms = t
        .lines()
        .filter(|l| l.contains("*UND*"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let name = f.last()?.to_string();
            let version = f
                .iter()
                .find(|w| w.contains("GLIBC_"))
                .map_or("", |w| w.trim_matches(['(', ')']));
            Some((name, version.to_string(), l.contains(" w ")))
        })
        .collect();
    (needs, syms)
}

/// `GLIBC_2.17` → (2, 17); other strings → None.
fn glibc_version(v: &str) -> Option<(u32, u32)> {
    let rest = v.strip_prefix("GLIBC_")?;
    let mut it = rest.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

/// What is wrong with a library's glibc needs: versions above 2.17, and weak references to
/// functions not known to be checked at run time.
fn too_new(needs: &BTreeSet<String>, syms: &[(String, String, bool)]) -> Vec<String> {
    // Weak, unversioned references the Rust standard library makes and checks for NULL before
    // any call (it falls back when the running glibc lacks them): statx (2.28), gettid (2.30),
    // __cxa_thread_atexit_impl (2.18).
    const CHECKED_WEAK: &[&str] = &["statx", "gettid", "__cxa_thread_atexit_impl"];
    let mut bad: Vec<String> = needs
        .iter()
        .filter(|v| glibc_version(v).is_some_and(|v| v > (2, 17)))
        .map(|v| format!("needs {v}"))
        .collect();
    for (name, version, weak) in syms {
        if glibc_version(version).is_some_and(|v| v > (2, 17)) {
            bad.push(format!("{name}@{version}"));
        }
        if *weak && !CHECKED_WEAK.contains(&name.as_str()) {
            bad.push(format!("weak {name} (is it checked before use?)"));
        }
    }
    bad
}

/// The glibc build, as `make` produces it, needs no symbol version newer than
/// GLIBC_2.17 (so it loads on RHEL/UBI 7 and 8, Debian 11, Ubuntu 20.04, Amazon Linux 2).
/// The check itself is shown to fail on what a build linked against this machine's glibc
/// 2.36 needs.
#[test]
fn glibc_build_needs_nothing_newer_than_glibc_2_17() {
    let so = shim_library(Libc::Glibc);
    let (needs, syms) = glibc_needs(&so);
    // The first version of the architecture's glibc port: what malloc has there.
    let first = match common::arch() {
        "aarch64" => "GLIBC_2.17",
        _ => "GLIBC_2.2.5",
    };
    assert!(
        needs.contains(first),
        "no glibc version needs read: {needs:?}"
    );
    assert!(
        syms.iter().any(|(n, v, _)| n == "malloc" && v == first),
        "{syms:?}"
    );
    let bad = too_new(&needs, &syms);
    assert!(bad.is_empty(), "{}: {bad:?}", so.display());

    // What a plain `cargo build` against glibc 2.36 needs: the check catches it.
    let natively: BTreeSet<String> = ["GLIBC_2.2.5", "GLIBC_2.34"].map(String::from).into();
    let syms = vec![("dlsym".to_string(), "GLIBC_2.34".to_string(), false)];
    assert_eq!(
        too_new(&natively, &syms),
        ["needs GLIBC_2.34", "dlsym@GLIBC_2.34"]
    );
    let weak = vec![("copy_file_range".to_string(), String::new(), true)];
    assert_eq!(too_new(&BTreeSet::new(), &weak).len(), 1);
}
