//! Minimal JSON string escaping into a byte buffer.
//!
//! Owns the escaping rules (the same output as `serde_json` for a `&str`: `"` `\` and control
//! characters escaped, everything else written as UTF-8). Escaping is per character, so escaped
//! pieces can be concatenated: corpus files are escaped once and views copy slices of that. It does
//! not build values or parse anything.

const fn escape_table() -> [u8; 256] {
    // 0 = copy, b'u' = \u00XX, otherwise the letter after the backslash.
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
}

static ESCAPE: [u8; 256] = escape_table();

/// Appends `s` escaped for the inside of a JSON string (no surrounding quotes).
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let e = ESCAPE[b as usize];
        if e == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if e == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 0xf) as usize]);
        } else {
            out.push(b'\\');
            out.push(e);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends `s` as a complete JSON string (with quotes).
pub(crate) fn string_into(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escape_into(out, s);
    out.push(b'"');
}

/// `s` as a complete JSON string, for building tool-call arguments.
pub(crate) fn push_json_str(args: &mut String, s: &str) {
    let mut buf = Vec::with_capacity(s.len() + 8);
    string_into(&mut buf, s);
    // Escaping only inserts ASCII and copies whole UTF-8 sequences, so this cannot fail.
    args.push_str(std::str::from_utf8(&buf).expect("escaped text stays UTF-8"));
}

/// Builds the `arguments` JSON object text the way Python's `json.dumps` formats it
/// (`{"k": v, "k2": v2}`), from already-encoded values.
pub(crate) struct ArgsBuilder {
    text: String,
}

impl ArgsBuilder {
    pub(crate) fn new() -> Self {
        ArgsBuilder { text: String::from("{") }
    }

    fn key(&mut self, key: &str) {
        if self.text.len() > 1 {
            self.text.push_str(", ");
        }
        self.text.push('"');
        self.text.push_str(key);
        self.text.push_str("\": ");
    }

    /// Adds a string member.
    pub(crate) fn str(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        push_json_str(&mut self.text, value);
        self
    }

    /// Adds a member whose value is raw JSON (a number or an array).
    pub(crate) fn raw(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        self.text.push_str(value);
        self
    }

    pub(crate) fn finish(mut self) -> String {
        self.text.push('}');
        self.text
    }
}
