//! The `ran_tests` flag (the SWE-ZERO ban): whether a shell command line runs a banned program in
//! command position, through wrappers, nested shells and substitutions.

use std::sync::LazyLock;

use regex::Regex;

use super::shell::{lex_shell, ShellLexed};

/// Program names (basename of the command word) banned in SWE-ZERO trajectories: `python`,
/// `python3`, `python3.11`…, `pytest`, `py.test`, `mypy`, `pip`, `pip3`…, `apt`, `apt-get`.
pub const FORBIDDEN_PROGRAM_PATTERN: &str = r"^(?:python[0-9.]*|pytest|py\.test|mypy|pip[0-9.]*|apt|apt-get)$";

static FORBIDDEN_PROGRAM_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(FORBIDDEN_PROGRAM_PATTERN).expect("valid"));

/// A cheap pre-filter: a command that contains none of these cannot run a banned program.
static FORBIDDEN_HINT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"python|py\.?test|mypy|pip|apt").expect("valid"));

/// Whether a shell command line runs a banned program ([`FORBIDDEN_PROGRAM_PATTERN`]) as a
/// command, not merely mentions it.
///
/// The line is split into simple commands at `;`, `&`, `&&`, `|`, `||`, newlines, `(`, `)`, and
/// the insides of `$(…)`, backticks and `<(…)` are scanned as command lines of their own. Quotes
/// and backslashes are removed, comments, redirections (and their targets) and here-document
/// bodies are skipped (as are SWE-agent `edit N:M … end_of_edit` bodies). In each simple command,
/// leading `VAR=value` assignments and wrappers are skipped: `sudo`, `env`, `timeout N`, `time`,
/// `nohup`, `nice`, `exec`, `command`, `xargs`, `stdbuf`, `watch`, `if`/`then`/`do`/… and `!`,
/// `{`, plus `uv run`/`poetry run`/`pipenv run`/`pdm run`/`hatch run`/`conda run` (and `uv pip`).
/// The first remaining word is the command word; its basename is matched. `bash -c`/`sh -c`
/// scripts, `eval` arguments and `find -exec` commands are scanned too.
pub fn runs_forbidden_program(command: &str) -> bool {
    if !FORBIDDEN_HINT_RE.is_match(command) {
        return false;
    }
    scan_shell(command, 0)
}

const MAX_SHELL_DEPTH: usize = 4;

fn scan_shell(src: &str, depth: usize) -> bool {
    if depth > MAX_SHELL_DEPTH {
        return false;
    }
    let mut lexed = ShellLexed::default();
    lex_shell(src.as_bytes(), &mut lexed);
    lexed.commands.iter().any(|words| simple_command_is_forbidden(words, depth))
        || lexed.nested.iter().any(|inner| scan_shell(inner, depth + 1))
}

fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Skips option words starting with `-`; those in `with_argument` also skip the next word.
fn skip_options(words: &[String], mut idx: usize, with_argument: &[&str]) -> usize {
    while let Some(w) = words.get(idx) {
        if w == "--" {
            return idx + 1;
        }
        if !w.starts_with('-') || w == "-" {
            break;
        }
        idx += if with_argument.contains(&w.as_str()) { 2 } else { 1 };
    }
    idx
}

fn simple_command_is_forbidden(words: &[String], depth: usize) -> bool {
    let mut idx = 0;
    while let Some(word) = words.get(idx) {
        if is_assignment(word) {
            idx += 1;
            continue;
        }
        let base = basename(word);
        match base {
            "sudo" => idx = skip_options(words, idx + 1, &["-u", "-g", "-C", "-D", "-h", "-p", "-U", "-r", "-t", "-T"]),
            "env" => {
                if let Some(pos) = words[idx + 1..].iter().position(|w| w == "-S") {
                    if let Some(script) = words.get(idx + 1 + pos + 1) {
                        return scan_shell(script, depth + 1);
                    }
                }
                idx = skip_options(words, idx + 1, &["-u", "-C", "--unset", "--chdir"]);
            }
            "timeout" => {
                idx = skip_options(words, idx + 1, &["-s", "-k", "--signal", "--kill-after"]);
                idx += 1; // the duration
            }
            "nice" => idx = skip_options(words, idx + 1, &["-n", "--adjustment"]),
            "xargs" => {
                idx = skip_options(words, idx + 1, &["-I", "-n", "-P", "-L", "-d", "-s", "-a", "-E", "--max-args"])
            }
            "exec" => idx = skip_options(words, idx + 1, &["-a"]),
            "command" => {
                if words.get(idx + 1).is_some_and(|w| w.starts_with("-v") || w.starts_with("-V")) {
                    return false; // `command -v python` only looks the program up
                }
                idx = skip_options(words, idx + 1, &[]);
            }
            "time" | "nohup" | "stdbuf" | "watch" | "builtin" | "if" | "then" | "else" | "elif" | "do" | "while"
            | "until" | "!" | "{" => idx = skip_options(words, idx + 1, &[]),
            "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "conda" | "mamba" | "micromamba" => {
                match words.get(idx + 1).map(String::as_str) {
                    Some("run") => {
                        idx = skip_options(words, idx + 2, &["-n", "--name", "-p", "--prefix", "--with", "-e", "--env"])
                    }
                    Some("pip") if base == "uv" => return true,
                    _ => return false,
                }
            }
            _ => break,
        }
    }
    let Some(word) = words.get(idx) else {
        return false;
    };
    let base = basename(word);
    if FORBIDDEN_PROGRAM_RE.is_match(base) {
        return true;
    }
    let rest = &words[idx + 1..];
    match base {
        "bash" | "sh" | "zsh" | "dash" => {
            let script = rest
                .iter()
                .position(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('c'))
                .and_then(|p| rest.get(p + 1));
            script.is_some_and(|s| scan_shell(s, depth + 1))
        }
        "eval" => scan_shell(&rest.join(" "), depth + 1),
        "find" => rest
            .iter()
            .enumerate()
            .filter(|(_, w)| matches!(w.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir"))
            .any(|(p, _)| simple_command_is_forbidden(&rest[p + 1..], depth + 1)),
        _ => false,
    }
}
