//! Render benchmark: builds a 100-step trajectory from trawl-gen rows (parsed by trawl-core's
//! adapters) and prints the time to render it (steps, observations, patch), cold and warm.
//!
//! Run with `cargo run --release -p trawl-render --example render_bench [STEPS]`.

use std::time::Instant;

use trawl_core::{Recognized, Role, Trajectory};
use trawl_render::{render_trajectory, RenderOptions};

fn trajectory_of_row(index: u64) -> Trajectory {
    let row = trawl_gen::row(&trawl_gen::GenConfig::new(7), index);
    let value: serde_json::Value = serde_json::from_str(&row).expect("generated rows are JSON");
    match trawl_core::formats::recognize(value, "bench.jsonl").expect("generated rows are recognised").recognized {
        Recognized::Trajectory(t) => *t,
        other => panic!("expected a trajectory, got {other:?}"),
    }
}

/// A trajectory of exactly `steps` steps: the first row's, continued with the agent steps of the
/// following rows.
fn build(steps: usize) -> Trajectory {
    let mut t = trajectory_of_row(0);
    let mut i = 1;
    while t.steps.len() < steps {
        let next = trajectory_of_row(i);
        t.steps.extend(next.steps.into_iter().filter(|s| s.role == Role::Assistant));
        i += 1;
    }
    t.steps.truncate(steps);
    t
}

/// CPU time of the process so far (user + system), in milliseconds, from /proc (Linux only).
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

fn main() {
    let steps: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let t = build(steps);
    let calls = t.steps.iter().map(|s| s.tool_calls.len()).sum::<usize>();
    let obs_lines: usize = t.steps.iter().filter_map(|s| s.observation.as_deref()).map(|o| o.lines().count()).sum();
    let patch_lines = t.patch.as_deref().map_or(0, |p| p.lines().count());
    println!("trajectory: {steps} steps, {calls} calls, {obs_lines} observation lines, {patch_lines} patch lines");
    let opts = RenderOptions::default();

    let start = Instant::now();
    trawl_render::warm_up();
    let warm_up = start.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let (rendered, patch) = render_trajectory(&t, &opts);
    let cold = start.elapsed().as_secs_f64() * 1000.0;
    println!("warm_up (syntax set, common regexes): {warm_up:.1} ms");
    let lines: usize = rendered
        .iter()
        .flat_map(|s| s.calls.iter())
        .filter_map(|c| c.observation.as_ref())
        .map(|o| o.lines.len())
        .sum();
    println!("first render (compiles the remaining regexes): {cold:.1} ms; {lines} observation lines rendered, {} patch files", patch.len());

    if std::env::var_os("COMPOSITION").is_some() {
        composition(&rendered);
    }
    let cpu0 = cpu_ms();
    let wall0 = Instant::now();
    let mut times = Vec::new();
    let mut json_times = Vec::new();
    let mut json_len = 0;
    for _ in 0..20 {
        let start = Instant::now();
        let out = render_trajectory(&t, &opts);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        let start = Instant::now();
        json_len = serde_json::to_vec(&out).expect("serializable").len();
        json_times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    if let (Some(a), Some(b)) = (cpu0, cpu_ms()) {
        let wall = wall0.elapsed().as_secs_f64() * 1000.0;
        println!("cpu time per render+json (all threads): {:.1} ms; wall {:.1} ms", (b - a) / 20.0, wall / 20.0);
    }
    times.sort_by(f64::total_cmp);
    json_times.sort_by(f64::total_cmp);
    println!(
        "render_trajectory: median {:.1} ms (min {:.1}, max {:.1}) over 20 runs; JSON {} KB in {:.1} ms median",
        times[10],
        times[0],
        times[19],
        json_len / 1024,
        json_times[10]
    );
}

/// Prints how many rendered lines each language has (for looking into the cost).
#[allow(dead_code)]
fn composition(rendered: &[trawl_render::RenderedStep]) {
    let mut by: std::collections::BTreeMap<String, usize> = Default::default();
    for s in rendered {
        for c in &s.calls {
            if let Some(o) = &c.observation {
                *by.entry(format!("obs:{}", o.language)).or_default() += o.lines.len();
            }
            match &c.render {
                trawl_render::CallRender::Bash { command } => {
                    *by.entry("bash".into()).or_default() += command.lines.len()
                }
                trawl_render::CallRender::Edit { diff, .. } => {
                    *by.entry("edit".into()).or_default() += diff.hunks.iter().map(|h| h.lines.len()).sum::<usize>()
                }
                trawl_render::CallRender::Create { code, .. } => {
                    *by.entry("create".into()).or_default() += code.lines.len()
                }
                trawl_render::CallRender::Generic { arguments } => {
                    *by.entry("generic".into()).or_default() += arguments.lines.len()
                }
                _ => {}
            }
        }
    }
    println!("{by:?}");
}
