//! The two builds of the library this command carries (`make cli` embeds them: build.rs), the
//! one-value layout they are installed in, and the checks a written copy must pass.
//!
//! The layout (docs/deployment.md): glibc's loader expands `$LIB` in `LD_PRELOAD` (to
//! `lib/x86_64-linux-gnu` or `lib/aarch64-linux-gnu` on Debian and Ubuntu, `lib64` on
//! RHEL/Fedora/SUSE, `lib` on Arch, NixOS, …); musl's loader does not and opens the literal
//! path. So with the musl build in a
//! directory named `$LIB` and the glibc build in each directory glibc's `$LIB` can name, the
//! one value `DIR/$LIB/libdnsshim.so.0` gives every program the build of its own C library.

use std::path::Path;

use crate::elf::{self, Elf, Kind};

/// The musl build (empty when this command was built without it).
static MUSL: &[u8] = include_bytes!(env!("DNSSHIM_EMBEDDED_MUSL"));
/// The glibc build (empty when this command was built without it).
static GLIBC: &[u8] = include_bytes!(env!("DNSSHIM_EMBEDDED_GLIBC"));

/// The library's version: the builds are made from the same crate as this command.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The SONAME of both builds, and the file name in every directory of the layout.
pub const SONAME: &str = "libdnsshim.so.0";
/// The directory the musl build lives in: `$LIB`, literally.
pub const MUSL_DIR: &str = "$LIB";
/// The file in the layout's top directory naming the version and architecture installed.
pub const VERSION_FILE: &str = "dnsshim.version";

/// One of the two builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    Musl,
    Glibc,
}

impl Build {
    pub fn name(self) -> &'static str {
        match self {
            Build::Musl => "musl",
            Build::Glibc => "glibc",
        }
    }

    /// The bytes this command carries for the build (empty: none).
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Build::Musl => MUSL,
            Build::Glibc => GLIBC,
        }
    }
}

/// Whether this command carries both builds.
pub fn carried() -> bool {
    !MUSL.is_empty() && !GLIBC.is_empty()
}

/// The message for a command that carries no library.
pub const NOT_CARRIED: &str = "this dnsshim command carries no library (it was built without \
    them: `make cli` builds the libraries and embeds both)";

/// The directories glibc's loader expands `$LIB` to, that hold the glibc build: Debian's
/// multiarch directory for this architecture, `lib64`, `lib`.
pub fn glibc_dirs() -> [String; 3] {
    [
        format!("lib/{}-linux-gnu", std::env::consts::ARCH),
        "lib64".to_string(),
        "lib".to_string(),
    ]
}

/// The line that names what is installed (the content of [`VERSION_FILE`]).
pub fn version_line() -> String {
    format!("dnsshim {VERSION} {}\n", std::env::consts::ARCH)
}

/// Checks that `e` is an ELF file of this command's architecture (class, byte order, machine):
/// one the carried builds can be loaded into.
pub fn check_program(e: &Elf) -> Result<(), String> {
    let bits = if cfg!(target_pointer_width = "64") {
        64
    } else {
        32
    };
    if e.bits != bits || e.little_endian != cfg!(target_endian = "little") || !e.parsed {
        return Err(format!(
            "ELF class {}-bit {}-endian: the library is built for {}",
            e.bits,
            if e.little_endian { "little" } else { "big" },
            std::env::consts::ARCH
        ));
    }
    if e.machine != elf::own_machine() {
        return Err(format!(
            "built for {}: the library is built for {}",
            elf::machine_name(e.machine),
            std::env::consts::ARCH
        ));
    }
    Ok(())
}

/// Checks that `e` (read from `what`) is the `build` of the library for this architecture:
/// ELF class and byte order, machine, a shared object with SONAME [`SONAME`], and the C
/// library it needs (musl: only `libc.so`; glibc: `libc.so.6`).
pub fn check(e: &Elf, build: Build, what: &Path) -> Result<(), String> {
    let w = what.display();
    check_program(e).map_err(|why| format!("{w}: {why}"))?;
    if e.kind != Kind::Dyn || e.interp.is_some() {
        return Err(format!("{w}: not a shared library"));
    }
    if e.soname.as_deref() != Some(SONAME) {
        return Err(format!("{w}: SONAME {:?}, not {SONAME}", e.soname));
    }
    let libc_ok = match build {
        Build::Musl => e.needed == ["libc.so"],
        Build::Glibc => {
            e.needed.iter().any(|n| n == "libc.so.6") && !e.needed.iter().any(|n| n == "libc.so")
        }
    };
    if !libc_ok {
        return Err(format!(
            "{w}: needs {:?}: not the {} build",
            e.needed,
            build.name()
        ));
    }
    Ok(())
}

/// POSIX `cksum`'s CRC (polynomial 0x04C11DB7, the length appended, complemented), so that
/// `dnsshim --version` can be compared with `cksum FILE`.
pub fn cksum(data: &[u8]) -> u32 {
    fn feed(mut crc: u32, b: u8) -> u32 {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
        crc
    }
    let mut crc = data.iter().fold(0u32, |c, &b| feed(c, b));
    let mut len = data.len();
    while len != 0 {
        crc = feed(crc, (len & 0xff) as u8);
        len >>= 8;
    }
    !crc
}

/// `dnsshim --version`: the command's version and the library builds it carries.
pub fn describe() -> String {
    let mut s = format!("dnsshim {VERSION}\n");
    if !carried() {
        s.push_str("library: none (");
        s.push_str(NOT_CARRIED);
        s.push_str(")\n");
        return s;
    }
    s.push_str(&format!(
        "library: {SONAME} {VERSION} for {}, both builds inside this command:\n",
        std::env::consts::ARCH
    ));
    for b in [Build::Musl, Build::Glibc] {
        let bytes = b.bytes();
        s.push_str(&format!(
            "  {:<5} build: {} bytes, cksum {}\n",
            b.name(),
            bytes.len(),
            cksum(bytes)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cksum_matches_posix() {
        // Values printed by coreutils `cksum`.
        assert_eq!(cksum(b""), 4294967295);
        assert_eq!(cksum(b"a"), 1220704766);
        assert_eq!(cksum(b"123456789"), 930766865);
    }
}
