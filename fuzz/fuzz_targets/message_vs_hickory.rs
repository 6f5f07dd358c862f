//! Fuzz target: the library's message reader against hickory-proto's, byte for byte.
//! The body, its invariants and the disagreements it allows:
//! `dnsshim::fuzzing::message_vs_hickory` (src/fuzzing/hickory.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dnsshim::fuzzing::message_vs_hickory(data));
