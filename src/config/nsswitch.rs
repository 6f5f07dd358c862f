//! `/etc/nsswitch.conf`: the `hosts:` line, read as glibc 2.36 reads it (`nss/nss_database.c`,
//! `nss/nss_action_parse.c`).
//!
//! - A line is `DATABASE: SOURCE [CRITERIA] SOURCE ...`: blanks before the database name are
//!   skipped, the name ends at a blank or `:`, every blank and `:` after it is skipped. Lines
//!   of databases glibc does not know (`sudoers:`, `automount:`) and lines without a `:` are
//!   ignored; a later line of the same database replaces an earlier one.
//! - A source name is any run of bytes up to a blank or `[` (`files`, `dns`, `mdns4_minimal`;
//!   there are no comments: a `#` after the sources is read as a source named `#`, as glibc
//!   does). Each source returns on SUCCESS and continues otherwise, unless its criteria say
//!   otherwise: `[STATUS=ACTION ...]`, STATUS one of `SUCCESS`, `NOTFOUND`, `UNAVAIL`,
//!   `TRYAGAIN`, ACTION one of `return`, `continue`, `merge` (any case); `!STATUS=ACTION` sets
//!   every other status.
//! - A criterion glibc cannot read, in the line of any database it knows, fails the whole file:
//!   glibc then fails every lookup ([`Hosts::Invalid`]).
//! - No file, or no `hosts:` line: glibc's default, `files dns` ([`DEFAULT_HOSTS`]).
//! - Re-read when the file changes, like the other files ([`super::FileCache`]), except that
//!   once `/` is another directory than at the last read (the process entered a chroot or a
//!   container), the line in hand is kept for good, as glibc keeps it.

use super::cache::FileCache;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The file (glibc `_PATH_NSSWITCH_CONF`).
pub const NSSWITCH_CONF_PATH: &str = "/etc/nsswitch.conf";
/// How much of the file we read (ours: real files are about a kilobyte).
const NSSWITCH_CONF_MAX_BYTES: u64 = 1 << 20;

/// glibc 2.36's line for `hosts` when the file has none (`nss_database.c`,
/// `nss_database_default_dns`; before 2.33 it was `dns [!UNAVAIL=return] files`).
pub const DEFAULT_HOSTS: &str = "files dns";

/// The databases glibc 2.36 knows (`nss/databases.def`): only their lines are read.
const DATABASES: [&str; 17] = [
    "aliases",
    "ethers",
    "group",
    "group_compat",
    "gshadow",
    "hosts",
    "initgroups",
    "netgroup",
    "networks",
    "passwd",
    "passwd_compat",
    "protocols",
    "publickey",
    "rpc",
    "services",
    "shadow",
    "shadow_compat",
];

/// What a source says about a lookup (glibc's `enum nss_status`, without the internal
/// `NSS_STATUS_RETURN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    TryAgain,
    Unavail,
    NotFound,
    Success,
}

impl Status {
    /// glibc's `nss_status` value (`TRYAGAIN` -2 ... `SUCCESS` 1).
    pub fn from_c(v: i32) -> Option<Status> {
        match v {
            -2 => Some(Status::TryAgain),
            -1 => Some(Status::Unavail),
            0 => Some(Status::NotFound),
            1 => Some(Status::Success),
            _ => None,
        }
    }

    fn index(self) -> usize {
        match self {
            Status::TryAgain => 0,
            Status::Unavail => 1,
            Status::NotFound => 2,
            Status::Success => 3,
        }
    }
}

/// What to do after a source answered with some status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Continue,
    Return,
    Merge,
}

/// Who answers: the library's own `files` and `dns`, or the NSS module of another name
/// (`libnss_NAME.so.2`). Names are bytes, compared exactly, as glibc compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Files,
    Dns,
    Module(Vec<u8>),
}

impl Source {
    fn from_name(name: &[u8]) -> Source {
        match name {
            b"files" => Source::Files,
            b"dns" => Source::Dns,
            other => Source::Module(other.to_vec()),
        }
    }

    /// The name as nsswitch.conf writes it.
    pub fn name(&self) -> &[u8] {
        match self {
            Source::Files => b"files",
            Source::Dns => b"dns",
            Source::Module(n) => n,
        }
    }
}

/// One source of a line and what follows each of its statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub source: Source,
    /// By [`Status::index`].
    actions: [Action; 4],
}

impl Service {
    /// A source with glibc's default criteria: return on SUCCESS, continue otherwise.
    pub fn new(source: Source) -> Service {
        let mut actions = [Action::Continue; 4];
        actions[Status::Success.index()] = Action::Return;
        Service { source, actions }
    }

    /// What follows `status` (glibc `nss_next_action`).
    pub fn action(&self, status: Status) -> Action {
        self.actions[status.index()]
    }

    /// The same source with `status` followed by `action`.
    pub fn with(mut self, status: Status, action: Action) -> Service {
        self.actions[status.index()] = action;
        self
    }
}

/// The `hosts` sources in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hosts {
    /// The sources in order (none at all for a `hosts:` line without any).
    Line(Vec<Service>),
    /// The file has a line glibc cannot read: every lookup fails, as in glibc
    /// (`__nss_database_get` fails, so the lookup has no service).
    Invalid,
}

/// `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t'..=b'\r')
}

/// `nss_action_parse`: the sources of one line after `DATABASE:`; `None` where glibc's parser
/// fails.
pub fn parse_sources(line: &[u8]) -> Option<Vec<Service>> {
    let mut s = Cursor { b: line, i: 0 };
    let mut out = Vec::new();
    loop {
        s.skip_ws();
        let name = s.take_while(|b| !is_space(b) && b != b'[');
        if name.is_empty() {
            return Some(out);
        }
        let mut service = Service::new(Source::from_name(name));
        s.skip_ws();
        if s.peek() == Some(b'[') {
            s.i += 1;
            s.skip_ws();
            loop {
                let not = s.peek() == Some(b'!');
                if not {
                    s.i += 1;
                }
                let status = match s.take_while(|b| !is_space(b) && b != b'=' && b != b']') {
                    n if n.eq_ignore_ascii_case(b"SUCCESS") => Status::Success,
                    n if n.eq_ignore_ascii_case(b"UNAVAIL") => Status::Unavail,
                    n if n.eq_ignore_ascii_case(b"NOTFOUND") => Status::NotFound,
                    n if n.eq_ignore_ascii_case(b"TRYAGAIN") => Status::TryAgain,
                    _ => return None,
                };
                s.skip_ws();
                if s.peek() != Some(b'=') {
                    return None;
                }
                s.i += 1;
                s.skip_ws();
                let action = match s.take_while(|b| !is_space(b) && b != b'=' && b != b']') {
                    n if n.eq_ignore_ascii_case(b"RETURN") => Action::Return,
                    n if n.eq_ignore_ascii_case(b"CONTINUE") => Action::Continue,
                    n if n.eq_ignore_ascii_case(b"MERGE") => Action::Merge,
                    _ => return None,
                };
                if not {
                    let keep = service.action(status);
                    service.actions = [action; 4];
                    service.actions[status.index()] = keep;
                } else {
                    service.actions[status.index()] = action;
                }
                s.skip_ws();
                if s.peek() == Some(b']') {
                    s.i += 1;
                    break;
                }
            }
        }
        out.push(service);
    }
}

/// A read position in a line; the line ends at its end or at a NUL (glibc reads C strings).
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied().filter(|&b| b != 0)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.i += 1;
        }
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
        &self.b[start..self.i]
    }
}

/// The file's text to the `hosts` sources (`nss_database_reload`: every line through
/// `process_line`, then the default for a database without a line).
pub fn parse(text: &[u8]) -> Hosts {
    let mut hosts = None;
    // Lines keep their newline, as `getline` gives them: `hosts` alone on a line is a hosts
    // line without sources, at the very end of the file (no newline) no line at all.
    for line in text.split_inclusive(|&b| b == b'\n') {
        let mut s = Cursor { b: line, i: 0 };
        s.skip_ws();
        let name = s.take_while(|b| !is_space(b) && b != b':');
        if s.peek().is_none() || name.is_empty() {
            continue;
        }
        while s.peek().is_some_and(|b| is_space(b) || b == b':') {
            s.i += 1;
        }
        if !DATABASES.iter().any(|d| d.as_bytes() == name) {
            continue;
        }
        let Some(sources) = parse_sources(&line[s.i..]) else {
            return Hosts::Invalid;
        };
        if name == b"hosts" {
            hosts = Some(sources);
        }
    }
    Hosts::Line(hosts.unwrap_or_else(default_hosts))
}

/// [`DEFAULT_HOSTS`], parsed.
pub fn default_hosts() -> Vec<Service> {
    vec![Service::new(Source::Files), Service::new(Source::Dns)]
}

static FILE: FileCache<Hosts> =
    FileCache::new_static(NSSWITCH_CONF_PATH, parse, NSSWITCH_CONF_MAX_BYTES);

/// `/`'s device and inode at the last read (0, 0: not known), and whether reading stopped.
static ROOT_DEV: AtomicU64 = AtomicU64::new(0);
static ROOT_INO: AtomicU64 = AtomicU64::new(0);
static PINNED: AtomicBool = AtomicBool::new(false);

/// `/`'s device and inode.
fn root() -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata("/").ok()?;
    Some((m.dev(), m.ino()))
}

/// Whether to keep the line in hand rather than read the changed file
/// (`nss_database_check_reload_and_get`): with a line in hand, when `/` cannot be read or is
/// not the one of the last read. `/` is noted at every read.
fn keep_line(cached: bool, now: Option<(u64, u64)>) -> bool {
    if PINNED.load(Ordering::Relaxed) {
        return cached;
    }
    let last = (
        ROOT_DEV.load(Ordering::Relaxed),
        ROOT_INO.load(Ordering::Relaxed),
    );
    if cached && (now.is_none() || (last != (0, 0) && Some(last) != now)) {
        PINNED.store(true, Ordering::Relaxed);
        return true;
    }
    if let Some((dev, ino)) = now {
        ROOT_DEV.store(dev, Ordering::Relaxed);
        ROOT_INO.store(ino, Ordering::Relaxed);
    }
    false
}

/// The `hosts` sources in effect: one `stat` per call, the file read again only when it
/// changed (and `/` did not).
pub fn hosts() -> Arc<Hosts> {
    FILE.get_unless(|cached| keep_line(cached, root()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Vec<Service> {
        match parse(text.as_bytes()) {
            Hosts::Line(l) => l,
            Hosts::Invalid => panic!("{text:?} is invalid"),
        }
    }

    fn module(n: &str) -> Service {
        Service::new(Source::Module(n.as_bytes().to_vec()))
    }

    #[test]
    fn sources_and_defaults() {
        assert_eq!(
            line("hosts: files myhostname dns\n"),
            [
                Service::new(Source::Files),
                module("myhostname"),
                Service::new(Source::Dns)
            ]
        );
        // Missing file (read as empty), no hosts line, another database's line only.
        assert_eq!(line(""), default_hosts());
        assert_eq!(line("passwd: files\n"), default_hosts());
        assert_eq!(
            parse_sources(DEFAULT_HOSTS.as_bytes()),
            Some(default_hosts())
        );
        // A line without sources: no service at all.
        assert_eq!(line("hosts:\n"), []);
        assert_eq!(line("hosts:    \n"), []);
        // The last line of a database wins; blanks and colons around the name.
        assert_eq!(
            line("hosts: dns\n  \thosts :: files\n"),
            [Service::new(Source::Files)]
        );
        assert_eq!(line("hosts:files"), [Service::new(Source::Files)]);
        // Names are exact: case matters, unknown databases and lines without ':' are skipped.
        assert_eq!(line("Hosts: dns\n"), default_hosts());
        assert_eq!(line("hosts dns\n"), [Service::new(Source::Dns)]);
        assert_eq!(line("hosts\n"), []);
        assert_eq!(line("hosts"), default_hosts());
        assert_eq!(line("hosts:"), []);
        assert_eq!(
            line("sudoers: [bogus\nhosts: dns\n"),
            [Service::new(Source::Dns)]
        );
        assert_eq!(line("hosts: Files\n"), [module("Files")]);
        // No comments: `#` is a source name.
        assert_eq!(
            line("# hosts: dns\nhosts: files # dns\n"),
            [
                Service::new(Source::Files),
                module("#"),
                Service::new(Source::Dns)
            ]
        );
        // A NUL ends the line.
        assert_eq!(line("hosts: files\0 dns\n"), [Service::new(Source::Files)]);
        // \v and \f are blanks, as for isspace.
        assert_eq!(
            line("hosts:\x0bfiles\x0cdns\r\n"),
            [Service::new(Source::Files), Service::new(Source::Dns)]
        );
    }

    #[test]
    fn criteria() {
        let l = line("hosts: mdns4_minimal [NOTFOUND=return] dns\n");
        assert_eq!(l[0].action(Status::NotFound), Action::Return);
        assert_eq!(l[0].action(Status::Success), Action::Return);
        assert_eq!(l[0].action(Status::Unavail), Action::Continue);
        assert_eq!(l[0].action(Status::TryAgain), Action::Continue);
        assert_eq!(l[1], Service::new(Source::Dns));

        // `!STATUS=ACTION`: every other status, this one kept.
        let l = line("hosts: resolve [!UNAVAIL=return] files\n");
        assert_eq!(l[0].action(Status::Unavail), Action::Continue);
        for s in [Status::Success, Status::NotFound, Status::TryAgain] {
            assert_eq!(l[0].action(s), Action::Return);
        }
        let l = line("hosts: a [!success=continue] b\n");
        assert_eq!(l[0].action(Status::Success), Action::Return);
        assert_eq!(l[0].action(Status::NotFound), Action::Continue);

        // Any case, blanks anywhere inside, several criteria, no blank after `]`.
        let l = line("hosts: files[ success = Continue\tnotfound=MERGE ]dns\n");
        assert_eq!(l[0].source, Source::Files);
        assert_eq!(l[0].action(Status::Success), Action::Continue);
        assert_eq!(l[0].action(Status::NotFound), Action::Merge);
        assert_eq!(l[1].source, Source::Dns);

        // Later criteria win.
        let l = line("hosts: files [NOTFOUND=return NOTFOUND=continue]\n");
        assert_eq!(l[0], Service::new(Source::Files));
    }

    #[test]
    fn criteria_glibc_cannot_read_fail_the_file() {
        for bad in [
            "hosts: files [NOTFOUND=return\n",
            "hosts: files [NOTFOUND]\n",
            "hosts: files [NOTFOUND=stop]\n",
            "hosts: files [FOUND=return]\n",
            "hosts: files []\n",
            "hosts: files [NOTFOUND==return]\n",
            "hosts: files [=return]\n",
            // Another database's line fails the file too.
            "passwd: files [x=y]\nhosts: files dns\n",
            "hosts: dns\nnetworks: files [SUCCESS=return\n",
        ] {
            assert_eq!(parse(bad.as_bytes()), Hosts::Invalid, "{bad:?}");
        }
    }

    #[test]
    fn root_changes_pin_the_line() {
        // One test owns the statics (no other test reads them).
        PINNED.store(false, Ordering::Relaxed);
        ROOT_DEV.store(0, Ordering::Relaxed);
        ROOT_INO.store(0, Ordering::Relaxed);
        let a = Some((1, 2));
        assert!(!keep_line(false, a), "the first read");
        assert!(!keep_line(true, a), "a change under the same /");
        assert!(!keep_line(true, a));
        assert!(keep_line(true, Some((1, 3))), "another /");
        assert!(PINNED.load(Ordering::Relaxed));
        assert!(keep_line(true, a), "for good");
        PINNED.store(false, Ordering::Relaxed);
        assert!(keep_line(true, None), "/ unreadable");
        PINNED.store(false, Ordering::Relaxed);
        // Nothing in hand: read, whatever / is.
        assert!(!keep_line(false, Some((9, 9))));
        assert!(!keep_line(false, None));
        PINNED.store(false, Ordering::Relaxed);
    }

    #[test]
    fn the_system_file_reads() {
        let _ = hosts();
    }
}
