//! The file `HOSTALIASES` names (glibc `__res_context_hostalias`, `resolv/res_query.c`):
//! `alias full-name` lines that give a name without dots another name to look up. Read at
//! each lookup, as glibc does; ignored in secure-execution mode (the variable reads as unset).

use super::env;

/// The full name the `HOSTALIASES` file gives `name`, for a name without dots: the first line
/// whose alias is `name` (ASCII case and trailing dots ignored). A matching line without a
/// full name ends the search, as in glibc.
pub fn lookup(name: &str) -> Option<String> {
    if name.contains('.') {
        return None;
    }
    let file = env::hostaliases()?;
    let text = std::fs::read(file).ok()?;
    find(&text, name)
}

/// [`lookup`] in the file's text.
fn find(text: &[u8], name: &str) -> Option<String> {
    for line in text.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let mut toks = line.split_ascii_whitespace();
        let Some(alias) = toks.next() else {
            continue;
        };
        if alias
            .trim_end_matches('.')
            .eq_ignore_ascii_case(name.trim_end_matches('.'))
        {
            return toks.next().map(str::to_string);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_matching_line() {
        let text = b"\nweb  www.example.test\nWEB other.test\nbare\nmail mx.test extra\n";
        assert_eq!(find(text, "web").as_deref(), Some("www.example.test"));
        assert_eq!(find(text, "Web").as_deref(), Some("www.example.test"));
        assert_eq!(find(text, "mail").as_deref(), Some("mx.test"));
        assert_eq!(find(text, "bare"), None);
        assert_eq!(find(text, "none"), None);
        assert_eq!(lookup("a.b"), None);
    }
}
