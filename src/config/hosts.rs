//! `/etc/hosts`.

use std::net::IpAddr;

/// One usable line of the hosts file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEntry {
    pub addr: IpAddr,
    /// IPv6 scope id (`fe80::1%eth0`), else 0.
    pub scope_id: u32,
    /// The canonical name first, then the aliases.
    pub names: Vec<String>,
}

/// The hosts file, lines in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hosts {
    pub entries: Vec<HostEntry>,
}
