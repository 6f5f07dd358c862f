//! `getaddrinfo`, `freeaddrinfo`, `gai_strerror`.
//!
//! Ownership: a result list is ONE `malloc` block: a [`Header`], then one [`Node`] per entry,
//! then the canonical name. `freeaddrinfo` must tell our lists from the C library's (a list
//! from the libc's own `getaddrinfo`, under `DNSSHIM_DISABLE`), in constant time and without
//! trusting any field the program may change (`ai_addr`, `ai_canonname`, `ai_next` of other
//! nodes; a program may point them anywhere before freeing, which both libcs allow). It reads
//! only bytes that exist after the `struct addrinfo` (48 bytes on 64-bit Linux) of a node in
//! both libcs' layouts:
//!
//! - musl 1.2.3 (`src/network/lookup.h`, `getaddrinfo.c`): an array of
//!   `struct aibuf { struct addrinfo ai; union { sockaddr_in sin; sockaddr_in6 sin6; } sa;
//!   volatile int lock[1]; short slot, ref; }` (88 bytes each) in one block, the canonical
//!   name after it; `ai_addr` points to the node's own `sa`, at offset 48. Its `freeaddrinfo`
//!   counts the nodes from the one passed along `ai_next` and finds the block from the last
//!   one's `slot`.
//! - glibc 2.36 (`sysdeps/posix/getaddrinfo.c`): each node one `malloc` of
//!   `sizeof (struct addrinfo) + socklen`, the `sockaddr_in` (16 bytes) or `sockaddr_in6`
//!   (28 bytes) right after the `addrinfo`, at offset 48, `ai_addr` pointing there; the
//!   canonical name a separate `malloc` on the first node. Its `freeaddrinfo` frees node by
//!   node, with their `ai_canonname`.
//!
//! So bytes 48..64 of a node exist in both: they hold the start of the node's socket address,
//! whose first two bytes are its family, `AF_INET` or `AF_INET6`. Our [`Node`] puts there a
//! magic word (its first two bytes are no address family) and a pointer back to the block's
//! header, which carries the magic word too and the node count; our `ai_addr` points further
//! on, to the node's own address at offset 64. A node is ours when its magic word matches and
//! its back-pointer leads to a header of ours of which it is one of the nodes; nothing else is
//! read to decide.
//!
//! Freeing a tail of the list (musl allows it) releases the nodes of that tail that belong to
//! the same block; the block goes when all are released. A count that would go below zero (a
//! list freed twice) is ignored: a leak, never a double free.
//!
//! A numeric host with a numeric or no service (`lookup::numeric`) is answered
//! without any other allocation: that block is the only one.

use super::stack;
use super::{boundary, c_bytes, disabled, eai, eai_code, text};
use crate::lookup::{getaddrinfo as lookup, numeric, AddrInfo, Entry, Hints, Semantics};
use crate::sys::RawSockAddr;
use std::borrow::Cow;
use std::ffi::{c_char, c_int};
use std::mem::{offset_of, size_of};
use std::net::IpAddr;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The mark of our blocks, in the header and in every node ("dnsshim1" as a big-endian
/// number; in memory its first two bytes are 0x31 0x6d, which no address family is).
const MAGIC: u64 = 0x6473_6e73_6869_6d31;

/// The start of a result block.
#[repr(C)]
struct Header {
    magic: u64,
    /// Nodes in the block.
    count: usize,
    /// Nodes not yet released by `freeaddrinfo`.
    live: AtomicUsize,
}

/// One entry: the `addrinfo`, then (where both libcs keep the start of the socket address)
/// the mark and the back-pointer, then the socket address `ai_addr` points to.
#[repr(C)]
struct Node {
    ai: libc::addrinfo,
    magic: u64,
    header: *mut Header,
    sa: RawSockAddr,
}

/// Where the nodes start in a block.
const NODES_OFF: usize = size_of::<Header>().next_multiple_of(std::mem::align_of::<Node>());

// The mark and the back-pointer lie in the bytes after the `addrinfo` that every libc node has
// (see the module comment): at least the 16 bytes of a `sockaddr_in`.
const _: () = assert!(offset_of!(Node, magic) == size_of::<libc::addrinfo>());
const _: () = assert!(
    offset_of!(Node, header) + size_of::<*mut Header>()
        <= size_of::<libc::addrinfo>() + size_of::<libc::sockaddr_in>()
);

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
    canon: Option<&[u8]>,
    canon_on_all: bool,
    flags: i32,
) -> *mut libc::addrinfo {
    let canon_off = NODES_OFF + n * size_of::<Node>();
    let canon_len = canon.map_or(0, |c| c.len() + 1);
    // SAFETY: plain allocation; checked for NULL below.
    let base = unsafe { libc::malloc(canon_off + canon_len) } as *mut u8;
    if base.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: every write below stays inside the `canon_off + canon_len` bytes just allocated:
    // the header at 0, node i at NODES_OFF + i*size_of::<Node>(), the canonical name (with its
    // NUL) at canon_off. `base` is malloc-aligned, which suffices for Header and Node. Each
    // node is zeroed whole (padding included, as calloc would) before its fields are set;
    // all-zero is a valid addrinfo and a valid value of either sockaddr in the union.
    unsafe {
        let header = base as *mut Header;
        header.write(Header {
            magic: MAGIC,
            count: n,
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
        let nodes = base.add(NODES_OFF) as *mut Node;
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

/// The header of our block, if `ai` is one of our nodes (see the module comment): its mark
/// matches and its back-pointer leads to a header of ours of which it is a node. Nothing the
/// program may change (`ai_addr`, `ai_canonname`, `ai_next`) is read.
///
/// # Safety
/// `ai` points to a live `struct addrinfo` from some `getaddrinfo` (ours or the libc's).
unsafe fn ours(ai: *mut libc::addrinfo) -> Option<*mut Header> {
    let node = ai as *mut Node;
    // SAFETY: every libc's node has at least a sockaddr_in after its addrinfo (module
    // comment), so the 16 bytes of `magic` and `header` are inside its allocation; they are
    // read unaligned-safe as plain integers, never trusted before the mark matched. Only a
    // node of ours carries the mark, and then `header` is the start of its live block, whose
    // header we read.
    unsafe {
        let magic = ptr::read_unaligned(ptr::addr_of!((*node).magic));
        if magic != MAGIC {
            return None;
        }
        let header = ptr::read_unaligned(ptr::addr_of!((*node).header));
        let from = (node as usize).checked_sub((header as usize).checked_add(NODES_OFF)?)?;
        if header.is_null() || header as usize % std::mem::align_of::<Header>() != 0 {
            return None;
        }
        if from % size_of::<Node>() != 0 || (*header).magic != MAGIC {
            return None;
        }
        (from / size_of::<Node>() < (*header).count).then_some(header)
    }
}

/// `b` as `&str` when it is all ASCII; `None` for any other byte.
fn ascii(b: &[u8]) -> Option<&str> {
    if !b.is_ascii() {
        return None;
    }
    // SAFETY: ASCII is valid UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(b) })
}

/// As [`ascii`], but `None` is `Ok(None)` and a non-ASCII string `Err`.
fn ascii_or_null(b: Option<&[u8]>) -> Result<Option<&str>, ()> {
    match b {
        None => Ok(None),
        Some(b) => ascii(b).map(Some).ok_or(()),
    }
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
                return stack::on_caller_stack(|| unsafe { f(host, serv, hints, res) });
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
        // SAFETY: host and serv are NULL or C strings (getaddrinfo contract), read once here.
        let (host, serv) = unsafe { (c_bytes(host), c_bytes(serv)) };
        // A numeric host first: no allocation but the result block. Not ASCII: not numeric.
        let ascii_host = host.and_then(ascii);
        if let (Some(h), Ok(s)) = (ascii_host, ascii_or_null(serv)) {
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
        // An ASCII host is its own text (checked once, above).
        let host = match ascii_host {
            Some(h) => Some(Cow::Borrowed(h)),
            None => host.map(text),
        };
        let serv = serv.map(text);
        let mut modules = super::nss::for_getaddrinfo();
        match crate::oom::check(lookup(
            host.as_deref(),
            serv.as_deref(),
            hints,
            sem,
            &mut modules,
        )) {
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
            Some(header) => {
                // The nodes of this block from p on, as musl counts them along ai_next.
                let mut cnt = 0usize;
                let mut q = p;
                // SAFETY: q is a node of the caller's live list (contract); `ours` reads only
                // what every libc node has.
                while !q.is_null() && unsafe { ours(q) } == Some(header) {
                    cnt += 1;
                    // SAFETY: as above.
                    q = unsafe { (*q).ai_next };
                }
                // SAFETY: `header` is the start of our live block (ours() checked its mark).
                let live = unsafe { &(*header).live };
                let left =
                    live.fetch_update(Ordering::AcqRel, Ordering::Acquire, |l| l.checked_sub(cnt));
                if left == Ok(cnt) {
                    // SAFETY: the block was malloc'd by build() and its last node is released.
                    unsafe { libc::free(header.cast()) };
                }
            }
            None => {
                if let Some(f) = next_freeaddrinfo() {
                    // SAFETY: a list from the libc's own getaddrinfo, handed back to it.
                    stack::on_caller_stack(|| unsafe { f(p) })
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
            Some(f) => stack::on_caller_stack(|| unsafe { f(code) }),
            None => c"Unknown error".as_ptr(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::Address;

    fn entry(i: usize) -> Entry {
        Entry {
            addr: Address::new(IpAddr::from([10, 0, 0, i as u8])),
            port: 80,
            socktype: libc::SOCK_STREAM,
            protocol: libc::IPPROTO_TCP,
        }
    }

    /// Our lists are ours whatever the program did to ai_addr, ai_canonname and ai_next; the
    /// libc's are not.
    #[test]
    fn ownership_by_mark_and_back_pointer_alone() {
        let list = build(4, entry, Some(b"canon.test"), true, 0);
        assert!(!list.is_null());
        let mut own = [0u8; 4 * 32];
        let mut nodes = Vec::new();
        // SAFETY: `list` is a fresh list of 4 nodes; the program's storage outlives them.
        unsafe {
            let mut p = list;
            while !p.is_null() {
                nodes.push(p);
                p = (*p).ai_next;
            }
            assert_eq!(nodes.len(), 4);
            for (i, n) in nodes.iter().enumerate() {
                (**n).ai_addr = own.as_mut_ptr().add(32 * i).cast();
                (**n).ai_canonname = c"mine".as_ptr().cast_mut();
            }
            let header = ours(list).expect("our list, ai_addr elsewhere");
            for n in &nodes {
                assert_eq!(ours(*n), Some(header));
            }
            // Cut after the second node: the tail is freed first, then the head.
            (*nodes[1]).ai_next = ptr::null_mut();
            freeaddrinfo(nodes[2]);
            assert_eq!((*header).live.load(Ordering::Acquire), 2);
            freeaddrinfo(list);
        }
        // A libc list (glibc's here) is not ours, and goes back to the libc.
        let mut res = ptr::null_mut();
        let hints = libc::addrinfo {
            ai_flags: crate::lookup::ai::NUMERICHOST,
            ai_family: libc::AF_UNSPEC,
            ai_socktype: libc::SOCK_STREAM,
            ai_protocol: 0,
            ai_addrlen: 0,
            ai_addr: ptr::null_mut(),
            ai_canonname: ptr::null_mut(),
            ai_next: ptr::null_mut(),
        };
        let f = next_getaddrinfo().expect("the libc's getaddrinfo");
        // SAFETY: the libc's getaddrinfo with valid arguments; its list is freed once.
        unsafe {
            assert_eq!(f(c"10.0.0.1".as_ptr(), c"80".as_ptr(), &hints, &mut res), 0);
            assert!(ours(res).is_none());
            freeaddrinfo(res);
        }
    }
}
