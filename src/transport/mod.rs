//! Sending questions: UDP to every nameserver in parallel on connected sockets, TCP to the
//! server that truncated (RFC 7766 length prefix), one deadline for the whole exchange.
