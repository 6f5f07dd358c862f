//! glibc's `/etc/host.conf` (`resolv/res_hconf.c`): only `multi` matters here, whether the
//! `files` module returns every line of the hosts file for a name or only the first.
//! `RESOLV_MULTI` in the environment overrides the file, as in glibc.

use super::{env, FileCache};

/// `/etc/host.conf` (glibc `_PATH_HOSTCONF`).
pub const HOST_CONF_PATH: &str = "/etc/host.conf";
/// How much of host.conf we read (real files are a line or two).
const HOST_CONF_MAX_BYTES: u64 = 1 << 16;

static HOST_CONF: FileCache<bool> =
    FileCache::new_static(HOST_CONF_PATH, parse, HOST_CONF_MAX_BYTES);

/// Whether the hosts file returns every matching line (`multi on`, or `RESOLV_MULTI`).
pub fn multi() -> bool {
    if let Some(v) = env::resolv_multi() {
        if let Some(b) = bool_arg(&v) {
            return b;
        }
    }
    *HOST_CONF.get()
}

/// The `multi` setting of host.conf text (glibc `res_hconf.c`: keywords and `on`/`off` case
/// insensitive, the last line wins, off by default). Other keywords are ignored.
pub fn parse(text: &[u8]) -> bool {
    let mut multi = false;
    for line in text.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_start();
        let end = line
            .find(|c: char| c.is_ascii_whitespace() || c == '#' || c == ',')
            .unwrap_or(line.len());
        if !line[..end].eq_ignore_ascii_case("multi") {
            continue;
        }
        if let Some(v) = bool_arg(line[end..].trim_start()) {
            multi = v;
        }
    }
    multi
}

/// glibc `arg_bool`: a prefix `on` or `off`, any case.
fn bool_arg(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    if b.len() >= 2 && b[..2].eq_ignore_ascii_case(b"on") {
        Some(true)
    } else if b.len() >= 3 && b[..3].eq_ignore_ascii_case(b"off") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_setting() {
        assert!(parse(b"multi on\n"));
        assert!(parse(b"# c\n  MULTI On # x\n"));
        assert!(!parse(b"multi on\nmulti off\n"));
        assert!(!parse(b"multiple on\n"));
        assert!(!parse(b""));
        assert!(parse(b"order hosts,bind\nmulti on\n"));
        assert_eq!(bool_arg("OFFx"), Some(false));
        assert_eq!(bool_arg("o"), None);
    }
}
