//! `/etc/services`.
//!
//! One entry a line: `name port/proto [aliases…]`, blank-separated; `#` starts a comment
//! anywhere on a line. Only `tcp` and `udp` entries are kept. Lines are skipped, never fatal,
//! when the port is not a decimal number up to 65535, the protocol is neither, or what is left
//! after removing the comment is not valid UTF-8.

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

impl Proto {
    /// `"tcp"` / `"udp"`, as in the file and in `getservbyname`'s `proto` argument.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }

    /// The inverse of [`Proto::as_str`] (exact, lower case).
    pub fn from_name(s: &str) -> Option<Proto> {
        match s {
            "tcp" => Some(Proto::Tcp),
            "udp" => Some(Proto::Udp),
            _ => None,
        }
    }
}

impl Services {
    /// Parses services-file text. Never fails; see the module documentation for the rules.
    pub fn parse(text: &[u8]) -> Services {
        let mut entries = Vec::new();
        for raw in text.split(|&b| b == b'\n') {
            let raw = match raw.iter().position(|&b| b == b'#') {
                Some(i) => &raw[..i],
                None => raw,
            };
            let Ok(line) = std::str::from_utf8(raw) else {
                continue;
            };
            if let Some(e) = parse_line(line) {
                entries.push(e);
            }
        }
        Services { entries }
    }

    /// Entries, in file order, with `name` as service name or alias (exact, case-sensitive,
    /// as both C libraries compare).
    /// Callers filter on `proto` themselves.
    pub fn by_name<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a ServiceEntry> + use<'a, 'n> {
        self.entries
            .iter()
            .filter(move |e| e.names.iter().any(|n| n == name))
    }

    /// Entries, in file order, for `port` and, when given, `proto` (`getservbyport`,
    /// `getnameinfo`).
    pub fn by_port(
        &self,
        port: u16,
        proto: Option<Proto>,
    ) -> impl Iterator<Item = &ServiceEntry> + '_ {
        self.entries
            .iter()
            .filter(move |e| e.port == port && proto.is_none_or(|p| p == e.proto))
    }
}

fn parse_line(line: &str) -> Option<ServiceEntry> {
    let mut toks = line.split_ascii_whitespace();
    let name = toks.next()?;
    let (port, proto) = toks.next()?.split_once('/')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let port: u16 = port.parse().ok()?;
    let proto = Proto::from_name(proto)?;
    let names = std::iter::once(name)
        .chain(toks)
        .filter(|n| !n.contains('\0'))
        .map(str::to_owned)
        .collect::<Vec<_>>();
    if names.first().map(String::as_str) != Some(name) {
        return None;
    }
    Some(ServiceEntry { names, port, proto })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"# /etc/services\n\
        ftp\t\t21/tcp\n\
        domain\t\t53/tcp\t\t\t\t# Domain Name Server\n\
        domain\t\t53/udp\n\
        http\t\t80/tcp\t\twww www-http\t# WorldWideWeb HTTP\n\
        kerberos\t88/tcp\t\tkerberos5 krb5\n\
        sctpthing\t99/sctp\n\
        ddp\t\t2/ddp\n\
        big\t\t70000/tcp\n\
        neg\t\t-1/tcp\n\
        hexport\t\t0x50/tcp\n\
        noport\n\
        noproto\t\t5\n\
        \xff\xfebad\t1/tcp\n\
        https\t\t443/tcp\n\
        https\t\t443/udp\n";

    #[test]
    fn parse_and_lookup() {
        let s = Services::parse(SAMPLE);
        let names: Vec<_> = s.entries.iter().map(|e| e.names[0].as_str()).collect();
        assert_eq!(
            names,
            ["ftp", "domain", "domain", "http", "kerberos", "https", "https"]
        );
        let d: Vec<_> = s.by_name("domain").map(|e| (e.port, e.proto)).collect();
        assert_eq!(d, [(53, Proto::Tcp), (53, Proto::Udp)]);
        let w: Vec<_> = s.by_name("www").collect();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].port, 80);
        assert_eq!(w[0].names, ["http", "www", "www-http"]);
        assert_eq!(s.by_name("krb5").next().map(|e| e.port), Some(88));
        assert_eq!(s.by_name("HTTP").count(), 0);
        assert_eq!(s.by_name("sctpthing").count(), 0);
        assert_eq!(s.by_name("big").count(), 0);
        assert_eq!(s.by_port(443, None).count(), 2);
        assert_eq!(
            s.by_port(443, Some(Proto::Udp)).next().map(|e| e.proto),
            Some(Proto::Udp)
        );
        assert_eq!(s.by_port(21, Some(Proto::Udp)).count(), 0);
    }

    #[test]
    fn empty_and_garbage() {
        assert!(Services::parse(b"").entries.is_empty());
        let mut x: u32 = 99;
        let bytes: Vec<u8> = (0..50_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let _ = Services::parse(&bytes);
        let s = Services::parse(b"a\0 1/tcp\nb 2/tcp c\0 d\r\n");
        assert_eq!(s.entries.len(), 1);
        assert_eq!(s.entries[0].names, ["b", "d"]);
    }

    #[test]
    fn proto_names() {
        assert_eq!(Proto::from_name("tcp"), Some(Proto::Tcp));
        assert_eq!(Proto::from_name("TCP"), None);
        assert_eq!(Proto::Udp.as_str(), "udp");
    }
}
