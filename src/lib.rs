//! dnsshim: a drop-in replacement for the C library's resolver functions.
//!
//! Module map (data flows down and back up; below `abi` only `sys` calls the C library or
//! holds `unsafe`):
//! - `abi`: the exported C functions, panic boundary, errno/h_errno mapping.
//! - [`lookup`]: names to addresses (numeric, hosts file, search list, DNS), sorting; musl's
//!   flow and glibc's, chosen once per call.
//! - `cache`: the opt-in answer cache between the lookups and the transport.
//! - [`config`]: resolv.conf, hosts, services, host.conf, gai.conf, `HOSTALIASES`,
//!   environment; cached, re-read on change.
//! - [`transport`]: UDP to all nameservers, TCP fallback on truncation, deadlines.
//! - [`wire`]: DNS message building and reading, name syntax, CNAME-chain record collection.
//! - [`numeric`]: textual addresses and numbers as the C library reads and writes them.
//! - `sys`: every libc call below `abi`: sockets, poll, netlink, host name, environment.
//! - `oom`: the global allocator: a failed allocation becomes the export's out-of-memory
//!   error, never an abort.
//! - [`trace`]: `DNSSHIM_LOG` output.
//!
//! The modules the `dnsshim` command uses are public; `abi`, `sys` and `oom` are the
//! library's own. The fuzz target bodies ([`fuzzing`]) exist only with the `fuzzing` feature
//! (fuzz/, tests/fuzz_corpus.rs): the shipped library carries no test code.

#![deny(clippy::undocumented_unsafe_blocks)]

pub(crate) mod abi;
pub(crate) mod cache;
pub mod config;
pub mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod lookup;
pub mod numeric;
pub(crate) mod oom;
pub(crate) mod sys;
pub mod trace;
pub mod transport;
pub mod wire;

pub use error::{Error, Result};
