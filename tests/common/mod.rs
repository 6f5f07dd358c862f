//! Namespace harness for the integration tests.
//!
//! A [`Scenario`] is data: the test server's config, `/etc/resolv.conf`, `/etc/hosts`, and a
//! list of [`Probe`] invocations. [`Scenario::run`] writes them to a temporary directory and
//! runs one shell script inside a private network + mount namespace (`unshare`): loopback up,
//! the files bind-mounted over `/etc`, `dnsshim-testsrv` started on loopback, every probe run,
//! the server killed. Each probe's stdout, stderr, exit status and wall time come back as an
//! [`Outcome`].
//!
//! Environment read here:
//! - `DNSSHIM_TEST_ARCH`: the architecture of the probes and libraries under test (default:
//!   this machine's, `x86_64`). Another one (`aarch64`) is built with that architecture's
//!   cross compilers and every program of it runs under qemu-user ([`emulator`]); the test
//!   server stays native. `make test` runs a slice of the suite so (the Makefile's
//!   `AARCH64_SLICE`, README "Testing").
//! - `DNSSHIM_MUSL_SO`, `DNSSHIM_GLIBC_SO`: the two builds of the library (default: the cargo
//!   target paths for the architecture); a missing one, or one built for another
//!   architecture, fails the test: it is never skipped.
//! - `DNSSHIM_TESTSRV`: the test server binary (default: target/{release,debug}/dnsshim-testsrv).
//! - `DNSSHIM_TEST_KEEP=1`: keep each scenario's temporary directory.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::SystemTime;

/// Which C library the probe was linked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Libc {
    Musl,
    Glibc,
}

/// A probe binary, with or without `LD_PRELOAD` of the matching build of the shim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Variant {
    pub libc: Libc,
    pub shim: bool,
}

pub const MUSL: Variant = Variant {
    libc: Libc::Musl,
    shim: false,
};
pub const MUSL_SHIM: Variant = Variant {
    libc: Libc::Musl,
    shim: true,
};
pub const GLIBC: Variant = Variant {
    libc: Libc::Glibc,
    shim: false,
};
pub const GLIBC_SHIM: Variant = Variant {
    libc: Libc::Glibc,
    shim: true,
};
/// Every combination, in the order tests report them.
pub const ALL: [Variant; 4] = [MUSL, MUSL_SHIM, GLIBC, GLIBC_SHIM];

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let libc = match self.libc {
            Libc::Musl => "musl",
            Libc::Glibc => "glibc",
        };
        write!(f, "{libc}{}", if self.shim { "+shim" } else { "" })
    }
}

/// Which program a probe runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Program {
    /// tests/c/probe.c
    Probe,
    /// examples/lookup.c
    Lookup,
    /// Any program, by path (the `dnsshim` command in tests/cli.rs).
    Command(PathBuf),
}

/// One program invocation inside the scenario's namespace.
#[derive(Clone, Debug)]
pub struct Probe {
    pub variant: Variant,
    pub program: Program,
    pub args: Vec<String>,
    /// Extra environment (the probe otherwise gets only PATH, and LD_PRELOAD for the shim).
    pub env: Vec<(String, String)>,
}

impl Probe {
    pub fn new(variant: Variant, args: &[&str]) -> Probe {
        Probe {
            variant,
            program: Program::Probe,
            args: args.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
        }
    }

    pub fn lookup(variant: Variant, args: &[&str]) -> Probe {
        Probe {
            program: Program::Lookup,
            ..Probe::new(variant, args)
        }
    }

    /// Runs the program at `path` (no LD_PRELOAD: the variant's `shim` is false).
    pub fn command(path: &Path, args: &[&str]) -> Probe {
        Probe {
            program: Program::Command(path.to_path_buf()),
            ..Probe::new(MUSL, args)
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Probe {
        self.env.push((key.into(), value.into()));
        self
    }

    /// How the probe is shown in assertion messages.
    pub fn label(&self) -> String {
        let prog = match self.program {
            Program::Probe => "probe",
            Program::Lookup => "lookup",
            Program::Command(ref p) => p.to_str().unwrap_or("command"),
        };
        let env: String = self.env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
        format!("[{}] {env}{prog} {}", self.variant, self.args.join(" "))
    }
}

/// What one probe did.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub variant: Variant,
    pub label: String,
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
    /// Wall time around the probe process, measured inside the namespace.
    pub elapsed_ms: u64,
    /// What the test servers logged (`--verbose`: one line per query) while this probe ran:
    /// [`Outcome::server_logs`] one after the other.
    pub server_log: String,
    /// What each test server logged while this probe ran, in the order the scenario lists
    /// them (the first server, then [`Scenario::extra_servers`]).
    pub server_logs: Vec<String>,
}

impl Outcome {
    /// First line of stdout (`gai OK`, `gai EAI_NONAME`, `h_errno=...`, `name ...`).
    pub fn head(&self) -> &str {
        self.stdout.lines().next().unwrap_or("")
    }

    /// `gai` result lines after the status line, parsed.
    pub fn gai(&self) -> Vec<GaiLine> {
        assert!(
            self.head().starts_with("gai "),
            "{}: not a gai result:\n{}",
            self.label,
            self.dump()
        );
        self.stdout.lines().skip(1).map(GaiLine::parse).collect()
    }

    /// The set of addresses a `gai` probe printed.
    pub fn gai_addrs(&self) -> BTreeSet<String> {
        self.gai().into_iter().map(|l| l.addr).collect()
    }

    /// Values of `key value` lines (`addr`, `alias`, `name`) of a hostent probe.
    pub fn host_field(&self, key: &str) -> Vec<String> {
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
            .map(str::to_string)
            .collect()
    }

    /// Everything, for assertion messages.
    pub fn dump(&self) -> String {
        format!(
            "--- {} (exit {}, {} ms)\n--- stdout:\n{}--- stderr:\n{}--- server log:\n{}",
            self.label, self.status, self.elapsed_ms, self.stdout, self.stderr, self.server_log
        )
    }

    /// How many times each question (name in lower case without the final dot, type) reached
    /// the test servers while this probe ran, over UDP or TCP (answered or not).
    pub fn asked(&self) -> std::collections::BTreeMap<(String, String), usize> {
        let mut m = std::collections::BTreeMap::new();
        for l in self.server_log.lines() {
            let Some(rest) = l.strip_prefix("dnsshim-testsrv: ") else {
                continue;
            };
            let w: Vec<&str> = rest.split_whitespace().collect();
            if w.len() < 4 || !(w[0] == "udp" || w[0] == "tcp") {
                continue;
            }
            let name = w[2].trim_end_matches('.').to_ascii_lowercase();
            let qtype = w[3].trim_end_matches(':').to_string();
            *m.entry((name, qtype)).or_insert(0) += 1;
        }
        m
    }

    /// How many times `name` (lower case, no final dot) and `qtype` reached the test servers
    /// while this probe ran ([`Outcome::asked`]).
    pub fn times_asked(&self, name: &str, qtype: &str) -> usize {
        self.asked()
            .get(&(name.to_string(), qtype.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Queries the test servers received while this probe ran (their `udp`/`tcp` log lines).
    pub fn queries(&self) -> Vec<&str> {
        self.server_log
            .lines()
            .filter(|l| l.contains(": udp ") || l.contains(": tcp "))
            .collect()
    }
}

/// One `gai` result line: `<family> <socktype> <protocol> <address> <port> <canonname|->`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GaiLine {
    pub family: String,
    pub socktype: String,
    pub protocol: String,
    pub addr: String,
    pub port: String,
    pub canon: Option<String>,
    pub rest: String,
}

impl GaiLine {
    fn parse(line: &str) -> GaiLine {
        let f: Vec<&str> = line.split(' ').collect();
        assert!(f.len() >= 6, "malformed gai line {line:?}");
        GaiLine {
            family: f[0].into(),
            socktype: f[1].into(),
            protocol: f[2].into(),
            addr: f[3].into(),
            port: f[4].into(),
            canon: (f[5] != "-").then(|| f[5].to_string()),
            rest: f[6..].join(" "),
        }
    }
}

/// Server behaviour + system files + probes: one namespace, one script.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub server: String,
    pub resolv: String,
    pub hosts: String,
    pub nsswitch: String,
    /// Addresses the test server listens on (UDP and TCP).
    pub listen: Vec<String>,
    /// More test servers, each with its own config: (config, listen addresses).
    pub extra_servers: Vec<(String, Vec<String>)>,
    /// Extra addresses (`ADDR/PREFIX`) put on the namespace's loopback interface, so that
    /// destinations in those prefixes are reachable (address sorting, `AI_ADDRCONFIG`).
    pub lo_addrs: Vec<String>,
    /// More files bind-mounted over `/etc/NAME` (which must exist): (NAME, content).
    pub etc: Vec<(String, String)>,
    pub probes: Vec<Probe>,
}

pub const DEFAULT_HOSTS: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

impl Scenario {
    /// A server with `server` config on 127.0.0.1:53, resolv.conf pointing at it, a minimal
    /// hosts file, and no probes yet.
    pub fn new(server: &str) -> Scenario {
        Scenario {
            server: server.into(),
            resolv: "nameserver 127.0.0.1\n".into(),
            hosts: DEFAULT_HOSTS.into(),
            nsswitch: "hosts: files dns\n".into(),
            listen: vec!["127.0.0.1:53".into()],
            extra_servers: Vec::new(),
            lo_addrs: Vec::new(),
            etc: Vec::new(),
            probes: Vec::new(),
        }
    }

    pub fn resolv(mut self, text: &str) -> Scenario {
        self.resolv = text.into();
        self
    }

    pub fn hosts(mut self, text: &str) -> Scenario {
        self.hosts = text.into();
        self
    }

    /// Adds a second (third, ...) test server with its own `config` on `listen` (loopback
    /// addresses, e.g. `127.0.0.2:53`).
    pub fn extra_server(mut self, config: &str, listen: &[&str]) -> Scenario {
        self.extra_servers.push((
            config.into(),
            listen.iter().map(|s| s.to_string()).collect(),
        ));
        self
    }

    /// Bind-mounts `content` over `/etc/NAME` (e.g. `gai.conf`, `host.conf`) in the namespace.
    pub fn etc_file(mut self, name: &str, content: &str) -> Scenario {
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "bad /etc file name {name:?}"
        );
        self.etc.push((name.into(), content.into()));
        self
    }

    /// Puts `addr` (`ADDR/PREFIX`) on the namespace's loopback interface.
    pub fn lo_addr(mut self, addr: &str) -> Scenario {
        assert!(
            addr.contains('/') && addr.parse::<std::net::IpAddr>().is_err(),
            "lo_addr wants ADDR/PREFIX, got {addr:?}"
        );
        self.lo_addrs.push(addr.into());
        self
    }

    pub fn probe(mut self, p: Probe) -> Scenario {
        self.probes.push(p);
        self
    }

    /// Adds `args` once for each variant.
    pub fn probe_each(mut self, variants: &[Variant], args: &[&str]) -> Scenario {
        for v in variants {
            self.probes.push(Probe::new(*v, args));
        }
        self
    }

    /// Runs every probe in one fresh namespace; outcomes in probe order. Panics (failing the
    /// test) when the namespace, the server or a needed binary cannot be set up.
    pub fn run(&self) -> Vec<Outcome> {
        // Missing libraries or binaries fail here, before anything is set up.
        for p in &self.probes {
            if p.variant.shim {
                shim_library(p.variant.libc);
            }
        }
        let _slot = Slot::take();
        namespace();
        let ip = ip_binary();
        let server = testsrv();
        let dir = temp_dir("test");
        fs::write(dir.join("server.conf"), &self.server).unwrap();
        fs::write(dir.join("resolv.conf"), &self.resolv).unwrap();
        fs::write(dir.join("hosts"), &self.hosts).unwrap();
        fs::write(dir.join("nsswitch.conf"), &self.nsswitch).unwrap();

        let mut s = String::new();
        let path = |p: &Path| q(p.to_str().expect("paths are UTF-8"));
        let _ = writeln!(s, "D={}", path(&dir));
        let _ = writeln!(s, "IP={}", q(&ip));
        let _ = writeln!(s, "SERVER={}", path(&server));
        let mut listen = String::new();
        let mut extra_addrs = String::new();
        let mut servers = vec![("server.conf".to_string(), self.listen.clone())];
        for (i, (conf, l)) in self.extra_servers.iter().enumerate() {
            let name = format!("server{}.conf", i + 1);
            fs::write(dir.join(&name), conf).unwrap();
            servers.push((name, l.clone()));
        }
        let mut extra_starts = String::new();
        for (n, (conf, addrs)) in servers.iter().enumerate() {
            let mut l = String::new();
            for addr in addrs {
                let host = addr.rsplit_once(':').map_or(addr.as_str(), |(h, _)| h);
                let host = host.trim_start_matches('[').trim_end_matches(']');
                let ok = host.starts_with("127.") || host == "::1";
                assert!(
                    ok,
                    "scenario listens on {addr}: only loopback addresses allowed"
                );
                if host.starts_with("127.") && host != "127.0.0.1" {
                    let _ = writeln!(extra_addrs, "\"$IP\" addr add {host}/8 dev lo 2>/dev/null");
                }
                assert!(
                    !addr.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"'),
                    "bad listen address {addr:?}"
                );
                let _ = write!(l, " --listen {addr}");
            }
            if n == 0 {
                listen = l;
            } else {
                let _ = writeln!(extra_starts, "start_server {n} {conf} {}", q(l.trim()));
            }
        }
        for (name, content) in &self.etc {
            fs::write(dir.join(format!("etc-{name}")), content).unwrap();
            let _ = writeln!(
                extra_addrs,
                "[ -e /etc/{name} ] || fail '/etc/{name} does not exist: nothing to bind-mount over'\n\
                 mount --bind \"$D/etc-{name}\" /etc/{name} || fail 'cannot bind-mount /etc/{name}'"
            );
        }
        for a in &self.lo_addrs {
            let nodad = if a.contains(':') { " nodad" } else { "" };
            let _ = writeln!(
                extra_addrs,
                "\"$IP\" addr add {} dev lo{nodad} || fail 'cannot add {a} to lo'",
                q(a)
            );
        }
        let _ = writeln!(s, "LISTEN={}", q(listen.trim()));
        s.push_str(HEAD);
        s.push_str(SETUP);
        s.push_str(&extra_addrs);
        s.push_str(START_SERVER);
        s.push_str(&extra_starts);
        for (i, p) in self.probes.iter().enumerate() {
            let bin = match p.program {
                Program::Probe => probe_binary(p.variant.libc),
                Program::Lookup => lookup_binary(p.variant.libc),
                Program::Command(ref path) => path.clone(),
            };
            let so = p.variant.shim.then(|| shim_library(p.variant.libc));
            let env = (so.iter().map(|so| ("LD_PRELOAD", so.to_str().unwrap())))
                .chain(p.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let argv = [bin.to_str().unwrap()]
                .into_iter()
                .chain(p.args.iter().map(String::as_str));
            let _ = writeln!(s, "run {i} {} {}", q(&p.label()), command_line(env, argv));
        }
        s.push_str(
            "kill $SRV $EXTRA_SRV 2>/dev/null; wait $SRV $EXTRA_SRV 2>/dev/null\necho '=== done'\n",
        );
        fs::write(dir.join("run.sh"), &s).unwrap();

        let out = in_namespace("sh", &dir.join("run.sh"));
        let log = || {
            format!(
                "script {}\nexit: {}\nstdout:\n{}\nstderr:\n{}\nserver log:\n{}",
                dir.join("run.sh").display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                fs::read_to_string(dir.join("server.log")).unwrap_or_default()
            )
        };
        assert!(out.status.success(), "scenario failed to run:\n{}", log());

        let read = |name: String| read_output(&dir, &name, log);
        let logs: Vec<String> = (0..servers.len())
            .map(|n| {
                let name = if n == 0 {
                    "server.log".to_string()
                } else {
                    format!("server{n}.log")
                };
                fs::read_to_string(dir.join(name)).unwrap_or_default()
            })
            .collect();
        // The part of one server's log between the marks of probe i and the next one.
        let section = |log: &str, i: usize| {
            let start = format!("=== probe {i}\n");
            let Some(at) = log.find(&start) else {
                return String::new();
            };
            let rest = &log[at + start.len()..];
            rest[..rest.find("=== probe ").unwrap_or(rest.len())].to_string()
        };
        let outcomes = self
            .probes
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let server_logs: Vec<String> = logs.iter().map(|l| section(l, i)).collect();
                Outcome {
                    variant: p.variant,
                    label: p.label(),
                    stdout: read(format!("{i}.out")),
                    stderr: read(format!("{i}.err")),
                    status: read(format!("{i}.rc")).trim().parse().unwrap(),
                    elapsed_ms: read(format!("{i}.ms")).trim().parse().unwrap(),
                    server_log: server_logs.concat(),
                    server_logs,
                }
            })
            .collect();
        if std::env::var_os("DNSSHIM_TEST_KEEP").is_none() {
            let _ = fs::remove_dir_all(&dir);
        }
        outcomes
    }
}

/// `fail MSG`: MSG on stderr, the script ends with status 90.
const HEAD: &str = r#"set -u
fail() { echo "harness: $*" >&2; exit 90; }
"#;

/// Namespace set-up: loopback up, our files over /etc. Variables: D (the script's
/// directory), IP; `fail` defined before it. tests/nsrun/mod.rs's scripts start with it too.
pub const SETUP: &str = r#"mount --make-rprivate / || fail 'mount --make-rprivate / failed'
"$IP" link set lo up || fail 'ip link set lo up failed'
for f in resolv.conf hosts nsswitch.conf; do
  if [ -e "/etc/$f" ] || [ -L "/etc/$f" ]; then
    mount --bind "$D/$f" "/etc/$f" || fail "cannot bind-mount /etc/$f"
  fi
done
cmp -s /etc/resolv.conf "$D/resolv.conf" || fail 'the bind-mounted /etc/resolv.conf does not read back'
"#;

/// Starts the test server and waits for its ready file. Variables: D, SERVER, LISTEN.
/// `start_server N CONF LISTEN` starts one more (extra servers). Each server logs each query
/// (`--verbose`) to a file of its own, server.log (the first) or serverN.log, and `run` marks
/// where each probe starts in every one of them.
const START_SERVER: &str = r#"SRV= EXTRA_SRV=
trap 'kill $SRV $EXTRA_SRV 2>/dev/null' EXIT
await_ready() { # PID READY-FILE LOG
  i=0
  while [ ! -s "$2" ]; do
    kill -0 $1 2>/dev/null || { cat "$3" >&2; fail 'test server exited'; }
    i=$((i+1)); [ $i -lt 1000 ] || fail 'test server not ready after 10 s'
    sleep 0.01
  done
}
"$SERVER" --config "$D/server.conf" $LISTEN --ready-file "$D/ready" --verbose \
  2>>"$D/server.log" &
SRV=$!
await_ready $SRV "$D/ready" "$D/server.log"
start_server() { # N CONF LISTEN
  "$SERVER" --config "$D/$2" $3 --ready-file "$D/ready$1" --verbose 2>>"$D/server$1.log" &
  EXTRA_SRV="$EXTRA_SRV $!"
  await_ready $! "$D/ready$1" "$D/server$1.log"
}
# run N LABEL COMMAND...: N.out, N.err, N.rc (exit status), N.ms (wall time) in $D.
run() {
  n=$1; echo "=== probe $n: $2"; shift 2
  for log in "$D"/server*.log; do echo "=== probe $n" >>"$log"; done
  t0=$(date +%s%N)
  "$@" >"$D/$n.out" 2>"$D/$n.err" </dev/null
  echo $? >"$D/$n.rc"
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 )) >"$D/$n.ms"
  cat "$D/$n.out" "$D/$n.err"
}
"#;

/// Single-quotes a word for sh.
pub fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `argv` with exactly the environment `env` (plus a PATH) and stdin from the script, as one
/// sh command line. A hung program must not hang the suite: `timeout` kills it after
/// [`PROBE_TIMEOUT_S`] and its status is 124. A program of another architecture runs under
/// its [`emulator`], which gets the loader's variables (`LD_*`) with `-E`, so that they reach
/// the emulated program's loader and not the emulator's own.
pub fn command_line<'a>(
    env: impl IntoIterator<Item = (&'a str, &'a str)>,
    argv: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut argv = argv.into_iter().peekable();
    let emu = argv.peek().and_then(|p| emulator(Path::new(p)));
    let mut cmd =
        format!("timeout -k 5 {PROBE_TIMEOUT_S} env -i PATH=/usr/local/bin:/usr/bin:/bin");
    let mut loader_vars = Vec::new();
    for (k, v) in env {
        if emu.is_some() && k.starts_with("LD_") {
            // qemu splits -E's argument at commas.
            assert!(
                !v.contains(','),
                "{k}={v}: a comma cannot pass through qemu -E"
            );
            loader_vars.push(format!("{k}={v}"));
        } else {
            let _ = write!(cmd, " {}", q(&format!("{k}={v}")));
        }
    }
    for word in emu.iter().flatten() {
        let _ = write!(cmd, " {}", q(word));
    }
    for kv in &loader_vars {
        let _ = write!(cmd, " -E {}", q(kv));
    }
    for a in argv {
        let _ = write!(cmd, " {}", q(a));
    }
    cmd
}

/// The architecture under test: `DNSSHIM_TEST_ARCH`, default this machine's.
pub fn arch() -> &'static str {
    static ARCH: OnceLock<String> = OnceLock::new();
    ARCH.get_or_init(|| {
        let a = std::env::var("DNSSHIM_TEST_ARCH")
            .ok()
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| std::env::consts::ARCH.to_string());
        assert!(
            elf_machine_of(&a).is_some(),
            "DNSSHIM_TEST_ARCH={a}: the tests know x86_64 and aarch64"
        );
        a
    })
}

/// Whether the architecture under test is not this machine's: its programs run under qemu.
pub fn foreign() -> bool {
    arch() != std::env::consts::ARCH
}

/// The ELF `e_machine` of an architecture (`EM_X86_64`, `EM_AARCH64`).
fn elf_machine_of(arch: &str) -> Option<u16> {
    match arch {
        "x86_64" => Some(62),
        "aarch64" => Some(183),
        _ => None,
    }
}

/// The `e_machine` of the ELF file at `path`; `None` when it is not a 64-bit little-endian
/// ELF file (a shell script, a missing file).
pub fn elf_machine(path: &Path) -> Option<u16> {
    use std::io::Read as _;
    let mut head = [0u8; 20];
    fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    (head[..4] == *b"\x7fELF" && head[4] == 2 && head[5] == 1)
        .then(|| u16::from_le_bytes([head[18], head[19]]))
}

/// Fails unless the ELF file at `path` is built for the architecture under test.
pub fn assert_arch(path: &Path) {
    let want = elf_machine_of(arch());
    assert_eq!(
        elf_machine(path),
        want,
        "{} is not a 64-bit ELF file for {} (e_machine {want:?}, DNSSHIM_TEST_ARCH)",
        path.display(),
        arch()
    );
}

/// How to run the program at `path`: `None` natively; for an ELF file of the (foreign)
/// architecture under test, the qemu-user command line that runs it. The programs find their
/// loaders and C libraries where the architecture's own Debian packages put them (`libc6:arm64`,
/// `musl:arm64`: `/lib/ld-linux-aarch64.so.1`, `/lib/ld-musl-aarch64.so.1`), not in the cross
/// compiler's sysroot: its glibc is the cross toolchain's build (2.36-8cross1 here), while
/// `libc6:arm64` is the same release as this machine's glibc, whose answers the tests compare
/// against (`make deps ARCH=aarch64` installs it).
pub fn emulator(path: &Path) -> Option<Vec<String>> {
    if !foreign() || elf_machine(path) != elf_machine_of(arch()) {
        return None;
    }
    static QEMU: OnceLock<String> = OnceLock::new();
    let qemu = QEMU.get_or_init(|| {
        let name = format!("qemu-{}", arch());
        let found = ["/usr/bin", "/usr/local/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(&name))
            .find(|p| p.is_file());
        match found {
            Some(p) => p.to_string_lossy().into_owned(),
            None => panic!(
                "{name} not found: install qemu-user (`make deps ARCH={}` does)",
                arch()
            ),
        }
    });
    Some(vec![qemu.clone()])
}

/// A [`Command`] for the program at `path`, under its [`emulator`] when it needs one.
pub fn command(path: &Path) -> Command {
    match emulator(path) {
        Some(emu) => {
            let mut c = Command::new(&emu[0]);
            c.args(&emu[1..]).arg(path);
            c
        }
        None => Command::new(path),
    }
}

/// Runs `shell script` in a fresh namespace ([`namespace`]).
pub fn in_namespace(shell: &str, script: &Path) -> std::process::Output {
    let ns = namespace();
    Command::new(&ns[0])
        .args(&ns[1..])
        .arg(shell)
        .arg(script)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", ns[0]))
}

/// The file `name` a script wrote in `dir`, as text; missing: a panic with `log()`.
pub fn read_output(dir: &Path, name: &str, log: impl Fn() -> String) -> String {
    fs::read(dir.join(name))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|e| panic!("{name}: {e}\n{}", log()))
}

/// A new empty directory `dnsshim-TAG-PID-N-NANOS` under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    // Process ids repeat across PID namespaces sharing one /tmp: never reuse (or delete) an
    // existing directory, take a fresh name instead.
    static N: AtomicUsize = AtomicUsize::new(0);
    loop {
        let n = N.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "dnsshim-{tag}-{}-{n}-{nanos:08x}",
            std::process::id()
        ));
        match fs::create_dir(&dir) {
            Ok(()) => return dir,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => panic!("{}: {e}", dir.display()),
        }
    }
}

/// Longest any single probe (any run of a tests/nsrun script) may take before it is killed.
pub const PROBE_TIMEOUT_S: u32 = 60;

/// At most this many namespaces at once, whatever --test-threads says (2-core machines).
const MAX_PARALLEL: usize = 3;

struct Slot;

static SLOTS: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

impl Slot {
    fn take() -> Slot {
        let mut n = SLOTS.0.lock().unwrap_or_else(|e| e.into_inner());
        while *n >= MAX_PARALLEL {
            n = SLOTS.1.wait(n).unwrap_or_else(|e| e.into_inner());
        }
        *n += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *SLOTS.0.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        SLOTS.1.notify_one();
    }
}

/// The `unshare` command line that gives a private network + mount namespace: directly as
/// root, otherwise through a user namespace. Neither → the test fails with one line.
pub fn namespace() -> Vec<String> {
    static NS: OnceLock<Result<Vec<String>, String>> = OnceLock::new();
    let ns = NS.get_or_init(|| {
        let candidates: [&[&str]; 2] = [
            &["unshare", "--net", "--mount"],
            &["unshare", "--user", "--map-root-user", "--net", "--mount"],
        ];
        let mut errors = Vec::new();
        for c in candidates {
            match Command::new(c[0])
                .args(&c[1..])
                .args(["sh", "-c", "mount --make-rprivate / && exit 0"])
                .output()
            {
                Ok(o) if o.status.success() => {
                    return Ok(c.iter().map(|s| s.to_string()).collect());
                }
                Ok(o) => errors.push(format!(
                    "`{}`: {}",
                    c.join(" "),
                    String::from_utf8_lossy(&o.stderr).trim()
                )),
                Err(e) => errors.push(format!("`{}`: {e}", c.join(" "))),
            }
        }
        Err(errors.join("; "))
    });
    match ns {
        Ok(v) => v.clone(),
        Err(e) => panic!(
            "cannot create a network+mount namespace (run as root, or enable unprivileged user namespaces): {e}"
        ),
    }
}

/// Absolute path of `ip` (iproute2): /sbin is often not on a user's PATH.
pub fn ip_binary() -> String {
    static IP: OnceLock<String> = OnceLock::new();
    IP.get_or_init(|| sbin("ip", "iproute2")).clone()
}

/// Absolute path of a program that may live in an sbin directory not on PATH; missing: a
/// panic naming the package to install.
pub fn sbin(name: &str, package: &str) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file());
    match found {
        Some(p) => p.to_string_lossy().into_owned(),
        None => panic!(
            "`{name}` not found: install {package} (`make deps` does: apt-get install {package})"
        ),
    }
}

fn testsrv() -> PathBuf {
    if let Some(p) = std::env::var_os("DNSSHIM_TESTSRV") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "DNSSHIM_TESTSRV={} does not exist",
            p.display()
        );
        return p;
    }
    let candidates =
        ["release", "debug"].map(|p| root().join("target").join(p).join("dnsshim-testsrv"));
    candidates
        .iter()
        .filter_map(|p| Some((fs::metadata(p).ok()?.modified().ok()?, p)))
        .max()
        .map(|(_, p)| p.clone())
        .unwrap_or_else(|| {
            panic!(
                "dnsshim-testsrv not built: run `make test`, or `cargo build -p dnsshim-testsrv` \
                 first (or set DNSSHIM_TESTSRV)"
            )
        })
}

/// The shim built for `libc` and the architecture under test; missing, or built for another
/// architecture → the test fails (never skipped).
pub fn shim_library(libc: Libc) -> PathBuf {
    let (var, default) = match libc {
        Libc::Musl => (
            "DNSSHIM_MUSL_SO",
            format!("target/{}-unknown-linux-musl/release/libdnsshim.so", arch()),
        ),
        // The host's glibc build is kept at target/release (the Makefile's GLIBC_SO).
        Libc::Glibc if !foreign() => ("DNSSHIM_GLIBC_SO", "target/release/libdnsshim.so".into()),
        Libc::Glibc => (
            "DNSSHIM_GLIBC_SO",
            format!("target/{}-unknown-linux-gnu/release/libdnsshim.so", arch()),
        ),
    };
    let p = std::env::var_os(var).map_or_else(|| root().join(default), PathBuf::from);
    assert!(
        p.is_file(),
        "{} not found ({var}): run `make test`, which builds both libraries",
        p.display()
    );
    assert_arch(&p);
    p
}

fn mtime(p: &Path) -> Option<SystemTime> {
    fs::metadata(p).ok()?.modified().ok()
}

/// The static `dnsshim` command of the architecture under test: `DNSSHIM_CLI`, default what
/// `make cli` builds. Missing (or of another architecture), the test fails; it is never skipped.
pub fn cli() -> PathBuf {
    let p = std::env::var_os("DNSSHIM_CLI").map_or_else(
        || {
            root().join(format!(
                "target/static/{}-unknown-linux-musl/release/dnsshim",
                arch()
            ))
        },
        PathBuf::from,
    );
    assert!(
        p.is_file(),
        "{} not found (DNSSHIM_CLI): run `make cli` (or `make test`, which builds it)",
        p.display()
    );
    assert_arch(&p);
    p
}

/// Compiles `src` for `libc` (with `extra` flags after the usual ones) into
/// [`probe_dir`]/`out` unless an up-to-date binary exists; checks it is built for the
/// architecture under test.
fn compile(libc: Libc, src: &str, out: &str, extra: &[&str]) -> PathBuf {
    // One compiler run at a time in this process: two threads must not build the same file.
    static COMPILING: Mutex<()> = Mutex::new(());
    let _one = COMPILING.lock().unwrap_or_else(|e| e.into_inner());
    let src = root().join(src);
    let dir = probe_dir();
    fs::create_dir_all(&dir).unwrap();
    let bin = dir.join(out);
    let src_time = mtime(&src).unwrap_or_else(|| panic!("{} missing", src.display()));
    // The shared headers beside the source (tests/c/common.h, calls.h) count as part of it.
    let src_time = ["common.h", "calls.h"]
        .iter()
        .filter_map(|h| mtime(&src.with_file_name(h)))
        .fold(src_time, SystemTime::max);
    if mtime(&bin).is_none_or(|t| t < src_time) {
        // Build under a private name, then rename: other test binaries may be looking.
        let tmp = dir.join(format!("{out}.tmp{}", std::process::id()));
        let mut args: Vec<&std::ffi::OsStr> = ["-O1", "-Wall", "-Wextra", "-Werror"]
            .iter()
            .chain(arch_flags(libc))
            .chain(extra)
            .map(std::ffi::OsStr::new)
            .collect();
        args.extend([std::ffi::OsStr::new("-o"), tmp.as_os_str(), src.as_os_str()]);
        run_cc(&cc(libc), &args);
        fs::rename(&tmp, &bin).unwrap();
    }
    assert_arch(&bin);
    bin
}

/// Flags the compiler of `libc` needs for the architecture under test. Debian's
/// aarch64-linux-musl-gcc links the glibc cross compiler's libgcc.a, whose out-of-line atomics
/// (what `__atomic` builtins become on aarch64) call glibc's `__getauxval`, which musl lacks:
/// inline atomics instead.
fn arch_flags(libc: Libc) -> &'static [&'static str] {
    match (arch(), libc) {
        ("aarch64", Libc::Musl) => &["-mno-outline-atomics"],
        _ => &[],
    }
}

/// Where the C programs of the tests are built: target/probes, or target/probes/ARCH for
/// another architecture than this machine's.
pub fn probe_dir() -> PathBuf {
    let dir = root().join("target").join("probes");
    if foreign() {
        dir.join(arch())
    } else {
        dir
    }
}

/// Runs `cc args...`, panicking with the compiler's output on failure.
pub fn run_cc(cc: &str, args: &[&std::ffi::OsStr]) {
    match Command::new(cc).args(args).output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "{cc} {:?} failed:\n{}",
            args,
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!(
            "cannot run {cc} ({e}): install {} (`make deps` does)",
            match cc {
                "musl-gcc" => "musl-tools".to_string(),
                "gcc" => "gcc".to_string(),
                c if c.ends_with("-linux-musl-gcc") => format!("musl-dev:{}", debian_arch()),
                c => format!("gcc-{}", c.trim_end_matches("-gcc")),
            }
        ),
    }
}

/// Debian's name of the architecture under test (`amd64`, `arm64`).
fn debian_arch() -> &'static str {
    match arch() {
        "x86_64" => "amd64",
        _ => "arm64",
    }
}

/// The C compiler for `libc` and the architecture under test: musl-gcc and gcc for this
/// machine's; Debian's cross compilers for another (`aarch64-linux-musl-gcc` from
/// musl-dev:arm64, `aarch64-linux-gnu-gcc` from gcc-aarch64-linux-gnu).
pub fn cc(libc: Libc) -> String {
    match (libc, foreign()) {
        (Libc::Musl, false) => "musl-gcc".into(),
        (Libc::Glibc, false) => "gcc".into(),
        (Libc::Musl, true) => format!("{}-linux-musl-gcc", arch()),
        (Libc::Glibc, true) => format!("{}-linux-gnu-gcc", arch()),
    }
}

/// `musl` or `glibc`.
pub fn libc_name(libc: Libc) -> &'static str {
    match libc {
        Libc::Musl => "musl",
        Libc::Glibc => "glibc",
    }
}

/// tests/c/probe.c built for `libc` (once per test process).
pub fn probe_binary(libc: Libc) -> PathBuf {
    static BUILT: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    BUILT[libc as usize]
        .get_or_init(|| c_program(libc, "tests/c/probe.c", "probe"))
        .clone()
}

/// Any C program of the tests (`src`, relative to the crate) built for `libc` into
/// [`probe_dir`]/`name`-musl or -glibc; rebuilt when the source is newer.
pub fn c_program(libc: Libc, src: &str, name: &str) -> PathBuf {
    c_program_with(libc, src, name, &[])
}

/// [`c_program`] with more compiler flags (`-pthread`).
pub fn c_program_with(libc: Libc, src: &str, name: &str, flags: &[&str]) -> PathBuf {
    compile(libc, src, &format!("{name}-{}", libc_name(libc)), flags)
}

/// examples/lookup.c built for `libc`.
pub fn lookup_binary(libc: Libc) -> PathBuf {
    static BUILT: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    BUILT[libc as usize]
        .get_or_init(|| c_program(libc, "examples/lookup.c", "lookup"))
        .clone()
}

/// Addresses `START..COUNT` the way the test server's config expands them, for expectations.
pub fn v4_range(start: &str, count: u32) -> BTreeSet<String> {
    let s: std::net::Ipv4Addr = start.parse().unwrap();
    (0..count)
        .map(|i| std::net::Ipv4Addr::from(u32::from(s) + i).to_string())
        .collect()
}

pub fn v6_range(start: &str, count: u32) -> BTreeSet<String> {
    let s: std::net::Ipv6Addr = start.parse().unwrap();
    (0..count)
        .map(|i| std::net::Ipv6Addr::from(u128::from(s) + u128::from(i)).to_string())
        .collect()
}
