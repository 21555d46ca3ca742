//! The `vocabulary` method: its lists are the ones core and the store act on, and every
//! vocabulary enum's JSON is its stable name, with the API's error text for an unknown one.

use trawl_api::protocol::*;

fn names<T: serde::Serialize>(v: &[T]) -> Vec<String> {
    v.iter().map(|x| serde_json::to_value(x).unwrap().as_str().unwrap().to_string()).collect()
}

#[test]
fn vocabulary_comes_from_the_sources_of_truth() {
    let v = trawl_api::vocabulary();
    let flags: Vec<&str> = trawl_core::facts::Flag::ALL.iter().map(|f| f.as_str()).collect();
    assert_eq!(v.flags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), flags);
    // the flags responses carry are the same names, in the same order
    assert_eq!(QualityFlag::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(), flags);
    assert!(v.flags.iter().all(|t| !t.detail.is_empty()));
    let fields: Vec<&str> = trawl_core::query::fields().iter().map(|(n, _)| *n).collect();
    assert_eq!(v.fields.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), fields);
    let orders: Vec<&str> = trawl_store::subsets::ORDER_KEYS.iter().map(|(n, _)| *n).collect();
    assert_eq!(names(&v.cap_orders), orders);
    assert_eq!(names(&v.dedup_modes), ["none", "exact_patch", "exact_text", "near_patch"]);
    assert_eq!(names(&v.export_formats), ["jsonl-original", "sft-chat", "parquet"]);
    assert_eq!(names(&v.compressions), ["snappy", "zstd", "none"]);
    assert_eq!(v.observation_preview_lines as usize, trawl_api::OBSERVATION_PREVIEW_LINES);
}

#[test]
fn vocabulary_names_are_their_json_and_unknown_names_are_named() {
    for m in DedupMode::ALL {
        assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
        assert_eq!(serde_json::from_value::<DedupMode>(m.as_str().into()).unwrap(), *m);
    }
    for s in SearchSort::ALL {
        assert_eq!(s.as_str().parse::<SearchSort>().unwrap(), *s);
    }
    // an alias is read, the stable name written
    let k: ListKind = serde_json::from_str("\"instance\"").unwrap();
    assert_eq!((k, serde_json::to_string(&k).unwrap().as_str()), (ListKind::Instances, "\"instances\""));
    let err = |r: Result<Compression, serde_json::Error>| r.unwrap_err().to_string();
    assert!(err(serde_json::from_str("\"lzo\"")).starts_with("unknown compression 'lzo' (snappy, zstd, none)"));
    assert_eq!("bogus".parse::<SearchSort>().unwrap_err(), "unknown sort 'bogus'");
    assert_eq!(
        "x".parse::<CapOrder>().unwrap_err(),
        "unknown order key 'x' (known: resolved, fewest_steps, most_steps, smallest_patch, largest_patch, ingest)"
    );
    assert_eq!(
        "x".parse::<ExportFormat>().unwrap_err(),
        "unknown export format 'x' (jsonl-original, sft-chat, parquet)"
    );
}

/// The UI copies none of the served vocabularies by hand: no UI source outside the generated
/// `gen/` spells out half or more of one list (at least two names), as an array literal
/// (`['none', 'exact_patch']`) or as `<option value="…">` elements. (Naming a few query fields,
/// as the facet columns do, is using the vocabulary, not copying it.) (Labels keyed by a generated type, such as
/// `Record<ExportFormat, string>`, are not lists: the type check ties them to the API's.)
#[test]
fn the_ui_spells_out_no_served_vocabulary() {
    let v = trawl_api::vocabulary();
    let lists: Vec<(&str, Vec<String>)> = vec![
        ("flags", v.flags.iter().map(|t| t.name.clone()).collect()),
        ("query fields", v.fields.iter().map(|t| t.name.clone()).collect()),
        ("dedup modes", names(&v.dedup_modes)),
        ("cap orders", names(&v.cap_orders)),
        ("export formats", names(&v.export_formats)),
        ("compressions", names(&v.compressions)),
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src");
    let mut files = vec![];
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "gen") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "ts" || x == "tsx") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 20, "the check sees the UI's sources: {files:?}");
    // `[ … ]` with no bracket inside, and `value="…"` / `value='…'`
    fn arrays(src: &str) -> Vec<&str> {
        let mut out = vec![];
        let mut open = None;
        for (i, c) in src.char_indices() {
            match c {
                '[' => open = Some(i),
                ']' => {
                    if let Some(o) = open.take() {
                        out.push(&src[o..=i]);
                    }
                }
                _ => {}
            }
        }
        out
    }
    fn option_values(src: &str) -> Vec<String> {
        src.match_indices("value=")
            .filter_map(|(i, _)| {
                let rest = &src[i + 6..];
                let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
                rest[1..].split(q).next().map(str::to_string)
            })
            .collect()
    }
    let copies = |n: usize, of: usize| n >= 2 && 2 * n >= of;
    let quoted = |text: &str, name: &str| ["'", "\""].iter().any(|q| text.contains(&format!("{q}{name}{q}")));
    let mut found = vec![];
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        for (what, list) in &lists {
            for a in arrays(&src) {
                let n: Vec<&String> = list.iter().filter(|name| quoted(a, name)).collect();
                if copies(n.len(), list.len()) {
                    found.push(format!("{rel}: an array of {what} {n:?}"));
                }
            }
            let values = option_values(&src);
            let n: Vec<&String> = list.iter().filter(|name| values.contains(name)).collect();
            if copies(n.len(), list.len()) {
                found.push(format!("{rel}: <option> elements of {what} {n:?}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the UI copies vocabularies the API serves (read them from api/gen/vocabularyValues.ts):\n{}",
        found.join("\n")
    );
    // the check can fail: the list main had in ui/src/lib/subsets.ts is one
    let old = "export const DEDUP_MODES = ['none', 'exact_patch', 'exact_text', 'near_patch'] as const;";
    assert!(arrays(old).iter().any(|a| names(&v.dedup_modes).iter().filter(|n| quoted(a, n)).count() == 4));
}
