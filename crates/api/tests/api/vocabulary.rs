//! The `vocabulary` method: its lists are the ones core and the store act on, and every
//! vocabulary enum's JSON is its stable name, with the API's error text for an unknown one.

use trawl_api::protocol::*;

fn names<T: serde::Serialize>(v: &[T]) -> Vec<String> {
    v.iter().map(|x| serde_json::to_value(x).unwrap().as_str().unwrap().to_string()).collect()
}

#[test]
fn vocabulary_comes_from_the_sources_of_truth() {
    let v = trawl_api::vocabulary();
    let flags: Vec<&str> = trawl_core::facts::Flag::ALL.iter().map(|f| f.as_str()).collect();
    assert_eq!(v.flags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), flags);
    assert!(v.flags.iter().all(|t| !t.detail.is_empty()));
    let fields: Vec<&str> = trawl_core::query::fields().iter().map(|(n, _)| *n).collect();
    assert_eq!(v.fields.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), fields);
    let orders: Vec<&str> = trawl_store::subsets::ORDER_KEYS.iter().map(|(n, _)| *n).collect();
    assert_eq!(names(&v.cap_orders), orders);
    assert_eq!(names(&v.dedup_modes), ["none", "exact_patch", "exact_text", "near_patch"]);
    assert_eq!(names(&v.export_formats), ["jsonl-original", "sft-chat", "parquet"]);
    assert_eq!(names(&v.compressions), ["snappy", "zstd", "none"]);
    assert_eq!(v.observation_preview_lines as usize, trawl_api::OBSERVATION_PREVIEW_LINES);
}

#[test]
fn vocabulary_names_are_their_json_and_unknown_names_are_named() {
    for m in DedupMode::ALL {
        assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
        assert_eq!(serde_json::from_value::<DedupMode>(m.as_str().into()).unwrap(), *m);
    }
    for s in SearchSort::ALL {
        assert_eq!(s.as_str().parse::<SearchSort>().unwrap(), *s);
    }
    // an alias is read, the stable name written
    let k: ListKind = serde_json::from_str("\"instance\"").unwrap();
    assert_eq!((k, serde_json::to_string(&k).unwrap().as_str()), (ListKind::Instances, "\"instances\""));
    let err = |r: Result<Compression, serde_json::Error>| r.unwrap_err().to_string();
    assert!(err(serde_json::from_str("\"lzo\"")).starts_with("unknown compression 'lzo' (snappy, zstd, none)"));
    assert_eq!("bogus".parse::<SearchSort>().unwrap_err(), "unknown sort 'bogus'");
    assert_eq!(
        "x".parse::<CapOrder>().unwrap_err(),
        "unknown order key 'x' (known: resolved, fewest_steps, most_steps, smallest_patch, largest_patch, ingest)"
    );
    assert_eq!(
        "x".parse::<ExportFormat>().unwrap_err(),
        "unknown export format 'x' (jsonl-original, sft-chat, parquet)"
    );
}
