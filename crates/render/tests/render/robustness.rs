//! Random input through every parser: highlight, diff_patch, diff_texts and the step renderer
//! never panic and keep their shapes.

use rand::{Rng, SeedableRng};
use serde_json::json;
use trawl_render::{diff_patch, diff_texts, highlight, render_step, RenderOptions};

use crate::support::step_with_call;

const LANGS: &[&str] =
    &["python", "c", "cpp", "rust", "php", "ruby", "shell", "json", "diff", "markdown", "html", "typescript", "plain"];

/// Random bytes, biased towards the characters parsers care about, made valid UTF-8 the way
/// ingest does (lossy replacement).
fn random_text(rng: &mut impl Rng) -> String {
    const PIECES: &[&str] = &[
        "\n",
        "\r\n",
        "\t",
        " ",
        "\"",
        "'",
        "\"\"\"",
        "/*",
        "*/",
        "#",
        "//",
        "<?php",
        "?>",
        "<",
        ">",
        "{",
        "}",
        "(",
        ")",
        "@@ -1,2 +1,3 @@",
        "@@ -0,0 +1 @@",
        "diff --git a/x b/x\n",
        "--- a/x\n",
        "+++ b/x\n",
        "--- /dev/null\n",
        "+",
        "-",
        "\\ No newline at end of file\n",
        "Binary files a/x and b/x differ\n",
        "GIT binary patch\n",
        "rename from x\n",
        "${",
        "`",
        "\\",
        "é",
        "\u{0}",
        "\u{feff}",
        "def ",
        "fn ",
        "end",
        "<<EOF\n",
        "EOF\n",
        "     12\t",
        "3:",
    ];
    let n = rng.random_range(0..200);
    let mut out = String::new();
    for _ in 0..n {
        if rng.random_bool(0.5) {
            out.push_str(PIECES[rng.random_range(0..PIECES.len())]);
        } else {
            let len = rng.random_range(0..12);
            let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            out.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    out
}

#[test]
fn random_input_never_panics() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for i in 0..1500 {
        let text = random_text(&mut rng);
        let lang = LANGS[i % LANGS.len()];
        let code = highlight(&text, lang, Some(50));
        assert_eq!(code.lines.len(), code.line_numbers.len());
        assert!(code.lines.len() <= 50);
        let files = diff_patch(&text);
        for f in &files {
            assert_eq!(
                f.added + f.removed,
                f.hunks.iter().flat_map(|h| &h.lines).filter(|l| l.kind != trawl_render::DiffLineKind::Ctx).count()
                    as u64
            );
        }
        let other = random_text(&mut rng);
        let d = diff_texts(&text, &other, "x.py", 3);
        assert!(
            d.hunks.is_empty() == (text.lines().collect::<Vec<_>>() == other.lines().collect::<Vec<_>>())
                || text.contains('\r')
                || other.contains('\r')
        );
        let name = ["str_replace_editor", "execute_bash", "edit", "open", "think", "x"][i % 6];
        let command = ["view", "str_replace", "insert", "create", &text, "edit 1:2\nx\nend_of_edit"][i % 6];
        let step = step_with_call(
            name,
            json!({"command": command, "path": "a.c", "old_str": text, "new_str": other, "insert_line": "7", "file_text": text}),
            Some(&other),
        );
        let _ = render_step(&step, i, &RenderOptions::default());
    }
}

#[test]
fn huge_inputs_are_capped() {
    let line = "a = \"b\" + c # d ".repeat(20);
    let big: String = (0..50_000).map(|_| line.as_str()).collect::<Vec<_>>().join("\n");
    let code = highlight(&big, "python", None);
    assert_eq!(code.lines.len(), 50_000);
    // Past the budget, lines are plain.
    assert!(code.lines.last().unwrap().len() == 1 && code.lines.last().unwrap()[0].class.is_none());
    assert!(code.lines[0].len() > 1);
}

#[test]
fn extreme_line_numbers_do_not_overflow() {
    let max = u64::MAX;
    let patch = format!("--- a/x.py\n+++ b/x.py\n@@ -{max},3 +{max},3 @@\n a\n-b\n+c\n d\n");
    let files = diff_patch(&patch);
    assert_eq!((files[0].added, files[0].removed), (1, 1));
    assert_eq!(files[0].hunks[0].lines[0].old_no, Some(max));
    for (name, args) in [
        ("str_replace_editor", json!({"command": "insert", "path": "a.py", "insert_line": max, "new_str": "x\ny"})),
        ("execute_bash", json!({"command": format!("sed -n '{max},{max}p' a.py")})),
        ("edit_file", json!({"path": "a.py", "content": "x\ny", "start": max, "end": max})),
        ("edit", json!({"command": format!("edit {max}:{max}\nx\ny\nend_of_edit")})),
    ] {
        let step = step_with_call(name, args, Some("x\ny\nz"));
        let _ = render_step(&step, 0, &RenderOptions::default());
    }
}
