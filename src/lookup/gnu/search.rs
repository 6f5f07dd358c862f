//! glibc's search list (`__res_context_search` and `__res_context_querydomain`,
//! `resolv/res_query.c`): the one order in which `res_search`, the `dns` module
//! (`gethostbyname`, `getaddrinfo`) and the `dnsshim resolve` command try the names a name
//! stands for, and the `h_errno` a search that finds nothing leaves.

use crate::config::{hostaliases, ResolvConf};
use crate::Error;
use std::borrow::{Borrow, Cow};

/// Longest name in presentation form `res_querydomain` accepts (`MAXDNAME`, `<arpa/nameser.h>`).
pub(crate) const MAXDNAME: usize = 1025;

/// One try of a search, as the search reads it.
pub(crate) trait Try {
    /// The `h_errno` the try set: `None` when it found the name.
    fn failure(&self) -> Option<Error>;
    /// It failed with a SERVFAIL response (the search goes on to the next domain).
    fn servfail(&self) -> bool {
        false
    }
}

impl<T> Try for crate::Result<T> {
    fn failure(&self) -> Option<Error> {
        self.as_ref().err().copied()
    }
}

/// A name a search takes: text (the lookups, the command) or bytes (`res_search`'s caller's).
pub(crate) trait Name: ToOwned + AsRef<[u8]> {
    /// A search domain as such a name.
    fn of(domain: &str) -> &Self;
    /// `self.domain`.
    fn join(&self, domain: &Self) -> Self::Owned;
    /// A name from the `HOSTALIASES` file.
    fn from_alias(alias: String) -> Self::Owned;
    /// The name as text, when it is (for the `HOSTALIASES` file).
    fn text(&self) -> Option<&str>;
}

impl Name for str {
    fn of(domain: &str) -> &str {
        domain
    }
    fn join(&self, domain: &str) -> String {
        let mut s = String::with_capacity(self.len() + 1 + domain.len());
        s.push_str(self);
        s.push('.');
        s.push_str(domain);
        s
    }
    fn from_alias(alias: String) -> String {
        alias
    }
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Name for [u8] {
    fn of(domain: &str) -> &[u8] {
        domain.as_bytes()
    }
    fn join(&self, domain: &[u8]) -> Vec<u8> {
        [self, b".", domain].concat()
    }
    fn from_alias(alias: String) -> Vec<u8> {
        alias.into_bytes()
    }
    fn text(&self) -> Option<&str> {
        std::str::from_utf8(self).ok()
    }
}

/// A full name of a search as a question's name: without its trailing dot (the same
/// question), the root as `.`.
pub(crate) fn question_name(full: &str) -> &str {
    match full.strip_suffix('.') {
        Some(b) if !b.is_empty() => b,
        _ => full,
    }
}

/// How a search ended.
pub(crate) struct Searched<'a, N: Name + ?Sized, T> {
    /// The try that found the name, or the last one that failed.
    pub(crate) last: T,
    /// The full name that try asked.
    pub(crate) name: Cow<'a, N>,
    /// When nothing was found, the `h_errno` the search leaves: the first try's when the name
    /// was tried as given first, else `NO_DATA` if any domain had the name without data, else
    /// `TRY_AGAIN` if any answered SERVFAIL, else the last try's. When found, what the tries
    /// before left in the thread's `h_errno` (`HOST_NOT_FOUND`, set before the first).
    pub(crate) h_errno: Error,
}

impl<N: Name + ?Sized, T: Try> Searched<'_, N, T> {
    /// Whether the search found the name.
    pub(crate) fn found(&self) -> bool {
        self.last.failure().is_none()
    }
}

/// A try's end: `Err` with the search's end when it found the name; else its `h_errno`, which
/// is now the thread's, and the try (with the name it asked) kept as the last.
fn tried<'a, N: Name + ?Sized, T: Try>(
    t: T,
    name: Cow<'a, N>,
    thread: &mut Error,
    last: &mut Option<(T, Cow<'a, N>)>,
) -> Result<Error, Searched<'a, N, T>> {
    match t.failure() {
        None => Err(Searched {
            last: t,
            name,
            h_errno: *thread,
        }),
        Some(h) => {
            *thread = h;
            *last = Some((t, name));
            Ok(h)
        }
    }
}

/// `__res_context_querydomain`'s name: `name.domain`, or `name` alone for no domain; `None`
/// (`NO_RECOVERY`) when it is empty or would be `MAXDNAME` bytes or longer.
pub(crate) fn querydomain<'a, N: Name + ?Sized>(
    name: &'a N,
    domain: Option<&N>,
) -> Option<Cow<'a, N>> {
    let len = name.as_ref().len();
    match domain {
        // glibc decrements the length first (catching "" as a wrap-around).
        None => (len != 0 && len < MAXDNAME).then_some(Cow::Borrowed(name)),
        Some(d) => (len + d.as_ref().len() + 1 < MAXDNAME).then(|| Cow::Owned(name.join(d))),
    }
}

/// `__res_context_search(name)`: a name without dots that `HOSTALIASES` names is asked as its
/// alias alone; otherwise the name as given first when it has at least `ndots` dots or ends
/// with a dot (then nothing else), then, unless it ends with a dot, each search domain (on to
/// the next after NXDOMAIN, NODATA or SERVFAIL, stopping at any other failure), then the name
/// as given if not tried yet, unless `no-tld-query` bars a single label once a domain was
/// tried. `query` asks one full name; `refused` is the try of a name too long for
/// [`querydomain`] (`NO_RECOVERY`). An error of `query` ends the search with it.
pub(crate) fn res_search<'a, N: Name + ?Sized, T: Try>(
    conf: &ResolvConf,
    name: &'a N,
    mut query: impl FnMut(&N) -> crate::Result<T>,
    refused: impl Fn(Error) -> T,
) -> crate::Result<Searched<'a, N, T>> {
    // One try: `name.domain` (or `name` alone) asked, or refused as too long.
    let mut ask = |domain: Option<&N>| -> crate::Result<(T, Cow<'a, N>)> {
        match querydomain(name, domain) {
            Some(full) => Ok((query(&full)?, full)),
            None => Ok((refused(Error::Fail), Cow::Borrowed(name))),
        }
    };
    let bytes = name.as_ref();
    let dots = bytes.iter().filter(|&&b| b == b'.').count() as u32;
    let trailing_dot = bytes.last() == Some(&b'.');
    // h_errno is HOST_NOT_FOUND before any query.
    let mut thread = Error::NotFound;
    if dots == 0 {
        if let Some(alias) = name.text().and_then(hostaliases::lookup) {
            let alias = N::from_alias(alias);
            let last = query(alias.borrow())?;
            let h_errno = last.failure().unwrap_or(thread);
            let name = Cow::Owned(alias);
            return Ok(Searched {
                last,
                name,
                h_errno,
            });
        }
    }
    let mut saved = None;
    let mut last = None;
    if dots >= conf.ndots || trailing_dot {
        let (t, full) = ask(None)?;
        match tried(t, full, &mut thread, &mut last) {
            Err(found) => return Ok(found),
            // With a trailing dot nothing else is tried: this h_errno is the search's.
            Ok(h) => saved = Some(h),
        }
    }
    let mut searched = false;
    let mut root_on_list = false;
    let mut got_nodata = false;
    let mut got_servfail = false;
    if !trailing_dot {
        for d in &conf.search {
            searched = true;
            // A leading dot is dropped ("name." is asked for the root).
            let d = d.strip_prefix('.').unwrap_or(d);
            root_on_list |= d.is_empty();
            let (t, full) = ask(Some(N::of(d)))?;
            let servfail = t.servfail();
            let go_on = match tried(t, full, &mut thread, &mut last) {
                Err(found) => return Ok(found),
                Ok(Error::NoData) => {
                    got_nodata = true;
                    true
                }
                Ok(Error::NotFound) => true,
                Ok(Error::TryAgain) if servfail => {
                    got_servfail = true;
                    true
                }
                Ok(_) => false,
            };
            if !go_on {
                break;
            }
        }
    }
    // glibc: `(dots || !searched || !RES_NOTLDQUERY) && !(tried_as_is || root_on_list)`.
    let no_tld = dots == 0 && searched && conf.no_tld_query;
    if !(saved.is_some() || root_on_list || no_tld) {
        let (t, full) = ask(None)?;
        if let Err(found) = tried(t, full, &mut thread, &mut last) {
            return Ok(found);
        }
    }
    let h_errno = match saved {
        Some(h) => h,
        None if got_nodata => Error::NoData,
        None if got_servfail => Error::TryAgain,
        None => thread,
    };
    let (last, name) = last.unwrap_or_else(|| (refused(h_errno), Cow::Borrowed(name)));
    Ok(Searched {
        last,
        name,
        h_errno,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A try: the name asked and its h_errno (`None`: found).
    #[derive(Debug, Clone)]
    struct Asked(String, Option<Error>, bool);

    impl Try for Asked {
        fn failure(&self) -> Option<Error> {
            self.1
        }
        fn servfail(&self) -> bool {
            self.2
        }
    }

    fn conf(search: &[&str], ndots: u32) -> ResolvConf {
        let mut c = ResolvConf::parse(b"");
        c.search = search.iter().map(|s| s.to_string()).collect();
        c.ndots = ndots;
        c
    }

    /// The names tried for `name` when every try fails with `h` (SERVFAIL when `servfail`),
    /// and the search's h_errno.
    fn tried(c: &ResolvConf, name: &str, h: Error, servfail: bool) -> (Vec<String>, Error) {
        let mut asked = Vec::new();
        let s = res_search(
            c,
            name,
            |n: &str| {
                asked.push(n.to_string());
                Ok(Asked(n.to_string(), Some(h), servfail))
            },
            |h| Asked(String::new(), Some(h), false),
        )
        .unwrap();
        assert!(!s.found());
        (asked, s.h_errno)
    }

    #[test]
    fn order() {
        let c = conf(&["a.test", "b.test"], 1);
        let nx = Error::NotFound;
        assert_eq!(
            tried(&c, "web", nx, false).0,
            ["web.a.test", "web.b.test", "web"]
        );
        assert_eq!(
            tried(&c, "web.x", nx, false).0,
            ["web.x", "web.x.a.test", "web.x.b.test"]
        );
        assert_eq!(tried(&c, "web.", nx, false).0, ["web."]);
        // A leading dot on a domain is dropped.
        let c = conf(&[".a.test"], 1);
        assert_eq!(tried(&c, "web", nx, false).0, ["web.a.test", "web"]);
    }

    #[test]
    fn no_tld_query() {
        let mut c = conf(&["a.test"], 1);
        c.no_tld_query = true;
        let nx = Error::NotFound;
        assert_eq!(tried(&c, "web", nx, false).0, ["web.a.test"]);
        assert_eq!(tried(&c, "web.x", nx, false).0, ["web.x", "web.x.a.test"]);
        // Without a search list nothing was searched: the name as it is.
        let mut c = conf(&[], 1);
        c.no_tld_query = true;
        assert_eq!(tried(&c, "web", nx, false).0, ["web"]);
    }

    #[test]
    fn failures() {
        let c = conf(&["a.test", "b.test"], 1);
        // NODATA goes on and is what is reported (tried as given first: that try's code).
        assert_eq!(tried(&c, "web", Error::NoData, false).1, Error::NoData);
        assert_eq!(tried(&c, "web.x", Error::NoData, false).1, Error::NoData);
        // A timeout stops the list (the name as given is still asked); SERVFAIL goes on.
        let (a, h) = tried(&c, "web", Error::TryAgain, false);
        assert_eq!(
            (a, h),
            (vec!["web.a.test".into(), "web".into()], Error::TryAgain)
        );
        let (a, h) = tried(&c, "web", Error::TryAgain, true);
        assert_eq!(a.len(), 3);
        assert_eq!(h, Error::TryAgain);
        // Any other failure stops too; the last try's code.
        assert_eq!(tried(&c, "web", Error::Fail, false).1, Error::Fail);
    }

    #[test]
    fn found_leaves_the_previous_failure() {
        let c = conf(&["a.test", "b.test"], 1);
        let s = res_search(
            &c,
            &b"web"[..],
            |n: &[u8]| {
                let found = n == b"web.b.test";
                let h = (!found).then_some(Error::NoData);
                Ok(Asked(String::from_utf8(n.to_vec()).unwrap(), h, false))
            },
            |h| Asked(String::new(), Some(h), false),
        )
        .unwrap();
        assert!(s.found());
        assert_eq!(s.last.0, "web.b.test");
        assert_eq!(s.h_errno, Error::NoData);
    }

    #[test]
    fn querydomain_lengths() {
        assert_eq!(querydomain("a", Some("b")).as_deref(), Some("a.b"));
        assert_eq!(
            querydomain(&b"a"[..], Some(&b"\xff"[..])).as_deref(),
            Some(&b"a.\xff"[..])
        );
        assert_eq!(querydomain(&b"a."[..], None).as_deref(), Some(&b"a."[..]));
        assert!(querydomain("", None).is_none());
        let long = "a".repeat(MAXDNAME - 1);
        assert!(querydomain(long.as_str(), None).is_some());
        assert!(querydomain(format!("{long}a").as_str(), None).is_none());
        assert!(querydomain(&long[1..], Some("b")).is_none());
        assert!(querydomain(&long[2..], Some("b")).is_some());
    }
}
