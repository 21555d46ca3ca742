//! Syntax highlighting: token classes per language, plain fallbacks, caps, odd input.

use trawl_render::{highlight, language_for_path, Span, TOKEN_CLASSES};

use crate::support::{classes, code_text};

const SAMPLES: &[(&str, &str)] = &[
    ("python", "import os\n\ndef f(x):\n    \"\"\"Doc.\"\"\"\n    return os.path.join(x, \"a\")  # done\n"),
    ("c", "#include <stdio.h>\nint main(void) {\n    printf(\"%d\\n\", 42); /* c */\n    return 0;\n}\n"),
    ("cpp", "#include <string>\nclass A { public: std::string s = \"x\"; virtual ~A() {} };\n"),
    ("go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\", 3) }\n"),
    ("java", "public class A {\n  private String s = \"x\";\n  void f() { return; }\n}\n"),
    ("javascript", "const f = (x) => {\n  if (x) { return 'b'; }\n  return null;\n};\n"),
    ("typescript", "interface A { x: number }\nexport function g(s: string): void { const t = \"u\"; }\n"),
    ("tsx", "export const C = (p: {n: string}) => <div className=\"a\">{p.n}</div>;\n"),
    ("php", "<?php\nfunction f($x) {\n    return \"s\" . $x;\n}\n"),
    ("ruby", "class A\n  def f(x)\n    puts \"hi #{x}\"\n  end\nend\n"),
    ("rust", "fn main() {\n    let s: &str = \"x\";\n    println!(\"{}\", s);\n}\n"),
    ("shell", "if [ -f x ]; then\n  echo \"found\" | grep -c f\nfi\n"),
];

#[test]
fn every_required_language_has_keyword_and_string_classes() {
    for (lang, src) in SAMPLES {
        let code = highlight(src, lang, None);
        assert_eq!(code.language, *lang);
        let cls = classes(&code);
        assert!(cls.iter().any(|c| c == "kw"), "{lang}: no keyword class in {cls:?}");
        assert!(cls.iter().any(|c| c == "str"), "{lang}: no string class in {cls:?}");
        // The text survives exactly.
        let expected: Vec<&str> = src.lines().collect();
        assert_eq!(code_text(&code), expected, "{lang}");
        for c in cls {
            assert!(TOKEN_CLASSES.contains(&c.as_str()), "{lang}: class {c} is not in the fixed set");
        }
    }
}

#[test]
fn php_without_open_tag_still_highlights_as_php() {
    let code = highlight("function f($x) { return \"s\"; }", "php", None);
    let cls = classes(&code);
    assert!(cls.contains(&"kw".to_string()) && cls.contains(&"str".to_string()), "{cls:?}");
}

#[test]
fn extra_syntaxes_toml_yaml_json_markdown_diff() {
    for (lang, src, class) in [
        ("toml", "[package]\nname = \"x\"\n", "str"),
        ("yaml", "a: \"b\"\nc: 1\n", "num"),
        ("json", "{\"a\": [1, true]}\n", "cst"),
        ("markdown", "# Title\n\nsome `code`\n", "kw"),
        ("diff", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", "hl-add"),
    ] {
        let code = highlight(src, lang, None);
        assert_eq!(code.language, lang);
        assert!(classes(&code).contains(&class.to_string()), "{lang}: {:?}", classes(&code));
    }
}

#[test]
fn multi_line_strings_keep_their_class_across_lines() {
    let code = highlight("x = \"\"\"first\nsecond line\nthird\"\"\"\ny = 1\n", "python", None);
    let second = &code.lines[1];
    assert!(second.iter().all(|s| s.class.is_some()), "{second:?}");
    assert!(code.lines[3].iter().any(|s| s.class.as_deref() == Some("num")));
}

#[test]
fn unknown_language_is_one_plain_span_per_line() {
    let code = highlight("a <b> c\n\nd", "klingon", None);
    assert_eq!(code.language, "plain");
    assert_eq!(code.lines, vec![vec![Span::plain("a <b> c")], vec![], vec![Span::plain("d")]]);
    assert_eq!(code.line_numbers, vec![None, None, None]);
    assert_eq!((code.total_lines, code.truncated, code.first_line), (3, false, 1));
}

#[test]
fn max_lines_truncates_and_reports_the_total() {
    let src: String = (0..50).map(|i| format!("x{i} = {i}\n")).collect();
    let code = highlight(&src, "python", Some(10));
    assert_eq!(code.lines.len(), 10);
    assert_eq!(code.line_numbers.len(), 10);
    assert_eq!(code.total_lines, 50);
    assert!(code.truncated);
    let whole = highlight(&src, "python", Some(50));
    assert!(!whole.truncated);
}

#[test]
fn very_long_lines_stay_plain_and_later_lines_still_highlight() {
    let long = format!("var a = \"{}\";", "x".repeat(10_000));
    let src = format!("{long}\nvar b = 'y';\n");
    let code = highlight(&src, "javascript", None);
    assert_eq!(code.lines[0], vec![Span::plain(long.clone())]);
    assert!(code.lines[1].iter().any(|s| s.class.as_deref() == Some("str")));
}

#[test]
fn crlf_tabs_empty_and_control_characters() {
    let code = highlight("def f():\r\n\treturn 1\r\n", "python", None);
    assert_eq!(code_text(&code), vec!["def f():", "\treturn 1"]);
    let empty = highlight("", "python", None);
    assert!(empty.lines.is_empty());
    assert_eq!(empty.total_lines, 0);
    let ctrl = highlight("a\u{0}b\u{1b}[31m\u{7f}\n", "shell", None);
    assert_eq!(code_text(&ctrl), vec!["a\u{0}b\u{1b}[31m\u{7f}"]);
}

#[test]
fn markup_stays_text_in_spans() {
    let payload = "<script>alert(1)</script>";
    for lang in ["html", "python", "plain", "markdown", "javascript"] {
        let code = highlight(&format!("x = \"{payload}\"\n{payload}\n"), lang, None);
        let text = code_text(&code).join("\n");
        assert!(text.contains(payload), "{lang}");
        for s in code.lines.iter().flatten() {
            if let Some(c) = &s.class {
                assert!(TOKEN_CLASSES.contains(&c.as_str()), "{lang}: class {c}");
            }
        }
    }
}

#[test]
fn language_for_path_by_extension_and_name() {
    for (path, lang) in [
        ("a/b/c.py", "python"),
        ("x.c", "c"),
        ("x.h", "c"),
        ("src/x.cc", "cpp"),
        ("x.hpp", "cpp"),
        ("main.go", "go"),
        ("A.java", "java"),
        ("a.js", "javascript"),
        ("a.mjs", "javascript"),
        ("a.ts", "typescript"),
        ("a.tsx", "tsx"),
        ("index.php", "php"),
        ("a.rb", "ruby"),
        ("Gemfile", "ruby"),
        ("lib.rs", "rust"),
        ("run.sh", "shell"),
        ("package.json", "json"),
        (".github/ci.yml", "yaml"),
        ("Cargo.toml", "toml"),
        ("README.md", "markdown"),
        ("a.html", "html"),
        ("a.css", "css"),
        ("fix.patch", "diff"),
        ("Makefile", "makefile"),
        ("Dockerfile", "dockerfile"),
        ("LICENSE", "plain"),
        ("a.pony", "plain"),
        ("", "plain"),
        ("C:\\x\\Y.PY", "python"),
    ] {
        assert_eq!(language_for_path(path), lang, "{path}");
    }
}

#[test]
fn every_language_id_of_language_for_path_highlights() {
    let paths = [
        "a.py",
        "a.c",
        "a.cpp",
        "a.go",
        "a.java",
        "a.js",
        "a.ts",
        "a.tsx",
        "a.php",
        "a.rb",
        "a.rs",
        "a.sh",
        "a.json",
        "a.yaml",
        "a.toml",
        "a.md",
        "a.html",
        "a.css",
        "a.diff",
        "a.xml",
        "a.sql",
        "a.cs",
        "a.kt",
        "a.scala",
        "a.swift",
        "a.lua",
        "a.pl",
        "a.r",
        "a.hs",
        "a.dart",
        "a.ex",
        "a.erl",
        "a.clj",
        "a.ml",
        "a.zig",
        "a.groovy",
        "Makefile",
        "CMakeLists.txt",
        "Dockerfile",
        "a.ini",
        "a.rst",
        "a.tex",
        "a.proto",
        "a.graphql",
        "a.vue",
        "a.svelte",
        "a.tf",
        "a.nix",
        "a.ps1",
        "a.bat",
        "a.m",
    ];
    for p in paths {
        let lang = language_for_path(p);
        assert_ne!(lang, "plain", "{p}");
        assert!(trawl_render::is_known_language(lang), "{p}: {lang} has no syntax");
    }
}
