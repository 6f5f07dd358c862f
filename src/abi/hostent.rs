//! `gethostbyname`, `gethostbyname2`, `gethostbyname_r`, `gethostbyname2_r`,
//! `gethostbyaddr`, `gethostbyaddr_r`.
//!
//! The `_r` functions lay the result out in the caller's buffer and never write past
//! `buflen`: too small is `ERANGE`, so the caller can retry with more. The non-reentrant ones
//! use a per-thread buffer that grows as needed; their result stays valid until the same
//! thread calls one of them again.

use super::per_thread::PerThread;
use super::{boundary, c_str, disabled, h_errno_code, herr, set_errno, set_h_errno};
use crate::lookup::hostent::{
    gethostbyaddr as lookup_addr, gethostbyname as lookup_name1, gethostbyname2 as lookup_name,
    HostEnt,
};
use crate::lookup::Semantics;
use crate::{Error, Result};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void};
use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ptr;

type Ghbn2rFn = unsafe extern "C" fn(
    *const c_char,
    c_int,
    *mut libc::hostent,
    *mut c_char,
    libc::size_t,
    *mut *mut libc::hostent,
    *mut c_int,
) -> c_int;
type GhbarFn = unsafe extern "C" fn(
    *const c_void,
    libc::socklen_t,
    c_int,
    *mut libc::hostent,
    *mut c_char,
    libc::size_t,
    *mut *mut libc::hostent,
    *mut c_int,
) -> c_int;
type Ghbn2Fn = unsafe extern "C" fn(*const c_char, c_int) -> *mut libc::hostent;
type GhbaFn = unsafe extern "C" fn(*const c_void, libc::socklen_t, c_int) -> *mut libc::hostent;

crate::next_fn!(fn next_ghbn2_r = "gethostbyname2_r" as Ghbn2rFn);
crate::next_fn!(fn next_ghba_r = "gethostbyaddr_r" as GhbarFn);
crate::next_fn!(fn next_ghbn2 = "gethostbyname2" as Ghbn2Fn);
crate::next_fn!(fn next_ghba = "gethostbyaddr" as GhbaFn);

/// Bytes of each of `h`'s addresses (`h_length`).
fn addr_len(h: &HostEnt) -> usize {
    if h.addrtype == libc::AF_INET6 {
        16
    } else {
        4
    }
}

/// An alias that is the name itself points at the name's bytes instead of a copy of them, as
/// musl's `gethostbyaddr_r` shares `h_name` with `h_aliases[0]`: a buffer that is enough for
/// musl's layout is enough for ours (musl semantics make the name the first alias).
fn own_copy(h: &HostEnt, alias: &str) -> bool {
    alias != h.name
}

/// Bytes needed to lay `h` out in a buffer starting at `buf`: the alias and the address
/// pointer arrays (each ending with NULL), the addresses, the name and each alias that is not
/// the name, with their NULs.
fn needed(h: &HostEnt, buf: usize) -> usize {
    let ptr = size_of::<*mut c_char>();
    let align = buf.wrapping_neg() & (ptr - 1);
    let addr_len = addr_len(h);
    align
        + (h.aliases.len() + 1 + h.addrs.len() + 1) * ptr
        + h.addrs.len() * addr_len
        + h.name.len()
        + 1
        + h.aliases
            .iter()
            .filter(|a| own_copy(h, a))
            .map(|a| a.len() + 1)
            .sum::<usize>()
}

/// Lay `h` out: `Err(())` if `buflen` is too small (nothing written past it).
///
/// # Safety
/// `ret` is writable; `buf` is writable for `buflen` bytes.
pub(crate) unsafe fn fill(
    h: &HostEnt,
    ret: *mut libc::hostent,
    buf: *mut c_char,
    buflen: usize,
) -> std::result::Result<(), ()> {
    if buf.is_null() || needed(h, buf as usize) > buflen {
        return Err(());
    }
    let ptr_size = size_of::<*mut c_char>();
    let addr_len = addr_len(h);
    // SAFETY: `needed` counted every byte written below, starting at the aligned position, and
    // it fits in `buflen`; pointer arrays are written at pointer-aligned addresses.
    unsafe {
        let mut p = (buf as *mut u8).add((buf as usize).wrapping_neg() & (ptr_size - 1));
        let aliases = p as *mut *mut c_char;
        p = p.add((h.aliases.len() + 1) * ptr_size);
        let addr_list = p as *mut *mut c_char;
        p = p.add((h.addrs.len() + 1) * ptr_size);
        for (i, a) in h.addrs.iter().enumerate() {
            let bytes: [u8; 16] = match a {
                IpAddr::V4(v4) if addr_len == 4 => {
                    let mut b = [0; 16];
                    b[..4].copy_from_slice(&v4.octets());
                    b
                }
                IpAddr::V6(v6) => v6.octets(),
                IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
            };
            ptr::copy_nonoverlapping(bytes.as_ptr(), p, addr_len);
            *addr_list.add(i) = p as *mut c_char;
            p = p.add(addr_len);
        }
        *addr_list.add(h.addrs.len()) = ptr::null_mut();
        let mut put = |s: &str| {
            let at = p;
            ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
            *p.add(s.len()) = 0;
            p = p.add(s.len() + 1);
            at as *mut c_char
        };
        let name = put(&h.name);
        for (i, a) in h.aliases.iter().enumerate() {
            *aliases.add(i) = if own_copy(h, a) { put(a) } else { name };
        }
        *aliases.add(h.aliases.len()) = ptr::null_mut();
        (*ret).h_name = name;
        (*ret).h_aliases = aliases;
        (*ret).h_addrtype = h.addrtype;
        (*ret).h_length = addr_len as c_int;
        (*ret).h_addr_list = addr_list;
    }
    Ok(())
}

/// `h_errno` for a failed hostent lookup: as for every call ([`h_errno_code`]), except that
/// glibc's dns module says NO_DATA for an unsupported family.
fn host_errno(e: Error) -> c_int {
    let glibc = Semantics::current() == Semantics::Glibc;
    match e {
        Error::BadFamily if glibc => herr::NO_DATA,
        // glibc: NETDB_INTERNAL with errno ENOMEM; musl: NO_RECOVERY (its `default` case).
        Error::Memory if glibc => herr::NETDB_INTERNAL,
        _ => h_errno_code(e),
    }
}

/// The `_r` return convention for a failed lookup: musl returns an errno value for every
/// failure; glibc returns 0 (with `*result = NULL`) for "not found", an errno otherwise.
fn r_failure(e: Error, err: *mut c_int) -> c_int {
    if !err.is_null() {
        // SAFETY: err is non-NULL and points to the caller's int.
        unsafe { *err = host_errno(e) };
    }
    let glibc = Semantics::current() == Semantics::Glibc;
    match e {
        Error::NotFound | Error::NoData if glibc => 0,
        Error::NotFound | Error::NoData => libc::ENOENT,
        Error::TryAgain => libc::EAGAIN,
        Error::BadFamily => libc::EAFNOSUPPORT,
        Error::System(errno) => errno,
        Error::Memory => libc::ENOMEM,
        // glibc: an answer without an address is TRYAGAIN with NO_RECOVERY, which
        // gethostbyname_r returns as EAGAIN.
        Error::Fail if glibc => libc::EAGAIN,
        _ => libc::EBADMSG,
    }
}

/// The lookup of a name argument; NULL is a name that is not found.
///
/// # Safety
/// `name` is NULL or a C string.
unsafe fn by_name(
    name: *const c_char,
    lookup: impl FnOnce(&str, Semantics) -> Result<HostEnt>,
) -> Result<HostEnt> {
    // SAFETY: guaranteed by the caller.
    match unsafe { c_str(name) } {
        Some(n) => lookup(&n, Semantics::current()),
        None => Err(Error::NotFound),
    }
}

/// Shared body of the `_r` functions.
///
/// # Safety
/// As for `gethostbyname2_r`.
unsafe fn finish_r(
    found: Result<HostEnt>,
    ret: *mut libc::hostent,
    buf: *mut c_char,
    buflen: usize,
    result: *mut *mut libc::hostent,
    err: *mut c_int,
) -> c_int {
    if result.is_null() || ret.is_null() {
        return libc::EINVAL;
    }
    // SAFETY: result is non-NULL and writable (contract).
    unsafe { *result = ptr::null_mut() };
    match crate::oom::check(found) {
        Err(e) => r_failure(e, err),
        // SAFETY: ret/buf/buflen as given by the caller (contract).
        Ok(h) => match unsafe { fill(&h, ret, buf, buflen) } {
            Ok(()) => {
                // SAFETY: result is non-NULL and writable.
                unsafe { *result = ret };
                0
            }
            Err(()) => {
                if !err.is_null() && Semantics::current() == Semantics::Glibc {
                    // SAFETY: err is non-NULL.
                    unsafe { *err = herr::NETDB_INTERNAL };
                }
                set_errno(libc::ERANGE);
                libc::ERANGE
            }
        },
    }
}

/// # Safety
/// As for the C library's `gethostbyname2_r`.
#[no_mangle]
pub unsafe extern "C" fn gethostbyname2_r(
    name: *const c_char,
    af: c_int,
    ret: *mut libc::hostent,
    buf: *mut c_char,
    buflen: libc::size_t,
    result: *mut *mut libc::hostent,
    err: *mut c_int,
) -> c_int {
    // SAFETY: the caller's contract, passed on.
    unsafe { ghbn2_r(name, af, ret, buf, buflen, result, err) }
}

/// `gethostbyname2_r`, called by the exported functions directly (not through the exported,
/// interposable symbol, as the C libraries call their own internals; and one symbol less for
/// the loader to bind in every process).
///
/// # Safety
/// As for the C library's `gethostbyname2_r`.
unsafe fn ghbn2_r(
    name: *const c_char,
    af: c_int,
    ret: *mut libc::hostent,
    buf: *mut c_char,
    buflen: libc::size_t,
    result: *mut *mut libc::hostent,
    err: *mut c_int,
) -> c_int {
    boundary(libc::EINVAL, || {
        if disabled() {
            if let Some(f) = next_ghbn2_r() {
                // SAFETY: the caller's arguments, unchanged, to the libc's function.
                return unsafe { f(name, af, ret, buf, buflen, result, err) };
            }
        }
        // SAFETY: name is NULL or a C string (contract).
        let found = unsafe { by_name(name, |n, sem| lookup_name(n, af, sem)) };
        // SAFETY: the caller's buffers (contract).
        unsafe { finish_r(found, ret, buf, buflen, result, err) }
    })
}

/// # Safety
/// As for the C library's `gethostbyname_r`.
#[no_mangle]
pub unsafe extern "C" fn gethostbyname_r(
    name: *const c_char,
    ret: *mut libc::hostent,
    buf: *mut c_char,
    buflen: libc::size_t,
    result: *mut *mut libc::hostent,
    err: *mut c_int,
) -> c_int {
    boundary(libc::EINVAL, || {
        if disabled() || !crate::config::resolv_conf().inet6 {
            // SAFETY: same contract, IPv4.
            return unsafe { ghbn2_r(name, libc::AF_INET, ret, buf, buflen, result, err) };
        }
        // `options inet6`: IPv6 first, then IPv4 as v4-mapped IPv6.
        // SAFETY: name is NULL or a C string (contract).
        let found = unsafe { by_name(name, lookup_name1) };
        // SAFETY: the caller's buffers (contract).
        unsafe { finish_r(found, ret, buf, buflen, result, err) }
    })
}

/// The address argument of `gethostbyaddr`: `Err(EINVAL)` for a bad family/length pair.
///
/// # Safety
/// `a` is readable for `len` bytes when non-NULL.
unsafe fn read_addr(a: *const c_void, len: libc::socklen_t, af: c_int) -> Option<IpAddr> {
    if a.is_null() {
        return None;
    }
    // SAFETY: `a` is readable for `len` bytes (contract) and len is checked against the size.
    unsafe {
        match (af, len) {
            (libc::AF_INET, 4) => Some(IpAddr::V4(Ipv4Addr::from(*(a as *const [u8; 4])))),
            (libc::AF_INET6, 16) => Some(IpAddr::V6(Ipv6Addr::from(*(a as *const [u8; 16])))),
            _ => None,
        }
    }
}

/// # Safety
/// As for the C library's `gethostbyaddr_r`.
#[no_mangle]
pub unsafe extern "C" fn gethostbyaddr_r(
    addr: *const c_void,
    len: libc::socklen_t,
    af: c_int,
    ret: *mut libc::hostent,
    buf: *mut c_char,
    buflen: libc::size_t,
    result: *mut *mut libc::hostent,
    err: *mut c_int,
) -> c_int {
    boundary(libc::EINVAL, || {
        if disabled() {
            if let Some(f) = next_ghba_r() {
                // SAFETY: the caller's arguments, unchanged, to the libc's function.
                return unsafe { f(addr, len, af, ret, buf, buflen, result, err) };
            }
        }
        // SAFETY: addr readable for len bytes (contract).
        let Some(ip) = (unsafe { read_addr(addr, len, af) }) else {
            if !result.is_null() {
                // SAFETY: non-NULL result pointer.
                unsafe { *result = ptr::null_mut() };
            }
            if !err.is_null() {
                // SAFETY: non-NULL err pointer.
                unsafe { *err = herr::NO_RECOVERY };
            }
            return libc::EINVAL;
        };
        let found = lookup_addr(ip, Semantics::current());
        // SAFETY: the caller's buffers (contract).
        unsafe { finish_r(found, ret, buf, buflen, result, err) }
    })
}

/// Per-thread storage of the non-reentrant functions.
struct Static {
    ent: libc::hostent,
    buf: Vec<u64>,
}

/// Boxed on first use, behind a thread-specific key ([`PerThread`]: no TLS block, and no
/// glibc TLS destructor, whose registration aborts when memory is short).
static STATIC: PerThread<RefCell<Option<Box<Static>>>> = PerThread::new();

/// Run a lookup and lay it out in this thread's storage; sets `h_errno` on failure.
fn non_reentrant(found: Result<HostEnt>) -> *mut libc::hostent {
    let ent = non_reentrant_fill(crate::oom::check(found));
    if !ent.is_null() && crate::oom::failed() {
        // The storage grew from the reserve: given back, and the call fails as out of memory.
        STATIC.clear();
        set_h_errno(host_errno(Error::Memory));
        set_errno(libc::ENOMEM);
        return ptr::null_mut();
    }
    ent
}

fn non_reentrant_fill(found: Result<HostEnt>) -> *mut libc::hostent {
    match found {
        Err(e) => {
            set_h_errno(host_errno(e));
            if e == Error::Memory {
                set_errno(libc::ENOMEM);
            }
            ptr::null_mut()
        }
        Ok(h) => STATIC
            .try_with(|s| {
                let mut s = s.borrow_mut();
                let s = s.get_or_insert_with(|| {
                    Box::new(Static {
                        ent: libc::hostent {
                            h_name: ptr::null_mut(),
                            h_aliases: ptr::null_mut(),
                            h_addrtype: 0,
                            h_length: 0,
                            h_addr_list: ptr::null_mut(),
                        },
                        buf: Vec::new(),
                    })
                });
                let need = needed(&h, 0) + size_of::<u64>();
                if s.buf.len() * 8 < need {
                    s.buf.resize(need.div_ceil(8), 0);
                }
                let Static { ent, buf } = &mut **s;
                // SAFETY: ent is this thread's hostent; buf is writable for len*8 bytes and
                // 8-aligned, so `needed` for it equals needed(.., 0) which fits.
                match unsafe { fill(&h, ent, buf.as_mut_ptr().cast(), buf.len() * 8) } {
                    Ok(()) => ent as *mut libc::hostent,
                    Err(()) => {
                        set_h_errno(herr::NO_RECOVERY);
                        ptr::null_mut()
                    }
                }
            })
            .unwrap_or_else(|_| {
                set_h_errno(herr::NO_RECOVERY);
                ptr::null_mut()
            }),
    }
}

/// # Safety
/// As for the C library's `gethostbyname2`.
#[no_mangle]
pub unsafe extern "C" fn gethostbyname2(name: *const c_char, af: c_int) -> *mut libc::hostent {
    // SAFETY: the caller's contract, passed on.
    unsafe { ghbn2(name, af) }
}

/// `gethostbyname2`, called by the exported functions directly (see [`ghbn2_r`]).
///
/// # Safety
/// As for the C library's `gethostbyname2`.
unsafe fn ghbn2(name: *const c_char, af: c_int) -> *mut libc::hostent {
    boundary(ptr::null_mut(), || {
        if disabled() {
            if let Some(f) = next_ghbn2() {
                // SAFETY: the caller's arguments, unchanged, to the libc's function.
                return unsafe { f(name, af) };
            }
        }
        // SAFETY: name is NULL or a C string (contract).
        let found = unsafe { by_name(name, |n, sem| lookup_name(n, af, sem)) };
        non_reentrant(found)
    })
}

/// # Safety
/// As for the C library's `gethostbyname`.
#[no_mangle]
pub unsafe extern "C" fn gethostbyname(name: *const c_char) -> *mut libc::hostent {
    boundary(ptr::null_mut(), || {
        if disabled() || !crate::config::resolv_conf().inet6 {
            // SAFETY: same contract, IPv4.
            return unsafe { ghbn2(name, libc::AF_INET) };
        }
        // `options inet6`: IPv6 first, then IPv4 as v4-mapped IPv6.
        // SAFETY: name is NULL or a C string (contract).
        let found = unsafe { by_name(name, lookup_name1) };
        non_reentrant(found)
    })
}

/// # Safety
/// As for the C library's `gethostbyaddr`.
#[no_mangle]
pub unsafe extern "C" fn gethostbyaddr(
    addr: *const c_void,
    len: libc::socklen_t,
    af: c_int,
) -> *mut libc::hostent {
    boundary(ptr::null_mut(), || {
        if disabled() {
            if let Some(f) = next_ghba() {
                // SAFETY: the caller's arguments, unchanged, to the libc's function.
                return unsafe { f(addr, len, af) };
            }
        }
        // SAFETY: addr readable for len bytes (contract).
        match unsafe { read_addr(addr, len, af) } {
            Some(ip) => non_reentrant(lookup_addr(ip, Semantics::current())),
            None => {
                set_h_errno(herr::NO_RECOVERY);
                set_errno(libc::EINVAL);
                ptr::null_mut()
            }
        }
    })
}
