//! The differential conformance suite.
//!
//! One C probe, tests/c/conform.c, calls every function the shim exports and prints one
//! canonical line per call (`KEY | STATUS | DETAIL | RECORDS`). It is built with gcc (glibc)
//! and musl-gcc (musl 1.2.3), and each build runs with and without `LD_PRELOAD` of the shim
//! built for its libc, against every scenario of tests/conformance/*.scn (server zone,
//! resolv.conf, hosts, the calls to make), each in its own namespace (tests/common/).
//! Every line of the two shim runs of every scenario is accounted for, one of:
//! - **exact**: glibc + shim prints exactly glibc's line; musl + shim exactly musl's;
//! - **cut**: musl's answer was cut (a test server answered musl's question for that line with
//!   TC set, read from the server's own log; or musl's line shows a message with TC): musl +
//!   shim has glibc's status and records (RECORDS: addresses, answer records, host names;
//!   sorted, no duplicates);
//! - **as glibc**: a row of docs/compat.md says the musl build answers as glibc here (NODATA,
//!   more than 48 addresses, an option musl ignores), naming the exact scenario and line
//!   (`as-glibc SCENARIO/KEY`): musl + shim has glibc's status and records;
//! - **excused**: a row names this exact difference, reference and shim line both
//!   (`PAIRS SCENARIO/KEY = WANT -> GOT`, PAIRS among `glibc`, `musl`, `cut`);
//! - **_r buffers**: the smallest-buffer lines of the `_r` calls ([`check_buffers`]).
//!
//! A line none of these accounts for fails the test, and so does a pattern that names no line
//! (a stale row). A key printed twice in one run (the same call twice) is compared each time.
//! The test prints the accounting per scenario on stderr, past the harness's capture.
//!
//! Environment:
//! - `DNSSHIM_CONFORM=GLOB`: only the scenarios whose name matches (then stale rows are only
//!   reported, not failed, since most of them belong to scenarios that did not run).
//! - `DNSSHIM_CONFORM_OUT=DIR`: write every probe's output to DIR/SCENARIO.VARIANT.
//! - `DNSSHIM_CONFORM_REPLAY=DIR`: run nothing; compare the outputs a run with
//!   `DNSSHIM_CONFORM_OUT=DIR` wrote (to try a change of docs/compat.md in a second).
//! - `DNSSHIM_CONFORM_COMPAT=FILE`: read the table from FILE instead of docs/compat.md.
//! - and those of tests/common/ (library and server paths).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use common::{
    Libc, Outcome, Probe, Program, Scenario, Variant, GLIBC, GLIBC_SHIM, MUSL, MUSL_SHIM,
};

/// What a scenario without a `resolv:` block gets: one server, short timeouts.
const DEFAULT_RESOLV: &str = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";

/// Namespaces run at once (the harness caps it at 3 as well).
const WORKERS: usize = 3;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------
// Scenario files

/// One scenario of tests/conformance/*.scn.
#[derive(Clone, Debug, Default)]
struct Def {
    name: String,
    /// Where it starts, for messages: `file:line`.
    at: String,
    zone: String,
    /// A second test server on 127.0.0.2:53 with this zone.
    zone2: Option<String>,
    resolv: Option<String>,
    hosts: Option<String>,
    /// Environment of every probe run (all four variants).
    env: Vec<(String, String)>,
    /// `/etc/nsswitch.conf` (default: the harness's `hosts: files dns`).
    nsswitch: Option<String>,
    /// The script of the test NSS modules (tests/c/nss_test.c); with it every probe finds
    /// the modules (`LD_LIBRARY_PATH`).
    nss: Option<String>,
    /// Files of `/etc` hidden in the namespace (`hide: nsswitch.conf`).
    hide: Vec<String>,
    /// The namespace's host name.
    hostname: Option<String>,
    /// Shell lines run in the namespace before the probes (routes).
    setup: Vec<String>,
    /// The probe's arguments, one spec each.
    calls: Vec<String>,
}

/// Parses a scenario file:
///
/// ```text
/// # comment
/// === NAME   what it shows
/// zone:            the test server's config (tests/support/README.md)
///     one.test. A 10.0.0.1
/// zone2:           a second server, on 127.0.0.2:53
/// resolv:          /etc/resolv.conf (default: DEFAULT_RESOLV)
/// hosts:           /etc/hosts (default: the harness's)
/// env:             KEY=VALUE lines, for every probe run
/// nsswitch:        /etc/nsswitch.conf (default: `hosts: files dns`)
/// nss:             the script of the test NSS modules (tests/c/nss_test.c: libnss_dnsshimtest
///                  and its variants), which every probe then finds, with Debian's
///                  libnss_myhostname (common::nss_module_path)
/// hide:            files of /etc that the namespace does not have, one per line
/// hostname:        the namespace's host name
/// setup:           shell lines run in the namespace before the probes (`ip route add ...`)
/// calls:           conform specs, one per line (tests/c/conform.c)
///     host one.test
/// ```
/// Block lines are indented; the indentation is removed.
fn parse_defs(text: &str, file: &str) -> Result<Vec<Def>, String> {
    let mut defs: Vec<Def> = Vec::new();
    let mut block: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let at = format!("{file}:{}", i + 1);
        if raw.trim().is_empty() {
            continue;
        }
        if raw.starts_with(' ') || raw.starts_with('\t') {
            let (Some(def), Some(b)) = (defs.last_mut(), block.as_deref()) else {
                return Err(format!("{at}: indented line outside a block"));
            };
            let l = raw.trim();
            match b {
                "zone" => def.zone += &expand(l).map_err(|e| format!("{at}: {e}"))?,
                "zone2" => {
                    *def.zone2.get_or_insert_with(String::new) +=
                        &expand(l).map_err(|e| format!("{at}: {e}"))?
                }
                "resolv" => writeln!(def.resolv.get_or_insert_with(String::new), "{l}").unwrap(),
                "hosts" => writeln!(def.hosts.get_or_insert_with(String::new), "{l}").unwrap(),
                "env" => {
                    let (k, v) = l
                        .split_once('=')
                        .ok_or_else(|| format!("{at}: env lines are KEY=VALUE"))?;
                    def.env.push((k.to_string(), v.to_string()));
                }
                "calls" => def.calls.push(l.to_string()),
                "nsswitch" => {
                    writeln!(def.nsswitch.get_or_insert_with(String::new), "{l}").unwrap()
                }
                "nss" => writeln!(def.nss.get_or_insert_with(String::new), "{l}").unwrap(),
                "hide" => def.hide.push(l.to_string()),
                "hostname" => def.hostname = Some(l.to_string()),
                "setup" => def.setup.push(l.to_string()),
                _ => unreachable!(),
            }
            continue;
        }
        if raw.starts_with('#') {
            continue;
        }
        if let Some(rest) = raw.strip_prefix("=== ") {
            let name = rest.split_whitespace().next().unwrap_or("");
            let ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(format!("{at}: bad scenario name {name:?}"));
            }
            defs.push(Def {
                name: name.to_string(),
                at,
                ..Def::default()
            });
            block = None;
            continue;
        }
        let key = raw.trim_end().strip_suffix(':');
        match key {
            Some(
                k @ ("zone" | "zone2" | "resolv" | "hosts" | "env" | "calls" | "nsswitch" | "nss"
                | "hide" | "hostname" | "setup"),
            ) => {
                if defs.is_empty() {
                    return Err(format!("{at}: {k}: before the first === line"));
                }
                block = Some(k.to_string());
                if k == "hosts" {
                    // An empty hosts block means an empty file.
                    defs.last_mut()
                        .unwrap()
                        .hosts
                        .get_or_insert_with(String::new);
                }
            }
            _ => {
                return Err(format!(
                    "{at}: expected `=== NAME`, a block name or an indented line, got {raw:?}"
                ))
            }
        }
    }
    for d in &defs {
        if d.calls.is_empty() {
            return Err(format!("{}: scenario {} makes no calls", d.at, d.name));
        }
    }
    Ok(defs)
}

/// A zone line, with the shorthands for big record sets expanded:
/// - `@txt NAME BYTES`: one TXT record of BYTES bytes (a..z repeated; the server cuts it into
///   255-byte strings);
/// - `@srv NAME COUNT DOMAIN`: COUNT SRV records `0 I 8000+I hostI.DOMAIN.`;
/// - `@mx NAME COUNT DOMAIN`: COUNT MX records `10*I mailI.DOMAIN.`;
/// - `@chain NAME HOPS TARGET`: NAME CNAME cname1.NAME, ..., cnameHOPS-1.NAME CNAME TARGET.
fn expand(l: &str) -> Result<String, String> {
    let w: Vec<&str> = l.split_whitespace().collect();
    let num = |i: usize| -> Result<usize, String> {
        w.get(i)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("{l:?}: a number expected"))
    };
    let arg = |i: usize| -> Result<&str, String> {
        w.get(i)
            .copied()
            .ok_or_else(|| format!("{l:?}: too few words"))
    };
    let mut out = String::new();
    match w.first().copied() {
        Some("@txt") => {
            let s: String = (0..num(2)?)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            writeln!(out, "{} TXT \"{s}\"", arg(1)?).unwrap();
        }
        Some("@srv") => {
            for i in 0..num(2)? {
                writeln!(
                    out,
                    "{} SRV 0 {i} {} host{i}.{}.",
                    arg(1)?,
                    8000 + i,
                    arg(3)?
                )
                .unwrap();
            }
        }
        Some("@mx") => {
            for i in 0..num(2)? {
                writeln!(out, "{} MX {} mail{i}.{}.", arg(1)?, 10 * i, arg(3)?).unwrap();
            }
        }
        Some("@chain") => {
            let (name, hops, target) = (arg(1)?.trim_end_matches('.'), num(2)?, arg(3)?);
            let hop = |i: usize| {
                if i == 0 {
                    name.to_string()
                } else {
                    format!("cname{i}.{name}")
                }
            };
            for i in 0..hops {
                let to = if i + 1 == hops {
                    target.to_string()
                } else {
                    hop(i + 1)
                };
                writeln!(out, "{}. CNAME {to}", hop(i)).unwrap();
            }
        }
        Some(m) if m.starts_with('@') => return Err(format!("unknown shorthand {m}")),
        _ => writeln!(out, "{l}").unwrap(),
    }
    Ok(out)
}

/// Every scenario of tests/conformance/*.scn, in file and then file order.
fn load_defs() -> Vec<Def> {
    let dir = root().join("tests/conformance");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "scn"))
        .collect();
    files.sort();
    let mut defs = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = f.strip_prefix(root()).unwrap_or(&f).display().to_string();
        defs.extend(parse_defs(&text, &name).unwrap_or_else(|e| panic!("{e}")));
    }
    let mut seen = HashSet::new();
    for d in &defs {
        assert!(
            seen.insert(d.name.clone()),
            "{}: scenario {} twice",
            d.at,
            d.name
        );
    }
    defs
}

// ---------------------------------------------------------------------------------------
// Probe output

/// One probe line after its key.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    status: String,
    detail: String,
    records: String,
}

impl Line {
    fn text(&self) -> String {
        format!("{} | {} | {}", self.status, self.detail, self.records)
    }

    /// A line as a row of docs/compat.md writes it: `STATUS | DETAIL | RECORDS`, each field
    /// trimmed (so `EAI_NONAME | |` is the line of a failure without detail or records).
    fn parse_written(s: &str) -> Option<Line> {
        let f: Vec<&str> = s.split('|').map(str::trim).collect();
        (f.len() == 3).then(|| Line {
            status: f[0].to_string(),
            detail: f[1].to_string(),
            records: f[2].to_string(),
        })
    }

    /// How a row writes this line (`\|` for the pipes: it sits in a table cell).
    fn written(&self) -> String {
        format!("{} \\| {} \\| {}", self.status, self.detail, self.records)
            .trim_end()
            .to_string()
    }

    /// Equal to a line a row wrote: field by field, trimmed.
    fn is(&self, written: &Line) -> bool {
        self.status.trim() == written.status
            && self.detail.trim() == written.detail
            && self.records.trim() == written.records
    }
}

/// What one probe run left: its output, its exit status, and each test server's log.
#[derive(Clone, Debug, Default)]
struct Out {
    stdout: String,
    stderr: String,
    status: i32,
    server_logs: Vec<String>,
}

impl Out {
    fn from_outcome(o: Outcome) -> Out {
        Out {
            stdout: o.stdout,
            stderr: o.stderr,
            status: o.status,
            server_logs: o.server_logs,
        }
    }

    /// The file `DNSSHIM_CONFORM_OUT` writes and `DNSSHIM_CONFORM_REPLAY` reads: sections
    /// `--- stdout`, `--- exit N`, `--- stderr`, `--- server N` (probe output never starts a
    /// line with `--- `).
    fn to_file(&self) -> String {
        let mut s = format!(
            "--- stdout\n{}--- exit {}\n--- stderr\n{}",
            self.stdout, self.status, self.stderr
        );
        for (i, log) in self.server_logs.iter().enumerate() {
            let _ = write!(s, "--- server {}\n{log}", i + 1);
        }
        s
    }

    fn from_file(text: &str) -> Result<Out, String> {
        let mut out = Out::default();
        let mut section = None;
        let mut exit = None;
        for l in text.lines() {
            if let Some(m) = l.strip_prefix("--- ") {
                if let Some(n) = m.strip_prefix("exit ") {
                    exit = Some(n.parse().map_err(|_| format!("bad exit line {l:?}"))?);
                    section = None;
                } else if m.starts_with("server ") {
                    out.server_logs.push(String::new());
                    section = Some("server");
                } else {
                    section = Some(m);
                }
                continue;
            }
            let to = match section {
                Some("stdout") => &mut out.stdout,
                Some("stderr") => &mut out.stderr,
                Some("server") => out.server_logs.last_mut().unwrap(),
                _ => return Err(format!("line outside a section: {l:?}")),
            };
            to.push_str(l);
            to.push('\n');
        }
        out.status = exit.ok_or("no `--- exit N` line")?;
        Ok(out)
    }
}

/// What one probe printed: its lines in order (a key may come more than once), anything
/// unparsable, its exit status.
#[derive(Clone, Debug, Default)]
struct Run {
    lines: Vec<(String, Line)>,
    junk: Vec<String>,
    status: i32,
}

impl Run {
    fn parse(o: &Out) -> Run {
        let mut run = Run {
            status: o.status,
            ..Run::default()
        };
        for l in o.stdout.lines() {
            match parse_line(l) {
                Some((k, line)) => run.lines.push((k, line)),
                None => run.junk.push(l.to_string()),
            }
        }
        run
    }

    /// Every line by its key and the how-manyth line with that key it is (0 the first): a
    /// scenario may make one call twice (`res txt9k.test TXT` and `host txt9k.test TXT`),
    /// and each one is compared.
    fn by_key(&self) -> HashMap<(&str, usize), &Line> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out = HashMap::new();
        for (k, l) in &self.lines {
            let n = seen.entry(k.as_str()).or_insert(0);
            out.insert((k.as_str(), *n), l);
            *n += 1;
        }
        out
    }

    /// The exit status and anything unparsable, as one text.
    fn exit(&self) -> String {
        if self.junk.is_empty() {
            format!("exit {}", self.status)
        } else {
            format!("exit {} junk {:?}", self.status, self.junk)
        }
    }
}

fn parse_line(l: &str) -> Option<(String, Line)> {
    let mut f = l.splitn(4, " | ");
    let key = f.next()?;
    let status = f.next()?;
    let detail = f.next()?;
    let records = f.next()?;
    (!key.is_empty()).then(|| {
        (
            key.to_string(),
            Line {
                status: status.to_string(),
                detail: detail.to_string(),
                records: records.to_string(),
            },
        )
    })
}

/// conform.c's `_r` calls: each one that succeeds is followed by a smallest-buffer line.
const R_CALLS: [&str; 4] = ["ghbn_r", "ghbn2_r.inet6", "ghbn2_r.inet", "ghba_r"];

/// The smallest-buffer line of an `_r` call (`ghbn_r.min NAME`, tests/c/conform.c
/// `call_r`): checked by the buffer oracle, not line by line.
fn is_min_key(key: &str) -> bool {
    key.split(' ').next().is_some_and(|c| c.ends_with(".min"))
}

// ---------------------------------------------------------------------------------------
// Comparisons

/// Which comparison a line of a shim run takes part in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Pair {
    /// glibc + shim against glibc.
    Glibc,
    /// musl + shim against musl.
    Musl,
    /// musl + shim against glibc's status and records: musl's answer was cut.
    Cut,
    /// musl + shim against glibc's status and records: a row says the shim answers as glibc
    /// here (NODATA, more than 48 addresses, an option musl ignores).
    AsGlibc,
}

impl Pair {
    fn parse(s: &str) -> Option<Pair> {
        match s {
            "glibc" => Some(Pair::Glibc),
            "musl" => Some(Pair::Musl),
            "cut" => Some(Pair::Cut),
            "as-glibc" => Some(Pair::AsGlibc),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Pair::Glibc => "glibc",
            Pair::Musl => "musl",
            Pair::Cut => "cut",
            Pair::AsGlibc => "as-glibc",
        }
    }

    /// The variant whose line is the reference, and the shim's.
    fn labels(self) -> (&'static str, &'static str) {
        match self {
            Pair::Glibc => ("glibc", "glibc+shim"),
            Pair::Musl => ("musl", "musl+shim"),
            Pair::Cut | Pair::AsGlibc => ("glibc", "musl+shim"),
        }
    }
}

/// A line of a shim run that its reference does not match.
#[derive(Clone, Debug)]
struct Diff {
    scenario: String,
    key: String,
    /// The how-manyth line with this key (0 the first).
    nth: usize,
    pair: Pair,
    want: Option<Line>,
    got: Option<Line>,
    /// musl + shim's line, different from musl's, has glibc's status, records and address
    /// order (the failure message suggests `as-glibc`).
    glibc_agrees: bool,
}

impl Diff {
    fn subject(&self) -> String {
        format!("{}/{}", self.scenario, self.key)
    }

    fn text(l: &Option<Line>) -> String {
        l.as_ref().map_or("(no line)".to_string(), Line::text)
    }
}

/// How a line of a shim run was checked: the per-scenario accounting.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Check {
    /// Exactly the line of the shim's own libc.
    Exact,
    /// musl + shim: glibc's status and records, musl's answer being cut.
    Cut,
    /// musl + shim: glibc's status and records, by an `as-glibc` pattern of this row.
    AsGlibc(String),
    /// Differs exactly as this row says (`= WANT -> GOT`).
    Row(String),
    /// An `_r` smallest-buffer line, checked by the buffer oracle.
    Buffer,
}

/// The questions (lowercase name without the final dot, type) the test servers answered with
/// TC set over UDP, from their logs of one probe run: the TC bit is read from the bytes the
/// server sent (tests/support: `udp PEER NAME TYPE id=N: BYTES bytes tc=0|1 ...`).
fn truncated_questions(logs: &[String]) -> HashSet<(String, String)> {
    let mut set = HashSet::new();
    for l in logs.iter().flat_map(|l| l.lines()) {
        let Some(rest) = l.strip_prefix("dnsshim-testsrv: udp ") else {
            continue;
        };
        let w: Vec<&str> = rest.split_whitespace().collect();
        if w.len() >= 7 && w[3].starts_with("id=") && w[5] == "bytes" && w[6] == "tc=1" {
            let name = w[1].trim_end_matches('.').to_ascii_lowercase();
            set.insert((name, w[2].to_string()));
        }
    }
    set
}

/// The name a reverse lookup of `addr` asks for.
fn reverse_name(addr: &str) -> Option<String> {
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => {
            let o = a.octets();
            Some(format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0]))
        }
        IpAddr::V6(a) => {
            let mut s = String::new();
            for b in a.octets().iter().rev() {
                let _ = write!(s, "{:x}.{:x}.", b & 15, b >> 4);
            }
            Some(s + "ip6.arpa")
        }
    }
}

/// Whether musl's answer for the line `key` was cut: the line shows a message with TC, or
/// the server truncated an answer to one of the questions musl asks for that call.
fn musl_cut(key: &str, musl: Option<&Line>, truncated: &HashSet<(String, String)>) -> bool {
    if musl.is_some_and(|l| l.detail.contains(" tc=1 ")) {
        return true;
    }
    let (call, arg) = key.split_once(' ').unwrap_or((key, ""));
    let arg = arg.trim_end_matches('.').to_ascii_lowercase();
    let (types, name): (&[&str], String) = if call.starts_with("ghba") || call.starts_with("gni") {
        let Some(r) = reverse_name(&arg) else {
            return false;
        };
        (&["PTR"], r)
    } else {
        let t: &[&str] = match call {
            "gai.inet" | "ghbn" | "ghbn_r" => &["A"],
            "ghbn2.inet6" | "ghbn2_r.inet6" => &["AAAA"],
            c if c.starts_with("gai.") => &["A", "AAAA"],
            c => match c.split_once('.') {
                Some((_, t)) => return related(truncated, &arg, &[t]),
                None => return false,
            },
        };
        (t, arg)
    };
    related(truncated, &name, types)
}

/// A truncated question of one of `types` for `name` or `name` with a search domain.
fn related(truncated: &HashSet<(String, String)>, name: &str, types: &[&str]) -> bool {
    truncated.iter().any(|(q, t)| {
        types.contains(&t.as_str())
            && (q == name || q.strip_prefix(name).is_some_and(|r| r.starts_with('.')))
    })
}

/// musl + shim's status as glibc writes it: the `_r` functions of musl return `ENOENT` for a
/// name not found or without data, glibc's return 0 (each build returns its libc's; the
/// comparison with glibc is about `h_errno`).
fn glibc_status(status: &str) -> String {
    match status.strip_prefix("ret=ENOENT h_errno=") {
        Some(h @ ("HOST_NOT_FOUND" | "NO_DATA")) => format!("ret=0 h_errno={h}"),
        _ => status.to_string(),
    }
}

/// The addresses of a `gai.*` or host-entry line in the order the call returned them (each
/// once: `getaddrinfo` repeats an address for each socket type); `None` for other lines.
fn address_order(key: &str, detail: &str) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    if key.starts_with("gai.") {
        for entry in detail.split(", ") {
            let mut w = entry.split(' ').skip_while(|w| w.starts_with("canon="));
            if let Some(a) = w.nth(3) {
                if !out.iter().any(|x| x == a) {
                    out.push(a.to_string());
                }
            }
        }
        return Some(out);
    }
    let (_, addrs) = detail.split_once(" addrs=[")?;
    Some(
        addrs
            .trim_end_matches(']')
            .split(' ')
            .map(str::to_string)
            .collect(),
    )
}

/// musl + shim's line has glibc's status and records, and its addresses in glibc's order.
fn as_glibc(key: &str, glibc: &Line, shim: &Line) -> bool {
    glibc.status == glibc_status(&shim.status)
        && glibc.records == shim.records
        && address_order(key, &glibc.detail) == address_order(key, &shim.detail)
}

/// The bytes the library's `_r` layout takes for a host entry written as conform.c's detail
/// (`name=N aliases=[A B] FAMILY len=L addrs=[X Y]`), from a pointer-aligned buffer: the
/// alias and the address pointer arrays, each ended by a NULL pointer (no alias: the alias
/// list is the address list's NULL), then the addresses, then the name and each alias that is
/// not the name (that one shares the name's bytes), each with its NUL (docs/compat.md
/// `r-buffer-small`). `None` when the detail is not a host entry.
fn layout_bytes(detail: &str) -> Option<usize> {
    const PTR: usize = std::mem::size_of::<usize>();
    let rest = detail.strip_prefix("name=")?;
    let (name, rest) = rest.split_once(" aliases=[")?;
    let (aliases, rest) = rest.split_once("] ")?;
    let mut w = rest.split(' ');
    let _family = w.next()?;
    let len: usize = w.next()?.strip_prefix("len=")?.parse().ok()?;
    let addrs = w.collect::<Vec<_>>().join(" ");
    let addrs = addrs.strip_prefix("addrs=[")?.strip_suffix(']')?;
    let count = |s: &str| s.split(' ').filter(|x| !x.is_empty()).count();
    // conform.c writes a byte outside 0x21..0x7e (and `\ | ,`) as \DDD.
    let bytes = |s: &str| s.len() - 3 * s.matches('\\').count();
    let (n_aliases, n_addrs) = (count(aliases), count(addrs));
    let alias_slots = if n_aliases == 0 { 0 } else { n_aliases + 1 };
    Some(
        (alias_slots + n_addrs + 1) * PTR
            + n_addrs * len
            + bytes(name)
            + 1
            + aliases
                .split(' ')
                .filter(|a| !a.is_empty() && *a != name)
                .map(|a| bytes(a) + 1)
                .sum::<usize>(),
    )
}

/// `min=N` of a smallest-buffer line.
fn min_size(l: &Line) -> Option<usize> {
    l.status.strip_prefix("min=")?.parse().ok()
}

/// The accounting of one scenario, and what failed in it.
#[derive(Debug, Default)]
struct Tally {
    /// Lines per shim variant and check.
    counts: BTreeMap<(String, Check), usize>,
    /// Smallest buffers compared with a libc's: (variant, libc) → count.
    buffers: BTreeMap<(String, &'static str), usize>,
    failures: Vec<String>,
}

impl Tally {
    fn add(&mut self, variant: Variant, c: Check) {
        *self.counts.entry((variant.to_string(), c)).or_insert(0) += 1;
    }

    /// `glibc+shim: 40 exact, 2 _r buffers (2 also <= glibc's); musl+shim: 30 exact, 7 vs
    /// glibc (cut 2, nodata 5), 1 excused (gai-strerror-nodata 1), 2 _r buffers (...)`
    fn summary(&self) -> String {
        let mut out = Vec::new();
        for v in [GLIBC_SHIM, MUSL_SHIM] {
            let v = v.to_string();
            let (mut exact, mut buffers) = (0, 0);
            let (mut glibc, mut excused) = (Vec::new(), Vec::new());
            for ((var, c), n) in &self.counts {
                if *var != v {
                    continue;
                }
                match c {
                    Check::Exact => exact += n,
                    Check::Buffer => buffers += n,
                    Check::Cut => glibc.push(("cut".to_string(), *n)),
                    Check::AsGlibc(id) => glibc.push((id.clone(), *n)),
                    Check::Row(id) => excused.push((id.clone(), *n)),
                }
            }
            let list = |items: &[(String, usize)]| {
                let total: usize = items.iter().map(|x| x.1).sum();
                let names: Vec<String> = items.iter().map(|(id, n)| format!("{id} {n}")).collect();
                (total, names.join(", "))
            };
            let mut parts = vec![format!("{exact} exact")];
            if !glibc.is_empty() {
                let (t, names) = list(&glibc);
                parts.push(format!("{t} vs glibc ({names})"));
            }
            if !excused.is_empty() {
                let (t, names) = list(&excused);
                parts.push(format!("{t} excused ({names})"));
            }
            if buffers > 0 {
                let with: Vec<String> = self
                    .buffers
                    .iter()
                    .filter(|((bv, _), _)| *bv == v)
                    .map(|((_, libc), k)| format!("{k} also <= {libc}'s"))
                    .collect();
                parts.push(if with.is_empty() {
                    format!("{buffers} _r buffers")
                } else {
                    format!("{buffers} _r buffers ({})", with.join(", "))
                });
            }
            out.push(format!("{v}: {}", parts.join(", ")));
        }
        out.join("; ")
    }
}

/// The Conformance patterns of docs/compat.md, and which of them lines used.
struct Table {
    rows: Vec<Row>,
    /// (row, pattern, subject, pair) that named a line.
    used: HashSet<(usize, usize, usize, Pair)>,
}

impl Table {
    /// The row that names `pair` for `subject`: an `as-glibc` pattern (`lines` None) or one
    /// whose `= WANT -> GOT` are exactly these lines. Marks it used.
    fn name(&mut self, pair: Pair, subject: &str, lines: Option<(&Line, &Line)>) -> Option<String> {
        for (ri, row) in self.rows.iter().enumerate() {
            for (pi, p) in row.patterns.iter().enumerate() {
                let Some(si) = p.subjects.iter().position(|s| s == subject) else {
                    continue;
                };
                let same = match (&p.lines, lines) {
                    (None, None) => true,
                    (Some((pw, pg)), Some((w, g))) => w.is(pw) && g.is(pg),
                    _ => false,
                };
                if p.pairs.contains(&pair) && same {
                    self.used.insert((ri, pi, si, pair));
                    return Some(row.id.clone());
                }
            }
        }
        None
    }

    /// The rows naming `pair` for `subject` with other lines, for the failure message.
    fn near(&self, pair: Pair, subject: &str) -> Vec<String> {
        let mut out = Vec::new();
        for row in &self.rows {
            for p in &row.patterns {
                if p.pairs.contains(&pair) && p.subjects.iter().any(|s| s == subject) {
                    out.push(format!(
                        "docs/compat.md:{}: row {} names it as `{}`",
                        row.line,
                        row.id,
                        p.text()
                    ));
                }
            }
        }
        out
    }

    /// Whether an `as-glibc` pattern names `subject` (without marking it used).
    fn as_glibc(&self, subject: &str) -> bool {
        self.rows.iter().any(|r| {
            r.patterns.iter().any(|p| {
                p.pairs.contains(&Pair::AsGlibc) && p.subjects.iter().any(|s| s == subject)
            })
        })
    }
}

/// The message for a line nothing accounts for.
fn unaccounted(d: &Diff, table: &Table, at: &str) -> String {
    let (want_l, got_l) = d.pair.labels();
    let (w, g) = around_difference(&Diff::text(&d.want), &Diff::text(&d.got));
    let nth = if d.nth > 0 {
        format!(" (line {} with this key)", d.nth + 1)
    } else {
        String::new()
    };
    let mut m = match (&d.want, &d.got) {
        (Some(want), Some(got)) if d.pair != Pair::AsGlibc => format!(
            "unaccounted line `{} {}`{nth} ({at}):\n    {want_l:<11} {w}\n    {got_l:<11} {g}\n    \
             a row naming exactly this difference: `{} {} = {} -> {}`\n",
            d.pair.name(),
            d.subject(),
            d.pair.name(),
            d.subject(),
            want.written(),
            got.written()
        ),
        (Some(_), Some(_)) => format!(
            "as-glibc line `{}`{nth} ({at}) has not glibc's status and records:\n    \
             {want_l:<11} {w}\n    {got_l:<11} {g}\n",
            d.subject()
        ),
        _ => format!(
            "broken probe run `{} {}`{nth} ({at}), which no row can name:\n    \
             {want_l:<11} {w}\n    {got_l:<11} {g}\n",
            d.pair.name(),
            d.subject()
        ),
    };
    if d.glibc_agrees {
        let _ = writeln!(
            m,
            "    it has glibc's status, records and address order: where the musl build answers \
             as glibc on purpose, `as-glibc {}`",
            d.subject()
        );
    }
    for n in table.near(d.pair, &d.subject()) {
        let _ = writeln!(m, "    ({n}, with other lines)");
    }
    m
}

/// Compares one scenario's four runs line by line and accounts for every line of the two
/// shim runs: the same as its libc's, glibc's status and records (cut, or `as-glibc`), a
/// difference a row names exactly, or a smallest buffer the buffer oracle checked. Anything
/// else is a failure.
fn compare(def: &Def, outs: &HashMap<Variant, Out>, table: &mut Table) -> Tally {
    let mut tally = Tally::default();
    let runs: HashMap<Variant, Run> = outs.iter().map(|(v, o)| (*v, Run::parse(o))).collect();
    let (m, ms, g, gs) = (
        &runs[&MUSL],
        &runs[&MUSL_SHIM],
        &runs[&GLIBC],
        &runs[&GLIBC_SHIM],
    );
    let truncated = truncated_questions(&outs[&MUSL].server_logs);
    let (mk, msk, gk, gsk) = (m.by_key(), ms.by_key(), g.by_key(), gs.by_key());
    let fail = |d: Diff, table: &Table, tally: &mut Tally| {
        tally.failures.push(unaccounted(&d, table, &def.at));
    };
    let diff =
        |key: &str, nth: usize, pair: Pair, want: Option<&&Line>, got: Option<&&Line>| Diff {
            scenario: def.name.clone(),
            key: key.to_string(),
            nth,
            pair,
            want: want.map(|l| (*l).clone()),
            got: got.map(|l| (*l).clone()),
            glibc_agrees: false,
        };
    // Exits and unparsable output: never a difference a row can name.
    for (libc, shim, pair) in [(g, gs, Pair::Glibc), (m, ms, Pair::Musl)] {
        if libc.exit() != shim.exit() {
            let line = |r: &Run| Line {
                status: r.exit(),
                detail: String::new(),
                records: String::new(),
            };
            tally.failures.push(format!(
                "broken probe run ({}): {} {}, {} {}\n",
                def.at,
                pair.labels().0,
                line(libc).text(),
                pair.labels().1,
                line(shim).text()
            ));
        }
    }
    // Every key and how-manyth, in the order of first appearance.
    let mut keys: Vec<(&str, usize)> = Vec::new();
    let mut seen = HashSet::new();
    for r in [g, gs, m, ms] {
        let mut nth: HashMap<&str, usize> = HashMap::new();
        for (k, _) in &r.lines {
            let n = nth.entry(k.as_str()).or_insert(0);
            if seen.insert((k.as_str(), *n)) {
                keys.push((k.as_str(), *n));
            }
            *n += 1;
        }
    }
    for &(key, nth) in &keys {
        if is_min_key(key) {
            continue;
        }
        let at = (key, nth);
        let (gl, gsl, ml, msl) = (gk.get(&at), gsk.get(&at), mk.get(&at), msk.get(&at));
        let subject = format!("{}/{key}", def.name);
        // glibc + shim.
        match (gl, gsl) {
            (Some(a), Some(b)) if a == b => tally.add(GLIBC_SHIM, Check::Exact),
            (Some(a), Some(b)) => match table.name(Pair::Glibc, &subject, Some((a, b))) {
                Some(id) => tally.add(GLIBC_SHIM, Check::Row(id)),
                None => fail(diff(key, nth, Pair::Glibc, gl, gsl), table, &mut tally),
            },
            _ => fail(diff(key, nth, Pair::Glibc, gl, gsl), table, &mut tally),
        }
        // musl + shim.
        let cut = musl_cut(key, ml.copied(), &truncated);
        let pair = if cut {
            Pair::Cut
        } else if ml != msl && table.as_glibc(&subject) {
            Pair::AsGlibc
        } else {
            Pair::Musl
        };
        let want = if pair == Pair::Musl { ml } else { gl };
        match (want, msl) {
            (Some(a), Some(b)) if pair == Pair::Musl && a == b => {
                tally.add(MUSL_SHIM, Check::Exact)
            }
            (Some(a), Some(b)) if pair == Pair::Cut && as_glibc(key, a, b) => {
                tally.add(MUSL_SHIM, Check::Cut)
            }
            (Some(a), Some(b)) if pair == Pair::AsGlibc && as_glibc(key, a, b) => {
                let id = table.name(Pair::AsGlibc, &subject, None).unwrap();
                tally.add(MUSL_SHIM, Check::AsGlibc(id))
            }
            (Some(a), Some(b)) if pair != Pair::AsGlibc => {
                match table.name(pair, &subject, Some((a, b))) {
                    Some(id) => tally.add(MUSL_SHIM, Check::Row(id)),
                    None => {
                        let mut d = diff(key, nth, pair, want, msl);
                        d.glibc_agrees =
                            pair == Pair::Musl && gl.is_some_and(|g| as_glibc(key, g, b));
                        fail(d, table, &mut tally)
                    }
                }
            }
            _ => fail(diff(key, nth, pair, want, msl), table, &mut tally),
        }
    }
    check_buffers(def, &runs, &mut tally);
    tally
}

/// The buffer oracle, for every smallest-buffer line of the two shim runs (`KEY.min`, which
/// conform.c prints after each `_r` call that succeeds): the result at that size is the whole
/// result; the size is what the library's layout needs for it ([`layout_bytes`]); and it is
/// at most what the libc needs for the same host entry (glibc + shim: glibc; musl + shim:
/// musl, and glibc where glibc's entry is the same): a program whose fixed buffer is enough
/// for its C library is enough for the shim. In a scenario with NSS modules (an `nss:` block)
/// an entry of the glibc build may be laid out by a module, in the caller's buffer, as under
/// glibc: its size is then the module's, not the library's layout (and still at most glibc's,
/// whose own `files` source needs the buffer for reading the hosts file first).
fn check_buffers(def: &Def, runs: &HashMap<Variant, Run>, tally: &mut Tally) {
    for (shim, refs) in [(GLIBC_SHIM, &[GLIBC][..]), (MUSL_SHIM, &[MUSL, GLIBC][..])] {
        let lines = runs[&shim].by_key();
        let mut mins: Vec<(&str, usize)> = lines
            .keys()
            .copied()
            .filter(|(k, _)| is_min_key(k))
            .collect();
        mins.sort();
        // Every `_r` call that succeeded is followed by its smallest buffer.
        let mut missing: Vec<String> = lines
            .iter()
            .filter(|((k, nth), l)| {
                let (call, arg) = k.split_once(' ').unwrap_or((k, ""));
                R_CALLS.contains(&call)
                    && l.status == "OK"
                    && !lines.contains_key(&(format!("{call}.min {arg}").as_str(), *nth))
            })
            .map(|((k, _), _)| {
                format!(
                    "_r buffer `{shim} {}/{k}` ({}): no smallest-buffer line\n",
                    def.name, def.at
                )
            })
            .collect();
        missing.sort();
        tally.failures.extend(missing);
        for (key, nth) in mins {
            let min = lines[&(key, nth)];
            let (call, arg) = key.split_once(' ').unwrap_or((key, ""));
            let full_key = format!("{} {arg}", call.trim_end_matches(".min"));
            let mut bad = |what: String| {
                tally.failures.push(format!(
                    "_r buffer `{shim} {}/{key}` ({}): {what}\n",
                    def.name, def.at
                ));
            };
            let Some(full) = lines.get(&(full_key.as_str(), nth)) else {
                bad("no full-size line".into());
                continue;
            };
            let Some(n) = min_size(min) else {
                bad(format!("the bisection failed: {}", min.text()));
                continue;
            };
            if (&min.detail, &min.records) != (&full.detail, &full.records) {
                bad(format!(
                    "the result at {n} bytes is not the whole result:\n    at {n}: {}\n    whole:  {}",
                    min.text(),
                    full.text()
                ));
                continue;
            }
            let laid_out_by_module = || {
                def.nss.is_some()
                    && shim == GLIBC_SHIM
                    && runs[&GLIBC].by_key().get(&(full_key.as_str(), nth)) == Some(full)
            };
            match layout_bytes(&full.detail) {
                Some(need) if need == n => {}
                Some(_) if laid_out_by_module() => {}
                Some(need) => {
                    bad(format!(
                        "smallest buffer {n} bytes, the layout needs {need}: {}",
                        full.text()
                    ));
                    continue;
                }
                None => {
                    bad(format!("not a host entry: {}", full.text()));
                    continue;
                }
            }
            for r in refs {
                let rl = runs[r].by_key();
                let (Some(rfull), Some(rmin)) =
                    (rl.get(&(full_key.as_str(), nth)), rl.get(&(key, nth)))
                else {
                    continue;
                };
                if rfull.detail != full.detail {
                    continue;
                }
                match min_size(rmin) {
                    Some(rn) if n <= rn => {
                        let libc = if r.libc == Libc::Musl {
                            "musl"
                        } else {
                            "glibc"
                        };
                        *tally.buffers.entry((shim.to_string(), libc)).or_insert(0) += 1;
                    }
                    Some(rn) => bad(format!("{n} bytes, {r} needs only {rn}: {}", full.text())),
                    None => bad(format!("{r}'s bisection failed: {}", rmin.text())),
                }
            }
            tally.add(shim, Check::Buffer);
        }
    }
}

// ---------------------------------------------------------------------------------------
// docs/compat.md

/// A pattern of a row's Conformance cell: `PAIRS SCENARIO/KEY`, then (except for `as-glibc`)
/// ` = WANT -> GOT`, the reference line and the shim's line exactly (`STATUS | DETAIL |
/// RECORDS`, each field trimmed). SCENARIO/KEY is exact: no wildcard; `{a,b}` lists several
/// (`nodata/{ghbn,ghbn_r} v6.test`), and every one of them must name a line.
#[derive(Clone, Debug)]
struct Pattern {
    pairs: Vec<Pair>,
    /// SCENARIO/KEY as written.
    written: String,
    /// SCENARIO/KEY with the braces expanded.
    subjects: Vec<String>,
    lines: Option<(Line, Line)>,
}

/// `a{b,c}d{e,f}` → abde, abdf, acde, acdf.
fn expand_braces(s: &str) -> Result<Vec<String>, String> {
    let Some(open) = s.find('{') else {
        if s.contains('}') {
            return Err(format!("{s:?}: `}}` without `{{`"));
        }
        return Ok(vec![s.to_string()]);
    };
    let close = s[open..]
        .find('}')
        .map(|i| open + i)
        .ok_or_else(|| format!("{s:?}: unclosed `{{`"))?;
    let inner = &s[open + 1..close];
    if inner.contains('{') {
        return Err(format!("{s:?}: braces inside braces"));
    }
    let rest = expand_braces(&s[close + 1..])?;
    let mut out = Vec::new();
    for alt in inner.split(',') {
        if alt.is_empty() {
            return Err(format!("{s:?}: an empty alternative"));
        }
        for r in &rest {
            out.push(format!("{}{alt}{r}", &s[..open]));
        }
    }
    Ok(out)
}

impl Pattern {
    fn parse(s: &str) -> Result<Pattern, String> {
        let (head, lines) = match s.split_once(" = ") {
            Some((h, l)) => {
                let (w, g) = l
                    .split_once(" -> ")
                    .ok_or_else(|| format!("`{s}`: expected ` = WANT -> GOT` after the key"))?;
                let line = |x: &str| {
                    Line::parse_written(x).ok_or_else(|| {
                        format!("`{s}`: {x:?} is not a line `STATUS | DETAIL | RECORDS`")
                    })
                };
                (h, Some((line(w)?, line(g)?)))
            }
            None => (s, None),
        };
        let (pairs, written) = head
            .split_once(' ')
            .ok_or_else(|| format!("`{s}`: expected `PAIRS SCENARIO/KEY`"))?;
        let pairs = pairs
            .split(',')
            .map(|p| {
                Pair::parse(p)
                    .ok_or_else(|| format!("`{s}`: {p:?} is not glibc, musl, cut or as-glibc"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if written.contains('*') {
            return Err(format!(
                "`{s}`: no wildcards: name each scenario and call (`{{a,b}}` lists several)"
            ));
        }
        let subjects = expand_braces(written).map_err(|e| format!("`{s}`: {e}"))?;
        if let Some(bad) = subjects.iter().find(|x| {
            x.split_once('/')
                .is_none_or(|(sc, k)| sc.is_empty() || k.is_empty())
        }) {
            return Err(format!("`{s}`: {bad:?} is not SCENARIO/KEY"));
        }
        let as_glibc = pairs.contains(&Pair::AsGlibc);
        if as_glibc && (pairs.len() > 1 || lines.is_some()) {
            return Err(format!(
                "`{s}`: `as-glibc` stands alone and has no lines (glibc's line is the reference)"
            ));
        }
        if !as_glibc && lines.is_none() {
            return Err(format!(
                "`{s}`: a difference is named exactly: `= WANT -> GOT` (or `as-glibc`)"
            ));
        }
        Ok(Pattern {
            pairs,
            written: written.to_string(),
            subjects,
            lines,
        })
    }

    fn text(&self) -> String {
        let pairs: Vec<&str> = self.pairs.iter().map(|p| p.name()).collect();
        match &self.lines {
            Some((w, g)) => format!(
                "{} {} = {} -> {}",
                pairs.join(","),
                self.written,
                w.written(),
                g.written()
            ),
            None => format!("{} {}", pairs.join(","), self.written),
        }
    }
}

/// A row of a table of docs/compat.md.
#[derive(Clone, Debug)]
struct Row {
    id: String,
    why: String,
    patterns: Vec<Pattern>,
    line: usize,
}

/// `*` matches any run of characters; everything else itself (`DNSSHIM_CONFORM` only).
fn glob(pat: &str, s: &str) -> bool {
    let parts: Vec<&str> = pat.split('*').collect();
    if parts.len() == 1 {
        return pat == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// The cells of a table line `| a | b |`; `\|` is a pipe inside a cell.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The backticked items of a Conformance cell; it holds nothing else (or is empty or "—").
fn cell_patterns(cell: &str) -> Result<Vec<Pattern>, String> {
    let mut out = Vec::new();
    let mut rest = cell.trim();
    if rest.is_empty() || rest == "—" {
        return Ok(out);
    }
    while !rest.is_empty() {
        let Some(r) = rest.strip_prefix('`') else {
            return Err(format!(
                "{cell:?}: only `PAIRS SCENARIO/KEY` items belong here"
            ));
        };
        let end = r
            .find('`')
            .ok_or_else(|| format!("{cell:?}: unclosed backtick"))?;
        out.push(Pattern::parse(&r[..end])?);
        rest = r[end + 1..].trim_start_matches([' ', ',', ';']);
    }
    Ok(out)
}

/// Every row of every table of compat.md. Every table has an `Id` column (unique ids of
/// lowercase letters, digits and dashes) and a `Conformance` column; rows with patterns have a
/// reason in `Why`.
fn parse_compat(text: &str) -> Result<Vec<Row>, Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut ids = HashSet::new();
    let mut i = 0;
    while i < lines.len() {
        let is_table = lines[i].trim_start().starts_with('|')
            && lines.get(i + 1).is_some_and(|l| {
                l.trim_start().starts_with("|-") || l.trim_start().starts_with("| -")
            });
        if !is_table {
            i += 1;
            continue;
        }
        let header = cells(lines[i]);
        let col = |name: &str| header.iter().position(|h| h == name);
        let (id_col, conf_col, why_col) = (col("Id"), col("Conformance"), col("Why"));
        if id_col.is_none() || conf_col.is_none() || why_col.is_none() {
            errors.push(format!(
                "docs/compat.md:{}: every table needs the columns Id, Why and Conformance (has {header:?})",
                i + 1
            ));
        }
        i += 2;
        while i < lines.len() && lines[i].trim_start().starts_with('|') {
            let c = cells(lines[i]);
            let at = format!("docs/compat.md:{}", i + 1);
            if c.len() != header.len() {
                errors.push(format!(
                    "{at}: {} cells, the header has {}",
                    c.len(),
                    header.len()
                ));
            }
            if let (Some(ic), Some(cc), Some(wc)) = (id_col, conf_col, why_col) {
                let id = c.get(ic).map_or("", |s| s.trim_matches('`')).to_string();
                let idok = !id.is_empty()
                    && id
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-');
                if !idok {
                    errors.push(format!(
                        "{at}: bad id {id:?} (lowercase letters, digits, dashes)"
                    ));
                } else if !ids.insert(id.clone()) {
                    errors.push(format!("{at}: id {id} used twice"));
                }
                let why = c.get(wc).cloned().unwrap_or_default();
                match cell_patterns(c.get(cc).map_or("", String::as_str)) {
                    Ok(patterns) => {
                        if !patterns.is_empty() && (why.is_empty() || why == "—") {
                            errors.push(format!(
                                "{at}: row {id} names differences but gives no reason (Why)"
                            ));
                        }
                        rows.push(Row {
                            id,
                            why,
                            patterns,
                            line: i + 1,
                        });
                    }
                    Err(e) => errors.push(format!("{at}: {e}")),
                }
            }
            i += 1;
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

// ---------------------------------------------------------------------------------------
// Running

fn conform_binary(libc: Libc) -> PathBuf {
    common::c_program(libc, "tests/c/conform.c", "conform")
}

const VARIANTS: [Variant; 4] = [MUSL, MUSL_SHIM, GLIBC, GLIBC_SHIM];

/// The namespace of a scenario (servers, files), with `extra` appended to its resolv.conf,
/// and no probes yet.
fn scenario_of(def: &Def, extra: &str) -> Scenario {
    let resolv = def.resolv.as_deref().unwrap_or(DEFAULT_RESOLV);
    let mut sc = Scenario::new(&def.zone).resolv(&format!("{resolv}{extra}"));
    if let Some(h) = &def.hosts {
        sc = sc.hosts(h);
    }
    if let Some(z) = &def.zone2 {
        sc = sc.extra_server(z, &["127.0.0.2:53"]);
    }
    if let Some(n) = &def.nsswitch {
        sc = sc.nsswitch(n);
    }
    for h in &def.hide {
        sc = sc.hide_etc_file(h);
    }
    if let Some(h) = &def.hostname {
        sc = sc.hostname(h);
    }
    for l in &def.setup {
        sc = sc.setup(l);
    }
    sc
}

/// The scenario's environment: its `env:` lines and, for an `nss:` script, the test module's
/// directory and the script, written into a directory the caller removes after the run.
fn env_of(def: &Def) -> (Vec<(String, String)>, Option<PathBuf>) {
    let mut env = def.env.clone();
    let script_dir = def.nss.as_ref().map(|script| {
        let dir = common::temp_dir("nss");
        fs::write(dir.join("script"), script).unwrap();
        env.push(("LD_LIBRARY_PATH".into(), common::nss_module_path()));
        env.push((
            "NSS_TEST_SCRIPT".into(),
            dir.join("script").to_string_lossy().into_owned(),
        ));
        dir
    });
    (env, script_dir)
}

/// The probe of `variant` making `calls`, in the scenario's environment `base` and `env`.
fn probe_of(
    base: &[(String, String)],
    bins: &[PathBuf; 2],
    v: Variant,
    calls: &[String],
    env: &[(&str, &str)],
) -> Probe {
    let bin = &bins[usize::from(v.libc == Libc::Glibc)];
    let mut p = Probe {
        variant: v,
        program: Program::Command(bin.clone()),
        args: calls.to_vec(),
        env: Vec::new(),
    };
    for (k, val) in base {
        p = p.env(k, val);
    }
    for (k, val) in env {
        p = p.env(k, val);
    }
    p
}

/// Runs one scenario's four probes in one namespace.
fn run_def(def: &Def, bins: &[PathBuf; 2]) -> HashMap<Variant, Out> {
    let mut sc = scenario_of(def, "");
    let (env, script_dir) = env_of(def);
    for v in VARIANTS {
        sc = sc.probe(probe_of(&env, bins, v, &def.calls, &[]));
    }
    let out = sc.run();
    if let Some(d) = script_dir {
        let _ = fs::remove_dir_all(d);
    }
    VARIANTS
        .into_iter()
        .zip(out)
        .map(|(v, o)| (v, Out::from_outcome(o)))
        .collect()
}

/// One scenario's four runs as `DNSSHIM_CONFORM_OUT` wrote them into `dir`.
fn replay_def(def: &Def, dir: &Path) -> HashMap<Variant, Out> {
    VARIANTS
        .into_iter()
        .map(|v| {
            let f = dir.join(format!("{}.{v}", def.name));
            let text = fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let out = Out::from_file(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            (v, out)
        })
        .collect()
}

/// One line of the accounting on stderr, written past the test harness's output capture, so
/// that `make test` shows it for a passing run too.
fn show(line: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr()
        .lock()
        .write_all(format!("{line}\n").as_bytes());
}

/// The start of the two texts where they first differ, shortened for a report.
fn around_difference(a: &str, b: &str) -> (String, String) {
    let p = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let cut = |s: &str| {
        let mut from = p.saturating_sub(100);
        while !s.is_char_boundary(from.min(s.len())) {
            from -= 1;
        }
        let from = from.min(s.len());
        let t: String = s[from..].chars().take(300).collect();
        format!(
            "{}{t}{}",
            if from > 0 { "…" } else { "" },
            if s.len() - from > t.len() { "…" } else { "" }
        )
    };
    (cut(a), cut(b))
}

#[test]
fn differential_conformance() {
    let started = Instant::now();
    let compat_path = std::env::var_os("DNSSHIM_CONFORM_COMPAT")
        .map_or_else(|| root().join("docs/compat.md"), PathBuf::from);
    let compat = fs::read_to_string(&compat_path).expect("docs/compat.md");
    let rows =
        parse_compat(&compat).unwrap_or_else(|e| panic!("docs/compat.md:\n{}", e.join("\n")));
    let all_defs = load_defs();
    let mut defs = all_defs.clone();
    let filter = std::env::var("DNSSHIM_CONFORM").ok();
    if let Some(f) = &filter {
        defs.retain(|d| glob(f, &d.name));
        assert!(!defs.is_empty(), "DNSSHIM_CONFORM={f} matches no scenario");
    } else {
        assert!(
            defs.len() >= 40,
            "{} scenarios: the suite wants at least 40",
            defs.len()
        );
    }
    // Every pattern names scenarios that exist.
    let names: HashSet<&str> = all_defs.iter().map(|d| d.name.as_str()).collect();
    let mut report = String::new();
    for row in &rows {
        for p in &row.patterns {
            for s in &p.subjects {
                let sc = s.split('/').next().unwrap_or("");
                if !names.contains(sc) {
                    let _ = writeln!(
                        report,
                        "docs/compat.md:{}: row {}: `{}` names no scenario {sc:?}",
                        row.line,
                        row.id,
                        p.text()
                    );
                }
            }
        }
    }
    let out_dir = std::env::var_os("DNSSHIM_CONFORM_OUT").map(PathBuf::from);
    if let Some(d) = &out_dir {
        fs::create_dir_all(d).unwrap();
    }
    let replay = std::env::var_os("DNSSHIM_CONFORM_REPLAY").map(PathBuf::from);
    let bins = if replay.is_none() {
        // Both libraries must exist before anything runs.
        common::shim_library(Libc::Musl);
        common::shim_library(Libc::Glibc);
        Some([conform_binary(Libc::Musl), conform_binary(Libc::Glibc)])
    } else {
        None
    };

    // Every scenario in its own namespace, WORKERS at a time.
    let next = AtomicUsize::new(0);
    type Done = (usize, HashMap<Variant, Out>, u128);
    let results: Mutex<Vec<Done>> = Mutex::new(Vec::new());
    let failed: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(def) = defs.get(i) else { break };
                let t = Instant::now();
                let run = || match (&replay, &bins) {
                    (Some(dir), _) => replay_def(def, dir),
                    (None, Some(bins)) => run_def(def, bins),
                    (None, None) => unreachable!(),
                };
                let outs = match std::panic::catch_unwind(run) {
                    Ok(r) => r,
                    Err(e) => {
                        let msg = e
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        failed.lock().unwrap().push(format!(
                            "{}: scenario {} did not run: {msg}",
                            def.at, def.name
                        ));
                        continue;
                    }
                };
                if let Some(d) = &out_dir {
                    for (v, o) in &outs {
                        let _ = fs::write(d.join(format!("{}.{v}", def.name)), o.to_file());
                    }
                }
                results
                    .lock()
                    .unwrap()
                    .push((i, outs, t.elapsed().as_millis()));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.0);
    for f in failed.into_inner().unwrap() {
        let _ = writeln!(report, "{f}");
    }

    // Every line of every scenario, accounted for.
    let mut table = Table {
        rows,
        used: HashSet::new(),
    };
    let mut total = Tally::default();
    for (i, outs, ms) in &results {
        let def = &defs[*i];
        let tally = compare(def, outs, &mut table);
        show(&format!(
            "conformance: {} ({ms} ms): {}{}",
            def.name,
            tally.summary(),
            if tally.failures.is_empty() {
                String::new()
            } else {
                format!("; {} UNACCOUNTED", tally.failures.len())
            }
        ));
        for f in &tally.failures {
            report.push_str(f);
        }
        for (k, n) in tally.counts {
            *total.counts.entry(k).or_insert(0) += n;
        }
        for (k, n) in tally.buffers {
            *total.buffers.entry(k).or_insert(0) += n;
        }
        total.failures.extend(tally.failures);
    }
    // Patterns that named no line.
    let ran: HashSet<&str> = defs.iter().map(|d| d.name.as_str()).collect();
    let mut stale = String::new();
    for (ri, row) in table.rows.iter().enumerate() {
        for (pi, p) in row.patterns.iter().enumerate() {
            for (si, s) in p.subjects.iter().enumerate() {
                if !ran.contains(s.split('/').next().unwrap_or("")) {
                    continue;
                }
                for pair in &p.pairs {
                    if !table.used.contains(&(ri, pi, si, *pair)) {
                        let _ = writeln!(
                            stale,
                            "docs/compat.md:{}: row {} (\"{}\"): `{}` names no line of {} {s}",
                            row.line,
                            row.id,
                            row.why.chars().take(60).collect::<String>(),
                            p.text(),
                            pair.name(),
                        );
                    }
                }
            }
        }
    }
    show(&format!(
        "conformance: {} scenarios, {} s: {}; {} unaccounted",
        defs.len(),
        started.elapsed().as_secs(),
        total.summary(),
        total.failures.len()
    ));
    if filter.is_some() && !stale.is_empty() {
        eprintln!("(DNSSHIM_CONFORM set: stale patterns not failed)\n{stale}");
        stale.clear();
    }
    assert!(
        report.is_empty() && stale.is_empty(),
        "\n{report}{stale}\nEvery line of a shim run must be its libc's line, glibc's status and records (musl's answer cut, or an `as-glibc` pattern), or a difference a row of docs/compat.md names exactly (`PAIRS SCENARIO/KEY = WANT -> GOT`); patterns naming no line must go. Outputs: DNSSHIM_CONFORM_OUT=DIR; check the table again without running anything: DNSSHIM_CONFORM_REPLAY=DIR."
    );
}

// ---------------------------------------------------------------------------------------
// The opt-in features: time, never answers

/// How a feature is turned on in [`features_change_time_not_answers`].
struct Feature {
    name: &'static str,
    /// Appended to the scenario's resolv.conf.
    resolv: &'static str,
    env: &'static [(&'static str, &'static str)],
}

/// Off first: the reference of the others.
const FEATURES: [Feature; 4] = [
    Feature {
        name: "off",
        resolv: "",
        env: &[],
    },
    Feature {
        name: "cache",
        resolv: "\noptions dnsshim-cache\n",
        env: &[],
    },
    Feature {
        name: "parallel-search",
        resolv: "",
        env: &[("DNSSHIM_PARALLEL_SEARCH", "1")],
    },
    Feature {
        name: "cache+parallel-search",
        resolv: "\noptions dnsshim-cache\n",
        env: &[("DNSSHIM_PARALLEL_SEARCH", "1")],
    },
];

/// The opt-in features change the time a lookup takes, never its result: every scenario's
/// calls, made twice in one process (the second time answered from the cache where it may
/// be), print exactly the same lines and exit the same with the answer cache on (`options
/// dnsshim-cache` in resolv.conf), with the parallel search (`DNSSHIM_PARALLEL_SEARCH=1`) and
/// with both, as with neither; both builds of the shim. The cache is seen at work: with it
/// alone no scenario sends more queries than without it, and the scenarios together send
/// fewer. `DNSSHIM_CONFORM=GLOB` picks scenarios here too.
#[test]
fn features_change_time_not_answers() {
    let started = Instant::now();
    let mut defs = load_defs();
    if let Ok(f) = std::env::var("DNSSHIM_CONFORM") {
        defs.retain(|d| glob(&f, &d.name));
        assert!(!defs.is_empty(), "DNSSHIM_CONFORM={f} matches no scenario");
    }
    common::shim_library(Libc::Musl);
    common::shim_library(Libc::Glibc);
    let bins = [conform_binary(Libc::Musl), conform_binary(Libc::Glibc)];
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, Compared)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(def) = defs.get(i) else { break };
                let c = compare_features(def, &bins);
                show(&c.line);
                done.lock().unwrap().push((i, c));
            });
        }
    });
    let mut done = done.into_inner().unwrap();
    done.sort_by_key(|r| r.0);
    let failures: Vec<String> = done.iter().flat_map(|r| r.1.failures.clone()).collect();
    let q_off: usize = done.iter().map(|r| r.1.cache_queries.0).sum();
    let q_cache: usize = done.iter().map(|r| r.1.cache_queries.1).sum();
    show(&format!(
        "features: {} scenarios, {} s: with the cache {q_cache} queries, without {q_off}; {} \
         differences",
        defs.len(),
        started.elapsed().as_secs(),
        failures.len()
    ));
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(
        q_cache < q_off,
        "the cache answered nothing: {q_cache} queries with it, {q_off} without"
    );
}

/// One scenario with and without the features.
struct Compared {
    /// The accounting line.
    line: String,
    failures: Vec<String>,
    /// Queries sent without and with the cache alone.
    cache_queries: (usize, usize),
}

/// Runs one scenario's calls, twice in each process, with every [`FEATURES`] entry in both
/// shim builds (one namespace per resolv.conf), and compares each with the run without.
fn compare_features(def: &Def, bins: &[PathBuf; 2]) -> Compared {
    let shims = [MUSL_SHIM, GLIBC_SHIM];
    let calls: Vec<String> = def.calls.iter().chain(&def.calls).cloned().collect();
    let mut c = Compared {
        line: format!("features: {}:", def.name),
        failures: Vec::new(),
        cache_queries: (0, 0),
    };
    let mut runs: Vec<(&str, Variant, Outcome)> = Vec::new();
    let mut resolvs: Vec<&str> = FEATURES.iter().map(|f| f.resolv).collect();
    resolvs.sort_unstable();
    resolvs.dedup();
    let (env, script_dir) = env_of(def);
    for extra in resolvs {
        let mut sc = scenario_of(def, extra);
        let mut labels = Vec::new();
        for f in FEATURES.iter().filter(|f| f.resolv == extra) {
            for v in shims {
                sc = sc.probe(probe_of(&env, bins, v, &calls, f.env));
                labels.push((f.name, v));
            }
        }
        match std::panic::catch_unwind(|| sc.run()) {
            Ok(out) => runs.extend(labels.into_iter().zip(out).map(|((f, v), o)| (f, v, o))),
            Err(_) => c
                .failures
                .push(format!("{}: scenario {} did not run\n", def.at, def.name)),
        }
    }
    if let Some(d) = script_dir {
        let _ = fs::remove_dir_all(d);
    }
    for v in shims {
        let Some((_, _, off)) = runs.iter().find(|(f, rv, _)| *f == "off" && *rv == v) else {
            continue;
        };
        for (f, _, on) in runs.iter().filter(|(f, rv, _)| *f != "off" && *rv == v) {
            if (&on.stdout, on.status) != (&off.stdout, off.status) {
                let (w, g) = around_difference(&off.stdout, &on.stdout);
                c.failures.push(format!(
                    "{} ({}): {v} with {f} is not {v} without it (exit {} vs {}):\n    \
                     without {w}\n    with    {g}\n",
                    def.name, def.at, off.status, on.status
                ));
            }
            let (q_off, q_on) = (off.queries().len(), on.queries().len());
            let _ = write!(c.line, " {v} {f} {q_off}->{q_on} queries;");
            if *f == "cache" {
                if q_on > q_off {
                    c.failures.push(format!(
                        "{} ({}): {v} with the cache sent {q_on} queries, {q_off} without it\n",
                        def.name, def.at
                    ));
                }
                c.cache_queries.0 += q_off;
                c.cache_queries.1 += q_on;
            }
        }
    }
    c
}

// ---------------------------------------------------------------------------------------
// The suite's own parts

#[test]
fn brace_lists() {
    assert_eq!(expand_braces("a/b").unwrap(), ["a/b"]);
    assert_eq!(
        expand_braces("s/{ghbn,ghbn_r} {x,y}.test").unwrap(),
        [
            "s/ghbn x.test",
            "s/ghbn y.test",
            "s/ghbn_r x.test",
            "s/ghbn_r y.test"
        ]
    );
    for bad in ["s/{a", "s/a}", "s/{a,{b}}", "s/{a,}"] {
        assert!(expand_braces(bad).is_err(), "{bad}");
    }
    assert!(glob("a*a", "aa") && !glob("a*a", "a") && glob("a/*", "a/x y"));
}

#[test]
fn compat_table_format() {
    let md = "x\n\n| Id | Situation | Why | Conformance |\n|---|---|---|---|\n\
              | `one` | a | b | `musl,cut s/gai.unspec x = EAI_NONAME \\| \\| -> EAI_NODATA \\|  \\|` `as-glibc t/{ghbn,ghbn_r} y` |\n\
              | two | c \\| d | — | — |\n";
    let rows = parse_compat(md).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].id, "one");
    assert_eq!(rows[0].patterns.len(), 2);
    assert_eq!(rows[0].patterns[0].pairs, [Pair::Musl, Pair::Cut]);
    assert_eq!(rows[0].patterns[1].subjects, ["t/ghbn y", "t/ghbn_r y"]);
    assert!(rows[1].patterns.is_empty());
    let (w, g) = rows[0].patterns[0].lines.clone().unwrap();
    let line = |s: &str| parse_line(&format!("k | {s}")).unwrap().1;
    assert!(line("EAI_NONAME |  | ").is(&w));
    assert!(line("EAI_NODATA |  | ").is(&g));
    assert!(!line("EAI_NODATA | x | ").is(&g));
    assert_eq!(line("EAI_NODATA |  | ").written(), "EAI_NODATA \\|  \\|");
    // Wildcards, excuses without lines, as-glibc with lines or pairs, a bad pair, a table
    // without Id, a pattern without a reason, duplicate ids, text outside backticks: errors.
    for bad in [
        "musl */gai.unspec x = a | | -> b | |",
        "musl s/* = a | | -> b | |",
        "musl s/gai.unspec x",
        "as-glibc s/k = a | | -> b | |",
        "as-glibc,musl s/k",
        "mus s/k = a | | -> b | |",
        "musl s/k = a -> b | |",
        "musl sk = a | | -> b | |",
    ] {
        assert!(Pattern::parse(bad).is_err(), "{bad}");
    }
    for bad in [
        "| Id | Why | Conformance |\n|---|---|---|\n| a | — | `as-glibc s/k` |\n",
        "| Situation | Why |\n|---|---|\n| a | r |\n",
        "| Id | Why | Conformance |\n|---|---|---|\n| a | r | — |\n| a | r | — |\n",
        "| Id | Why | Conformance |\n|---|---|---|\n| a | r | as-glibc s/k |\n",
    ] {
        assert!(parse_compat(bad).is_err(), "{bad}");
    }
}

/// Four made-up runs through `compare`: which check accounts for each line, and what fails.
#[test]
fn accounting() {
    let def = Def {
        name: "s".into(),
        at: "f:1".into(),
        ..Def::default()
    };
    let run = |lines: &[&str]| Out {
        stdout: lines.iter().map(|l| format!("{l}\n")).collect(),
        server_logs: vec![String::new()],
        ..Out::default()
    };
    let hostent = "name=a.test aliases=[] inet len=4 addrs=[10.0.0.1 10.0.0.2]";
    // (2 addresses + 1) × 8 (no alias: the alias list is the addresses' NULL) + 2 × 4 +
    // "a.test" + NUL: 39.
    assert_eq!(layout_bytes(hostent), Some(24 + 8 + 7));
    assert_eq!(
        layout_bytes("name=a\\032b aliases=[x] inet6 len=16 addrs=[::1]"),
        Some(4 * 8 + 16 + 4 + 2)
    );
    // An alias that is the name takes no bytes of its own.
    assert_eq!(
        layout_bytes("name=ab aliases=[ab] inet len=4 addrs=[10.0.0.1]"),
        Some(4 * 8 + 4 + 3)
    );
    let outs = |musl_shim_nx: &str, shim_min: usize| {
        let r = |x: &str| format!("ghbn_r a.test | OK | {hostent} | {x}");
        let m = |n: usize| format!("ghbn_r.min a.test | min={n} | {hostent} | 10.0.0.1, 10.0.0.2");
        HashMap::from([
            (
                MUSL,
                run(&[
                    "gai.unspec nx.test | EAI_NONAME |  | ",
                    "gai.inet v6.test | EAI_NONAME |  | ",
                    "gai_strerror -5 | OK | Unknown error | ",
                    "res_query.TXT t.test | OK | one | ",
                    "res_query.TXT t.test | OK | two | ",
                    &r("10.0.0.1, 10.0.0.2"),
                    &m(60),
                ]),
            ),
            (
                MUSL_SHIM,
                run(&[
                    musl_shim_nx,
                    "gai.inet v6.test | EAI_NODATA |  | ",
                    "gai_strerror -5 | OK | Name has no usable address | ",
                    "res_query.TXT t.test | OK | one | ",
                    "res_query.TXT t.test | OK | two | ",
                    &r("10.0.0.1, 10.0.0.2"),
                    &m(shim_min),
                ]),
            ),
            (
                GLIBC,
                run(&[
                    "gai.unspec nx.test | EAI_NONAME |  | ",
                    "gai.inet v6.test | EAI_NODATA |  | ",
                    "gai_strerror -5 | OK | No address associated with hostname | ",
                    "res_query.TXT t.test | OK | one | ",
                    "res_query.TXT t.test | OK | two | ",
                    &r("10.0.0.1, 10.0.0.2"),
                    &m(100),
                ]),
            ),
            (
                GLIBC_SHIM,
                run(&[
                    "gai.unspec nx.test | EAI_NONAME |  | ",
                    "gai.inet v6.test | EAI_NODATA |  | ",
                    "gai_strerror -5 | OK | No address associated with hostname | ",
                    "res_query.TXT t.test | OK | one | ",
                    "res_query.TXT t.test | OK | 2 | ",
                    &r("10.0.0.1, 10.0.0.2"),
                    &m(39),
                ]),
            ),
        ])
    };
    let md = "| Id | Why | Conformance |\n|---|---|---|\n\
              | nodata | r | `as-glibc s/gai.inet v6.test` |\n\
              | strerror | r | `musl s/gai_strerror -5 = OK \\| Unknown error \\| -> OK \\| Name has no usable address \\|` |\n";
    let table = || Table {
        rows: parse_compat(md).unwrap(),
        used: HashSet::new(),
    };
    let mut t = table();
    let tally = compare(
        &def,
        &outs("gai.unspec nx.test | EAI_NONAME |  | ", 39),
        &mut t,
    );
    let count = |tally: &Tally, v: Variant, c: Check| {
        tally.counts.get(&(v.to_string(), c)).copied().unwrap_or(0)
    };
    // The second res_query.TXT line of glibc + shim differs: the repeated key is compared.
    assert_eq!(tally.failures.len(), 1, "{:?}", tally.failures);
    assert!(
        tally.failures[0].contains("line 2 with this key"),
        "{}",
        tally.failures[0]
    );
    assert_eq!(count(&tally, GLIBC_SHIM, Check::Exact), 5);
    assert_eq!(count(&tally, MUSL_SHIM, Check::Exact), 4);
    assert_eq!(count(&tally, MUSL_SHIM, Check::AsGlibc("nodata".into())), 1);
    assert_eq!(count(&tally, MUSL_SHIM, Check::Row("strerror".into())), 1);
    assert_eq!(count(&tally, MUSL_SHIM, Check::Buffer), 1);
    assert_eq!(count(&tally, GLIBC_SHIM, Check::Buffer), 1);
    assert_eq!(t.used.len(), 2);
    let fails_with = |o: &HashMap<Variant, Out>, needle: &str| {
        let tally = compare(&def, o, &mut table());
        assert!(
            tally.failures.iter().any(|f| f.contains(needle)),
            "{needle}: {:?}",
            tally.failures
        );
    };
    // NXDOMAIN reported as NODATA by the musl build: no row names it, and glibc is not the
    // reference for that line.
    fails_with(
        &outs("gai.unspec nx.test | EAI_NODATA |  | ", 39),
        "`musl s/gai.unspec nx.test`",
    );
    // Without its as-glibc pattern, a NODATA line of the musl build fails, and the message
    // suggests the pattern.
    let mut t = Table {
        rows: parse_compat(&md.replace("`as-glibc s/gai.inet v6.test`", "—")).unwrap(),
        used: HashSet::new(),
    };
    let tally = compare(
        &def,
        &outs("gai.unspec nx.test | EAI_NONAME |  | ", 39),
        &mut t,
    );
    assert!(
        tally
            .failures
            .iter()
            .any(|f| f.contains("on purpose, `as-glibc s/gai.inet v6.test`")),
        "{:?}",
        tally.failures
    );
    // A successful _r call without its smallest-buffer line fails.
    let mut o = outs("gai.unspec nx.test | EAI_NONAME |  | ", 39);
    let s = &mut o.get_mut(&GLIBC_SHIM).unwrap().stdout;
    *s = s
        .lines()
        .filter(|l| !l.contains(".min "))
        .map(|l| format!("{l}\n"))
        .collect();
    fails_with(&o, "ghbn_r a.test` (f:1): no smallest-buffer line");
    // A smallest buffer 3 bytes over the layout (and over musl's and glibc's: no) fails.
    fails_with(
        &outs("gai.unspec nx.test | EAI_NONAME |  | ", 42),
        "smallest buffer 42 bytes, the layout needs 39",
    );
}

#[test]
fn scenario_file_format() {
    let text = "# c\n=== one  about\nzone:\n    a.test. A 10.0.0.1\nresolv:\n  nameserver 127.0.0.1\nenv:\n  K=V\ncalls:\n  host a.test\n  addr 10.0.0.1\n=== two\nhosts:\ncalls:\n  init\n";
    let defs = parse_defs(text, "f").unwrap();
    assert_eq!(defs.len(), 2);
    assert_eq!(defs[0].zone, "a.test. A 10.0.0.1\n");
    assert_eq!(defs[0].resolv.as_deref(), Some("nameserver 127.0.0.1\n"));
    assert_eq!(defs[0].env, [("K".to_string(), "V".to_string())]);
    assert_eq!(defs[0].calls, ["host a.test", "addr 10.0.0.1"]);
    assert_eq!(defs[1].hosts.as_deref(), Some(""));
    assert!(parse_defs("=== x\ncalls:\n", "f").is_err());
    assert!(parse_defs("zone:\n a\n", "f").is_err());
    assert!(parse_defs("=== x\nbogus:\n", "f").is_err());
}

#[test]
fn cut_detection() {
    let log = "dnsshim-testsrv: udp 127.0.0.1:1 Big.Test. A id=1: 26 bytes tc=1 at=127.0.0.1:53\n\
               dnsshim-testsrv: udp 127.0.0.1:1 web.corp.test. AAAA id=2: 26 bytes tc=1 at=x\n\
               dnsshim-testsrv: udp 127.0.0.1:1 fine.test. A id=4: 42 bytes tc=0\n\
               dnsshim-testsrv: udp 127.0.0.1:1 quiet.test. A: silent at=127.0.0.1:53\n";
    // A second server's log; a line cut in two (tc=1 on a line of its own) names nothing.
    let log2 = "dnsshim-testsrv: udp 127.0.0.2:1 1.0.0.10.in-addr.arpa. PTR id=3: 26 bytes tc=1\n\
                dnsshim-testsrv: udp 127.0.0.2:1 other.test. A id=5: \n\
                50 bytes tc=1\n";
    let t = truncated_questions(&[log.to_string(), log2.to_string()]);
    assert_eq!(t.len(), 3, "{t:?}");
    assert!(musl_cut("gai.unspec big.test", None, &t));
    assert!(musl_cut("ghbn big.test.", None, &t));
    assert!(!musl_cut("ghbn2.inet6 big.test", None, &t));
    assert!(musl_cut("res_query.A big.test", None, &t));
    assert!(!musl_cut("res_query.TXT big.test", None, &t));
    assert!(musl_cut("gai.inet6 web", None, &t));
    assert!(!musl_cut("gai.inet web", None, &t));
    assert!(!musl_cut("gai.unspec we", None, &t));
    assert!(musl_cut("gni.0 10.0.0.1", None, &t));
    assert!(!musl_cut("gai.unspec fine.test", None, &t));
    let tc = Line {
        status: "OK".into(),
        detail: "len=26 qr=1 op=0 aa=1 tc=1 rd=1".into(),
        records: String::new(),
    };
    assert!(musl_cut("res_send.TXT x.test", Some(&tc), &HashSet::new()));
    assert_eq!(
        reverse_name("2001:db8::1").unwrap(),
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
    );
}
