//! Private network + mount namespaces: the shell scripts run in them, the command line of
//! each program, at most [`MAX_PARALLEL`] at once, temporary directories.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

use super::emulator;

/// `fail MSG`: MSG on stderr, the script ends with status 90.
pub(super) const HEAD: &str = r#"set -u
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
pub(super) const START_SERVER: &str = r#"SRV= EXTRA_SRV=
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
pub const MAX_PARALLEL: usize = 3;

pub(super) struct Slot;

static SLOTS: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

impl Slot {
    pub(super) fn take() -> Slot {
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

/// The `unshare` command line that gives a private network + mount (+ UTS: a host name of its
/// own, when a scenario sets one) namespace: directly as root, otherwise through a user
/// namespace. Neither → the test fails with one line.
pub fn namespace() -> Vec<String> {
    static NS: OnceLock<Result<Vec<String>, String>> = OnceLock::new();
    let ns = NS.get_or_init(|| {
        let candidates: [&[&str]; 2] = [
            &["unshare", "--net", "--mount", "--uts"],
            &[
                "unshare",
                "--user",
                "--map-root-user",
                "--net",
                "--mount",
                "--uts",
            ],
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
