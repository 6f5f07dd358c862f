//! Just enough ELF for `dnsshim check`: file type, machine, `PT_INTERP`, the dynamic section
//! (`DT_NEEDED`, `DT_RUNPATH`, `DT_FLAGS_1`), the undefined dynamic symbols, and whether it is
//! a Go program.
//!
//! 64-bit little-endian files are parsed fully; for others only the identification and the
//! machine are read. Every offset and size read from the file is bounds-checked against the
//! file and capped, so that any input (truncated, garbage, hostile) gives an [`ElfError`] or a
//! partial result, never a panic or a huge allocation.

use std::fmt;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// What can be read at an offset: a file, or bytes in memory (tests).
pub trait Source {
    fn len(&self) -> u64;
    /// Fills `buf` from `offset`; fails when that is not entirely inside the source.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

impl Source for File {
    fn len(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.read_exact_at(buf, offset)
    }
}

impl Source for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| eof())?;
        let end = start.checked_add(buf.len()).ok_or_else(eof)?;
        let src = self.get(start..end).ok_or_else(eof)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

fn eof() -> io::Error {
    io::Error::from(io::ErrorKind::UnexpectedEof)
}

/// Why a file could not be read as ELF at all.
#[derive(Debug)]
pub enum ElfError {
    /// No `\x7fELF` at the start; `script` holds the `#!` line of an interpreted file.
    NotElf {
        script: Option<String>,
    },
    /// Shorter than the part of the header that was needed.
    Truncated(&'static str),
    Io(io::Error),
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::NotElf { script: Some(s) } => write!(
                f,
                "not an ELF file: a script for {s:?}; check that interpreter instead"
            ),
            ElfError::NotElf { script: None } => {
                write!(f, "not an ELF file (no \\x7fELF signature)")
            }
            ElfError::Truncated(what) => write!(f, "truncated ELF file ({what} cut short)"),
            ElfError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// `e_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ET_EXEC`: a position-dependent executable.
    Exec,
    /// `ET_DYN`: a PIE executable or a shared library.
    Dyn,
    /// `ET_REL`, `ET_CORE`, or anything else.
    Other(u16),
}

/// What `check` needs to know about one ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elf {
    /// 32 or 64.
    pub bits: u8,
    pub little_endian: bool,
    pub kind: Kind,
    /// `e_machine`.
    pub machine: u16,
    /// Whether the rest (program headers, dynamic section, symbols) was parsed: 64-bit
    /// little-endian files only.
    pub parsed: bool,
    /// `PT_INTERP`: the dynamic loader's path.
    pub interp: Option<String>,
    /// A `PT_DYNAMIC` segment exists.
    pub dynamic: bool,
    pub needed: Vec<String>,
    pub soname: Option<String>,
    /// `DT_RUNPATH` or, without it, `DT_RPATH` (colon-separated, `$ORIGIN` not expanded).
    pub runpath: Option<String>,
    /// `DT_FLAGS_1` has `DF_1_PIE`.
    pub pie_flag: bool,
    /// Names of undefined dynamic symbols, in table order.
    pub undefined: Vec<String>,
    /// Go's build-ID note or build-info section is present.
    pub go: bool,
    /// Things that were inconsistent and skipped (a bad dynamic section, a symbol table that
    /// cannot be located, …): the result may be incomplete.
    pub problems: Vec<String>,
}

pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;

/// The `e_machine` of the architecture this command is built for (that of the libraries it
/// carries and of the programs they can be loaded into); `EM_NONE` (0) for one not named here.
pub fn own_machine() -> u16 {
    match std::env::consts::ARCH {
        "x86" => 3,
        "arm" => 40,
        "powerpc64" => 21,
        "s390x" => 22,
        "x86_64" => EM_X86_64,
        "aarch64" => EM_AARCH64,
        "riscv64" => 243,
        "loongarch64" => 258,
        _ => 0,
    }
}

/// Name of an `e_machine` value.
pub fn machine_name(m: u16) -> String {
    match m {
        3 => "i386".into(),
        8 => "mips".into(),
        20 => "powerpc".into(),
        21 => "powerpc64".into(),
        22 => "s390".into(),
        40 => "arm".into(),
        62 => "x86_64".into(),
        183 => "aarch64".into(),
        243 => "riscv".into(),
        258 => "loongarch".into(),
        n => format!("machine {n}"),
    }
}

// Program header types.
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const PT_NOTE: u32 = 4;
// Dynamic tags.
const DT_NULL: i64 = 0;
const DT_NEEDED: i64 = 1;
const DT_HASH: i64 = 4;
const DT_STRTAB: i64 = 5;
const DT_SYMTAB: i64 = 6;
const DT_STRSZ: i64 = 10;
const DT_SYMENT: i64 = 11;
const DT_SONAME: i64 = 14;
const DT_RPATH: i64 = 15;
const DT_RUNPATH: i64 = 29;
const DT_GNU_HASH: i64 = 0x6fff_fef5;
const DT_FLAGS_1: i64 = 0x6fff_fffb;
const DF_1_PIE: u64 = 0x0800_0000;
// Section header types.
const SHT_DYNSYM: u32 = 11;

const SYM_SIZE: u64 = 24;
const DYN_SIZE: u64 = 16;
const PHDR_SIZE: u64 = 56;
const SHDR_SIZE: u64 = 64;

/// Caps on what is read from the file, whatever its headers claim.
const MAX_INTERP: u64 = 4096;
const MAX_DYNAMIC: u64 = 1 << 20;
const MAX_STRTAB: u64 = 64 << 20;
const MAX_SYMBOLS: u64 = 1 << 20;
const MAX_NOTES: u64 = 1 << 16;
const MAX_SECTIONS: u64 = 1 << 16;

/// One `PT_LOAD` mapping, to turn addresses from the dynamic section into file offsets.
#[derive(Debug, Clone, Copy)]
struct Load {
    vaddr: u64,
    offset: u64,
    filesz: u64,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| {
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        u64::from_le_bytes(a)
    })
}

/// Reads `len` bytes at `offset`, if they are inside the file and `len <= cap`.
fn read_vec(src: &(impl Source + ?Sized), offset: u64, len: u64, cap: u64) -> Option<Vec<u8>> {
    if len > cap || offset.checked_add(len)? > src.len() {
        return None;
    }
    let mut v = vec![0u8; usize::try_from(len).ok()?];
    src.read_at(offset, &mut v).ok()?;
    Some(v)
}

/// The NUL-terminated string at `at` in `table` (lossy UTF-8); `None` when `at` is outside.
fn str_at(table: &[u8], at: u64) -> Option<String> {
    let rest = table.get(usize::try_from(at).ok()?..)?;
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// Parses the ELF file in `src`.
pub fn parse(src: &(impl Source + ?Sized)) -> Result<Elf, ElfError> {
    let mut ident = [0u8; 20];
    let have = src.len().min(ident.len() as u64) as usize;
    src.read_at(0, &mut ident[..have]).map_err(ElfError::Io)?;
    if have < 4 || ident[..4] != *b"\x7fELF" {
        return Err(ElfError::NotElf {
            script: shebang(src),
        });
    }
    if have < 20 {
        return Err(ElfError::Truncated("identification"));
    }
    let bits = match ident[4] {
        1 => 32,
        2 => 64,
        _ => 0,
    };
    let little_endian = ident[5] == 1;
    let half = |at: usize| {
        let b = [ident[at], ident[at + 1]];
        if little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    };
    let kind = match half(16) {
        1 => Kind::Other(1),
        2 => Kind::Exec,
        3 => Kind::Dyn,
        n => Kind::Other(n),
    };
    let mut elf = Elf {
        bits,
        little_endian,
        kind,
        machine: half(18),
        parsed: false,
        interp: None,
        dynamic: false,
        needed: Vec::new(),
        soname: None,
        runpath: None,
        pie_flag: false,
        undefined: Vec::new(),
        go: false,
        problems: Vec::new(),
    };
    if bits != 64 || !little_endian {
        return Ok(elf);
    }
    let header = read_vec(src, 0, 64, 64).ok_or(ElfError::Truncated("ELF header"))?;
    elf.parsed = true;
    let phoff = u64_at(&header, 32);
    let shoff = u64_at(&header, 40);
    let phentsize = u64::from(u16_at(&header, 54));
    let phnum = u64::from(u16_at(&header, 56));
    let shentsize = u64::from(u16_at(&header, 58));
    let shnum = u64::from(u16_at(&header, 60));
    let shstrndx = u64::from(u16_at(&header, 62));

    // Program headers.
    let mut loads = Vec::new();
    let mut dynamic = None;
    let mut notes = Vec::new();
    if phnum > 0 {
        if phentsize < PHDR_SIZE {
            elf.problems
                .push(format!("program header entries of {phentsize} bytes"));
        } else {
            let table = phentsize
                .checked_mul(phnum)
                .and_then(|len| read_vec(src, phoff, len, 65535 * 4096))
                .ok_or(ElfError::Truncated("program header table"))?;
            for i in 0..phnum as usize {
                let at = i * phentsize as usize;
                let p_type = u32_at(&table, at);
                let offset = u64_at(&table, at + 8);
                let vaddr = u64_at(&table, at + 16);
                let filesz = u64_at(&table, at + 32);
                match p_type {
                    PT_LOAD => loads.push(Load {
                        vaddr,
                        offset,
                        filesz,
                    }),
                    PT_DYNAMIC => dynamic = Some((offset, filesz)),
                    PT_INTERP => match read_vec(src, offset, filesz.min(MAX_INTERP), MAX_INTERP) {
                        Some(b) => elf.interp = str_at(&b, 0),
                        None => elf.problems.push("PT_INTERP outside the file".into()),
                    },
                    PT_NOTE => notes.push((offset, filesz)),
                    _ => {}
                }
            }
        }
    }
    for (offset, size) in notes {
        if let Some(b) = read_vec(src, offset, size.min(MAX_NOTES), MAX_NOTES) {
            elf.go |= has_go_note(&b);
        }
    }
    let sections = sections(src, shoff, shentsize, shnum, shstrndx);
    elf.go |= sections
        .iter()
        .any(|s| matches!(s.name.as_str(), ".go.buildinfo" | ".note.go.buildid"));

    if let Some((offset, size)) = dynamic {
        elf.dynamic = true;
        dynamic_section(src, &mut elf, &loads, &sections, offset, size);
    }
    Ok(elf)
}

/// The `#!` line of a script (first 256 bytes), without `#!` and trailing blanks.
fn shebang(src: &(impl Source + ?Sized)) -> Option<String> {
    let len = src.len().min(256);
    let b = read_vec(src, 0, len, 256)?;
    let line = b.strip_prefix(b"#!")?;
    let end = line.iter().position(|&c| c == b'\n').unwrap_or(line.len());
    let s = String::from_utf8_lossy(&line[..end]).trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// Go's build-ID note: owner `Go`, type 4.
fn has_go_note(b: &[u8]) -> bool {
    let mut at = 0usize;
    let align = |n: usize| n.checked_add(3).map(|n| n & !3);
    while at + 12 <= b.len() {
        let namesz = u32_at(b, at) as usize;
        let descsz = u32_at(b, at + 4) as usize;
        let ntype = u32_at(b, at + 8);
        let name = b.get(at + 12..at + 12 + namesz.min(b.len()));
        let trimmed = |n: &[u8]| {
            let end = n.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
            n[..end] == *b"Go"
        };
        if ntype == 4 && name.is_some_and(trimmed) {
            return true;
        }
        let next = align(namesz)
            .zip(align(descsz))
            .and_then(|(n, d)| (at + 12).checked_add(n)?.checked_add(d));
        match next {
            Some(n) if n > at => at = n,
            _ => break,
        }
    }
    false
}

/// One section header (only what is used).
#[derive(Debug, Clone)]
struct Section {
    name: String,
    sh_type: u32,
    offset: u64,
    size: u64,
}

/// Section headers with their names; empty when absent or unreadable (they are optional).
fn sections(
    src: &(impl Source + ?Sized),
    shoff: u64,
    shentsize: u64,
    shnum: u64,
    shstrndx: u64,
) -> Vec<Section> {
    if shoff == 0 || shnum == 0 || shnum > MAX_SECTIONS || shentsize < SHDR_SIZE {
        return Vec::new();
    }
    let Some(table) = shentsize
        .checked_mul(shnum)
        .and_then(|len| read_vec(src, shoff, len, MAX_SECTIONS * 256))
    else {
        return Vec::new();
    };
    let field = |i: u64, at: usize| (i * shentsize) as usize + at;
    let mut out: Vec<Section> = (0..shnum)
        .map(|i| Section {
            name: String::new(),
            sh_type: u32_at(&table, field(i, 4)),
            offset: u64_at(&table, field(i, 24)),
            size: u64_at(&table, field(i, 32)),
        })
        .collect();
    let names = out
        .get(shstrndx as usize)
        .and_then(|s| read_vec(src, s.offset, s.size, MAX_STRTAB));
    if let Some(names) = names {
        for (i, s) in out.iter_mut().enumerate() {
            let at = u32_at(&table, field(i as u64, 0));
            s.name = str_at(&names, u64::from(at)).unwrap_or_default();
        }
    }
    out
}

/// The file offset of virtual address `addr`, through the `PT_LOAD` segments.
fn offset_of(loads: &[Load], addr: u64) -> Option<u64> {
    loads.iter().find_map(|l| {
        let rel = addr.checked_sub(l.vaddr)?;
        (rel < l.filesz)
            .then(|| l.offset.checked_add(rel))
            .flatten()
    })
}

fn dynamic_section(
    src: &(impl Source + ?Sized),
    elf: &mut Elf,
    loads: &[Load],
    sections: &[Section],
    offset: u64,
    size: u64,
) {
    let Some(table) = read_vec(src, offset, size.min(MAX_DYNAMIC), MAX_DYNAMIC) else {
        elf.problems
            .push("the dynamic section is outside the file".into());
        return;
    };
    let mut needed = Vec::new();
    let (mut soname, mut rpath, mut runpath) = (None, None, None);
    let (mut strtab, mut strsz, mut symtab, mut hash, mut gnu_hash) =
        (None, None, None, None, None);
    let mut syment = SYM_SIZE;
    for entry in table.chunks_exact(DYN_SIZE as usize) {
        let tag = u64_at(entry, 0) as i64;
        let val = u64_at(entry, 8);
        match tag {
            DT_NULL => break,
            DT_NEEDED => needed.push(val),
            DT_SONAME => soname = Some(val),
            DT_RPATH => rpath = Some(val),
            DT_RUNPATH => runpath = Some(val),
            DT_STRTAB => strtab = Some(val),
            DT_STRSZ => strsz = Some(val),
            DT_SYMTAB => symtab = Some(val),
            DT_SYMENT => syment = val,
            DT_HASH => hash = Some(val),
            DT_GNU_HASH => gnu_hash = Some(val),
            DT_FLAGS_1 => elf.pie_flag = val & DF_1_PIE != 0,
            _ => {}
        }
    }
    let strings = strtab
        .and_then(|a| offset_of(loads, a))
        .zip(strsz)
        .and_then(|(off, len)| read_vec(src, off, len, MAX_STRTAB));
    let Some(strings) = strings else {
        if !needed.is_empty() || symtab.is_some() {
            elf.problems
                .push("the dynamic string table cannot be located".into());
        }
        return;
    };
    let name = |v: u64| str_at(&strings, v);
    elf.needed = needed.into_iter().filter_map(name).collect();
    elf.soname = soname.and_then(name);
    elf.runpath = runpath.or(rpath).and_then(name);

    let Some(symoff) = symtab.and_then(|a| offset_of(loads, a)) else {
        return;
    };
    if syment < SYM_SIZE {
        elf.problems.push(format!("symbols of {syment} bytes"));
        return;
    }
    // The number of symbols: from the hash tables (what the loader uses), else from the
    // section headers, else up to the string table when it follows the symbol table (as GNU
    // ld lays them out).
    let symaddr = symtab.unwrap_or(0);
    let count = hash
        .and_then(|a| offset_of(loads, a))
        .and_then(|off| read_vec(src, off, 8, 8))
        .map(|b| u64::from(u32_at(&b, 4)))
        .or_else(|| {
            gnu_hash
                .and_then(|a| offset_of(loads, a))
                .and_then(|off| gnu_hash_count(src, off))
        })
        .or_else(|| {
            sections
                .iter()
                .find(|s| s.sh_type == SHT_DYNSYM && s.offset == symoff)
                .map(|s| s.size / syment)
        })
        .or_else(|| {
            strtab
                .filter(|&s| s > symaddr)
                .map(|s| (s - symaddr) / syment)
        });
    let Some(count) = count else {
        elf.problems
            .push("the number of dynamic symbols cannot be determined".into());
        return;
    };
    let count = count.min(MAX_SYMBOLS);
    let Some(syms) = syment
        .checked_mul(count)
        .and_then(|len| read_vec(src, symoff, len, MAX_SYMBOLS * syment.min(64)))
    else {
        elf.problems
            .push("the dynamic symbol table is outside the file".into());
        return;
    };
    for sym in syms.chunks_exact(syment as usize) {
        let st_name = u64::from(u32_at(sym, 0));
        let shndx = u16_at(sym, 6);
        if shndx == 0 && st_name != 0 {
            if let Some(n) = name(st_name).filter(|n| !n.is_empty()) {
                elf.undefined.push(n);
            }
        }
    }
}

/// The number of dynamic symbols from a `DT_GNU_HASH` table: one past the highest symbol
/// reachable from the buckets and chains. `None` when no bucket holds a symbol: a program
/// that exports nothing (every aarch64 PIE, which has no copy relocations) has an empty
/// table whose `symoffset` says nothing about its imports (GNU ld writes 1 there).
fn gnu_hash_count(src: &(impl Source + ?Sized), off: u64) -> Option<u64> {
    let head = read_vec(src, off, 16, 16)?;
    let nbuckets = u64::from(u32_at(&head, 0));
    let symoffset = u64::from(u32_at(&head, 4));
    let bloom_size = u64::from(u32_at(&head, 8));
    let buckets_off = off
        .checked_add(16)?
        .checked_add(bloom_size.checked_mul(8)?)?;
    let buckets = read_vec(src, buckets_off, nbuckets.checked_mul(4)?, MAX_SYMBOLS * 4)?;
    let max = (0..nbuckets as usize)
        .map(|i| u64::from(u32_at(&buckets, i * 4)))
        .max()
        .unwrap_or(0);
    if max == 0 || max < symoffset {
        return None;
    }
    // Walk the last chain (from `max`) in blocks until the entry with the low bit set.
    const BLOCK: u64 = 1024;
    let chains_off = buckets_off.checked_add(nbuckets * 4)?;
    let mut i = max;
    while i - symoffset < MAX_SYMBOLS {
        let at = chains_off.checked_add((i - symoffset) * 4)?;
        let n = BLOCK.min(src.len().saturating_sub(at) / 4);
        let b = read_vec(src, at, n * 4, BLOCK * 4).filter(|_| n > 0)?;
        for k in 0..n {
            if u32_at(&b, (k * 4) as usize) & 1 == 1 {
                return Some(i + k + 1);
            }
        }
        i += n;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_exe() -> Vec<u8> {
        std::fs::read("/proc/self/exe").expect("/proc/self/exe")
    }

    #[test]
    fn this_test_binary() {
        let b = self_exe();
        let e = parse(&b[..]).unwrap();
        assert_eq!((e.bits, e.little_endian, e.parsed), (64, true, true));
        assert_eq!(e.machine, own_machine());
        // The test binary is a dynamically linked program of the host (glibc) toolchain.
        if e.interp.is_some() {
            assert!(e.dynamic);
            assert!(e.needed.iter().any(|n| n.starts_with("libc.")), "{e:?}");
            assert!(e.undefined.iter().any(|s| s == "malloc"), "{e:?}");
        }
        assert!(e.problems.is_empty(), "{:?}", e.problems);
    }

    #[test]
    fn not_elf_and_scripts() {
        assert!(matches!(
            parse(&b"hello world"[..]),
            Err(ElfError::NotElf { script: None })
        ));
        assert!(matches!(parse(&b""[..]), Err(ElfError::NotElf { .. })));
        match parse(&b"#!/bin/sh -e\necho hi\n"[..]) {
            Err(ElfError::NotElf { script: Some(s) }) => assert_eq!(s, "/bin/sh -e"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(&b"\x7fELF\x02\x01"[..]),
            Err(ElfError::Truncated(_))
        ));
    }

    #[test]
    fn other_classes() {
        let mut h = [0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 1; // 32-bit
        h[5] = 1;
        h[16] = 2;
        h[18] = 3;
        let e = parse(&h[..]).unwrap();
        assert_eq!(
            (e.bits, e.machine, e.parsed, e.kind),
            (32, 3, false, Kind::Exec)
        );
        h[4] = 2;
        h[5] = 2; // big-endian
        h[17] = 2;
        h[16] = 0;
        h[18] = 0;
        h[19] = 22;
        let e = parse(&h[..]).unwrap();
        assert_eq!(
            (e.little_endian, e.machine, e.kind),
            (false, 22, Kind::Exec)
        );
    }

    /// A GNU hash table: `nbuckets` buckets, `symoffset`, one bloom word, then the chains.
    fn gnu_hash(buckets: &[u32], symoffset: u32, chains: &[u32]) -> Vec<u8> {
        let mut t = Vec::new();
        for w in [buckets.len() as u32, symoffset, 1, 6] {
            t.extend_from_slice(&w.to_le_bytes());
        }
        t.extend_from_slice(&[0xff; 8]);
        for w in buckets.iter().chain(chains) {
            t.extend_from_slice(&w.to_le_bytes());
        }
        t
    }

    #[test]
    fn gnu_hash_symbol_counts() {
        // Symbols 5..=7 hashed (7 ends its chain): 8 symbols.
        let t = gnu_hash(&[5, 0, 7], 5, &[0, 1, 3]);
        assert_eq!(gnu_hash_count(&t[..], 0), Some(8));
        // Nothing hashed (aarch64 GNU ld writes symoffset 1 for a program that exports
        // nothing, whatever it imports): unknown, not 1.
        let t = gnu_hash(&[0], 1, &[]);
        assert_eq!(gnu_hash_count(&t[..], 0), None);
    }

    #[test]
    fn go_build_id_note() {
        let mut n = Vec::new();
        // An unrelated GNU note first, then Go's (name "Go\0\0", type 4).
        for (name, ntype, desc) in [
            (&b"GNU\0"[..], 3u32, &[1u8; 20][..]),
            (b"Go\0\0", 4, b"abcd"),
        ] {
            n.extend_from_slice(&(name.len() as u32).to_le_bytes());
            n.extend_from_slice(&(desc.len() as u32).to_le_bytes());
            n.extend_from_slice(&ntype.to_le_bytes());
            n.extend_from_slice(name);
            n.extend_from_slice(desc);
        }
        assert!(has_go_note(&n));
        assert!(!has_go_note(&n[..36]));
        assert!(!has_go_note(&[0xff; 40]));
    }

    /// Every prefix and many corruptions of a real binary: never a panic.
    #[test]
    fn garbage_never_panics() {
        let b = self_exe();
        let cut: Vec<usize> = (0..4096)
            .step_by(7)
            .chain((0..b.len()).step_by((b.len() / 512).max(1)))
            .collect();
        for &n in &cut {
            let _ = parse(&b[..n.min(b.len())]);
        }
        // Flip bytes in the headers with a simple deterministic generator.
        let mut x: u32 = 0x1234_5678;
        for _ in 0..2000 {
            let mut c = b[..b.len().min(1 << 16)].to_vec();
            for _ in 0..8 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let at = (x as usize) % c.len().min(4096);
                c[at] = (x >> 8) as u8;
            }
            let _ = parse(&c[..]);
        }
    }
}
