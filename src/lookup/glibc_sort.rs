//! Destination address sorting as glibc 2.36's `getaddrinfo` does it (`rfc3484_sort` in
//! `sysdeps/posix/getaddrinfo.c`): RFC 3484 rules 1-10 with glibc's default label and
//! precedence tables (RFC 3484's, plus ULA, site-local and Teredo labels), IPv4 scopes by
//! glibc's `default_scopes`, source addresses from a connected UDP socket, interface data from
//! rtnetlink ([`super::netlink`]), and glibc's merge sort, so that even its non-transitive
//! comparisons come out in the same order.
//!
//! `/etc/gai.conf` replaces the tables as in glibc (`label`, `precedence`, `scopev4`; a table
//! with entries gets a catch-all row unless it has one; rows sorted most specific first). It is
//! re-read when it changes (glibc reads it once per process unless `reload yes`).

use super::netlink::{self, Interfaces, DEPRECATED, HOMEADDRESS};
use super::Address;
use crate::config::FileCache;
use crate::sys::RouteProbe;
use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

/// glibc's `GAICONF_FNAME`.
const GAI_CONF_PATH: &str = "/etc/gai.conf";
/// How much of gai.conf we read (real files are a few KiB of comments).
const GAI_CONF_MAX_BYTES: u64 = 1 << 20;

static GAI_CONF: FileCache<Tables> =
    FileCache::new_static(GAI_CONF_PATH, parse_gai_conf, GAI_CONF_MAX_BYTES);

/// One prefix table row: the first `bits` bits of `prefix` → `val`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Prefix {
    prefix: [u8; 16],
    bits: u32,
    val: i32,
}

const fn p(prefix: [u8; 16], bits: u32, val: i32) -> Prefix {
    Prefix { prefix, bits, val }
}

const ZERO: [u8; 16] = [0; 16];
const LOOPBACK: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V4MAPPED: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0];
const P6TO4: [u8; 16] = [0x20, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const SITELOCAL: [u8; 16] = [0xfe, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const ULA: [u8; 16] = [0xfc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const TEREDO: [u8; 16] = [0x20, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// glibc `default_labels`.
const LABELS: [Prefix; 8] = [
    p(LOOPBACK, 128, 0),
    p(P6TO4, 16, 2),
    p(ZERO, 96, 3),
    p(V4MAPPED, 96, 4),
    p(SITELOCAL, 10, 5),
    p(ULA, 7, 6),
    p(TEREDO, 32, 7),
    p(ZERO, 0, 1),
];

/// glibc `default_precedence` (RFC 3484 section 2.1).
const PRECEDENCE: [Prefix; 5] = [
    p(LOOPBACK, 128, 50),
    p(P6TO4, 16, 30),
    p(ZERO, 96, 20),
    p(V4MAPPED, 96, 10),
    p(ZERO, 0, 40),
];

/// glibc `match_prefix`: the first row whose prefix matches.
fn match_prefix(a: &[u8; 16], table: &[Prefix]) -> i32 {
    for row in table {
        let whole = (row.bits / 8) as usize;
        let rem = row.bits % 8;
        if a[..whole] != row.prefix[..whole] {
            continue;
        }
        if rem == 0 {
            return row.val;
        }
        let mask = 0xff00u16 >> rem;
        if u16::from(row.prefix[whole]) & mask == u16::from(a[whole]) & mask {
            return row.val;
        }
    }
    0
}

fn in6(ip: &IpAddr) -> [u8; 16] {
    netlink::as_in6(ip).octets()
}

/// One IPv4 scope row (`scopev4`): addresses equal to `addr` under `netmask` → `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scope {
    addr: u32,
    netmask: u32,
    scope: i32,
}

/// glibc `default_scopes`: 169.254/16 and 127/8 link-local, everything else global.
const SCOPES: [Scope; 3] = [
    Scope {
        addr: 0xa9fe_0000,
        netmask: 0xffff_0000,
        scope: 2,
    },
    Scope {
        addr: 0x7f00_0000,
        netmask: 0xff00_0000,
        scope: 2,
    },
    Scope {
        addr: 0,
        netmask: 0,
        scope: 14,
    },
];

/// The label, precedence and IPv4 scope tables in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    labels: Vec<Prefix>,
    precedence: Vec<Prefix>,
    scopes: Vec<Scope>,
}

impl Default for Tables {
    fn default() -> Tables {
        Tables {
            labels: LABELS.to_vec(),
            precedence: PRECEDENCE.to_vec(),
            scopes: SCOPES.to_vec(),
        }
    }
}

/// C `strtoul(s, &end, 10)` that must consume all of `s` (leading blanks and a sign allowed; the
/// empty string is 0, as glibc's unchecked use of it gives).
fn strtoul_all(s: &str) -> Option<u64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if t.is_empty() {
        return (s.is_empty()).then_some(0);
    }
    let (neg, digits) = match t.as_bytes()[0] {
        b'+' => (false, &t[1..]),
        b'-' => (true, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v = digits.parse::<u64>().unwrap_or(u64::MAX);
    Some(if neg { v.wrapping_neg() } else { v })
}

/// `gaiconf_init`: `label PREFIX/BITS VALUE`, `precedence PREFIX/BITS VALUE`,
/// `scopev4 ADDR/BITS VALUE` (IPv4, or v4-mapped IPv6 with 96..128 bits); `#` comments; other
/// lines and malformed entries are ignored.
fn parse_gai_conf(text: &[u8]) -> Tables {
    let mut labels = Vec::new();
    let mut precedence = Vec::new();
    let mut scopes = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let line = line.split(|&b| b == b'#').next().unwrap_or(line);
        let line = String::from_utf8_lossy(line);
        let mut toks = line.split_ascii_whitespace();
        let (Some(cmd), Some(val1)) = (toks.next(), toks.next()) else {
            continue;
        };
        let val2 = toks.next().unwrap_or("");
        let (addr, bits) = match val1.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (val1, None),
        };
        let value = match strtoul_all(val2) {
            Some(v) if v <= i32::MAX as u64 => v as i32,
            _ => continue,
        };
        match cmd {
            "label" | "precedence" => {
                let Ok(prefix) = addr.parse::<Ipv6Addr>() else {
                    continue;
                };
                let bits = match bits.map(strtoul_all) {
                    None => 128,
                    Some(Some(b)) if b <= 128 => b as u32,
                    Some(_) => continue,
                };
                let row = Prefix {
                    prefix: prefix.octets(),
                    bits,
                    val: value,
                };
                if cmd == "label" {
                    labels.push(row);
                } else {
                    precedence.push(row);
                }
            }
            "scopev4" => {
                let (v4, bits) = if let Ok(a6) = addr.parse::<Ipv6Addr>() {
                    let Some(v4) = a6.to_ipv4_mapped() else {
                        continue;
                    };
                    match bits.map(strtoul_all) {
                        None => (v4, 128),
                        Some(Some(b)) if (96..=128).contains(&b) => (v4, b as u32),
                        Some(_) => continue,
                    }
                } else if let Ok(v4) = addr.parse::<Ipv4Addr>() {
                    match bits.map(strtoul_all) {
                        None => (v4, 128),
                        Some(Some(b)) if b <= 32 => (v4, b as u32 + 96),
                        Some(_) => continue,
                    }
                } else {
                    continue;
                };
                let netmask = if bits == 96 {
                    0
                } else {
                    u32::MAX << (128 - bits)
                };
                scopes.push(Scope {
                    addr: u32::from(v4) & netmask,
                    netmask,
                    scope: value,
                });
            }
            _ => {}
        }
    }
    let finish = |mut rows: Vec<Prefix>, default: &[Prefix], catch_all: i32| {
        if rows.is_empty() {
            return default.to_vec();
        }
        if !rows.iter().any(|r| r.bits == 0) {
            rows.push(Prefix {
                prefix: ZERO,
                bits: 0,
                val: catch_all,
            });
        }
        // glibc's qsort is a stable merge sort: equally specific rows keep file order.
        rows.sort_by_key(|r| std::cmp::Reverse(r.bits));
        rows
    };
    let scopes = if scopes.is_empty() {
        SCOPES.to_vec()
    } else {
        if !scopes.iter().any(|s| s.netmask == 0) {
            scopes.push(Scope {
                addr: 0,
                netmask: 0,
                scope: 14,
            });
        }
        scopes.sort_by_key(|s| std::cmp::Reverse(s.netmask));
        scopes
    };
    Tables {
        labels: finish(labels, &LABELS, 1),
        precedence: finish(precedence, &PRECEDENCE, 40),
        scopes,
    }
}

fn label(t: &Tables, ip: &IpAddr) -> i32 {
    match_prefix(&in6(ip), &t.labels)
}

fn precedence(t: &Tables, ip: &IpAddr) -> i32 {
    match_prefix(&in6(ip), &t.precedence)
}

/// glibc `get_scope`: IPv6 by address type, IPv4 by the `scopev4` table.
fn scope(t: &Tables, ip: &IpAddr) -> i32 {
    match ip {
        IpAddr::V6(a) => {
            let o = a.octets();
            if o[0] == 0xff {
                i32::from(o[1] & 0xf)
            } else if (o[0] == 0xfe && o[1] & 0xc0 == 0x80) || *a == Ipv6Addr::LOCALHOST {
                2
            } else if o[0] == 0xfe && o[1] & 0xc0 == 0xc0 {
                5
            } else {
                14
            }
        }
        IpAddr::V4(a) => {
            let a = u32::from(*a);
            t.scopes
                .iter()
                .find(|s| a & s.netmask == s.addr)
                .map_or(14, |s| s.scope)
        }
    }
}

/// What glibc knows about one destination.
#[derive(Debug, Clone, Copy)]
struct Info {
    dest: IpAddr,
    /// The source address the kernel would use (same family as `dest`), if reachable.
    source: Option<IpAddr>,
    source_flags: u8,
    prefixlen: u8,
    index: u32,
    native: bool,
}

fn source_for(a: &Address, probe: &mut RouteProbe) -> Option<IpAddr> {
    let dest = match a.ip {
        IpAddr::V4(_) => SocketAddr::new(a.ip, 0),
        IpAddr::V6(v6) => SocketAddr::V6(SocketAddrV6::new(v6, 0, 0, a.scope_id)),
    };
    probe.source(&dest).map(|s| s.ip())
}

fn info(a: &Address, ifs: &Interfaces, probe: &mut RouteProbe) -> Info {
    let mut i = Info {
        dest: a.ip,
        source: source_for(a, probe),
        source_flags: 0,
        prefixlen: 0,
        index: u32::MAX,
        native: false,
    };
    if let Some(src) = i.source {
        // The loopback interface may answer for any 127/8 source: glibc looks up 127.0.0.1.
        let key = match src {
            IpAddr::V4(v4) if v4.octets()[0] == 127 => Ipv4Addr::LOCALHOST.to_ipv6_mapped(),
            other => netlink::as_in6(&other),
        };
        if let Some(found) = ifs.find(&key) {
            i.source_flags = found.flags;
            i.prefixlen = found.prefixlen;
            i.index = found.index;
        }
    }
    i
}

/// Leading zero bits of `x` (glibc's misnamed `fls`).
fn fls(x: u32) -> u32 {
    x.leading_zeros()
}

/// `rfc3484_sort` for results `i1` and `i2` (their positions in the answer).
fn compare(t: &Tables, a1: &Info, a2: &Info, i1: usize, i2: usize) -> Ordering {
    use Ordering::{Greater, Less};
    // Rule 1: avoid unusable destinations.
    match (a1.source.is_some(), a2.source.is_some()) {
        (true, false) => return Less,
        (false, true) => return Greater,
        _ => {}
    }
    let got_source = a1.source.is_some();
    let src = |a: &Info| a.source.unwrap_or(a.dest);

    // Rule 2: prefer matching scope.
    let (d1_scope, d2_scope) = (scope(t, &a1.dest), scope(t, &a2.dest));
    if got_source {
        let m1 = d1_scope == scope(t, &src(a1));
        let m2 = d2_scope == scope(t, &src(a2));
        if m1 && !m2 {
            return Less;
        }
        if !m1 && m2 {
            return Greater;
        }
    }

    // Rule 3: avoid deprecated addresses.
    if got_source {
        let (d1, d2) = (
            a1.source_flags & DEPRECATED != 0,
            a2.source_flags & DEPRECATED != 0,
        );
        if !d1 && d2 {
            return Less;
        }
        if d1 && !d2 {
            return Greater;
        }
    }

    // Rule 4: prefer home addresses.
    if got_source {
        let (h1, h2) = (
            a1.source_flags & HOMEADDRESS != 0,
            a2.source_flags & HOMEADDRESS != 0,
        );
        if !h1 && h2 {
            return Greater;
        }
        if h1 && !h2 {
            return Less;
        }
    }

    // Rule 5: prefer matching label.
    if got_source {
        let m1 = label(t, &a1.dest) == label(t, &src(a1));
        let m2 = label(t, &a2.dest) == label(t, &src(a2));
        if m1 && !m2 {
            return Less;
        }
        if !m1 && m2 {
            return Greater;
        }
    }

    // Rule 6: prefer higher precedence.
    let (p1, p2) = (precedence(t, &a1.dest), precedence(t, &a2.dest));
    if p1 > p2 {
        return Less;
    }
    if p1 < p2 {
        return Greater;
    }

    // Rule 7: prefer native transport (only between different interfaces).
    if got_source && a1.index != a2.index {
        if a1.native && !a2.native {
            return Less;
        }
        if !a1.native && a2.native {
            return Greater;
        }
    }

    // Rule 8: prefer smaller scope.
    if d1_scope < d2_scope {
        return Less;
    }
    if d1_scope > d2_scope {
        return Greater;
    }

    // Rule 9: longest matching prefix, within the source's subnet for IPv4; for IPv6 only
    // the first 32-bit word where either pair differs.
    if got_source && a1.dest.is_ipv4() == a2.dest.is_ipv4() {
        let (mut bit1, mut bit2) = (0, 0);
        match (a1.dest, src(a1), a2.dest, src(a2)) {
            (IpAddr::V4(d1), IpAddr::V4(s1), IpAddr::V4(d2), IpAddr::V4(s2)) => {
                // glibc shifts by 32 for a zero prefix length, which x86 reduces to 0.
                let mask = |len: u8| {
                    if len == 0 {
                        u32::MAX
                    } else {
                        u32::MAX << (32 - u32::from(len.min(32)))
                    }
                };
                let (d1, s1, d2, s2) = (u32::from(d1), u32::from(s1), u32::from(d2), u32::from(s2));
                let (m1, m2) = (mask(a1.prefixlen), mask(a2.prefixlen));
                if s1 & m1 == d1 & m1 {
                    bit1 = fls(d1 ^ s1);
                }
                if s2 & m2 == d2 & m2 {
                    bit2 = fls(d2 ^ s2);
                }
            }
            (IpAddr::V6(d1), IpAddr::V6(s1), IpAddr::V6(d2), IpAddr::V6(s2)) => {
                let w = |a: Ipv6Addr, i: usize| {
                    let o = a.octets();
                    u32::from_be_bytes([o[4 * i], o[4 * i + 1], o[4 * i + 2], o[4 * i + 3]])
                };
                if let Some(i) = (0..4).find(|&i| w(d1, i) != w(s1, i) || w(d2, i) != w(s2, i)) {
                    bit1 = fls(w(d1, i) ^ w(s1, i));
                    bit2 = fls(w(d2, i) ^ w(s2, i));
                }
            }
            _ => {}
        }
        if bit1 > bit2 {
            return Less;
        }
        if bit1 < bit2 {
            return Greater;
        }
    }

    // Rule 10: keep the order of the answer.
    i1.cmp(&i2)
}

/// glibc's `msort_with_tmp`: top-down merge sort, taking from the left run on "not greater".
fn msort(v: &mut [usize], cmp: &impl Fn(usize, usize) -> Ordering) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    msort(&mut v[..n1], cmp);
    msort(&mut v[n1..], cmp);
    let mut out = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(v[i], v[j]) != Ordering::Greater {
            out.push(v[i]);
            i += 1;
        } else {
            out.push(v[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&v[i..n1]);
    out.extend_from_slice(&v[j..n]);
    v.copy_from_slice(&out);
}

/// Sorts `addrs` as glibc sorts a `getaddrinfo` result (callers sort only lists of two or
/// more addresses, as glibc does).
pub fn sort(addrs: &mut [Address]) {
    if addrs.len() < 2 {
        return;
    }
    // glibc assumes nothing when netlink fails: no interface data, every rule still applies.
    let ifs = netlink::check_pf().unwrap_or_default();
    // One socket for every source-address look-up, as glibc (`try_connect`).
    let mut probe = RouteProbe::new(addrs.iter().any(|a| a.ip.is_ipv6()));
    let mut infos: Vec<Info> = addrs.iter().map(|a| info(a, &ifs, &mut probe)).collect();
    if infos
        .iter()
        .filter(|i| i.source.is_some())
        .any(|i| i.index != infos[0].index)
    {
        let natives = netlink::native_interfaces();
        for i in &mut infos {
            i.native = natives.iter().any(|&(idx, n)| idx == i.index && n);
        }
    }
    let mut order: Vec<usize> = (0..addrs.len()).collect();
    let tables = GAI_CONF.get();
    msort(&mut order, &|x, y| {
        compare(&tables, &infos[x], &infos[y], x, y)
    });
    let sorted: Vec<Address> = order.iter().map(|&i| addrs[i]).collect();
    addrs.copy_from_slice(&sorted);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn tables() {
        let d = Tables::default();
        assert_eq!(precedence(&d, &ip("::1")), 50);
        assert_eq!(precedence(&d, &ip("10.0.0.1")), 10);
        assert_eq!(precedence(&d, &ip("2002::1")), 30);
        assert_eq!(precedence(&d, &ip("::10.0.0.1")), 20);
        // RFC 3484, not 6724: ULA and Teredo have the default precedence.
        assert_eq!(precedence(&d, &ip("fd00::1")), 40);
        assert_eq!(precedence(&d, &ip("2001::1")), 40);
        assert_eq!(label(&d, &ip("fd00::1")), 6);
        assert_eq!(label(&d, &ip("fec0::1")), 5);
        assert_eq!(label(&d, &ip("2001::1")), 7);
        assert_eq!(label(&d, &ip("2001:db8::1")), 1);
        assert_eq!(label(&d, &ip("127.0.0.1")), 4);
        assert_eq!(label(&d, &ip("::")), 3);
        assert_eq!(scope(&d, &ip("127.0.0.5")), 2);
        assert_eq!(scope(&d, &ip("169.254.1.1")), 2);
        assert_eq!(scope(&d, &ip("10.0.0.1")), 14);
        assert_eq!(scope(&d, &ip("ff02::1")), 2);
        assert_eq!(scope(&d, &ip("fec0::1")), 5);
        assert_eq!(scope(&d, &ip("::ffff:127.0.0.1")), 14);
    }

    fn unreachable(s: &str) -> Info {
        Info {
            dest: ip(s),
            source: None,
            source_flags: 0,
            prefixlen: 0,
            index: u32::MAX,
            native: false,
        }
    }

    #[test]
    fn rules() {
        let d = Tables::default();
        let reach = |d: &str, s: &str| Info {
            source: Some(ip(s)),
            ..unreachable(d)
        };
        // Rule 1.
        let a = reach("127.0.0.3", "127.0.0.1");
        let b = unreachable("10.0.0.1");
        assert_eq!(compare(&d, &a, &b, 1, 0), Ordering::Less);
        // Rule 5 decides passive wildcards: 0.0.0.0 before ::.
        let v4 = reach("0.0.0.0", "127.0.0.1");
        let v6 = reach("::", "::1");
        assert_eq!(compare(&d, &v4, &v6, 1, 0), Ordering::Less);
        // Rule 6: ::1 before 127.0.0.1.
        let l6 = reach("::1", "::1");
        let l4 = reach("127.0.0.1", "127.0.0.1");
        assert_eq!(compare(&d, &l4, &l6, 0, 1), Ordering::Greater);
        // Rule 9 for IPv4 needs the prefix length; without it only equal addresses count.
        let x = reach("127.1.0.5", "127.0.0.1");
        let y = reach("127.0.0.5", "127.0.0.1");
        assert_eq!(compare(&d, &x, &y, 0, 1), Ordering::Less);
        let x8 = Info { prefixlen: 8, ..x };
        let y8 = Info { prefixlen: 8, ..y };
        assert_eq!(compare(&d, &x8, &y8, 0, 1), Ordering::Greater);
        // Rule 10.
        let u = unreachable("10.0.0.2");
        assert_eq!(compare(&d, &b, &u, 0, 1), Ordering::Less);
        assert_eq!(compare(&d, &u, &b, 1, 0), Ordering::Greater);
    }

    #[test]
    fn gai_conf() {
        assert_eq!(
            parse_gai_conf(b"# only comments\n#label ::1/128 0\n"),
            Tables::default()
        );
        // The classic "prefer IPv4": one precedence line, a catch-all added.
        let t = parse_gai_conf(b"precedence ::ffff:0:0/96  100\n");
        assert_eq!(precedence(&t, &ip("10.0.0.1")), 100);
        assert_eq!(precedence(&t, &ip("::1")), 40);
        assert_eq!(t.labels, LABELS.to_vec());
        // Most specific first, equal ones in file order; bad lines ignored.
        let t = parse_gai_conf(
            b"label 2001:db8::/32 9\nlabel ::/0 3\nlabel 2001:db8:1::/48 8\nlabel x/1 1\n\
              label ::1/129 1\nlabel 2001:db8::/32 10 # dup\nreload yes\n",
        );
        assert_eq!(
            t.labels.iter().map(|r| (r.bits, r.val)).collect::<Vec<_>>(),
            [(48, 8), (32, 9), (32, 10), (0, 3)]
        );
        assert_eq!(label(&t, &ip("2001:db8:1::5")), 8);
        assert_eq!(label(&t, &ip("2001:db8:2::5")), 9);
        assert_eq!(label(&t, &ip("fd00::1")), 3);
        // scopev4: IPv4 or v4-mapped notation; the defaults are gone once one is given.
        let t = parse_gai_conf(b"scopev4 ::ffff:10.0.0.0/104 5\nscopev4 192.168.0.0/16 7\n");
        assert_eq!(scope(&t, &ip("10.1.2.3")), 5);
        assert_eq!(scope(&t, &ip("192.168.1.1")), 7);
        assert_eq!(scope(&t, &ip("127.0.0.1")), 14);
        assert_eq!(t.precedence, PRECEDENCE.to_vec());
    }

    #[test]
    fn merge_sort_is_stable_and_complete() {
        let keys = [3, 1, 3, 2, 1, 0, 2];
        let mut v: Vec<usize> = (0..keys.len()).collect();
        msort(&mut v, &|a, b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
        assert_eq!(v, [5, 1, 4, 3, 6, 0, 2]);
    }
}
