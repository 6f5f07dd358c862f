//! Fuzz target: hosts-file parsing and lookups in it.
//! The body and its invariants: `dnsshim::fuzzing::hosts` (src/fuzzing/mod.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dnsshim::fuzzing::hosts(data));
