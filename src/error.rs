//! The one error type of the library. Mapped to `EAI_*`, `h_errno` and `errno` in `abi` only.

/// Every way a resolver call can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The name does not exist (NXDOMAIN, not in hosts): `EAI_NONAME`, `HOST_NOT_FOUND`.
    NotFound,
    /// The name exists but has no record of the asked type: `EAI_NODATA`, `NO_DATA`.
    NoData,
    /// Temporary failure (timeout, SERVFAIL, REFUSED from every server): `EAI_AGAIN`, `TRY_AGAIN`.
    TryAgain,
    /// Non-recoverable failure (FORMERR, NOTIMP, broken answer): `EAI_FAIL`, `NO_RECOVERY`.
    Fail,
    /// Unknown service name or bad service/socktype combination: `EAI_SERVICE`.
    BadService,
    /// Unsupported address family: `EAI_FAMILY`.
    BadFamily,
    /// A numeric host of another family than the one asked for (glibc): `EAI_ADDRFAMILY`.
    AddrFamily,
    /// Unsupported socket type: `EAI_SOCKTYPE`.
    BadSocktype,
    /// Invalid flags: `EAI_BADFLAGS`.
    BadFlags,
    /// Out of memory: `EAI_MEMORY`.
    Memory,
    /// A caller's buffer is too small: `EAI_OVERFLOW`, `ERANGE`.
    Overflow,
    /// A system call failed with this errno: `EAI_SYSTEM`.
    System(i32),
}

pub type Result<T> = core::result::Result<T, Error>;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            Error::NotFound => "name not found",
            Error::NoData => "name has no usable address",
            Error::TryAgain => "temporary failure",
            Error::Fail => "non-recoverable failure",
            Error::BadService => "bad service",
            Error::BadFamily => "bad address family",
            Error::AddrFamily => "address of another family",
            Error::BadSocktype => "bad socket type",
            Error::BadFlags => "bad flags",
            Error::Memory => "out of memory",
            Error::Overflow => "buffer too small",
            Error::System(e) => return write!(f, "system error {e}"),
        };
        f.write_str(s)
    }
}

impl std::error::Error for Error {}
