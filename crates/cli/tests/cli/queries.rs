//! Queries that cannot crash: deeply nested, too long and very long phrase queries through the
//! real `trawl search` and through a real `trawl serve` over HTTP. A nested query is a one-line
//! column error (exit 1, HTTP 400 `bad_query`), never a stack overflow (exit 134, a dead server);
//! a pasted traceback of hundreds of words is answered as a phrase.

use std::path::Path;

use crate::support::{run, run_json, trawl, u};
use trawl_gen::queries::{phrase, traceback};

/// A database with one trajectory whose tool output is a long traceback, plus a second one without it.
fn db_with_traceback(dir: &Path) -> std::path::PathBuf {
    let messages = |out: &str| {
        serde_json::json!([
            {"role": "system", "content": "You are a helpful agent."},
            {"role": "user", "content": "Fix the crash."},
            {"role": "assistant", "content": "Running the tests.", "tool_calls": [{"id": "c1", "type": "function",
                "function": {"name": "execute_bash", "arguments": "{\"command\": \"pytest\"}"}}]},
            {"role": "tool", "content": out, "tool_call_id": "c1", "name": "execute_bash"},
        ])
    };
    let rec = |id: &str, out: &str| {
        serde_json::json!({"instance_id": format!("o__r-{id}"), "repo": "o/r", "trajectory_id": id,
            "trajectory": messages(out), "model_patch": "", "dataset": "test"})
        .to_string()
    };
    let data = dir.join("rows.jsonl");
    std::fs::write(&data, format!("{}\n{}\n", rec("1", &traceback(40)), rec("2", "all tests passed"))).unwrap();
    let db = dir.join("t.db");
    run(&db, &["ingest", data.to_str().unwrap()]);
    db
}

/// The nested queries of the issue (10,400 levels crashed `trawl search`, 3,000 `trawl serve`).
fn nested(levels: usize) -> Vec<String> {
    vec![
        format!("{}a{}", "(".repeat(levels), ")".repeat(levels)),
        format!("{}a", "-".repeat(levels)),
        format!("{}a{}", "-(".repeat(levels / 2), ")".repeat(levels / 2)),
        // never closed: still refused at the depth limit, not after recursing to the end
        format!("{}a", "(".repeat(levels)),
    ]
}

/// Runs `trawl --db DB ARGS` expecting exit 1 with one line on stderr; returns it.
fn fails(db: &Path, args: &[&str]) -> String {
    let out = trawl().arg("--db").arg(db).args(args).output().expect("run trawl");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "trawl search <{} chars> should exit 1, got {}: {err}",
        args[1].len(),
        out.status
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one-line reason expected, got {err:?}");
    err
}

#[test]
fn nested_queries_exit_1_with_a_column_error_in_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_traceback(dir.path());
    for q in nested(10_400) {
        let err = fails(&db, &["search", &q]);
        assert!(err.contains("column 65") && err.contains("nested too deeply"), "{err}");
        let err = fails(&db, &["search", &q, "--count"]);
        assert!(err.contains("column 65"), "{err}");
    }
    // 64 levels are fine
    let ok = format!("{}traceback{}", "(".repeat(64), ")".repeat(64));
    assert_eq!(u(&run_json(&db, &["search", &ok, "--json"]), "total"), 1);
    // too long, too many terms
    let err = fails(&db, &["search", &"x".repeat(25_000)]);
    assert!(err.contains("column 20001") && err.contains("too long"), "{err}");
    let err = fails(&db, &["search", &"ab ".repeat(1_200)]);
    assert!(err.contains("column 3001") && err.contains("too many terms"), "{err}");
}

#[test]
fn a_pasted_traceback_is_answered_as_a_phrase_in_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_traceback(dir.path());
    let tb = traceback(40);
    let words = tb.split_whitespace().count();
    assert!(words >= 400, "{words} words");
    let q = phrase(&tb);
    let r = run_json(&db, &["search", &q, "--json"]);
    assert_eq!(u(&r, "total"), 1, "{r}");
    assert_eq!(r["hits"][0]["instance_id"], "o__r-1", "{r}");
    let n = String::from_utf8(run(&db, &["search", &q, "--count"])).unwrap();
    assert_eq!(n.trim(), "1");
    // one word changed: not found, still answered
    let other = phrase(&tb.replace("zebra quokka", "zebra wombat"));
    assert_eq!(u(&run_json(&db, &["search", &other, "--json"]), "total"), 0);
}

#[test]
fn trawl_serve_answers_nested_and_long_queries_and_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_traceback(dir.path());
    let mut s = crate::support::Serve::start(&db);
    for q in nested(3_000) {
        let calls = [
            ("search", serde_json::json!({"query": q, "limit": 10, "offset": 0})),
            ("charts", serde_json::json!({"query": q})),
            ("label_bulk", serde_json::json!({"query": q, "set": "verdict", "value": "keep", "expect": null})),
            (
                "queue",
                serde_json::json!({"query": q, "kind": null, "set": null, "n": null, "seed": null, "offset": 0, "limit": null}),
            ),
        ];
        for (method, params) in calls {
            let (status, e) = s.call(method, params);
            assert_eq!(status, 400, "{method}: {e}");
            assert_eq!(e["code"], "bad_query", "{method}: {e}");
            assert_eq!(e["column"], 65, "{method}: {e}");
        }
    }
    // the deepest queries allowed are answered (the parser, the compiler and tantivy all recurse)
    let double_negations = format!("{}zebra{}", "-(".repeat(32), ")".repeat(32));
    let alternatives = format!("{}zebra{}", "(nothing OR ".repeat(64), ")".repeat(64));
    for q in [double_negations, alternatives] {
        let (status, r) = s.call("search", serde_json::json!({"query": q, "limit": 10, "offset": 0}));
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["total"], 1, "{q}: {r}");
        let (status, r) = s.call("charts", serde_json::json!({"query": q}));
        assert_eq!(status, 200, "{r}");
    }
    // a pasted traceback is answered, by search and by the others
    let q = phrase(&traceback(40));
    let (status, r) = s.call("search", serde_json::json!({"query": q, "limit": 10, "offset": 0, "snippets": true}));
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["total"], 1, "{r}");
    let (status, r) = s.call("charts", serde_json::json!({"query": q}));
    assert_eq!(status, 200, "{r}");
    // and the server still answers the next plain request
    let (status, r) = s.call("search", serde_json::json!({"query": "", "limit": 10, "offset": 0}));
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["total"], 2, "{r}");
    assert!(s.running(), "the server is still running");
}
