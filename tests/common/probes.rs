//! The programs under test, for the architecture under test: the C compilers and the
//! programs they build, the shim libraries, the `dnsshim` command and the test server.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use super::{root, Libc};

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

/// The test server binary: `DNSSHIM_TESTSRV`, default the newest cargo build of it.
pub(super) fn testsrv() -> PathBuf {
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

/// The variants of the test NSS module (tests/c/nss_test.c) that [`nss_module_path`] builds:
/// (module name, compiler flags). `dnsshimtest` has every hosts entry point; `dnsshimtest2`
/// only `gethostbyname2_r` and `gethostbyaddr_r` (as older modules); `dnsshimtest3` all but
/// `gethostbyname4_r`.
pub const NSS_TEST_MODULES: [(&str, &[&str]); 3] = [
    ("dnsshimtest", &[]),
    (
        "dnsshimtest2",
        &["-DNO_BYNAME4", "-DNO_BYNAME3", "-DNO_BYNAME"],
    ),
    ("dnsshimtest3", &["-DNO_BYNAME4"]),
];

/// Where Debian's `libnss_myhostname.so.2` of the architecture under test is kept
/// (`make deps` extracts the package there, without installing it: its maintainer script
/// would edit the machine's nsswitch.conf).
pub fn myhostname_dir() -> PathBuf {
    let dir = root().join("target/tools/nss").join(arch());
    let so = dir.join("libnss_myhostname.so.2");
    assert!(
        so.is_file(),
        "{} not found: `make deps` puts Debian's libnss-myhostname there",
        so.display()
    );
    assert_arch(&so);
    dir
}

/// `LD_LIBRARY_PATH` for programs that load NSS modules in the tests: the test modules
/// (built here for the architecture under test, once per test process) and Debian's
/// `libnss_myhostname` ([`myhostname_dir`]).
pub fn nss_module_path() -> String {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let sub = probe_dir().join("nss");
        fs::create_dir_all(&sub).unwrap();
        for (name, flags) in NSS_TEST_MODULES {
            let define = format!("-DNSS_NAME={name}");
            let mut extra = vec!["-shared", "-fPIC", define.as_str()];
            extra.extend_from_slice(flags);
            compile(
                Libc::Glibc,
                "tests/c/nss_test.c",
                &format!("nss/libnss_{name}.so.2"),
                &extra,
            );
        }
        format!("{}:{}", sub.display(), myhostname_dir().display())
    })
    .clone()
}
