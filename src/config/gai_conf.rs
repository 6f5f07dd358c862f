//! glibc's `/etc/gai.conf` (`gaiconf_init` in `sysdeps/posix/getaddrinfo.c`): the label,
//! precedence and IPv4 scope tables of its address sorting (`label`, `precedence`,
//! `scopev4`; a table with entries gets a catch-all row unless it has one; rows sorted most
//! specific first), glibc's defaults where the file gives none. Re-read when it changes
//! (glibc reads it once per process unless `reload yes`).

use super::FileCache;
use crate::numeric::strtoul;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

/// glibc's `GAICONF_FNAME`.
pub const GAI_CONF_PATH: &str = "/etc/gai.conf";
/// How much of gai.conf we read (real files are a few KiB of comments).
const GAI_CONF_MAX_BYTES: u64 = 1 << 20;

static GAI_CONF: FileCache<Tables> =
    FileCache::new_static(GAI_CONF_PATH, parse, GAI_CONF_MAX_BYTES);

/// One prefix table row: the first `bits` bits of `prefix` → `val`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Prefix {
    prefix: [u8; 16],
    bits: u32,
    val: i32,
    /// The first `bits` bits set, over an address read as a big-endian number.
    mask: u128,
    /// `prefix` as that number, under `mask`.
    net: u128,
}

/// The row `prefix/bits → val` (`bits` at most 128).
const fn p(prefix: [u8; 16], bits: u32, val: i32) -> Prefix {
    let mask = match u128::MAX.checked_shl(128 - bits) {
        Some(m) => m,
        None => 0,
    };
    Prefix {
        prefix,
        bits,
        val,
        mask,
        net: u128::from_be_bytes(prefix) & mask,
    }
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

/// glibc `match_prefix`: the first row whose prefix matches (its first `bits` bits, compared
/// as numbers: no byte-slice comparison per row).
fn match_prefix(a: &[u8; 16], table: &[Prefix]) -> i32 {
    let a = u128::from_be_bytes(*a);
    table
        .iter()
        .find(|row| a & row.mask == row.net)
        .map_or(0, |row| row.val)
}

/// `ip` as glibc's sorting sees it: IPv4 as `::ffff:a.b.c.d`.
fn in6(ip: &IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
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

/// `gaiconf_init`: `label PREFIX/BITS VALUE`, `precedence PREFIX/BITS VALUE`,
/// `scopev4 ADDR/BITS VALUE` (IPv4, or v4-mapped IPv6 with 96..128 bits); `#` comments; other
/// lines and malformed entries are ignored.
pub fn parse(text: &[u8]) -> Tables {
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
        let value = match strtoul(val2) {
            Some(v) if v <= i32::MAX as u64 => v as i32,
            _ => continue,
        };
        match cmd {
            "label" | "precedence" => {
                let Ok(prefix) = addr.parse::<Ipv6Addr>() else {
                    continue;
                };
                let bits = match bits.map(strtoul) {
                    None => 128,
                    Some(Some(b)) if b <= 128 => b as u32,
                    Some(_) => continue,
                };
                let row = p(prefix.octets(), bits, value);
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
                    match bits.map(strtoul) {
                        None => (v4, 128),
                        Some(Some(b)) if (96..=128).contains(&b) => (v4, b as u32),
                        Some(_) => continue,
                    }
                } else if let Ok(v4) = addr.parse::<Ipv4Addr>() {
                    match bits.map(strtoul) {
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
            rows.push(p(ZERO, 0, catch_all));
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

impl Tables {
    /// The label of `ip` (`match_prefix` on the label table).
    pub fn label(&self, ip: &IpAddr) -> i32 {
        match_prefix(&in6(ip), &self.labels)
    }

    /// The precedence of `ip`.
    pub fn precedence(&self, ip: &IpAddr) -> i32 {
        match_prefix(&in6(ip), &self.precedence)
    }

    /// The scope of an IPv4 address by the `scopev4` table (global when no row matches).
    pub fn scope_v4(&self, a: Ipv4Addr) -> i32 {
        let a = u32::from(a);
        self.scopes
            .iter()
            .find(|s| a & s.netmask == s.addr)
            .map_or(14, |s| s.scope)
    }
}

/// The tables in force: `/etc/gai.conf` as it is now, or glibc's defaults.
pub fn tables() -> Arc<Tables> {
    GAI_CONF.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn prefixes_match_bit_by_bit() {
        // glibc's rule: `bits / 8` whole bytes equal, then the top `bits % 8` bits of the next.
        let by_bytes = |a: &[u8; 16], table: &[Prefix]| {
            for row in table {
                let whole = (row.bits / 8) as usize;
                let rem = row.bits % 8;
                if a[..whole] != row.prefix[..whole] {
                    continue;
                }
                let mask = 0xff00u16 >> rem;
                if rem == 0 || u16::from(row.prefix[whole]) & mask == u16::from(a[whole]) & mask {
                    return row.val;
                }
            }
            0
        };
        let mut seed = 3u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        for _ in 0..5000 {
            let base: [u8; 16] = std::array::from_fn(|_| next() as u8);
            let table: Vec<Prefix> = (0..4)
                .map(|v| {
                    let mut prefix = base;
                    // Differ from the address somewhere, or nowhere.
                    let at = next() as usize % 20;
                    if at < 16 {
                        prefix[at] ^= 1 << (next() % 8);
                    }
                    p(prefix, next() as u32 % 129, v + 1)
                })
                .collect();
            assert_eq!(match_prefix(&base, &table), by_bytes(&base, &table));
        }
        for t in [&LABELS[..], &PRECEDENCE[..]] {
            for a in [
                "::1",
                "::ffff:10.0.0.1",
                "2002::1",
                "fc00::1",
                "2001::1",
                "fe80::1",
            ] {
                let a = in6(&ip(a));
                assert_eq!(match_prefix(&a, t), by_bytes(&a, t));
            }
        }
    }

    #[test]
    fn default_tables() {
        let d = Tables::default();
        // (address, precedence, label): RFC 3484's tables, not 6724's (ULA and Teredo have
        // the default precedence), with glibc's ULA, site-local and Teredo labels.
        let rows = [
            ("::1", 50, 0),
            ("10.0.0.1", 10, 4),
            ("2002::1", 30, 2),
            ("::10.0.0.1", 20, 3),
            ("::", 20, 3),
            ("fd00::1", 40, 6),
            ("fec0::1", 40, 5),
            ("2001::1", 40, 7),
            ("2001:db8::1", 40, 1),
        ];
        for (a, prec, label) in rows {
            assert_eq!(
                (d.precedence(&ip(a)), d.label(&ip(a))),
                (prec, label),
                "{a}"
            );
        }
        for (a, scope) in [("127.0.0.5", 2), ("169.254.1.1", 2), ("10.0.0.1", 14)] {
            assert_eq!(d.scope_v4(a.parse().unwrap()), scope, "{a}");
        }
    }

    #[test]
    fn file_forms() {
        assert_eq!(
            parse(b"# only comments\n#label ::1/128 0\n"),
            Tables::default()
        );
        // The classic "prefer IPv4": one precedence line, a catch-all added.
        let t = parse(b"precedence ::ffff:0:0/96  100\n");
        assert_eq!(t.precedence(&ip("10.0.0.1")), 100);
        assert_eq!(t.precedence(&ip("::1")), 40);
        assert_eq!(t.labels, LABELS.to_vec());
        // Most specific first, equal ones in file order; bad lines ignored.
        let t = parse(
            b"label 2001:db8::/32 9\nlabel ::/0 3\nlabel 2001:db8:1::/48 8\nlabel x/1 1\n\
              label ::1/129 1\nlabel 2001:db8::/32 10 # dup\nreload yes\n",
        );
        assert_eq!(
            t.labels.iter().map(|r| (r.bits, r.val)).collect::<Vec<_>>(),
            [(48, 8), (32, 9), (32, 10), (0, 3)]
        );
        assert_eq!(t.label(&ip("2001:db8:1::5")), 8);
        assert_eq!(t.label(&ip("2001:db8:2::5")), 9);
        assert_eq!(t.label(&ip("fd00::1")), 3);
        // scopev4: IPv4 or v4-mapped notation; the defaults are gone once one is given.
        let t = parse(b"scopev4 ::ffff:10.0.0.0/104 5\nscopev4 192.168.0.0/16 7\n");
        assert_eq!(t.scope_v4("10.1.2.3".parse().unwrap()), 5);
        assert_eq!(t.scope_v4("192.168.1.1".parse().unwrap()), 7);
        assert_eq!(t.scope_v4("127.0.0.1".parse().unwrap()), 14);
        assert_eq!(t.precedence, PRECEDENCE.to_vec());
    }
}
