//! A database with generated trajectories.

use std::path::{Path, PathBuf};

use trawl_api::protocol::{IngestRequest, SearchRequest, SearchSort};
use trawl_api::Library;

/// Writes `n` generated trajectories (seed `seed`) to `dir/data.jsonl` and returns the file.
pub fn data(dir: &Path, n: u64, seed: u64) -> PathBuf {
    let file = dir.join(format!("data-{seed}.jsonl"));
    let w = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    trawl_gen::write_jsonl(&trawl_gen::GenConfig::new(seed), n, w).unwrap();
    file
}

/// Opens `dir/name` and ingests the file, labelling as `annotator`.
pub fn library(dir: &Path, name: &str, file: &Path, annotator: &str) -> Library {
    let mut lib = Library::open(&dir.join(name)).unwrap();
    lib.use_annotator(annotator).unwrap();
    let req = IngestRequest { paths: vec![file.display().to_string()], force: false };
    lib.ingest(&req, |_| {}).unwrap();
    lib
}

/// Ids of every trajectory matching a query, in ingest order.
pub fn ids(lib: &Library, query: &str) -> Vec<String> {
    let r = lib
        .search(&SearchRequest {
            query: query.into(),
            limit: 1000,
            offset: 0,
            sort: Some(SearchSort::Ingest),
            snippets: false,
        })
        .unwrap();
    r.hits.into_iter().map(|h| h.id).collect()
}

/// How many trajectories a query matches.
pub fn count(lib: &Library, query: &str) -> u64 {
    lib.count(query).unwrap().0
}
