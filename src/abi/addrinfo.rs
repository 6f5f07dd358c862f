//! `getaddrinfo`, `freeaddrinfo`, `gai_strerror`.
//!
//! Ownership: a result list is ONE `malloc` block: a header, then one [`Node`] per entry, then
//! the canonical name. Each node carries a magic word and a pointer to the block, at offsets
//! no libc layout shares (`ai_addr` points 16 bytes further into the node than musl's or
//! glibc's), so `freeaddrinfo` recognises our lists in constant time and hands any other list
//! to the next definition. Freeing a tail of the list (musl allows it) releases that many
//! nodes; the block goes when all are released.
//!
//! A numeric host with a numeric or no service (`lookup::addrinfo::numeric`) is answered
//! without any other allocation: that block is the only one.

use super::{boundary, c_str, disabled, eai, eai_code};
use crate::lookup::addrinfo::{getaddrinfo as lookup, numeric, AddrInfo, Entry, Hints};
use crate::lookup::Semantics;
use crate::sys::RawSockAddr;
use std::ffi::{c_char, c_int, CStr};
use std::mem::{offset_of, size_of};
use std::net::IpAddr;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

const MAGIC: u64 = 0x6473_6e73_6869_6d31; // "dnsshim1"

#[repr(C)]
struct Header {
    /// Nodes not yet released by `freeaddrinfo`.
    live: AtomicUsize,
}

#[repr(C)]
struct Node {
    ai: libc::addrinfo,
    magic: u64,
    header: *mut Header,
    sa: RawSockAddr,
}

type GaiFn = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const libc::addrinfo,
    *mut *mut libc::addrinfo,
) -> c_int;
type FreeFn = unsafe extern "C" fn(*mut libc::addrinfo);
type StrerrorFn = unsafe extern "C" fn(c_int) -> *const c_char;

crate::next_fn!(fn next_getaddrinfo = "getaddrinfo" as GaiFn);
crate::next_fn!(fn next_freeaddrinfo = "freeaddrinfo" as FreeFn);
crate::next_fn!(fn next_gai_strerror = "gai_strerror" as StrerrorFn);

/// Lay `r` out in one malloc block; NULL when out of memory.
pub(crate) fn to_c(r: &AddrInfo) -> *mut libc::addrinfo {
    build(
        r.entries.len(),
        |i| r.entries.get(i),
        r.canon.as_deref(),
        r.canon_on_all,
        r.flags,
    )
}

/// Lay a result of `n` entries, `entry(0)` to `entry(n - 1)`, out in one malloc block (see the
/// module comment); NULL when out of memory. `canon` goes on the first node, or on every node
/// with `canon_on_all`; `flags` is every node's `ai_flags`.
fn build(
    n: usize,
    entry: impl Fn(usize) -> Entry,
    canon: Option<&str>,
    canon_on_all: bool,
    flags: i32,
) -> *mut libc::addrinfo {
    let nodes_off = size_of::<Header>().next_multiple_of(std::mem::align_of::<Node>());
    let canon_off = nodes_off + n * size_of::<Node>();
    let canon_len = canon.map_or(0, |c| c.len() + 1);
    // SAFETY: plain allocation; checked for NULL below.
    let base = unsafe { libc::malloc(canon_off + canon_len) } as *mut u8;
    if base.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: every write below stays inside the `canon_off + canon_len` bytes just allocated:
    // the header at 0, node i at nodes_off + i*size_of::<Node>(), the canonical name (with its
    // NUL) at canon_off. `base` is malloc-aligned, which suffices for Header and Node. Each
    // node is zeroed whole (padding included, as calloc would) before its fields are set;
    // all-zero is a valid addrinfo and a valid value of either sockaddr in the union.
    unsafe {
        let header = base as *mut Header;
        header.write(Header {
            live: AtomicUsize::new(n),
        });
        let canon = match canon {
            Some(c) => {
                let p = base.add(canon_off);
                ptr::copy_nonoverlapping(c.as_ptr(), p, c.len());
                *p.add(c.len()) = 0;
                p as *mut c_char
            }
            None => ptr::null_mut(),
        };
        let nodes = base.add(nodes_off) as *mut Node;
        for i in 0..n {
            let e = entry(i);
            let node = nodes.add(i);
            ptr::write_bytes(node, 0, 1);
            let (family, len) = match e.addr.ip {
                IpAddr::V4(a) => {
                    let sin = &mut (*node).sa.v4;
                    sin.sin_family = libc::AF_INET as libc::sa_family_t;
                    sin.sin_port = e.port.to_be();
                    sin.sin_addr.s_addr = u32::from_ne_bytes(a.octets());
                    (libc::AF_INET, size_of::<libc::sockaddr_in>())
                }
                IpAddr::V6(a) => {
                    let sin6 = &mut (*node).sa.v6;
                    sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                    sin6.sin6_port = e.port.to_be();
                    sin6.sin6_addr.s6_addr = a.octets();
                    sin6.sin6_scope_id = e.addr.scope_id;
                    (libc::AF_INET6, size_of::<libc::sockaddr_in6>())
                }
            };
            let ai = &mut (*node).ai;
            ai.ai_flags = flags;
            ai.ai_family = family;
            ai.ai_socktype = e.socktype;
            ai.ai_protocol = e.protocol;
            ai.ai_addrlen = len as libc::socklen_t;
            ai.ai_canonname = if i == 0 || canon_on_all {
                canon
            } else {
                ptr::null_mut()
            };
            ai.ai_next = if i + 1 < n {
                ptr::addr_of_mut!((*nodes.add(i + 1)).ai)
            } else {
                ptr::null_mut()
            };
            (*node).magic = MAGIC;
            (*node).header = header;
            (*node).ai.ai_addr = ptr::addr_of_mut!((*node).sa).cast();
        }
        nodes as *mut libc::addrinfo
    }
}

/// Our node, if `ai` is one (see the module comment).
///
/// # Safety
/// `ai` points to a live `struct addrinfo` from some `getaddrinfo`.
unsafe fn ours(ai: *mut libc::addrinfo) -> Option<*mut Node> {
    let node = ai as *mut Node;
    // SAFETY: `ai` is a valid addrinfo (caller), so reading ai_addr is sound. Only if ai_addr
    // points exactly at our `sa` offset do we read `magic`, which then lies between the
    // addrinfo and the address it points to: inside the same allocation.
    unsafe {
        let want = (ai as *mut u8).add(offset_of!(Node, sa));
        if (*ai).ai_addr as *mut u8 != want {
            return None;
        }
        ((*node).magic == MAGIC).then_some(node)
    }
}

/// A C string that is all ASCII, as `&str`; `None` for NULL or any other byte.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives the result.
unsafe fn ascii<'a>(p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        return None;
    }
    // SAFETY: a C string (caller).
    let b = unsafe { CStr::from_ptr(p) }.to_bytes();
    if !b.is_ascii() {
        return None;
    }
    // SAFETY: ASCII is valid UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(b) })
}

/// As [`ascii`], but NULL is `Ok(None)` and a non-ASCII string `Err`.
///
/// # Safety
/// As for [`ascii`].
unsafe fn ascii_or_null<'a>(p: *const c_char) -> Result<Option<&'a str>, ()> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: as the caller's.
    unsafe { ascii(p) }.map(Some).ok_or(())
}

/// Semantics of this call: glibc's in the glibc build and with `DNSSHIM_COMPAT=glibc`.
fn semantics() -> Semantics {
    Semantics::current()
}

/// # Safety
/// As for the C library's `getaddrinfo`.
#[no_mangle]
pub unsafe extern "C" fn getaddrinfo(
    host: *const c_char,
    serv: *const c_char,
    hints: *const libc::addrinfo,
    res: *mut *mut libc::addrinfo,
) -> c_int {
    boundary(eai::FAIL, || {
        if disabled() {
            if let Some(f) = next_getaddrinfo() {
                // SAFETY: forwarding the caller's arguments unchanged to the libc's function.
                return unsafe { f(host, serv, hints, res) };
            }
        }
        if res.is_null() {
            return eai::FAIL;
        }
        let hints = if hints.is_null() {
            None
        } else {
            // SAFETY: non-NULL hints point to a struct addrinfo (contract).
            let h = unsafe { &*hints };
            Some(Hints {
                flags: h.ai_flags,
                family: h.ai_family,
                socktype: h.ai_socktype,
                protocol: h.ai_protocol,
            })
        };
        let sem = semantics();
        let put = |p: *mut libc::addrinfo| {
            if p.is_null() {
                return eai::MEMORY;
            }
            // SAFETY: res is non-NULL and writable (contract).
            unsafe { *res = p };
            0
        };
        // A numeric host first: no allocation but the result block. Not ASCII: not numeric.
        // SAFETY: host and serv are NULL or C strings (getaddrinfo contract).
        if let (Some(h), Ok(s)) = unsafe { (ascii(host), ascii_or_null(serv)) } {
            if let Some(r) = numeric(h, s, hints, sem).filter(|r| !r.is_empty()) {
                return put(build(
                    r.len(),
                    |i| r.entry(i),
                    r.canon,
                    r.canon_on_all,
                    r.flags,
                ));
            }
        }
        // SAFETY: host and serv are NULL or C strings (getaddrinfo contract).
        let (host, serv) = unsafe { (c_str(host), c_str(serv)) };
        match crate::oom::check(lookup(host.as_deref(), serv.as_deref(), hints, sem)) {
            Ok(r) if r.entries.is_empty() => eai::NONAME,
            Ok(r) => put(to_c(&r)),
            Err(e) => eai_code(e),
        }
    })
}

/// # Safety
/// As for the C library's `freeaddrinfo`: `p` is NULL or a list (or a tail of a list) from
/// `getaddrinfo`, freed once.
#[no_mangle]
pub unsafe extern "C" fn freeaddrinfo(p: *mut libc::addrinfo) {
    boundary((), || {
        if p.is_null() {
            return;
        }
        // SAFETY: p is a live addrinfo (contract).
        match unsafe { ours(p) } {
            Some(node) => {
                let mut cnt = 0usize;
                let mut q = p;
                while !q.is_null() {
                    cnt += 1;
                    // SAFETY: q is a node of the caller's live list.
                    q = unsafe { (*q).ai_next };
                }
                // SAFETY: our node's header pointer points to the start of its live block.
                unsafe {
                    let header = (*node).header;
                    if (*header).live.fetch_sub(cnt, Ordering::AcqRel) == cnt {
                        libc::free(header.cast());
                    }
                }
            }
            None => {
                if let Some(f) = next_freeaddrinfo() {
                    // SAFETY: a list from the libc's own getaddrinfo, handed back to it.
                    unsafe { f(p) }
                }
            }
        }
    })
}

/// Messages: musl's own (musl 1.2.4+ wording for `EAI_NODATA`, which 1.2.3 lacks) or
/// glibc's, as the next definition gives them.
#[no_mangle]
pub extern "C" fn gai_strerror(code: c_int) -> *const c_char {
    boundary(c"Unknown error".as_ptr(), || {
        if cfg!(target_env = "musl") && code == eai::NODATA {
            return c"Name has no usable address".as_ptr();
        }
        match next_gai_strerror() {
            // SAFETY: the libc's gai_strerror accepts any int.
            Some(f) => unsafe { f(code) },
            None => c"Unknown error".as_ptr(),
        }
    })
}
