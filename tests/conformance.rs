//! The differential conformance suite (issue 3).
//!
//! One C probe, tests/c/conform.c, calls every function the shim exports and prints one
//! canonical line per call (`KEY | STATUS | DETAIL | RECORDS`). It is built with gcc (glibc)
//! and musl-gcc (musl 1.2.3), and each build runs with and without `LD_PRELOAD` of the shim
//! built for its libc, against every scenario of tests/conformance/*.scn (server zone,
//! resolv.conf, hosts, the calls to make), each in its own namespace (tests/common/mod.rs).
//! Per scenario and per probe line:
//! - glibc + shim prints exactly the line glibc prints;
//! - musl + shim prints exactly the line musl prints, unless musl's answer was cut: the test
//!   server answered musl's question for that line with TC set (its log shows it), or musl's
//!   line itself shows a message with TC;
//! - where musl's answer was cut, musl + shim has glibc's status and records (the RECORDS
//!   field: addresses, answer records, host names; sorted, no duplicates);
//! - every other difference is named by a row of docs/compat.md: its `Conformance` column
//!   lists patterns `PAIRS SCENARIO/KEY` (PAIRS: `glibc`, `musl`, `cut`, comma-separated;
//!   `*` matches anything in SCENARIO/KEY). An undocumented difference fails the test, and so
//!   does a pattern that matches no difference (a stale row).
//!
//! Environment:
//! - `DNSSHIM_CONFORM=GLOB`: only the scenarios whose name matches (then stale rows are only
//!   reported, not failed, since most of them belong to scenarios that did not run).
//! - `DNSSHIM_CONFORM_OUT=DIR`: write every probe's output to DIR/SCENARIO.VARIANT.
//! - `DNSSHIM_CONFORM_COMPAT=FILE`: read the table from FILE instead of docs/compat.md.
//! - and those of tests/common/mod.rs (library and server paths).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
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
            Some(k @ ("zone" | "zone2" | "resolv" | "hosts" | "env" | "calls")) => {
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
}

/// What one probe run printed: its lines by key, in order; anything unparsable; its exit.
#[derive(Clone, Debug, Default)]
struct Run {
    lines: Vec<(String, Line)>,
    junk: Vec<String>,
    status: i32,
}

impl Run {
    fn parse(o: &Outcome) -> Run {
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

    fn map(&self) -> BTreeMap<&str, &Line> {
        self.lines.iter().map(|(k, l)| (k.as_str(), l)).collect()
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

// ---------------------------------------------------------------------------------------
// Differences

/// Which comparison a difference breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Pair {
    /// glibc + shim against glibc.
    Glibc,
    /// musl + shim against musl (musl's answer whole).
    Musl,
    /// musl + shim against glibc's status and records (musl's answer cut).
    Cut,
}

impl Pair {
    fn parse(s: &str) -> Option<Pair> {
        match s {
            "glibc" => Some(Pair::Glibc),
            "musl" => Some(Pair::Musl),
            "cut" => Some(Pair::Cut),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Pair::Glibc => "glibc",
            Pair::Musl => "musl",
            Pair::Cut => "cut",
        }
    }

    /// The variant whose line is the reference, and the shim's.
    fn labels(self) -> (&'static str, &'static str) {
        match self {
            Pair::Glibc => ("glibc", "glibc+shim"),
            Pair::Musl => ("musl", "musl+shim"),
            Pair::Cut => ("glibc", "musl+shim"),
        }
    }
}

#[derive(Clone, Debug)]
struct Diff {
    scenario: String,
    key: String,
    pair: Pair,
    want: String,
    got: String,
}

impl Diff {
    fn subject(&self) -> String {
        format!("{}/{}", self.scenario, self.key)
    }

    /// A probe that died, printed something unparsable or left out a line: never a
    /// difference a row can name.
    fn is_breakage(&self) -> bool {
        self.key == "exit" || self.want == NO_LINE || self.got == NO_LINE
    }
}

/// A line one run printed and the other did not.
const NO_LINE: &str = "(no line)";

/// The questions (lowercase name without the final dot, type) the test server answered with
/// TC set over UDP, from its log of one probe run.
fn truncated_questions(log: &str) -> HashSet<(String, String)> {
    let mut set = HashSet::new();
    for l in log.lines() {
        let Some(rest) = l.split(": udp ").nth(1) else {
            continue;
        };
        if !l.contains(" tc=1") {
            continue;
        }
        let w: Vec<&str> = rest.split_whitespace().collect();
        if w.len() >= 3 {
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

/// Whether musl's answer for the line `key` was cut: the line shows a TC message, or the
/// server truncated an answer to one of the questions musl asks for that call.
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

/// The differences of one scenario's four runs, by the three rules.
fn compare(scenario: &str, runs: &HashMap<Variant, (Run, Outcome)>) -> Vec<Diff> {
    let mut diffs = Vec::new();
    let get = |v: Variant| &runs[&v].0;
    let (m, ms, g, gs) = (get(MUSL), get(MUSL_SHIM), get(GLIBC), get(GLIBC_SHIM));
    let truncated = truncated_questions(&runs[&MUSL].1.server_log);
    let (mm, msm, gm, gsm) = (m.map(), ms.map(), g.map(), gs.map());
    let mut push = |key: &str, pair: Pair, want: String, got: String| {
        diffs.push(Diff {
            scenario: scenario.to_string(),
            key: key.to_string(),
            pair,
            want,
            got,
        })
    };
    // Exits and unparsable output, as lines of their own.
    let exit = |r: &Run| {
        format!(
            "exit {}{}",
            r.status,
            if r.junk.is_empty() {
                String::new()
            } else {
                format!(" junk {:?}", r.junk)
            }
        )
    };
    if exit(g) != exit(gs) {
        push("exit", Pair::Glibc, exit(g), exit(gs));
    }
    if exit(m) != exit(ms) {
        push("exit", Pair::Musl, exit(m), exit(ms));
    }
    let text = |l: Option<&&Line>| l.map_or(NO_LINE.to_string(), |l| l.text());
    let mut keys: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for r in [g, gs, m, ms] {
        for (k, _) in &r.lines {
            if seen.insert(k.as_str()) {
                keys.push(k);
            }
        }
    }
    for key in keys {
        let (gl, gsl, ml, msl) = (gm.get(key), gsm.get(key), mm.get(key), msm.get(key));
        if gl != gsl {
            push(key, Pair::Glibc, text(gl), text(gsl));
        }
        if musl_cut(key, ml.copied(), &truncated) {
            let rec = |l: Option<&&Line>| l.map(|l| (l.status.clone(), l.records.clone()));
            if rec(gl) != rec(msl) {
                push(key, Pair::Cut, text(gl), text(msl));
            }
        } else if ml != msl {
            push(key, Pair::Musl, text(ml), text(msl));
        }
    }
    diffs
}

// ---------------------------------------------------------------------------------------
// docs/compat.md

/// A pattern of a row's Conformance cell: `PAIRS SCENARIO/KEY`, optionally followed by
/// ` = WANT -> GOT`, globs the reference line and the shim's line (`STATUS | DETAIL |
/// RECORDS`) must match too.
#[derive(Clone, Debug)]
struct Pattern {
    pairs: Vec<Pair>,
    /// `SCENARIO/KEY` with `*` wildcards.
    glob: String,
    lines: Option<(String, String)>,
}

impl Pattern {
    fn parse(s: &str) -> Result<Pattern, String> {
        let (head, lines) = match s.split_once(" = ") {
            Some((h, l)) => {
                let (w, g) = l
                    .split_once(" -> ")
                    .ok_or_else(|| format!("`{s}`: expected ` = WANT -> GOT` after the key"))?;
                (h, Some((w.to_string(), g.to_string())))
            }
            None => (s, None),
        };
        let (pairs, glob) = head
            .split_once(' ')
            .ok_or_else(|| format!("`{s}`: expected `PAIRS SCENARIO/KEY`"))?;
        let pairs = pairs
            .split(',')
            .map(|p| {
                Pair::parse(p).ok_or_else(|| format!("`{s}`: {p:?} is not glibc, musl or cut"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !glob.contains('/') {
            return Err(format!("`{s}`: expected SCENARIO/KEY after the pairs"));
        }
        Ok(Pattern {
            pairs,
            glob: glob.to_string(),
            lines,
        })
    }

    fn matches(&self, d: &Diff) -> bool {
        self.pairs.contains(&d.pair)
            && glob(&self.glob, &d.subject())
            && self
                .lines
                .as_ref()
                .is_none_or(|(w, g)| glob(w, &d.want) && glob(g, &d.got))
    }

    fn scenario_glob(&self) -> &str {
        self.glob.split('/').next().unwrap_or("")
    }

    fn text(&self) -> String {
        let pairs: Vec<&str> = self.pairs.iter().map(|p| p.name()).collect();
        match &self.lines {
            Some((w, g)) => format!("{} {} = {w} -> {g}", pairs.join(","), self.glob),
            None => format!("{} {}", pairs.join(","), self.glob),
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

/// `*` matches any run of characters; everything else itself.
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

/// Runs one scenario's four probes in one namespace.
fn run_def(def: &Def, bins: &[PathBuf; 2]) -> HashMap<Variant, (Run, Outcome)> {
    let mut sc = Scenario::new(&def.zone).resolv(def.resolv.as_deref().unwrap_or(DEFAULT_RESOLV));
    if let Some(h) = &def.hosts {
        sc = sc.hosts(h);
    }
    if let Some(z) = &def.zone2 {
        sc = sc.extra_server(z, &["127.0.0.2:53"]);
    }
    let variants = [MUSL, MUSL_SHIM, GLIBC, GLIBC_SHIM];
    for v in variants {
        let bin = &bins[usize::from(v.libc == Libc::Glibc)];
        let mut p = Probe {
            variant: v,
            program: Program::Command(bin.clone()),
            args: def.calls.clone(),
            env: Vec::new(),
        };
        for (k, val) in &def.env {
            p = p.env(k, val);
        }
        sc = sc.probe(p);
    }
    let out = sc.run();
    variants
        .into_iter()
        .zip(out)
        .map(|(v, o)| (v, (Run::parse(&o), o)))
        .collect()
}

fn variant_name(v: Variant) -> String {
    v.to_string()
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
    let mut defs = load_defs();
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
    let out_dir = std::env::var_os("DNSSHIM_CONFORM_OUT").map(PathBuf::from);
    if let Some(d) = &out_dir {
        fs::create_dir_all(d).unwrap();
    }
    // Both libraries must exist before anything runs.
    common::shim_library(Libc::Musl);
    common::shim_library(Libc::Glibc);
    let bins = [conform_binary(Libc::Musl), conform_binary(Libc::Glibc)];

    // Every scenario in its own namespace, WORKERS at a time.
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Vec<Diff>, u128)>> = Mutex::new(Vec::new());
    let failed: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(def) = defs.get(i) else { break };
                let t = Instant::now();
                let runs = match std::panic::catch_unwind(|| run_def(def, &bins)) {
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
                    for (v, (_, o)) in &runs {
                        let name = format!("{}.{}", def.name, variant_name(*v));
                        let _ = fs::write(
                            d.join(name),
                            format!(
                                "{}\n--- stderr\n{}\n--- server log\n{}",
                                o.stdout, o.stderr, o.server_log
                            ),
                        );
                    }
                }
                let diffs = compare(&def.name, &runs);
                results
                    .lock()
                    .unwrap()
                    .push((i, diffs, t.elapsed().as_millis()));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.0);

    // Every difference against the table.
    let mut report = String::new();
    for f in failed.into_inner().unwrap() {
        let _ = writeln!(report, "{f}");
    }
    let mut used: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut documented = 0;
    let mut lines_total = 0;
    for (i, diffs, ms) in &results {
        let def = &defs[*i];
        eprintln!(
            "conformance: {} ({} ms, {} differences)",
            def.name,
            ms,
            diffs.len()
        );
        lines_total += diffs.len();
        for d in diffs {
            let mut hit = false;
            for (ri, row) in rows.iter().enumerate().filter(|_| !d.is_breakage()) {
                for (pi, p) in row.patterns.iter().enumerate() {
                    if p.matches(d) {
                        used.insert((ri, pi));
                        hit = true;
                    }
                }
            }
            if hit {
                documented += 1;
                continue;
            }
            let (want_l, got_l) = d.pair.labels();
            let (w, g) = around_difference(&d.want, &d.got);
            let what = if d.is_breakage() {
                "broken probe run (no row can name it)"
            } else {
                "undocumented difference"
            };
            let _ = writeln!(
                report,
                "{what} `{} {}` ({}):\n    {want_l:<11} {w}\n    {got_l:<11} {g}",
                d.pair.name(),
                d.subject(),
                def.at
            );
        }
    }
    // Patterns that matched nothing.
    let ran: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
    let mut stale = String::new();
    for (ri, row) in rows.iter().enumerate() {
        for (pi, p) in row.patterns.iter().enumerate() {
            if !ran.iter().any(|s| glob(p.scenario_glob(), s)) {
                if filter.is_none() {
                    let _ = writeln!(
                        stale,
                        "docs/compat.md:{}: row {}: `{}` names no scenario",
                        row.line, row.id, p.glob
                    );
                }
                continue;
            }
            if !used.contains(&(ri, pi)) {
                let _ = writeln!(
                    stale,
                    "docs/compat.md:{}: row {} (\"{}\"): `{}` matches no difference any more",
                    row.line,
                    row.id,
                    row.why.chars().take(60).collect::<String>(),
                    p.text()
                );
            }
        }
    }
    eprintln!(
        "conformance: {} scenarios, {} differences ({} documented), {} s",
        defs.len(),
        lines_total,
        documented,
        started.elapsed().as_secs()
    );
    if filter.is_some() && !stale.is_empty() {
        eprintln!("(DNSSHIM_CONFORM set: not failing on these)\n{stale}");
        stale.clear();
    }
    assert!(
        report.is_empty() && stale.is_empty(),
        "\n{report}{stale}\nEach difference between a libc and the shim must be a row of docs/compat.md whose Conformance column names it (`PAIRS SCENARIO/KEY`, `*` wildcards); rows naming differences that no longer occur must go. Outputs: DNSSHIM_CONFORM_OUT=DIR."
    );
}

// ---------------------------------------------------------------------------------------
// The suite's own parts

#[test]
fn glob_matches() {
    assert!(glob("a/*", "a/gai.null x"));
    assert!(glob("*/res_*.TXT txt*", "big/res_query.TXT txt9k.test"));
    assert!(!glob("*/res_*.TXT txt*", "big/res_query.A txt9k.test"));
    assert!(glob("basic/gai_strerror -5", "basic/gai_strerror -5"));
    assert!(!glob("basic/gai_strerror -5", "basic/gai_strerror -50"));
    assert!(glob("*", ""));
    assert!(!glob("a*a", "a"));
    assert!(glob("a*a", "aa"));
}

#[test]
fn compat_table_format() {
    let md = "x\n\n| Id | Situation | Why | Conformance |\n|---|---|---|---|\n\
              | `one` | a | b | `musl,cut s/gai.* x` `glibc t/*` |\n| two | c \\| d | — | — |\n";
    let rows = parse_compat(md).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].id, "one");
    assert_eq!(rows[0].patterns.len(), 2);
    assert_eq!(rows[0].patterns[0].pairs, [Pair::Musl, Pair::Cut]);
    assert_eq!(rows[0].patterns[1].glob, "t/*");
    let p = Pattern::parse("musl */ghbn* * = *HOST_NOT_FOUND | * -> *NO_DATA | *").unwrap();
    let d = |want: &str, got: &str| Diff {
        scenario: "s".into(),
        key: "ghbn2.inet6 x".into(),
        pair: Pair::Musl,
        want: want.into(),
        got: got.into(),
    };
    assert!(p.matches(&d("h_errno=HOST_NOT_FOUND |  | ", "h_errno=NO_DATA |  | ")));
    assert!(!p.matches(&d(
        "h_errno=HOST_NOT_FOUND |  | ",
        "h_errno=TRY_AGAIN |  | "
    )));
    assert!(Pattern::parse("musl s/k = x").is_err());
    assert!(rows[1].patterns.is_empty());
    // A pattern without a reason, a bad pair, a table without Id, duplicate ids: errors.
    for bad in [
        "| Id | Why | Conformance |\n|---|---|---|\n| a | — | `musl s/*` |\n",
        "| Id | Why | Conformance |\n|---|---|---|\n| a | r | `mus s/*` |\n",
        "| Situation | Why |\n|---|---|\n| a | r |\n",
        "| Id | Why | Conformance |\n|---|---|---|\n| a | r | — |\n| a | r | — |\n",
        "| Id | Why | Conformance |\n|---|---|---|\n| a | r | musl s/* |\n",
    ] {
        assert!(parse_compat(bad).is_err(), "{bad}");
    }
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
               dnsshim-testsrv: udp 127.0.0.1:1 1.0.0.10.in-addr.arpa. PTR id=3: 26 bytes tc=1\n\
               dnsshim-testsrv: udp 127.0.0.1:1 fine.test. A id=4: 42 bytes tc=0\n";
    let t = truncated_questions(log);
    assert_eq!(t.len(), 3);
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
