//! Parquet row groups, decoded on the worker threads: the reader thread only reads a file's
//! metadata and hands out one [`GroupTask`] per row group; a worker decodes its group
//! [`DECODE_ROWS`] rows at a time (memory stays bounded however large the group), renders each
//! row as its original line (arrow-json, the record's id and stored bytes) and, when the schema
//! allows ([`arrow::direct_schema`]), converts the rows straight from the Arrow arrays into the
//! value the adapters read, so the line is not parsed again.
//!
//! A group that cannot be decoded (a damaged page, a bad codec) is one diagnostic naming its rows
//! and its number; they count as read and rejected, and the other groups are read as usual.
use std::fs::File;
use std::path::PathBuf;

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector};
use serde_json::Value;
use trawl_core::Diagnostic;

use super::arrow;
use super::RawRecord;

/// Rows decoded (and converted) at a time; each such piece is one batch for the writer.
pub(super) const DECODE_ROWS: usize = 64;

/// A row group for a worker to decode.
pub(super) struct GroupTask {
    pub(super) path: PathBuf,
    pub(super) meta: ArrowReaderMetadata,
    /// 0-based number of the group in the file.
    pub(super) group: usize,
    /// Rows of the file before this group.
    pub(super) first_row: u64,
    /// Rows in this group.
    pub(super) rows: u64,
    /// Rows of the file committed by an earlier run: those of this group are not read again.
    pub(super) start_row: u64,
    /// Whether rows are converted straight from Arrow ([`arrow::direct_schema`]).
    pub(super) direct: bool,
    /// Bytes of the file on disk before and after this group's column chunks (for progress).
    pub(super) disk: (u64, u64),
}

/// A piece of a row group: its rows, each with its original line and (on the direct route) its
/// value; the last piece of a group (`last`) carries the diagnostic of a group that failed.
pub(super) struct Piece {
    pub(super) records: Vec<(RawRecord, Option<Value>)>,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Rows not read (a failed group, a batch arrow-json cannot write), counted as read and rejected.
    pub(super) lost: u64,
    /// Rows of the file read once this piece is stored (the file's committed line).
    pub(super) end_row: u64,
    pub(super) disk_bytes: u64,
    pub(super) last: bool,
}

/// Decodes a row group piece by piece, handing each to `f` (which returns false to stop); the last
/// call has `last` set. Returns false when `f` asked to stop.
pub(super) fn decode_group(task: &GroupTask, display: &str, mut f: impl FnMut(Piece) -> bool) -> bool {
    let skip = task.start_row.saturating_sub(task.first_row).min(task.rows);
    let end = task.first_row + task.rows;
    let mut at = task.first_row + skip; // rows of the file read so far
    let disk_at = |row: u64| {
        let (a, b) = task.disk;
        a + (b - a) * (row - task.first_row) / task.rows.max(1)
    };
    let reader = File::open(&task.path).map_err(|e| e.to_string()).and_then(|file| {
        let mut b = ParquetRecordBatchReaderBuilder::new_with_metadata(file, task.meta.clone())
            .with_row_groups(vec![task.group])
            .with_batch_size(DECODE_ROWS);
        if skip > 0 {
            let keep = (task.rows - skip) as usize;
            b = b.with_row_selection(RowSelection::from(vec![
                RowSelector::skip(skip as usize),
                RowSelector::select(keep),
            ]));
        }
        b.build().map_err(|e| e.to_string())
    });
    let mut failure = None;
    match reader {
        Err(e) => failure = Some(e),
        Ok(reader) => {
            for batch in reader {
                let batch = match batch {
                    Ok(b) => b,
                    Err(e) => {
                        failure = Some(e.to_string());
                        break;
                    }
                };
                let n = batch.num_rows() as u64;
                let mut piece = rows_of(&batch, at, display, task.direct);
                at += n;
                piece.end_row = at;
                piece.disk_bytes = disk_at(at);
                if !f(piece) {
                    return false;
                }
            }
        }
    }
    let mut last = Piece {
        records: Vec::new(),
        diagnostics: Vec::new(),
        lost: 0,
        end_row: end,
        disk_bytes: task.disk.1,
        last: true,
    };
    if let Some(e) = failure.or_else(|| (at < end).then(|| format!("{} rows missing", end - at))) {
        // The rest of this row group is unreadable; the next one starts fresh.
        let from = at + 1;
        last.lost = end + 1 - from;
        last.diagnostics.push(Diagnostic::error(
            display,
            from,
            format!("rows {from}..{end} (row group {}) not read: parquet read error: {e}", task.group + 1),
        ));
    }
    f(last)
}

/// The rows of a decoded batch (`at`: rows of the file before it): each rendered as its original
/// line and, on the direct route, converted to its value. A batch arrow-json cannot write is one
/// diagnostic and its rows count as lost. (That failure depends on the column types, not on
/// values: arrow-json writes a value it cannot format, such as a date past year 262,143, as `""`.)
fn rows_of(batch: &arrow_array::RecordBatch, at: u64, display: &str, direct: bool) -> Piece {
    let n = batch.num_rows() as u64;
    let mut piece =
        Piece { records: Vec::new(), diagnostics: Vec::new(), lost: 0, end_row: at + n, disk_bytes: 0, last: false };
    match original_lines(batch) {
        Ok(lines) => {
            let values =
                if direct { arrow::rows(batch).into_iter().map(Some).collect() } else { vec![None; lines.len()] };
            piece.records = lines
                .into_iter()
                .zip(values)
                .zip(at + 1..)
                .map(|((bytes, value), line)| (RawRecord { bytes, offset: 0, line }, value))
                .collect();
        }
        Err(e) => {
            piece.lost = n;
            let reason = format!("rows {}..{}: cannot convert parquet rows to json: {e}", at + 1, at + n);
            piece.diagnostics.push(Diagnostic::error(display, at + 1, reason));
        }
    }
    piece
}

/// The original of each row of a batch: the row as one arrow-json line (an object of the
/// columns in schema order, null columns and null struct fields left out), without its newline.
/// This definition is what every stored Parquet record's id and bytes were made from; it must not
/// change (ARCHITECTURE.md, "The original of a Parquet row").
pub(super) fn original_lines(batch: &arrow_array::RecordBatch) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut w = arrow_json::LineDelimitedWriter::new(&mut out);
    w.write(batch).and_then(|_| w.finish()).map_err(|e| e.to_string())?;
    drop(w);
    Ok(out.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, NullArray, RecordBatch, StringViewArray};
    use arrow_schema::{DataType, Field, Fields, Schema};

    /// Every type converted here, nulls at every level: the direct value of each row is what its
    /// arrow-json line (the stored original) parses to.
    #[test]
    fn direct_values_are_what_the_original_lines_parse_to() {
        let s = |n: &str, t: DataType| Field::new(n, t, true);
        let inner =
            Fields::from(vec![s("a", DataType::Utf8), s("b", DataType::List(Arc::new(s("item", DataType::Int64))))]);
        let schema = Arc::new(Schema::new(vec![
            s("text", DataType::Utf8),
            s("large", DataType::LargeUtf8),
            s("flag", DataType::Boolean),
            s("i8", DataType::Int8),
            s("i16", DataType::Int16),
            s("i32", DataType::Int32),
            s("i64", DataType::Int64),
            s("u8", DataType::UInt8),
            s("u16", DataType::UInt16),
            s("u32", DataType::UInt32),
            s("u64", DataType::UInt64),
            s("items", DataType::List(Arc::new(s("item", DataType::Struct(inner.clone()))))),
            s("tags", DataType::LargeList(Arc::new(s("item", DataType::Utf8)))),
            s("meta", DataType::Struct(inner)),
        ]));
        let rows = [
            r#"{"text":"a \"q\"\n\u0001 é ☃ 😀","large":"L","flag":true,"i8":-128,"i16":-32768,"i32":-2147483648,"i64":-9223372036854775808,"u8":255,"u16":65535,"u32":4294967295,"u64":18446744073709551615,"items":[{"a":"x","b":[1,null,3]},null,{"b":[]}],"tags":["t",null],"meta":{"a":null,"b":null}}"#,
            r#"{"text":null,"flag":false,"i64":0,"items":[],"tags":null,"meta":null}"#,
            r#"{"i32":7,"items":null,"meta":{"a":"","b":[9223372036854775807]}}"#,
            r#"{}"#,
        ];
        let decoded = arrow_json::ReaderBuilder::new(Arc::clone(&schema))
            .build(std::io::Cursor::new(rows.join("\n")))
            .expect("reader")
            .next()
            .expect("a batch")
            .expect("decodes");
        // Columns the JSON reader does not build: floats beyond JSON, a Null column, string views.
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), Some(f64::NAN), Some(-0.0), Some(5e-324)]));
        let floats2: ArrayRef = Arc::new(Float64Array::from(vec![Some(0.1), Some(f64::INFINITY), None, Some(1e300)]));
        let nulls: ArrayRef = Arc::new(NullArray::new(4));
        let views: ArrayRef =
            Arc::new(StringViewArray::from(vec![Some("a view longer than twelve bytes"), None, Some(""), Some("v")]));
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(s("f", DataType::Float64));
        fields.push(s("g", DataType::Float64));
        fields.push(s("n", DataType::Null));
        fields.push(s("view", DataType::Utf8View));
        let mut columns = decoded.columns().to_vec();
        columns.extend([floats, floats2, nulls, views]);
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("batch");
        assert!(super::arrow::direct_schema(&batch.schema()));
        let lines = super::original_lines(&batch).expect("lines");
        let values = super::arrow::rows(&batch);
        assert_eq!(lines.len(), 4);
        for (line, value) in lines.iter().zip(&values) {
            let parsed: serde_json::Value = serde_json::from_slice(line).expect("line parses");
            assert_eq!(&parsed, value, "line {}", String::from_utf8_lossy(line));
        }
    }
}
