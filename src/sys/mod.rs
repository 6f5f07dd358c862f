//! Every call into the C library below `abi/`, as small safe functions: descriptors and
//! sockets ([`fd`]), `stat` of a file ([`file`]), socket addresses as C structures
//! ([`sockaddr`]), `poll` ([`poll`]), route probes ([`route`]), rtnetlink dumps
//! ([`netlink`]), the host name and interfaces and the locale ([`host`]), the auxiliary vector and the environment ([`env`]), query IDs
//! ([`random`]), the receive buffer pool ([`buf`]), and the glibc build's NSS modules
//! (`nss`: `dlopen` and `dlsym`). Errors are errno values. (No name resolution here, ever.)
//!
//! Nothing above this module (`lookup`, `transport`, `wire`, `config`) holds `unsafe` or names
//! a C type; the constants of the C headers they need are re-exported here.

pub(crate) mod buf;
pub(crate) mod env;
pub(crate) mod fd;
pub(crate) mod file;
pub(crate) mod host;
pub(crate) mod late;
pub(crate) mod netlink;
#[cfg(target_env = "gnu")]
pub(crate) mod nss;
pub(crate) mod poll;
pub(crate) mod random;
pub(crate) mod route;
pub(crate) mod sockaddr;

pub(crate) use buf::RecvBuf;
pub(crate) use random::{random_id, random_ids};
pub(crate) use route::{route_source, RouteProbe};
pub(crate) use sockaddr::RawSockAddr;

/// Constants of the C headers (`<sys/socket.h>`, `<netinet/in.h>`, `<errno.h>`): address
/// families, socket types and protocols as `getaddrinfo` callers pass them, and the errno
/// values the layers above tell apart. The same numbers in musl and glibc on Linux.
pub(crate) use libc::{
    AF_INET, AF_INET6, AF_UNSPEC, EADDRNOTAVAIL, EAFNOSUPPORT, EAGAIN, EBUSY, ECONNREFUSED,
    EHOSTUNREACH, EINPROGRESS, EINTR, EINVAL, EMFILE, ENETDOWN, ENETUNREACH, ENFILE, ENOBUFS,
    ENOENT, ERANGE, EWOULDBLOCK, IPPROTO_DCCP, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP,
    IPPROTO_UDPLITE, SOCK_DCCP, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM,
};

/// The calling process's id (`getpid`, bound on first use: `std::process::id` would make the
/// loader look `getpid` up in every process the library is loaded into).
pub(crate) fn process_id() -> u32 {
    // SAFETY: getpid has no preconditions.
    unsafe { late::getpid() as u32 }
}

/// Lets other threads run (`sched_yield`).
pub(crate) fn yield_now() {
    // SAFETY: sched_yield has no preconditions.
    unsafe { late::sched_yield() };
}

/// Sets the calling thread's `errno`.
pub(crate) fn set_errno(v: i32) {
    // SAFETY: __errno_location returns a valid pointer to the calling thread's errno.
    unsafe { *libc::__errno_location() = v };
}

/// The calling thread's `errno`.
pub(crate) fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}
