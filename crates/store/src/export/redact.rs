//! Redaction: secret patterns (API keys, tokens, private keys) replaced by `[REDACTED:<kind>]`,
//! counted per kind.

use std::sync::LazyLock;

/// Secret kinds and their patterns, most specific first.
pub(super) const SECRET_KINDS: [(&str, &str); 8] = [
    ("private_key", r#"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----[^"]*?-----END[A-Z ]{0,40}PRIVATE KEY-----"#),
    ("anthropic", r"\bsk-ant-[A-Za-z0-9_\-]{20,}"),
    ("openai", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),
    ("github", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
    ("aws", r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    ("huggingface", r"\bhf_[A-Za-z0-9]{30,}"),
    ("slack", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    ("bearer", r"\bBearer\s+[A-Za-z0-9._~+/=\-]{20,}"),
];

pub(super) fn secret_pattern() -> String {
    SECRET_KINDS.iter().enumerate().map(|(i, (_, p))| format!("(?P<k{i}>{p})")).collect::<Vec<_>>().join("|")
}

pub(super) static SECRETS_STR: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(&secret_pattern()).expect("secret patterns compile"));
pub(super) static SECRETS_BYTES: LazyLock<regex::bytes::Regex> =
    LazyLock::new(|| regex::bytes::Regex::new(&secret_pattern()).expect("secret patterns compile"));

pub(super) type Counts = [u64; SECRET_KINDS.len()];

pub(super) fn replacement(kind: usize) -> String {
    match SECRET_KINDS[kind].0 {
        "bearer" => "Bearer [REDACTED:bearer]".to_string(),
        k => format!("[REDACTED:{k}]"),
    }
}

/// Replaces secrets in a text, counting them per kind.
pub fn redact_str<'a>(text: &'a str, counts: &mut [u64; 8]) -> std::borrow::Cow<'a, str> {
    SECRETS_STR.replace_all(text, |c: &regex::Captures<'_>| {
        let k = (0..SECRET_KINDS.len()).find(|i| c.name(&format!("k{i}")).is_some()).unwrap_or(0);
        counts[k] += 1;
        replacement(k)
    })
}

pub(super) fn redact_bytes<'a>(text: &'a [u8], counts: &mut Counts) -> std::borrow::Cow<'a, [u8]> {
    SECRETS_BYTES.replace_all(text, |c: &regex::bytes::Captures<'_>| {
        let k = (0..SECRET_KINDS.len()).find(|i| c.name(&format!("k{i}")).is_some()).unwrap_or(0);
        counts[k] += 1;
        replacement(k).into_bytes()
    })
}

/// The names of the secret kinds redaction knows.
pub fn secret_kinds() -> Vec<&'static str> {
    SECRET_KINDS.iter().map(|(k, _)| *k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_counts_each_kind() {
        let mut c = [0u64; 8];
        let text = format!(
            "key sk-ant-{} and sk-proj-{} gh ghp_{} aws AKIAABCDEFGHIJKLMNOP hf hf_{} slack xoxb-1234567890-abc \
             Authorization: Bearer {} -----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY----- fine sk-short",
            "a".repeat(30),
            "b".repeat(30),
            "c".repeat(36),
            "d".repeat(34),
            "e".repeat(30)
        );
        let out = redact_str(&text, &mut c);
        assert_eq!(c, [1, 1, 1, 1, 1, 1, 1, 1], "{out}");
        assert!(out.contains("[REDACTED:anthropic]") && out.contains("Bearer [REDACTED:bearer]"));
        assert!(out.contains("sk-short"));
        assert!(!out.contains("aaaa") && !out.contains("PRIVATE KEY"));
        let mut c2 = [0u64; 8];
        let bytes = redact_bytes(text.as_bytes(), &mut c2);
        assert_eq!(bytes.as_ref(), out.as_bytes());
    }
}
