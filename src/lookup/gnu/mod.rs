//! glibc 2.36's flows (GNU libc, `gnu` as Rust's `target_env` names it): the glibc build's
//! rules, and the musl build's with `DNSSHIM_COMPAT=glibc`. One file per concept:
//! `getaddrinfo`, the hosts database it walks (`hosts: files dns`), the `files` and `dns` NSS
//! modules and what they hand back, the search list, `gethostbyname2_r`, `gethostbyaddr_r`,
//! `getnameinfo`, the service tuples, the RFC 3484 sort and the rtnetlink interface data it
//! reads, the `res_*` functions.

pub(crate) mod dns;
pub(crate) mod files;
pub(crate) mod getaddrinfo;
pub(crate) mod gethostbyaddr;
pub(crate) mod gethostbyname;
pub(crate) mod hosts;
pub(crate) mod nameinfo;
pub(crate) mod netlink;
pub(crate) mod nss;
pub(crate) mod res;
pub(crate) mod search;
pub(crate) mod serv;
pub(crate) mod sort;
pub(crate) mod walk;
