//! `getnameinfo`: IPv4 and IPv6 socket addresses here (hosts file, PTR over DNS with TCP
//! fallback, services file); any other family (`AF_UNIX` …) goes to the C library's own.
//! Results are copied with their NUL only when they fit; a short buffer is `EAI_OVERFLOW`.

use super::stack;
use super::{boundary, disabled, eai, eai_code};
use crate::lookup::nameinfo::{known_flags, ni, Request};
use crate::lookup::{getnameinfo as lookup, Semantics, PROGRAM_LIBC};
use std::ffi::{c_char, c_int};
use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ptr;

type GniFn = unsafe extern "C" fn(
    *const libc::sockaddr,
    libc::socklen_t,
    *mut c_char,
    libc::socklen_t,
    *mut c_char,
    libc::socklen_t,
    c_int,
) -> c_int;

crate::next_fn!(fn next_getnameinfo = "getnameinfo" as GniFn);

/// Copies `s` and its NUL to `dst` (the caller checked that it fits).
///
/// # Safety
/// `dst` is writable for `s.len() + 1` bytes.
unsafe fn put(dst: *mut c_char, s: &[u8]) {
    // SAFETY: guaranteed by the caller; `s` is a distinct Rust string.
    unsafe {
        ptr::copy_nonoverlapping(s.as_ptr(), dst.cast::<u8>(), s.len());
        *dst.add(s.len()) = 0;
    }
}

/// # Safety
/// As for the C library's `getnameinfo`: `sa` readable for `salen` bytes, `host` writable for
/// `hostlen` bytes (or NULL), `serv` writable for `servlen` bytes (or NULL).
#[no_mangle]
pub unsafe extern "C" fn getnameinfo(
    sa: *const libc::sockaddr,
    salen: libc::socklen_t,
    host: *mut c_char,
    hostlen: libc::socklen_t,
    serv: *mut c_char,
    servlen: libc::socklen_t,
    flags: c_int,
) -> c_int {
    boundary(eai::FAIL, || {
        let forward = || match next_getnameinfo() {
            // SAFETY: the caller's arguments, unchanged, to the libc's function.
            Some(f) => stack::on_caller_stack(|| unsafe {
                f(sa, salen, host, hostlen, serv, servlen, flags)
            }),
            None => eai::FAMILY,
        };
        if disabled() {
            return forward();
        }
        let sem = Semantics::current();
        // glibc: a flag it does not know is EAI_BADFLAGS before any other check; the flags
        // are those of the program's own libc (musl's in compatibility mode).
        if sem == Semantics::Glibc && flags & !known_flags(PROGRAM_LIBC) != 0 {
            return eai::BADFLAGS;
        }
        if sa.is_null() || (salen as usize) < size_of::<libc::sa_family_t>() {
            return eai::FAMILY;
        }
        let host_len = (!host.is_null() && hostlen > 0).then_some(hostlen as usize);
        let serv_len = (!serv.is_null() && servlen > 0).then_some(servlen as usize);
        if sem == Semantics::Glibc && flags & ni::NAMEREQD != 0 && host.is_null() && serv.is_null()
        {
            return eai::NONAME;
        }
        // SAFETY: sa is readable for salen >= 2 bytes, which hold the family.
        let family = c_int::from(unsafe { ptr::read_unaligned(ptr::addr_of!((*sa).sa_family)) });
        let (addr, port, scope_id) = match family {
            libc::AF_INET => {
                if (salen as usize) < size_of::<libc::sockaddr_in>() {
                    return eai::FAMILY;
                }
                // SAFETY: sa is readable for a whole sockaddr_in (checked above).
                let sin = unsafe { ptr::read_unaligned(sa.cast::<libc::sockaddr_in>()) };
                let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
                (IpAddr::V4(ip), u16::from_be(sin.sin_port), 0)
            }
            libc::AF_INET6 => {
                if (salen as usize) < size_of::<libc::sockaddr_in6>() {
                    return eai::FAMILY;
                }
                // SAFETY: sa is readable for a whole sockaddr_in6 (checked above).
                let sin6 = unsafe { ptr::read_unaligned(sa.cast::<libc::sockaddr_in6>()) };
                let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                (
                    IpAddr::V6(ip),
                    u16::from_be(sin6.sin6_port),
                    sin6.sin6_scope_id,
                )
            }
            _ => return forward(),
        };
        let req = Request {
            addr,
            port,
            scope_id,
            host_len,
            serv_len,
            flags,
        };
        let mut modules = super::nss::system();
        match crate::oom::check(lookup(&req, sem, &mut modules)) {
            Ok(r) => {
                if let Some(h) = &r.host {
                    // SAFETY: lookup checked h.len() < hostlen; host is writable for hostlen.
                    unsafe { put(host, h) };
                }
                if let Some(s) = &r.serv {
                    // SAFETY: lookup checked s.len() < servlen; serv is writable for servlen.
                    unsafe { put(serv, s.as_bytes()) };
                }
                0
            }
            Err(e) => eai_code(e),
        }
    })
}
