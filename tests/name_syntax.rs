//! Names with escapes read as glibc reads them: the library's one `ns_name_pton`
//! (`dnsshim::wire::pton`, behind glibc-semantics `res_mkquery`, `res_hnok` and the names the
//! `dns` module asks) against glibc's own, from libresolv (tests/c/ns_name_pton.c, built here
//! with `gcc -lresolv`). The same names go through both, and each must get the same verdict and,
//! when accepted, the same bytes: `\DDD` with one to three digits and above 255, `\.` and other
//! escaped bytes, a trailing backslash, empty labels, the root, labels of 63 and 64 bytes,
//! names of 255 and 256 bytes in wire form, and a few thousand generated names around them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// tests/c/ns_name_pton.c, built against this machine's glibc into target/probes.
fn glibc_pton_program() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target").join("probes");
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join(format!("ns_name_pton-{}", std::process::id()));
    let out = Command::new("gcc")
        .args(["-O1", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&bin)
        .arg(root.join("tests/c/ns_name_pton.c"))
        .arg("-lresolv")
        .output()
        .expect("gcc (make test installs it)");
    assert!(
        out.status.success(),
        "gcc failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}

/// glibc's verdict on each name: its wire form, or `None`.
fn glibc_pton(names: &[Vec<u8>]) -> Vec<Option<Vec<u8>>> {
    let bin = glibc_pton_program();
    let mut child = Command::new(&bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for n in names {
        assert!(!n.contains(&0), "a C string holds no NUL");
        for b in n {
            input.push_str(&format!("{b:02x}"));
        }
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let _ = std::fs::remove_file(&bin);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Option<Vec<u8>>> = text
        .lines()
        .map(|l| match l.strip_prefix("ok ") {
            Some(hex) => Some(
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect(),
            ),
            None => {
                assert_eq!(l, "err");
                None
            }
        })
        .collect();
    assert_eq!(lines.len(), names.len());
    lines
}

/// The cases the parser must get right, written out.
fn named_cases() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        "",
        ".",
        "..",
        "a",
        "a.",
        "a..",
        ".a",
        "a..b",
        "a.b.",
        "one.test",
        "ONE.Test.",
        // \DDD: one, two, three digits; the largest byte and one above.
        "a\\1",
        "a\\12",
        "a\\123",
        "a\\1b",
        "a\\12b",
        "\\065\\066c",
        "a\\255",
        "a\\256",
        "a\\999",
        "\\000",
        "a\\0001",
        // Escaped dots and other bytes.
        "a\\.b",
        "a\\..b",
        "\\.",
        "\\..",
        "a\\\\b",
        "a\\ b",
        "\\-x",
        "a\\[x]",
        // A backslash at the end.
        "\\",
        "a\\",
        "a.\\",
        "a\\\\",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let label = |n: usize| "a".repeat(n);
    // Labels of 63 and 64 bytes, plain and with escapes counting one byte each.
    for n in [62, 63, 64] {
        v.push(label(n).into_bytes());
        v.push(format!("{}.test", label(n)).into_bytes());
        v.push(format!("{}\\065", label(n - 1)).into_bytes());
        v.push(format!("x.{}\\..y", label(n - 2)).into_bytes());
    }
    // Names of 254, 255 and 256 bytes in wire form, with and without a trailing dot.
    for total in [254, 255, 256] {
        // Three 63-byte labels are 192 bytes; the fourth fills up to `total` with the root.
        let last = total - 192 - 1 - 1;
        let name = format!("{l}.{l}.{l}.{}", label(last), l = label(63));
        v.push(name.clone().into_bytes());
        v.push(format!("{name}.").into_bytes());
        v.push(format!("{}\\097", &name[..name.len() - 1]).into_bytes());
    }
    v
}

/// Names made from a small alphabet of the bytes that matter, of every length up to 270.
fn generated_cases() -> Vec<Vec<u8>> {
    let alphabet = b"ab.\\0129-";
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut v = Vec::new();
    for i in 0..6000usize {
        let len = if i % 10 == 0 {
            240 + (next() % 30) as usize
        } else {
            (next() % 24) as usize
        };
        let mut n: Vec<u8> = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        if i % 3 == 0 {
            // Long runs of letters make long labels.
            let at = (next() % (len as u64 + 1)) as usize;
            let run = (next() % 70) as usize;
            n.splice(at..at, std::iter::repeat_n(b'c', run));
        }
        v.push(n);
    }
    v
}

#[test]
fn escaped_names_read_as_glibc_reads_them() {
    let mut names = named_cases();
    names.extend(generated_cases());
    let glibc = glibc_pton(&names);
    let mut accepted = 0;
    for (name, want) in names.iter().zip(&glibc) {
        let ours = dnsshim::wire::pton(name).map(|w| w.as_bytes().to_vec());
        assert_eq!(
            &ours,
            want,
            "{:?}: the library {} glibc {}",
            String::from_utf8_lossy(name),
            if ours.is_some() { "reads" } else { "refuses" },
            if want.is_some() { "reads" } else { "refuses" },
        );
        accepted += usize::from(want.is_some());
    }
    // Both verdicts were exercised, many times over.
    assert!(
        accepted > 1000 && names.len() - accepted > 1000,
        "{accepted}"
    );
}
