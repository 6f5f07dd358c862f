//! What a probe printed: its [`Outcome`], `gai` result lines, the address sets tests expect.

use std::collections::BTreeSet;

use super::Variant;

/// What one probe did.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub variant: Variant,
    pub label: String,
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
    /// Wall time around the probe process, measured inside the namespace.
    pub elapsed_ms: u64,
    /// What the test servers logged (`--verbose`: one line per query) while this probe ran:
    /// [`Outcome::server_logs`] one after the other.
    pub server_log: String,
    /// What each test server logged while this probe ran, in the order the scenario lists
    /// them (the first server, then [`Scenario::extra_servers`]).
    pub server_logs: Vec<String>,
}

impl Outcome {
    /// First line of stdout (`gai OK`, `gai EAI_NONAME`, `h_errno=...`, `name ...`).
    pub fn head(&self) -> &str {
        self.stdout.lines().next().unwrap_or("")
    }

    /// `gai` result lines after the status line, parsed.
    pub fn gai(&self) -> Vec<GaiLine> {
        assert!(
            self.head().starts_with("gai "),
            "{}: not a gai result:\n{}",
            self.label,
            self.dump()
        );
        self.stdout.lines().skip(1).map(GaiLine::parse).collect()
    }

    /// The set of addresses a `gai` probe printed.
    pub fn gai_addrs(&self) -> BTreeSet<String> {
        self.gai().into_iter().map(|l| l.addr).collect()
    }

    /// Values of `key value` lines (`addr`, `alias`, `name`) of a hostent probe.
    pub fn host_field(&self, key: &str) -> Vec<String> {
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
            .map(str::to_string)
            .collect()
    }

    /// Everything, for assertion messages.
    pub fn dump(&self) -> String {
        format!(
            "--- {} (exit {}, {} ms)\n--- stdout:\n{}--- stderr:\n{}--- server log:\n{}",
            self.label, self.status, self.elapsed_ms, self.stdout, self.stderr, self.server_log
        )
    }

    /// How many times each question (name in lower case without the final dot, type) reached
    /// the test servers while this probe ran, over UDP or TCP (answered or not).
    pub fn asked(&self) -> std::collections::BTreeMap<(String, String), usize> {
        let mut m = std::collections::BTreeMap::new();
        for l in self.server_log.lines() {
            let Some(rest) = l.strip_prefix("dnsshim-testsrv: ") else {
                continue;
            };
            let w: Vec<&str> = rest.split_whitespace().collect();
            if w.len() < 4 || !(w[0] == "udp" || w[0] == "tcp") {
                continue;
            }
            let name = w[2].trim_end_matches('.').to_ascii_lowercase();
            let qtype = w[3].trim_end_matches(':').to_string();
            *m.entry((name, qtype)).or_insert(0) += 1;
        }
        m
    }

    /// How many times `name` (lower case, no final dot) and `qtype` reached the test servers
    /// while this probe ran ([`Outcome::asked`]).
    pub fn times_asked(&self, name: &str, qtype: &str) -> usize {
        self.asked()
            .get(&(name.to_string(), qtype.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Queries the test servers received while this probe ran (their `udp`/`tcp` log lines).
    pub fn queries(&self) -> Vec<&str> {
        self.server_log
            .lines()
            .filter(|l| l.contains(": udp ") || l.contains(": tcp "))
            .collect()
    }
}

/// One `gai` result line: `<family> <socktype> <protocol> <address> <port> <canonname|->`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GaiLine {
    pub family: String,
    pub socktype: String,
    pub protocol: String,
    pub addr: String,
    pub port: String,
    pub canon: Option<String>,
    pub rest: String,
}

impl GaiLine {
    fn parse(line: &str) -> GaiLine {
        let f: Vec<&str> = line.split(' ').collect();
        assert!(f.len() >= 6, "malformed gai line {line:?}");
        GaiLine {
            family: f[0].into(),
            socktype: f[1].into(),
            protocol: f[2].into(),
            addr: f[3].into(),
            port: f[4].into(),
            canon: (f[5] != "-").then(|| f[5].to_string()),
            rest: f[6..].join(" "),
        }
    }
}

/// Addresses `START..COUNT` the way the test server's config expands them, for expectations.
pub fn v4_range(start: &str, count: u32) -> BTreeSet<String> {
    let s: std::net::Ipv4Addr = start.parse().unwrap();
    (0..count)
        .map(|i| std::net::Ipv4Addr::from(u32::from(s) + i).to_string())
        .collect()
}

pub fn v6_range(start: &str, count: u32) -> BTreeSet<String> {
    let s: std::net::Ipv6Addr = start.parse().unwrap();
    (0..count)
        .map(|i| std::net::Ipv6Addr::from(u128::from(s) + u128::from(i)).to_string())
        .collect()
}
