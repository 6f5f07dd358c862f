//! What glibc's NSS modules hand back (`enum nss_status` with the `h_errno` set, and the
//! `struct hostent` of one family), for the two modules of `hosts: files dns`.

use crate::lookup::types::Address;
use crate::{Error, Result};

/// What one NSS module said (`enum nss_status`), with the `h_errno` it set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Nss<T> {
    Success(T),
    NotFound(Error),
    TryAgain(Error),
    Unavail(Error),
}

impl<T> Nss<T> {
    /// The `h_errno` the module set: `NETDB_SUCCESS` (`Ok`) on success.
    pub(crate) fn h_errno(&self) -> Result<()> {
        match self {
            Nss::Success(_) => Ok(()),
            Nss::NotFound(h) | Nss::TryAgain(h) | Nss::Unavail(h) => Err(*h),
        }
    }

    pub(crate) fn is_success(&self) -> bool {
        matches!(self, Nss::Success(_))
    }

    /// The same status without its value.
    pub(crate) fn status(&self) -> Nss<()> {
        match self {
            Nss::Success(_) => Nss::Success(()),
            Nss::NotFound(h) => Nss::NotFound(*h),
            Nss::TryAgain(h) => Nss::TryAgain(*h),
            Nss::Unavail(h) => Nss::Unavail(*h),
        }
    }
}

/// A `struct hostent` of one family as an NSS module fills it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct HostData {
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) addrs: Vec<Address>,
}
