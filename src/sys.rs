//! Small, safe wrappers over the libc calls the lookup layer and the transport need: an owned
//! descriptor, socket addresses as C structures, `socket`, `connect` and `getsockname`.
//! Errors are errno values. (No name resolution here, ever.)

#[cfg(target_env = "gnu")]
pub mod nss;

use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::ops::{Deref, DerefMut};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

/// The calling thread's `errno`.
pub fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// An owned descriptor, closed exactly once on drop; made by [`socket`].
#[derive(Debug)]
pub struct Fd(libc::c_int);

impl Fd {
    pub fn raw(&self) -> libc::c_int {
        self.0
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: self.0 came from socket(2), is owned by this value alone and is closed only
        // here. close is not retried on EINTR (on Linux the descriptor is released anyway).
        unsafe { libc::close(self.0) };
    }
}

/// `socket(family, ty | SOCK_CLOEXEC, protocol)`.
pub fn socket(family: libc::c_int, ty: libc::c_int, protocol: libc::c_int) -> Result<Fd, i32> {
    // SAFETY: socket(2) takes no pointers; the result is checked before being owned.
    let fd = unsafe { libc::socket(family, ty | libc::SOCK_CLOEXEC, protocol) };
    if fd < 0 {
        Err(errno())
    } else {
        Ok(Fd(fd))
    }
}

/// `AF_INET` or `AF_INET6`, as `addr` is.
pub fn family(addr: &SocketAddr) -> libc::c_int {
    match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    }
}

/// `connect(2)`. For a non-blocking TCP socket `EINPROGRESS` (and `EINTR`, after which the
/// connection goes on in the background) come back as errors: the caller decides.
pub fn connect(fd: &Fd, addr: &SocketAddr) -> Result<(), i32> {
    let (sa, len) = RawSockAddr::new(addr);
    // SAFETY: `sa` is a valid sockaddr of `len` bytes that outlives the call.
    if unsafe { libc::connect(fd.0, sa.as_ptr(), len) } == 0 {
        Ok(())
    } else {
        Err(errno())
    }
}

/// `getsockname(2)`: the address the socket is bound to; `None` on failure.
pub fn local_addr(fd: &Fd) -> Option<SocketAddr> {
    let mut out = RawSockAddr::zeroed();
    let mut len = size_of::<RawSockAddr>() as libc::socklen_t;
    // SAFETY: `out` is writable storage of `len` bytes; the kernel writes at most that much.
    if unsafe { libc::getsockname(fd.0, out.as_mut_ptr(), &mut len) } != 0 {
        return None;
    }
    out.to_socket_addr(len)
}

extern "C" {
    /// `mbstowcs` (C99; musl and glibc both define it).
    fn mbstowcs(dst: *mut libc::wchar_t, src: *const libc::c_char, n: usize) -> usize;
}

/// Longest byte string [`multibyte_ok`] checks (musl's `is_valid_hostname` looks at 254 bytes).
const MULTIBYTE_MAX: usize = 255;

/// Whether `s` is a valid multibyte string in the program's current locale: `mbstowcs(NULL,
/// s, 0) != -1`, as musl's `is_valid_hostname` asks (in musl's C locale every byte is; in a
/// UTF-8 locale only UTF-8). `s` holds no NUL and at most [`MULTIBYTE_MAX`] bytes (longer:
/// false).
pub fn multibyte_ok(s: &[u8]) -> bool {
    let mut buf = [0u8; MULTIBYTE_MAX + 1];
    if s.len() > MULTIBYTE_MAX || s.contains(&0) {
        return false;
    }
    buf[..s.len()].copy_from_slice(s);
    // SAFETY: `buf` is NUL-terminated (its last bytes are 0); with a NULL destination
    // mbstowcs only counts and writes nothing.
    unsafe { mbstowcs(std::ptr::null_mut(), buf.as_ptr().cast(), 0) != usize::MAX }
}

/// A query ID: `getrandom(2)` (the raw system call, so it works with C libraries that predate
/// the wrapper); if that fails, a mix of the clock, the process id and a counter.
pub fn random_id() -> u16 {
    let mut id = [0u16; 1];
    random_ids(&mut id);
    id[0]
}

/// Fills `ids` with query IDs from one `getrandom(2)` call (one system call for all the
/// queries of a lookup); if that fails, each from [`fallback_id`].
pub fn random_ids(ids: &mut [u16]) {
    if !getrandom(ids) {
        ids.iter_mut().for_each(|id| *id = fallback_id());
    }
}

/// `getrandom(2)` by its system call number for the target (`SYS_getrandom`: 318 on x86_64,
/// 278 on aarch64), non-blocking: whether it filled all of `ids`.
fn getrandom(ids: &mut [u16]) -> bool {
    let len = std::mem::size_of_val(ids);
    // SAFETY: `ids` is writable for `len` bytes and any bit pattern is a valid u16;
    // GRND_NONBLOCK never blocks (it fails before the entropy pool is initialised: the caller
    // falls back). Requests up to 256 bytes are never cut short by the kernel.
    let r = unsafe {
        libc::syscall(
            libc::SYS_getrandom,
            ids.as_mut_ptr().cast::<u8>(),
            len,
            libc::GRND_NONBLOCK,
        )
    };
    r == len as libc::c_long
}

/// A query ID when `getrandom` fails: a mix of the clock, the process id and a counter.
fn fallback_id() -> u16 {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let count = COUNTER.fetch_add(0x9e37, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
        .unwrap_or(0);
    let mut x = nanos ^ std::process::id().rotate_left(16) ^ count;
    // Finalizer of a 32-bit hash (murmur3 fmix32) to spread the bits.
    x ^= x >> 16;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^= x >> 13;
    x = x.wrapping_mul(0xc2b2_ae35);
    x ^= x >> 16;
    (x ^ (x >> 16)) as u16
}

/// A C socket address big enough for IPv4 and IPv6.
#[repr(C)]
#[derive(Clone, Copy)]
pub union RawSockAddr {
    pub v4: libc::sockaddr_in,
    pub v6: libc::sockaddr_in6,
}

impl RawSockAddr {
    /// The C form of `addr` (IPv6 scope id included) and its length.
    pub fn new(addr: &SocketAddr) -> (RawSockAddr, libc::socklen_t) {
        match addr {
            SocketAddr::V4(a) => {
                // SAFETY: sockaddr_in is plain old data; all-zero is a valid value.
                let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_port = a.port().to_be();
                sin.sin_addr.s_addr = u32::from_ne_bytes(a.ip().octets());
                (
                    RawSockAddr { v4: sin },
                    size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            }
            SocketAddr::V6(a) => {
                // SAFETY: sockaddr_in6 is plain old data; all-zero is a valid value.
                let mut sin6: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_port = a.port().to_be();
                sin6.sin6_addr.s6_addr = a.ip().octets();
                sin6.sin6_scope_id = a.scope_id();
                sin6.sin6_flowinfo = a.flowinfo();
                (
                    RawSockAddr { v6: sin6 },
                    size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                )
            }
        }
    }

    /// All-zero storage for the kernel to fill.
    pub fn zeroed() -> RawSockAddr {
        // SAFETY: both union members are plain old data; all-zero is valid for each.
        unsafe { std::mem::zeroed() }
    }

    /// For the kernel to read.
    pub fn as_ptr(&self) -> *const libc::sockaddr {
        (self as *const RawSockAddr).cast()
    }

    /// For the kernel to fill.
    pub fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        (self as *mut RawSockAddr).cast()
    }

    /// Back to a Rust address, `len` being the length the kernel reported; `None` for other
    /// families or short lengths.
    pub fn to_socket_addr(&self, len: libc::socklen_t) -> Option<SocketAddr> {
        let len = len as usize;
        // SAFETY: the family field sits at the same offset in both members and every member
        // is initialised (zeroed or written whole), so reading it and then the matching
        // member is sound.
        unsafe {
            match self.v4.sin_family as libc::c_int {
                libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
                    let ip = Ipv4Addr::from(self.v4.sin_addr.s_addr.to_ne_bytes());
                    Some(SocketAddr::new(
                        IpAddr::V4(ip),
                        u16::from_be(self.v4.sin_port),
                    ))
                }
                libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
                    Some(SocketAddr::V6(SocketAddrV6::new(
                        Ipv6Addr::from(self.v6.sin6_addr.s6_addr),
                        u16::from_be(self.v6.sin6_port),
                        self.v6.sin6_flowinfo,
                        self.v6.sin6_scope_id,
                    )))
                }
                _ => None,
            }
        }
    }
}

/// `socket` + `connect` of a UDP socket to `dest` (no packet is sent), then `getsockname`: the
/// source address the kernel would use to reach `dest`, or `None` if it is unreachable.
pub fn route_source(dest: &SocketAddr) -> Option<SocketAddr> {
    let fd = socket(family(dest), libc::SOCK_DGRAM, libc::IPPROTO_UDP).ok()?;
    connect(&fd, dest).ok()?;
    local_addr(&fd)
}

/// Source addresses for a list of destinations (address sorting) on one socket, the way
/// glibc's `getaddrinfo` gets them (`sysdeps/posix/getaddrinfo.c`, `rfc3484_sort` and
/// `try_connect`): one UDP socket, connected to each destination in turn with an `AF_UNSPEC`
/// connect in between when the previous one succeeded (which makes the kernel pick the source
/// afresh; a failed connect leaves the socket unconnected). An IPv6 socket takes
/// IPv4 destinations too, routed as IPv4; where IPv6 sockets refuse them (`EAFNOSUPPORT`,
/// IPv6-only sockets) an IPv4 socket is opened instead. The answers are those of
/// [`route_source`] for each destination (IPv4 sources come back as IPv4 addresses), for one
/// `socket`/`close` pair per list instead of one per address (musl's way): several
/// microseconds each on common kernels.
pub struct RouteProbe {
    fd: Option<Fd>,
    family: libc::c_int,
    /// Open an IPv6 socket first (the list has IPv6 destinations).
    v6_first: bool,
    /// The socket's last connect succeeded: it must be dissolved before the next.
    connected: bool,
}

impl RouteProbe {
    /// A probe for a list of destinations; `ipv6` says whether any is IPv6 (then one IPv6
    /// socket serves them all). Nothing is opened until the first [`RouteProbe::source`].
    pub fn new(ipv6: bool) -> RouteProbe {
        RouteProbe {
            fd: None,
            family: libc::AF_UNSPEC,
            v6_first: ipv6,
            connected: false,
        }
    }

    fn open(&mut self, family: libc::c_int) -> bool {
        self.fd = None;
        let Ok(fd) = socket(family, libc::SOCK_DGRAM, libc::IPPROTO_UDP) else {
            return false;
        };
        self.fd = Some(fd);
        self.family = family;
        self.connected = false;
        true
    }

    /// [`route_source`] of `dest`.
    pub fn source(&mut self, dest: &SocketAddr) -> Option<SocketAddr> {
        let want = family(dest);
        match &self.fd {
            // An IPv4 socket cannot reach an IPv6 destination: a new socket.
            Some(_) if self.family == libc::AF_INET && want == libc::AF_INET6 => {
                if !self.open(want) {
                    return None;
                }
            }
            Some(fd) if self.connected => {
                // SAFETY: an all-zero sockaddr with family AF_UNSPEC dissolves the socket's
                // association (connect(2)); its result does not matter.
                unsafe {
                    let mut sa: libc::sockaddr = std::mem::zeroed();
                    sa.sa_family = libc::AF_UNSPEC as libc::sa_family_t;
                    libc::connect(fd.0, &sa, size_of::<libc::sockaddr>() as libc::socklen_t);
                }
                self.connected = false;
            }
            Some(_) => {}
            None => {
                let first = if self.v6_first { libc::AF_INET6 } else { want };
                if !self.open(first) && (first == want || !self.open(want)) {
                    return None;
                }
            }
        }
        loop {
            let fd = self.fd.as_ref()?;
            if let Err(e) = connect(fd, dest) {
                if e == libc::EAFNOSUPPORT
                    && self.family == libc::AF_INET6
                    && want == libc::AF_INET
                    && self.open(libc::AF_INET)
                {
                    continue;
                }
                return None;
            }
            self.connected = true;
            return match local_addr(fd)? {
                SocketAddr::V6(s) if want == libc::AF_INET => s
                    .ip()
                    .to_ipv4_mapped()
                    .map(|ip| SocketAddr::new(IpAddr::V4(ip), s.port())),
                s => Some(s),
            };
        }
    }
}

/// Size of the receive buffers kept in [`RecvBuf`]'s pool: any DNS message fits.
const POOLED_LEN: usize = 65536;

/// Receive buffers kept for the next call, at most this many (ours: more threads than this
/// reading a datagram at the same instant allocate a buffer of their own).
const POOL_SLOTS: usize = 4;

/// The pool: each slot is empty (null) or owns one `POOLED_LEN`-byte buffer.
static POOL: [AtomicPtr<u8>; POOL_SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; POOL_SLOTS];

/// A buffer for one datagram (or the bytes of a received message over 256 bytes, see
/// `wire::Message`), taken from a small lock-free pool and put back on drop.
///
/// Allocating 64 KiB per lookup costs a `calloc` that clears 64 KiB (glibc) or an `mmap` and
/// `munmap` pair with their page faults and, in threaded programs, TLB shootdowns (musl's
/// malloc hands blocks that large back to the kernel at once). The pool uses atomic swaps
/// only, so a child after `fork` finds it consistent. The bytes are not cleared between users:
/// callers only read what `recv` wrote.
pub(crate) struct RecvBuf {
    buf: Box<[u8]>,
    len: usize,
}

impl RecvBuf {
    /// A buffer of `len` bytes (pooled when `len` is at most 64 KiB).
    pub(crate) fn take(len: usize) -> RecvBuf {
        if len <= POOLED_LEN {
            for slot in &POOL {
                let p = slot.swap(ptr::null_mut(), Ordering::Acquire);
                if !p.is_null() {
                    // SAFETY: a non-null slot holds the pointer of a `Box<[u8]>` of exactly
                    // POOLED_LEN bytes, put there by `drop` below; the swap made us its only
                    // owner.
                    let buf =
                        unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(p, POOLED_LEN)) };
                    return RecvBuf { buf, len };
                }
            }
        }
        RecvBuf {
            buf: vec![0u8; len.max(POOLED_LEN)].into_boxed_slice(),
            len,
        }
    }
}

impl Deref for RecvBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl DerefMut for RecvBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }
}

impl Drop for RecvBuf {
    fn drop(&mut self) {
        // A buffer from the allocator's reserve goes back to it, not to the pool.
        if self.buf.len() != POOLED_LEN || crate::oom::from_reserve(self.buf.as_ptr()) {
            return;
        }
        let p = Box::into_raw(std::mem::take(&mut self.buf)).cast::<u8>();
        for slot in &POOL {
            if slot
                .compare_exchange(ptr::null_mut(), p, Ordering::Release, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
        // SAFETY: `p` came from Box::into_raw of a POOLED_LEN-byte boxed slice just above and
        // went into no slot, so we still own it.
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(p, POOLED_LEN)) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recv_buf_pool() {
        let mut a = RecvBuf::take(POOLED_LEN);
        assert_eq!(a.len(), POOLED_LEN);
        a[POOLED_LEN - 1] = 7;
        drop(a);
        // More buffers out at once than the pool holds; other tests may use the pool too.
        let bufs: Vec<RecvBuf> = (0..POOL_SLOTS + 2).map(|_| RecvBuf::take(512)).collect();
        assert!(bufs.iter().all(|b| b.len() == 512));
        drop(bufs);
        let big = RecvBuf::take(POOLED_LEN + 1);
        assert_eq!(big.len(), POOLED_LEN + 1);
    }

    /// The system call number is this target's (a wrong one fails with ENOSYS or does
    /// something else, and every ID would silently come from the fallback).
    #[test]
    fn getrandom_is_this_targets_system_call() {
        let mut ids = [0u16; 32];
        assert!(getrandom(&mut ids), "errno {}", errno());
        assert!(ids.iter().any(|&id| id != 0));
    }

    #[test]
    fn ids_vary() {
        let ids: std::collections::HashSet<u16> = (0..64).map(|_| random_id()).collect();
        assert!(ids.len() > 32);
    }

    #[test]
    fn raw_roundtrip() {
        for s in ["192.0.2.1:53", "[2001:db8::1]:5353", "[fe80::1%3]:53"] {
            let a: SocketAddr = s.parse().unwrap();
            let (sa, len) = RawSockAddr::new(&a);
            assert_eq!(sa.to_socket_addr(len), Some(a));
            // A length shorter than the family's structure is no address.
            assert_eq!(sa.to_socket_addr(len - 1), None);
        }
    }

    #[test]
    fn route_probe_agrees_with_route_source() {
        let dests: Vec<SocketAddr> = [
            "127.0.0.1:65535",
            "[::1]:65535",
            "10.0.0.1:65535",
            "[2001:db8::1]:65535",
            "127.0.0.9:53",
            "[fe80::1%1]:65535",
            "192.0.2.7:65535",
            "[::ffff:127.0.0.1]:65535",
            "[::]:65535",
            "0.0.0.0:0",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        // Every order that matters: IPv4 first, IPv6 first, alternating, one family only.
        let orders: Vec<Vec<SocketAddr>> = vec![
            dests.clone(),
            dests.iter().rev().copied().collect(),
            dests.iter().filter(|d| d.is_ipv4()).copied().collect(),
            dests.iter().filter(|d| d.is_ipv6()).copied().collect(),
        ];
        for list in &orders {
            for v6_first in [false, true] {
                let mut probe = RouteProbe::new(v6_first);
                for d in list {
                    let want = route_source(d).map(|s| s.ip());
                    assert_eq!(probe.source(d).map(|s| s.ip()), want, "{d} ({v6_first})");
                }
            }
        }
    }
}
