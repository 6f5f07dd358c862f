//! A scenario: the test server's config, the system's files and the probes to run, as data;
//! [`Scenario::run`] runs it in one namespace.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use super::namespace::{Slot, HEAD, START_SERVER};
use super::probes::testsrv;
use super::*;

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
    /// Files of `/etc` that are not there in the namespace (an overlay over `/etc` with a
    /// whiteout for each, mounted before the other files are bind-mounted).
    pub hidden: Vec<String>,
    /// The namespace's host name (its own UTS namespace); `None`: the machine's.
    pub hostname: Option<String>,
    /// Shell lines run in the namespace after the set-up, before the server starts (routes).
    pub setup: Vec<String>,
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
            hidden: Vec::new(),
            hostname: None,
            setup: Vec::new(),
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

    /// `/etc/nsswitch.conf` in the namespace.
    pub fn nsswitch(mut self, text: &str) -> Scenario {
        self.nsswitch = text.into();
        self
    }

    /// Hides `/etc/NAME` in the namespace: the programs find no such file.
    pub fn hide_etc_file(mut self, name: &str) -> Scenario {
        assert!(
            !name.is_empty() && !name.contains('/') && !name.contains('\''),
            "bad /etc file name {name:?}"
        );
        self.hidden.push(name.into());
        self
    }

    /// Gives the namespace its own host name.
    pub fn hostname(mut self, name: &str) -> Scenario {
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "bad host name {name:?}"
        );
        self.hostname = Some(name.into());
        self
    }

    /// Runs a shell line in the namespace after the set-up (`ip route add ...`; `$IP` is
    /// the `ip` command).
    pub fn setup(mut self, line: &str) -> Scenario {
        self.setup.push(line.into());
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
        if let Some(h) = &self.hostname {
            let _ = writeln!(s, "hostname {} || fail 'cannot set the host name'", q(h));
        }
        if !self.hidden.is_empty() {
            // Private first, so that the overlay stays in the namespace.
            s.push_str("mount --make-rprivate / || fail 'mount --make-rprivate / failed'\n");
            s.push_str("mkdir \"$D/etc-up\" \"$D/etc-work\" || fail 'mkdir'\n");
            for h in &self.hidden {
                let _ = writeln!(
                    s,
                    "mknod \"$D/etc-up/\"{} c 0 0 || fail 'cannot make a whiteout'",
                    q(h)
                );
            }
            s.push_str(
                "mount -t overlay overlay -o \"lowerdir=/etc,upperdir=$D/etc-up,workdir=$D/etc-work\" /etc \\\n  || fail 'cannot mount an overlay over /etc'\n",
            );
        }
        s.push_str(SETUP);
        for l in &self.setup {
            let _ = writeln!(s, "{l} || fail {}", q(&format!("setup: {l}")));
        }
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
