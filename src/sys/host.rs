//! The host: its name (`gethostname`), its interfaces by name and index (`if_nametoindex`,
//! `if_indextoname`), and the program's locale (`mbstowcs`).

use super::late;

/// Longest interface name with its NUL (`IF_NAMESIZE`, `<net/if.h>`).
const IF_NAMESIZE: usize = libc::IF_NAMESIZE;

/// glibc reads the host name into a 256-byte buffer (`domain_from_hostname`, `nrl_domainname`);
/// Linux host names are at most 64 bytes (`HOST_NAME_MAX`).
const HOSTNAME_BUF: usize = 256;

/// `f` of the host name (`gethostname`, read into a buffer on the stack); `None` when it fails
/// or the name is not UTF-8.
pub(crate) fn hostname<R>(f: impl FnOnce(&str) -> R) -> Option<R> {
    let mut buf = [0u8; HOSTNAME_BUF];
    // SAFETY: buf is valid for writes of buf.len() - 1 bytes and outlives the call; the last
    // byte stays 0 so the result is NUL-terminated even if gethostname truncates.
    if unsafe { late::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) } != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0)?;
    std::str::from_utf8(&buf[..end]).ok().map(f)
}

/// `if_nametoindex`: the index of the interface named `name`, 0 when there is none (an empty
/// name, one with a NUL byte or too long for `IF_NAMESIZE` names none).
pub(crate) fn if_nametoindex(name: &str) -> u32 {
    let mut buf = [0u8; IF_NAMESIZE + 1];
    if name.is_empty() || name.len() >= IF_NAMESIZE || name.as_bytes().contains(&0) {
        return 0;
    }
    buf[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: buf is NUL-terminated (zero-initialised, name shorter than the buffer) and
    // lives for the whole call; if_nametoindex only reads it.
    unsafe { late::if_nametoindex(buf.as_ptr().cast()) }
}

/// `if_indextoname`: the name of interface `index`, if there is one (and it is UTF-8).
pub(crate) fn if_indextoname(index: u32) -> Option<String> {
    let mut buf = [0u8; IF_NAMESIZE];
    // SAFETY: buf holds IF_NAMESIZE bytes, as if_indextoname requires; it writes a
    // NUL-terminated name into it or returns NULL.
    let p = unsafe { late::if_indextoname(index, buf.as_mut_ptr().cast()) };
    if p.is_null() {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0)?;
    std::str::from_utf8(&buf[..end]).ok().map(str::to_owned)
}

/// Longest byte string [`multibyte_ok`] checks (musl's `is_valid_hostname` looks at 254 bytes).
const MULTIBYTE_MAX: usize = 255;

/// Whether `s` is a valid multibyte string in the program's current locale: `mbstowcs(NULL,
/// s, 0) != -1`, as musl's `is_valid_hostname` asks (in musl's C locale every byte is; in a
/// UTF-8 locale only UTF-8). `s` holds no NUL and at most [`MULTIBYTE_MAX`] bytes (longer:
/// false).
pub(crate) fn multibyte_ok(s: &[u8]) -> bool {
    let mut buf = [0u8; MULTIBYTE_MAX + 1];
    if s.len() > MULTIBYTE_MAX || s.contains(&0) {
        return false;
    }
    buf[..s.len()].copy_from_slice(s);
    // SAFETY: `buf` is NUL-terminated (its last bytes are 0); with a NULL destination
    // mbstowcs only counts and writes nothing.
    unsafe { late::mbstowcs(std::ptr::null_mut(), buf.as_ptr().cast(), 0) != usize::MAX }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_by_name_and_index() {
        // Every Linux network namespace has `lo`; its index names it back.
        let lo = if_nametoindex("lo");
        assert_ne!(lo, 0);
        assert_eq!(if_indextoname(lo).as_deref(), Some("lo"));
        for bad in ["", "no\0such", &"x".repeat(IF_NAMESIZE), "nosuchif0"] {
            assert_eq!(if_nametoindex(bad), 0, "{bad:?}");
        }
        assert_eq!(if_indextoname(999_999), None);
    }

    #[test]
    fn host_name_reads() {
        let n = hostname(str::len).expect("gethostname");
        assert!(n > 0 && n < HOSTNAME_BUF);
    }
}
