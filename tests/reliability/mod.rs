//! Helpers shared by tests/faults.rs and tests/stress.rs: building the C programs
//! of tests/c/ other than probe.c, running them through the namespace harness, and reading
//! what tests/c/fault.c prints.
#![allow(dead_code)]

use crate::common::{Libc, Outcome, Probe, Program, Variant};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// tests/c/`name`.c compiled for `libc` (with `-g -pthread`) into the probe directory
/// (rebuilt when the source or a shared header is newer).
pub fn c_binary(libc: Libc, name: &str) -> PathBuf {
    crate::common::c_program_with(
        libc,
        &format!("tests/c/{name}.c"),
        name,
        &["-g", "-pthread"],
    )
}

/// tests/c/`name`.c for the variant's libc, run with the variant's `LD_PRELOAD`.
pub fn c_probe(v: Variant, name: &str, args: &[&str]) -> Probe {
    Probe {
        variant: v,
        program: Program::Command(c_binary(v.libc, name)),
        args: args.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
    }
}

/// tests/c/fault.c with `args`.
pub fn fault(v: Variant, args: &[&str]) -> Probe {
    c_probe(v, "fault", args)
}

/// A shell command run inside the scenario's namespace, as root, between probes.
pub fn shell(v: Variant, script: &str) -> Probe {
    Probe {
        variant: Variant { shim: false, ..v },
        program: Program::Command(PathBuf::from("/bin/sh")),
        args: vec!["-c".into(), script.into()],
        env: Vec::new(),
    }
}

/// What tests/c/fault.c printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultOut {
    /// `gai OK`, `gai EAI_AGAIN`, `ghbn OK`, `ghbn h_errno=HOST_NOT_FOUND`, …
    pub head: String,
    /// Addresses, sorted, with repeats.
    pub addrs: Vec<String>,
    pub canon: Option<String>,
    /// The descriptors were the same after the call as before it.
    pub fds_same: bool,
    /// The call alone, in milliseconds (CLOCK_MONOTONIC inside the process).
    pub time_ms: Option<u64>,
}

impl FaultOut {
    pub fn parse(o: &Outcome) -> FaultOut {
        let mut f = FaultOut {
            head: o
                .stdout
                .lines()
                .find(|l| l.starts_with("gai ") || l.starts_with("ghbn "))
                .unwrap_or("")
                .to_string(),
            addrs: Vec::new(),
            canon: None,
            fds_same: false,
            time_ms: None,
        };
        for l in o.stdout.lines() {
            if let Some(a) = l.strip_prefix("addr ") {
                f.addrs.push(a.to_string());
            } else if let Some(c) = l.strip_prefix("canon ") {
                f.canon = Some(c.to_string());
            } else if l.starts_with("fds same ") {
                f.fds_same = true;
            } else if let Some(t) = l.strip_prefix("time_ms ") {
                f.time_ms = t.trim().parse().ok();
            }
        }
        f
    }

    pub fn addr_set(&self) -> BTreeSet<String> {
        self.addrs.iter().cloned().collect()
    }

    /// One line for tables: `gai OK 10.0.0.1 (1 ms)`.
    pub fn summary(&self) -> String {
        let addrs = match self.addrs.len() {
            0 => String::new(),
            1..=3 => format!(" {}", self.addrs.join(",")),
            n => format!(" {n} addresses"),
        };
        format!(
            "{}{addrs} ({} ms{})",
            self.head,
            self.time_ms.map_or("?".into(), |t| t.to_string()),
            if self.fds_same {
                ""
            } else {
                ", DESCRIPTORS CHANGED"
            }
        )
    }
}

/// valgrind (installed by `make deps`); missing: a panic saying so.
pub fn valgrind_binary() -> PathBuf {
    for d in ["/usr/bin", "/usr/local/bin", "/bin"] {
        let p = Path::new(d).join("valgrind");
        if p.is_file() {
            return p;
        }
    }
    panic!("valgrind not found: run `make test` (which installs it) or apt-get install valgrind")
}

/// `program args...` under valgrind memcheck (LD_PRELOAD of the glibc build reaches the program
/// through valgrind): full leak check, definite and indirect leaks counted as errors, exit
/// status 99 on any error; `extra` valgrind options before the program.
pub fn valgrind_probe(program: &Path, extra: &[&str], args: &[&str]) -> Probe {
    let flags = [
        "--tool=memcheck",
        "--leak-check=full",
        "--show-leak-kinds=definite,indirect",
        "--errors-for-leak-kinds=definite,indirect",
        "--error-exitcode=99",
    ];
    Probe {
        variant: crate::common::GLIBC_SHIM,
        program: Program::Command(valgrind_binary()),
        args: flags
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .chain([program.to_string_lossy().into_owned()])
            .chain(args.iter().map(|s| s.to_string()))
            .collect(),
        env: Vec::new(),
    }
}
