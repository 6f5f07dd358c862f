//! `dnsshim config`: the resolver configuration as the library sees it, with where each value
//! comes from (resolv.conf, `LOCALDOMAIN`/`RES_OPTIONS`, the host name, or the default).

use std::fmt::Write as _;
use std::process::ExitCode;

use dnsshim::config::{self, env, resolv_conf, ResolvConf, HOSTS_PATH, RESOLV_CONF_PATH};
use dnsshim::lookup::Semantics;
use dnsshim::numeric::{parse_literal, Literal};
use dnsshim::transport::Policy;

use crate::EXIT_OK;

const HELP: &str = "\
usage: dnsshim config [--compat musl|glibc]

Show the resolver configuration exactly as the dnsshim library computes it in this process:
/etc/resolv.conf (nameservers, search list, options), then LOCALDOMAIN and RES_OPTIONS, the host
name's domain (glibc rules, when nothing else gives a search list), the defaults and limits
applied; the hosts file; DNSSHIM_* switches; secure-execution mode. Each value says where it
comes from.

  --compat R   musl's (default) or glibc's rules, as DNSSHIM_COMPAT=glibc
  -h, --help   this text

Run it in the environment of the program being debugged (same /etc, same variables).
";

/// The variables the library reads.
const VARIABLES: &[&str] = &[
    "LOCALDOMAIN",
    "RES_OPTIONS",
    "DNSSHIM_LOG",
    "DNSSHIM_DISABLE",
    "DNSSHIM_COMPAT",
    "DNSSHIM_CACHE",
    "DNSSHIM_PARALLEL_SEARCH",
];

pub fn main(args: &[String]) -> ExitCode {
    if crate::wants_help(args) {
        print!("{HELP}");
        return ExitCode::from(EXIT_OK);
    }
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (key, inline) = crate::split_opt(a);
        match key {
            "--compat" => {
                let v = inline.or_else(|| it.next().map(String::as_str));
                if let Err(code) = crate::set_compat("config", v) {
                    return code;
                }
            }
            other => {
                return crate::usage_error("config", format_args!("unexpected argument {other:?}"))
            }
        }
    }
    print!("{}", report());
    ExitCode::from(EXIT_OK)
}

/// The last value given to option `key` (`ndots`, `edns0`, …) among the `options` tokens of
/// `text`: the whole token (`ndots:3`).
fn last_option<'a>(tokens: &[&'a str], key: &str) -> Option<&'a str> {
    tokens
        .iter()
        .rev()
        .find(|t| {
            let k = t.split(':').next().unwrap_or(t);
            k == key || (key == "no-tld-query" && k == "no_tld_query")
        })
        .copied()
}

/// Blank-separated tokens up to one starting with `#` or `;` (as the library reads them).
fn tokens(s: &str) -> Vec<&str> {
    s.split_ascii_whitespace()
        .take_while(|t| !t.starts_with('#') && !t.starts_with(';'))
        .collect()
}

/// Lines of the file that start with `keyword` followed by a blank; the rest of each.
fn keyword_lines<'a>(text: &'a str, keyword: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(keyword)?;
            rest.starts_with([' ', '\t']).then_some(rest)
        })
        .collect()
}

fn report() -> String {
    let mut s = String::new();
    let path = RESOLV_CONF_PATH;
    let raw = std::fs::read(path);
    let (text, file_state) = match &raw {
        Ok(b) => (
            String::from_utf8_lossy(b).into_owned(),
            format!("{path} ({} bytes)", b.len()),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            (String::new(), format!("{path}: missing, defaults apply"))
        }
        Err(e) => (
            String::new(),
            format!("{path}: unreadable ({e}), defaults apply"),
        ),
    };
    let file = resolv_conf::parse_full(text.as_bytes());
    let conf: std::sync::Arc<ResolvConf> = config::resolv_conf();
    let secure = env::secure_mode();
    let localdomain = env::var("LOCALDOMAIN");
    let res_options = env::var("RES_OPTIONS");
    let env_tokens = res_options.as_deref().map(tokens).unwrap_or_default();
    let file_tokens: Vec<&str> = keyword_lines(&text, "options")
        .into_iter()
        .flat_map(tokens)
        .collect();
    let source = |key: &str| -> String {
        if let Some(t) = last_option(&env_tokens, key) {
            format!("RES_OPTIONS {t}")
        } else if let Some(t) = last_option(&file_tokens, key) {
            format!("resolv.conf {t}")
        } else {
            "default".to_string()
        }
    };
    let row = |s: &mut String, k: &str, v: String, src: String| {
        let _ = writeln!(s, "{:<13} {v}  ({src})", format!("{k}:"));
    };
    let _ = writeln!(s, "{:<13} {file_state}", "resolv.conf:");

    let ns_lines = keyword_lines(&text, "nameserver");
    let usable = ns_lines
        .iter()
        .filter(|rest| {
            tokens(rest)
                .first()
                .is_some_and(|t| !matches!(parse_literal(t), Literal::NotLiteral))
        })
        .count();
    let ns_src = match (ns_lines.len(), usable) {
        (0, _) => "default: no nameserver line".to_string(),
        (_, 0) => "default: no usable nameserver line".to_string(),
        (_, n) if n > resolv_conf::MAXNS => format!(
            "resolv.conf; {n} nameserver lines, only the first {} count",
            resolv_conf::MAXNS
        ),
        _ => "resolv.conf".to_string(),
    };
    let servers: Vec<String> = conf.nameservers.iter().map(|a| a.to_string()).collect();
    row(&mut s, "nameservers", servers.join(" "), ns_src);

    let search_src = if localdomain.is_some() {
        "LOCALDOMAIN".to_string()
    } else if file.has_search_line {
        "resolv.conf".to_string()
    } else if !conf.search.is_empty() {
        "the host name's domain: glibc rules, no search line".to_string()
    } else {
        "no search line, no LOCALDOMAIN".to_string()
    };
    let search = if conf.search.is_empty() {
        "none".to_string()
    } else {
        conf.search.join(" ")
    };
    row(&mut s, "search", search, search_src);
    row(&mut s, "ndots", conf.ndots.to_string(), source("ndots"));
    row(
        &mut s,
        "timeout",
        format!("{} s per attempt", conf.timeout),
        source("timeout"),
    );
    row(
        &mut s,
        "attempts",
        conf.attempts.to_string(),
        source("attempts"),
    );
    let policy = Policy::from_conf(&conf);
    let _ = writeln!(
        s,
        "{:<13} {} s for a whole lookup (timeout x attempts)",
        "deadline:",
        policy.timeout.as_secs() * u64::from(policy.attempts)
    );
    let flags = [
        ("rotate", conf.rotate),
        ("edns0", conf.edns0),
        ("use-vc", conf.use_vc),
        ("single-request", conf.single_request),
        ("single-request-reopen", conf.single_request_reopen),
        ("no-aaaa", conf.no_aaaa),
        ("no-tld-query", conf.no_tld_query),
        ("trust-ad", conf.trust_ad),
        ("inet6", conf.inet6),
    ];
    let on: Vec<String> = flags
        .iter()
        .filter(|(_, v)| *v)
        .map(|(k, _)| format!("{k} ({})", source(k)))
        .collect();
    let _ = writeln!(
        s,
        "{:<13} {}",
        "options:",
        if on.is_empty() {
            "none".to_string()
        } else {
            on.join(", ")
        }
    );
    if !conf.sortlist.is_empty() {
        let l: Vec<String> = conf
            .sortlist
            .iter()
            .map(|(a, m)| format!("{a}/{m}"))
            .collect();
        let _ = writeln!(s, "{:<13} {}", "sortlist:", l.join(" "));
    }
    // The opt-in features (ours): what each variable or option turns on.
    // (The variables read as unset in secure mode.)
    let switch_src = |var: &str, on_env: Option<bool>, key: &str| match on_env {
        Some(_) => format!("{var}={:?}", env::var(var).unwrap_or_default()),
        None => source(key),
    };
    let cache = match config::cache_max_ttl(&conf) {
        Some(max) => format!(
            "on, answers kept for their TTL, at most {max} s; flushed when resolv.conf or hosts change"
        ),
        None => "off".to_string(),
    };
    row(
        &mut s,
        "cache",
        cache,
        switch_src("DNSSHIM_CACHE", env::cache(), "dnsshim-cache"),
    );
    let parallel = if config::parallel_search(&conf) {
        "on: every candidate of the search list asked at once"
    } else {
        "off: candidates asked one after the other"
    };
    row(
        &mut s,
        "search walk",
        parallel.to_string(),
        switch_src(
            "DNSSHIM_PARALLEL_SEARCH",
            env::parallel_search(),
            "dnsshim-parallel-search",
        ),
    );
    let _ = writeln!(
        s,
        "{:<13} {}",
        "transport:",
        if policy.use_vc {
            "TCP only (use-vc)".to_string()
        } else {
            format!(
                "UDP to every nameserver at once, TCP when an answer is truncated{}",
                if policy.edns0 { ", EDNS0 offered" } else { "" }
            )
        }
    );
    let hosts = config::hosts();
    let _ = writeln!(
        s,
        "{:<13} {HOSTS_PATH} ({} usable entries)",
        "hosts:",
        hosts.entries.len()
    );
    let rules = match Semantics::current() {
        Semantics::Musl => {
            "musl (this build's default; --compat glibc or DNSSHIM_COMPAT=glibc for glibc's)"
        }
        Semantics::Glibc => "glibc (DNSSHIM_COMPAT=glibc; the glibc build always uses them)",
    };
    let _ = writeln!(s, "{:<13} {rules}", "rules:");
    let mut set = Vec::new();
    let mut unset = Vec::new();
    for v in VARIABLES {
        match std::env::var_os(v) {
            Some(val) => set.push(format!("{v}={:?}", val.to_string_lossy())),
            None => unset.push(*v),
        }
    }
    let mut env_line = set.join(" ");
    if !unset.is_empty() {
        if !env_line.is_empty() {
            env_line.push_str("; ");
        }
        let _ = write!(env_line, "unset: {}", unset.join(" "));
    }
    if secure && !set.is_empty() {
        env_line.push_str(" (all ignored: secure mode)");
    }
    let _ = writeln!(s, "{:<13} {env_line}", "environment:");
    let _ = writeln!(
        s,
        "{:<13} {}",
        "logging:",
        if env::log_enabled() {
            "on (DNSSHIM_LOG)"
        } else {
            "off (DNSSHIM_LOG=1 turns it on)"
        }
    );
    if env::disabled() {
        let _ = writeln!(
            s,
            "{:<13} yes: DNSSHIM_DISABLE is set, the shim forwards every call to the C library",
            "disabled:"
        );
    }
    let _ = writeln!(
        s,
        "{:<13} {}",
        "secure mode:",
        if secure {
            "yes (setuid/setgid/capabilities): the environment is ignored"
        } else {
            "no"
        }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_sources() {
        let t = tokens("ndots:2 edns0 ndots:4 no_tld_query # ndots:9");
        assert_eq!(last_option(&t, "ndots"), Some("ndots:4"));
        assert_eq!(last_option(&t, "edns0"), Some("edns0"));
        assert_eq!(last_option(&t, "no-tld-query"), Some("no_tld_query"));
        assert_eq!(last_option(&t, "timeout"), None);
        let t = tokens("ndots:5 dnsshim-cache:30 dnsshim-parallel-search");
        assert_eq!(last_option(&t, "dnsshim-cache"), Some("dnsshim-cache:30"));
        assert_eq!(
            last_option(&t, "dnsshim-parallel-search"),
            Some("dnsshim-parallel-search")
        );
        assert_eq!(
            keyword_lines("options a\noptionsx b\noptions\tc\n#options d\n", "options"),
            [" a", "\tc"]
        );
    }
}
