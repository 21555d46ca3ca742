use std::collections::{BTreeSet, HashSet};

use serde_json::Value;
use trawl_gen::{plan, GenConfig};

use crate::common::{exit_code, lines, SEED};

const KEYS: [&str; 7] = ["instance_id", "repo", "license", "trajectory_id", "trajectory", "model_patch", "dataset"];

#[test]
fn every_row_is_a_swe_zero_row() {
    let cfg = GenConfig::new(SEED);
    let mut system_prompts = HashSet::new();
    let mut trajectory_ids = HashSet::new();
    let (mut repos, mut datasets, mut licenses) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for (i, line) in lines(200).iter().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("row {i}: {e}"));
        let obj = v.as_object().unwrap();
        let keys: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(keys, KEYS.into_iter().collect(), "row {i}");
        // Key order as in the dataset card.
        let positions: Vec<usize> = KEYS.iter().map(|k| line.find(&format!("\"{k}\":")).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "row {i} key order");

        let p = plan(&cfg, i as u64);
        assert_eq!(v["instance_id"], p.instance_id.as_str());
        assert_eq!(v["repo"], p.repo);
        assert_eq!(v["dataset"], p.dataset);
        assert_eq!(v["license"], p.license);
        assert_eq!(v["trajectory_id"], p.trajectory_id.as_str());
        let (owner, name) = p.repo.split_once('/').unwrap();
        let number = p
            .instance_id
            .strip_prefix(&format!("{owner}__{name}-"))
            .unwrap_or_else(|| panic!("row {i}: instance id {}", p.instance_id));
        assert!(number.parse::<u64>().is_ok());
        assert!(trajectory_ids.insert(p.trajectory_id.clone()));
        repos.insert(p.repo);
        datasets.insert(p.dataset);
        licenses.insert(p.license);

        let patch = v["model_patch"].as_str().unwrap();
        assert!(patch.is_empty() || patch.starts_with("diff --git a/"), "row {i}");
        check_messages(i, &v, &mut system_prompts);
    }
    assert_eq!(system_prompts.len(), 1, "one system prompt for all rows");
    assert!(repos.len() >= 12, "{repos:?}");
    assert!(datasets.len() >= 4, "{datasets:?}");
    assert!(licenses.len() >= 4, "{licenses:?}");
}

fn check_messages(i: usize, v: &Value, system_prompts: &mut HashSet<String>) {
    let msgs = v["trajectory"].as_array().unwrap();
    assert_eq!(msgs[0]["role"], "system");
    let system = msgs[0]["content"].as_str().unwrap();
    assert!(system.starts_with("You are OpenHands agent"));
    assert!((5_000..8_000).contains(&system.len()), "{}", system.len());
    system_prompts.insert(system.to_string());
    assert_eq!(msgs[1]["role"], "user");
    let user = msgs[1]["content"].as_str().unwrap();
    assert!(user.starts_with("<uploaded_files>\n/workspace/"), "row {i}");
    let issue_start = user.find("<issue_description>\n").unwrap();
    let issue_end = user.find("\n</issue_description>").unwrap();
    assert!(issue_end > issue_start + 100, "row {i}: issue too short");

    let mut ids = HashSet::new();
    let mut k = 2;
    while k < msgs.len() {
        let m = &msgs[k];
        assert_eq!(m["role"], "assistant", "row {i} message {k}");
        assert!(m["content"].is_string());
        let calls = m["tool_calls"].as_array().unwrap();
        assert_eq!(calls.len(), 1);
        let call = &calls[0];
        let id = call["id"].as_str().unwrap();
        assert!(id.starts_with("chatcmpl-tool-") && id.len() == 46, "{id}");
        assert!(ids.insert(id.to_string()), "row {i}: duplicate call id");
        assert_eq!(call["type"], "function");
        let name = call["function"]["name"].as_str().unwrap();
        let args: Value = serde_json::from_str(call["function"]["arguments"].as_str().unwrap())
            .unwrap_or_else(|e| panic!("row {i} message {k}: arguments: {e}"));
        let required = match name {
            "execute_bash" => "command",
            "str_replace_editor" => "path",
            "think" => "thought",
            "finish" => "message",
            other => panic!("row {i}: unknown tool {other}"),
        };
        assert!(args[required].is_string(), "row {i} message {k}: {args}");
        if name == "finish" {
            assert_eq!(k, msgs.len() - 1, "row {i}: finish must be the last message");
            break;
        }
        let t = &msgs[k + 1];
        assert_eq!(t["role"], "tool", "row {i} message {}", k + 1);
        assert_eq!(t["tool_call_id"], id);
        assert_eq!(t["name"], name);
        let obs = t["content"].as_str().unwrap();
        match name {
            "execute_bash" => assert!(exit_code(obs).is_some(), "row {i}: {obs}"),
            "think" => assert_eq!(obs, "Your thought has been logged."),
            _ => {
                let path = args["path"].as_str().unwrap();
                assert!(path.starts_with("/workspace/"));
                let command = args["command"].as_str().unwrap();
                assert!(["view", "str_replace", "insert", "create"].contains(&command), "{command}");
                if let Some(body) = obs.strip_prefix(&format!("Here's the result of running `cat -n` on {path}:\n")) {
                    for l in body.lines().filter(|l| !l.starts_with("<response clipped>")) {
                        let (num, _) = l.split_once('\t').unwrap_or_else(|| panic!("row {i}: {l:?}"));
                        assert!(num.trim_start().parse::<usize>().is_ok(), "{l:?}");
                        assert_eq!(num.len(), 6, "{l:?}");
                    }
                }
            }
        }
        k += 2;
    }
}
