//! Fuzz target: the _r functions' layout in a caller's buffer of any size, with guard bytes.
//! The body and its invariants: `dnsshim::fuzzing::hostent` (src/fuzzing/mod.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dnsshim::fuzzing::hostent(data));
