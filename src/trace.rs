//! `DNSSHIM_LOG=1`: one line per DNS exchange on stderr.
