//! Drop it in: `make install`/`uninstall`, link-time interposition through
//! pkg-config with no LD_PRELOAD, the Alpine/Kubernetes examples' files, a minimal musl root
//! filesystem entered with chroot(2), and the limits docs/deployment.md states (static
//! programs, setuid programs, the musl build preloaded into a glibc program) shown to be real.
//!
//! Namespace scripts: tests/nsrun/mod.rs. Probes: tests/c/probe.c (via tests/common).

mod common;
mod nsrun;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{probe_binary, root, shim_library, temp_dir, v4_range, Libc};
use nsrun::{dynamic, host, host_env, interpreter, make, make_ok, tree, Ns, Run};

/// 60 A records (986 bytes) behind a server that truncates like CoreDNS: TC=1, no records.
const BIG_COREDNS: &str = "big.test. A 10.0.0.1..60\nudp truncate-empty\nudp-size 512\n";
const BIG: [&str; 4] = ["gai", "big.test", "--socktype", "stream"];

fn big_set() -> BTreeSet<String> {
    v4_range("10.0.0.1", 60)
}

/// A probe run that printed `gai OK` and exactly the 60 addresses, once each.
fn assert_big(r: &Run) {
    assert_eq!((r.head(), r.status), ("gai OK", 0), "{}", r.dump());
    let addrs = r.gai_addrs();
    let set: BTreeSet<String> = addrs.iter().cloned().collect();
    assert_eq!(addrs.len(), 60, "{}", r.dump());
    assert_eq!(set, big_set(), "{}", r.dump());
}

/// What musl 1.2.3 alone does with the CoreDNS-style answer: an EAI_ error, no address.
fn assert_musl_fails(r: &Run) {
    assert!(r.head().starts_with("gai EAI_"), "{}", r.dump());
    assert_ne!(r.status, 0, "{}", r.dump());
    assert!(r.gai_addrs().is_empty(), "{}", r.dump());
}

/// The shim's trace shows the UDP answer with TC and the TCP retry.
fn assert_traced_tcp_retry(r: &Run) {
    let t = r.trace();
    assert!(
        t.iter()
            .any(|l| l.contains("big.test A") && l.contains(" udp ") && l.contains("tc=1")),
        "no udp tc=1 trace line\n{}",
        r.dump()
    );
    assert!(
        t.iter()
            .any(|l| l.contains("big.test A") && l.contains(" tcp ") && l.contains("answers=60")),
        "no tcp trace line with 60 answers\n{}",
        r.dump()
    );
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 paths")
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// The C library the test process itself runs on: what `make install` should pick by default.
fn host_libc() -> &'static str {
    if cfg!(target_env = "musl") {
        "musl"
    } else {
        "glibc"
    }
}

/// Install and link: files, SONAME, symlink, pkg-config data, LIBC choice, and an
/// uninstall that removes exactly what install put there.
#[test]
fn make_install_and_uninstall() {
    let base = temp_dir("install");
    for (libc_arg, libc) in [(Some("musl"), "musl"), (None, host_libc())] {
        let dest = base.join(format!("dest-{libc}-{}", libc_arg.is_some()));
        let prefix = dest.join("usr/local");
        // Someone else's files in the same directories must survive uninstall.
        fs::create_dir_all(prefix.join("lib/pkgconfig")).unwrap();
        fs::create_dir_all(prefix.join("include")).unwrap();
        fs::write(prefix.join("lib/libother.so.1"), "x").unwrap();
        fs::write(prefix.join("lib/pkgconfig/other.pc"), "x").unwrap();
        fs::write(prefix.join("include/other.h"), "x").unwrap();
        let theirs = tree(&dest, false);

        let destdir = format!("DESTDIR={}", dest.display());
        let mut args = vec!["install", "PREFIX=/usr/local", destdir.as_str()];
        let libc_var = libc_arg.map(|l| format!("LIBC={l}"));
        if let Some(l) = &libc_var {
            args.push(l);
        }
        make_ok(&args);

        let mut want = theirs.clone();
        want.extend(set(&[
            "usr/local/lib/libdnsshim.so.0",
            "usr/local/lib/libdnsshim.so -> libdnsshim.so.0",
            "usr/local/include/dnsshim.h",
            "usr/local/lib/pkgconfig/dnsshim.pc",
        ]));
        assert_eq!(tree(&dest, false), want, "installed files ({libc})");

        let so = prefix.join("lib/libdnsshim.so.0");
        assert_eq!(
            dynamic(&so, "SONAME"),
            ["libdnsshim.so.0"],
            "{}",
            so.display()
        );
        let built = shim_library(if libc == "musl" {
            Libc::Musl
        } else {
            Libc::Glibc
        });
        assert!(
            fs::read(&so).unwrap() == fs::read(&built).unwrap(),
            "{} is not the {libc} build ({})",
            so.display(),
            built.display()
        );
        assert_eq!(mode(&so), 0o755);
        assert_eq!(mode(&prefix.join("include/dnsshim.h")), 0o644);
        assert_eq!(mode(&prefix.join("lib/pkgconfig/dnsshim.pc")), 0o644);
        assert_eq!(
            fs::read(prefix.join("include/dnsshim.h")).unwrap(),
            fs::read(root().join("include/dnsshim.h")).unwrap()
        );

        // pkg-config sees the installed copy (sysroot = DESTDIR) with the right data.
        let pc_path = prefix.join("lib/pkgconfig");
        let env = [
            ("PKG_CONFIG_PATH", path_str(&pc_path)),
            ("PKG_CONFIG_SYSROOT_DIR", path_str(&dest)),
            ("PKG_CONFIG_LIBDIR", ""),
        ];
        let flags = host_env("pkg-config", &["--cflags", "--libs", "dnsshim"], &env);
        let words: Vec<&str> = flags.split_whitespace().collect();
        let lib_flag = format!("-L{}", prefix.join("lib").display());
        let inc_flag = format!("-I{}", prefix.join("include").display());
        assert_eq!(
            words,
            [inc_flag.as_str(), lib_flag.as_str(), "-ldnsshim"],
            "pkg-config flags"
        );
        let version = host_env("pkg-config", &["--modversion", "dnsshim"], &env);
        assert_eq!(version.trim(), env!("CARGO_PKG_VERSION"));
        let var = host_env("pkg-config", &["--variable=libc", "dnsshim"], &env);
        assert_eq!(var.trim(), libc, "the .pc file names the build");

        let mut args = vec!["uninstall", "PREFIX=/usr/local", destdir.as_str()];
        if let Some(l) = &libc_var {
            args.push(l);
        }
        make_ok(&args);
        assert_eq!(
            tree(&dest, false),
            theirs,
            "uninstall left or removed something"
        );
    }

    // A LIBC that is neither: refused, nothing installed.
    let dest = base.join("dest-bad");
    let destdir = format!("DESTDIR={}", dest.display());
    let out = make(&["install", "LIBC=uclibc", destdir.as_str()]);
    assert!(!out.status.success(), "LIBC=uclibc accepted");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("LIBC must be musl or glibc"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dest.exists() || tree(&dest, false).is_empty());
    let _ = fs::remove_dir_all(&base);
}

/// Installs the `libc` build into `prefix` (no DESTDIR) and returns pkg-config's flags for it.
fn install_into(prefix: &Path, libc: &str) -> Vec<String> {
    let p = format!("PREFIX={}", prefix.display());
    let l = format!("LIBC={libc}");
    make_ok(&["install", p.as_str(), l.as_str()]);
    let pc = prefix.join("lib/pkgconfig");
    host_env(
        "pkg-config",
        &["--cflags", "--libs", "dnsshim"],
        &[
            ("PKG_CONFIG_PATH", path_str(&pc)),
            ("PKG_CONFIG_LIBDIR", ""),
        ],
    )
    .split_whitespace()
    .map(str::to_string)
    .collect()
}

fn compile(cc: &str, out: &Path, src: &Path, extra: &[String]) {
    let mut args = vec![
        "-O1",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-o",
        path_str(out),
        path_str(src),
    ];
    args.extend(extra.iter().map(String::as_str));
    host(cc, &args);
}

/// `cc app.c $(pkg-config --cflags --libs dnsshim)` uses the shim's resolver with
/// no LD_PRELOAD. musl-gcc against an installed copy in a temporary prefix: all 60 addresses
/// of the CoreDNS-truncated name; the same program linked without the shim: nothing. The
/// glibc build linked with gcc is checked the same way (its trace proves the shim answered).
#[test]
fn pkg_config_link_time_interposition() {
    let dir = temp_dir("link");
    let probe_c = root().join("tests/c/probe.c");

    let musl_prefix = dir.join("musl-prefix");
    let musl_flags = install_into(&musl_prefix, "musl");
    assert!(
        musl_flags.contains(&"-ldnsshim".to_string()),
        "{musl_flags:?}"
    );
    let linked = dir.join("app-linked");
    let plain = dir.join("app-plain");
    compile("musl-gcc", &linked, &probe_c, &musl_flags);
    compile("musl-gcc", &plain, &probe_c, &[]);
    // The shim comes before the C library in the search order: its definitions win.
    assert_eq!(dynamic(&linked, "NEEDED"), ["libdnsshim.so.0", "libc.so"]);
    assert_eq!(dynamic(&plain, "NEEDED"), ["libc.so"]);

    let glibc_prefix = dir.join("glibc-prefix");
    let glibc_flags = install_into(&glibc_prefix, "glibc");
    let glinked = dir.join("app-glibc-linked");
    compile("gcc", &glinked, &probe_c, &glibc_flags);
    assert_eq!(dynamic(&glinked, "NEEDED")[0], "libdnsshim.so.0");

    // The Cflags half: <dnsshim.h> from the prefix, and the library's own additions.
    let version_c = dir.join("version.c");
    fs::write(
        &version_c,
        "#include <stdio.h>\n#include <dnsshim.h>\n\
         int main(void) { printf(\"%s %s\\n\", dnsshim_version(), dnsshim_libc()); return 0; }\n",
    )
    .unwrap();
    for (cc, flags, prefix, libc) in [
        ("musl-gcc", &musl_flags, &musl_prefix, "musl"),
        ("gcc", &glibc_flags, &glibc_prefix, "glibc"),
    ] {
        let exe = dir.join(format!("version-{libc}"));
        compile(cc, &exe, &version_c, flags);
        let libdir = prefix.join("lib");
        let out = host_env(
            path_str(&exe),
            &[],
            &[("LD_LIBRARY_PATH", path_str(&libdir))],
        );
        assert_eq!(out.trim(), format!("{} {libc}", env!("CARGO_PKG_VERSION")));
    }

    let musl_lib = musl_prefix.join("lib");
    let glibc_lib = glibc_prefix.join("lib");
    let mut ns = Ns::new("link");
    ns.testsrv(BIG_COREDNS);
    let with_args = |bin: &Path| {
        let mut v = vec![path_str(bin).to_string()];
        v.extend(BIG.iter().map(|s| s.to_string()));
        v
    };
    let linked_argv = with_args(&linked);
    let plain_argv = with_args(&plain);
    let glinked_argv = with_args(&glinked);
    let r_linked = ns.run(
        "musl, linked with -ldnsshim",
        &[
            ("LD_LIBRARY_PATH", path_str(&musl_lib)),
            ("DNSSHIM_LOG", "1"),
        ],
        &strs(&linked_argv),
    );
    let r_plain = ns.run(
        "musl, same program without the shim",
        &[("LD_LIBRARY_PATH", path_str(&musl_lib))],
        &strs(&plain_argv),
    );
    let r_nopath = ns.run(
        "musl, linked, library not on the search path",
        &[],
        &strs(&linked_argv),
    );
    let r_glinked = ns.run(
        "glibc, linked with -ldnsshim",
        &[
            ("LD_LIBRARY_PATH", path_str(&glibc_lib)),
            ("DNSSHIM_LOG", "1"),
        ],
        &strs(&glinked_argv),
    );
    let runs = ns.exec();

    assert_big(&runs[r_linked]);
    assert_traced_tcp_retry(&runs[r_linked]);
    assert_musl_fails(&runs[r_plain]);
    assert!(runs[r_plain].trace().is_empty(), "{}", runs[r_plain].dump());
    // It really is the installed copy that answered: without it the program does not start.
    let r = &runs[r_nopath];
    assert_eq!(r.status, 127, "{}", r.dump());
    assert!(r.stderr.contains("libdnsshim.so.0"), "{}", r.dump());
    assert_big(&runs[r_glinked]);
    assert_traced_tcp_retry(&runs[r_glinked]);
    let _ = fs::remove_dir_all(&dir);
}

/// tests/c/chroot_exec.c, built with gcc.
fn chroot_exec() -> PathBuf {
    let out = root().join("target/probes/chroot_exec");
    fs::create_dir_all(out.parent().unwrap()).unwrap();
    let tmp = out.with_extension(format!("tmp{}", std::process::id()));
    compile("gcc", &tmp, &root().join("tests/c/chroot_exec.c"), &[]);
    fs::rename(&tmp, &out).unwrap();
    out
}

/// Alpine images and pods: the container's view with nothing from the host. A root
/// filesystem holding only musl's loader (= its libc.so), libdnsshim.so, a musl-built probe
/// and /etc files, entered with chroot(2) inside the namespace (the test server runs outside
/// the chroot, in the same network namespace): the shim loads and returns all 60 addresses;
/// without it the same program in the same root gets nothing.
#[test]
fn minimal_rootfs_chroot() {
    let probe = probe_binary(Libc::Musl);
    let shim = shim_library(Libc::Musl);
    // What the musl loader and the shim need: PT_INTERP, and NEEDED libc.so (the loader
    // answers for libc.so itself), nothing else.
    let interp = interpreter(&probe);
    assert_eq!(interp, "/lib/ld-musl-x86_64.so.1", "musl-gcc's loader path");
    assert_eq!(dynamic(&shim, "NEEDED"), ["libc.so"]);
    assert_eq!(dynamic(&probe, "NEEDED"), ["libc.so"]);
    let musl_libc = fs::canonicalize(&interp).unwrap_or_else(|e| panic!("{interp}: {e}"));

    let ns = Ns::new("rootfs");
    let rootfs = ns.dir().join("rootfs");
    for d in ["lib", "etc"] {
        fs::create_dir_all(rootfs.join(d)).unwrap();
    }
    let copy = |from: &Path, to: &str, mode: u32| {
        let dest = rootfs.join(to.trim_start_matches('/'));
        fs::copy(from, &dest)
            .unwrap_or_else(|e| panic!("{} -> {}: {e}", from.display(), dest.display()));
        fs::set_permissions(&dest, fs::Permissions::from_mode(mode)).unwrap();
    };
    copy(&musl_libc, &interp, 0o755);
    copy(&shim, "/lib/libdnsshim.so", 0o755);
    copy(&probe, "/probe", 0o755);
    fs::write(rootfs.join("etc/resolv.conf"), "nameserver 127.0.0.1\n").unwrap();
    fs::write(
        rootfs.join("etc/hosts"),
        "127.0.0.1 localhost\n10.9.0.1 fromhosts.test\n",
    )
    .unwrap();
    let contents = set(&[
        "lib/ld-musl-x86_64.so.1",
        "lib/libdnsshim.so",
        "probe",
        "etc/resolv.conf",
        "etc/hosts",
    ]);
    assert_eq!(
        tree(&rootfs, false),
        contents,
        "the root filesystem holds only these"
    );
    // Only what is listed: no device nodes, no /proc, no /tmp.
    let dirs: BTreeSet<String> = fs::read_dir(&rootfs)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(dirs, set(&["etc", "lib", "probe"]));

    // chroot(1) is a glibc program on the host: given LD_PRELOAD it would load the musl build
    // itself (see `musl_build_preloaded_into_glibc_program_fails`). chroot_exec does what a
    // container runtime does: chroot(2), then execve with exactly the given environment.
    let launcher = chroot_exec();
    let mut ns = ns;
    ns.testsrv(BIG_COREDNS);
    let root_s = path_str(&rootfs).to_string();
    let l = path_str(&launcher).to_string();
    let cmd = |env: &[&str], args: &[&str]| {
        let mut v = vec![l.clone(), root_s.clone()];
        v.extend(env.iter().map(|s| s.to_string()));
        v.push("--".into());
        v.push("/probe".into());
        v.extend(args.iter().map(|s| s.to_string()));
        v
    };
    let runs_argv = [
        (
            "rootfs, LD_PRELOAD",
            cmd(&["LD_PRELOAD=/lib/libdnsshim.so", "DNSSHIM_LOG=1"], &BIG),
        ),
        ("rootfs, musl alone", cmd(&[], &BIG)),
        (
            "rootfs, LD_PRELOAD, hosts file",
            cmd(
                &["LD_PRELOAD=/lib/libdnsshim.so"],
                &["gai", "fromhosts.test", "--socktype", "stream"],
            ),
        ),
    ];
    let mut idx = Vec::new();
    for (label, argv) in &runs_argv {
        let a: Vec<&str> = argv.iter().map(String::as_str).collect();
        idx.push(ns.run(label, &[], &a));
    }
    let runs = ns.exec();
    assert_big(&runs[idx[0]]);
    assert_traced_tcp_retry(&runs[idx[0]]);
    assert_musl_fails(&runs[idx[1]]);
    let r = &runs[idx[2]];
    assert_eq!(r.head(), "gai OK", "{}", r.dump());
    assert_eq!(
        r.gai_addrs(),
        ["10.9.0.1"],
        "the rootfs's own /etc/hosts\n{}",
        r.dump()
    );
}

/// The examples' files: the Dockerfile's instructions and stages, the Kubernetes YAML's
/// structure and the init-container/LD_PRELOAD wiring (tests/check_examples.py). The checker
/// is also shown to reject broken copies, so a pass means something.
#[test]
fn examples_are_well_formed() {
    let py = python_with_yaml();
    let checker = root().join("tests/check_examples.py");
    let check = |kind: &str, files: &[PathBuf]| -> Output {
        Command::new(&py)
            .arg(&checker)
            .arg(kind)
            .args(files)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {py}: {e}"))
    };
    let ok = |kind: &str, files: &[PathBuf]| {
        let out = check(kind, files);
        assert!(
            out.status.success(),
            "{kind} check failed for {files:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let dockerfile = root().join("examples/alpine/Dockerfile");
    let init_image = root().join("examples/kubernetes/Dockerfile");
    let mut yamls: Vec<PathBuf> = fs::read_dir(root().join("examples/kubernetes"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    yamls.sort();
    assert!(!yamls.is_empty(), "no YAML in examples/kubernetes");
    ok("dockerfile", &[dockerfile.clone(), init_image.clone()]);
    ok("kubernetes", &yamls);

    let text = fs::read_to_string(&dockerfile).unwrap();
    assert!(text.contains("\nFROM alpine:3.17\n"), "runtime stage");
    let init = fs::read_to_string(&init_image).unwrap();
    assert!(
        init.contains("\nFROM scratch\n"),
        "the init image holds the command alone"
    );
    let yaml = fs::read_to_string(root().join("examples/kubernetes/deployment.yaml")).unwrap();
    let policy =
        fs::read_to_string(root().join("examples/kubernetes/namespace-policy.yaml")).unwrap();

    // Broken copies must fail, each for its own reason.
    let dir = temp_dir("examples");
    let broken: Vec<(&str, &str, String, &str)> = vec![
        (
            "dockerfile",
            "Dockerfile",
            text.replacen("\nCOPY ", "\nCOPPY ", 1),
            "unknown instruction",
        ),
        (
            "dockerfile",
            "Dockerfile",
            text.replace(
                "ENV LD_PRELOAD=/usr/lib/libdnsshim.so.0",
                "ENV LD_PRELOAD=/usr/lib/libdnsshim.so",
            ),
            "LD_PRELOAD",
        ),
        (
            "dockerfile",
            "Dockerfile",
            text.replace("FROM alpine:3.17", "FROM alpine:3.19"),
            "alpine:3.17",
        ),
        (
            "dockerfile",
            "Dockerfile",
            text.replace("CMD [\"getent\",", "CMD [\"getent\""),
            "JSON",
        ),
        (
            "kubernetes",
            "k.yaml",
            yaml.replace(
                "value: /opt/dnsshim/$LIB/libdnsshim.so.0",
                "value: /opt/dnsshim/libdnsshim.so.0",
            ),
            "LD_PRELOAD",
        ),
        (
            "kubernetes",
            "k.yaml",
            yaml.replace(
                "\"install\", \"/opt/dnsshim\"]",
                "\"install\", \"/opt/other\"]",
            ),
            "emptyDir",
        ),
        (
            "dockerfile",
            "Dockerfile",
            init.replace("RUN make cli", "RUN make musl"),
            "make cli",
        ),
        (
            "dockerfile",
            "Dockerfile",
            init.replace("ENTRYPOINT [\"/dnsshim\"]", "ENTRYPOINT [\"/bin/dnsshim\"]"),
            "ENTRYPOINT",
        ),
        (
            "kubernetes",
            "p.yaml",
            policy.replace(
                "'/opt/dnsshim/$LIB/libdnsshim.so.0'",
                "'/opt/dnsshim/libdnsshim.so.0'",
            ),
            "LD_PRELOAD",
        ),
        (
            "kubernetes",
            "p.yaml",
            policy.replace("e.name == 'LD_PRELOAD')", "e.name == 'LD_PRELOAD'"),
            "CEL does not parse",
        ),
        (
            "kubernetes",
            "p.yaml",
            policy.replace("policyName: dnsshim", "policyName: dnsshim-v2"),
            "policyName",
        ),
        (
            "kubernetes",
            "k.yaml",
            yaml.replace("emptyDir:", "hostPath:"),
            "emptyDir",
        ),
        (
            "kubernetes",
            "k.yaml",
            yaml.replace("  replicas: 1", "  replicas: [1"),
            "YAML",
        ),
    ];
    for (kind, name, contents, why) in broken {
        assert!(
            contents != text && contents != yaml && contents != init && contents != policy,
            "mutation for {why:?} did not apply: the example changed; update this test"
        );
        let p = dir.join(name);
        fs::write(&p, &contents).unwrap();
        // A policy alone has no pod template: check it beside the (good) Deployment.
        let files = if name == "p.yaml" {
            vec![root().join("examples/kubernetes/deployment.yaml"), p]
        } else {
            vec![p]
        };
        let out = check(kind, &files);
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            !out.status.success() && said.contains(why),
            "a broken {kind} ({why}) was accepted or not reported:\n{said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

/// A python3 that can `import yaml` (`make deps` installs python3-yaml).
fn python_with_yaml() -> String {
    for py in ["/usr/bin/python3", "python3"] {
        if let Ok(o) = Command::new(py).args(["-c", "import yaml"]).output() {
            if o.status.success() {
                return py.to_string();
            }
        }
    }
    panic!("no python3 with the yaml module: run `make deps` (apt-get install python3-yaml)")
}

/// docs/deployment.md, "what cannot work": a statically linked program has no loader, so
/// LD_PRELOAD does nothing; a setuid program started by another user runs in secure mode and
/// musl's loader ignores LD_PRELOAD. The plain dynamic program, as the same user, is fixed.
#[test]
fn static_and_setuid_programs_ignore_ld_preload() {
    let ns = Ns::for_setuid("limits", "a setuid-root copy of the probe, run as nobody");
    let d = ns.dir().to_path_buf();
    let src = root().join("tests/c/probe.c");
    let stat = d.join("probe-static");
    compile("musl-gcc", &stat, &src, &["-static".to_string()]);
    let st = host("readelf", &["-l", path_str(&stat)]);
    assert!(!st.contains("INTERP"), "a static program has no loader");
    let shim = d.join("libdnsshim.so");
    fs::copy(shim_library(Libc::Musl), &shim).unwrap();
    fs::set_permissions(&shim, fs::Permissions::from_mode(0o644)).unwrap();
    let dynp = d.join("probe-dynamic");
    let suid = d.join("probe-setuid");
    for p in [&dynp, &suid] {
        fs::copy(probe_binary(Libc::Musl), p).unwrap();
    }
    fs::set_permissions(&dynp, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&suid, fs::Permissions::from_mode(0o4755)).unwrap();
    assert_eq!(fs::metadata(&suid).unwrap().uid(), 0);
    let mut ns = ns;
    ns.testsrv(BIG_COREDNS);
    let as_nobody = |bin: &Path| {
        let argv: Vec<&str> = std::iter::once(path_str(bin)).chain(BIG).collect();
        nsrun::as_nobody(path_str(&shim), &argv)
    };
    let mut static_argv = vec![path_str(&stat).to_string()];
    static_argv.extend(BIG.iter().map(|s| s.to_string()));
    let plan = [
        (
            "static, LD_PRELOAD",
            vec![("LD_PRELOAD", path_str(&shim)), ("DNSSHIM_LOG", "1")],
            static_argv,
        ),
        ("dynamic as nobody, LD_PRELOAD", vec![], as_nobody(&dynp)),
        (
            "setuid-root as nobody, LD_PRELOAD",
            vec![],
            as_nobody(&suid),
        ),
    ];
    let mut idx = Vec::new();
    for (label, env, argv) in &plan {
        let a: Vec<&str> = argv.iter().map(String::as_str).collect();
        idx.push(ns.run(label, env, &a));
    }
    let runs = ns.exec();
    let (stat_r, dyn_r, suid_r) = (&runs[idx[0]], &runs[idx[1]], &runs[idx[2]]);
    assert_musl_fails(stat_r);
    assert!(stat_r.trace().is_empty(), "{}", stat_r.dump());
    assert_big(dyn_r);
    assert_traced_tcp_retry(dyn_r);
    assert_musl_fails(suid_r);
    assert!(suid_r.trace().is_empty(), "{}", suid_r.dump());
}

/// docs/deployment.md: LD_PRELOAD of the musl build leaking into a glibc program (a glibc
/// sidecar, a debug shell from another image) stops that program from starting at all; the
/// glibc build in a musl program likewise. Nothing here does DNS, so no namespace.
#[test]
fn wrong_build_preloaded_stops_the_program() {
    let cases = [
        (
            probe_binary(Libc::Glibc),
            shim_library(Libc::Musl),
            "error while loading shared libraries",
        ),
        (probe_binary(Libc::Musl), shim_library(Libc::Glibc), "Error"),
    ];
    for (prog, lib, says) in cases {
        let out = Command::new(&prog)
            .args(["gai", "localhost", "--socktype", "stream"])
            .env_clear()
            .env("LD_PRELOAD", &lib)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(127),
            "{} with {} preloaded: {:?}\n{err}",
            prog.display(),
            lib.display(),
            out.status
        );
        assert!(out.stdout.is_empty(), "the program never ran main()");
        assert!(err.contains(says), "{err}");
    }
}
