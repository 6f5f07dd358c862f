//! The panic-free boundary prototype (benches/notes.md, "A boundary proven panic-free"): the
//! library's own `inet_aton` and `inet_pton(AF_INET6)` parsers (src/numeric.rs, the same
//! file) behind two C exports, built as `make bench` builds it (benches/run.sh): a cdylib with
//! std, `panic = "abort"`, LTO, and the unwinder offered but not needed. No export can panic,
//! so nothing of std's panic runtime (hook, backtrace symbolizer, unwinder) is linked; run.sh
//! checks exactly that after linking (the link-time check: no `rust_begin_unwind`, no
//! `_Unwind_*`) and measures its process start beside the minimal Rust cdylib's.
#![allow(dead_code)]

/// What src/numeric.rs calls outside itself (scope names of link-local addresses).
mod sys {
    pub mod host {
        pub fn if_nametoindex(_: &str) -> u32 {
            0
        }
    }
}

#[path = "../../src/numeric.rs"]
mod numeric;

use std::ffi::{c_char, c_int, CStr};

/// Parses the C string `s` with `parse` into `*out`: 1, or 0 when it is not an address.
///
/// # Safety
/// `s` is a NUL-terminated string, `out` valid for a write of `N` bytes.
unsafe fn parse_into<const N: usize>(
    s: *const c_char,
    out: *mut [u8; N],
    parse: impl FnOnce(&str) -> Option<[u8; N]>,
) -> c_int {
    // SAFETY: the caller's guarantee.
    let Ok(s) = unsafe { CStr::from_ptr(s) }.to_str() else {
        return 0;
    };
    match parse(s) {
        Some(a) => {
            // SAFETY: the caller's guarantee.
            unsafe { *out = a };
            1
        }
        None => 0,
    }
}

/// `inet_aton`: 1 and the address (network byte order) in `*out`, or 0.
///
/// # Safety
/// `s` is a NUL-terminated string, `out` valid for a write of 4 bytes.
#[no_mangle]
pub unsafe extern "C" fn dnsshim_proto_aton(s: *const c_char, out: *mut [u8; 4]) -> c_int {
    // SAFETY: the caller's guarantee, passed on.
    unsafe { parse_into(s, out, |s| numeric::inet_aton(s).map(|a| a.octets())) }
}

/// `inet_pton(AF_INET6, s, out)`: 1 and the address in `*out`, or 0.
///
/// # Safety
/// `s` is a NUL-terminated string, `out` valid for a write of 16 bytes.
#[no_mangle]
pub unsafe extern "C" fn dnsshim_proto_pton6(s: *const c_char, out: *mut [u8; 16]) -> c_int {
    // SAFETY: the caller's guarantee, passed on.
    unsafe { parse_into(s, out, |s| numeric::inet_pton6(s).map(|a| a.octets())) }
}
