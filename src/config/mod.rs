//! Configuration: one parser per file the C libraries read: resolv.conf (+ `LOCALDOMAIN`,
//! `RES_OPTIONS`), hosts (as each libc reads it), services, glibc's host.conf, gai.conf,
//! nsswitch.conf and `HOSTALIASES` file; the environment.
//!
//! Each file is parsed once and re-read only when it changes (`stat`: dev, inode, size, mtime, ctime);
//! the accessors below hand out a shared snapshot. Nothing here is read at load time.

pub mod env;
pub mod gai_conf;
pub mod host_conf;
pub mod hostaliases;
pub mod hosts;
pub mod nsswitch;
pub mod resolv_conf;
pub mod services;

mod cache;

pub(crate) use cache::lock_briefly;
pub use cache::{generation, FileCache, Stamp, HOSTS_PATH, RESOLV_CONF_PATH};
pub use hosts::{HostEntry, Hosts};
pub use resolv_conf::ResolvConf;
pub use services::{Proto, ServiceEntry, Services};

use std::sync::Arc;

/// The effective resolver configuration: `/etc/resolv.conf`, then `LOCALDOMAIN` and
/// `RES_OPTIONS` (unless in secure-execution mode). When glibc behaviour applies
/// ([`env::compat_glibc`]) and neither the file (`search`/`domain`) nor `LOCALDOMAIN` gives a
/// search list, the host name's domain is the search list, as glibc does.
///
/// Costs one `stat` per call (the environment is read once per call, [`env`]); the file is
/// re-parsed only when it changed.
pub fn resolv_conf() -> Arc<ResolvConf> {
    cache::resolv_conf()
}

/// The answer cache's longest TTL for a lookup under `conf`, `None` when the cache is off:
/// `DNSSHIM_CACHE` when it is set (`0` or empty: off; anything else: on), else
/// `options dnsshim-cache[:N]` (resolv.conf or `RES_OPTIONS`). The maximum is always the
/// option's N, or [`resolv_conf::DEFAULT_CACHE_MAX_TTL`].
pub fn cache_max_ttl(conf: &ResolvConf) -> Option<u32> {
    env::cache()
        .unwrap_or(conf.cache)
        .then_some(conf.cache_max_ttl)
}

/// Whether the search list's candidates are asked at once: `DNSSHIM_PARALLEL_SEARCH` when it
/// is set (as for [`cache_max_ttl`]), else `options dnsshim-parallel-search`.
pub fn parallel_search(conf: &ResolvConf) -> bool {
    env::parallel_search().unwrap_or(conf.parallel_search)
}

/// `/etc/hosts`, parsed.
pub fn hosts() -> Arc<Hosts> {
    cache::hosts()
}

/// `/etc/hosts` as glibc's `files` module reads it ([`Hosts::parse_glibc`]).
pub fn hosts_glibc() -> Arc<Hosts> {
    cache::hosts_glibc()
}

/// `/etc/services`, parsed.
pub fn services() -> Arc<Services> {
    cache::services()
}
