//! Query texts for tests and benchmarks: a pasted traceback (a phrase of hundreds of words, which
//! users paste from logs) and the quoting that makes any text one phrase of the query language.

/// A Python traceback of `frames` frames (about 14 words each) ending in a `ValueError` that
/// names `'zebra quokka'`, as one pastes it from a log.
pub fn traceback(frames: usize) -> String {
    let mut t = String::from("Traceback (most recent call last):\n");
    for i in 0..frames {
        t.push_str(&format!(
            "  File \"/repo/src/pkg/module_{i}.py\", line {}, in handler_{i}\n    result = step_{i}(value, depth={i})\n",
            10 + i * 7
        ));
    }
    t.push_str("ValueError: invalid literal for int() with base 10: 'zebra quokka'\n");
    t
}

/// `text` as one quoted phrase of the query language (backslashes and quotes escaped).
pub fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}
