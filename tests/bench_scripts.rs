//! The shell half of `make bench` (benches/*.sh) under the awks a machine may have: every
//! number the scripts compute is printed as an integer or a fixed-point decimal, also above
//! 2^31 and 2^32 where mawk's `print` switches to exponent form; a measurement that failed is
//! a missing figure with its reason in the report, and the report still completes.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{root, run_cc, temp_dir};

/// The awks to run the helpers under: mawk (Debian's default, the one that prints large numbers
/// as 2.15419e+09; `make test` installs it when missing) always, gawk and busybox awk as well
/// when the machine has them. Each as a directory holding an `awk` link, put first on PATH.
fn awks(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for (name, path) in [
        ("mawk", "/usr/bin/mawk"),
        ("gawk", "/usr/bin/gawk"),
        ("original-awk", "/usr/bin/original-awk"),
    ] {
        if name != "mawk" && !Path::new(path).exists() {
            continue;
        }
        assert!(
            Path::new(path).exists(),
            "{path} is missing: install mawk (make test does)"
        );
        let bin = dir.join(name);
        let path = fs::canonicalize(path).unwrap();
        fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(&path, bin.join("awk")).unwrap();
        out.push((name.to_string(), bin));
    }
    out
}

/// Runs `script` in bash with `awk_dir` first on PATH; stdout, panicking on failure.
fn bash(awk_dir: &Path, script: &str, envs: &[(&str, &Path)]) -> (String, String) {
    let path = format!(
        "{}:{}",
        awk_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(script).env("PATH", path);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("bash");
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(o.status.success(), "{script}\nfailed:\n{out}\n{err}");
    (out, err)
}

#[test]
fn number_helpers_print_plain_numbers_above_2_pow_32() {
    let dir = temp_dir("bench-awk");
    let lib = root().join("benches/lib.sh");
    for (name, bin) in awks(&dir) {
        // The awk the helpers call is the one named.
        let (v, _) = bash(&bin, "readlink -f \"$(command -v awk)\"", &[]);
        assert!(v.trim().ends_with(&name), "{name}: PATH's awk is {v:?}");
        let script = format!(
            r#"set -euo pipefail
. {lib}
# A schedstat sum as server_cpu_ns makes it: three threads, 6.5 * 10^9 ns in all.
printf '3000000000 12 34\n2500000000 5 6\n1000000000 1 1\n' | sum_col
printf '1 5000000000\n2 4294967296\n' | sum_col 2
sub_int 6500000000 2154190000
sub_int 2154190000 6500000000
div_int 87000000000 20
us 6500000000
us 44123
ratio 6500000000 3250000000
ratio 17 6
le 2.00 2.0
le 4294967297 4294967296
printf '5000000000\n4294967296\n3000000000.5\n' | median
# Missing figures: no number, and nothing fails under set -e.
x=$(sub_int "" 5); echo "[$x]"
x=$(div_int 5 0); echo "[$x]"
us ""
ratio "" 3
ratio 3 0
le "" 1
printf '' | sum_col; echo "[end]"
"#,
            lib = lib.display()
        );
        let (out, err) = bash(&bin, &script, &[]);
        let want = "6500000000\n9294967296\n4345810000\n-4345810000\n4350000000\n6500000\n\
                    44.1\n2.00\n2.83\nmet\n**missed**\n4294967296\n[]\n[]\n-\n-\n-\n\
                    not measured\n[end]\n";
        assert_eq!(out, want, "under {name}; stderr:\n{err}");
        assert!(!out.contains("e+"), "exponent form under {name}:\n{out}");
    }
}

/// A raw-sample directory as measure.sh leaves it, with large CPU sums and two failed
/// measurements: the report completes, marks each missing figure with its reason, and prints
/// no number in exponent form.
#[test]
fn report_names_missing_figures_and_completes() {
    let dir = temp_dir("bench-report");
    let w = dir.join("w");
    let r = w.join("raw");
    fs::create_dir_all(&r).unwrap();
    let bench = w.join("bench-glibc");
    run_cc(
        "gcc",
        &[
            "-O2".as_ref(),
            "-pthread".as_ref(),
            "-o".as_ref(),
            bench.as_os_str(),
            root().join("benches/bench.c").as_os_str(),
        ],
    );
    let put = |name: &str, text: &str| fs::write(r.join(name), text).unwrap();
    let lat: String = (0..200).map(|i| format!("{}\n", 40_000 + i * 10)).collect();
    let large: String = (0..200).map(|i| format!("{}\n", 90_000 + i * 10)).collect();
    for srv in ["testsrv", "testsrv-edns0", "bind", "bind-edns0"] {
        for c in ["musl", "musl+shim", "glibc", "glibc+shim"] {
            for (k, data, res) in [("small", &lat, "2"), ("large", &large, "60")] {
                if srv == "bind" && k == "large" && c == "glibc+shim" {
                    continue; // failed, below
                }
                put(&format!("lat.{srv}.{k}.{c}"), data);
                put(&format!("lat.{srv}.{k}.{c}.result"), &format!("{res}\n"));
                put(&format!("cpu.{srv}.{k}.{c}.client"), "4300000000 250\n");
                // Server CPU over a long run: far above 2^32 ns.
                put(&format!("cpu.{srv}.{k}.{c}.server"), "6442450944 255\n");
            }
        }
    }
    for c in ["musl", "musl+shim", "glibc", "glibc+shim"] {
        put(&format!("lat.local.hosts.{c}"), &lat);
        put(&format!("lat.local.hosts.{c}.result"), "1\n");
        put(&format!("lat.local.numeric.{c}"), &lat);
        put(&format!("lat.local.numeric.{c}.result"), "1\n");
        for srv in ["testsrv", "bind"] {
            for k in ["small", "large"] {
                for t in [1, 2, 8, 32] {
                    let f = format!("tput.{srv}.{k}.{t}.{c}");
                    put(
                        &f,
                        "90000 0 300000000 4800000000\n91000 0 300000000 4900000000\n",
                    );
                    put(&format!("{f}.srvcpu"), "30\n31\n");
                }
            }
        }
        for k in ["small", "large", "hosts", "numeric"] {
            if k == "large" && c == "musl+shim" {
                continue; // failed, below
            }
            put(&format!("cg.{k}.{c}"), "18300\n");
        }
    }
    // The Kubernetes table: 4.5 ms per external-name lookup for musl, 1.2 ms with the
    // parallel search, 20 µs from the cache; the short name with glibc failed.
    let k8s = |ns: u64| -> String { (0..50).map(|i| format!("{}\n", ns + i)).collect() };
    for (k, c, ns, q, res) in [
        ("external", "musl", 4_500_000, "328 41", "2"),
        ("external", "glibc", 4_600_000, "328 41", "2"),
        ("external", "shim", 4_400_000, "328 41", "2"),
        ("external", "shim-parallel", 1_200_000, "328 41", "2"),
        ("external", "shim-cache-first", 4_450_000, "80 10", "2"),
        ("external", "shim-cache", 20_000, "8 41", "2"),
        ("external", "shim-both-first", 1_250_000, "80 10", "2"),
        ("short", "musl", 1_100_000, "82 41", "1"),
        ("short", "shim", 1_050_000, "82 41", "1"),
    ] {
        put(&format!("k8s.lat.{k}.{c}"), &k8s(ns));
        put(&format!("k8s.lat.{k}.{c}.result"), &format!("{res}\n"));
        put(&format!("k8s.q.{k}.{c}"), &format!("{q}\n"));
    }
    put("k8s.lat.short.glibc.failed", "");
    put("lat.bind.large.glibc+shim.failed", "");
    put(
        "missing",
        "lat.bind.large.glibc+shim\texit status 139: Segmentation fault\n\
         cg.large.musl+shim\tcallgrind: exit status 1: valgrind: bad option\n\
         k8s.short.glibc\texit status 1: no DNS\n",
    );
    put("clk_tck", "100\n");
    let spawn: String = (0..100).map(|i| format!("{}\n", 500_000 + i)).collect();
    for v in ["none", "empty", "nopanic", "rust", "shim"] {
        put(&format!("spawn.{v}"), &spawn);
    }
    for (k, v) in [
        ("size.musl", "652416"),
        ("size.glibc", "700000"),
        ("size.empty", "13000"),
        ("size.rust", "300000"),
        ("size.nopanic", "13968"),
        ("relocs.nopanic", "7"),
        ("relocs.musl", "544"),
        ("relocs.glibc", "600"),
        ("relocs-relative.musl", "400"),
        ("relocs-relative.glibc", "450"),
        ("relocs.empty", "5"),
        ("relocs.rust", "300"),
        ("exports.musl", "24"),
        ("exports.glibc", "24"),
        ("size.cli", "2175656"),
        ("size.aarch64-musl", "594984"),
        ("size.aarch64-glibc", "503920"),
        ("size.aarch64-cli", "2036376"),
        ("relocs.aarch64-musl", "531"),
        ("relocs.aarch64-glibc", "515"),
        ("relocs-relative.aarch64-musl", "456"),
        ("relocs-relative.aarch64-glibc", "443"),
        ("exports.aarch64-musl", "24"),
        ("exports.aarch64-glibc", "24"),
    ] {
        put(k, &format!("{v}\n"));
    }
    let script = root().join("benches/report.sh");
    for (name, bin) in awks(&dir.join("awk")) {
        let (out, err) = bash(
            &bin,
            &format!(
                "MACHINE=m DATE=d ELAPSED=1 LOAD_BEFORE=0 LOAD_AFTER=0 MUSL_V=1 GLIBC_V=2 \
                 NAMED_V=3 COMMIT=c RUSTC=r ROUNDS=1 BATCH=200 bash {}",
                script.display()
            ),
            &[("W", &w)],
        );
        assert!(!out.contains("e+"), "exponent form under {name}:\n{out}");
        let row = |needle: &str| -> &str {
            out.lines()
                .find(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("no line with {needle:?} under {name}:\n{out}\n{err}"))
        };
        // The failed latency cell names its reason; the rest of the row is measured.
        let bind_large = row("| BIND | large |");
        assert!(
            bind_large.contains("— (exit status 139: Segmentation fault)"),
            "{bind_large}"
        );
        assert!(bind_large.contains("| 91.0 / "), "{bind_large}");
        // A target that depends on it says it was not measured.
        let target = row("large name (BIND): glibc+shim ÷ glibc");
        assert!(
            target.ends_with("| — (exit status 139: Segmentation fault) | ≤ 1.00 | not measured |"),
            "{target}"
        );
        assert!(
            row("large name (BIND): musl+shim ÷ glibc").ends_with("| 1.00 | ≤ 1.00 | met |"),
            "{out}"
        );
        // The callgrind cell: the reason; the others are numbers.
        let cg = row("| large | 18300");
        assert!(
            cg.contains("— (callgrind: exit status 1: valgrind: bad option)"),
            "{cg}"
        );
        // Large sums come out as plain fixed-point figures: 6442450944 ns / 255 calls.
        assert!(out.contains("| 17200.0 / 25264.5 |"), "{out}");
        // The targets of instructions, the TCP fallback and process start.
        assert!(
            row("instructions per small-name lookup: musl+shim ÷ musl")
                .ends_with("| 18300 ÷ 18300 = 1.00 | ≤ 1.00 | met |"),
            "{out}"
        );
        assert!(
            row("large name, TC then TCP (test server): musl+shim large ÷ small")
                .ends_with("| 2.22 | ≤ 2.00 | **missed** |"),
            "{out}"
        );
        assert!(
            row("cost added by the shim − by the minimal Rust cdylib")
                .ends_with("| 0.0 µs − 0.0 µs = 0.0 µs | ≤ 2.0 µs | met |"),
            "{out}"
        );
        assert!(
            row("panic-free Rust cdylib").contains("13968 bytes stripped, 7 relocations"),
            "{out}"
        );
        // The size table: both builds and the command for each architecture given.
        let size_row = |build: &str| {
            out.lines()
                .find(|l| l.starts_with(&format!("| {build} |")))
                .unwrap_or_else(|| panic!("no size row {build:?} under {name}:\n{out}"))
        };
        assert_eq!(size_row("musl"), "| musl | 652416 | 544 (400) | 24 |");
        assert_eq!(
            size_row("aarch64 musl"),
            "| aarch64 musl | 594984 | 531 (456) | 24 |"
        );
        assert_eq!(
            size_row("aarch64 glibc"),
            "| aarch64 glibc | 503920 | 515 (443) | 24 |"
        );
        assert!(row("| `dnsshim` command").contains("| 2175656 |"), "{out}");
        assert!(
            row("| aarch64 `dnsshim` command").contains("| 2036376 |"),
            "{out}"
        );
        // The throughput table is complete.
        assert!(row("| BIND | large | 32 |").contains("| 300000 |"), "{out}");
        assert!(out.contains("## Instructions per lookup"), "{out}");
        // The Kubernetes table: times, queries per lookup (those after a process's first for
        // the repeated lookups: (8 - 8) / 40), a failed cell, the rows not measured at all.
        assert_eq!(
            row("| musl + shim, parallel search |"),
            "| musl + shim, parallel search | 1200 / 1200 | 8.0 | — (not measured) | - |"
        );
        assert_eq!(
            row("| musl + shim, cache: repeated lookup |"),
            "| musl + shim, cache: repeated lookup | 20.0 / 20.0 | 0.0 | — (not measured) | - |"
        );
        assert!(
            row("| glibc alone |").ends_with("| — (exit status 1: no DNS) | - |"),
            "{out}"
        );
        assert!(
            row("shim + parallel search ÷ musl").ends_with("| 0.27 | ≤ 0.35 | met |"),
            "{out}"
        );
        assert!(
            row("musl ÷ shim + cache, repeated").ends_with("| 224.73 | ≥ 100 | met |"),
            "{out}"
        );
        assert!(
            row("short name: shim (default) ÷ musl").ends_with("| 0.95 | ≤ 1.00 | met |"),
            "{out}"
        );
    }
}
