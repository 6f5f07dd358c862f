//! `stat(2)` of a configuration file, into a stack structure: no allocation, no conversion of
//! the path (the per-call check that resolv.conf or the hosts file changed).

use std::ffi::CStr;
use std::mem::MaybeUninit;

/// What `stat` says of a file (symbolic links followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStat {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
    /// A regular file (not a directory, FIFO, device, …).
    pub regular: bool,
}

/// Longest fixed path a [`StaticPath`] holds, with its NUL (ours: the files read are
/// `/etc/...`, far shorter).
const STATIC_PATH_MAX: usize = 64;

/// A path known at compile time, NUL-terminated once, when the program is built: handed to the
/// kernel as it is at each call.
#[derive(Debug)]
pub(crate) struct StaticPath {
    path: &'static str,
    bytes: [u8; STATIC_PATH_MAX],
}

impl StaticPath {
    /// `path` with a NUL after it (panics, at compile time in a `const`, if `path` holds a NUL
    /// or is longer than [`STATIC_PATH_MAX`] - 1 bytes).
    pub(crate) const fn new(path: &'static str) -> StaticPath {
        let b = path.as_bytes();
        assert!(b.len() < STATIC_PATH_MAX);
        let mut bytes = [0u8; STATIC_PATH_MAX];
        let mut i = 0;
        while i < b.len() {
            assert!(b[i] != 0);
            bytes[i] = b[i];
            i += 1;
        }
        StaticPath { path, bytes }
    }

    /// The path.
    pub(crate) fn as_str(&self) -> &'static str {
        self.path
    }

    /// The path, NUL-terminated.
    pub(crate) fn as_c_str(&self) -> &CStr {
        // SAFETY: `new` copied the path, which holds no NUL, into `bytes`, whose next byte
        // (inside the array: the path is shorter than it) is 0.
        unsafe { CStr::from_bytes_with_nul_unchecked(&self.bytes[..=self.path.len()]) }
    }
}

/// `stat(path)`; `None` when it fails (missing file, no permission, …).
pub(crate) fn stat(path: &CStr) -> Option<FileStat> {
    stat_c(path.as_ptr())
}

/// `stat` of a NUL-terminated path.
fn stat_c(path: *const libc::c_char) -> Option<FileStat> {
    let mut st = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `path` is NUL-terminated (callers) and `st` is room for a `struct stat`, which
    // the call fills on success; nothing else is passed.
    let r = unsafe { raw_stat(path, st.as_mut_ptr()) };
    if r != 0 {
        return None;
    }
    // SAFETY: the call succeeded, so the kernel (or the C library) filled `st`.
    let st = unsafe { st.assume_init() };
    Some(FileStat {
        dev: st.st_dev,
        ino: st.st_ino,
        size: st.st_size as u64,
        mtime: (st.st_mtime, st.st_mtime_nsec),
        ctime: (st.st_ctime, st.st_ctime_nsec),
        regular: st.st_mode & libc::S_IFMT == libc::S_IFREG,
    })
}

/// The `newfstatat(AT_FDCWD, path, st, 0)` system call itself: on x86_64 and aarch64 the
/// kernel's `struct stat` is the C libraries' (musl and glibc alike), so the C library's
/// wrapper (musl's copies a kernel structure field by field) is not needed.
///
/// # Safety
/// `path` is NUL-terminated; `st` is valid for writing a `struct stat`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
unsafe fn raw_stat(path: *const libc::c_char, st: *mut libc::stat) -> libc::c_long {
    // SAFETY: as the caller guarantees; the system call writes only `*st`.
    unsafe { libc::syscall(libc::SYS_newfstatat, libc::AT_FDCWD, path, st, 0) }
}

/// `stat` through the C library, elsewhere.
///
/// # Safety
/// `path` is NUL-terminated; `st` is valid for writing a `struct stat`.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
unsafe fn raw_stat(path: *const libc::c_char, st: *mut libc::stat) -> libc::c_long {
    // SAFETY: as the caller guarantees.
    libc::c_long::from(unsafe { libc::stat(path, st) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn stat_says_what_std_says() {
        let dir = std::env::temp_dir();
        let file = dir.join(format!("dnsshim-sys-file-{}", std::process::id()));
        std::fs::write(&file, b"12345").unwrap();
        let long = format!("{}/{}", dir.display(), "./".repeat(300));
        let c = |p: &str| std::ffi::CString::new(p).unwrap();
        for p in [
            file.to_str().unwrap(),
            dir.to_str().unwrap(),
            "/dev/null",
            long.as_str(),
        ] {
            let m = std::fs::metadata(p).unwrap();
            let s = stat(&c(p)).unwrap();
            assert_eq!(
                s,
                FileStat {
                    dev: m.dev(),
                    ino: m.ino(),
                    size: m.size(),
                    mtime: (m.mtime(), m.mtime_nsec()),
                    ctime: (m.ctime(), m.ctime_nsec()),
                    regular: m.file_type().is_file(),
                },
                "{p}"
            );
        }
        assert!(stat(&c(file.to_str().unwrap())).unwrap().regular);
        std::fs::remove_file(&file).unwrap();
        assert_eq!(stat(&c(file.to_str().unwrap())), None);
        assert_eq!(stat(c"").map(|_| ()), None);
    }

    #[test]
    fn static_paths_are_nul_terminated() {
        const P: StaticPath = StaticPath::new("/etc/hosts");
        assert_eq!(P.as_str(), "/etc/hosts");
        assert_eq!(P.as_c_str(), c"/etc/hosts");
        let longest = "x".repeat(STATIC_PATH_MAX - 1).leak();
        assert_eq!(
            StaticPath::new(longest).as_c_str().to_bytes(),
            longest.as_bytes()
        );
        assert_eq!(StaticPath::new("").as_c_str(), c"");
    }
}
