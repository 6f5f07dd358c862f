//! `gethostbyname`, `gethostbyname2`, `gethostbyname_r`, `gethostbyname2_r`,
//! `gethostbyaddr`, `gethostbyaddr_r`.
//!
//! The `_r` functions lay the result out in the caller's buffer and never write past
//! `buflen`: too small is `ERANGE`, so the caller can retry with more. With glibc's rules the
//! buffer is handed to the sources of nsswitch.conf's `hosts:` line as glibc hands it: an NSS
//! module lays its entry out there itself. The non-reentrant ones
//! use per-thread storage that grows as needed, one per function as the emulated libc has it
//! ([`Slot`]); a result stays valid until the same thread calls a function sharing its
//! storage again.

use super::nss;
use super::per_thread::PerThread;
use super::stack;
use super::{
    boundary, c_str, disabled, glibc_h_errno, h_errno_code, herr, r_errno, set_errno, set_h_errno,
};
use crate::lookup::{
    self, gethostbyaddr as lookup_addr, gethostbyname2 as lookup_name, Errnos, HostEnt, Looked,
    Modules, Semantics,
};
use crate::Error;
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
fn own_copy(h: &HostEnt, alias: &[u8]) -> bool {
    alias != h.name
}

/// Pointer slots of the alias array: none when there is no alias, as glibc's
/// `gethostbyaddr_r` points `h_aliases` at the NULL that ends the address list (a buffer that
/// is enough for glibc's layout is enough for ours).
fn alias_slots(h: &HostEnt) -> usize {
    match h.aliases.len() {
        0 => 0,
        n => n + 1,
    }
}

/// Bytes needed to lay `h` out in a buffer starting at `buf`: the alias and the address
/// pointer arrays (each ending with NULL, see [`alias_slots`]), the addresses, the name and
/// each alias that is not the name, with their NULs.
fn needed(h: &HostEnt, buf: usize) -> usize {
    let ptr = size_of::<*mut c_char>();
    let align = buf.wrapping_neg() & (ptr - 1);
    let addr_len = addr_len(h);
    align
        + (alias_slots(h) + h.addrs.len() + 1) * ptr
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
        let mut aliases = p as *mut *mut c_char;
        p = p.add(alias_slots(h) * ptr_size);
        let addr_list = p as *mut *mut c_char;
        p = p.add((h.addrs.len() + 1) * ptr_size);
        if h.aliases.is_empty() {
            // The address list's NULL ends the empty alias list too.
            aliases = addr_list.add(h.addrs.len());
        }
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
        let mut put = |s: &[u8]| {
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

/// The `_r` return convention for a failed lookup with musl's semantics (`gethostbyname2_r.c`,
/// `gethostbyaddr_r.c`): an errno value for every failure, the `h_errno` in `*err`; the
/// thread's `h_errno` is not written. (glibc's: [`Errnos`].)
fn r_failure_musl(e: Error, err: *mut c_int) -> c_int {
    if !err.is_null() {
        // SAFETY: err is non-NULL and points to the caller's int.
        unsafe { *err = h_errno_code(e) };
    }
    // musl's out of memory: its `default` case, NO_RECOVERY and the errno of the failed malloc.
    r_errno(e)
}

/// Writes what glibc's `_r` functions write besides the entry: `*err` and the thread's
/// `h_errno`, each where glibc writes it.
fn apply_errnos(g: Errnos, err: *mut c_int) {
    if let (Some(h), false) = (g.h_errnop, err.is_null()) {
        // SAFETY: err is non-NULL and points to the caller's int.
        unsafe { *err = glibc_h_errno(h) };
    }
    if let Some(h) = g.h_errno {
        set_h_errno(glibc_h_errno(h));
    }
}

/// `looked`, or out of memory when an allocation of this thread failed meanwhile
/// ([`crate::oom::check`]; glibc's `NETDB_INTERNAL` and `ENOMEM`).
fn oom_checked(looked: Looked) -> Looked {
    match crate::oom::check(Ok(())) {
        Ok(()) => looked,
        Err(e) => Looked {
            found: Err(e),
            glibc: looked.glibc.map(|_| Errnos::of_error(e)),
        },
    }
}

/// The lookup of a name argument; NULL is a name that is not found (glibc build: 0 and
/// HOST_NOT_FOUND, as its `dns` module answers a name it will not ask).
///
/// # Safety
/// `name` is NULL or a C string.
unsafe fn by_name(name: *const c_char, lookup: impl FnOnce(&str, Semantics) -> Looked) -> Looked {
    let sem = Semantics::current();
    // SAFETY: guaranteed by the caller.
    match unsafe { c_str(name) } {
        Some(n) => lookup(&n, sem),
        None => Looked {
            found: Err(Error::NotFound),
            glibc: (sem == Semantics::Glibc).then_some(Errnos {
                ret: None,
                h_errnop: Some(Err(Error::NotFound)),
                h_errno: None,
            }),
        },
    }
}

/// Shared body of the `_r` functions: the entry laid out in the caller's buffer, the return
/// value, `*err` and the thread's `h_errno` as the emulated libc sets them (glibc also sets
/// `errno` to the return value).
///
/// # Safety
/// As for `gethostbyname2_r`.
unsafe fn finish_r(
    looked: Looked,
    ret: *mut libc::hostent,
    buf: *mut c_char,
    buflen: usize,
    result: *mut *mut libc::hostent,
    err: *mut c_int,
    placed: bool,
) -> c_int {
    if result.is_null() || ret.is_null() {
        return libc::EINVAL;
    }
    // SAFETY: result is non-NULL and writable (contract).
    unsafe { *result = ptr::null_mut() };
    let looked = oom_checked(looked);
    let glibc = looked.glibc;
    if matches!(looked.found, Err(Error::Memory)) {
        set_errno(libc::ENOMEM);
    }
    let value = match looked.found {
        Err(e) => match glibc {
            Some(g) => {
                apply_errnos(g, err);
                g.ret.map_or(0, r_errno)
            }
            None => r_failure_musl(e, err),
        },
        // Laid out by the walk's sources already (a module's own layout, or ours), as glibc's
        // sources fill the caller's buffer.
        Ok(_) if placed => {
            // SAFETY: result is non-NULL and writable.
            unsafe { *result = ret };
            if let Some(g) = glibc {
                apply_errnos(g, err);
            }
            0
        }
        // SAFETY: ret/buf/buflen as given by the caller (contract).
        Ok(h) => match unsafe { fill(&h, ret, buf, buflen) } {
            Ok(()) => {
                // SAFETY: result is non-NULL and writable.
                unsafe { *result = ret };
                if let Some(g) = glibc {
                    apply_errnos(g, err);
                }
                0
            }
            // Too small: ERANGE, and with glibc NETDB_INTERNAL in *err; the thread's
            // h_errno is left alone (glibc's smallest buffers fail before any query).
            Err(()) => {
                if !err.is_null() && glibc.is_some() {
                    // SAFETY: err is non-NULL.
                    unsafe { *err = herr::NETDB_INTERNAL };
                }
                set_errno(libc::ERANGE);
                return libc::ERANGE;
            }
        },
    };
    if glibc.is_some() {
        set_errno(value);
    }
    value
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
                return stack::on_caller_stack(|| unsafe {
                    f(name, af, ret, buf, buflen, result, err)
                });
            }
        }
        // SAFETY: the caller's arguments (contract).
        unsafe {
            lookup_r(ret, buf, buflen, result, err, true, |m| {
                by_name(name, |n, sem| lookup_name(n, af, sem, m))
            })
        }
    })
}

/// An `_r` function's lookup and its end ([`finish_r`]). With glibc's rules in the glibc
/// build and `in_buffer`, the sources are handed the caller's `struct hostent` and buffer, as
/// glibc hands them (an NSS module lays its entry out there itself).
///
/// # Safety
/// As for `gethostbyname2_r`: `ret` writable, `buf` NULL or writable for `buflen` bytes.
unsafe fn lookup_r(
    ret: *mut libc::hostent,
    buf: *mut c_char,
    buflen: usize,
    result: *mut *mut libc::hostent,
    err: *mut c_int,
    in_buffer: bool,
    lookup: impl FnOnce(&mut dyn Modules) -> Looked,
) -> c_int {
    if result.is_null() || ret.is_null() {
        return libc::EINVAL;
    }
    let placed = in_buffer && nss::HAS_MODULES && Semantics::current() == Semantics::Glibc;
    // SAFETY: ret and buf as the caller's contract says.
    let mut modules = unsafe { nss::for_r(ret, buf, buflen, placed) };
    let looked = lookup(&mut modules);
    // SAFETY: the caller's buffers (contract).
    unsafe { finish_r(looked, ret, buf, buflen, result, err, placed) }
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
        if disabled() {
            // SAFETY: same contract, IPv4.
            return unsafe { ghbn2_r(name, libc::AF_INET, ret, buf, buflen, result, err) };
        }
        // `options inet6` (IPv6 first, then IPv4 as v4-mapped IPv6): the entry is changed
        // after the lookups, so it is laid out afterwards.
        let inet6 = lookup::inet6();
        // SAFETY: the caller's arguments (contract).
        unsafe {
            lookup_r(ret, buf, buflen, result, err, !inet6, |m| {
                by_name(name, |n, sem| match inet6 {
                    true => lookup::gethostbyname_inet6(n, sem, m),
                    false => lookup::gethostbyname(n, sem, m),
                })
            })
        }
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
                return stack::on_caller_stack(|| unsafe {
                    f(addr, len, af, ret, buf, buflen, result, err)
                });
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
        // SAFETY: the caller's buffers (contract).
        unsafe {
            lookup_r(ret, buf, buflen, result, err, true, |m| {
                lookup_addr(ip, Semantics::current(), m)
            })
        }
    })
}

/// Per-thread storage of one non-reentrant function.
struct Static {
    ent: libc::hostent,
    buf: Vec<u64>,
}

/// First size of a non-reentrant function's buffer, doubled as results need more (glibc's
/// `nss/getXXbyYY.c`: `BUFLEN`, 1024 bytes for hosts, doubled on `ERANGE`): few reallocations,
/// and few distinct sizes for the allocator whatever the names.
const STATIC_BUF_START: usize = 1024;

/// Whose storage a non-reentrant call uses. glibc (`nss/getXXbyYY.c`): one buffer per
/// function. musl: `gethostbyname` is `gethostbyname2(name, AF_INET)` and shares its storage;
/// `gethostbyaddr` has its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Name,
    Name2,
    Addr,
}

impl Slot {
    /// The storage's index in [`STATIC`].
    fn index(self, sem: Semantics) -> usize {
        match (self, sem) {
            (Slot::Name, Semantics::Glibc) => 0,
            (Slot::Name | Slot::Name2, _) => 1,
            (Slot::Addr, _) => 2,
        }
    }
}

/// Each storage boxed on first use, behind a thread-specific key ([`PerThread`]: no TLS
/// block, and no glibc TLS destructor, whose registration aborts when memory is short).
static STATIC: PerThread<RefCell<[Option<Box<Static>>; 3]>> = PerThread::new();

/// The thread's `h_errno` after a non-reentrant call with glibc's semantics
/// (`nss/getXXbyYY.c`): what the resolver wrote, then `*h_errnop` of the `_r` call when that
/// is not 0 (so a name from the hosts file leaves HOST_NOT_FOUND even on success).
fn thread_errnos(g: Errnos) {
    if let Some(h) = g.h_errno {
        set_h_errno(glibc_h_errno(h));
    }
    if let Some(h) = g.h_errnop.filter(|h| h.is_err()) {
        set_h_errno(glibc_h_errno(h));
    }
}

/// Lay a lookup's result out in this thread's storage for `slot`; sets `h_errno` as the
/// emulated libc does (musl: on failure; glibc: [`thread_errnos`]). Out of memory, also while
/// the storage grows: `NULL`, `errno` `ENOMEM`, and the storage grown from the reserve given
/// back (only this function's: the others' results stay valid).
fn non_reentrant(looked: Looked, slot: Slot) -> *mut libc::hostent {
    let glibc = looked.glibc;
    let ent = non_reentrant_fill(oom_checked(looked), slot);
    if !ent.is_null() && crate::oom::failed() {
        let index = slot.index(Semantics::current());
        let _ = STATIC.try_with(|s| s.borrow_mut()[index] = None);
        let failed = Looked {
            found: Err(Error::Memory),
            glibc: glibc.map(|_| Errnos::of_error(Error::Memory)),
        };
        return non_reentrant_fill(failed, slot);
    }
    ent
}

fn non_reentrant_fill(looked: Looked, slot: Slot) -> *mut libc::hostent {
    if let Some(g) = looked.glibc {
        thread_errnos(g);
    }
    match looked.found {
        Err(e) => {
            if looked.glibc.is_none() {
                set_h_errno(h_errno_code(e));
            }
            if e == Error::Memory {
                set_errno(libc::ENOMEM);
            }
            ptr::null_mut()
        }
        Ok(h) => STATIC
            .try_with(|s| {
                let mut s = s.borrow_mut();
                let s = s[slot.index(Semantics::current())].get_or_insert_with(|| {
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
                    s.buf
                        .resize(need.next_power_of_two().max(STATIC_BUF_START) / 8, 0);
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
    unsafe { ghbn2(name, af, Slot::Name2) }
}

/// `gethostbyname2` (and `gethostbyname`'s IPv4 case) in `slot`'s storage, called by the
/// exported functions directly (see [`ghbn2_r`]).
///
/// # Safety
/// As for the C library's `gethostbyname2`.
unsafe fn ghbn2(name: *const c_char, af: c_int, slot: Slot) -> *mut libc::hostent {
    boundary(ptr::null_mut(), || {
        if disabled() {
            if let Some(f) = next_ghbn2() {
                // SAFETY: the caller's arguments, unchanged, to the libc's function.
                return stack::on_caller_stack(|| unsafe { f(name, af) });
            }
        }
        let mut m = nss::system();
        // SAFETY: name is NULL or a C string (contract).
        let found = unsafe { by_name(name, |n, sem| lookup_name(n, af, sem, &mut m)) };
        non_reentrant(found, slot)
    })
}

/// # Safety
/// As for the C library's `gethostbyname`.
#[no_mangle]
pub unsafe extern "C" fn gethostbyname(name: *const c_char) -> *mut libc::hostent {
    boundary(ptr::null_mut(), || {
        if disabled() {
            // SAFETY: same contract, IPv4.
            return unsafe { ghbn2(name, libc::AF_INET, Slot::Name) };
        }
        let mut m = nss::system();
        // `options inet6`: IPv6 first, then IPv4 as v4-mapped IPv6.
        let inet6 = lookup::inet6();
        // SAFETY: name is NULL or a C string (contract).
        let found = unsafe {
            by_name(name, |n, sem| match inet6 {
                true => lookup::gethostbyname_inet6(n, sem, &mut m),
                false => lookup::gethostbyname(n, sem, &mut m),
            })
        };
        non_reentrant(found, Slot::Name)
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
                return stack::on_caller_stack(|| unsafe { f(addr, len, af) });
            }
        }
        // SAFETY: addr readable for len bytes (contract).
        match unsafe { read_addr(addr, len, af) } {
            Some(ip) => {
                let mut m = nss::system();
                non_reentrant(lookup_addr(ip, Semantics::current(), &mut m), Slot::Addr)
            }
            None => {
                set_h_errno(herr::NO_RECOVERY);
                set_errno(libc::EINVAL);
                ptr::null_mut()
            }
        }
    })
}
