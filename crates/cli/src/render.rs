//! Human renderings of protocol types for the terminal. JSON output does not pass through here.

use std::io::IsTerminal;
use std::sync::LazyLock;

use trawl_api::protocol::{
    CheckReport, IngestReport, QualityFlag, RecordKind, SearchResponse, StatsResponse, TrajectoryView,
};

/// Whether standard output is a terminal: colours only then.
static COLOR: LazyLock<bool> = LazyLock::new(|| std::io::stdout().is_terminal());

/// Prints a line, without its ANSI colour sequences when standard output is not a terminal.
macro_rules! out {
    ($($t:tt)*) => { emit(&format!($($t)*)) };
}

/// Flag names joined by `sep` (`empty_patch,loop`).
pub fn flags_text(flags: &[QualityFlag], sep: &str) -> String {
    flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(sep)
}

fn emit(line: &str) {
    use std::io::Write;
    let text = if *COLOR { line.to_string() } else { strip_ansi(line) };
    if let Err(e) = writeln!(std::io::stdout().lock(), "{text}") {
        // `trawl show … | head`: the reader has gone; that is not an error.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints an ingest summary.
pub fn ingest_summary(r: &IngestReport) {
    out!(
        "{} records read from {} files ({:.1} MB in {:.1}s, {:.0} MB/s){}",
        r.records,
        r.files,
        r.bytes as f64 / 1e6,
        r.elapsed_s,
        if r.elapsed_s > 0.0 { r.bytes as f64 / 1e6 / r.elapsed_s } else { 0.0 },
        if r.files_unchanged > 0 {
            format!("; {} files unchanged since their last ingest", r.files_unchanged)
        } else {
            String::new()
        }
    );
    out!("  stored:     {}", r.stored);
    out!("  duplicates: {} (already stored, skipped)", r.duplicates);
    if r.reports > 0 {
        out!(
            "  reports:    {} ({} outcome statements, {} trajectories labelled from them)",
            r.reports,
            r.outcomes,
            r.resolved_joined
        );
    }
    if r.rejected > 0 {
        out!("  rejected:   {} (not stored; named by the errors below or in `trawl diagnostics`)", r.rejected);
    }
    for (f, n) in &r.by_format {
        out!("  {f:>18}: {n}");
    }
    out!("  diagnostics: {} errors, {} warnings", r.errors, r.warnings);
    for d in &r.diagnostics {
        out!("    {}:{}: {}: {}", d.file, d.line, d.severity, d.message);
    }
    if (r.errors + r.warnings) as usize > r.diagnostics.len() {
        out!("    … see `trawl diagnostics` for all");
    }
}

/// Prints database counts.
pub fn stats(s: &StatsResponse) {
    out!(
        "{} trajectories ({} indexed), {} source files, {:.1} MB database",
        s.trajectories,
        s.indexed,
        s.sources,
        s.db_bytes as f64 / 1e6
    );
    if s.predictions + s.predictions_joined > 0 {
        out!(
            "{} predictions joined to their trajectories, {} patch-only records (kind:prediction)",
            s.predictions_joined,
            s.predictions
        );
    }
    out!("by format:");
    for (k, v) in &s.by_format {
        out!("  {k:>18}: {v}");
    }
    out!("by dataset:");
    for (k, v) in &s.by_dataset {
        out!("  {k:>30}: {v}");
    }
    out!("resolved: {}", fmt_map(&s.resolved));
    out!("flags: {}", fmt_map(&s.flags));
    out!("diagnostics: {} errors, {} warnings", s.errors, s.warnings);
    if s.index_behind {
        out!(
            "note: an ingest is writing; the index catches up as it commits ({} of {} indexed)",
            s.indexed,
            s.trajectories + s.predictions
        );
    } else if s.indexed != s.trajectories + s.predictions {
        out!(
            "error: the index holds {} documents for {} trajectories and patch-only records: search results are wrong until `trawl check --repair`",
            s.indexed,
            s.trajectories + s.predictions
        );
    }
}

/// Prints what `check` found and repaired.
pub fn check(r: &CheckReport) {
    out!("{} trajectories, {} index documents", r.trajectories, r.indexed);
    for f in &r.findings {
        out!("{}: {}", f.kind, f.message);
    }
    for line in &r.repaired {
        out!("repaired: {line}");
    }
    if r.findings.is_empty() {
        out!("nothing to repair");
    } else if r.unrepaired.is_empty() {
        out!("everything found was repaired");
    }
}

fn fmt_map(m: &std::collections::BTreeMap<String, u64>) -> String {
    m.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
}

/// Prints search results.
pub fn search(r: &SearchResponse) {
    out!("{} trajectories ({:.1} ms)", r.total, r.took_ms);
    for name in ["repo", "dataset", "resolved", "flag"] {
        if let Some(vals) = r.facets.get(name) {
            let top: Vec<String> =
                vals.iter().filter(|v| v.count > 0).take(6).map(|v| format!("{}={}", v.value, v.count)).collect();
            out!("  {name}: {}", top.join("  "));
        }
    }
    for h in &r.hits {
        let resolved = match h.resolved {
            Some(true) => "resolved",
            Some(false) => "unresolved",
            None => "unknown",
        };
        out!(
            "{}  {}  {}  {} steps  {}  [{}]",
            h.id,
            h.instance_id.as_deref().unwrap_or("-"),
            h.repo.as_deref().unwrap_or("-"),
            h.steps,
            resolved,
            flags_text(&h.flags, ",")
        );
        if let Some(s) = &h.snippet {
            let step = h.step.map(|i| format!("step {i}: ")).unwrap_or_default();
            out!("    {step}{}", highlight(&s.text, &s.highlights).replace('\n', " ⏎ "));
        }
    }
}

fn highlight(text: &str, ranges: &[[usize; 2]]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    for r in ranges {
        let (a, b) = (r[0].min(chars.len()), r[1].min(chars.len()));
        if a < i {
            continue;
        }
        out.extend(&chars[i..a]);
        out.push_str("\x1b[1;33m");
        out.extend(&chars[a..b]);
        out.push_str("\x1b[0m");
        i = b;
    }
    out.extend(&chars[i..]);
    out
}

fn clip(text: &str, lines: usize, full: bool) -> String {
    if full {
        return text.to_string();
    }
    let all: Vec<&str> = text.lines().collect();
    if all.len() <= lines {
        return text.to_string();
    }
    format!("{}\n… ({} more lines)", all[..lines].join("\n"), all.len() - lines)
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}")).collect::<Vec<_>>().join("\n")
}

/// Prints a trajectory as a readable trace.
pub fn trajectory(t: &TrajectoryView, full: bool) {
    out!("\x1b[1m{}\x1b[0m  {}", t.meta.instance_id.as_deref().unwrap_or("(no instance id)"), t.meta.id);
    out!(
        "repo {}  dataset {}  format {}  model {}",
        t.meta.repo.as_deref().unwrap_or("-"),
        t.meta.dataset.as_deref().unwrap_or("-"),
        t.meta.format,
        t.meta.model.as_deref().unwrap_or("-")
    );
    out!(
        "resolved {}  exit {}  steps {}  flags [{}]",
        t.meta.resolved.map(|r| r.to_string()).unwrap_or("unknown".into()),
        t.meta.exit_status.as_deref().unwrap_or("-"),
        t.steps.len(),
        flags_text(&t.meta.flags, ", ")
    );
    out!("source {}:{}", t.meta.source.file, t.meta.source.line);
    if let Some(b) = t.meta.base_instance.as_deref().filter(|b| Some(*b) != t.meta.instance_id.as_deref()) {
        out!("base instance {b}");
    }
    if t.meta.kind == RecordKind::Prediction {
        match &t.meta.joined_to {
            Some(j) => out!("a prediction, the submitted prediction of trajectory {j}"),
            None => out!("a patch-only record: a prediction that joined no trajectory of its run"),
        }
    }
    if let Some(p) = &t.meta.prediction {
        out!(
            "submitted prediction {} ({}:{}){}",
            p.id,
            p.file,
            p.line,
            if p.same_patch {
                ", the same patch as the final patch"
            } else {
                ", a patch DIFFERENT from the final patch"
            }
        );
    }
    if let Some(e) = &t.meta.error {
        out!("error: {e}");
    }
    for s in &t.steps {
        out!("\n\x1b[36m── step {} · {} ──\x1b[0m", s.index, s.role);
        if s.role == "system" && !full {
            out!("{}", clip(&s.text, 3, false));
            continue;
        }
        if let Some(th) = &s.thought {
            out!("\x1b[2m{}\x1b[0m", indent(&clip(th, 10, full), "  💭 "));
        }
        if !s.text.trim().is_empty() {
            out!("{}", clip(&s.text, 20, full));
        }
        for c in &s.tool_calls {
            let args = match c.arguments.get("command").and_then(|v| v.as_str()) {
                Some(cmd) if c.arguments.as_object().is_some_and(|o| o.len() == 1) => cmd.to_string(),
                _ => serde_json::to_string(&c.arguments).unwrap_or_default(),
            };
            let exit = c.exit_code.map(|e| format!(" [exit {e}]")).unwrap_or_default();
            out!("\x1b[33m▶ {}\x1b[0m{exit} {}", c.name, clip(&args, 8, full));
            if let Some(o) = &c.observation {
                out!("{}", indent(&clip(o, 15, full), "  │ "));
            }
        }
        if s.tool_calls.is_empty() {
            if let Some(o) = &s.observation {
                out!("{}", indent(&clip(o, 15, full), "  │ "));
            }
        }
    }
    if let Some(p) = &t.patch {
        out!("\n\x1b[36m── final patch ──\x1b[0m");
        for l in clip(p, if full { usize::MAX } else { 60 }, full).lines() {
            if l.starts_with('+') && !l.starts_with("+++") {
                out!("\x1b[32m{l}\x1b[0m");
            } else if l.starts_with('-') && !l.starts_with("---") {
                out!("\x1b[31m{l}\x1b[0m");
            } else {
                out!("{l}");
            }
        }
    }
}
