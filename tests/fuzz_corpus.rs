//! The fuzzers' smoke run in `make test`, on stable Rust: every file of fuzz/corpus/TARGET
//! (the committed seeds, and the inputs of crashes found and fixed) goes through the same
//! target body the libFuzzer binaries call (`dnsshim::fuzzing`, the `fuzzing` feature: `make
//! test` passes it; see fuzz/), then a fixed set
//! of mutations of each (byte changes, cuts, insertions, splices: a deterministic xorshift
//! stream), so a regression that panics or breaks an invariant on the corpus fails the build.
//! libFuzzer itself (nightly, cargo-fuzz, sanitizers) runs in `make fuzz`.
//!
//! `DNSSHIM_FUZZ_MUTATIONS` (default 2000) sets the mutations per corpus file.

use std::path::{Path, PathBuf};
use std::time::Instant;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no seeds", dir.display());
    files
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `seed` (another seed `other` for splices).
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(7) {
            0 | 1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            3 => {
                let cut = rng.below(v.len() + 1);
                v.truncate(cut);
            }
            4 => {
                let i = rng.below(v.len() + 1);
                let n = rng.below(16) + 1;
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                v.splice(i..i, bytes);
            }
            5 if !other.is_empty() => {
                let at = rng.below(v.len() + 1);
                let from = rng.below(other.len());
                let n = rng.below(other.len() - from) + 1;
                v.truncate(at);
                v.extend_from_slice(&other[from..from + n]);
            }
            _ if v.len() > 1 => {
                // Interesting values where DNS has counts and lengths.
                let i = rng.below(v.len() - 1);
                let val: u16 = [0, 1, 0x3f, 0x40, 0xc0, 0xff, 0xc00c, 0xffff][rng.below(8)];
                v[i..i + 2].copy_from_slice(&val.to_be_bytes());
            }
            _ => {}
        }
    }
    v
}

fn replay(target: &str, f: fn(&[u8])) {
    let mutations: usize = std::env::var("DNSSHIM_FUZZ_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let files = corpus(target);
    let t0 = Instant::now();
    let mut runs = 0usize;
    for (path, seed) in &files {
        let r = std::panic::catch_unwind(|| f(seed));
        assert!(r.is_ok(), "{target}: {} fails", path.display());
        runs += 1;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ target.len() as u64);
    for (i, (path, seed)) in files.iter().enumerate() {
        let other = &files[(i + 1) % files.len()].1;
        for _ in 0..mutations {
            let input = mutate(&mut rng, seed, other);
            let r = std::panic::catch_unwind(|| f(&input));
            assert!(
                r.is_ok(),
                "{target}: a mutation of {} fails; input (save it into fuzz/corpus/{target}/ \
                 when fixed): {input:02x?}",
                path.display()
            );
            runs += 1;
        }
    }
    eprintln!(
        "{target}: {} corpus files, {runs} runs in {} ms",
        files.len(),
        t0.elapsed().as_millis()
    );
}

#[test]
fn response() {
    replay("response", dnsshim::fuzzing::response);
}

#[test]
fn message_vs_hickory() {
    replay("message_vs_hickory", dnsshim::fuzzing::message_vs_hickory);
}

#[test]
fn resolv_conf() {
    replay("resolv_conf", dnsshim::fuzzing::resolv_conf);
}

#[test]
fn hosts() {
    replay("hosts", dnsshim::fuzzing::hosts);
}

#[test]
fn addrinfo() {
    replay("addrinfo", dnsshim::fuzzing::addrinfo);
}

#[test]
fn hostent() {
    replay("hostent", dnsshim::fuzzing::hostent);
}

#[test]
fn getaddrinfo() {
    replay("getaddrinfo", dnsshim::fuzzing::getaddrinfo);
}
