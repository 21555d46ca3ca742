use std::collections::HashMap;

use serde_json::Value;

use crate::common::{calls, lines};

struct Hunk {
    old_start: usize,
    old_len: usize,
    new_len: usize,
    lines: Vec<(char, String)>,
}

struct FileDiff {
    path: String,
    new_file: bool,
    hunks: Vec<Hunk>,
}

fn range(s: &str) -> (usize, usize) {
    match s.split_once(',') {
        Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
        None => (s.parse().unwrap(), 1),
    }
}

/// Parses a `git diff`; panics on anything that is not well formed.
fn parse_patch(patch: &str) -> Vec<FileDiff> {
    let mut files: Vec<FileDiff> = Vec::new();
    let mut it = patch.lines().peekable();
    while let Some(line) = it.next() {
        if let Some(rest) = line.strip_prefix("diff --git a/") {
            let (a, b) = rest.split_once(" b/").unwrap();
            assert_eq!(a, b);
            files.push(FileDiff { path: a.to_string(), new_file: false, hunks: Vec::new() });
            continue;
        }
        let f = files.last_mut().expect("content before the first diff header");
        if line == "new file mode 100644" {
            f.new_file = true;
        } else if let Some(rest) = line.strip_prefix("index ") {
            let (x, y) = rest.split(' ').next().unwrap().split_once("..").unwrap();
            assert_eq!(x.len(), 7);
            assert_eq!(y.len(), 7);
        } else if let Some(p) = line.strip_prefix("--- ") {
            let want = if f.new_file { "/dev/null".to_string() } else { format!("a/{}", f.path) };
            assert_eq!(p, want);
        } else if let Some(p) = line.strip_prefix("+++ ") {
            assert_eq!(p, format!("b/{}", f.path));
        } else if let Some(h) = line.strip_prefix("@@ -") {
            let (ranges, _) = h.split_once(" @@").unwrap();
            let (old, new) = ranges.split_once(" +").unwrap();
            let (old_start, old_len) = range(old);
            let (_, new_len) = range(new);
            let mut hunk = Hunk { old_start, old_len, new_len, lines: Vec::new() };
            // A hunk is exactly as long as its header says.
            let (mut old_seen, mut new_seen) = (0, 0);
            while old_seen < old_len || new_seen < new_len {
                let l = it.next().expect("hunk shorter than its header");
                let tag = l.chars().next().unwrap_or(' ');
                match tag {
                    ' ' => (old_seen, new_seen) = (old_seen + 1, new_seen + 1),
                    '-' => old_seen += 1,
                    '+' => new_seen += 1,
                    _ => panic!("bad hunk line {l:?}"),
                }
                hunk.lines.push((tag, l.get(1..).unwrap_or("").to_string()));
            }
            assert_eq!((old_seen, new_seen), (hunk.old_len, hunk.new_len), "hunk sizes");
            f.hunks.push(hunk);
        } else {
            panic!("unexpected patch line {line:?}");
        }
    }
    files
}

#[test]
fn patches_are_real_diffs_of_the_viewed_files() {
    let mut checked_removed = 0;
    let mut checked_files = 0;
    for (i, line) in lines(300).iter().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        let patch = v["model_patch"].as_str().unwrap();
        if patch.is_empty() {
            continue;
        }
        let user = v["trajectory"][1]["content"].as_str().unwrap();
        let ws = user.lines().nth(1).unwrap().to_string();
        // What the agent saw of each file before editing it, and what it wrote into it.
        let mut seen: HashMap<String, HashMap<usize, String>> = HashMap::new();
        let mut edited: HashMap<String, String> = HashMap::new();
        let mut created: HashMap<String, String> = HashMap::new();
        for (name, args, obs) in calls(&v) {
            if name != "str_replace_editor" {
                continue;
            }
            let a: Value = serde_json::from_str(&args).unwrap();
            let path = a["path"].as_str().unwrap().to_string();
            match a["command"].as_str().unwrap() {
                "view" if !edited.contains_key(&path) => {
                    let header = format!("Here's the result of running `cat -n` on {path}:\n");
                    let Some(body) = obs.strip_prefix(&header) else {
                        continue;
                    };
                    let map = seen.entry(path).or_default();
                    for l in body.lines() {
                        if let Some((n, text)) = l.split_once('\t') {
                            if let Ok(n) = n.trim_start().parse::<usize>() {
                                map.insert(n, text.to_string());
                            }
                        }
                    }
                }
                "str_replace" | "insert" if !obs.starts_with("ERROR") => {
                    edited.entry(path).or_default().push_str(a["new_str"].as_str().unwrap());
                }
                "create" => {
                    created.insert(path, a["file_text"].as_str().unwrap().to_string());
                }
                _ => {}
            }
        }
        for f in parse_patch(patch) {
            let abs = format!("{ws}/{}", f.path);
            checked_files += 1;
            if f.new_file {
                let text = &created[&abs];
                let added: Vec<&str> = f.hunks[0].lines.iter().map(|(_, l)| l.as_str()).collect();
                assert_eq!(added, text.lines().collect::<Vec<_>>(), "row {i}: {}", f.path);
                continue;
            }
            let shown = seen.get(&abs).unwrap_or_else(|| panic!("row {i}: {} patched but never viewed", f.path));
            let wrote = &edited[&abs];
            for h in &f.hunks {
                let mut pos = h.old_start;
                for (tag, text) in &h.lines {
                    match tag {
                        '-' => {
                            let got = shown
                                .get(&pos)
                                .unwrap_or_else(|| panic!("row {i}: {} line {pos} removed but never shown", f.path));
                            assert_eq!(got, text, "row {i}: {} line {pos}", f.path);
                            checked_removed += 1;
                            pos += 1;
                        }
                        ' ' => {
                            if let Some(got) = shown.get(&pos) {
                                assert_eq!(got, text, "row {i}: {} context line {pos}", f.path);
                            }
                            pos += 1;
                        }
                        _ => assert!(
                            wrote.contains(text.as_str()),
                            "row {i}: {} added line {text:?} is not from an edit",
                            f.path
                        ),
                    }
                }
            }
        }
    }
    assert!(checked_files > 250, "{checked_files}");
    assert!(checked_removed > 100, "{checked_removed}");
}
