//! A free-form namespace script for the drop-in and interop tests (tests/dropin.rs,
//! tests/interop.rs), beside the data-driven [`Scenario`](../common) harness: these tests start
//! real DNS servers, enter a chroot, or run programs that are not the C probes, so they need
//! their own shell lines.
//!
//! [`Ns`] collects shell lines and program runs; [`Ns::exec`] runs them as one script inside a
//! private network + mount namespace (`unshare`, as tests/common/scenario.rs does): loopback up,
//! `resolv.conf`/`hosts` from the script's directory bind-mounted over `/etc`, every run's
//! stdout, stderr and exit status captured, every background server killed at the end.
//! Traffic stays on the namespace's loopback interface. The namespace, its set-up and the
//! command lines are tests/common/namespace.rs's.
#![allow(dead_code)]

use crate::common::{
    command_line, in_namespace, ip_binary, q, read_output, root, shim_library, temp_dir, Libc,
};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// What one run did.
#[derive(Clone, Debug)]
pub struct Run {
    pub label: String,
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

impl Run {
    /// Everything, for assertion messages.
    pub fn dump(&self) -> String {
        format!(
            "--- {} (exit {})\n--- stdout:\n{}--- stderr:\n{}",
            self.label,
            self.status,
            truncate(&self.stdout),
            truncate(&self.stderr)
        )
    }

    /// First line of stdout.
    pub fn head(&self) -> &str {
        self.stdout.lines().next().unwrap_or("")
    }

    /// Addresses of a probe's `gai` output (4th field of every line after the status line).
    pub fn gai_addrs(&self) -> Vec<String> {
        self.stdout
            .lines()
            .skip(1)
            .filter_map(|l| l.split(' ').nth(3).map(str::to_string))
            .collect()
    }

    /// `dnsshim:` trace lines on stderr (DNSSHIM_LOG=1).
    pub fn trace(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("dnsshim:"))
            .collect()
    }
}

fn truncate(s: &str) -> String {
    const MAX: usize = 6000;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut cut = MAX;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n[... {} more bytes]\n", &s[..cut], s.len() - cut)
}

/// One namespace script under construction.
pub struct Ns {
    dir: PathBuf,
    body: String,
    labels: Vec<String>,
    keep: bool,
}

impl Ns {
    /// A fresh temporary directory with a default `resolv.conf` (127.0.0.1), `hosts` and
    /// `nsswitch.conf` (`hosts: files dns`, for the glibc programs).
    pub fn new(tag: &str) -> Ns {
        let dir = temp_dir(tag);
        let ns = Ns {
            dir,
            body: String::new(),
            labels: Vec::new(),
            keep: std::env::var_os("DNSSHIM_TEST_KEEP").is_some(),
        };
        ns.file(
            "resolv.conf",
            "nameserver 127.0.0.1\noptions timeout:2 attempts:2\n",
        );
        ns.file("hosts", "127.0.0.1\tlocalhost\n");
        ns.file("nsswitch.conf", "hosts: files dns\n");
        ns
    }

    /// [`Ns::new`] for runs as another user of setuid-root programs kept in the directory:
    /// checks that the test runs as root and that the directory is not on a `nosuid` file
    /// system, and makes it and its files readable by everyone.
    pub fn for_setuid(tag: &str, why: &str) -> Ns {
        use std::os::unix::fs::PermissionsExt;
        let uid = host("id", &["-u"]);
        assert_eq!(uid.trim(), "0", "this test needs root ({why})");
        let ns = Ns::new(tag);
        let d = ns.dir();
        let mode =
            |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
        mode(d, 0o755);
        let dir = d.to_str().expect("UTF-8 paths");
        let opts = host("findmnt", &["-no", "OPTIONS", "-T", dir]);
        assert!(
            !opts.split(',').any(|o| o.trim() == "nosuid"),
            "{dir} is on a nosuid filesystem ({}): point TMPDIR elsewhere",
            opts.trim()
        );
        for f in ["resolv.conf", "hosts", "nsswitch.conf"] {
            mode(&d.join(f), 0o644);
        }
        ns
    }

    /// The script's directory (`$D` inside the script).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `name` (relative to the directory) and returns its path.
    pub fn file(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.dir.join(name);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&p, contents).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        p
    }

    /// Appends shell text (one or more lines) to the script. `$D` is the directory, `fail MSG`
    /// ends the script with status 90, `bg NAME CMD...` starts a background server whose
    /// stdout+stderr go to `$D/NAME.log` and which is killed at the end.
    pub fn sh(&mut self, text: &str) -> &mut Ns {
        self.body.push_str(text);
        if !text.ends_with('\n') {
            self.body.push('\n');
        }
        self
    }

    /// Starts dnsshim-testsrv with `config` on 127.0.0.1:53 and waits until it is ready.
    pub fn testsrv(&mut self, config: &str) -> &mut Ns {
        self.file("testsrv.conf", config);
        let srv = q(testsrv().to_str().unwrap());
        self.sh(&format!(
            "bg testsrv {srv} --config \"$D/testsrv.conf\" --listen 127.0.0.1:53 --ready-file \"$D/testsrv.ready\"\n\
             i=0; until [ -s \"$D/testsrv.ready\" ]; do i=$((i+1)); [ $i -lt 1000 ] || fail 'test server not ready after 10 s'; sleep 0.01; done"
        ))
    }

    /// Runs `argv` with exactly the environment `env` (plus a PATH), stdin from /dev/null;
    /// returns the index of its [`Run`] in [`Ns::exec`]'s result.
    pub fn run(&mut self, label: &str, env: &[(&str, &str)], argv: &[&str]) -> usize {
        let n = self.labels.len();
        self.labels.push(label.to_string());
        let cmd = command_line(env.iter().copied(), argv.iter().copied());
        let _ = writeln!(self.body, "run {n} {cmd}");
        n
    }

    /// Runs the script in a fresh namespace; the runs in order. Panics (failing the test) when
    /// the namespace cannot be created or the script itself fails (`fail`, a dead server).
    pub fn exec(self) -> Vec<Run> {
        let mut s = String::new();
        let _ = writeln!(s, "D={}", q(self.dir.to_str().expect("UTF-8 paths")));
        let _ = writeln!(s, "IP={}", q(&ip_binary()));
        s.push_str(PREAMBLE);
        s.push_str(crate::common::SETUP);
        s.push_str(RUN);
        s.push_str(&self.body);
        s.push_str("echo '=== done'\n");
        let script = self.dir.join("run.sh");
        fs::write(&script, &s).unwrap();

        let out = in_namespace("bash", &script);
        let logs = || {
            let mut l = String::new();
            if let Ok(rd) = fs::read_dir(&self.dir) {
                let mut names: Vec<_> = rd.flatten().map(|e| e.path()).collect();
                names.sort();
                for p in names
                    .iter()
                    .filter(|p| p.extension().is_some_and(|x| x == "log"))
                {
                    let text = fs::read_to_string(p).unwrap_or_default();
                    let tail: Vec<&str> = text.lines().rev().take(30).collect();
                    let tail: Vec<&str> = tail.into_iter().rev().collect();
                    let _ = writeln!(
                        l,
                        "--- {} (last 30 lines):\n{}",
                        p.display(),
                        tail.join("\n")
                    );
                }
            }
            format!(
                "script {}\nexit: {}\nstdout:\n{}\nstderr:\n{}\n{l}",
                script.display(),
                out.status,
                truncate(&String::from_utf8_lossy(&out.stdout)),
                truncate(&String::from_utf8_lossy(&out.stderr)),
            )
        };
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("=== done"),
            "namespace script failed:\n{}",
            logs()
        );
        let read = |name: String| read_output(&self.dir, &name, logs);
        let runs = self
            .labels
            .iter()
            .enumerate()
            .map(|(i, label)| Run {
                label: label.clone(),
                stdout: read(format!("{i}.out")),
                stderr: read(format!("{i}.err")),
                status: read(format!("{i}.rc")).trim().parse().unwrap(),
            })
            .collect();
        if !self.keep {
            let _ = fs::remove_dir_all(&self.dir);
        }
        runs
    }
}

/// The script's start, before tests/common's namespace set-up. Variables: D, IP.
const PREAMBLE: &str = r#"set -u
fail() { echo "nsrun: $*" >&2; exit 90; }
BG=
cleanup() { # TERM every background server, KILL what is left after 5 s
  [ -n "$BG" ] || return 0
  kill $BG 2>/dev/null
  for _ in $(seq 100); do
    alive=; for p in $BG; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ -n "$alive" ] || return 0
    sleep 0.05
  done
  kill -9 $BG 2>/dev/null
}
trap cleanup EXIT
bg() { # NAME CMD...: a background server, killed at exit
  name=$1; shift
  "$@" >"$D/$name.log" 2>&1 </dev/null &
  BG="$BG $!"
}
"#;

/// After the set-up: the `run` function. Variables: D.
const RUN: &str = r#"# run N COMMAND...: N.out, N.err, N.rc in $D.
run() {
  n=$1; shift
  "$@" >"$D/$n.out" 2>"$D/$n.err" </dev/null
  echo $? >"$D/$n.rc"
}
"#;

/// dnsshim-testsrv: DNSSHIM_TESTSRV, else target/release (what `make test` builds).
pub fn testsrv() -> PathBuf {
    let p = std::env::var_os("DNSSHIM_TESTSRV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/release/dnsshim-testsrv"));
    assert!(
        p.is_file(),
        "{} not found: run `make test` (or set DNSSHIM_TESTSRV)",
        p.display()
    );
    p
}

/// Runs a host command (outside any namespace); panics with its output unless it succeeds.
pub fn host(cmd: &str, args: &[&str]) -> String {
    host_env(cmd, args, &[])
}

pub fn host_env(cmd: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"));
    assert!(
        out.status.success(),
        "`{cmd} {}` failed ({}):\n{}{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `readelf -d` entries of one kind (`NEEDED`, `SONAME`), the bracketed values.
pub fn dynamic(file: &Path, kind: &str) -> Vec<String> {
    let tag = format!("({kind})");
    host("readelf", &["-d", file.to_str().unwrap()])
        .lines()
        .filter(|l| l.contains(&tag))
        .filter_map(|l| {
            let a = l.find('[')?;
            let b = l.rfind(']')?;
            Some(l[a + 1..b].to_string())
        })
        .collect()
}

/// The program interpreter (PT_INTERP) of an ELF executable.
pub fn interpreter(file: &Path) -> String {
    host("readelf", &["-l", file.to_str().unwrap()])
        .lines()
        .find_map(|l| {
            let rest = l.split("Requesting program interpreter: ").nth(1)?;
            Some(rest.trim_end_matches(']').to_string())
        })
        .unwrap_or_else(|| panic!("{} has no program interpreter", file.display()))
}

/// `make -s -C <repo> ARGS`, with the test's builds of both libraries and their architecture
/// (nothing is rebuilt).
pub fn make(args: &[&str]) -> Output {
    let musl = shim_library(Libc::Musl);
    let glibc = shim_library(Libc::Glibc);
    Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(root())
        .args(args)
        .arg(format!("ARCH={}", crate::common::arch()))
        .arg(format!("MUSL_SO={}", musl.display()))
        .arg(format!("GLIBC_SO={}", glibc.display()))
        // Not the outer `make test`'s jobserver.
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .output()
        .unwrap_or_else(|e| panic!("cannot run make: {e}"))
}

/// [`make`], which must succeed; its output.
pub fn make_ok(args: &[&str]) -> Output {
    let out = make(args);
    assert!(
        out.status.success(),
        "make {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every entry under `dir`, relative: files, symlinks as `NAME -> TARGET`, and with `dirs`
/// directories as `NAME/`.
pub fn tree(dir: &Path, dirs: bool) -> BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, dirs: bool, out: &mut BTreeSet<String>) {
        for e in fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let meta = fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            if meta.file_type().is_symlink() {
                let t = fs::read_link(&p).unwrap();
                out.insert(format!("{rel} -> {}", t.display()));
            } else if meta.is_dir() {
                if dirs {
                    out.insert(format!("{rel}/"));
                }
                walk(base, &p, dirs, out);
            } else {
                out.insert(rel);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, dirs, &mut out);
    out
}

/// `argv` run as `nobody` (uid and gid 65534, no groups) with `LD_PRELOAD=preload` and the
/// shim's trace on: a setuid program started so runs in secure mode.
pub fn as_nobody(preload: &str, argv: &[&str]) -> Vec<String> {
    let head = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "env",
    ];
    let mut v: Vec<String> = head.iter().map(|s| s.to_string()).collect();
    v.push(format!("LD_PRELOAD={preload}"));
    v.push("DNSSHIM_LOG=1".into());
    v.extend(argv.iter().map(|s| s.to_string()));
    v
}
