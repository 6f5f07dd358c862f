//! `dnsshim check [--json] FILE…`: will the shim take effect in these programs?
//!
//! For each file: ELF class and machine, static or dynamic (`PT_INTERP`), which loader (musl or
//! glibc, so which build of the shim to preload), setuid/setgid bits and file capabilities
//! (secure mode: the loader ignores `LD_PRELOAD`), Go (its own resolver), and which resolver
//! functions the program and its libraries import (undefined dynamic symbols).

use std::collections::{BTreeSet, VecDeque};
use std::ffi::CString;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::elf::{self, Elf, Kind};
use crate::json::{Obj, Value};
use crate::{EXIT_ERROR, EXIT_NOT_FOUND, EXIT_OK};

const HELP: &str = "\
usage: dnsshim check [--json] FILE...

For each program, say whether the shim will take effect in it, and why not if it will not:
  - statically linked (no PT_INTERP: no dynamic loader reads LD_PRELOAD), or dynamic;
  - the loader (musl or glibc: preload the build of the shim for that C library);
  - setuid/setgid bits and file capabilities (secure mode: the loader ignores LD_PRELOAD);
  - a Go program (Go's own resolver unless GODEBUG=netdns=cgo);
  - which resolver functions it and its libraries import (getaddrinfo, gethostbyname*, ...),
    and which of those the shim replaces.
Only 64-bit little-endian ELF files are examined in full.

options:
  --json      one JSON array on stdout, one object per file
  -h, --help  this text

exit status: 0 the shim takes effect in every FILE, 2 it does not in at least one,
1 a FILE could not be examined (missing, unreadable, not ELF).
";

/// Functions the shim exports (and so replaces when preloaded or linked first). tests/cli.rs
/// holds this against the libraries' dynamic symbols.
pub const REPLACED: &[&str] = &[
    "getaddrinfo",
    "freeaddrinfo",
    "gai_strerror",
    "getnameinfo",
    "gethostbyname",
    "gethostbyname2",
    "gethostbyname_r",
    "gethostbyname2_r",
    "gethostbyaddr",
    "gethostbyaddr_r",
    "res_init",
    "res_query",
    "res_search",
    "res_querydomain",
    "res_send",
    "res_mkquery",
    "__res_init",
    "__res_query",
    "__res_search",
    "__res_querydomain",
    "__res_send",
    "__res_mkquery",
];

/// Of [`REPLACED`], the ones that send DNS questions (or read the hosts file).
const RESOLVING: &[&str] = &[
    "getaddrinfo",
    "getnameinfo",
    "gethostbyname",
    "gethostbyname2",
    "gethostbyname_r",
    "gethostbyname2_r",
    "gethostbyaddr",
    "gethostbyaddr_r",
    "res_query",
    "res_search",
    "res_querydomain",
    "res_send",
    "__res_query",
    "__res_search",
    "__res_querydomain",
    "__res_send",
];

/// Resolver functions the shim does not replace: the C library's own code answers them.
const NOT_REPLACED: &[&str] = &[
    "getaddrinfo_a",
    "gethostent",
    "gethostent_r",
    "res_ninit",
    "res_nquery",
    "res_nsearch",
    "res_nquerydomain",
    "res_nsend",
    "res_nmkquery",
    "__res_ninit",
    "__res_nquery",
    "__res_nsearch",
    "__res_nquerydomain",
    "__res_nsend",
    "__res_nmkquery",
];

/// Libraries looked at, at most, for one program.
const MAX_LIBRARIES: usize = 200;

/// One imported resolver function.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Import {
    function: String,
    /// `None`: the program itself; else the library (its `DT_NEEDED` name).
    from: Option<String>,
    replaced: bool,
}

/// The findings for one file.
#[derive(Debug)]
struct Report {
    file: String,
    elf: Elf,
    kind: &'static str,
    libc: Option<&'static str>,
    setuid: bool,
    setgid: bool,
    capabilities: bool,
    imports: Vec<Import>,
    libraries: Vec<String>,
    missing: Vec<String>,
    /// Why the shim will not take effect (empty: it will).
    reasons: Vec<String>,
    notes: Vec<String>,
}

impl Report {
    fn effective(&self) -> bool {
        self.reasons.is_empty()
    }

    fn dynamic(&self) -> bool {
        self.elf.interp.is_some()
    }
}

pub fn main(args: &[String]) -> ExitCode {
    if crate::wants_help(args) {
        print!("{HELP}");
        return ExitCode::from(EXIT_OK);
    }
    let mut json = false;
    let mut files = Vec::new();
    let mut opts = true;
    for a in args {
        match a.as_str() {
            "--" if opts => opts = false,
            "--json" if opts => json = true,
            s if opts && s.starts_with('-') && s.len() > 1 => {
                return crate::usage_error("check", format_args!("unknown option {s:?}"));
            }
            _ => files.push(a.clone()),
        }
    }
    if files.is_empty() {
        return crate::usage_error("check", "no FILE given");
    }
    let mut status = EXIT_OK;
    let mut values = Vec::new();
    for f in &files {
        match examine(f) {
            Ok(r) => {
                if !r.effective() && status == EXIT_OK {
                    status = EXIT_NOT_FOUND;
                }
                if json {
                    values.push(to_json(&r));
                } else {
                    print!("{}", to_text(&r));
                }
            }
            Err(e) => {
                status = EXIT_ERROR;
                crate::error(format_args!("check: {f}: {e}"));
                if json {
                    values.push(
                        Obj::new()
                            .set("file", f.as_str())
                            .set("ok", false)
                            .set("error", e)
                            .build(),
                    );
                }
            }
        }
    }
    if json {
        let mut out = String::new();
        Value::Arr(values).write(&mut out, 1);
        println!("{out}");
    }
    ExitCode::from(status)
}

/// Everything about one file; `Err` is a one-line reason it could not be examined.
fn examine(file: &str) -> Result<Report, String> {
    let meta = std::fs::metadata(file).map_err(|e| io_message(&e))?;
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "is a directory".into()
        } else {
            "not a regular file".into()
        });
    }
    let f = File::open(file).map_err(|e| io_message(&e))?;
    let elf = elf::parse(&f).map_err(|e| match e {
        elf::ElfError::Io(e) => io_message(&e),
        e => e.to_string(),
    })?;
    let mode = meta.permissions().mode();
    let mut r = Report {
        file: file.to_string(),
        kind: kind_name(&elf),
        libc: libc_of(&elf),
        setuid: mode & 0o4000 != 0,
        setgid: mode & 0o2000 != 0,
        capabilities: has_capabilities(Path::new(file)),
        imports: Vec::new(),
        libraries: Vec::new(),
        missing: Vec::new(),
        reasons: Vec::new(),
        notes: Vec::new(),
        elf,
    };
    r.imports = resolver_imports(&r.elf.undefined, None);
    if r.dynamic() && r.elf.parsed {
        scan_libraries(Path::new(file), &mut r);
    }
    judge(&mut r);
    Ok(r)
}

fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    // "No such file or directory (os error 2)" → "No such file or directory".
    match s.rfind(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn kind_name(e: &Elf) -> &'static str {
    match (e.kind, e.interp.is_some()) {
        (Kind::Exec, _) => "executable",
        (Kind::Dyn, true) => "PIE executable",
        (Kind::Dyn, false) if e.pie_flag || !e.dynamic => "static-pie executable",
        (Kind::Dyn, false) if e.soname.is_none() && e.needed.is_empty() => "static-pie executable",
        (Kind::Dyn, false) => "shared library",
        (Kind::Other(1), _) => "relocatable object",
        (Kind::Other(4), _) => "core dump",
        (Kind::Other(_), _) => "unknown ELF type",
    }
}

/// musl or glibc, from the loader's name (or, for libraries, the libc they need).
fn libc_of(e: &Elf) -> Option<&'static str> {
    if let Some(i) = &e.interp {
        let base = i.rsplit('/').next().unwrap_or(i);
        return Some(if base.starts_with("ld-musl") {
            "musl"
        } else if base.starts_with("ld-linux") || base.starts_with("ld64.so") {
            "glibc"
        } else {
            "unknown"
        });
    }
    e.needed.iter().find_map(|n| {
        if n == "libc.so.6" {
            Some("glibc")
        } else if n.starts_with("libc.musl-") || n == "libc.so" {
            Some("musl")
        } else {
            None
        }
    })
}

/// Whether `security.capability` is set on the file (`getxattr` follows symlinks, as `execve`).
fn has_capabilities(path: &Path) -> bool {
    let Ok(p) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: both strings are NUL-terminated and outlive the call; with a NULL buffer and
    // size 0, getxattr only returns the value's size (or -1 with ENODATA when absent).
    let n = unsafe {
        libc::getxattr(
            p.as_ptr(),
            c"security.capability".as_ptr(),
            std::ptr::null_mut(),
            0,
        )
    };
    n > 0
}

fn resolver_imports(undefined: &[String], from: Option<&str>) -> Vec<Import> {
    let mut out: Vec<Import> = undefined
        .iter()
        .filter_map(|s| {
            let replaced = REPLACED.contains(&s.as_str());
            (replaced || NOT_REPLACED.contains(&s.as_str())).then(|| Import {
                function: s.clone(),
                from: from.map(str::to_string),
                replaced,
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// C library and loader objects: they define the resolver functions, they do not import them.
fn is_libc(name: &str) -> bool {
    name == "libc.so"
        || name.starts_with("libc.so.")
        || name.starts_with("libc.musl-")
        || name.starts_with("ld-linux")
        || name.starts_with("ld-musl")
        || name.starts_with("ld64.so")
}

/// The directories the loader of `libc` searches by default.
fn default_dirs(libc: Option<&str>) -> Vec<PathBuf> {
    let arch = std::env::consts::ARCH;
    if libc == Some("musl") {
        // musl: /etc/ld-musl-ARCH.path when present, else /lib:/usr/local/lib:/usr/lib.
        if let Ok(s) = std::fs::read_to_string(format!("/etc/ld-musl-{arch}.path")) {
            return s
                .split(['\n', ':'])
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .collect();
        }
        return ["/lib", "/usr/local/lib", "/usr/lib"]
            .map(PathBuf::from)
            .to_vec();
    }
    // glibc: Debian's multiarch directories of this architecture first.
    let multiarch = [
        format!("/lib/{arch}-linux-gnu"),
        format!("/usr/lib/{arch}-linux-gnu"),
    ];
    let rest = ["/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"];
    multiarch
        .iter()
        .map(PathBuf::from)
        .chain(rest.map(PathBuf::from))
        .collect()
}

/// The search path of one object: its `DT_RUNPATH`/`DT_RPATH` (`$ORIGIN` expanded), then the
/// defaults.
fn search_path(object: &Path, e: &Elf, defaults: &[PathBuf]) -> Vec<PathBuf> {
    let origin = object
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut dirs: Vec<PathBuf> = e
        .runpath
        .iter()
        .flat_map(|r| r.split(':'))
        .filter(|d| !d.is_empty())
        .map(|d| {
            let o = origin.to_string_lossy();
            PathBuf::from(d.replace("${ORIGIN}", &o).replace("$ORIGIN", &o))
        })
        .collect();
    dirs.extend_from_slice(defaults);
    dirs
}

/// Finds the program's libraries (breadth first, as the loader) and collects their resolver
/// imports. Libraries of another class or machine are skipped, as the loader skips them.
fn scan_libraries(program: &Path, r: &mut Report) {
    let defaults = default_dirs(r.libc);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<(String, Vec<PathBuf>)> = VecDeque::new();
    let dirs = search_path(program, &r.elf, &defaults);
    for n in &r.elf.needed {
        queue.push_back((n.clone(), dirs.clone()));
    }
    while let Some((name, dirs)) = queue.pop_front() {
        if is_libc(&name) || !seen.insert(name.clone()) {
            continue;
        }
        if seen.len() > MAX_LIBRARIES {
            r.notes.push(format!(
                "more than {MAX_LIBRARIES} libraries: the rest were not examined"
            ));
            break;
        }
        let found = if name.contains('/') {
            open_library(Path::new(&name))
        } else {
            dirs.iter().find_map(|d| open_library(&d.join(&name)))
        };
        let Some((path, lib)) = found else {
            r.missing.push(name);
            continue;
        };
        r.imports
            .extend(resolver_imports(&lib.undefined, Some(name.as_str())));
        r.libraries.push(name);
        let dirs = search_path(&path, &lib, &defaults);
        for n in &lib.needed {
            queue.push_back((n.clone(), dirs.clone()));
        }
    }
}

/// A 64-bit ELF shared object of this command's architecture at `path`.
fn open_library(path: &Path) -> Option<(PathBuf, Elf)> {
    let f = File::open(path).ok()?;
    let e = elf::parse(&f).ok()?;
    (e.parsed && e.machine == elf::own_machine()).then(|| (path.to_path_buf(), e))
}

/// Fills in the reasons and notes.
fn judge(r: &mut Report) {
    let e = &r.elf;
    let mut why = Vec::new();
    let mut notes = Vec::new();
    if !e.parsed {
        why.push(format!(
            "{}-bit {} ELF: the shim is a 64-bit {} library",
            e.bits,
            if e.little_endian {
                "little-endian"
            } else {
                "big-endian"
            },
            std::env::consts::ARCH
        ));
    } else if e.machine != elf::own_machine() {
        why.push(format!(
            "built for {}: this shim is built for {}; use the dnsshim command and builds of \
             that architecture",
            elf::machine_name(e.machine),
            std::env::consts::ARCH
        ));
    }
    let program = matches!(e.kind, Kind::Exec | Kind::Dyn) && r.kind != "shared library";
    if !e.parsed {
        // Class or byte order the shim cannot load into: nothing else matters.
    } else if r.kind == "shared library" {
        why.push("a shared library, not a program: check the programs that load it".to_string());
    } else if !program {
        why.push(format!("not a program ({})", r.kind));
    } else if e.interp.is_none() {
        why.push(
            "statically linked: no dynamic loader runs, so LD_PRELOAD is never read and the C \
             library's resolver is built into the program"
                .to_string(),
        );
    }
    if r.setuid {
        why.push(
            "setuid: started by anyone but its owner it runs in secure mode, where the loader \
             ignores LD_PRELOAD"
                .to_string(),
        );
    }
    if r.setgid {
        why.push(
            "setgid: started by anyone outside its group it runs in secure mode, where the \
             loader ignores LD_PRELOAD"
                .to_string(),
        );
    }
    if r.capabilities {
        why.push(
            "file capabilities (security.capability): it always runs in secure mode, where the \
             loader ignores LD_PRELOAD"
                .to_string(),
        );
    }
    if e.go && e.interp.is_some() {
        why.push(
            "a Go program: Go's own resolver sends the DNS queries unless GODEBUG=netdns=cgo is \
             set (then it calls getaddrinfo, and the shim takes effect)"
                .to_string(),
        );
    } else if e.go {
        notes.push("a Go program: it resolves with Go's own resolver".to_string());
    }
    let resolving = r
        .imports
        .iter()
        .any(|i| RESOLVING.contains(&i.function.as_str()));
    if program && e.interp.is_some() && e.parsed && !resolving {
        why.push(
            "imports none of the functions the shim replaces (getaddrinfo, getnameinfo, \
             gethostbyname*, gethostbyaddr*, res_*), nor do its libraries: it resolves names \
             some other way (its own DNS client) or not at all"
                .to_string(),
        );
    }
    let not_replaced: BTreeSet<&str> = r
        .imports
        .iter()
        .filter(|i| !i.replaced)
        .map(|i| i.function.as_str())
        .collect();
    if !not_replaced.is_empty() {
        notes.push(format!(
            "also uses {}: not replaced by the shim, the C library's own code answers {}",
            not_replaced.into_iter().collect::<Vec<_>>().join(", "),
            if r.imports.iter().filter(|i| !i.replaced).count() > 1 {
                "those"
            } else {
                "it"
            }
        ));
    }
    if r.libc == Some("unknown") {
        notes.push(format!(
            "unknown loader {}: preload the build of the shim for its C library",
            e.interp.as_deref().unwrap_or("")
        ));
    }
    if r.libraries.iter().any(|l| l.starts_with("libcares")) {
        notes.push(
            "uses c-ares, which sends its own DNS queries: those do not go through the shim"
                .to_string(),
        );
    }
    if !r.missing.is_empty() {
        notes.push(format!(
            "libraries not found here (their imports were not examined): {}",
            r.missing.join(", ")
        ));
    }
    for p in &e.problems {
        notes.push(format!("ELF: {p}"));
    }
    r.reasons = why;
    r.notes = notes;
}

fn verdict(r: &Report) -> String {
    if r.effective() {
        match r.libc {
            Some(l @ ("musl" | "glibc")) => {
                format!("yes: the shim takes effect with LD_PRELOAD of its {l} build")
            }
            _ => "yes: the shim takes effect with LD_PRELOAD of the build for its C library"
                .to_string(),
        }
    } else {
        format!("no: {}", r.reasons.join("; "))
    }
}

fn to_text(r: &Report) -> String {
    use std::fmt::Write as _;
    let e = &r.elf;
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", r.file, verdict(r));
    let linking = match linking(r) {
        Some(l) => format!("{l}ally linked"),
        None => "not examined further".to_string(),
    };
    let _ = writeln!(
        s,
        "  type:         {}-bit {} {}, {linking}{}",
        e.bits,
        elf::machine_name(e.machine),
        r.kind,
        if e.go { ", Go" } else { "" }
    );
    if let Some(i) = &e.interp {
        let _ = writeln!(s, "  loader:       {i} ({})", r.libc.unwrap_or("unknown"));
    }
    if !e.needed.is_empty() {
        let _ = writeln!(s, "  needs:        {}", e.needed.join(" "));
    }
    let mut privs = Vec::new();
    if r.setuid {
        privs.push("setuid");
    }
    if r.setgid {
        privs.push("setgid");
    }
    if r.capabilities {
        privs.push("file capabilities");
    }
    let _ = writeln!(
        s,
        "  privileges:   {}",
        if privs.is_empty() {
            "none".to_string()
        } else {
            privs.join(", ")
        }
    );
    // "getaddrinfo gethostbyname; libcurl.so.4: freeaddrinfo getaddrinfo; ...": the program's
    // own imports first, then each library's, in the order they were found.
    let list = |replaced: bool| {
        let mut groups: Vec<(Option<&str>, Vec<&str>)> = Vec::new();
        for i in r.imports.iter().filter(|i| i.replaced == replaced) {
            let from = i.from.as_deref();
            match groups.iter_mut().find(|(f, _)| *f == from) {
                Some((_, v)) => v.push(&i.function),
                None => groups.push((from, vec![&i.function])),
            }
        }
        groups
            .into_iter()
            .map(|(from, fs)| match from {
                None => fs.join(" "),
                Some(l) => format!("{l}: {}", fs.join(" ")),
            })
            .collect::<Vec<_>>()
    };
    if e.parsed && r.dynamic() {
        let rep = list(true);
        let _ = writeln!(
            s,
            "  resolver:     {}",
            if rep.is_empty() {
                "none of the functions the shim replaces".to_string()
            } else {
                rep.join("; ")
            }
        );
        let other = list(false);
        if !other.is_empty() {
            let _ = writeln!(s, "  not replaced: {}", other.join("; "));
        }
    }
    for n in &r.notes {
        let _ = writeln!(s, "  note:         {n}");
    }
    s
}

/// `dynamic` (a loader runs: `PT_INTERP`), `static`, or unknown (not a 64-bit LE file).
fn linking(r: &Report) -> Option<&'static str> {
    match (r.elf.parsed, r.dynamic() || r.kind == "shared library") {
        (false, _) => None,
        (true, true) => Some("dynamic"),
        (true, false) => Some("static"),
    }
}

fn to_json(r: &Report) -> Value {
    let e = &r.elf;
    let imports: Vec<Value> = r
        .imports
        .iter()
        .map(|i| {
            Obj::new()
                .set("function", i.function.as_str())
                .set("from", i.from.clone())
                .set("replaced", i.replaced)
                .build()
        })
        .collect();
    let build = match (r.effective(), r.libc) {
        (true, Some(l @ ("musl" | "glibc"))) => Some(l),
        _ => None,
    };
    Obj::new()
        .set("file", r.file.as_str())
        .set("ok", true)
        .set("effective", r.effective())
        .set("build", build)
        .set("bits", Value::Num(i64::from(e.bits)))
        .set("machine", elf::machine_name(e.machine))
        .set("type", r.kind)
        .set("linking", linking(r))
        .set("interpreter", e.interp.clone())
        .set("libc", r.libc)
        .set("needed", e.needed.clone())
        .set("setuid", r.setuid)
        .set("setgid", r.setgid)
        .set("capabilities", r.capabilities)
        .set("go", e.go)
        .set("imports", Value::Arr(imports))
        .set("libraries", r.libraries.clone())
        .set("libraries_not_found", r.missing.clone())
        .set("reasons", r.reasons.clone())
        .set("notes", r.notes.clone())
        .build()
}
