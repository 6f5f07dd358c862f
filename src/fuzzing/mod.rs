//! Fuzz targets: the bodies behind `fuzz/fuzz_targets/*.rs` (cargo fuzz, libFuzzer) and
//! behind tests/fuzz_corpus.rs, which replays the committed corpus through them on stable
//! Rust in `make test`. Each takes arbitrary bytes, must not panic, and checks with `assert!`
//! the invariants its doc names (a failed assert is a finding). Not part of the C ABI; never
//! called by the library itself.

mod hickory;
pub use hickory::message_vs_hickory;

use crate::abi;
use crate::config::resolv_conf as rc;
use crate::config::Hosts;
use crate::lookup::gnu::files;
use crate::lookup::gnu::nss::Nss as files_nss;
use crate::lookup::musl::lookup_name::from_hosts;
use crate::lookup::{ai, AddrInfo, Address, Entries, Entry, Family, Hints, HostEnt, Semantics};
use crate::sys::{AF_INET, AF_INET6, AF_UNSPEC, IPPROTO_TCP, IPPROTO_UDP};
use crate::wire::{self, rtype};
use std::ffi::{c_char, CStr};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A query that `resp` claims to answer: its ID and (uncompressed) question, RD set. `None`
/// when `resp` has no such question.
fn query_for(resp: &[u8]) -> Option<Vec<u8>> {
    let mut pos = wire::HEADER_LEN;
    loop {
        let len = usize::from(*resp.get(pos)?);
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        pos += 1 + len;
    }
    let end = pos + 1 + 4;
    let question = resp.get(wire::HEADER_LEN..end)?;
    let mut q = vec![resp[0], resp[1], 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    q.extend_from_slice(question);
    Some(q)
}

/// Response parsing and record collection: [`wire::check_response`] against the query the
/// packet claims to answer (and against an unrelated one), then [`wire::collect`] and
/// [`wire::addresses`] for the question's name with several types, and
/// [`wire::collect_addresses`] (what the lookups use) compared with them.
///
/// Invariants: an accepted packet has QR set and the query's ID; it is never both truncated
/// and malformed; `len` is the packet's length; it always has its question; a well-formed
/// one gives exactly ANCOUNT answer records, each readable; collected records all have the
/// asked type; `collect_addresses` gives the same canonical name and addresses as `collect` +
/// `addresses`.
pub fn response(data: &[u8]) {
    let unrelated = wire::build_query(0x4242, "www.example.com", 1, None).unwrap_or_default();
    if let Some(r) = wire::check_response(&unrelated, data) {
        assert_eq!(data.get(..2), Some(&[0x42, 0x42][..]));
        assert!(r.message.question().is_some());
    }
    let Some(query) = query_for(data) else {
        return;
    };
    let Some(r) = wire::check_response(&query, data) else {
        return;
    };
    assert!(data[2] & 0x80 != 0, "accepted a packet with QR clear");
    assert_eq!(data[..2], query[..2], "accepted another ID");
    assert!(!(r.truncated && r.malformed));
    assert_eq!(r.len, data.len());
    let qname = match r.message.question() {
        Some((name, _, _)) => wire::name_to_string(&name),
        None => return,
    };
    let qtype = u16::from_be_bytes([query[query.len() - 4], query[query.len() - 3]]);
    // Every record of the answer section reads, and there are as many as the header says.
    if !r.malformed && !r.truncated {
        assert_eq!(
            r.message.answers().count(),
            usize::from(u16::from_be_bytes([data[6], data[7]])),
            "answer records lost"
        );
        for rec in r.message.answers() {
            let _ = (wire::name_to_string(&rec.name), rec.a(), rec.aaaa());
            if let Some(t) = rec.target() {
                let _ = wire::name_to_string(&t);
            }
        }
    }
    for t in [rtype::A, rtype::AAAA, rtype::CNAME, rtype::PTR, qtype] {
        let c = wire::collect(&r.message, &qname, t);
        for rec in &c.records {
            assert_eq!(rec.rtype, t, "collected a record of another type");
        }
        let addrs = wire::addresses(&c);
        assert!(addrs.len() <= c.records.len());
        // The lookups' allocation-free path agrees with collect + addresses.
        let fast = wire::collect_addresses(&r.message, &qname, t);
        assert_eq!(
            fast.chain
                .canonical()
                .unwrap_or_else(|| wire::as_given(&qname).to_string()),
            c.canonical,
            "collect_addresses: canonical name"
        );
        assert_eq!(fast.addrs.as_slice(), addrs, "collect_addresses: addresses");
    }
}

/// Splits `data` at NUL bytes into at most `n` parts.
fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |&b| b == 0).collect()
}

/// resolv.conf parsing: [`rc::parse_full`] of the bytes before the first NUL, then
/// `LOCALDOMAIN` and `RES_OPTIONS` taken from the next two NUL-separated parts.
///
/// Invariants: 1..=MAXNS nameservers, all on port 53; ndots, timeout and attempts within
/// their documented bounds; at most MAXRESOLVSORT sortlist entries; no empty search domain.
pub fn resolv_conf(data: &[u8]) {
    let p = parts(data, 3);
    let parsed = rc::parse_full(p[0]);
    let check = |c: &crate::config::ResolvConf| {
        assert!(!c.nameservers.is_empty() && c.nameservers.len() <= rc::MAXNS);
        assert!(c
            .nameservers
            .iter()
            .all(|s| s.port() == rc::NAMESERVER_PORT));
        assert!(c.ndots <= rc::MAX_NDOTS);
        assert!((rc::MIN_TIMEOUT..=rc::MAX_TIMEOUT).contains(&c.timeout));
        assert!((rc::MIN_ATTEMPTS..=rc::MAX_ATTEMPTS).contains(&c.attempts));
        assert!(c.sortlist.len() <= rc::MAXRESOLVSORT);
        assert!(c.search.iter().all(|d| !d.is_empty()));
        let _ = crate::transport::Policy::from_conf(c);
    };
    check(&parsed.conf);
    let env = |i: usize| p.get(i).map(|b| String::from_utf8_lossy(b).into_owned());
    let mut conf = parsed.conf.clone();
    conf.apply_env(env(1).as_deref(), env(2).as_deref());
    check(&conf);
}

/// Hosts parsing: [`Hosts::parse`] and [`Hosts::parse_glibc`] of the bytes after the first
/// NUL, then lookups of the name before it and of each entry's first name, musl's
/// (`name_from_hosts`, every family) and glibc's `files` module (`gethostbyname3_r` per
/// family, `gethostbyname4_r`).
///
/// Invariants: every entry has a name and no name is empty or holds a blank or `#` (nor, read
/// as musl, a NUL); an entry's own canonical name finds it; found addresses are of the asked
/// family.
pub fn hosts(data: &[u8]) {
    let p = parts(data, 2);
    let (name, text) = match p.as_slice() {
        [name, text] => (String::from_utf8_lossy(name).into_owned(), *text),
        _ => (String::new(), p[0]),
    };
    let hosts = Hosts::parse(text);
    let glibc = Hosts::parse_glibc(text);
    for (e, nul_ok) in glibc
        .entries
        .iter()
        .map(|e| (e, true))
        .chain(hosts.entries.iter().map(|e| (e, false)))
    {
        assert!(!e.names.is_empty());
        for n in &e.names {
            assert!(!n.is_empty());
            assert!(!n
                .bytes()
                .any(|b| (b == 0 && !nul_ok) || b == b'#' || b.is_ascii_whitespace()));
        }
    }
    let mut names: Vec<&str> = hosts
        .entries
        .iter()
        .take(8)
        .map(|e| e.canonical())
        .collect();
    names.push(&name);
    for n in names {
        for ci in [false, true] {
            let found: Vec<_> = hosts.by_name(n, ci).collect();
            if hosts.entries.iter().any(|e| e.canonical() == n) {
                assert!(!found.is_empty(), "{n:?} not found by its own entry");
            }
        }
        for fam in [Family::Unspec, Family::Inet, Family::Inet6] {
            if let Ok(Some(r)) = from_hosts(&hosts, n, fam) {
                assert!(!r.addrs.is_empty());
                assert!(r.addrs.iter().all(|a| fam.admits(&a.ip)));
            }
        }
        for (af, fam) in [(AF_INET, Family::Inet), (AF_INET6, Family::Inet6)] {
            if let files_nss::Success(h) = files::files3(&glibc, n, af, true) {
                assert!(!h.addrs.is_empty());
                assert!(h.addrs.iter().all(|a| fam.admits(&a.ip)));
            }
        }
        if let files_nss::Success((addrs, _)) = files::files4(&glibc, n, false) {
            assert_eq!(addrs.len(), 1);
        }
    }
}

/// A small reader over the fuzzer's bytes: zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn ip(&mut self, v6: bool) -> IpAddr {
        if v6 {
            let mut o = [0u8; 16];
            o.iter_mut().for_each(|b| *b = self.u8());
            IpAddr::V6(Ipv6Addr::from(o))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.u32()))
        }
    }
    /// A string of up to `max` bytes without NUL (C strings cannot hold one).
    fn string(&mut self, max: usize) -> String {
        let n = usize::from(self.u8()) % (max + 1);
        let raw: Vec<u8> = (0..n).map(|_| self.u8()).filter(|&b| b != 0).collect();
        String::from_utf8_lossy(&raw).replace('\0', "")
    }
}

/// The getaddrinfo result builder: an [`AddrInfo`] made from the bytes, laid out in C form by
/// the ABI layer, read back, and released with `freeaddrinfo` (in two pieces when the bytes
/// say so, as a caller that cuts the list may).
///
/// Invariants: the list has one node per entry in order, each with the entry's family,
/// socket type, protocol, flags, address, port, scope id and the right `ai_addrlen`;
/// `ai_canonname` is the canonical name on the first node (on every node with
/// `canon_on_all`), NULL elsewhere; `freeaddrinfo` recognises the nodes as ours.
pub fn addrinfo(data: &[u8]) {
    let mut b = Bytes(data);
    let n = usize::from(b.u8() % 48) + 1;
    let mode = b.u8();
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let kind = b.u8();
        let ip = b.ip(kind & 1 != 0);
        let scope_id = if ip.is_ipv6() && kind & 2 != 0 {
            b.u32()
        } else {
            0
        };
        entries.push(Entry {
            addr: Address { ip, scope_id },
            port: b.u16(),
            socktype: i32::from(b.u8() % 4),
            protocol: i32::from(b.u8()),
        });
    }
    let canon = (mode & 1 != 0).then(|| b.string(255).into_bytes().into());
    let r = AddrInfo {
        entries: Entries::List(entries),
        canon,
        canon_on_all: mode & 2 != 0,
        flags: i32::from(b.u16()),
    };
    check_c_list(&r, usize::from(mode >> 2));
}

/// Lays `r` out with `abi::addrinfo::to_c`, checks every node against `r` (see [`addrinfo`]),
/// and frees the list: whole, or cut in two before node `cut % len` when that is not 0.
fn check_c_list(r: &AddrInfo, cut: usize) {
    let n = r.entries.len();
    if n == 0 {
        return; // getaddrinfo never lays out an empty list (EAI_NONAME)
    }
    let list = abi::addrinfo::to_c(r);
    if list.is_null() {
        return; // out of memory
    }
    let mut p = list;
    let mut nodes = Vec::with_capacity(n);
    // SAFETY: `list` is a fresh result of to_c: a chain of `n` valid addrinfo nodes, each
    // ai_addr pointing to a sockaddr of ai_addrlen bytes, ai_canonname NULL or a C string.
    unsafe {
        for (i, e) in r.entries.iter().enumerate() {
            assert!(!p.is_null(), "list shorter than {n}");
            let ai = &*p;
            nodes.push(p);
            assert_eq!(ai.ai_flags, r.flags);
            assert_eq!((ai.ai_socktype, ai.ai_protocol), (e.socktype, e.protocol));
            match e.addr.ip {
                IpAddr::V4(v4) => {
                    assert_eq!(ai.ai_family, libc::AF_INET);
                    assert_eq!(
                        ai.ai_addrlen as usize,
                        std::mem::size_of::<libc::sockaddr_in>()
                    );
                    let sin = &*(ai.ai_addr as *const libc::sockaddr_in);
                    assert_eq!(i32::from(sin.sin_family), libc::AF_INET);
                    assert_eq!(u16::from_be(sin.sin_port), e.port);
                    assert_eq!(sin.sin_addr.s_addr.to_ne_bytes(), v4.octets());
                }
                IpAddr::V6(v6) => {
                    assert_eq!(ai.ai_family, libc::AF_INET6);
                    assert_eq!(
                        ai.ai_addrlen as usize,
                        std::mem::size_of::<libc::sockaddr_in6>()
                    );
                    let sin6 = &*(ai.ai_addr as *const libc::sockaddr_in6);
                    assert_eq!(i32::from(sin6.sin6_family), libc::AF_INET6);
                    assert_eq!(u16::from_be(sin6.sin6_port), e.port);
                    assert_eq!(sin6.sin6_addr.s6_addr, v6.octets());
                    assert_eq!(sin6.sin6_scope_id, e.addr.scope_id);
                }
            }
            let want_canon = (i == 0 || r.canon_on_all)
                .then_some(r.canon.as_deref())
                .flatten();
            match want_canon {
                Some(c) => {
                    assert!(!ai.ai_canonname.is_null());
                    assert_eq!(CStr::from_ptr(ai.ai_canonname).to_bytes(), c);
                }
                None => assert!(ai.ai_canonname.is_null()),
            }
            p = ai.ai_next;
        }
        assert!(p.is_null(), "list longer than {n}");
        // Release: whole, or cut in two (the block must go once both pieces are freed; the
        // leak checker of a fuzzing run sees it if not).
        let cut = cut % n;
        if cut > 0 {
            (*nodes[cut - 1]).ai_next = std::ptr::null_mut();
            abi::addrinfo::freeaddrinfo(nodes[cut]);
        }
        abi::addrinfo::freeaddrinfo(list);
    }
}

/// The `getaddrinfo` result builder without the network: `lookup::getaddrinfo`
/// with host, service and hints from the bytes, with either semantics, the host always
/// numeric (hints get `AI_NUMERICHOST`; with NULL hints a host that is not an address
/// literal is not asked), so neither the hosts file nor DNS is consulted; services may come
/// from /etc/services. The result is laid out and checked as in [`addrinfo`].
///
/// Invariants: with a family in the hints, every address is of it
/// (IPv6 for `AF_INET6`, v4-mapped included); with a socket type, every entry has it.
pub fn getaddrinfo(data: &[u8]) {
    let mut b = Bytes(data);
    let mode = b.u8();
    let flags = i32::from(b.u16()) & 0x7ff;
    let family = [AF_UNSPEC, AF_INET, AF_INET6, 1][usize::from(b.u8() % 4)];
    let socktype = i32::from(b.u8() % 6);
    let protocol = [0, IPPROTO_TCP, IPPROTO_UDP, 132, 255][usize::from(b.u8() % 5)];
    let host = b.string(80);
    let serv = b.string(40);
    let sem = if mode & 1 != 0 {
        Semantics::Glibc
    } else {
        Semantics::Musl
    };
    let null_hints = mode & 2 != 0;
    let host = (mode & 4 == 0).then_some(host);
    let serv = (mode & 8 == 0).then_some(serv);
    if null_hints {
        if let Some(h) = &host {
            if matches!(
                crate::numeric::parse_literal(h),
                crate::numeric::Literal::NotLiteral
            ) && !(sem == Semantics::Glibc && h == "*")
            {
                return; // would be looked up
            }
        }
    }
    let hints = (!null_hints).then_some(Hints {
        flags: flags | ai::NUMERICHOST,
        family,
        socktype,
        protocol,
    });
    let Ok(r) = crate::lookup::getaddrinfo(
        host.as_deref(),
        serv.as_deref(),
        hints,
        sem,
        &mut crate::lookup::NoModules,
    ) else {
        return;
    };
    if let Some(h) = hints {
        for e in r.entries.iter() {
            match h.family {
                AF_INET => assert!(e.addr.ip.is_ipv4(), "{:?} for AF_INET", e.addr),
                AF_INET6 => assert!(e.addr.ip.is_ipv6(), "{:?} for AF_INET6", e.addr),
                _ => {}
            }
            if h.socktype != 0 {
                assert_eq!(e.socktype, h.socktype);
            }
        }
    }
    check_c_list(&r, usize::from(mode >> 4));
}

/// Guard bytes around the caller's buffer and struct hostent in [`hostent`].
const GUARD: usize = 64;
const GUARD_BYTE: u8 = 0xa5;

/// The `_r` functions' layout: a [`HostEnt`] made from the bytes laid out by the ABI layer in
/// a buffer of a size (0..4095) and alignment also taken from the bytes, with guard bytes
/// around the buffer and the struct hostent.
///
/// Invariants: nothing is written outside the buffer or the struct; on success every pointer
/// of the result points into the buffer and reads back the name, aliases and addresses; a
/// buffer that fits once fits at every larger size.
pub fn hostent(data: &[u8]) {
    let mut b = Bytes(data);
    let buflen = usize::from(b.u16() % 4096);
    let align = usize::from(b.u8() % 8);
    let v6 = b.u8() & 1 != 0;
    let name = b.string(64);
    let aliases: Vec<String> = (0..b.u8() % 8).map(|_| b.string(32)).collect();
    let addrs: Vec<IpAddr> = (0..b.u8() % 40)
        .map(|_| {
            let k = b.u8();
            b.ip(k & 1 != 0)
        })
        .collect();
    let h = HostEnt {
        name: name.into_bytes(),
        aliases: aliases.into_iter().map(String::into_bytes).collect(),
        addrtype: if v6 { AF_INET6 } else { AF_INET },
        addrs,
    };
    let ok = lay_out(&h, buflen, align);
    if ok {
        // A larger buffer fits too.
        assert!(lay_out(&h, buflen + 8 + align, 0));
    }
}

/// Lays `h` out in `buflen` bytes starting `align` bytes into a heap buffer; checks the guards
/// and, on success, the result. Returns whether it fit.
fn lay_out(h: &HostEnt, buflen: usize, align: usize) -> bool {
    let mut mem = vec![GUARD_BYTE; GUARD + align + buflen + GUARD];
    let mut ent = vec![GUARD_BYTE; GUARD + std::mem::size_of::<libc::hostent>() + GUARD + 8];
    // 8-align the struct inside its guard area.
    let ent_off = GUARD + (ent.as_ptr() as usize + GUARD).wrapping_neg() % 8;
    let buf_off = GUARD + align;
    // SAFETY: `ret` points into `ent` with room for a struct hostent (8-aligned), `buf` into
    // `mem` with `buflen` writable bytes, both outliving the call.
    let r = unsafe {
        let ret = ent.as_mut_ptr().add(ent_off) as *mut libc::hostent;
        let buf = mem.as_mut_ptr().add(buf_off) as *mut c_char;
        abi::hostent::fill(h, ret, buf, buflen)
    };
    assert!(
        mem[..buf_off].iter().all(|&x| x == GUARD_BYTE),
        "wrote before the buffer"
    );
    assert!(
        mem[buf_off + buflen..].iter().all(|&x| x == GUARD_BYTE),
        "wrote past buflen"
    );
    let end = ent_off + std::mem::size_of::<libc::hostent>();
    assert!(
        ent[..ent_off].iter().all(|&x| x == GUARD_BYTE),
        "wrote before the hostent"
    );
    assert!(
        ent[end..].iter().all(|&x| x == GUARD_BYTE),
        "wrote past the hostent"
    );
    if r.is_err() {
        return false;
    }
    let lo = mem.as_ptr() as usize + buf_off;
    let hi = lo + buflen;
    let inside = |p: *const u8, len: usize| (p as usize) >= lo && (p as usize) + len <= hi;
    let addr_len = if h.addrtype == AF_INET6 { 16 } else { 4 };
    // SAFETY: fill succeeded: the struct's pointers point into `mem` (checked before each
    // read), at NULL-terminated arrays and NUL-terminated strings it wrote.
    unsafe {
        let e = &*(ent.as_ptr().add(ent_off) as *const libc::hostent);
        assert_eq!(e.h_addrtype, h.addrtype);
        assert_eq!(e.h_length as usize, addr_len);
        assert!(inside(e.h_name as *const u8, h.name.len() + 1));
        assert_eq!(CStr::from_ptr(e.h_name).to_bytes(), h.name.as_slice());
        for (i, a) in h.aliases.iter().enumerate() {
            let slot = e.h_aliases.add(i);
            assert!(inside(slot as *const u8, 8));
            assert!(inside(*slot as *const u8, a.len() + 1));
            assert_eq!(CStr::from_ptr(*slot).to_bytes(), a.as_slice());
        }
        let end = e.h_aliases.add(h.aliases.len());
        assert!(inside(end as *const u8, 8) && (*end).is_null());
        for (i, a) in h.addrs.iter().enumerate() {
            let slot = e.h_addr_list.add(i);
            assert!(inside(slot as *const u8, 8));
            assert!(inside(*slot as *const u8, addr_len));
            let got = std::slice::from_raw_parts(*slot as *const u8, addr_len);
            let want: Vec<u8> = match a {
                IpAddr::V4(v4) if addr_len == 4 => v4.octets().to_vec(),
                IpAddr::V4(v4) => v4.to_ipv6_mapped().octets().to_vec(),
                IpAddr::V6(v6) => v6.octets()[..addr_len].to_vec(),
            };
            assert_eq!(got, &want[..]);
        }
        let end = e.h_addr_list.add(h.addrs.len());
        assert!(inside(end as *const u8, 8) && (*end).is_null());
    }
    true
}
