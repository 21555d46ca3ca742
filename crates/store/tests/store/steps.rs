//! Step conditions read through the indexes of migration 0006 (the covering tool/exit index and
//! the trigram index of commands): the same trajectories as a brute-force check of every stored
//! call, before and after a reindex rewrites the calls; and the plans of selective conditions
//! search an index rather than scan `calls`.

use std::collections::BTreeSet;

use trawl_core::query::{parse, Expr, Pattern, StepCond};
use trawl_store::ingest::{ingest, IngestOptions};
use trawl_store::search::{self, glob_regex};
use trawl_store::Store;

/// Step queries: selective (a tool plus an exit code, a command regex or word) and not.
const QUERIES: &[&str] = &[
    "step:(tool:execute_bash exit:1)",
    "step:(tool:execute_bash exit:!0)",
    "step:(tool:execute_bash cmd:/pytest/ exit:!0)",
    "step:(tool:execute_bash cmd:/^grep -rn/ exit:1)",
    "step:(tool:execute_bash cmd:pytest exit:!0)",
    "step:(tool:execute_bash cmd:pytest)",
    "step:(tool:str_replace_editor cmd:/create/)",
    "step:(cmd:/pytest/)",
    "step:(cmd:/pytest/ exit:!0)",
    "step:(cmd:pytest exit:!1)",
    "step:(cmd:/(?i)PYTEST/)",
    "step:(cmd:/^sed -n '[0-9]+,/)",
    "step:(cmd:/test_[a-z]+\\.py$/)",
    "step:(cmd:/(pytest|unittest) -/)",
    "step:(cmd:/no-such-command-anywhere/)",
    "step:(cmd:/^ls/)",
    "step:(tool:execute_* exit:0)",
    "step:(exit:2)",
    "step:(exit:!0)",
    "flag:ran_tests step:(tool:execute_bash cmd:/pytest/ exit:!0)",
];

/// The selective forms, whose plans must read an index.
const SELECTIVE: &[&str] = &[
    "step:(tool:execute_bash exit:1)",
    "step:(tool:execute_bash exit:!0)",
    "step:(tool:execute_bash cmd:/^grep -rn/ exit:1)",
    "step:(tool:execute_bash cmd:pytest exit:!0)",
    "step:(tool:str_replace_editor cmd:/create/)",
    "step:(cmd:/pytest/)",
    "step:(cmd:pytest)",
    "step:(cmd:/(pytest|unittest) -/)",
];

fn store(n: u64) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("rows.jsonl");
    let w = std::io::BufWriter::new(std::fs::File::create(&data).unwrap());
    trawl_gen::write_jsonl(&trawl_gen::GenConfig::new(7), n, w).unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    ingest(&mut store, &[data], &IngestOptions::default(), |_| {}).unwrap();
    (dir, store)
}

/// Every stored call: (trajectory, tool, command, exit code).
type Call = (i64, String, String, Option<i64>);

fn calls(store: &Store) -> Vec<Call> {
    let mut st = store.connection().prepare("SELECT traj, tool, cmd, exit_code FROM calls NOT INDEXED").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
}

fn holds(c: &Call, cond: &StepCond) -> bool {
    let (_, tool, cmd, exit) = c;
    match cond {
        StepCond::Tool(Pattern::Exact(t)) => tool == t,
        StepCond::Tool(Pattern::Glob(g)) => {
            regex::Regex::new(&format!("^(?:{})$", glob_regex(g))).unwrap().is_match(tool)
        }
        StepCond::CmdRegex(re) => regex::Regex::new(re).unwrap().is_match(cmd),
        StepCond::CmdContains(s) => cmd.contains(s.as_str()),
        StepCond::ExitIs(n) => *exit == Some(*n),
        StepCond::ExitIsNot(n) => exit.is_some_and(|e| e != *n),
    }
}

/// The query's answer computed by hand: its one `step:( … )` over every call, intersected with
/// the query's other terms as the search answers them alone.
fn brute_force(store: &Store, all: &[Call], query: &str) -> BTreeSet<i64> {
    let items = match parse(query).unwrap() {
        Expr::And(items) => items,
        single => vec![single],
    };
    let mut out: Option<BTreeSet<i64>> = None;
    for item in items {
        let ids: BTreeSet<i64> = match &item {
            Expr::Step(conds) => all.iter().filter(|c| conds.iter().all(|k| holds(c, k))).map(|c| c.0).collect(),
            Expr::Field(_) => {
                let text = query.split_whitespace().next().unwrap();
                search::matching_ids(store, text).unwrap().into_iter().collect()
            }
            other => panic!("{query}: unexpected term {other:?}"),
        };
        out = Some(match out {
            None => ids,
            Some(prev) => prev.intersection(&ids).copied().collect(),
        });
    }
    out.unwrap_or_default()
}

fn check_all(store: &Store, when: &str) -> usize {
    let all = calls(store);
    assert!(all.len() > 1000, "{when}: {} calls", all.len());
    let mut with_hits = 0;
    for q in QUERIES {
        let got: BTreeSet<i64> = search::matching_ids(store, q).unwrap().into_iter().collect();
        let want = brute_force(store, &all, q);
        assert_eq!(got, want, "{when}: {q}");
        with_hits += usize::from(!got.is_empty());
    }
    // the trigram index agrees with the calls it was built from
    store
        .connection()
        .execute("INSERT INTO calls_cmd (calls_cmd, rank) VALUES ('integrity-check', 1)", [])
        .unwrap_or_else(|e| panic!("{when}: calls_cmd does not match calls: {e}"));
    with_hits
}

#[test]
fn step_queries_answer_what_a_scan_of_every_call_answers() {
    let (_d, mut store) = store(200);
    let with_hits = check_all(&store, "after ingest");
    assert!(with_hits >= QUERIES.len() - 3, "too few queries match anything: {with_hits}");
    // reindex deletes and rewrites every row's calls: the triggers keep the trigram index in step
    store.reindex().unwrap();
    check_all(&store, "after reindex");
}

#[test]
fn selective_step_conditions_search_an_index() {
    let (_d, store) = store(60);
    for q in SELECTIVE {
        let plans = search::explain_steps(&store, q).unwrap();
        assert_eq!(plans.len(), 1, "{q}: {plans:?}");
        let plan = &plans[0];
        assert!(
            !plan.iter().any(|l| l.starts_with("SCAN c") || l.starts_with("SCAN calls")),
            "{q} scans calls: {plan:?}"
        );
        let reads_index =
            plan.iter().any(|l| l.starts_with("SEARCH c USING") && l.contains("INDEX calls_tool_exit_traj_cmd"))
                || (plan.iter().any(|l| l.contains("VIRTUAL TABLE INDEX"))
                    && plan.iter().any(|l| l.contains("USING INTEGER PRIMARY KEY")));
        assert!(reads_index, "{q}: {plan:?}");
        if q.contains("tool:") {
            // The tool index holds the command too: the regex is checked without reading a row.
            assert!(
                plan.iter().any(|l| l.contains("USING COVERING INDEX calls_tool_exit_traj_cmd")),
                "{q} reads rows of calls: {plan:?}"
            );
        }
    }
    // a command regex alone is answered through the trigram index
    let plan = &search::explain_steps(&store, "step:(cmd:/pytest/)").unwrap()[0];
    assert!(plan.iter().any(|l| l.starts_with("SCAN f VIRTUAL TABLE")), "{plan:?}");
    // no literal of 3 characters: nothing to look up, a scan is the answer
    let plan = &search::explain_steps(&store, "step:(cmd:/^l/)").unwrap()[0];
    assert!(plan.iter().any(|l| l.starts_with("SCAN c")), "{plan:?}");
}
