//! `/etc/services`.

/// Transport protocol of a service entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

/// One `name port/proto aliases…` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    /// The service name first, then the aliases.
    pub names: Vec<String>,
    pub port: u16,
    pub proto: Proto,
}

/// The services file, lines in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Services {
    pub entries: Vec<ServiceEntry>,
}
