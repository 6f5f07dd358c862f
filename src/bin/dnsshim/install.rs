//! `dnsshim install [--force] DIR`: writes the two builds this command carries into the
//! one-value layout under DIR, checks what it wrote, and prints the `LD_PRELOAD` value.
//!
//! ```text
//! DIR/$LIB/libdnsshim.so.0                   the musl build ($LIB literally)
//! DIR/lib/x86_64-linux-gnu/libdnsshim.so.0   the glibc build, and hard links to it in
//! DIR/lib64/libdnsshim.so.0                  every directory glibc's loader expands $LIB to
//! DIR/lib/libdnsshim.so.0
//! DIR/dnsshim.version                        "dnsshim VERSION ARCH"
//! ```
//!
//! (`lib/aarch64-linux-gnu` instead of `lib/x86_64-linux-gnu` for the aarch64 command: each
//! architecture's command carries and installs that architecture's builds.)
//!
//! Every file is written under a temporary name and renamed into place, so a program that has
//! the old copy mapped keeps it and a running install never leaves half a library behind. No
//! symbolic links: a bind mount of one directory (a volume's `subPath`) would break them.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::elf;
use crate::embedded::{self, Build, MUSL_DIR, SONAME, VERSION_FILE};
use crate::{EXIT_ERROR, EXIT_OK};

const HELP: &str = "\
usage: dnsshim install [--force] DIR

Write both builds of the library this command carries into DIR, so that the one value
  LD_PRELOAD='DIR/$LIB/libdnsshim.so.0'
gives every dynamically linked program the build of its own C library: glibc's loader expands
$LIB (lib/ARCH-linux-gnu, lib64 or lib, all of which hold the glibc build), musl's loader
does not (DIR/$LIB, a directory named so, holds the musl build).

Each file written is read back and checked (ELF class, machine, SONAME, C library). DIR may
be made read-only afterwards. Prints the LD_PRELOAD value on stdout.

options:
  --force     replace a different version already installed in DIR
  -h, --help  this text

exit status: 0 installed, 1 anything else (nothing carried, a different version in DIR,
an I/O error, a copy that does not check out).
";

pub fn main(args: &[String]) -> ExitCode {
    if crate::wants_help(args) {
        print!(
            "{}",
            HELP.replace("lib/ARCH-linux-gnu", &embedded::glibc_dirs()[0])
        );
        return ExitCode::from(EXIT_OK);
    }
    let mut force = false;
    let mut dirs = Vec::new();
    let mut opts = true;
    for a in args {
        match a.as_str() {
            "--" if opts => opts = false,
            "--force" if opts => force = true,
            s if opts && s.starts_with('-') && s.len() > 1 => {
                return crate::usage_error("install", format_args!("unknown option {s:?}"));
            }
            _ => dirs.push(a.clone()),
        }
    }
    let [dir] = dirs.as_slice() else {
        return crate::usage_error("install", "want exactly one DIR");
    };
    match install(Path::new(dir), force) {
        Ok(value) => {
            println!("LD_PRELOAD='{value}'");
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            crate::error(format_args!("install: {e}"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Installs into `dir`; the `LD_PRELOAD` value (unquoted) on success.
fn install(dir: &Path, force: bool) -> Result<String, String> {
    if !embedded::carried() {
        return Err(embedded::NOT_CARRIED.to_string());
    }
    // What is carried must be right before anything is written.
    for b in [Build::Musl, Build::Glibc] {
        let what = PathBuf::from(format!("the carried {} build", b.name()));
        let e = elf::parse(b.bytes()).map_err(|e| format!("{}: {e}", what.display()))?;
        embedded::check(&e, b, &what)?;
    }
    let dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| format!("the current directory: {e}"))?
            .join(dir)
    };
    make_dir(&dir)?;
    refuse_other_version(&dir, force)?;

    let musl = dir.join(MUSL_DIR).join(SONAME);
    let glibc: Vec<PathBuf> = embedded::glibc_dirs()
        .iter()
        .map(|d| dir.join(d).join(SONAME))
        .collect();
    write_file(&musl, Build::Musl.bytes())?;
    write_linked(&glibc, Build::Glibc.bytes())?;
    // Every copy, read back from the file system.
    for (path, b) in
        std::iter::once((&musl, Build::Musl)).chain(glibc.iter().map(|p| (p, Build::Glibc)))
    {
        verify(path, b)?;
    }
    write_file(&dir.join(VERSION_FILE), embedded::version_line().as_bytes())?;
    set_mode(&dir.join(VERSION_FILE), 0o644)?;

    eprintln!(
        "dnsshim: installed {SONAME} {} ({}) in {}:",
        embedded::VERSION,
        std::env::consts::ARCH,
        dir.display()
    );
    eprintln!("  musl   {}", musl.display());
    for g in &glibc {
        eprintln!("  glibc  {}", g.display());
    }
    Ok(dir
        .join(MUSL_DIR)
        .join(SONAME)
        .to_string_lossy()
        .into_owned())
}

/// Creates `dir` and its parents (0755 for those it creates).
fn make_dir(dir: &Path) -> Result<(), String> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))
}

use std::os::unix::fs::DirBuilderExt as _;

/// Fails when `dir` holds another version (its [`VERSION_FILE`] says so), or our library of
/// an unknown version (no such file), unless `force`.
fn refuse_other_version(dir: &Path, force: bool) -> Result<(), String> {
    let ours = embedded::version_line();
    let theirs = match fs::read_to_string(dir.join(VERSION_FILE)) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("{}: {e}", dir.join(VERSION_FILE).display())),
    };
    let found = match &theirs {
        Some(t) if *t == ours => return Ok(()),
        Some(t) => format!("{:?} (its {VERSION_FILE})", t.trim()),
        None => {
            let any = std::iter::once(MUSL_DIR.to_string())
                .chain(embedded::glibc_dirs())
                .any(|d| dir.join(d).join(SONAME).exists());
            if !any {
                return Ok(());
            }
            format!("{SONAME} of an unknown version (no {VERSION_FILE})")
        }
    };
    if force {
        eprintln!("dnsshim: install: replacing {found} in {}", dir.display());
        return Ok(());
    }
    Err(format!(
        "{} already holds {found}; this command carries {:?}: --force replaces it",
        dir.display(),
        ours.trim()
    ))
}

/// A temporary name beside `path`.
fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.new{}", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary file renamed into place (mode 0755).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        make_dir(parent)?;
    }
    let tmp = temp_name(path);
    let res = write_new(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display())));
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let _ = fs::remove_file(path);
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o755)
        .open(path)
        .map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.sync_all().map_err(err)?;
    set_mode(path, 0o755)
}

/// Writes `bytes` once, as `paths[0]`'s temporary file, hard-links it to the others'
/// temporary names (a copy where the file system refuses links), and renames all into place.
fn write_linked(paths: &[PathBuf], bytes: &[u8]) -> Result<(), String> {
    let mut temps = Vec::new();
    let mut res = Ok(());
    for (i, p) in paths.iter().enumerate() {
        if let Some(parent) = p.parent() {
            res = make_dir(parent);
        }
        if res.is_err() {
            break;
        }
        let tmp = temp_name(p);
        res = if i == 0 {
            write_new(&tmp, bytes)
        } else {
            let _ = fs::remove_file(&tmp);
            fs::hard_link(&temps[0], &tmp)
                .or_else(|_| write_new(&tmp, bytes).map_err(std::io::Error::other))
                .map_err(|e| format!("{}: {e}", tmp.display()))
        };
        temps.push(tmp);
        if res.is_err() {
            break;
        }
    }
    if res.is_ok() {
        for (tmp, p) in temps.iter().zip(paths) {
            res = fs::rename(tmp, p).map_err(|e| format!("{}: {e}", p.display()));
            if res.is_err() {
                break;
            }
        }
    }
    for t in &temps {
        let _ = fs::remove_file(t);
    }
    res
}

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads `path` back: the carried bytes exactly, and an ELF file that passes
/// [`embedded::check`] for `build`.
fn verify(path: &Path, build: Build) -> Result<(), String> {
    let got = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if got != build.bytes() {
        return Err(format!(
            "{}: reads back as {} bytes that differ from the {} build carried",
            path.display(),
            got.len(),
            build.name()
        ));
    }
    let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let e = elf::parse(&f).map_err(|e| format!("{}: {e}", path.display()))?;
    embedded::check(&e, build, path)
}
