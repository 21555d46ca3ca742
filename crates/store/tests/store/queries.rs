//! Queries that cannot crash, on a real store (SQLite + tantivy) of the real fixtures and a
//! trajectory whose tool output is a long traceback: random and deeply nested queries through every
//! entry of the search path answer or name a column, and a pasted traceback of hundreds of words
//! is found as a phrase, with its snippet.

use std::path::PathBuf;

use trawl_gen::queries::{phrase, traceback};
use trawl_store::ingest::{ingest, IngestOptions};
use trawl_store::search::{self, SearchParams, Sort};
use trawl_store::{Store, StoreError};

fn real() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/real")
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let messages = serde_json::json!([
        {"role": "user", "content": "Fix the crash."},
        {"role": "assistant", "content": "Running the tests.", "tool_calls": [{"id": "c1", "type": "function",
            "function": {"name": "execute_bash", "arguments": "{\"command\": \"pytest\"}"}}]},
        {"role": "tool", "content": traceback(40), "tool_call_id": "c1", "name": "execute_bash"},
    ]);
    let rec = serde_json::json!({"instance_id": "o__r-1", "repo": "o/r", "trajectory_id": "tb",
        "trajectory": messages, "model_patch": "", "dataset": "test"});
    let data = dir.path().join("rows.jsonl");
    std::fs::write(&data, format!("{rec}\n")).unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    ingest(&mut store, &[real(), data], &IngestOptions::default(), |_| {}).unwrap();
    (dir, store)
}

fn search(store: &Store, q: &str) -> Result<search::SearchResult, StoreError> {
    search::search(
        store,
        &SearchParams { query: q.into(), limit: 20, offset: 0, sort: Sort::Relevance, snippets: true },
    )
}

#[test]
fn a_pasted_traceback_is_found_as_a_phrase_with_its_snippet() {
    let (_d, store) = store();
    let tb = traceback(40);
    assert!(tb.split_whitespace().count() >= 220);
    let r = search(&store, &phrase(&tb)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.total, 1);
    let hit = &r.hits[0];
    assert_eq!(hit.instance_id.as_deref(), Some("o__r-1"));
    assert_eq!(hit.step, Some(1), "the step of the tool call and its output");
    let snip = hit.snippet.as_ref().expect("a snippet");
    assert!(!snip.highlights.is_empty() && snip.text.contains("Traceback"), "{snip:?}");
    assert_eq!(search::count(&store, &phrase(&tb)).unwrap().0, 1);
    // many long phrases at once, and one that is absent
    let q = format!("{} OR {}", phrase(&tb), phrase(&tb.replace("quokka", "wombat")));
    assert_eq!(search(&store, &q).unwrap().total, 1);
    // long globs: answered, or refused in a sentence
    let glob = format!("repo:{}*", "o".repeat(15_000));
    assert_eq!(search(&store, &glob).unwrap().total, 0);
    assert_eq!(search(&store, &format!("repo:{}", "o*".repeat(5_000))).unwrap().total, 0);
    for field in ["instance", "id", "tool"] {
        match search(&store, &format!("{field}:{}", "o*".repeat(5_000))) {
            Err(StoreError::Invalid(m)) => {
                assert!(m.starts_with("the pattern 'o*o*") && m.contains("too complex"), "{field}: {m}")
            }
            other => panic!("{field}: {:?}", other.map(|r| r.total)),
        }
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Random queries: grammar tokens, words of the fixtures, unicode, deep runs and huge words.
fn random_query(rng: &mut Rng) -> String {
    const TOKENS: &[&str] = &[
        "(",
        ")",
        "-",
        "\"",
        "\\\"",
        " ",
        " ",
        "OR",
        "AND",
        "traceback",
        "django",
        "error",
        "the",
        "Ünï",
        "😀",
        "日本",
        "repo:",
        "repo:*/*",
        "repo:ponylang/ponyc",
        "instance:*",
        "flag:loop",
        "steps:>",
        "steps:>3",
        "steps:1..9",
        "patch_lines:<=10",
        "resolved:true",
        "resolved:unknown",
        "format:*",
        "format:openhands-events",
        "label:verdict=keep",
        "label:verdict:none",
        "label:quality>=4",
        "label:nope",
        "noted:true",
        "noted:false",
        "annotator:*",
        "step:(tool:execute_bash)",
        "step:(cmd:/py.*test/ exit:!0)",
        "step:(",
        "cmd:/a(b/",
        "tool:*",
        "tool:execute_bash",
        "id:*",
        "model:*",
        "dataset:*",
        "foo:bar",
        "\"most recent call\"",
        "\"a b c\"",
        "*",
    ];
    let mut q = String::new();
    match rng.below(8) {
        0 => {
            let unit = ["(", "-", "-(", "( traceback OR "][rng.below(4)];
            q.push_str(&unit.repeat(rng.below(5_000) + 1));
        }
        1 => {
            // a long phrase of words that occur in the index
            let words = ["file", "line", "in", "result", "value", "depth", "repo", "src", "pkg", "py"];
            q.push('"');
            for _ in 0..rng.below(2_000) + 200 {
                q.push_str(words[rng.below(words.len())]);
                q.push(' ');
            }
            q.push('"');
        }
        _ => {}
    }
    let most = if rng.below(2) == 0 { 4 } else { 40 };
    for _ in 0..rng.below(most) {
        q.push_str(TOKENS[rng.below(TOKENS.len())]);
        if rng.below(3) == 0 {
            q.push(' ');
        }
    }
    if rng.below(3) == 0 {
        q.push_str(&")".repeat(rng.below(70)));
    }
    q
}

#[test]
fn random_and_deeply_nested_queries_answer_or_name_a_column_on_a_real_store() {
    let (_d, store) = store();
    let mut rng = Rng(0x7a41_2026_1207);
    let (mut answered, mut refused) = (0, 0);
    for i in 0..400 {
        let q = random_query(&mut rng);
        let len = q.chars().count();
        let head: String = q.chars().take(60).collect();
        let results = [
            search(&store, &q).map(|r| r.total),
            search::count(&store, &q).map(|(n, _)| n),
            search::matching_ids(&store, &q).map(|v| v.len() as u64),
            search::query_terms(&store, &q).map(|v| v.len() as u64),
        ];
        for r in results {
            match r {
                Ok(_) => answered += 1,
                Err(StoreError::Query(e)) => {
                    assert!(e.column >= 1 && e.column <= len + 1, "case {i} ({head:?}…): column {} of {len}", e.column);
                    refused += 1;
                }
                // an unknown label set is refused by name
                Err(StoreError::Invalid(m)) if m.contains("nope") => refused += 1,
                Err(e) => panic!("case {i} ({head:?}…): not a query error: {e}"),
            }
        }
    }
    assert!(answered > 100 && refused > 100, "answered {answered}, refused {refused}");
}

/// Ordering results by a text column (instance, repo, dataset; ascending and descending) gives
/// SQLite's `ORDER BY column COLLATE NOCASE, id` (no value first, ASCII case folded), reversed for
/// descending: the rank tables are built from the index's fast fields and the instance index, not
/// from the rows, and must order exactly as the rows do; after an ingest adds rows, they are
/// placed too.
#[test]
fn text_sorts_order_as_sqlite_nocase_and_follow_new_rows() {
    use trawl_store::search::TextKey;
    let dir = tempfile::tempdir().unwrap();
    let row = |i: usize, repo: Option<&str>, inst: Option<&str>, dataset: &str| {
        let messages = serde_json::json!([
            {"role": "user", "content": format!("Task {i}.")},
            {"role": "assistant", "content": "Done."},
        ]);
        let mut rec = serde_json::json!({"trajectory_id": format!("t{i}"), "trajectory": messages,
            "model_patch": "", "dataset": dataset});
        if let Some(r) = repo {
            rec["repo"] = r.into();
        }
        if let Some(x) = inst {
            rec["instance_id"] = x.into();
        }
        format!("{rec}\n")
    };
    let first = dir.path().join("a.jsonl");
    std::fs::write(
        &first,
        [
            row(1, Some("Zeta/x"), Some("Zeta__x-2"), "B"),
            row(2, Some("alpha/y"), Some("alpha__y-1"), "a"),
            row(3, Some("ALPHA/y"), Some("ALPHA__y-1"), "b"),
            row(4, None, None, "A"),
            row(5, Some("beta/q"), Some("beta__q-9"), "c"),
        ]
        .concat(),
    )
    .unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    ingest(&mut store, &[real(), first], &IngestOptions::default(), |_| {}).unwrap();
    let check = |store: &Store, when: &str| {
        for (key, col) in [(TextKey::Instance, "instance_id"), (TextKey::Repo, "repo"), (TextKey::Dataset, "dataset")] {
            for desc in [false, true] {
                let r = search::search(
                    store,
                    &SearchParams {
                        query: String::new(),
                        limit: 1000,
                        offset: 0,
                        sort: Sort::Text(key, desc),
                        snippets: false,
                    },
                )
                .unwrap();
                let got: Vec<i64> = r.hits.iter().map(|h| h.row_id).collect();
                let list = got.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                let mut want: Vec<i64> = store
                    .connection()
                    .prepare(&format!(
                        "SELECT id FROM trajectories WHERE id IN ({list}) ORDER BY {col} COLLATE NOCASE, id"
                    ))
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                if desc {
                    want.reverse();
                }
                assert!(got.len() > 10, "{when}: {} hits", got.len());
                assert_eq!(got, want, "{when}: {col} desc={desc}");
            }
        }
    };
    check(&store, "after the first ingest");
    let second = dir.path().join("b.jsonl");
    std::fs::write(
        &second,
        [row(6, Some("AAA/first"), Some("AAA__first-1"), "0"), row(7, Some("zzz/last"), None, "z")].concat(),
    )
    .unwrap();
    ingest(&mut store, &[second], &IngestOptions::default(), |_| {}).unwrap();
    check(&store, "after a second ingest");
}

/// A word in thousands of shared texts is found in every trajectory that references one of them,
/// alone, beside a rarer word and negated: in today's index (past a few thousand chunks the
/// references are read from the `chunk_ref` column) and in an index written before `chunk_ref`
/// was a fast field (a term set). Both give exactly the rows the data was built with.
#[test]
fn a_word_in_thousands_of_shared_texts_is_found_through_every_reference() {
    const N: usize = 2_300;
    let dir = tempfile::tempdir().unwrap();
    // Shared text k: the common word `package`, the rare word `marker` when k % 97 == 0, and an
    // id that makes it unique; long enough to be indexed once as a chunk.
    let shared = |k: usize| {
        let rare = if k.is_multiple_of(97) { " marker" } else { "" };
        format!("text{k} package{rare} {}", "lorem ipsum dolor sit amet ".repeat(24))
    };
    let call = |id: &str, out: String| {
        [
            serde_json::json!({"role": "assistant", "content": "Looking.", "tool_calls": [{"id": id,
                "type": "function", "function": {"name": "execute_bash", "arguments": "{\"command\": \"cat a\"}"}}]}),
            serde_json::json!({"role": "tool", "content": out, "tool_call_id": id, "name": "execute_bash"}),
        ]
    };
    let line = |tid: String, task: String, calls: Vec<serde_json::Value>| {
        let mut messages = vec![serde_json::json!({"role": "user", "content": task})];
        messages.extend(calls);
        let rec = serde_json::json!({"trajectory_id": tid, "trajectory": messages, "model_patch": "",
            "dataset": "shared"});
        format!("{rec}\n")
    };
    // First s0..=sN, each the first to hold shared text k (indexed inline); then t0..tN-1, each
    // holding texts i and i + 1, which by then are chunks it references. Every tenth t says
    // `inline` in its task.
    let first: String =
        (0..=N).map(|k| line(format!("s{k}"), format!("Seed {k}."), call("a", shared(k)).to_vec())).collect();
    let second: String = (0..N)
        .map(|i| {
            let task = if i % 10 == 0 { format!("Task {i} inline.") } else { format!("Task {i}.") };
            let mut calls = call("a", shared(i)).to_vec();
            calls.extend(call("b", shared(i + 1)));
            line(format!("t{i}"), task, calls)
        })
        .collect();
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    std::fs::write(&a, first).unwrap();
    std::fs::write(&b, second).unwrap();
    let db = dir.path().join("t.db");
    let mut store = Store::open(&db).unwrap();
    ingest(&mut store, &[a, b], &IngestOptions::default(), |_| {}).unwrap();
    let marked = |i: &usize| i.is_multiple_of(97) || (i + 1).is_multiple_of(97);
    let names = |s: Vec<usize>, t: Vec<usize>| -> Vec<String> {
        let mut v: Vec<String> =
            s.into_iter().map(|k| format!("s{k}")).chain(t.into_iter().map(|i| format!("t{i}"))).collect();
        v.sort();
        v
    };
    let all_s: Vec<usize> = (0..=N).collect();
    let all_t: Vec<usize> = (0..N).collect();
    let want = [
        ("package", names(all_s.clone(), all_t.clone())),
        (
            "marker package",
            names((0..=N).filter(|k| k % 97 == 0).collect(), all_t.iter().copied().filter(marked).collect()),
        ),
        ("inline package", names(vec![], (0..N).filter(|i| i % 10 == 0).collect())),
        ("inline marker", names(vec![], (0..N).filter(|i| i % 10 == 0 && marked(i)).collect())),
        ("package -marker", names((0..=N).filter(|k| k % 97 != 0).collect(), (0..N).filter(|i| !marked(i)).collect())),
        ("text1000", names(vec![1000], vec![999, 1000])),
    ];
    let check = |store: &Store, when: &str| {
        for (q, want) in &want {
            let mut got: Vec<String> = search::matching_ids(store, q)
                .unwrap()
                .into_iter()
                .map(|id| {
                    store
                        .connection()
                        .query_row("SELECT trajectory_id FROM trajectories WHERE id = ?1", [id], |r| r.get(0))
                        .unwrap()
                })
                .collect();
            got.sort();
            assert_eq!(got.len(), want.len(), "{when}: {q}");
            assert_eq!(&got, want, "{when}: {q}");
        }
    };
    assert!(store.index_has_chunk_ref_column());
    check(&store, "today's index");
    drop(store);
    let index_dir = trawl_store::index_dir_for(&db);
    std::fs::remove_dir_all(&index_dir).unwrap();
    drop(trawl_store::index::Index::create_with(&index_dir, false).unwrap());
    let store = Store::open(&db).unwrap();
    assert!(!store.index_has_chunk_ref_column(), "the older index is kept and caught up, not rebuilt");
    check(&store, "an index without the chunk_ref column");
}
