//! Fuzz target: the getaddrinfo result builder: C layout, read back, freeaddrinfo.
//! The body and its invariants: `dnsshim::fuzzing::addrinfo` (src/fuzzing/mod.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dnsshim::fuzzing::addrinfo(data));
