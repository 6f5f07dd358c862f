//! Fuzz target: resolv.conf parsing, with LOCALDOMAIN and RES_OPTIONS.
//! The body and its invariants: `dnsshim::fuzzing::resolv_conf` (src/fuzzing/mod.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dnsshim::fuzzing::resolv_conf(data));
