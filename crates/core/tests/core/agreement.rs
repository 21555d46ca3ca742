//! Tests: Cohen's κ and Krippendorff's α against values computed by hand (shown in comments) and
//! Krippendorff's own worked example.

use trawl_core::agreement::{cohen_kappa, krippendorff_alpha_interval, krippendorff_alpha_nominal};

fn pairs(list: &[(&str, &str, usize)]) -> Vec<(String, String)> {
    list.iter().flat_map(|(a, b, n)| std::iter::repeat_n((a.to_string(), b.to_string()), *n)).collect()
}

fn units(list: &[&[&str]]) -> Vec<Vec<String>> {
    list.iter().map(|u| u.iter().map(|v| v.to_string()).collect()).collect()
}

#[track_caller]
fn close(actual: Option<f64>, expected: f64) {
    let a = actual.expect("defined");
    assert!((a - expected).abs() < 1e-9, "got {a}, expected {expected}");
}

#[test]
fn kappa_two_categories() {
    // 50 items: A yes & B yes 20, A yes & B no 5, A no & B yes 10, both no 15.
    // p_o = (20 + 15) / 50 = 0.7; A says yes 25/50, B says yes 30/50;
    // p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
    close(cohen_kappa(&pairs(&[("yes", "yes", 20), ("yes", "no", 5), ("no", "yes", 10), ("no", "no", 15)])), 0.4);
}

#[test]
fn kappa_three_categories() {
    // 10 items over keep/reject/unsure:
    //   (keep,keep)×4 (reject,reject)×2 (unsure,unsure)×1 (keep,reject)×2 (reject,unsure)×1
    // p_o = 7/10. A: keep 6, reject 3, unsure 1. B: keep 4, reject 4, unsure 2.
    // p_e = .6·.4 + .3·.4 + .1·.2 = .24 + .12 + .02 = .38; κ = (.7 − .38)/(1 − .38) = .32/.62.
    let p = pairs(&[
        ("keep", "keep", 4),
        ("reject", "reject", 2),
        ("unsure", "unsure", 1),
        ("keep", "reject", 2),
        ("reject", "unsure", 1),
    ]);
    close(cohen_kappa(&p), 0.32 / 0.62);
}

#[test]
fn kappa_perfect_and_undefined() {
    close(cohen_kappa(&pairs(&[("a", "a", 3), ("b", "b", 2)])), 1.0);
    // Both always say "a": p_e = 1, κ undefined.
    assert_eq!(cohen_kappa(&pairs(&[("a", "a", 4)])), None);
    assert_eq!(cohen_kappa(&[]), None);
    // Systematic disagreement goes negative: p_o = 0, p_e = .5·.5 + .5·.5 = .5, κ = −1.
    close(cohen_kappa(&pairs(&[("a", "b", 2), ("b", "a", 2)])), -1.0);
}

#[test]
fn alpha_nominal_small() {
    // Units {a,a} {b,b} {a,b}: n = 6 values, 3 a and 3 b.
    // Coincidences: o_aa = 2, o_bb = 2, o_ab = o_ba = 1 (unit 3, m − 1 = 1).
    // D_o = (o_ab + o_ba)/n = 2/6; D_e = (n_a·n_b + n_b·n_a)/(n(n−1)) = 18/30.
    // α = 1 − (1/3)/(3/5) = 1 − 5/9 = 4/9.
    close(krippendorff_alpha_nominal(&units(&[&["a", "a"], &["b", "b"], &["a", "b"]])), 4.0 / 9.0);
    // A lone value is not pairable and changes nothing.
    close(krippendorff_alpha_nominal(&units(&[&["a", "a"], &["b", "b"], &["a", "b"], &["b"]])), 4.0 / 9.0);
}

#[test]
fn alpha_nominal_equals_kappa_like_cases() {
    // Perfect agreement among three annotators: D_o = 0, α = 1.
    close(krippendorff_alpha_nominal(&units(&[&["a", "a", "a"], &["b", "b", "b"]])), 1.0);
    // No variation at all: D_e = 0, undefined.
    assert_eq!(krippendorff_alpha_nominal(&units(&[&["a", "a"], &["a", "a", "a"]])), None);
    assert_eq!(krippendorff_alpha_nominal(&units(&[&["a"]])), None);
}

#[test]
fn alpha_interval_small() {
    // Units {1,2} {3,3}: n = 4. Within units, ordered pairs' squared differences: 2·1 = 2 (unit 1),
    // 0 (unit 2); D_o = 2/4. Pooled 1,2,3,3: unordered pairs' squares 1+4+4+1+1+0 = 11, ordered 22;
    // D_e = 22/(4·3). α = 1 − 0.5/(22/12) = 1 − 6/22 = 8/11.
    close(krippendorff_alpha_interval(&[vec![1.0, 2.0], vec![3.0, 3.0]]), 8.0 / 11.0);
}

/// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the reliability data of
/// section C: 4 observers, 12 units, missing values; published α = 0.743 (nominal) and 0.849
/// (interval).
fn krippendorff_example() -> Vec<Vec<u32>> {
    let rows: [[u32; 12]; 4] = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
        [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
    ];
    (0..12).map(|u| rows.iter().map(|r| r[u]).filter(|v| *v != 0).collect()).collect()
}

#[test]
fn alpha_krippendorff_worked_example() {
    let data = krippendorff_example();
    let nominal: Vec<Vec<String>> = data.iter().map(|u| u.iter().map(|v| v.to_string()).collect()).collect();
    let interval: Vec<Vec<f64>> = data.iter().map(|u| u.iter().map(|v| *v as f64).collect()).collect();
    let a = krippendorff_alpha_nominal(&nominal).unwrap();
    assert!((a - 0.743).abs() < 0.0005, "nominal α {a}");
    let a = krippendorff_alpha_interval(&interval).unwrap();
    assert!((a - 0.849).abs() < 0.0005, "interval α {a}");
}
