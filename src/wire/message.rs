//! Reading a DNS message (RFC 1035 4.1) in place: the packet is checked once, whole, then its
//! records are read straight from the bytes, names included (compression pointers followed on
//! the fly). No record is copied and nothing is allocated past the packet itself, which is what
//! keeps a 60-record answer about as cheap as a 1-record one.

use std::net::{Ipv4Addr, Ipv6Addr};

use smallvec::SmallVec;

use super::name::{eq8_dotted, label_eq, words};
use super::{HEADER_LEN, MAX_LABEL_LEN, MAX_WIRE_NAME, TYPE_OPT};
/// Messages up to this size are kept inside [`Message`]: an answer for one name with a record
/// or two, a CNAME and its record, or a NODATA answer with its SOA record (50 to 110 bytes).
/// Larger ones go to a pooled receive buffer (see [`Storage`]). (Every move of a response
/// copies this storage: 256 bytes cost 0.7k more instructions per two-question lookup in
/// the musl build, 1.3k in the glibc build; 512 bytes, the classic UDP limit, cost more in
/// copies than the allocations saved.)
const INLINE_MESSAGE: usize = 128;
/// Compression pointers followed while reading one name before giving up (loop guard).
const MAX_POINTERS: usize = 64;

/// Record types the library reads (RFC 1035 3.2.2, RFC 3596, RFC 2782).
pub mod rtype {
    pub const A: u16 = 1;
    pub const NS: u16 = 2;
    pub const CNAME: u16 = 5;
    pub const SOA: u16 = 6;
    /// NULL (glibc's NOTIFY queries name their data with it).
    pub const NULL: u16 = 10;
    pub const PTR: u16 = 12;
    pub const MX: u16 = 15;
    pub const TXT: u16 = 16;
    pub const AAAA: u16 = 28;
    pub const SRV: u16 = 33;
    pub const DNAME: u16 = 39;
    pub const ANY: u16 = 255;
}

/// Where a message's bytes are kept: inline up to [`INLINE_MESSAGE`] bytes (no allocation
/// for the usual answer), else in a buffer of the receive pool ([`crate::sys::RecvBuf`]:
/// reused from lookup to lookup, where a fresh heap block of 1 to 64 KiB per answer made
/// musl's allocator map and unmap memory on every call), or in a block of its own size when
/// the pool has none left.
// The inline variant is the point: boxing it would be the allocation this avoids.
#[allow(clippy::large_enum_variant)]
enum Storage {
    Inline(SmallVec<[u8; INLINE_MESSAGE]>),
    Pooled(crate::sys::RecvBuf),
}

impl Storage {
    #[inline(always)]
    fn new(bytes: &[u8]) -> Storage {
        if bytes.len() <= INLINE_MESSAGE {
            return Storage::Inline(SmallVec::from_slice(bytes));
        }
        Storage::Pooled(crate::sys::RecvBuf::copy_of(bytes))
    }
}

impl std::ops::Deref for Storage {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Storage::Inline(b) => b,
            Storage::Pooled(b) => b,
        }
    }
}

impl Clone for Storage {
    fn clone(&self) -> Storage {
        Storage::new(self)
    }
}

impl PartialEq for Storage {
    fn eq(&self, other: &Storage) -> bool {
        **self == **other
    }
}

impl Eq for Storage {}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl Default for Storage {
    fn default() -> Storage {
        Storage::Inline(SmallVec::new())
    }
}

/// A received message whose every section was checked to be well formed (see
/// [`Message::parse`]), or only its header and question (see [`Message::header_only`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    bytes: Storage,
    /// Where the answer section starts.
    answers_at: usize,
    /// How many answer records are read from there (0 when the body was not checked or the
    /// answers were dropped).
    answer_count: u16,
    /// Upper eight bits of the 12-bit response code, from the OPT record (RFC 6891 6.1.3).
    ext_rcode: u8,
    /// The answer section has a CNAME record (a chain to follow).
    has_cname: bool,
}

impl Message {
    /// `packet` checked whole: header; every question; every record of the answer, authority
    /// and additional sections with a well-formed owner name (labels of at most 63 bytes,
    /// at most 255 bytes uncompressed, pointers inside the packet, no pointer loop, no
    /// extended label type) and its data inside the packet; and the data of the records the
    /// library reads (A: 4 bytes, AAAA: 16; NS, CNAME, PTR, DNAME: one name filling the data;
    /// MX, SRV, SOA: their fixed fields and names) exactly as long as it says. `None` for
    /// anything else. Bytes after the last counted record are ignored (as both libcs do).
    pub fn parse(packet: &[u8]) -> Option<Message> {
        let questions = Questions::read(packet)?;
        let body = Body::check(packet, &questions)?;
        Some(Message::of(packet, &questions, Some(body)))
    }

    /// The message of `packet`, whose question section was read into `questions` and whose
    /// records [`Body::check`] accepted (`body`), or only its header and question (`None`).
    /// Inlined: the bytes are copied once, straight to where the message is kept.
    #[inline(always)]
    pub(crate) fn of(packet: &[u8], questions: &Questions, body: Option<Body>) -> Message {
        let (bytes, body) = match body {
            Some(body) => (packet, body),
            None => (packet.get(..questions.end).unwrap_or(packet), Body::NONE),
        };
        Message {
            bytes: Storage::new(bytes),
            answers_at: questions.end,
            answer_count: body.answer_count,
            ext_rcode: body.ext_rcode,
            has_cname: body.has_cname,
        }
    }

    /// The header and the question of `packet` only (a truncated or malformed answer): no
    /// records. `None` when not even the question can be read.
    pub fn header_only(packet: &[u8]) -> Option<Message> {
        Some(Message::of(packet, &Questions::read(packet)?, None))
    }

    /// The message's bytes (for [`Message::header_only`], up to the end of the question).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The message's bytes, taken out.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes.to_vec()
    }

    /// The message ID.
    pub fn id(&self) -> u16 {
        u16::from_be_bytes([self.bytes[0], self.bytes[1]])
    }

    /// The response code: the header's four bits, with the OPT record's upper eight bits.
    pub fn rcode(&self) -> u16 {
        u16::from(self.bytes[3] & 0x0f) | (u16::from(self.ext_rcode) << 4)
    }

    /// The first question: name, type, class (`None` when QDCOUNT is 0).
    pub fn question(&self) -> Option<(Name<'_>, u16, u16)> {
        let bytes = &self.bytes;
        let qdcount = bytes.get(4..6).map(|c| u16::from_be_bytes([c[0], c[1]]))?;
        // With one question, the answers start right after its type and class.
        let end = match qdcount {
            0 => return None,
            1 => self.answers_at,
            _ => skip_name(bytes, HEADER_LEN)? + 4,
        };
        let t = bytes.get(end.checked_sub(4)?..end)?;
        Some((
            Name {
                msg: bytes,
                at: HEADER_LEN,
            },
            u16::from_be_bytes([t[0], t[1]]),
            u16::from_be_bytes([t[2], t[3]]),
        ))
    }

    /// The answer section's records, in order.
    pub fn answers(&self) -> Records<'_> {
        Records {
            msg: &self.bytes,
            pos: self.answers_at,
            left: self.answer_count,
        }
    }

    /// The authority section's records, in order (read past every answer record the header
    /// counts, even after [`Message::clear_answers`]; none for [`Message::header_only`]).
    pub fn authority(&self) -> Records<'_> {
        let count = |at: usize| {
            self.bytes
                .get(at..at + 2)
                .map_or(0, |c| u16::from_be_bytes([c[0], c[1]]))
        };
        let mut answers = Records {
            msg: &self.bytes,
            pos: self.answers_at,
            left: count(6),
        };
        while answers.next().is_some() {}
        Records {
            msg: &self.bytes,
            pos: answers.pos,
            // A section that could not be read to its end: nothing after it either.
            left: if answers.left == 0 { count(8) } else { 0 },
        }
    }

    /// How many records the answer section has.
    pub fn answer_count(&self) -> usize {
        usize::from(self.answer_count)
    }

    /// Forgets the answer section (the message then answers without records).
    pub fn clear_answers(&mut self) {
        self.answer_count = 0;
        self.has_cname = false;
    }

    /// Whether the answer section has a CNAME record.
    pub fn has_cname(&self) -> bool {
        self.has_cname
    }
}

/// What the check of a message's records found (see [`Message::parse`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Body {
    answer_count: u16,
    ext_rcode: u8,
    has_cname: bool,
}

impl Body {
    /// No records read.
    pub(crate) const NONE: Body = Body {
        answer_count: 0,
        ext_rcode: 0,
        has_cname: false,
    };

    /// The records of `packet` after its question section (read into `questions`), checked
    /// in one pass over the three sections; `None` when one does not read.
    pub(crate) fn check(packet: &[u8], questions: &Questions) -> Option<Body> {
        let count = |at: usize| usize::from(u16::from_be_bytes([packet[at], packet[at + 1]]));
        let answers = count(6);
        let additional_from = answers + count(8);
        let total = additional_from + count(10);
        let mut seen = questions.seen;
        let mut pos = questions.end;
        let mut body = Body {
            answer_count: answers as u16,
            ..Body::NONE
        };
        for i in 0..total {
            let fixed = skip_name_cached(packet, pos, &mut seen)?;
            let f = packet.get(fixed..fixed + 10)?;
            let rtype = u16::from_be_bytes([f[0], f[1]]);
            let len = usize::from(u16::from_be_bytes([f[8], f[9]]));
            let end = fixed + 10 + len;
            if end > packet.len() {
                return None;
            }
            // Addresses checked here; the types with names in their data in full.
            let valid = match rtype {
                rtype::A => len == 4,
                rtype::AAAA => len == 16,
                _ => read_record(packet, pos, fixed).is_some_and(|rr| rr.data_is_valid()),
            };
            if !valid {
                return None;
            }
            if rtype == rtype::CNAME && i < answers {
                body.has_cname = true;
            } else if rtype == TYPE_OPT && i >= additional_from {
                body.ext_rcode = f[4];
            }
            pos = end;
        }
        Some(body)
    }

    /// The response code of `packet` (the header's four bits, with the OPT record's upper
    /// eight bits).
    pub(crate) fn rcode(&self, packet: &[u8]) -> u16 {
        let low = packet.get(3).map_or(0, |b| b & 0x0f);
        u16::from(low) | (u16::from(self.ext_rcode) << 4)
    }
}

/// The records of one section.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    msg: &'a [u8],
    pos: usize,
    left: u16,
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        if self.left == 0 {
            return None;
        }
        // The message was checked whole: this only fails on a bug, and then ends the section.
        let rr = read_record(self.msg, self.pos, name_end(self.msg, self.pos)?)?;
        self.left -= 1;
        self.pos = rr.end;
        Some(rr)
    }
}

/// One resource record, read in place.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    msg: &'a [u8],
    pub name: Name<'a>,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    /// Where the data starts in the message (names in it may point anywhere before).
    data_at: usize,
    /// Where the record ends.
    end: usize,
}

impl<'a> Record<'a> {
    /// The record's data, as it is on the wire.
    pub fn data(&self) -> &'a [u8] {
        &self.msg[self.data_at..self.end]
    }

    /// The address of an A record (class IN or not).
    pub fn a(&self) -> Option<Ipv4Addr> {
        let d: [u8; 4] = self.data().try_into().ok()?;
        (self.rtype == rtype::A).then(|| Ipv4Addr::from(d))
    }

    /// The address of an AAAA record.
    pub fn aaaa(&self) -> Option<Ipv6Addr> {
        let d: [u8; 16] = self.data().try_into().ok()?;
        (self.rtype == rtype::AAAA).then(|| Ipv6Addr::from(d))
    }

    /// The target of a CNAME, PTR, NS or DNAME record.
    pub fn target(&self) -> Option<Name<'a>> {
        matches!(
            self.rtype,
            rtype::CNAME | rtype::PTR | rtype::NS | rtype::DNAME
        )
        .then_some(Name {
            msg: self.msg,
            at: self.data_at,
        })
    }

    /// The MINIMUM field of an SOA record (RFC 1035 3.3.13: its last four bytes; RFC 2308 3:
    /// the TTL of negative answers).
    pub fn soa_minimum(&self) -> Option<u32> {
        let d = self.data();
        let m: [u8; 4] = d.get(d.len().checked_sub(4)?..)?.try_into().ok()?;
        (self.rtype == rtype::SOA).then(|| u32::from_be_bytes(m))
    }

    /// A name inside the data, `offset` bytes in (MX, SRV, SOA fields); `None` when it does
    /// not read as a name.
    pub fn name_at(&self, offset: usize) -> Option<(Name<'a>, usize)> {
        let at = self.data_at.checked_add(offset)?;
        if at >= self.end {
            return None;
        }
        let end = skip_name(self.msg, at)?;
        (end <= self.end).then_some((Name { msg: self.msg, at }, end - self.data_at))
    }

    /// Whether the data of a type the library reads is exactly what that type holds.
    fn data_is_valid(&self) -> bool {
        let len = self.end - self.data_at;
        let names_fill = |mut offset: usize, names: usize, tail: usize| {
            for _ in 0..names {
                match self.name_at(offset) {
                    Some((_, next)) => offset = next,
                    None => return false,
                }
            }
            offset + tail == len
        };
        match self.rtype {
            rtype::A => len == 4,
            rtype::AAAA => len == 16,
            rtype::NS | rtype::CNAME | rtype::PTR | rtype::DNAME => names_fill(0, 1, 0),
            rtype::MX => len > 2 && names_fill(2, 1, 0),
            rtype::SRV => len > 6 && names_fill(6, 1, 0),
            rtype::SOA => names_fill(0, 2, 20),
            _ => true,
        }
    }
}

/// A name inside a message (already checked to be well formed), read label by label.
#[derive(Debug, Clone, Copy)]
pub struct Name<'a> {
    msg: &'a [u8],
    at: usize,
}

impl<'a> Name<'a> {
    /// The name at `at` in `msg`, which [`skip_name`] accepted.
    pub(crate) fn new(msg: &'a [u8], at: usize) -> Name<'a> {
        Name { msg, at }
    }

    /// Where the name is in its message.
    pub(crate) fn at(&self) -> usize {
        self.at
    }

    /// The labels, in order, without the root's empty one.
    pub fn labels(&self) -> Labels<'a> {
        Labels {
            msg: self.msg,
            pos: self.at,
            pointers: 0,
        }
    }

    /// Whether both are the same name, ASCII case ignored.
    pub fn eq_ignore_case(&self, other: &Name<'_>) -> bool {
        // The usual case in an answer: one is a compression pointer straight to the other.
        if std::ptr::eq(self.msg, other.msg)
            && (self.at == other.at || self.points_to(other.at) || other.points_to(self.at))
        {
            return true;
        }
        labels_eq(self.labels(), other.labels())
    }

    /// The two bytes of the name when it is only a compression pointer.
    pub(crate) fn pointer(&self) -> Option<[u8; 2]> {
        let p = *self.msg.get(self.at..)?.first_chunk::<2>()?;
        (p[0] & 0xc0 == 0xc0).then_some(p)
    }

    /// Whether the name is a compression pointer to position `pos`, and nothing before it.
    pub(crate) fn points_to(&self, pos: usize) -> bool {
        pos < 0x4000
            && self.msg.get(self.at..self.at + 2) == Some(&[0xc0 | (pos >> 8) as u8, pos as u8])
    }

    /// Whether this name has exactly `labels`, ASCII case ignored (the reference the one-pass
    /// [`Name::eq_dotted`] is tested against).
    #[cfg(test)]
    pub fn eq_labels<'b>(&self, labels: impl Iterator<Item = &'b [u8]>) -> bool {
        labels_eq(self.labels(), labels)
    }

    /// Whether this name is `dotted`: its labels joined by dots, no trailing dot, empty for
    /// the root (a name as [`super::name::checked_name`] gives it), ASCII case ignored. What
    /// `eq_labels(labels_of(dotted))` says for a checked name, in one pass, a label (not a
    /// byte) at a time; a label holding a dot never matches. For any other `dotted` (empty
    /// labels, too long) it is false: true means `dotted` is a valid checked name.
    pub fn eq_dotted(&self, dotted: &[u8]) -> bool {
        match self.eq_dotted_plain(dotted) {
            Some(eq) => eq,
            None => self.eq_dotted_labels(dotted),
        }
    }

    /// [`Name::eq_dotted`] for the usual case, a name without a compression pointer and a
    /// dotted form of at least eight bytes, compared whole rather than label by label: the
    /// wire form is the dotted one with a length byte in front and in place of each dot, and
    /// the root's byte after it. `None` (the label walk decides) for anything else.
    #[inline]
    fn eq_dotted_plain(&self, dotted: &[u8]) -> Option<bool> {
        let n = dotted.len();
        if n < 8 {
            return None;
        }
        let wire = self.msg.get(self.at..self.at + n + 2)?;
        // The length bytes: each where `dotted` has a dot, the root's right after its end.
        let mut p = 0;
        let mut labels = 0;
        loop {
            let len = usize::from(wire[p]);
            if len == 0 {
                if p != n + 1 {
                    return Some(false);
                }
                break;
            }
            if len > MAX_LABEL_LEN {
                return None;
            }
            // (Past the end of `dotted`: the name is longer.)
            if p > 0 && dotted.get(p - 1) != Some(&b'.') {
                return Some(false);
            }
            labels += 1;
            p += len + 1;
            if p > n + 1 {
                return Some(false);
            }
        }
        // The bytes between, eight at a time; every dot of `dotted` must be one of the
        // length bytes (a dot inside a label of the wire form is not).
        let text = &wire[1..=n];
        let mut dots = 0;
        for (x, y) in words(text).zip(words(dotted)) {
            if !eq8_dotted(x, y, !0, &mut dots) {
                return Some(false);
            }
        }
        let rest = n % 8;
        if rest != 0 {
            // The last eight bytes, only those the chunks did not cover.
            let (Some(x), Some(y)) = (text.last_chunk::<8>(), dotted.last_chunk::<8>()) else {
                return None;
            };
            let keep = !0u64 << (8 * (8 - rest));
            if !eq8_dotted(
                u64::from_le_bytes(*x),
                u64::from_le_bytes(*y),
                keep,
                &mut dots,
            ) {
                return Some(false);
            }
        }
        Some(dots + 1 == labels)
    }

    /// [`Name::eq_dotted`] label by label, compression pointers followed.
    fn eq_dotted_labels(&self, dotted: &[u8]) -> bool {
        let (msg, mut pos) = (self.msg, self.at);
        // Where the next label starts in `dotted`; past its end once every label was used.
        let mut i = 0;
        let mut pointers = 0;
        loop {
            let Some(&len) = msg.get(pos) else {
                return false;
            };
            let len = usize::from(len);
            match len & 0xc0 {
                0x00 if len == 0 => return i > dotted.len() || (i == 0 && dotted.is_empty()),
                0x00 => {
                    let (Some(label), Some(want)) =
                        (msg.get(pos + 1..pos + 1 + len), dotted.get(i..i + len))
                    else {
                        return false;
                    };
                    if !label_eq(label, want) {
                        return false;
                    }
                    // A dot after the label, or the end of `dotted`.
                    i += len;
                    match dotted.get(i) {
                        None => i += 1,
                        Some(b'.') if i + 1 < dotted.len() => i += 1,
                        Some(_) => return false,
                    }
                    pos += 1 + len;
                }
                0xc0 => {
                    pointers += 1;
                    let Some(&low) = msg.get(pos + 1) else {
                        return false;
                    };
                    if pointers > MAX_POINTERS {
                        return false;
                    }
                    pos = ((len & 0x3f) << 8) | usize::from(low);
                }
                _ => return false,
            }
        }
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.labels().next().is_none()
    }
}

fn labels_eq<'x, 'y>(
    mut a: impl Iterator<Item = &'x [u8]>,
    mut b: impl Iterator<Item = &'y [u8]>,
) -> bool {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
            _ => return false,
        }
    }
}

/// The labels of a [`Name`].
#[derive(Debug, Clone)]
pub struct Labels<'a> {
    msg: &'a [u8],
    pos: usize,
    pointers: usize,
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            let len = usize::from(*self.msg.get(self.pos)?);
            match len & 0xc0 {
                0x00 if len == 0 => return None,
                0x00 => {
                    let label = self.msg.get(self.pos + 1..self.pos + 1 + len)?;
                    self.pos += 1 + len;
                    return Some(label);
                }
                0xc0 => {
                    self.pointers += 1;
                    if self.pointers > MAX_POINTERS {
                        return None;
                    }
                    let low = usize::from(*self.msg.get(self.pos + 1)?);
                    self.pos = ((len & 0x3f) << 8) | low;
                }
                _ => return None,
            }
        }
    }
}

/// Checks the name at `pos` (see [`Message::parse`]) and returns the position right after it
/// in `msg` (after its first pointer, if it has one).
pub(crate) fn skip_name(msg: &[u8], pos: usize) -> Option<usize> {
    skip_name_cached(msg, pos, &mut None)
}

/// [`skip_name`], remembering in `seen` where the last name read starts (its first pointer's
/// target, or the name itself when it has no pointer) and the length of the (checked) name
/// from there: the names of one message mostly point to the same place (the question),
/// which is then read once.
fn skip_name_cached(
    msg: &[u8],
    mut pos: usize,
    seen: &mut Option<(usize, usize)>,
) -> Option<usize> {
    let start = pos;
    // The labels before any pointer (a whole question name, usually): their length is where
    // they end, checked once.
    loop {
        let len = usize::from(*msg.get(pos)?);
        if len == 0 {
            let wire_len = pos + 1 - start;
            if wire_len > MAX_WIRE_NAME {
                return None;
            }
            *seen = Some((start, wire_len));
            return Some(pos + 1);
        }
        if len > MAX_LABEL_LEN {
            break;
        }
        pos += 1 + len;
    }
    // A pointer (or a label type that is none) at `pos`.
    let mut wire_len = pos - start;
    if wire_len > MAX_WIRE_NAME {
        return None;
    }
    let mut end = None;
    let mut pointers = 0;
    // The first pointer's target and the length before it, to fill `seen` at the end.
    let mut first: Option<(usize, usize)> = None;
    loop {
        let len = usize::from(*msg.get(pos)?);
        match len & 0xc0 {
            0x00 => {
                wire_len += 1 + len;
                if wire_len > MAX_WIRE_NAME {
                    return None;
                }
                if len == 0 {
                    *seen = Some(match first {
                        Some((target, before)) => (target, wire_len - before),
                        None => (start, wire_len),
                    });
                    return Some(end.unwrap_or(pos + 1));
                }
                if pos + 1 + len > msg.len() {
                    return None;
                }
                pos += 1 + len;
            }
            0xc0 => {
                let low = usize::from(*msg.get(pos + 1)?);
                end.get_or_insert(pos + 2);
                pointers += 1;
                if pointers > MAX_POINTERS {
                    return None;
                }
                pos = ((len & 0x3f) << 8) | low;
                if first.is_none() {
                    if let Some((target, rest)) = *seen {
                        if target == pos {
                            return (wire_len + rest <= MAX_WIRE_NAME).then_some(end?);
                        }
                    }
                    first = Some((pos, wire_len));
                }
            }
            _ => return None,
        }
    }
}

/// Where a name already checked ends: after its root label or its first pointer (which is
/// not followed).
fn name_end(msg: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = usize::from(*msg.get(pos)?);
        match len & 0xc0 {
            0x00 if len == 0 => return Some(pos + 1),
            0x00 => pos += 1 + len,
            0xc0 => return Some(pos + 2),
            _ => return None,
        }
    }
}

/// Where the question section of `msg` ends (every question checked), `None` when the
/// message is shorter than a header or a question does not read.
pub fn question_end(msg: &[u8]) -> Option<usize> {
    Questions::read(msg).map(|q| q.end)
}

/// The question section of a message, read (every question checked).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Questions {
    /// Where the section ends.
    pub(crate) end: usize,
    /// What [`skip_name_cached`] left after the last question name: the records' names,
    /// which mostly point to the question, are then not read again.
    seen: Option<(usize, usize)>,
}

impl Questions {
    /// `None` when the message is shorter than a header or a question does not read.
    pub(crate) fn read(msg: &[u8]) -> Option<Questions> {
        if msg.len() < HEADER_LEN {
            return None;
        }
        let mut seen = None;
        let mut pos = HEADER_LEN;
        for _ in 0..u16::from_be_bytes([msg[4], msg[5]]) {
            pos = skip_name_cached(msg, pos, &mut seen)? + 4;
            if pos > msg.len() {
                return None;
            }
        }
        Some(Questions { end: pos, seen })
    }

    /// With one question: whether its name has no compression pointer (its bytes are then
    /// the whole name).
    pub(crate) fn plain_single(&self) -> bool {
        // The name at the header's end was the last read; the cache holds its start only when
        // it has no pointer (a pointer back to its own start would be a loop).
        matches!(self.seen, Some((HEADER_LEN, _)))
    }
}

/// The record at `pos` whose owner name ends at `fixed`: fixed fields read, data inside the
/// message.
fn read_record(msg: &[u8], pos: usize, fixed: usize) -> Option<Record<'_>> {
    let f = msg.get(fixed..fixed + 10)?;
    let data_at = fixed + 10;
    let end = data_at + usize::from(u16::from_be_bytes([f[8], f[9]]));
    if end > msg.len() {
        return None;
    }
    Some(Record {
        msg,
        name: Name { msg, at: pos },
        rtype: u16::from_be_bytes([f[0], f[1]]),
        class: u16::from_be_bytes([f[2], f[3]]),
        ttl: u32::from_be_bytes([f[4], f[5], f[6], f[7]]),
        data_at,
        end,
    })
}

/// Presentation form of a name without the trailing dot (`"."` for the root). Printable ASCII
/// is kept as is (no punycode decoding, no case change); `.` and `\` inside a label are escaped
/// with a backslash, other bytes as `\DDD` (decimal, RFC 1035 5.1, as glibc's `ns_name_ntop`).
pub fn name_to_string(name: &Name<'_>) -> String {
    let mut s = String::new();
    for (i, label) in name.labels().enumerate() {
        if i > 0 {
            s.push('.');
        }
        for &b in label {
            match b {
                b'.' | b'\\' => {
                    s.push('\\');
                    s.push(char::from(b));
                }
                0x21..=0x7e => s.push(char::from(b)),
                _ => {
                    s.push('\\');
                    s.push(char::from(b'0' + b / 100));
                    s.push(char::from(b'0' + b / 10 % 10));
                    s.push(char::from(b'0' + b % 10));
                }
            }
        }
    }
    if s.is_empty() {
        s.push('.');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::build_query;
    use crate::wire::testutil::{a_record, aaaa_record, cname_record, respond, Reply};

    /// An answer to an A query for `host.test` with these records, counts set by `respond`.
    fn answer(records: Vec<hickory_proto::rr::Record>) -> Vec<u8> {
        let q = build_query(7, "host.test", rtype::A, None).unwrap();
        respond(&q, &Reply::records(records))
    }

    /// The packet of `answer` with one raw record appended to the answer section.
    fn with_raw_answer(raw: &[u8]) -> Vec<u8> {
        let mut p = answer(vec![]);
        p[7] += 1;
        p.extend_from_slice(raw);
        p
    }

    #[test]
    fn authority_section_and_soa_minimum() {
        use crate::wire::testutil::soa_record;
        let q = build_query(7, "host.test", rtype::A, None).unwrap();
        let mut reply = Reply::records(vec![cname_record("host.test.", "real.test.")]);
        reply.authority = vec![soa_record("test.", 60, 5)];
        let m = Message::parse(&respond(&q, &reply)).unwrap();
        let soa: Vec<Record<'_>> = m.authority().collect();
        assert_eq!(soa.len(), 1);
        assert_eq!(
            (soa[0].rtype, soa[0].ttl, soa[0].soa_minimum()),
            (rtype::SOA, 60, Some(5))
        );
        assert_eq!(m.answers().next().unwrap().soa_minimum(), None);
        // The header's count, not what clear_answers left.
        let mut cleared = m.clone();
        cleared.clear_answers();
        assert_eq!(cleared.authority().count(), 1);
        // Header and question only: no section to read.
        assert_eq!(
            Message::header_only(m.bytes()).unwrap().authority().count(),
            0
        );
        let bare = Message::parse(&respond(&q, &Reply::rcode(3))).unwrap();
        assert_eq!(bare.authority().count(), 0);
    }

    #[test]
    fn reads_records_in_place() {
        let p = answer(vec![
            cname_record("host.test.", "Real.Test."),
            a_record("real.test.", [192, 0, 2, 1]),
            aaaa_record("real.test.", "2001:db8::1".parse().unwrap()),
        ]);
        let m = Message::parse(&p).unwrap();
        assert_eq!(m.bytes(), &p[..]);
        assert_eq!(m.id(), 7);
        assert_eq!(m.rcode(), 0);
        let (qname, qtype, qclass) = m.question().unwrap();
        assert_eq!(
            (name_to_string(&qname).as_str(), qtype, qclass),
            ("host.test", 1, 1)
        );
        let rs: Vec<Record<'_>> = m.answers().collect();
        assert_eq!(rs.len(), 3);
        assert_eq!(rs[0].rtype, rtype::CNAME);
        assert_eq!(rs[0].ttl, 300);
        assert_eq!(name_to_string(&rs[0].target().unwrap()), "Real.Test");
        assert!(rs[0].target().unwrap().eq_ignore_case(&rs[1].name));
        assert!(rs[1].name.eq_labels([&b"REAL"[..], b"test"].into_iter()));
        assert!(!rs[1].name.eq_labels([&b"real"[..]].into_iter()));
        for (dotted, want) in [
            (&b"REAL.test"[..], true),
            (b"real.test.x", false),
            (b"real", false),
            (b"real.tes", false),
            (b"real..test", false),
            (b"", false),
        ] {
            assert_eq!(rs[1].name.eq_dotted(dotted), want, "{dotted:?}");
        }
        assert_eq!(rs[1].a(), Some(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(rs[1].aaaa(), None);
        assert_eq!(rs[2].aaaa(), Some("2001:db8::1".parse().unwrap()));
        assert!(rs[2].target().is_none());
        assert!(m.has_cname());
        assert!(
            !Message::parse(&answer(vec![a_record("host.test.", [192, 0, 2, 1])]))
                .unwrap()
                .has_cname()
        );
        let mut cleared = m.clone();
        cleared.clear_answers();
        assert!(cleared.answer_count() == 0 && cleared.answers().next().is_none());
    }

    #[test]
    fn header_only_keeps_the_question() {
        let p = answer(vec![a_record("host.test.", [192, 0, 2, 1])]);
        let m = Message::header_only(&p).unwrap();
        assert_eq!(m.answer_count(), 0);
        assert_eq!(m.bytes().len(), 12 + 11 + 4);
        assert_eq!(m.question().unwrap().1, rtype::A);
        assert!(Message::header_only(&p[..20]).is_none());
    }

    #[test]
    fn first_of_several_questions() {
        let mut p = answer(vec![a_record("host.test.", [192, 0, 2, 1])]);
        let end = question_end(&p).unwrap();
        // A second question (AAAA for the same name, through a pointer) after the first.
        p[5] = 2;
        p.splice(end..end, [0xc0, 12, 0, 28, 0, 1]);
        let m = Message::parse(&p).unwrap();
        let (name, qtype, class) = m.question().unwrap();
        assert_eq!(
            (name_to_string(&name).as_str(), qtype, class),
            ("host.test", 1, 1)
        );
        assert_eq!(
            m.answers().next().unwrap().a(),
            Some(Ipv4Addr::new(192, 0, 2, 1))
        );
        let h = Message::header_only(&p).unwrap();
        assert_eq!(h.bytes().len(), end + 6);
        assert_eq!(h.question().unwrap().1, 1);
        p[5] = 0;
        p[7] = 0;
        p.truncate(12);
        assert!(Message::parse(&p).unwrap().question().is_none());
        assert!(Message::default().question().is_none());
    }

    #[test]
    fn extended_rcode_from_opt() {
        let mut p = answer(vec![]);
        p[11] = 1; // ARCOUNT
                   // OPT: root owner, type 41, payload 1232, extended rcode 1 (BADVERS = 16), no data.
        p.extend_from_slice(&[0, 0, 41, 4, 208, 1, 0, 0, 0, 0, 0]);
        assert_eq!(Message::parse(&p).unwrap().rcode(), 16);
    }

    #[test]
    fn rejects_what_does_not_read() {
        let ptr = 0xc0; // compression pointer to the question name at 12
        let good_a = [ptr, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1];
        assert!(Message::parse(&with_raw_answer(&good_a)).is_some());
        let bad: &[&[u8]] = &[
            // A with 3 bytes of data, AAAA with 4.
            &[ptr, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 3, 10, 0, 0],
            &[ptr, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1],
            // Data running past the end.
            &[ptr, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 9, 10, 0, 0, 1],
            // Owner: pointer to itself (the record starts at 27), past the end, label type 0x40.
            &[ptr, 27, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1],
            &[ptr, 250, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1],
            &[0x41, 1, 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1],
            // CNAME whose name does not fill the data, or runs past it.
            &[ptr, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4, 1, b'x', 0, 0],
            &[ptr, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 1, b'x', 0],
            // MX without a name, SOA without its 20 bytes.
            &[ptr, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 2, 0, 10],
            &[ptr, 12, 0, 6, 0, 1, 0, 0, 0, 60, 0, 4, ptr, 12, ptr, 12],
            // Cut inside the fixed fields.
            &[ptr, 12, 0, 1, 0, 1, 0, 0],
        ];
        for raw in bad {
            assert!(Message::parse(&with_raw_answer(raw)).is_none(), "{raw:?}");
        }
        // A label of 64 bytes and a name of 256 bytes.
        let mut long_label = vec![64];
        long_label.extend_from_slice(&[b'a'; 64]);
        long_label.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
        assert!(Message::parse(&with_raw_answer(&long_label)).is_none());
        let mut long_name = Vec::new();
        for _ in 0..4 {
            long_name.push(63);
            long_name.extend_from_slice(&[b'a'; 63]);
        }
        long_name.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
        assert!(Message::parse(&with_raw_answer(&long_name)).is_none());
        // More records counted than present (in any section).
        for count_at in [7, 9, 11] {
            let mut p = answer(vec![a_record("host.test.", [192, 0, 2, 1])]);
            p[count_at] += 1;
            assert!(Message::parse(&p).is_none(), "count at {count_at}");
        }
        // Unknown types are taken as they are; bytes after the last record are ignored.
        let mut p = with_raw_answer(&[ptr, 12, 0, 99, 0, 1, 0, 0, 0, 60, 0, 1, 7]);
        p.extend_from_slice(&[1, 2, 3]);
        let m = Message::parse(&p).unwrap();
        assert_eq!(m.answers().next().unwrap().data(), &[7]);
    }

    #[test]
    fn longest_names_with_and_without_pointers() {
        // Owner names of 255 bytes (read) and 256 (not), all labels or ending in a pointer to
        // the question's "\x04host\x04test\x00" (11 bytes).
        let owner = |total: usize, pointer: bool| {
            let mut n = Vec::new();
            let mut left = total - if pointer { 11 } else { 1 };
            while left > 0 {
                let len = (left - 1).min(63);
                n.push(len as u8);
                n.extend(std::iter::repeat_n(b'a', len));
                left -= len + 1;
            }
            n.extend_from_slice(if pointer { &[0xc0, 12][..] } else { &[0][..] });
            n.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
            n
        };
        for pointer in [false, true] {
            let ok = with_raw_answer(&owner(255, pointer));
            let m = Message::parse(&ok).unwrap_or_else(|| panic!("{pointer}"));
            let name = m.answers().next().unwrap().name;
            assert_eq!(name.labels().map(|l| l.len() + 1).sum::<usize>() + 1, 255);
            assert!(Message::parse(&with_raw_answer(&owner(256, pointer))).is_none());
        }
    }

    #[test]
    fn forward_pointers_are_followed() {
        // An owner that points forward to a name stored in a later record's data.
        let mut p = answer(vec![]);
        p[7] = 2;
        let second = p.len() + 16;
        let target = second + 12; // the CNAME's data
        p.extend_from_slice(&[
            0xc0,
            target as u8,
            0,
            1,
            0,
            1,
            0,
            0,
            0,
            60,
            0,
            4,
            10,
            0,
            0,
            1,
        ]);
        p.extend_from_slice(&[
            0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 5, 3, b'f', b'w', b'd', 0,
        ]);
        let m = Message::parse(&p).unwrap();
        let first = m.answers().next().unwrap();
        assert_eq!(name_to_string(&first.name), "fwd");
        assert_eq!(first.a(), Some(Ipv4Addr::new(10, 0, 0, 1)));
    }

    #[test]
    fn eq_dotted_agrees_with_labels() {
        use crate::wire::name::{checked_bytes, labels_of};
        let mut seed = 99u32;
        let mut next = |n: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) % n
        };
        let pick = b"aAb.-Z@[\xc1\xe1";
        // How often the whole-name path answered false and true.
        let mut plain = [0; 2];
        for _ in 0..50_000 {
            // A wire name of up to 4 labels of up to 20 bytes (dots inside labels included),
            // the last labels behind a compression pointer now and then.
            let mut wire = vec![0xc0, 12]; // any 2 bytes before: names start at 2
            let mut labels = Vec::new();
            for _ in 0..next(5) {
                let longest = if next(3) == 0 { 20 } else { 3 };
                let len = 1 + next(longest) as usize;
                labels.push(
                    (0..len)
                        .map(|_| pick[next(10) as usize])
                        .collect::<Vec<u8>>(),
                );
            }
            let split = next(labels.len() as u32 + 2) as usize;
            let mut tail = Vec::new();
            for (i, label) in labels.iter().enumerate() {
                let part = if i < split { &mut wire } else { &mut tail };
                part.push(label.len() as u8);
                part.extend_from_slice(label);
            }
            if split < labels.len() {
                // The rest of the name after the pointer, itself reached through a second
                // pointer half the time.
                let here = wire.len();
                wire.extend_from_slice(&[0xc0, (here + 2) as u8]);
                if next(2) == 0 {
                    wire.extend_from_slice(&[0xc0, (here + 4) as u8]);
                }
                tail.push(0);
                wire.extend_from_slice(&tail);
            } else {
                wire.push(0);
            }
            let mut dotted = labels.join(&b'.');
            // Compare with the name itself and with a mutated dotted form (a byte changed,
            // case swapped, a dot added or taken away).
            match next(8) {
                0 if !dotted.is_empty() => {
                    let at = next(dotted.len() as u32) as usize;
                    dotted[at] = pick[next(10) as usize];
                }
                1 => dotted.make_ascii_uppercase(),
                2 => dotted.push(b'.'),
                3 => dotted.insert(0, b'.'),
                4 if !dotted.is_empty() => {
                    dotted.pop();
                }
                // Cut anywhere, or another name altogether.
                5 => dotted.truncate(next(dotted.len() as u32 + 1) as usize),
                6 => {
                    dotted = (0..next(30)).map(|_| pick[next(10) as usize]).collect();
                }
                _ => {}
            }
            let name = Name::new(&wire, 2);
            // The reference compares checked names only; any other dotted form never matches.
            let checked = dotted.is_empty() || checked_bytes(&dotted) == Ok(&dotted[..]);
            let want = checked && name.eq_labels(labels_of(&dotted));
            assert_eq!(name.eq_dotted(&dotted), want, "{wire:?} {dotted:?}");
            // The whole-name path, where it answers, and the label walk agree.
            assert_eq!(name.eq_dotted_labels(&dotted), want, "{wire:?} {dotted:?}");
            if let Some(eq) = name.eq_dotted_plain(&dotted) {
                assert_eq!(eq, want, "plain: {wire:?} {dotted:?}");
                plain[usize::from(eq)] += 1;
            }
        }
        // Both answers of the whole-name path were met, and it left the compressed names to
        // the walk.
        assert!(plain[0] > 500 && plain[1] > 500, "{plain:?}");
        let wire = [0, 0, 5, b'a', b'b', b'c', b'd', b'e', 0xc0, 0];
        assert_eq!(Name::new(&wire, 2).eq_dotted_plain(b"abcde.x.y"), None);
        // A label of 46 bytes: its length byte is a dot.
        let long = [b'q'; 46];
        let mut wire = vec![0, 0, 46];
        wire.extend_from_slice(&long);
        wire.extend_from_slice(&[1, b'Z', 0]);
        let name = Name::new(&wire, 2);
        let dotted = [&long[..], b".z"].concat();
        assert_eq!(name.eq_dotted_plain(&dotted), Some(true));
        let mut other = dotted.clone();
        other[46] = b'x';
        assert_eq!(name.eq_dotted_plain(&other), Some(false));
        assert!(!name.eq_dotted(&[&long[..], b".z.", &long[..]].concat()));
        // A dotted form that ends where a longer name's first label does (the walk must
        // not read past its end).
        let wire = b"\0\0\x0awith space\x07example\0";
        let name = Name::new(wire, 2);
        assert_eq!(name.eq_dotted_plain(b"space.test"), Some(false));
        assert_eq!(name.eq_dotted_plain(b"with space"), Some(false));
        assert_eq!(name.eq_dotted_plain(b"with spac."), Some(false));
        assert!(name.eq_dotted(b"with space.example"));
        assert!(!name.eq_dotted(b"with space.exampl"));
        // A pointer loop never matches.
        let wire = [0, 0, 1, b'a', 0xc0, 2];
        assert!(!Name::new(&wire, 2).eq_dotted(b"a.a"));
    }

    #[test]
    fn presentation_of_odd_bytes() {
        let owner = [3, b'a', b'.', b'b', 3, b'c', b'\\', 1, 0];
        let mut raw = owner.to_vec();
        raw.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
        let p = with_raw_answer(&raw);
        let m = Message::parse(&p).unwrap();
        let r = m.answers().next().unwrap();
        assert_eq!(name_to_string(&r.name), "a\\.b.c\\\\\\001");
        assert!(!r.name.eq_dotted(b"a.b.c\\\x01"));
        assert!(!r.name.is_root());
    }
}
