//! Instance ids and their base instance.
//!
//! Converters that sample several runs per task often give each sample its own id by appending a
//! suffix to the SWE-bench instance id: `django__django-11099_2`, `astropy__astropy-12907-sample3`.
//! The *base instance* is the id with such a suffix removed; contamination lists, caps per
//! instance and Compare work on it, so the samples of one task are one instance.
//!
//! The rule (exactly): an id is split into `owner__repo-NUMBER` followed by a suffix when
//! * the part before the suffix contains `__` exactly once, with a non-empty owner, and a repo
//!   part that ends in `-` and one or more digits (`owner__repo-NUMBER`), and
//! * the suffix is `_` and digits (`_0`, `_12`), or a separator (`_`, `-` or `.`) followed by
//!   `sample`, `run`, `rollout`, `attempt`, `seed` or `try`, an optional `_`/`-`, and digits
//!   (`-sample3`, `_run_2`, `.attempt-1`); the word is matched case-insensitively.
//!
//! Anything else is its own base instance. This never strips a part of a real id: SWE-bench,
//! SWE-Gym and Multi-SWE-bench ids end in the issue number (`ponylang__ponyc-4583`), and
//! SWE-smith ids (`owner__repo.hash.kind__id`, `pyutils__line_profiler.a646bf0f.100`) do not end
//! in `-NUMBER` followed by a suffix.

/// Words that name a sample in a suffix (`-sample3`, `_run_2`).
const SAMPLE_WORDS: [&str; 6] = ["sample", "run", "rollout", "attempt", "seed", "try"];

/// The base instance of an instance id: the id without a trailing sample suffix (see the module
/// docs for the exact rule). Returns the id itself when it has no such suffix.
pub fn base_instance(id: &str) -> &str {
    match split_suffix(id) {
        Some(n) => &id[..n],
        None => id,
    }
}

/// Where the sample suffix starts, if the id has one.
fn split_suffix(id: &str) -> Option<usize> {
    let b = id.as_bytes();
    // Trailing digits of the suffix.
    let mut end = b.len();
    while end > 0 && b[end - 1].is_ascii_digit() {
        end -= 1;
    }
    if end == b.len() || end == 0 {
        return None;
    }
    // `_N`: the digits follow `_` directly.
    let mut candidates: Vec<usize> = Vec::new();
    if b[end - 1] == b'_' {
        candidates.push(end - 1);
    }
    // `<sep><word>[_-]N`.
    let mut w_end = end;
    if matches!(b[w_end - 1], b'_' | b'-') {
        w_end -= 1;
    }
    for word in SAMPLE_WORDS {
        if w_end > word.len() && id.is_char_boundary(w_end - word.len()) {
            let start = w_end - word.len();
            if id[start..w_end].eq_ignore_ascii_case(word) && start > 0 && matches!(b[start - 1], b'_' | b'-' | b'.') {
                candidates.push(start - 1);
            }
        }
    }
    candidates.into_iter().find(|&at| is_swe_bench_id(&id[..at]))
}

/// `owner__repo-NUMBER` with `__` exactly once.
fn is_swe_bench_id(s: &str) -> bool {
    let Some((owner, rest)) = s.split_once("__") else { return false };
    if owner.is_empty() || rest.contains("__") {
        return false;
    }
    let digits = rest.bytes().rev().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest.len() > digits + 1 && rest.as_bytes()[rest.len() - digits - 1] == b'-'
}

#[cfg(test)]
mod tests {
    use super::base_instance;

    #[test]
    fn sample_suffixes_are_removed() {
        for (id, base) in [
            ("django__django-11099_2", "django__django-11099"),
            ("django__django-11099_0", "django__django-11099"),
            ("astropy__astropy-12907-sample3", "astropy__astropy-12907"),
            ("astropy__astropy-12907_sample_3", "astropy__astropy-12907"),
            ("astropy__astropy-12907.run-1", "astropy__astropy-12907"),
            ("Melevir__cognitive_complexity-15_4", "Melevir__cognitive_complexity-15"),
            ("keras-team__keras-nlp-385_10", "keras-team__keras-nlp-385"),
        ] {
            assert_eq!(base_instance(id), base, "{id}");
        }
    }

    #[test]
    fn real_ids_are_kept_whole() {
        for id in [
            // SWE-bench, SWE-Gym, Multi-SWE-bench, nebius, the real fixtures.
            "django__django-11099",
            "pydicom__pydicom-1458",
            "ponylang__ponyc-4583",
            "keras-team__keras-nlp-385",
            "Melevir__cognitive_complexity-15",
            // SWE-smith: owner__repo.hash.kind__id.
            "arrow-py__arrow.1d70d009.lm_rewrite__nuzjfyur",
            "pudo__dataset.5c2dc8d3.func_pm_op_change__fq79104s",
            "pyutils__line_profiler.a646bf0f.100",
            "getmoto__moto.694ce1f4.pr_6055",
            "getmoto__moto.694ce1f4.pr_6055_1",
            "owner__repo.abcdef12.combine_file__x-12_3",
            // Not SWE-bench-shaped at all.
            "task_12",
            "12",
            "__x-1_2",
            "owner__repo_2",
            "owner__repo-_2",
            "",
        ] {
            assert_eq!(base_instance(id), id, "{id}");
        }
    }
}
