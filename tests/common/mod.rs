//! Namespace harness for the integration tests, one file per job:
//! - scenario.rs: building a scenario (C library variants, probes, the server's and the
//!   system's files) and running it;
//! - probes.rs: the programs under test: the architecture, the C compilers and the probes
//!   they build, where the built libraries, command and test server are;
//! - namespace.rs: the namespaces themselves: the shell scripts, the command lines, how many
//!   run at once, temporary directories;
//! - output.rs: reading what a probe printed.
//!
//! A [`Scenario`] is data: the test server's config, `/etc/resolv.conf`, `/etc/hosts`, and a
//! list of [`Probe`] invocations. [`Scenario::run`] writes them to a temporary directory and
//! runs one shell script inside a private network + mount namespace (`unshare`): loopback up,
//! the files bind-mounted over `/etc`, `dnsshim-testsrv` started on loopback, every probe run,
//! the server killed. Each probe's stdout, stderr, exit status and wall time come back as an
//! [`Outcome`].
//!
//! Environment read here:
//! - `DNSSHIM_TEST_ARCH`: the architecture of the probes and libraries under test (default:
//!   this machine's, `x86_64`). Another one (`aarch64`) is built with that architecture's
//!   cross compilers and every program of it runs under qemu-user ([`emulator`]); the test
//!   server stays native. `make test` runs a slice of the suite so (the Makefile's
//!   `AARCH64_SLICE`, README "Testing").
//! - `DNSSHIM_MUSL_SO`, `DNSSHIM_GLIBC_SO`: the two builds of the library (default: the cargo
//!   target paths for the architecture); a missing one, or one built for another
//!   architecture, fails the test: it is never skipped.
//! - `DNSSHIM_TESTSRV`: the test server binary (default: target/{release,debug}/dnsshim-testsrv).
//! - `DNSSHIM_TEST_KEEP=1`: keep each scenario's temporary directory.
#![allow(dead_code)]

mod namespace;
mod output;
mod probes;
mod scenario;

pub use namespace::*;
pub use output::*;
pub use probes::*;
pub use scenario::*;

use std::path::Path;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
