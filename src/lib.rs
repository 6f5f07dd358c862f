//! dnsshim: a drop-in replacement for the C library's resolver functions.
//!
//! Module map (data flows down and back up; nothing below `abi` knows a C type):
//! - [`abi`]: the exported C functions, panic boundary, errno/h_errno mapping.
//! - [`lookup`]: names to addresses (numeric, hosts file, search list, DNS), sorting.
//! - [`cache`]: the opt-in answer cache between the lookups and the transport.
//! - [`config`]: resolv.conf, hosts, services, environment; cached, re-read on change.
//! - [`transport`]: UDP to all nameservers, TCP fallback on truncation, deadlines.
//! - [`wire`]: DNS message building, response validation, CNAME-chain record collection.
//! - [`numeric`]: textual IPv4/IPv6 address parsing as the C library does it.
//! - [`sys`]: socket addresses and descriptors over libc.
//! - [`oom`]: the global allocator: a failed allocation becomes the export's out-of-memory
//!   error, never an abort.
//! - [`trace`]: `DNSSHIM_LOG` output.

pub mod abi;
pub mod cache;
pub mod config;
pub mod error;
/// Fuzz target bodies (fuzz/, tests/fuzz_corpus.rs); not part of the C ABI.
#[doc(hidden)]
pub mod fuzzing;
pub mod lookup;
pub mod numeric;
pub mod oom;
pub mod sys;
pub mod trace;
pub mod transport;
pub mod wire;

pub use error::{Error, Result};

#[global_allocator]
static ALLOCATOR: oom::Allocator = oom::Allocator;
