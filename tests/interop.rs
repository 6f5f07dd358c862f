//! Real DNS servers: Debian's BIND 9 (`named`, authoritative), Unbound and dnsmasq
//! (both forwarding to it), started inside the test's network namespace on loopback addresses
//! only, each with its own default truncation behaviour. Through each, the large (60 A), huge
//! (400 A) and CNAME-chain (6 CNAMEs to 60 A) names resolve to the full record set with musl +
//! the shim, as glibc alone does; TXT (3000 bytes) and SRV (×40) go through `res_query`.
//! musl 1.2.3 alone is shown to come back short through every server, so the answers really
//! were truncated on the way.
//!
//! `make deps` installs bind9, unbound and dnsmasq-base when missing (never as running
//! services). Namespace scripts: tests/nsrun/mod.rs.

mod common;
mod nsrun;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{
    probe_binary, q, root, sbin, shim_library, temp_dir, v4_range, Libc, Variant, GLIBC,
    GLIBC_SHIM, MUSL, MUSL_SHIM,
};
use nsrun::{host, Ns, Run};

const ZONE: &str = "interop.test";

/// Addresses of `NAME.interop.test`: (label, first address, count).
const SETS: [(&str, &str, u32); 3] = [
    ("big", "10.0.0.1", 60),
    ("huge", "10.1.0.1", 400),
    ("end", "10.2.0.1", 60),
];
/// c1 → c2 → … → c6 → end.
const CHAIN: u32 = 6;
const TXT_STRINGS: usize = 12;
const TXT_STRING_LEN: usize = 250;
const SRV_COUNT: u16 = 40;

fn txt_value() -> String {
    (0..TXT_STRINGS)
        .map(|k| {
            char::from(b'a' + k as u8)
                .to_string()
                .repeat(TXT_STRING_LEN)
        })
        .collect()
}

fn srv_lines() -> BTreeSet<String> {
    (0..SRV_COUNT)
        .map(|i| format!("SRV 10 {} {} host{i}.{ZONE}", i + 1, 8000 + i))
        .collect()
}

/// The zone file BIND serves.
fn zone_file() -> String {
    let mut z = format!(
        "$TTL 300\n@ IN SOA ns.{ZONE}. hostmaster.{ZONE}. 1 3600 600 86400 300\n\
         @ IN NS ns\nns IN A 127.0.0.1\nready IN A 192.0.2.1\n"
    );
    for (label, start, count) in SETS {
        for a in v4_range(start, count) {
            z.push_str(&format!("{label} IN A {a}\n"));
        }
    }
    for i in 1..CHAIN {
        z.push_str(&format!("c{i} IN CNAME c{}\n", i + 1));
    }
    z.push_str(&format!("c{CHAIN} IN CNAME end\n"));
    let strings: Vec<String> = (0..TXT_STRINGS)
        .map(|k| {
            format!(
                "\"{}\"",
                char::from(b'a' + k as u8)
                    .to_string()
                    .repeat(TXT_STRING_LEN)
            )
        })
        .collect();
    z.push_str(&format!("txt IN TXT {}\n", strings.join(" ")));
    for i in 0..SRV_COUNT {
        z.push_str(&format!(
            "_svc._tcp IN SRV 10 {} {} host{i}.{ZONE}.\n",
            i + 1,
            8000 + i
        ));
    }
    z
}

fn named_conf(d: &Path) -> String {
    let d = d.display();
    format!(
        r#"options {{
  directory "{d}/named";
  pid-file "{d}/named.pid";
  session-keyfile "{d}/named/session.key";
  listen-on port 53 {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  recursion no;
  dnssec-validation no;
  notify no;
  // BIND 9.18.28+ refuses to load an RRset of more than 100 records by default.
  max-records-per-type 0;
  max-types-per-name 0;
}};
controls {{ }};
zone "{ZONE}" {{ type primary; file "{d}/{ZONE}.zone"; }};
"#
    )
}

fn unbound_conf(d: &Path) -> String {
    let d = d.display();
    format!(
        r#"server:
  interface: 127.0.0.2
  port: 53
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{d}"
  pidfile: "{d}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  num-threads: 1
  module-config: "iterator"
  # The upstream is on loopback; and "test." is one of Unbound's default blocked zones.
  do-not-query-localhost: no
  local-zone: "test." nodefault
  qname-minimisation: no
forward-zone:
  name: "{ZONE}."
  forward-addr: 127.0.0.1
"#
    )
}

/// The server in front of the probes.
#[derive(Clone, Copy, Debug)]
enum Front {
    Bind,
    Unbound,
    Dnsmasq,
}

impl Front {
    fn addr(self) -> &'static str {
        match self {
            Front::Bind => "127.0.0.1",
            Front::Unbound => "127.0.0.2",
            Front::Dnsmasq => "127.0.0.3",
        }
    }
}

/// tests/c/rrquery.c built for `libc` into target/probes, once per test process.
fn rrquery(libc: Libc) -> PathBuf {
    static BUILT: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    BUILT[libc as usize]
        .get_or_init(|| {
            let (cc, name) = match libc {
                Libc::Musl => ("musl-gcc", "rrquery-musl"),
                Libc::Glibc => ("gcc", "rrquery-glibc"),
            };
            let dir = root().join("target/probes");
            fs::create_dir_all(&dir).unwrap();
            let out = dir.join(name);
            // Built under a private name, then renamed: other test processes may be running it.
            let tmp = dir.join(format!("{name}.tmp{}", std::process::id()));
            let src = root().join("tests/c/rrquery.c");
            host(
                cc,
                &[
                    "-O1",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-o",
                    tmp.to_str().unwrap(),
                    src.to_str().unwrap(),
                ],
            );
            fs::rename(&tmp, &out).unwrap();
            out
        })
        .clone()
}

fn env_for(v: Variant) -> Vec<(&'static str, String)> {
    if v.shim {
        vec![(
            "LD_PRELOAD",
            shim_library(v.libc).to_string_lossy().into_owned(),
        )]
    } else {
        Vec::new()
    }
}

/// What one run is expected to show.
enum Want {
    /// gai OK with exactly these addresses (and this canonical name first, if given).
    Addrs(BTreeSet<String>, Option<String>),
    /// musl alone: not the full set (an error, or a strict subset).
    Short(BTreeSet<String>),
    /// rrquery: exactly these answer lines.
    Records(BTreeSet<String>, usize),
    /// rrquery with musl alone: not the full answer.
    RecordsShort(BTreeSet<String>),
}

/// Starts BIND (and `front` if it is a forwarder) in one namespace, waits until `front`
/// answers, runs the lookups through it, and checks each against its expectation:
/// getaddrinfo of the large, huge and chain names with `gai_variants`, res_query of the TXT
/// and SRV names with `res_variants`. musl alone must come back short (so the answer really
/// was truncated on the way); every other variant must return the full record set.
fn through(front: Front, gai_variants: &[Variant], res_variants: &[Variant]) {
    let mut ns = Ns::new("interop");
    let d = ns.dir().to_path_buf();
    fs::create_dir_all(d.join("named")).unwrap();
    ns.file(&format!("{ZONE}.zone"), &zone_file());
    ns.file("named.conf", &named_conf(&d));
    ns.file(
        "resolv.conf",
        &format!(
            "nameserver {}\noptions timeout:2 attempts:2\n",
            front.addr()
        ),
    );
    let named = sbin("named", "bind9");
    ns.sh("\"$IP\" addr add 127.0.0.2/8 dev lo && \"$IP\" addr add 127.0.0.3/8 dev lo || fail 'cannot add loopback addresses'");
    ns.sh(&format!(
        "bg named {} -g -4 -c \"$D/named.conf\"",
        q(&named)
    ));
    match front {
        Front::Bind => {}
        Front::Unbound => {
            ns.file("unbound.conf", &unbound_conf(&d));
            let unbound = sbin("unbound", "unbound");
            ns.sh(&format!(
                "bg unbound {} -d -c \"$D/unbound.conf\"",
                q(&unbound)
            ));
        }
        Front::Dnsmasq => {
            let dnsmasq = sbin("dnsmasq", "dnsmasq-base");
            ns.sh(&format!(
                "bg dnsmasq {} --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
                 --listen-address=127.0.0.3 --bind-interfaces --port=53 --server=127.0.0.1 \
                 --user=root --group=root --pid-file=\"$D/dnsmasq.pid\" --log-facility=-",
                q(&dnsmasq)
            ));
        }
    }
    // Ready when a name from BIND's zone resolves through the front server (at most 10 s).
    let glibc_probe = probe_binary(Libc::Glibc);
    ns.sh(&format!(
        "i=0; until {} gai ready.{ZONE} >/dev/null 2>&1; do\n\
         \x20 i=$((i+1)); [ $i -lt 200 ] || fail '{front:?} at {} not answering after 10 s'; sleep 0.05\n\
         done",
        q(glibc_probe.to_str().unwrap()),
        front.addr()
    ));

    let mut plan: Vec<(usize, Want)> = Vec::new();
    let gai_cases: Vec<(String, BTreeSet<String>, String)> = vec![
        (
            format!("big.{ZONE}"),
            v4_range("10.0.0.1", 60),
            format!("big.{ZONE}"),
        ),
        (
            format!("huge.{ZONE}"),
            v4_range("10.1.0.1", 400),
            format!("huge.{ZONE}"),
        ),
        (
            format!("c1.{ZONE}"),
            v4_range("10.2.0.1", 60),
            format!("end.{ZONE}"),
        ),
    ];
    for (name, want, canon) in &gai_cases {
        for &v in gai_variants {
            let probe = probe_binary(v.libc);
            let env = env_for(v);
            let env: Vec<(&str, &str)> = env.iter().map(|(k, x)| (*k, x.as_str())).collect();
            let argv = [
                probe.to_str().unwrap(),
                "gai",
                name.as_str(),
                "--socktype",
                "stream",
                "--flags",
                "canonname",
            ];
            let i = ns.run(&format!("[{v}] {front:?}: gai {name}"), &env, &argv);
            let w = if v == MUSL {
                Want::Short(want.clone())
            } else {
                Want::Addrs(want.clone(), Some(canon.clone()))
            };
            plan.push((i, w));
        }
    }
    let txt = format!("TXT {} {}", TXT_STRINGS * TXT_STRING_LEN, txt_value());
    let rr_cases: Vec<(String, &str, BTreeSet<String>)> = vec![
        (format!("txt.{ZONE}"), "TXT", [txt].into_iter().collect()),
        (format!("_svc._tcp.{ZONE}"), "SRV", srv_lines()),
    ];
    for (name, ty, want) in &rr_cases {
        for &v in res_variants {
            let bin = rrquery(v.libc);
            let env = env_for(v);
            let env: Vec<(&str, &str)> = env.iter().map(|(k, x)| (*k, x.as_str())).collect();
            let argv = [bin.to_str().unwrap(), name.as_str(), ty];
            let i = ns.run(
                &format!("[{v}] {front:?}: res_query {name} {ty}"),
                &env,
                &argv,
            );
            let w = if v == MUSL {
                Want::RecordsShort(want.clone())
            } else {
                Want::Records(want.clone(), want.len())
            };
            plan.push((i, w));
        }
    }

    let runs = ns.exec();
    let mut failures = Vec::new();
    for (i, want) in plan {
        if let Err(e) = check(&runs[i], &want) {
            failures.push(format!("{e}\n{}", runs[i].dump()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the lookups through {front:?} went wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check(r: &Run, want: &Want) -> Result<(), String> {
    match want {
        Want::Addrs(set, canon) => {
            if (r.head(), r.status) != ("gai OK", 0) {
                return Err("want gai OK, exit 0".into());
            }
            let got = r.gai_addrs();
            let got_set: BTreeSet<String> = got.iter().cloned().collect();
            if got.len() != set.len() || &got_set != set {
                return Err(format!(
                    "want the {} addresses once each, got {} entries ({} distinct)",
                    set.len(),
                    got.len(),
                    got_set.len()
                ));
            }
            if let Some(c) = canon {
                let first = r.stdout.lines().nth(1).and_then(|l| l.split(' ').nth(5));
                if first != Some(c.as_str()) {
                    return Err(format!("want canonical name {c} on the first entry"));
                }
            }
            Ok(())
        }
        Want::Short(set) => {
            let got: BTreeSet<String> = r.gai_addrs().into_iter().collect();
            if r.head() == "gai OK" && &got == set {
                return Err(
                    "musl alone got the full set: the server did not truncate, so \
                            this lookup proves nothing about the shim"
                        .into(),
                );
            }
            if !got.is_subset(set) {
                return Err("musl alone returned addresses outside the set".into());
            }
            Ok(())
        }
        Want::Records(set, count) => {
            if !r.head().starts_with("res OK tc=0 ") || r.status != 0 {
                return Err("want res OK with TC clear, exit 0".into());
            }
            let lines: Vec<&str> = r
                .stdout
                .lines()
                .skip(1)
                .filter(|l| l.starts_with("TXT ") || l.starts_with("SRV "))
                .collect();
            let got: BTreeSet<String> = lines.iter().map(|s| s.to_string()).collect();
            if lines.len() != *count || &got != set {
                return Err(format!(
                    "want exactly {count} records, got {} ({} distinct, {} missing)",
                    lines.len(),
                    got.len(),
                    set.difference(&got).count()
                ));
            }
            Ok(())
        }
        Want::RecordsShort(set) => {
            let got: BTreeSet<String> = r.stdout.lines().skip(1).map(str::to_string).collect();
            if r.status == 0 && set.is_subset(&got) && !r.head().contains("tc=1") {
                return Err("musl alone got the full answer: nothing was truncated".into());
            }
            Ok(())
        }
    }
}

const ALL: [Variant; 4] = [MUSL, MUSL_SHIM, GLIBC, GLIBC_SHIM];

#[test]
fn bind_authoritative() {
    through(Front::Bind, &ALL, &ALL);
}

#[test]
fn unbound_forwarding_to_bind() {
    through(Front::Unbound, &ALL, &ALL);
}

#[test]
fn dnsmasq_forwarding_to_bind() {
    through(Front::Dnsmasq, &ALL, &ALL);
}

/// The zone really holds what the tests count on (a typo in the generator would make every
/// expectation above wrong in the same way as the answers).
#[test]
fn zone_file_contents() {
    let z = zone_file();
    let count = |prefix: &str| z.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("big IN A "), 60);
    assert_eq!(count("huge IN A "), 400);
    assert_eq!(count("end IN A "), 60);
    assert_eq!(
        z.lines().filter(|l| l.contains(" IN CNAME ")).count(),
        CHAIN as usize
    );
    assert_eq!(count("_svc._tcp IN SRV "), 40);
    assert_eq!(txt_value().len(), 3000);
    assert_eq!(srv_lines().len(), 40);
    let checkzone = sbin("named-checkzone", "bind9-utils");
    let dir = temp_dir("zone");
    let f = dir.join("zone");
    fs::write(&f, &z).unwrap();
    let out = host(&checkzone, &[ZONE, f.to_str().unwrap()]);
    assert!(out.contains("OK"), "{out}");
    let _ = fs::remove_dir_all(&dir);
}
