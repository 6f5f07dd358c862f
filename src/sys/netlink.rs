//! rtnetlink dumps (`NETLINK_ROUTE`): one request on a fresh socket, every message of the reply
//! handed to the caller. What the messages mean is the caller's business
//! (`lookup::gnu::netlink`).

use super::buf::RecvBuf;
use super::fd::socket;
use super::{errno, late};
use std::mem::size_of;

/// Receive buffer: glibc uses one page.
const BUF_SIZE: usize = 8192;
/// Netlink messages are aligned to 4 bytes (`NLMSG_ALIGNTO`).
pub(crate) const ALIGN: usize = 4;
/// Size of a `struct nlmsghdr` (linux/netlink.h).
const NLMSG_HDRLEN: usize = 16;

/// What to dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dump {
    /// Every interface address (`RTM_GETADDR`); the messages are `RTM_NEWADDR`, each body an
    /// `ifaddrmsg` and its attributes.
    Addresses,
    /// Every interface (`RTM_GETLINK`); the messages are `RTM_NEWLINK`, each body an
    /// `ifinfomsg` and its attributes.
    Links,
}

/// One dump request for every family; `each` gets the body (after the `nlmsghdr`) of every
/// message of the reply that is of the dump's kind. `None` on any failure.
pub(crate) fn dump(what: Dump, mut each: impl FnMut(&[u8])) -> Option<()> {
    let (request, reply) = match what {
        Dump::Addresses => (libc::RTM_GETADDR, libc::RTM_NEWADDR),
        Dump::Links => (libc::RTM_GETLINK, libc::RTM_NEWLINK),
    };
    let fd = socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE).ok()?;
    // SAFETY: sockaddr_nl is plain data; all-zero is a valid value.
    let mut nl: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    nl.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    let nl_len = size_of::<libc::sockaddr_nl>() as libc::socklen_t;
    // SAFETY: `nl` is a valid sockaddr_nl of `nl_len` bytes.
    if unsafe { late::bind(fd.raw(), (&nl as *const libc::sockaddr_nl).cast(), nl_len) } != 0 {
        return None;
    }
    let mut len = nl_len;
    // SAFETY: `nl` is writable storage of `len` bytes.
    if unsafe {
        late::getsockname(
            fd.raw(),
            (&mut nl as *mut libc::sockaddr_nl).cast(),
            &mut len,
        )
    } != 0
    {
        return None;
    }
    let pid = nl.nl_pid;
    let seq: u32 = 1;

    // nlmsghdr (16 bytes) + rtgenmsg (1 byte) + 3 bytes padding, as glibc sends.
    let mut req = [0u8; 20];
    req[0..4].copy_from_slice(&20u32.to_ne_bytes());
    req[4..6].copy_from_slice(&request.to_ne_bytes());
    let flags = (libc::NLM_F_ROOT | libc::NLM_F_MATCH | libc::NLM_F_REQUEST) as u16;
    req[6..8].copy_from_slice(&flags.to_ne_bytes());
    req[8..12].copy_from_slice(&seq.to_ne_bytes());
    req[16] = libc::AF_UNSPEC as u8;
    // SAFETY: sockaddr_nl is plain data; all-zero is a valid value.
    let mut kernel: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    kernel.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    // SAFETY: `req` and `kernel` are valid for the lengths given.
    let sent = unsafe {
        late::sendto(
            fd.raw(),
            req.as_ptr().cast(),
            req.len(),
            0,
            (&kernel as *const libc::sockaddr_nl).cast(),
            nl_len,
        )
    };
    if sent < 0 {
        return None;
    }

    // From the receive buffer pool: not cleared (only what recvmsg wrote is read), no 8 KiB
    // calloc per call.
    let mut buf = RecvBuf::take(BUF_SIZE);
    loop {
        // SAFETY: sockaddr_nl is plain data; all-zero is a valid value.
        let mut from: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: msghdr is plain data; all-zero is a valid value; the fields set below point
        // at `from` and `iov`, which outlive the recvmsg call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_name = (&mut from as *mut libc::sockaddr_nl).cast();
        msg.msg_namelen = nl_len;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        let n = loop {
            // SAFETY: `msg` describes writable buffers that live across the call.
            let n = unsafe { late::recvmsg(fd.raw(), &mut msg, 0) };
            if n < 0 && errno() == libc::EINTR {
                continue;
            }
            break n;
        };
        if n < 0 || msg.msg_flags & libc::MSG_TRUNC != 0 {
            return None;
        }
        let mut rest = &buf[..n as usize];
        while rest.len() >= NLMSG_HDRLEN {
            let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            if len < NLMSG_HDRLEN || len > rest.len() {
                break;
            }
            let ty = u16::from_ne_bytes([rest[4], rest[5]]);
            let mseq = u32::from_ne_bytes([rest[8], rest[9], rest[10], rest[11]]);
            let mpid = u32::from_ne_bytes([rest[12], rest[13], rest[14], rest[15]]);
            if from.nl_pid == 0 && mpid == pid && mseq == seq {
                match i32::from(ty) {
                    libc::NLMSG_DONE => return Some(()),
                    libc::NLMSG_ERROR => return None,
                    _ if ty == reply => each(&rest[NLMSG_HDRLEN..len]),
                    _ => {}
                }
            }
            rest = &rest[len.next_multiple_of(ALIGN).min(rest.len())..];
        }
    }
}
