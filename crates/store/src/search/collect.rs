//! tantivy collectors of matching documents' ids: trajectory ids, row ids, shared chunk keys.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentReader};

/// Collects the `id` fast field of every matching document.
pub(super) struct IdCollector;

pub(super) struct SegmentIds {
    pub(super) col: tantivy::columnar::Column<u64>,
    pub(super) ids: Vec<u64>,
}

impl Collector for IdCollector {
    type Fruit = Vec<u64>;
    type Child = SegmentIds;

    fn for_segment(&self, _ord: u32, reader: &SegmentReader) -> tantivy::Result<SegmentIds> {
        Ok(SegmentIds { col: reader.fast_fields().u64("id")?, ids: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentIds {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(id) = self.col.first(doc) {
            self.ids.push(id);
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.ids
    }
}

/// Collects the keys of matching chunk documents.
pub(super) struct ChunkKeys;

pub(super) struct SegmentChunkKeys {
    pub(super) col: tantivy::columnar::Column<u64>,
    pub(super) keys: Vec<u64>,
}

impl Collector for ChunkKeys {
    type Fruit = Vec<u64>;
    type Child = SegmentChunkKeys;

    fn for_segment(&self, _ord: u32, reader: &SegmentReader) -> tantivy::Result<SegmentChunkKeys> {
        Ok(SegmentChunkKeys { col: reader.fast_fields().u64("chunk")?, keys: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentChunkKeys {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(k) = self.col.first(doc) {
            self.keys.push(k);
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.keys
    }
}

/// Collects the row ids (`id` fast field) of every matching document.
pub(super) struct RowIds;

pub(super) struct SegmentRowIds {
    pub(super) col: tantivy::columnar::Column<u64>,
    pub(super) ids: Vec<i64>,
}

impl Collector for RowIds {
    type Fruit = Vec<i64>;
    type Child = SegmentRowIds;

    fn for_segment(&self, _ord: u32, reader: &SegmentReader) -> tantivy::Result<SegmentRowIds> {
        Ok(SegmentRowIds { col: reader.fast_fields().u64("id")?, ids: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<i64>>) -> tantivy::Result<Vec<i64>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentRowIds {
    type Fruit = Vec<i64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(id) = self.col.first(doc) {
            self.ids.push(id as i64);
        }
    }

    fn harvest(self) -> Vec<i64> {
        self.ids
    }
}
