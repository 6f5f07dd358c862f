//! `DNSSHIM_LOG`: one line per DNS exchange on stderr.
//!
//! ```text
//! dnsshim: vis.company.com A 127.0.0.1:53 udp tc=1 rcode=NOERROR answers=27 bytes=498 3ms
//! dnsshim: vis.company.com A 127.0.0.1:53 tcp tc=0 rcode=NOERROR answers=60 bytes=1012 1ms
//! dnsshim: vis.company.com AAAA [fd00::1]:53 udp timeout 10000ms
//! dnsshim: vis.company.com A cache hit rcode=NOERROR answers=27 bytes=498 ttl=41s
//! ```
//!
//! A question the answer cache (`options dnsshim-cache`) answered has a `cache hit` line
//! instead of exchanges: its code, records and size, and how long it stays.
//!
//! Each line is written with a single `write(2, …)` so that lines of concurrent lookups do not
//! interleave. Nothing is buffered, nothing is locked.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::wire::{rcode, type_name};

/// Set by [`force_on`]: log lines whatever the environment says.
static FORCED: AtomicBool = AtomicBool::new(false);

/// Whether `DNSSHIM_LOG` asks for log lines (set, not empty, not `0`; never in secure mode),
/// or [`force_on`] was called.
pub fn enabled() -> bool {
    FORCED.load(Ordering::Relaxed) || crate::config::env::log_enabled()
}

/// Turns log lines on for the rest of the process, without `DNSSHIM_LOG` (the `dnsshim`
/// command's `resolve`). The library itself never calls this.
pub fn force_on() {
    FORCED.store(true, Ordering::Relaxed);
}

/// Transport of one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Udp,
    Tcp,
}

/// How one exchange with one server ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A response matching the query (ID and question). `answers` is the header's ANCOUNT.
    Response {
        truncated: bool,
        rcode: u16,
        answers: u16,
        bytes: usize,
    },
    /// Matches the query but cannot be parsed (and is not truncated): that server failed.
    Malformed { bytes: usize },
    /// A packet on the socket that does not answer the query (ID, question): ignored.
    Ignored { bytes: usize },
    /// No answer from this server before the deadline.
    Timeout,
    /// Connection refused (ICMP port unreachable on UDP, RST on TCP).
    Refused,
    /// The server closed the TCP connection before a whole response.
    Closed,
    /// Another system error (errno) on this server's socket.
    Error(i32),
}

/// One exchange with one server.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    pub name: &'a str,
    pub qtype: u16,
    pub server: SocketAddr,
    pub proto: Proto,
    pub outcome: Outcome,
    /// Since the first packet of this exchange was sent (TCP: since the connection started).
    pub elapsed: Duration,
}

/// Writes the log line of `e` to stderr (callers check [`enabled`] once per lookup first).
pub fn exchange(e: &Exchange<'_>) {
    crate::sys::fd::write_stderr(format_exchange(e).as_bytes());
}

/// The log line of `e`, newline included.
pub fn format_exchange(e: &Exchange<'_>) -> String {
    let mut s = String::with_capacity(128);
    s.push_str("dnsshim: ");
    push_sanitized(&mut s, e.name);
    let proto = match e.proto {
        Proto::Udp => "udp",
        Proto::Tcp => "tcp",
    };
    // Writing to a String cannot fail.
    let _ = write!(s, " {} {} {proto} ", type_name(e.qtype), e.server);
    let _ = match e.outcome {
        Outcome::Response {
            truncated,
            rcode: rc,
            answers,
            bytes,
        } => write!(
            s,
            "tc={} rcode={} answers={answers} bytes={bytes}",
            u8::from(truncated),
            rcode::name(rc)
        ),
        Outcome::Malformed { bytes } => write!(s, "malformed bytes={bytes}"),
        Outcome::Ignored { bytes } => write!(s, "ignored (id/question mismatch) bytes={bytes}"),
        Outcome::Timeout => write!(s, "timeout"),
        Outcome::Refused => write!(s, "refused"),
        Outcome::Closed => write!(s, "closed"),
        Outcome::Error(errno) => write!(s, "error errno={errno}"),
    };
    let _ = writeln!(s, " {}ms", e.elapsed.as_millis());
    s
}

/// An answer the cache served for one question.
#[derive(Debug, Clone, Copy)]
pub struct CacheHit<'a> {
    pub name: &'a str,
    pub qtype: u16,
    pub rcode: u16,
    pub answers: u16,
    pub bytes: usize,
    /// How long it stays in the cache.
    pub left: Duration,
}

/// Writes the log line of `h` to stderr (callers check [`enabled`] first).
pub fn cache_hit(h: &CacheHit<'_>) {
    crate::sys::fd::write_stderr(format_cache_hit(h).as_bytes());
}

/// The log line of `h`, newline included.
pub fn format_cache_hit(h: &CacheHit<'_>) -> String {
    let mut s = String::with_capacity(96);
    s.push_str("dnsshim: ");
    push_sanitized(&mut s, h.name);
    let _ = writeln!(
        s,
        " {} cache hit rcode={} answers={} bytes={} ttl={}s",
        type_name(h.qtype),
        rcode::name(h.rcode),
        h.answers,
        h.bytes,
        h.left.as_secs()
    );
    s
}

/// Appends `name` keeping the line one line: bytes outside printable ASCII become `\DDD`.
fn push_sanitized(s: &mut String, name: &str) {
    for &b in name.as_bytes() {
        if (0x21..=0x7e).contains(&b) {
            s.push(char::from(b));
        } else {
            let _ = write!(s, "\\{b:03}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(proto: Proto, outcome: Outcome, ms: u64) -> String {
        format_exchange(&Exchange {
            name: "vis.company.com",
            qtype: 1,
            server: "127.0.0.1:53".parse().unwrap(),
            proto,
            outcome,
            elapsed: Duration::from_millis(ms),
        })
    }

    #[test]
    fn lines() {
        let r = Outcome::Response {
            truncated: true,
            rcode: 0,
            answers: 27,
            bytes: 498,
        };
        assert_eq!(
            ex(Proto::Udp, r, 3),
            "dnsshim: vis.company.com A 127.0.0.1:53 udp tc=1 rcode=NOERROR answers=27 bytes=498 3ms\n"
        );
        let r = Outcome::Response {
            truncated: false,
            rcode: 2,
            answers: 0,
            bytes: 33,
        };
        assert_eq!(
            ex(Proto::Tcp, r, 1),
            "dnsshim: vis.company.com A 127.0.0.1:53 tcp tc=0 rcode=SERVFAIL answers=0 bytes=33 1ms\n"
        );
        assert_eq!(
            ex(Proto::Udp, Outcome::Timeout, 2000),
            "dnsshim: vis.company.com A 127.0.0.1:53 udp timeout 2000ms\n"
        );
        assert_eq!(
            ex(Proto::Tcp, Outcome::Refused, 0),
            "dnsshim: vis.company.com A 127.0.0.1:53 tcp refused 0ms\n"
        );
    }

    #[test]
    fn cache_hit_line() {
        let line = format_cache_hit(&CacheHit {
            name: "vis.company.com",
            qtype: 1,
            rcode: 0,
            answers: 27,
            bytes: 498,
            left: Duration::from_millis(41_900),
        });
        assert_eq!(
            line,
            "dnsshim: vis.company.com A cache hit rcode=NOERROR answers=27 bytes=498 ttl=41s\n"
        );
    }

    #[test]
    fn sanitized_names_and_types() {
        let line = format_exchange(&Exchange {
            name: "a b\n",
            qtype: 65280,
            server: "[fe80::1%2]:53".parse().unwrap(),
            proto: Proto::Udp,
            outcome: Outcome::Error(104),
            elapsed: Duration::ZERO,
        });
        assert_eq!(
            line,
            "dnsshim: a\\032b\\010 TYPE65280 [fe80::1%2]:53 udp error errno=104 0ms\n"
        );
    }
}
