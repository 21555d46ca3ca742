use serde_json::Value;

use crate::common::lines;

#[test]
fn rows_are_about_100_kb_and_70_messages() {
    let rows = lines(200);
    let sizes: Vec<usize> = rows.iter().map(String::len).collect();
    let counts: Vec<usize> = rows
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["trajectory"].as_array().unwrap().len()
        })
        .collect();
    let mean_size = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
    let mean_count = counts.iter().sum::<usize>() as f64 / counts.len() as f64;
    assert!((85_000.0..115_000.0).contains(&mean_size), "mean size {mean_size}");
    assert!((60.0..80.0).contains(&mean_count), "mean messages {mean_count}");
    let (min_s, max_s) = (*sizes.iter().min().unwrap(), *sizes.iter().max().unwrap());
    assert!(min_s >= 25_000 && max_s <= 270_000, "sizes {min_s}..{max_s}");
    let (min_c, max_c) = (*counts.iter().min().unwrap(), *counts.iter().max().unwrap());
    assert!(min_c >= 17 && max_c <= 125, "messages {min_c}..{max_c}");
    // Spread, not a constant.
    assert!(sizes.iter().filter(|&&s| s < 60_000).count() >= 10);
    assert!(sizes.iter().filter(|&&s| s > 150_000).count() >= 5);
    assert!(counts.iter().filter(|&&c| c < 45).count() >= 10);
    assert!(counts.iter().filter(|&&c| c > 100).count() >= 5);
}
