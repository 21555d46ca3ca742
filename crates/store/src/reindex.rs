//! Keeping the index in step with SQLite: catching up with changes the index has not committed
//! (on open, after a killed ingest), re-indexing given rows, and rebuilding it from scratch.

use tantivy::Term;

use crate::index::{build_doc, chunk_doc, chunk_key, db_seq, delete_row, text_pieces, DocRow, CHUNK_MIN};
use crate::rows::{self, dict_id, DICT_DATASET, DICT_FORMAT, DICT_MODEL, DICT_REPO};
use crate::show::load_row_conn;
use crate::{db, predictions, Store, StoreError};

/// Brings the index up to date with SQLite: (re)indexes every row and every chunk document whose
/// sequence is above the index's committed one. Runs on open; cheap when nothing is pending.
pub fn catch_up(store: &mut Store) -> Result<usize, StoreError> {
    let committed = store.index.committed_seq()?;
    let max_seq = db_seq(&store.conn)?;
    if max_seq <= committed {
        return Ok(0);
    }
    let ids: Vec<i64> = {
        let mut st = store.conn.prepare("SELECT id FROM trajectories WHERE seq > ?1 ORDER BY id")?;
        let rows = st.query_map([committed], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let n = ids.len();
    reindex_rows(store, &ids, max_seq, false)?;
    // Chunk documents created by batches the index had not committed.
    let chunks: Vec<(i64, i64)> = {
        let mut st = store.conn.prepare("SELECT hash, owner FROM chunks WHERE state = 1 AND seq > ?1")?;
        let rows = st.query_map([committed], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (key, owner) in chunks {
        let loaded = load_row_conn(&store.conn, owner)?;
        let pieces = text_pieces(&loaded.traj);
        if let Some(piece) = pieces.iter().find(|p| p.len() >= CHUNK_MIN && chunk_key(p) == key as u64) {
            let f = store.index.fields;
            let w = store.index.writer()?;
            w.delete_term(Term::from_field_u64(f.chunk, key as u64));
            w.add_document(chunk_doc(&f, key as u64, piece))?;
        }
    }
    store.index.commit(max_seq)?;
    store.index.close_writer()?;
    Ok(n)
}

/// Rebuilds the documents of the given rows from their stored records (replacing the old ones).
/// With `refresh_derived`, the derived columns and calls of each row are recomputed too.
pub fn reindex_rows(store: &mut Store, ids: &[i64], seq: i64, refresh_derived: bool) -> Result<(), StoreError> {
    for batch in ids.chunks(256) {
        let tx = store.conn.unchecked_transaction()?;
        for &id in batch {
            let loaded = load_row_conn(&tx, id)?;
            let t = &loaded.traj;
            let row = DocRow {
                id,
                uid: &loaded.uid,
                repo: dict_id(&tx, DICT_REPO, t.repo.as_deref())?,
                dataset: dict_id(&tx, DICT_DATASET, t.dataset.as_deref())?,
                format: dict_id(&tx, DICT_FORMAT, Some(t.format.as_str()))?,
                model: dict_id(&tx, DICT_MODEL, t.model.as_deref())?,
                resolved: loaded.resolved,
            };
            let facts = trawl_core::facts::derive(t);
            if refresh_derived {
                rows::refresh_derived(&tx, id, t, &facts)?;
            }
            delete_row(&mut store.index, id)?;
            if loaded.joined_to.is_some() {
                // A prediction joined to its trajectory is part of it, not a result of its own.
                continue;
            }
            let (doc, chunk_docs) = build_doc(&tx, &store.index.fields, &row, t, &facts, seq, None)?;
            let w = store.index.writer()?;
            w.add_document(doc)?;
            for c in chunk_docs {
                w.add_document(c)?;
            }
        }
        tx.commit()?;
    }
    Ok(())
}

/// Deletes the whole index and rebuilds it, and the derived facts, from SQLite.
pub fn rebuild(store: &mut Store) -> Result<usize, StoreError> {
    store.index.writer()?.delete_all_documents()?;
    store.conn.execute("DELETE FROM chunks", [])?;
    let ids: Vec<i64> = {
        let mut st = store.conn.prepare("SELECT id FROM trajectories ORDER BY id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let max_seq = db_seq(&store.conn)?;
    reindex_rows(store, &ids, max_seq, true)?;
    // With the patch keys recomputed, predictions may join differently (rows stored before
    // schema 5 had none): those rows are indexed again.
    let changed = {
        let tx = store.conn.unchecked_transaction()?;
        let seq = db::next_seq(&tx)?;
        let changed = predictions::relink_all(&tx, seq)?;
        tx.commit()?;
        changed
    };
    let max_seq = db_seq(&store.conn)?;
    reindex_rows(store, &changed, max_seq, false)?;
    store.index.commit(max_seq)?;
    store.index.close_writer()?;
    Ok(ids.len())
}
