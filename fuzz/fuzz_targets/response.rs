//! Fuzz target: response parsing (check_response) and record collection (collect, addresses).
//! The body and its invariants: `dnsshim::fuzzing::response` (src/fuzzing/mod.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dnsshim::fuzzing::response(data));
