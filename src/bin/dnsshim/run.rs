//! `dnsshim run [--libc musl|glibc] [--] CMD [ARGS...]`: runs one program with the build of the
//! library that fits its loader preloaded, installing nothing.
//!
//! The build is chosen from the program's `PT_INTERP` (a script's: its `#!` interpreter,
//! through `env`), as `dnsshim check` reads it; a loader named `ld-linux…` that is really
//! musl's (gcompat on Alpine hands off to musl) counts as musl. The build is written to an
//! anonymous memory file (`memfd_create`), left open across `execve`, and named in
//! `LD_PRELOAD` as `/proc/self/fd/N`; then this process becomes the program (`execvp`), so its
//! exit status and signals are the program's own.

use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::elf;
use crate::embedded::{self, Build};
use crate::{EXIT_ERROR, EXIT_OK};

const HELP: &str = "\
usage: dnsshim run [--libc musl|glibc] [--] CMD [ARGS...]

Run CMD with the build of the library that fits it preloaded, without installing anything:
the build for CMD's loader (its PT_INTERP; for a script, its #! interpreter's) is put in an
anonymous memory file and LD_PRELOAD names it (/proc/self/fd/N, before any LD_PRELOAD already
set). This process then becomes CMD: the exit status is CMD's.

LD_PRELOAD is inherited: a child of CMD with the same C library gets the shim too (while the
memory file stays open in it); a child of the other C library would be given the wrong build.
For programs that start programs of the other C library, use `dnsshim install DIR` and the one
value it prints.

options:
  --libc L    preload the L build whatever CMD's loader says
  -h, --help  this text

exit status: CMD's; 127 CMD not found, 126 CMD cannot be run, 1 an error before CMD starts.
";

/// `execvp` status for a missing program, and for one that cannot be run (as `env`).
const EXIT_NOT_FOUND: u8 = 127;
const EXIT_CANNOT_RUN: u8 = 126;
/// `#!` interpreters followed, at most, to find the program that really runs.
const MAX_SCRIPT_DEPTH: usize = 4;

/// Arguments as the OS gave them: CMD and its arguments are passed on byte for byte.
pub fn main(args: &[OsString]) -> ExitCode {
    // Only options before CMD are ours: everything from CMD on is passed as it is.
    let mut libc = None;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let arg = arg.to_string_lossy();
        let (opt, value) = crate::split_opt(&arg);
        match opt {
            "--" => {
                i += 1;
                break;
            }
            "-h" | "--help" => {
                print!("{HELP}");
                return ExitCode::from(EXIT_OK);
            }
            "--libc" => {
                let v = match value {
                    Some(v) => Some(v.to_string()),
                    None => {
                        i += 1;
                        args.get(i).map(|v| v.to_string_lossy().into_owned())
                    }
                };
                libc = match v.as_deref() {
                    Some("musl") => Some(Build::Musl),
                    Some("glibc") => Some(Build::Glibc),
                    other => {
                        return crate::usage_error(
                            "run",
                            format_args!("--libc {other:?}: want musl or glibc"),
                        )
                    }
                };
            }
            s if s.starts_with('-') && s.len() > 1 => {
                return crate::usage_error("run", format_args!("unknown option {s:?}"));
            }
            _ => break,
        }
        i += 1;
    }
    let Some((cmd, rest)) = args.get(i..).unwrap_or_default().split_first() else {
        return crate::usage_error("run", "no CMD given");
    };
    let shown = cmd.to_string_lossy();
    if !embedded::carried() {
        crate::error(format_args!("run: {}", embedded::NOT_CARRIED));
        return ExitCode::from(EXIT_ERROR);
    }
    let Some(path) = find_program(cmd).filter(|p| p.exists()) else {
        crate::error(format_args!("run: {shown}: not found"));
        return ExitCode::from(EXIT_NOT_FOUND);
    };
    let build = match libc {
        Some(b) => Some(b),
        None => match build_for(&path) {
            Ok(b) => b,
            Err(e) => {
                crate::error(format_args!("run: {shown}: {e}"));
                return ExitCode::from(EXIT_CANNOT_RUN);
            }
        },
    };
    if let Some(b) = build {
        let fd = match memfd(b) {
            Ok(fd) => fd,
            Err(e) => {
                crate::error(format_args!(
                    "run: cannot hold the {} build in memory: {e}",
                    b.name()
                ));
                return ExitCode::from(EXIT_ERROR);
            }
        };
        let mut value = OsString::from(format!("/proc/self/fd/{fd}"));
        if let Some(old) = std::env::var_os("LD_PRELOAD").filter(|v| !v.is_empty()) {
            value.push(":");
            value.push(old);
        }
        // The process has one thread: nothing else reads the environment meanwhile.
        std::env::set_var("LD_PRELOAD", value);
    }
    let e = exec(cmd, rest);
    crate::error(format_args!("run: {shown}: {e}"));
    ExitCode::from(if e.kind() == std::io::ErrorKind::NotFound {
        EXIT_NOT_FOUND
    } else {
        EXIT_CANNOT_RUN
    })
}

/// `cmd` as `execvp` finds it: itself when it has a slash, else the first executable regular
/// file of that name in `PATH`.
fn find_program(cmd: &OsStr) -> Option<PathBuf> {
    if cmd.as_bytes().contains(&b'/') {
        return Some(PathBuf::from(cmd));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin"));
    std::env::split_paths(&path)
        .map(|d| d.join(cmd))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The build for the program at `path`: `None` (with a warning) when no build applies
/// (static, another architecture, an unknown loader).
fn build_for(path: &Path) -> Result<Option<Build>, String> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_SCRIPT_DEPTH {
        let f = File::open(&path).map_err(|e| e.to_string())?;
        let e = match elf::parse(&f) {
            Ok(e) => e,
            Err(elf::ElfError::NotElf { script: Some(line) }) => {
                path = interpreter_of(&line)
                    .ok_or_else(|| format!("the script's interpreter {line:?} is not found"))?;
                continue;
            }
            Err(e) => return Err(e.to_string()),
        };
        let what = path.display();
        let Some(interp) = e.interp.as_deref() else {
            warn(format_args!(
                "{what} is statically linked: no loader reads LD_PRELOAD; running it unchanged"
            ));
            return Ok(None);
        };
        if let Err(why) = embedded::check_program(&e) {
            warn(format_args!("{what}: {why}; running it unchanged"));
            return Ok(None);
        }
        return Ok(match loader_libc(interp) {
            Some(b) => Some(b),
            None => {
                warn(format_args!(
                    "{what}: loader {interp} is neither musl's nor glibc's; running it unchanged \
                     (--libc chooses a build)"
                ));
                None
            }
        });
    }
    Err("too many nested #! interpreters".into())
}

fn warn(msg: std::fmt::Arguments<'_>) {
    crate::error(format_args!("run: {msg}"));
}

/// The program a `#!` line runs: its first word, or for `env` the first word after it that
/// is not an option or an assignment, found in `PATH`.
fn interpreter_of(line: &str) -> Option<PathBuf> {
    let mut words = line.split_whitespace();
    let first = words.next()?;
    if Path::new(first).file_name() == Some(OsStr::new("env")) {
        let prog = words.find(|w| !w.starts_with('-') && !w.contains('='))?;
        return find_program(OsStr::new(prog));
    }
    Some(PathBuf::from(first))
}

/// musl or glibc, from the loader a program names, looked at on this system: a loader named
/// `ld-musl…` is musl's; one named `ld-linux…`/`ld64.so…` is glibc's unless the file there is
/// musl's after all (a link to it, or gcompat's loader, which hands the program to musl's).
fn loader_libc(interp: &str) -> Option<Build> {
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    if base(interp).starts_with("ld-musl") {
        return Some(Build::Musl);
    }
    if !(base(interp).starts_with("ld-linux") || base(interp).starts_with("ld64.so")) {
        return None;
    }
    let real = std::fs::canonicalize(interp).ok();
    if real
        .as_ref()
        .is_some_and(|r| base(&r.to_string_lossy()).starts_with("ld-musl"))
    {
        return Some(Build::Musl);
    }
    // gcompat's ld-linux is a small musl program that execs musl's loader: its own loader
    // is musl's, or it names musl's loader inside.
    if let Some(bytes) = real.and_then(|r| std::fs::read(r).ok()) {
        if let Ok(e) = elf::parse(&bytes[..]) {
            let musl_loader = e
                .interp
                .as_deref()
                .is_some_and(|i| base(i).starts_with("ld-musl"));
            if musl_loader || e.needed.iter().any(|n| n.starts_with("libc.musl-")) {
                return Some(Build::Musl);
            }
        }
        if bytes.windows(8).any(|w| w == b"ld-musl-") {
            return Some(Build::Musl);
        }
    }
    Some(Build::Glibc)
}

/// An anonymous memory file holding `build`, open across `execve`; its descriptor.
fn memfd(build: Build) -> std::io::Result<i32> {
    // SAFETY: the name is a NUL-terminated literal; flags 0 (no MFD_CLOEXEC: the program
    // this process becomes must find the descriptor).
    let fd = unsafe { libc::memfd_create(c"libdnsshim.so.0".as_ptr(), 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just created and is owned by nothing else; the File is forgotten
    // below so that the descriptor stays open for the program.
    let mut f = unsafe { <File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    use std::io::Write as _;
    let res = f.write_all(build.bytes());
    std::mem::forget(f);
    res.map(|()| fd)
}

/// `execvp(cmd, [cmd, args...])`; returns only on failure.
fn exec(cmd: &OsStr, args: &[OsString]) -> std::io::Error {
    let to_c = |s: &OsStr| CString::new(s.as_bytes());
    let Ok(argv) = std::iter::once(cmd)
        .chain(args.iter().map(OsString::as_os_str))
        .map(to_c)
        .collect::<Result<Vec<CString>, _>>()
    else {
        return std::io::Error::from(std::io::ErrorKind::InvalidInput);
    };
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|c| c.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    // SAFETY: every `argv` string is NUL-terminated and outlives the call; `ptrs` is
    // NULL-terminated. execvp returns only on failure.
    unsafe { libc::execvp(argv[0].as_ptr(), ptrs.as_ptr()) };
    std::io::Error::last_os_error()
}
