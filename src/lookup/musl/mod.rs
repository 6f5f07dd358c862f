//! musl 1.2.3's flows (`src/network/`): the musl build's rules unless `DNSSHIM_COMPAT=glibc`.
//! One file per concept: `getaddrinfo`, `__lookup_name` (numeric host, hosts file, search
//! list, DNS), `__lookup_serv`, the RFC 6724 sort, `gethostbyname2`/`gethostbyaddr`,
//! `getnameinfo`, the `res_*` functions.

pub(crate) mod getaddrinfo;
pub(crate) mod hostent;
pub(crate) mod lookup_name;
pub(crate) mod nameinfo;
pub(crate) mod res;
pub(crate) mod serv;
pub(crate) mod sort;
