//! The walk of the `getXXbyYY_r` functions against scripted sources, and a module call's
//! buffer growth.

use super::super::nss::{
    call_growing, erange, Answer, Entry, Modules, Query, FIRST_MODULE_BUFFER, MAX_MODULE_BUFFER,
};
use super::*;
use crate::config::nsswitch::{parse, Hosts};
use crate::sys::ECONNREFUSED;

fn line(text: &str) -> Vec<Service> {
    match parse(format!("hosts: {text}\n").as_bytes()) {
        Hosts::Line(l) => l,
        Hosts::Invalid => panic!("invalid"),
    }
}

/// A scripted source: its status and what it does to the variables; `None`: no entry point.
type Script = fn(&mut Vars) -> Status;

fn walk(
    text: &str,
    script: &[(&str, Option<Script>)],
    start: Vars,
) -> (Vec<String>, Option<Error>, Vars) {
    let services = line(text);
    let find = |s: &Service| {
        script
            .iter()
            .find(|(n, _)| n.as_bytes() == s.source.name())
            .map(|(_, f)| *f)
            .unwrap_or_else(|| panic!("no script for {:?}", s.source))
    };
    struct Scripted<F> {
        find: F,
        called: Vec<String>,
    }
    impl<F: Fn(&Service) -> Option<Script>> Sources for Scripted<F> {
        fn has(&mut self, s: &Service) -> bool {
            (self.find)(s).is_some()
        }
        fn call(&mut self, s: &Service, v: &mut Vars) -> Status {
            self.called
                .push(String::from_utf8_lossy(s.source.name()).into_owned());
            (self.find)(s).unwrap()(v)
        }
    }
    let mut sources = Scripted {
        find,
        called: Vec::new(),
    };
    let mut vars = start;
    let w = walk_r(&services, &mut vars, &mut sources);
    let ret = end_r(w, &mut vars);
    (sources.called, ret, vars)
}

/// Sources that are never asked.
struct Nobody;

impl Sources for Nobody {
    fn has(&mut self, _: &Service) -> bool {
        true
    }
    fn call(&mut self, _: &Service, _: &mut Vars) -> Status {
        unreachable!()
    }
}

/// The caller's errno when the function was called (an odd one: it shows where it is
/// returned), `*h_errnop` not written.
const START: Vars = Vars {
    errno: Some(Error::System(12345)),
    h_errnop: None,
};

const REFUSED: Option<Error> = Some(Error::System(ECONNREFUSED));

fn notfound(v: &mut Vars) -> Status {
    v.h_errnop = Some(Err(Error::NotFound));
    Status::NotFound
}
fn found(_: &mut Vars) -> Status {
    Status::Success
}
fn unavail(v: &mut Vars) -> Status {
    v.errno = REFUSED;
    v.h_errnop = Some(Err(Error::Fail));
    Status::Unavail
}
fn tryagain(v: &mut Vars) -> Status {
    v.errno = Some(Error::TryAgain);
    v.h_errnop = Some(Err(Error::TryAgain));
    Status::TryAgain
}

#[test]
fn sources_in_order_until_success() {
    let s: &[(&str, Option<Script>)] = &[
        ("files", Some(notfound)),
        ("mod", Some(found)),
        ("dns", Some(found)),
    ];
    let (called, ret, v) = walk("files mod dns", s, START);
    assert_eq!(called, ["files", "mod"]);
    assert_eq!((ret, v.errno), (None, None));
    assert_eq!(v.h_errnop, Some(Err(Error::NotFound)));
}

#[test]
fn actions() {
    let s: &[(&str, Option<Script>)] = &[
        ("files", Some(notfound)),
        ("mod", Some(unavail)),
        ("dns", Some(tryagain)),
    ];
    // [NOTFOUND=return] ends the walk with NOTFOUND: 0.
    let (called, ret, v) = walk("files [NOTFOUND=return] mod dns", s, START);
    assert_eq!(called, ["files"]);
    assert_eq!((ret, v.h_errnop), (None, Some(Err(Error::NotFound))));
    // UNAVAIL continues; TRYAGAIN at the end: EAGAIN.
    let (called, ret, _) = walk("files mod dns", s, START);
    assert_eq!(called, ["files", "mod", "dns"]);
    assert_eq!(ret, Some(Error::TryAgain));
    // [!UNAVAIL=return]: UNAVAIL goes on, the others return.
    let (called, ret, v) = walk("mod [!UNAVAIL=return] files", s, START);
    assert_eq!(called, ["mod", "files"]);
    assert_eq!((ret, v.h_errnop), (None, Some(Err(Error::NotFound))));
    let (called, ret, _) = walk("dns [!UNAVAIL=return] files", s, START);
    assert_eq!(called, ["dns"]);
    assert_eq!(ret, Some(Error::TryAgain));
    // The last source UNAVAIL: its errno is returned.
    let (_, ret, v) = walk("files mod", s, START);
    assert_eq!((ret, v.errno), (REFUSED, REFUSED));
    assert_eq!(v.h_errnop, Some(Err(Error::Fail)));
    // [SUCCESS=continue]: the next source's answer counts.
    let s2: &[(&str, Option<Script>)] = &[("files", Some(found)), ("dns", Some(notfound))];
    let (called, _, _) = walk("files [SUCCESS=continue] dns", s2, START);
    assert_eq!(called, ["files", "dns"]);
}

#[test]
fn sources_without_the_entry_are_passed_over() {
    let s: &[(&str, Option<Script>)] = &[
        ("files", Some(notfound)),
        ("gone", None),
        ("dns", Some(found)),
    ];
    let (called, ret, _) = walk("files gone dns", s, START);
    assert_eq!(called, ["files", "dns"]);
    assert_eq!(ret, None);
    // At the end: the walk ends with the last call's status.
    let (called, ret, v) = walk("files gone", s, START);
    assert_eq!(called, ["files"]);
    assert_eq!((ret, v.h_errnop), (None, Some(Err(Error::NotFound))));
    // Alone: no source asked; the caller's errno is returned, NETDB_INTERNAL...
    let (called, ret, v) = walk("gone", s, START);
    assert!(called.is_empty());
    assert_eq!((ret, v.errno), (START.errno, START.errno));
    assert_eq!(v.h_errnop, Some(NETDB_INTERNAL));
    // ... or NO_RECOVERY when errno was ENOENT.
    let enoent = Vars {
        errno: Some(Error::NotFound),
        h_errnop: None,
    };
    let (_, ret, v) = walk("gone", s, enoent);
    assert_eq!(
        (ret, v.h_errnop),
        (Some(Error::NotFound), Some(Err(Error::Fail)))
    );
    // [UNAVAIL=return] on a source without the entry ends the walk there.
    let (called, _, v) = walk("gone [UNAVAIL=return] dns", s, START);
    assert!(called.is_empty());
    assert_eq!(v.h_errnop, Some(NETDB_INTERNAL));
    // No source at all (a `hosts:` line without any).
    let mut v = START;
    let w = walk_r(&[], &mut v, &mut Nobody);
    assert_eq!(end_r(w, &mut v), START.errno);
    assert_eq!(v.h_errnop, Some(NETDB_INTERNAL));
}

#[test]
fn a_buffer_too_small_ends_the_walk() {
    let s: &[(&str, Option<Script>)] = &[("mod", Some(erange)), ("dns", Some(found))];
    let (called, ret, v) = walk("mod dns", s, START);
    assert_eq!(called, ["mod"]);
    assert_eq!(
        (ret, v.errno),
        (Some(Error::Overflow), Some(Error::Overflow))
    );
    assert_eq!(v.h_errnop, Some(NETDB_INTERNAL));
    // ERANGE with another status is EINVAL.
    fn odd(v: &mut Vars) -> Status {
        v.errno = Some(Error::Overflow);
        Status::Unavail
    }
    let s: &[(&str, Option<Script>)] = &[("mod", Some(odd))];
    assert_eq!(walk("mod", s, START).1, Some(Error::System(EINVAL)));
}

#[test]
fn merge_fails_as_in_glibc() {
    let s: &[(&str, Option<Script>)] = &[
        ("files", Some(found)),
        ("mod", Some(found)),
        ("dns", Some(notfound)),
    ];
    // A SUCCESS to merge: UNAVAIL with EINVAL, and the walk goes on; the next SUCCESS fails
    // to merge (UNAVAIL) and continues.
    let (called, ret, _) = walk("files [SUCCESS=merge] mod dns", s, START);
    assert_eq!(called, ["files", "mod", "dns"]);
    assert_eq!(ret, None);
    // A failure after a merge reports the saved SUCCESS.
    let (called, ret, v) = walk("files [SUCCESS=merge] dns", s, START);
    assert_eq!(called, ["files", "dns"]);
    assert_eq!((ret, v.errno), (None, None));
}

#[test]
fn an_unreadable_file_has_no_source() {
    let mut v = START;
    assert!(super::super::nss::services(&Hosts::Invalid, &mut v).is_empty());
    let w = walk_r(&[], &mut v, &mut Nobody);
    assert_eq!(end_r(w, &mut v), Some(Error::System(EINVAL)));
    assert_eq!(v.h_errnop, Some(NETDB_INTERNAL));
}

/// A module that wants `need` bytes of buffer, and counts its calls.
struct Needy {
    need: usize,
    calls: Vec<usize>,
}

impl Modules for Needy {
    fn has(&mut self, _: &[u8], _: Entry) -> bool {
        true
    }

    fn call(
        &mut self,
        _: &[u8],
        _: Query<'_>,
        buflen: usize,
        vars: &mut Vars,
    ) -> (Status, Option<Answer>) {
        self.calls.push(buflen);
        if buflen < self.need {
            return (erange(vars), None);
        }
        (Status::Success, Some(Answer::Tuples(Vec::new())))
    }
}

#[test]
fn buffers_double_until_the_module_has_enough() {
    let mut m = Needy {
        need: 5000,
        calls: Vec::new(),
    };
    let mut buflen = FIRST_MODULE_BUFFER;
    let mut v = Vars::default();
    let r = call_growing(&mut m, b"m", Query::ByName4("x"), &mut buflen, &mut v);
    assert_eq!(r.unwrap().0, Status::Success);
    assert_eq!(m.calls, [1024, 2048, 4096, 8192]);
    assert_eq!(buflen, 8192);
    // A module never content: out of memory past the largest buffer.
    let mut m = Needy {
        need: usize::MAX,
        calls: Vec::new(),
    };
    let mut buflen = FIRST_MODULE_BUFFER;
    let r = call_growing(&mut m, b"m", Query::ByName4("x"), &mut buflen, &mut v);
    assert_eq!(r, Err(Error::Memory));
    assert_eq!(*m.calls.last().unwrap(), MAX_MODULE_BUFFER);
}
