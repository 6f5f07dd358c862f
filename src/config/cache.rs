//! Parsed files, re-read only when their `stat` changes.
//!
//! A [`FileCache`] holds the last parse of one file with the `stat` it was read under (device,
//! inode, size, mtime and ctime with nanoseconds: glibc's `file_change_detection` compares the
//! same). Each [`FileCache::get`] costs one `stat`; only a changed stamp re-reads and re-parses.
//!
//! Locking: the mutex guards only the comparison and the `Arc` clone/store; the file is read
//! and parsed outside it. It is never held across a call that can block or panic, so it is
//! never poisoned by us; a poisoned one is used anyway (`into_inner`). A child forked while
//! another thread held the lock would wait forever on it, so we only `try_lock`, briefly retry,
//! and then parse the file without the cache: always an answer, never a deadlock.
//!
//! Missing, unreadable or non-regular files read as empty; files are read up to a size cap.

use super::env;
use super::resolv_conf::{self, ResolvConf};
use super::{Hosts, Services};
use crate::sys::file::{FileStat, StaticPath};
use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

/// The resolver configuration file (glibc `_PATH_RESCONF`, musl).
pub const RESOLV_CONF_PATH: &str = "/etc/resolv.conf";
/// The hosts file (glibc `_PATH_HOSTS`, musl).
pub const HOSTS_PATH: &str = "/etc/hosts";
/// The services file (glibc `_PATH_SERVICES`, musl).
pub const SERVICES_PATH: &str = "/etc/services";

/// How much of resolv.conf we read (ours: real files are a few hundred bytes; neither libc
/// has a limit, musl ignores lines longer than 255 bytes).
pub const RESOLV_CONF_MAX_BYTES: u64 = 1 << 20;
/// How much of the hosts file we read (ours: ad-blocking hosts files reach tens of MiB).
pub const HOSTS_MAX_BYTES: u64 = 64 << 20;
/// How much of the services file we read (ours, as for hosts).
pub const SERVICES_MAX_BYTES: u64 = 64 << 20;

/// `try_lock` attempts spent spinning, then yielding, before parsing without the cache.
/// The lock is held for a pointer comparison and an `Arc` clone, so contention clears within
/// a few attempts unless the holder is descheduled or gone (a `fork` child).
const LOCK_SPINS: u32 = 64;
const LOCK_YIELDS: u32 = 64;

/// How many times resolv.conf or the hosts file was read again after a change (by any of the
/// caches of either file: the glibc rules parse the hosts file their own way).
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// A number that moves on whenever resolv.conf or the hosts file was seen to change: the
/// answer cache keeps answers only while it stays the same. A change is seen by the next
/// lookup that reads the file (each lookup reads both before it asks DNS).
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// What `stat` said about the file (device, inode, size, modification and change times,
/// whether it is a regular file): changes when the file is replaced or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(FileStat);

/// The file's path, and the same NUL-terminated for `stat` (`None`: the path holds a NUL,
/// no such file).
#[derive(Debug)]
enum FilePath {
    Static(StaticPath),
    Owned(PathBuf, Option<CString>),
}

impl FilePath {
    fn as_path(&self) -> &Path {
        match self {
            FilePath::Static(s) => Path::new(s.as_str()),
            FilePath::Owned(p, _) => p,
        }
    }

    fn as_c_str(&self) -> Option<&CStr> {
        match self {
            FilePath::Static(s) => Some(s.as_c_str()),
            FilePath::Owned(_, c) => c.as_deref(),
        }
    }
}

/// One file, parsed with `parse`, cached until its [`Stamp`] changes.
#[derive(Debug)]
pub struct FileCache<T> {
    path: FilePath,
    parse: fn(&[u8]) -> T,
    max_bytes: u64,
    /// `None` when the file's stat failed (missing, no permission on a directory, …).
    #[allow(clippy::type_complexity)]
    state: Mutex<Option<(Option<Stamp>, Arc<T>)>>,
    /// A change moves [`generation`] on: resolv.conf and the hosts file, whose change flushes
    /// the answer cache.
    watched: bool,
}

/// `a == b`, in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl<T> FileCache<T> {
    /// A cache for a fixed path, usable in a `static` (nothing happens until the first
    /// [`FileCache::get`]).
    pub const fn new_static(path: &'static str, parse: fn(&[u8]) -> T, max_bytes: u64) -> Self {
        FileCache {
            path: FilePath::Static(StaticPath::new(path)),
            parse,
            max_bytes,
            state: Mutex::new(None),
            watched: same(path, RESOLV_CONF_PATH) || same(path, HOSTS_PATH),
        }
    }

    /// A cache for any path (tests, tools).
    pub fn new(path: impl Into<PathBuf>, parse: fn(&[u8]) -> T, max_bytes: u64) -> Self {
        let path = path.into();
        let c = CString::new(path.as_os_str().as_bytes()).ok();
        FileCache {
            path: FilePath::Owned(path, c),
            parse,
            max_bytes,
            state: Mutex::new(None),
            watched: false,
        }
    }

    /// The path this cache reads.
    pub fn path(&self) -> &Path {
        self.path.as_path()
    }

    /// The current parse of the file: the cached one if the file's stamp is unchanged, else a
    /// fresh read (stored for the next call).
    pub fn get(&self) -> Arc<T> {
        self.get_unless(|_| false)
    }

    /// As [`FileCache::get`], but before the file is read, `keep(cached)` is asked whether a
    /// parse is in hand; when there is one, `true` returns it instead of reading the changed
    /// file (glibc stops re-reading nsswitch.conf once `/` changed: [`super::nsswitch`]).
    pub fn get_unless(&self, keep: impl FnOnce(bool) -> bool) -> Arc<T> {
        let stamp = self.path.as_c_str().and_then(stat);
        if let Some(guard) = self.lock() {
            if let Some((s, v)) = guard.as_ref() {
                if *s == stamp || keep(true) {
                    return Arc::clone(v);
                }
            } else {
                keep(false);
            }
        }
        // Read with the stamp taken before reading: if the file changes meanwhile, the next
        // call sees a different stamp and reads again.
        let text = read_capped(self.path.as_path(), stamp, self.max_bytes);
        let value = Arc::new((self.parse)(&text));
        // Parsed partly from the allocator's reserve (out of memory): used, not kept.
        if crate::oom::failed() {
            return value;
        }
        if let Some(mut guard) = self.lock() {
            let changed = guard.as_ref().is_some_and(|(old, _)| *old != stamp);
            if changed && self.watched() {
                GENERATION.fetch_add(1, Ordering::Relaxed);
            }
            *guard = Some((stamp, Arc::clone(&value)));
        }
        value
    }

    /// Whether a change of this file moves [`generation`] on.
    fn watched(&self) -> bool {
        self.watched
    }

    /// The state lock, recovered if poisoned; `None` if it stays busy (see module docs).
    #[allow(clippy::type_complexity)]
    fn lock(&self) -> Option<MutexGuard<'_, Option<(Option<Stamp>, Arc<T>)>>> {
        lock_briefly(&self.state)
    }
}

/// The lock of `m`, recovered if poisoned (it is never held across anything that panics);
/// `None` if it stays busy for [`LOCK_SPINS`] spins and [`LOCK_YIELDS`] yields. For locks
/// held only for moments, that a `fork` child may find held forever (by a thread it does not
/// have): the configuration's file caches and the answer cache.
pub(crate) fn lock_briefly<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    for i in 0..LOCK_SPINS + LOCK_YIELDS {
        match m.try_lock() {
            Ok(g) => return Some(g),
            Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => {
                if i < LOCK_SPINS {
                    std::hint::spin_loop();
                } else {
                    crate::sys::yield_now();
                }
            }
        }
    }
    None
}

fn stat(path: &CStr) -> Option<Stamp> {
    crate::sys::file::stat(path).map(Stamp)
}

/// The file's first `max` bytes; empty when it is missing, unreadable or not a regular file
/// (a FIFO or device could block or never end).
fn read_capped(path: &Path, stamp: Option<Stamp>, max: u64) -> Vec<u8> {
    match stamp {
        Some(Stamp(s)) if s.regular => {}
        _ => return Vec::new(),
    }
    let Ok(f) = File::open(path) else {
        return Vec::new();
    };
    let mut buf = Vec::new();
    match f.take(max).read_to_end(&mut buf) {
        Ok(_) => buf,
        Err(_) => Vec::new(),
    }
}

/// The cached form of resolv.conf: the parse, shared as is when no variable changes it.
#[derive(Debug)]
struct ResolvFile {
    conf: Arc<ResolvConf>,
    has_search_line: bool,
}

fn parse_resolv(text: &[u8]) -> ResolvFile {
    let p = resolv_conf::parse_full(text);
    ResolvFile {
        conf: Arc::new(p.conf),
        has_search_line: p.has_search_line,
    }
}

static RESOLV_CONF: FileCache<ResolvFile> =
    FileCache::new_static(RESOLV_CONF_PATH, parse_resolv, RESOLV_CONF_MAX_BYTES);
static HOSTS: FileCache<Hosts> = FileCache::new_static(HOSTS_PATH, Hosts::parse, HOSTS_MAX_BYTES);
static HOSTS_GLIBC: FileCache<Hosts> =
    FileCache::new_static(HOSTS_PATH, Hosts::parse_glibc, HOSTS_MAX_BYTES);
static SERVICES: FileCache<Services> =
    FileCache::new_static(SERVICES_PATH, Services::parse, SERVICES_MAX_BYTES);

/// The file's configuration with the environment applied, in glibc's order: `LOCALDOMAIN`
/// replaces the search list; without it and without a `search`/`domain` line, the host name's
/// domain (glibc only, `hostname_domain` is called only then); then `RES_OPTIONS`.
fn effective(
    file: &ResolvFile,
    localdomain: Option<String>,
    res_options: Option<String>,
    hostname_domain: impl FnOnce() -> Option<String>,
) -> Arc<ResolvConf> {
    let host_domain = if localdomain.is_none() && !file.has_search_line {
        hostname_domain()
    } else {
        None
    };
    if localdomain.is_none() && res_options.is_none() && host_domain.is_none() {
        return Arc::clone(&file.conf);
    }
    let mut conf = ResolvConf::clone(&file.conf);
    if let Some(d) = host_domain {
        conf.search = vec![d];
    }
    conf.apply_env(localdomain.as_deref(), res_options.as_deref());
    Arc::new(conf)
}

pub(super) fn resolv_conf() -> Arc<ResolvConf> {
    let file = RESOLV_CONF.get();
    effective(&file, env::localdomain(), env::res_options(), || {
        if env::compat_glibc() {
            resolv_conf::hostname_domain()
        } else {
            None
        }
    })
}

pub(super) fn hosts() -> Arc<Hosts> {
    HOSTS.get()
}

pub(super) fn hosts_glibc() -> Arc<Hosts> {
    HOSTS_GLIBC.get()
}

pub(super) fn services() -> Arc<Services> {
    SERVICES.get()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    /// A fresh path under the temp directory, removed on drop.
    struct TempPath(PathBuf);

    impl TempPath {
        fn new(tag: &str) -> TempPath {
            static N: AtomicU32 = AtomicU32::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let p = std::env::temp_dir().join(format!(
                "dnsshim-config-{}-{}-{}",
                std::process::id(),
                tag,
                n
            ));
            let _ = std::fs::remove_file(&p);
            let _ = std::fs::remove_dir(&p);
            TempPath(p)
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
            let _ = std::fs::remove_dir(&self.0);
        }
    }

    fn text(b: &[u8]) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    #[test]
    fn rereads_on_change_only() {
        let t = TempPath::new("change");
        std::fs::write(&t.0, "one").unwrap();
        let c = FileCache::new(&t.0, text, 1024);
        let a = c.get();
        assert_eq!(*a, "one");
        let b = c.get();
        assert!(Arc::ptr_eq(&a, &b), "unchanged file must not be re-parsed");

        std::fs::write(&t.0, "second").unwrap();
        assert_eq!(*c.get(), "second");

        // Replaced by rename (new inode), same size.
        let t2 = TempPath::new("change-new");
        std::fs::write(&t2.0, "thirds").unwrap();
        std::fs::rename(&t2.0, &t.0).unwrap();
        assert_eq!(*c.get(), "thirds");

        std::fs::remove_file(&t.0).unwrap();
        assert_eq!(*c.get(), "");
        let e1 = c.get();
        let e2 = c.get();
        assert!(Arc::ptr_eq(&e1, &e2), "a missing file is cached too");

        std::fs::write(&t.0, "back").unwrap();
        assert_eq!(*c.get(), "back");
    }

    #[test]
    fn watched_files_move_the_generation() {
        assert!(FileCache::new_static(RESOLV_CONF_PATH, text, 1).watched());
        assert!(FileCache::new_static(HOSTS_PATH, text, 1).watched());
        assert!(!FileCache::new_static(SERVICES_PATH, text, 1).watched());
        let t = TempPath::new("generation");
        std::fs::write(&t.0, "one").unwrap();
        let mut c = FileCache::new(&t.0, text, 1024);
        c.watched = true;
        // The first read is no change; the same file again neither. (Other tests may move the
        // counter too: only its growth is asserted.)
        let g0 = generation();
        assert_eq!(*c.get(), "one");
        assert_eq!(*c.get(), "one");
        std::fs::write(&t.0, "second").unwrap();
        assert_eq!(*c.get(), "second");
        assert!(generation() > g0);
        let unwatched = FileCache::new(&t.0, text, 1024);
        assert!(!unwatched.watched());
    }

    #[test]
    fn missing_directory_and_dir() {
        let c = FileCache::new(
            "/nonexistent-dir-dnsshim/resolv.conf",
            resolv_conf::parse,
            1024,
        );
        assert_eq!(*c.get(), ResolvConf::default());
        let t = TempPath::new("dir");
        std::fs::create_dir(&t.0).unwrap();
        let c = FileCache::new(&t.0, resolv_conf::parse, 1024);
        assert_eq!(c.get().nameservers, ResolvConf::default().nameservers);
        let c = FileCache::new(t.0.join("x"), Hosts::parse, 1024);
        assert!(c.get().entries.is_empty());
    }

    #[test]
    fn size_cap() {
        let t = TempPath::new("cap");
        std::fs::write(&t.0, "0123456789").unwrap();
        let c = FileCache::new(&t.0, text, 4);
        assert_eq!(*c.get(), "0123");
    }

    #[test]
    fn resolv_file_through_cache() {
        let t = TempPath::new("resolv");
        std::fs::write(&t.0, "nameserver 192.0.2.1\nsearch a.example\n").unwrap();
        let c = FileCache::new(&t.0, parse_resolv, RESOLV_CONF_MAX_BYTES);
        let f = c.get();
        assert!(f.has_search_line);
        assert_eq!(f.conf.nameservers, vec!["192.0.2.1:53".parse().unwrap()]);
        std::fs::write(&t.0, "nameserver 192.0.2.2\n").unwrap();
        let f = c.get();
        assert!(!f.has_search_line);
        assert_eq!(f.conf.nameservers, vec!["192.0.2.2:53".parse().unwrap()]);
    }

    #[test]
    fn poisoned_lock_recovers() {
        let t = TempPath::new("poison");
        std::fs::write(&t.0, "v1").unwrap();
        let c = Arc::new(FileCache::new(&t.0, text, 1024));
        assert_eq!(*c.get(), "v1");
        let c2 = Arc::clone(&c);
        let _ = std::thread::spawn(move || {
            let _g = c2.state.lock();
            panic!("poison the lock");
        })
        .join();
        assert!(c.state.is_poisoned());
        assert_eq!(*c.get(), "v1");
        std::fs::write(&t.0, "v22").unwrap();
        assert_eq!(*c.get(), "v22");
    }

    #[test]
    fn held_lock_does_not_block() {
        // What a fork child sees when another thread held the lock at fork time.
        let t = TempPath::new("held");
        std::fs::write(&t.0, "x").unwrap();
        let c = FileCache::new(&t.0, text, 1024);
        let _held = c.state.lock().unwrap();
        assert_eq!(*c.get(), "x");
        assert_eq!(*c.get(), "x");
    }

    #[test]
    fn concurrent_gets() {
        let t = TempPath::new("threads");
        std::fs::write(&t.0, "127.0.0.1 localhost\n").unwrap();
        let c = Arc::new(FileCache::new(&t.0, Hosts::parse, HOSTS_MAX_BYTES));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        assert_eq!(c.get().entries.len(), 1);
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
    }

    fn file(text: &[u8]) -> ResolvFile {
        parse_resolv(text)
    }

    #[test]
    fn environment_on_top() {
        let f = file(b"nameserver 192.0.2.1\nsearch a.example\noptions ndots:2\n");
        let unchanged = effective(&f, None, None, || panic!("not consulted"));
        assert!(Arc::ptr_eq(&unchanged, &f.conf));

        let c = effective(&f, Some("x.example y.example".into()), None, || panic!());
        assert_eq!(c.search, vec!["x.example", "y.example"]);
        assert_eq!(c.ndots, 2);

        let c = effective(&f, None, Some("ndots:4 use-vc".into()), || panic!());
        assert_eq!(c.search, vec!["a.example"]);
        assert_eq!(c.ndots, 4);
        assert!(c.use_vc);
    }

    #[test]
    fn hostname_domain_only_without_search() {
        let f = file(b"nameserver 192.0.2.1\n");
        let c = effective(&f, None, None, || Some("corp.example".into()));
        assert_eq!(c.search, vec!["corp.example"]);
        let c = effective(&f, None, None, || None);
        assert!(Arc::ptr_eq(&c, &f.conf));
        // LOCALDOMAIN, even empty, wins.
        let c = effective(&f, Some(String::new()), None, || panic!());
        assert!(c.search.is_empty());
        // `search .` is a search line: no host-name domain.
        let f = file(b"search .\n");
        let c = effective(&f, None, None, || panic!());
        assert!(c.search.is_empty());
    }

    #[test]
    fn system_accessors_do_not_panic() {
        let r = resolv_conf();
        assert!(!r.nameservers.is_empty() && r.nameservers.len() <= resolv_conf::MAXNS);
        let _ = hosts();
        let _ = services();
    }
}
