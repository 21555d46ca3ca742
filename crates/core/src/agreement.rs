//! Inter-annotator agreement: Cohen's κ for two annotators and Krippendorff's α for any number.
//!
//! Pure arithmetic over values already grouped by item; it does not know where labels come from or
//! which items two annotators share (the store gathers them). Both return `None` when the
//! coefficient is undefined: no pairable values, or no variation at all in the pooled values
//! (expected disagreement 0), where any agreement is chance.

use std::collections::HashMap;

/// Cohen's κ for nominal categories over items both annotators labelled: each pair is
/// (annotator A's category, annotator B's category) for one item.
///
/// κ = (p_o − p_e) / (1 − p_e), where p_o is the share of items with equal categories and
/// p_e = Σ_c p_A(c) · p_B(c) the agreement expected from each annotator's own category shares.
pub fn cohen_kappa(pairs: &[(String, String)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let mut a: HashMap<&str, f64> = HashMap::new();
    let mut b: HashMap<&str, f64> = HashMap::new();
    let mut agree = 0.0;
    for (x, y) in pairs {
        *a.entry(x).or_default() += 1.0;
        *b.entry(y).or_default() += 1.0;
        if x == y {
            agree += 1.0;
        }
    }
    let p_o = agree / n;
    let p_e: f64 = a.iter().map(|(c, na)| (na / n) * (b.get(c).copied().unwrap_or(0.0) / n)).sum();
    if (1.0 - p_e).abs() < 1e-12 {
        return None;
    }
    Some((p_o - p_e) / (1.0 - p_e))
}

/// Krippendorff's α with the nominal metric (δ² = 0 for equal categories, 1 otherwise). Each unit
/// is the list of categories its annotators gave (any number; units with fewer than 2 values are
/// not pairable and are left out).
pub fn krippendorff_alpha_nominal(units: &[Vec<String>]) -> Option<f64> {
    // With counts n_uc of category c in unit u (m_u values), the ordered pairs of different
    // values in u number m_u² − Σ_c n_uc²; pooled over all pairable values (n of them, n_c of c)
    // they number n² − Σ_c n_c².
    let mut observed = 0.0;
    let mut pooled: HashMap<&str, f64> = HashMap::new();
    let mut n = 0.0;
    for unit in units.iter().filter(|u| u.len() >= 2) {
        let m = unit.len() as f64;
        let mut counts: HashMap<&str, f64> = HashMap::new();
        for v in unit {
            *counts.entry(v).or_default() += 1.0;
            *pooled.entry(v).or_default() += 1.0;
        }
        let different = m * m - counts.values().map(|c| c * c).sum::<f64>();
        observed += different / (m - 1.0);
        n += m;
    }
    let expected_pairs = n * n - pooled.values().map(|c| c * c).sum::<f64>();
    alpha(observed, expected_pairs, n)
}

/// Krippendorff's α with the interval metric (δ² = (a − b)²), for ratings.
pub fn krippendorff_alpha_interval(units: &[Vec<f64>]) -> Option<f64> {
    // Σ over ordered pairs i≠j of (v_i − v_j)² = 2 (m Σv² − (Σv)²), within a unit and pooled.
    let spread = |m: f64, sum: f64, sum_sq: f64| 2.0 * (m * sum_sq - sum * sum);
    let (mut observed, mut n, mut sum, mut sum_sq) = (0.0, 0.0, 0.0, 0.0);
    for unit in units.iter().filter(|u| u.len() >= 2) {
        let m = unit.len() as f64;
        let s: f64 = unit.iter().sum();
        let sq: f64 = unit.iter().map(|v| v * v).sum();
        observed += spread(m, s, sq) / (m - 1.0);
        n += m;
        sum += s;
        sum_sq += sq;
    }
    alpha(observed, spread(n, sum, sum_sq), n)
}

/// α = 1 − D_o / D_e with D_o = observed / n and D_e = expected_pairs / (n (n − 1)).
fn alpha(observed: f64, expected_pairs: f64, n: f64) -> Option<f64> {
    if n < 2.0 || expected_pairs <= 0.0 {
        return None;
    }
    let d_o = observed / n;
    let d_e = expected_pairs / (n * (n - 1.0));
    Some(1.0 - d_o / d_e)
}
