//! Step and trajectory rendering: each call kind, observations, truncation, the real fixtures.

use serde_json::{json, Value};
use trawl_core::{Role, Step};
use trawl_render::{
    render_observation, render_observation_full, render_step, render_trajectory, CallRender, DiffLineKind,
    RenderOptions, StepRole, TOKEN_CLASSES,
};

use crate::support::{classes, code_text, line_text, step_with_call, trajectories, TRAJECTORY_FIXTURES};

/// `     12\tcode` → (12, "code"), parsed on its own for checking.
fn cat_n(line: &str) -> Option<(u64, String)> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let (num, code) = line.split_once('\t')?;
    let n = num.trim_start().parse().ok()?;
    Some((n, code.to_string()))
}

#[test]
fn editor_view_observations_carry_real_line_numbers() {
    let mut checked_lines = 0;
    for rel in
        ["swe-zero-nvidia/keras-team__keras-nlp-385.final_request.json", "swe-smith-trajectories/adp_sample_raw.json"]
    {
        for t in trajectories(rel) {
            for (i, step) in t.steps.iter().enumerate() {
                let r = render_step(step, i, &RenderOptions { max_observation_lines: 100_000, ..Default::default() });
                for (call, rc) in step.tool_calls.iter().zip(&r.calls) {
                    let CallRender::View { path } = &rc.render else { continue };
                    assert_eq!(Some(path.as_str()), call.arguments["path"].as_str());
                    let obs = rc.observation.as_ref().expect("a view has an observation");
                    let raw: Vec<&str> = call.observation.as_deref().unwrap().split('\n').collect();
                    let raw: Vec<&str> = if raw.last() == Some(&"") { raw[..raw.len() - 1].to_vec() } else { raw };
                    assert_eq!(obs.lines.len(), raw.len(), "{rel} step {i}");
                    assert_eq!(obs.line_numbers.len(), obs.lines.len());
                    let texts = code_text(obs);
                    for ((raw_line, num), text) in raw.iter().zip(&obs.line_numbers).zip(&texts) {
                        if let Some((n, code)) = cat_n(raw_line) {
                            assert_eq!(*num, Some(n), "{rel} step {i}: {raw_line:?}");
                            assert_eq!(text, &code);
                            checked_lines += 1;
                        }
                    }
                    if obs.line_numbers.iter().any(Option::is_some) {
                        assert_eq!(obs.language, trawl_render::language_for_path(path));
                        assert_eq!(Some(obs.first_line), obs.line_numbers.iter().flatten().next().copied());
                    }
                }
            }
        }
    }
    assert!(checked_lines > 500, "only {checked_lines} numbered lines checked");
}

#[test]
fn abbreviated_view_with_space_separated_numbers() {
    let obs = "OBSERVATION:\n<NOTE>This file is too large.</NOTE>\r\n     1 \"\"\"\r\n     2 Docs.\r\n     3 \"\"\"\r\n     4 \r\n     5 import re\r\n";
    let step = step_with_call("str_replace_editor", json!({"command": "view", "path": "/t/a.py"}), Some(obs));
    let r = render_step(&step, 3, &RenderOptions::default());
    let o = r.calls[0].observation.as_ref().unwrap();
    assert_eq!(o.line_numbers, vec![None, None, Some(1), Some(2), Some(3), Some(4), Some(5)]);
    assert_eq!(code_text(o)[6], "import re");
    assert_eq!(o.language, "python");
    assert!(classes(o).contains(&"kw".to_string()));
    assert_eq!(code_text(o)[1], "<NOTE>This file is too large.</NOTE>");
}

#[test]
fn swe_agent_windows_open_edit_create_submit() {
    let t = &trajectories("swe-agent/pydicom__pydicom-1458.traj")[0];
    let (steps, patch) = render_trajectory(t, &RenderOptions::default());
    assert_eq!(patch.len(), 1);
    let mut kinds = std::collections::BTreeSet::new();
    for (s, rs) in t.steps.iter().zip(&steps) {
        for (c, rc) in s.tool_calls.iter().zip(&rs.calls) {
            match &rc.render {
                CallRender::View { path } => {
                    kinds.insert("view");
                    assert!(path.ends_with(".py"), "{path}");
                    let o = rc.observation.as_ref().unwrap();
                    // `273:            "Unable to …` → 273
                    for (raw, n) in c.observation.as_deref().unwrap().lines().zip(&o.line_numbers) {
                        let expected = raw.split_once(':').and_then(|(a, _)| a.parse::<u64>().ok());
                        assert_eq!(*n, expected, "{raw}");
                    }
                }
                CallRender::Edit { path, command, diff } => {
                    kinds.insert("edit");
                    assert!(command.starts_with("edit "), "{command}");
                    assert!(path.ends_with(".py"), "{path}");
                    assert!(diff.added > 0);
                    let body = c.arguments["command"].as_str().unwrap();
                    let first_added = line_text(&diff.hunks[0].lines[0].spans);
                    assert_eq!(body.lines().nth(1).unwrap(), first_added);
                    let start: u64 = command[5..].split(':').next().unwrap().parse().unwrap();
                    assert_eq!(diff.hunks[0].lines[0].new_no, Some(start));
                }
                CallRender::Create { path, .. } => {
                    kinds.insert("create");
                    assert_eq!(path, "reproduce_bug.py");
                }
                CallRender::Finish { text } => {
                    kinds.insert("finish");
                    assert_eq!(text, &s.text);
                    assert_eq!(rc.observation.as_ref().unwrap().language, "diff");
                }
                CallRender::Bash { command } => {
                    kinds.insert("bash");
                    assert_eq!(code_text(command).join("\n"), c.arguments["command"].as_str().unwrap());
                }
                _ => {}
            }
        }
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), vec!["bash", "create", "edit", "finish", "view"]);
}

#[test]
fn str_replace_is_an_edit_diff_relative_to_the_snippet() {
    let old = "def f(x):\n    return x\n";
    let new = "def f(x):\n    # doubled\n    return 2 * x\n";
    let step = step_with_call(
        "str_replace_editor",
        json!({"command": "str_replace", "path": "/w/m.py", "old_str": old, "new_str": new}),
        Some("The file /w/m.py has been edited."),
    );
    let r = render_step(&step, 0, &RenderOptions::default());
    let CallRender::Edit { path, command, diff } = &r.calls[0].render else { panic!("{:?}", r.calls[0].render) };
    assert_eq!((path.as_str(), command.as_str()), ("/w/m.py", "str_replace"));
    assert_eq!(diff.language, "python");
    assert_eq!((diff.added, diff.removed), (2, 1));
    let l = &diff.hunks[0].lines;
    assert_eq!((l[0].kind, l[0].old_no, l[0].new_no), (DiffLineKind::Ctx, Some(1), Some(1)));
    assert_eq!((l[1].kind, l[1].old_no), (DiffLineKind::Del, Some(2)));
    assert_eq!(line_text(&l[1].spans), "    return x");
    assert_eq!((l[2].kind, l[2].new_no), (DiffLineKind::Add, Some(2)));
    assert_eq!(l[2].spans.iter().find(|s| s.class.is_some()).and_then(|s| s.class.as_deref()), Some("com"));
}

#[test]
fn real_str_replace_calls_diff_their_arguments() {
    let t = &trajectories("swe-zero-nvidia/keras-team__keras-nlp-385.final_request.json")[0];
    let mut edits = 0;
    for (i, s) in t.steps.iter().enumerate() {
        let r = render_step(s, i, &RenderOptions::default());
        for (c, rc) in s.tool_calls.iter().zip(&r.calls) {
            if let CallRender::Edit { diff, .. } = &rc.render {
                edits += 1;
                let old = c.arguments["old_str"].as_str().unwrap();
                let new = c.arguments["new_str"].as_str().unwrap();
                let removed: Vec<String> = diff
                    .hunks
                    .iter()
                    .flat_map(|h| &h.lines)
                    .filter(|l| l.kind != DiffLineKind::Add)
                    .map(|l| line_text(&l.spans))
                    .collect();
                let added: Vec<String> = diff
                    .hunks
                    .iter()
                    .flat_map(|h| &h.lines)
                    .filter(|l| l.kind != DiffLineKind::Del)
                    .map(|l| line_text(&l.spans))
                    .collect();
                assert_eq!(removed, old.lines().collect::<Vec<_>>());
                assert_eq!(added, new.lines().collect::<Vec<_>>());
            }
        }
    }
    assert!(edits >= 5, "{edits}");
}

#[test]
fn insert_create_think_finish_generic_and_bash() {
    let opts = RenderOptions::default();
    let insert = step_with_call(
        "str_replace_editor",
        json!({"command": "insert", "path": "a.rs", "insert_line": 10, "new_str": "let a = 1;\nlet b = 2;"}),
        None,
    );
    let CallRender::Edit { diff, command, .. } = &render_step(&insert, 0, &opts).calls[0].render else { panic!() };
    assert_eq!(command, "insert");
    assert_eq!(diff.hunks[0].header, "@@ -10,0 +11,2 @@");
    assert_eq!(diff.hunks[0].lines.iter().map(|l| l.new_no).collect::<Vec<_>>(), vec![Some(11), Some(12)]);
    assert_eq!((diff.added, diff.removed), (2, 0));

    let create = step_with_call(
        "str_replace_editor",
        json!({"command": "create", "path": "/w/t.ts", "file_text": "export const a: number = 1;\n"}),
        Some("File created successfully at: /w/t.ts"),
    );
    let r = render_step(&create, 0, &opts);
    let CallRender::Create { path, code } = &r.calls[0].render else { panic!() };
    assert_eq!((path.as_str(), code.language.as_str()), ("/w/t.ts", "typescript"));
    assert!(classes(code).contains(&"kw".to_string()));
    assert_eq!(code_text(r.calls[0].observation.as_ref().unwrap()), vec!["File created successfully at: /w/t.ts"]);

    let think = step_with_call("think", json!({"thought": "Hmm.\nYes."}), Some("Your thought has been logged."));
    assert_eq!(render_step(&think, 0, &opts).calls[0].render, CallRender::Think { text: "Hmm.\nYes.".into() });

    let finish = step_with_call("finish", json!({"message": "Done.", "task_completed": "true"}), None);
    assert_eq!(render_step(&finish, 0, &opts).calls[0].render, CallRender::Finish { text: "Done.".into() });
    let submit = step_with_call("submit", json!({}), None);
    assert_eq!(render_step(&submit, 0, &opts).calls[0].render, CallRender::Finish { text: "doing it".into() });

    let generic = step_with_call("browser", json!({"url": "http://x", "n": 3}), None);
    let CallRender::Generic { arguments } = &render_step(&generic, 0, &opts).calls[0].render else { panic!() };
    assert_eq!(arguments.language, "json");
    assert_eq!(
        code_text(arguments).join("\n"),
        serde_json::to_string_pretty(&json!({"url": "http://x", "n": 3})).unwrap()
    );

    let mut bash = step_with_call(
        "execute_bash",
        json!({"command": "cd /w && grep -rn \"x\" ."}),
        Some("a.py:1:x\n[Command finished with exit code 1]"),
    );
    bash.tool_calls[0].exit_code = Some(1);
    bash.sync_observation();
    let r = render_step(&bash, 7, &opts);
    assert_eq!((r.index, r.exit_code, r.calls[0].exit_code), (7, Some(1), Some(1)));
    let CallRender::Bash { command } = &r.calls[0].render else { panic!() };
    assert_eq!(command.language, "shell");
    assert!(classes(command).contains(&"str".to_string()));
    assert!(r.observation.is_none(), "the call carries the observation");
    assert_eq!(r.calls[0].observation.as_ref().unwrap().language, "plain");
}

#[test]
fn observations_are_truncated_and_fetched_whole() {
    let long: String = (1..=500).map(|i| format!("{i:>6}\tx_{i} = {i}\n")).collect();
    let step = step_with_call("str_replace_editor", json!({"command": "view", "path": "v.py"}), Some(&long));
    let r = render_step(&step, 0, &RenderOptions::default());
    let o = r.calls[0].observation.as_ref().unwrap();
    assert_eq!((o.lines.len(), o.total_lines, o.truncated), (200, 500, true));
    assert_eq!(o.line_numbers[199], Some(200));
    let full = render_observation_full(&step, Some(0)).unwrap();
    assert_eq!((full.lines.len(), full.total_lines, full.truncated), (500, 500, false));
    assert_eq!(full.line_numbers[499], Some(500));
    assert_eq!(code_text(&full)[499], "x_500 = 500");
    let small = render_step(&step, 0, &RenderOptions { max_observation_lines: 5, ..Default::default() });
    assert_eq!(small.calls[0].observation.as_ref().unwrap().lines.len(), 5);
    assert!(render_observation_full(&step, Some(1)).is_none());
    assert_eq!(render_observation_full(&step, None).unwrap().total_lines, 500);

    // An orphan tool result is a step-level observation.
    let mut orphan = Step::message(Role::Tool, "");
    orphan.observation = Some("result\nmore".into());
    let r = render_step(&orphan, 2, &RenderOptions::default());
    assert_eq!(r.role, StepRole::Tool);
    assert_eq!(code_text(r.observation.as_ref().unwrap()), vec!["result", "more"]);
}

#[test]
fn observations_with_a_search_term_get_the_longer_preview() {
    let long: String =
        (1..=100).map(|i| if i == 30 { "a needle here\n".to_string() } else { format!("line {i}\n") }).collect();
    let step = step_with_call("execute_bash", json!({"command": "cat log"}), Some(&long));
    let opts = |terms: &[&str]| RenderOptions {
        max_observation_lines: 12,
        max_hit_observation_lines: 60,
        hit_terms: terms.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    };
    let lines = |o: &RenderOptions| render_step(&step, 0, o).calls[0].observation.as_ref().unwrap().lines.len();
    assert_eq!(lines(&opts(&[])), 12, "no query: the short preview");
    assert_eq!(lines(&opts(&["needle"])), 60, "a whole-word hit: the longer preview");
    assert_eq!(lines(&opts(&["needl"])), 12, "part of a word is no hit (the UI marks whole words)");
    assert_eq!(lines(&opts(&["absent"])), 12);
    // A hit past the lines the longer preview would show does not lengthen it.
    let late: String =
        (1..=100).map(|i| if i == 90 { "late needle\n".to_string() } else { format!("line {i}\n") }).collect();
    let late_step = step_with_call("execute_bash", json!({"command": "cat log"}), Some(&late));
    assert_eq!(render_step(&late_step, 0, &opts(&["needle"])).calls[0].observation.as_ref().unwrap().lines.len(), 12);
    // `observation` with a cap: the first lines, marked truncated.
    let cut = render_observation(&step, Some(0), Some(40)).unwrap();
    assert_eq!((cut.lines.len(), cut.total_lines, cut.truncated), (40, 100, true));
}

/// Every string in the JSON that contains `needle`, with the key it sits under.
fn strings_with<'a>(v: &'a Value, key: &'a str, needle: &str, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::String(s) if s.contains(needle) => out.push((key.to_string(), s)),
        Value::Array(a) => a.iter().for_each(|x| strings_with(x, key, needle, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| strings_with(x, k, needle, out)),
        _ => {}
    }
}

#[test]
fn markup_payloads_only_ever_appear_as_text() {
    let payload = "<script>alert('x')</script>";
    let mut steps = vec![
        step_with_call("execute_bash", json!({"command": format!("echo \"{payload}\"")}), Some(payload)),
        step_with_call(
            "str_replace_editor",
            json!({"command": "view", "path": "p.html"}),
            Some(&format!("     1\t{payload}\n     2\t<b onclick=\"x()\">")),
        ),
        step_with_call(
            "str_replace_editor",
            json!({"command": "str_replace", "path": "p.js", "old_str": payload, "new_str": format!("{payload}\n{payload}")}),
            None,
        ),
        step_with_call("weird_tool", json!({"html": payload}), Some(payload)),
        step_with_call("think", json!({"thought": payload}), None),
    ];
    let mut user = Step::message(Role::User, payload);
    user.thought = Some(payload.into());
    steps.push(user);
    let mut t = trawl_core::Trajectory::new(trawl_core::Format::OpenaiChat);
    t.steps = steps;
    t.patch = Some(format!("--- a/p.html\n+++ b/p.html\n@@ -1 +1 @@\n-{payload}\n+<p>{payload}</p>\n"));
    let out = render_trajectory(&t, &RenderOptions::default());
    let v = serde_json::to_value(&out).unwrap();
    let mut found = Vec::new();
    strings_with(&v, "", "<script>", &mut found);
    assert!(found.len() >= 12, "{found:?}");
    for (key, s) in &found {
        assert!(matches!(key.as_str(), "text" | "thought"), "markup under {key:?}: {s}");
    }
    let mut classes_seen = Vec::new();
    collect_classes(&v, &mut classes_seen);
    for c in classes_seen {
        assert!(TOKEN_CLASSES.contains(&c.as_str()), "class {c}");
    }
}

fn collect_classes(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| collect_classes(x, out)),
        Value::Object(o) => {
            if let Some(Value::String(c)) = o.get("class") {
                out.push(c.clone());
            }
            o.values().for_each(|x| collect_classes(x, out));
        }
        _ => {}
    }
}

#[test]
fn every_real_fixture_renders_with_consistent_shapes() {
    let opts = RenderOptions::default();
    for rel in TRAJECTORY_FIXTURES {
        for t in trajectories(rel) {
            let (steps, patch) = render_trajectory(&t, &opts);
            assert_eq!(steps.len(), t.steps.len(), "{rel}");
            assert_eq!(patch.is_empty(), t.patch.as_deref().is_none_or(|p| p.trim().is_empty()), "{rel}");
            for (i, (s, r)) in t.steps.iter().zip(&steps).enumerate() {
                assert_eq!(r.index, i);
                assert_eq!(r.calls.len(), s.tool_calls.len());
                assert_eq!(r.exit_code, s.exit_code);
                for (c, rc) in s.tool_calls.iter().zip(&r.calls) {
                    assert_eq!(rc.name, c.name);
                    assert_eq!(rc.exit_code, c.exit_code);
                    assert_eq!(rc.observation.is_some(), c.observation.is_some());
                    if let Some(o) = &rc.observation {
                        assert_eq!(o.lines.len(), o.line_numbers.len());
                        assert!(o.lines.len() <= opts.max_observation_lines);
                        assert_eq!(o.truncated, (o.lines.len() as u64) < o.total_lines);
                    }
                }
            }
            // The JSON round-trips.
            let json = serde_json::to_string(&(&steps, &patch)).unwrap();
            let back: (Vec<trawl_render::RenderedStep>, Vec<trawl_render::FileDiff>) =
                serde_json::from_str(&json).unwrap();
            assert_eq!(back, (steps, patch));
        }
    }
}

#[test]
fn wire_shapes_match_the_protocol() {
    let step = step_with_call("execute_bash", json!({"command": "ls"}), Some("a"));
    let v = serde_json::to_value(render_step(&step, 0, &RenderOptions::default())).unwrap();
    assert_eq!(v["role"], "assistant");
    assert_eq!(v["calls"][0]["render"]["kind"], "bash");
    assert_eq!(v["calls"][0]["render"]["command"]["language"], "shell");
    assert_eq!(v["calls"][0]["observation"]["line_numbers"], json!([null]));
    assert_eq!(v["calls"][0]["observation"]["lines"], json!([[{"text": "a", "class": null}]]));
    let d = serde_json::to_value(trawl_render::diff_texts("a\n", "b\n", "x", 1)).unwrap();
    assert_eq!(d["hunks"][0]["lines"][0]["kind"], "del");
    assert_eq!(d["hunks"][0]["lines"][1]["kind"], "add");
    assert_eq!(d["hunks"][0]["lines"][1]["old_no"], Value::Null);
}

#[test]
fn trajectory_render_equals_step_by_step_render() {
    // render_trajectory uses threads and a memo of highlighted lines; neither may change a thing.
    let opts = RenderOptions::default();
    let mut all: Vec<trawl_core::Trajectory> = TRAJECTORY_FIXTURES.iter().flat_map(|rel| trajectories(rel)).collect();
    // A long trajectory that views the same files again and again.
    let mut long = trajectories("swe-zero-nvidia/keras-team__keras-nlp-385.final_request.json").remove(0);
    let again = long.steps.clone();
    long.steps.extend(again);
    all.push(long);
    for t in &all {
        let (steps, patch) = render_trajectory(t, &opts);
        let one_by_one: Vec<_> = t.steps.iter().enumerate().map(|(i, s)| render_step(s, i, &opts)).collect();
        assert_eq!(steps, one_by_one);
        assert_eq!(patch, trawl_render::diff_patch(t.patch.as_deref().unwrap_or("")));
    }
}

#[test]
fn shell_file_dumps_are_highlighted_with_file_line_numbers() {
    // mini-swe-agent: `cat F` and `sed -n 'A,Bp' F` inside <returncode>/<output> wrappers.
    let t = &trajectories("mini-swe-agent-swebench/astropy__astropy-12907.traj.json")[0];
    let mut seen = Vec::new();
    for (i, s) in t.steps.iter().enumerate() {
        let r = render_step(s, i, &RenderOptions { max_observation_lines: 100_000, ..Default::default() });
        for (c, rc) in s.tool_calls.iter().zip(&r.calls) {
            let cmd = c.arguments["command"].as_str().unwrap_or("");
            let start = if cmd.starts_with("cat astropy") || cmd == "cat pyproject.toml" {
                1
            } else if let Some(rest) = cmd.strip_prefix("sed -n '") {
                rest.split(',').next().unwrap().parse().unwrap()
            } else {
                continue;
            };
            let o = rc.observation.as_ref().unwrap();
            let raw: Vec<&str> = c.observation.as_deref().unwrap().lines().collect();
            let open = raw.iter().position(|l| *l == "<output>").unwrap();
            let close = raw.iter().rposition(|l| *l == "</output>").unwrap();
            for (k, n) in o.line_numbers.iter().enumerate() {
                let expected = (k > open && k < close).then(|| start + (k - open - 1) as u64);
                assert_eq!(*n, expected, "{cmd}: line {k}");
            }
            assert_eq!(code_text(o), raw.iter().map(|l| l.to_string()).collect::<Vec<_>>());
            assert_eq!(o.language, trawl_render::language_for_path(cmd.rsplit(' ').next().unwrap()));
            seen.push(cmd.to_string());
        }
    }
    assert!(seen.iter().any(|c| c.starts_with("sed -n")) && seen.iter().any(|c| c.starts_with("cat ")), "{seen:?}");

    let opts = RenderOptions::default();
    let obs_of = |cmd: &str, obs: &str, exit: Option<i64>| {
        let mut s = step_with_call("execute_bash", json!({ "command": cmd }), Some(obs));
        s.tool_calls[0].exit_code = exit;
        render_step(&s, 0, &opts).calls[0].observation.clone().unwrap()
    };
    let o = obs_of(
        "cd /w && nl -ba src/a.rs | sed -n '5,6p'",
        "     5\tfn main() {\n     6\t}\n[The command completed with exit code 0.]",
        Some(0),
    );
    assert_eq!(o.line_numbers, vec![Some(5), Some(6), None]);
    assert_eq!(o.language, "rust");
    assert_eq!(code_text(&o)[0], "fn main() {");
    let o = obs_of("cat a.py", "x = 1\n\n[Current working directory: /w]", None);
    assert_eq!(o.line_numbers, vec![Some(1), None, None]);
    assert_eq!(o.language, "python");
    // Errors, failures and anything that is not a plain dump stay plain.
    assert_eq!(obs_of("cat nope.py", "cat: nope.py: No such file or directory", None).language, "plain");
    assert_eq!(obs_of("cat a.py", "x = 1", Some(1)).language, "plain");
    assert_eq!(obs_of("cat a.py > b.py", "", None).language, "plain");
    assert_eq!(obs_of("cat a.py | grep x", "x = 1", None).language, "plain");
    assert_eq!(obs_of("cat *.py", "x = 1", None).language, "plain");
    let long = "<returncode>0</returncode>\n<warning>\ntoo long\n</warning><output_head>\nx = 1\n</output_head>";
    assert_eq!(obs_of("cat a.py", long, Some(0)).language, "plain");
}
