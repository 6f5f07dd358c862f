//! Fuzz target: the getaddrinfo result builder (hints, services, numeric hosts, both
//! semantics) without the network, then its C layout.
//! The body and its invariants: `dnsshim::fuzzing::getaddrinfo` (src/fuzzing/mod.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dnsshim::fuzzing::getaddrinfo(data));
