//! Parquet: the NV row schema, the `labels` column, and Arrow columns built directly from the
//! chat messages and encoded into a whole row group on a worker.

use std::sync::Arc;

use arrow_array::builder::{ArrayBuilder, StringBuilder};
use arrow_array::{ArrayRef, BooleanArray, ListArray, RecordBatch, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnWriter};
use rusqlite::Connection;

use super::chat::{Messages, NvRow};
use crate::StoreError;

/// The current labels of a trajectory as a JSON string for the `labels` Parquet column, or None
/// when it has none: `{"<set>": {"<annotator>": value}, "steps": [{"step", "set", "annotator",
/// "value"}]}` (an adjudication appears as annotator `adjudicator:<name>`).
pub fn labels_json_for(conn: &Connection, uid: &str) -> Result<Option<String>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT step_key, label_set, annotator, value FROM label_current WHERE target = ?1 \
         ORDER BY step_key, label_set, annotator",
    )?;
    let rows = st.query_map([uid], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut top = serde_json::Map::new();
    let mut steps = Vec::new();
    for row in rows {
        let (step, set, annotator, value) = row?;
        let value: serde_json::Value = serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value));
        if step < 0 {
            let by = top.entry(set).or_insert_with(|| serde_json::Value::Object(Default::default()));
            if let serde_json::Value::Object(m) = by {
                m.insert(annotator, value);
            }
        } else {
            steps.push(serde_json::json!({"step": step, "set": set, "annotator": annotator, "value": value}));
        }
    }
    if top.is_empty() && steps.is_empty() {
        return Ok(None);
    }
    if !steps.is_empty() {
        top.insert("steps".into(), serde_json::Value::Array(steps));
    }
    Ok(Some(serde_json::Value::Object(top).to_string()))
}

/// The Arrow schema of the Parquet export: the NV SWE-Zero/Hero columns, then ours.
pub fn parquet_schema() -> SchemaRef {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let function = Field::new("function", DataType::Struct(Fields::from(vec![s("name"), s("arguments")])), true);
    let call = DataType::Struct(Fields::from(vec![s("id"), s("type"), function]));
    let message = DataType::Struct(Fields::from(vec![
        s("role"),
        s("content"),
        Field::new("tool_calls", DataType::List(Arc::new(Field::new("item", call, true))), true),
        s("name"),
        s("tool_call_id"),
    ]));
    Arc::new(Schema::new(vec![
        s("instance_id"),
        s("repo"),
        s("license"),
        s("trajectory_id"),
        Field::new("trajectory", DataType::List(Arc::new(Field::new("item", message, true))), true),
        s("model_patch"),
        s("dataset"),
        Field::new("uid", DataType::Utf8, false),
        Field::new("format", DataType::Utf8, false),
        Field::new("resolved", DataType::Boolean, true),
        Field::new("flags", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), true),
        s("labels"),
    ]))
}

// ---------------------------------------------------------------------------------------------
// Parquet: Arrow columns built directly from the chat messages (no JSON round trip), encoded
// into a whole row group on the worker; the writer thread only appends the encoded chunks.

/// A nullable UTF-8 column under construction. The sizes of the last batch size the next one's,
/// so that big text columns are not grown by copying.
#[derive(Default)]
pub(super) struct StrCol {
    pub(super) b: StringBuilder,
}

impl StrCol {
    pub(super) fn push(&mut self, s: Option<&str>) -> Result<(), StoreError> {
        match s {
            Some(s) => {
                if self.b.values_slice().len() + s.len() > i32::MAX as usize {
                    return Err(StoreError::Damaged {
                        id: "parquet export".into(),
                        reason: "more than 2 GiB of text in one column batch".into(),
                    });
                }
                self.b.append_value(s);
            }
            None => self.b.append_null(),
        }
        Ok(())
    }

    pub(super) fn len(&self) -> usize {
        self.b.len()
    }

    pub(super) fn bytes(&self) -> usize {
        self.b.values_slice().len()
    }

    pub(super) fn finish(&mut self) -> Result<ArrayRef, StoreError> {
        let (items, bytes) = (self.len(), self.bytes());
        let a = self.b.finish();
        self.b = StringBuilder::with_capacity(items + items / 4, bytes + bytes / 4);
        Ok(Arc::new(a))
    }
}

/// List offsets with validity.
#[derive(Default)]
pub(super) struct ListCol {
    pub(super) offsets: Vec<i32>,
    pub(super) valid: Vec<bool>,
    pub(super) nulls: usize,
}

impl ListCol {
    /// Closes a list whose items end at `end` (`None`: a null list).
    pub(super) fn push(&mut self, end: usize, valid: bool) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.offsets.push(end as i32);
        self.valid.push(valid);
        if !valid {
            self.nulls += 1;
        }
    }

    pub(super) fn finish(&mut self, item: FieldRef, values: ArrayRef) -> Result<ArrayRef, StoreError> {
        let mut offsets = std::mem::take(&mut self.offsets);
        if offsets.is_empty() {
            offsets.push(0);
        }
        let valid = std::mem::take(&mut self.valid);
        let nulls = (std::mem::take(&mut self.nulls) > 0).then(|| NullBuffer::from(valid));
        let a = ListArray::try_new(item, OffsetBuffer::new(ScalarBuffer::from(offsets)), values, nulls)
            .map_err(arrow_err)?;
        Ok(Arc::new(a))
    }
}

pub(super) fn arrow_err(e: arrow_schema::ArrowError) -> StoreError {
    StoreError::Damaged { id: "parquet export".into(), reason: e.to_string() }
}

pub(super) fn parquet_err(e: parquet::errors::ParquetError) -> StoreError {
    StoreError::Damaged { id: "parquet export".into(), reason: e.to_string() }
}

/// The columns of a batch of NV rows (see [`parquet_schema`]).
#[derive(Default)]
pub(super) struct NvCols {
    pub(super) rows: usize,
    pub(super) instance_id: StrCol,
    pub(super) repo: StrCol,
    pub(super) license: StrCol,
    pub(super) trajectory_id: StrCol,
    pub(super) trajectory: ListCol,
    pub(super) m_role: StrCol,
    pub(super) m_content: StrCol,
    pub(super) m_tool_calls: ListCol,
    pub(super) m_name: StrCol,
    pub(super) m_tool_call_id: StrCol,
    pub(super) c_id: StrCol,
    pub(super) c_type: StrCol,
    pub(super) c_name: StrCol,
    pub(super) c_arguments: StrCol,
    pub(super) model_patch: StrCol,
    pub(super) dataset: StrCol,
    pub(super) uid: StrCol,
    pub(super) format: StrCol,
    pub(super) resolved: Vec<Option<bool>>,
    pub(super) flags: ListCol,
    pub(super) flag_names: StrCol,
    pub(super) labels: StrCol,
}

/// Text bytes after which a worker hands the columns built so far to the encoders: small enough
/// that the column buffers are reused from the allocator's free lists instead of being faulted in
/// fresh for every row group.
pub(super) const BATCH_TEXT_BYTES: usize = 4 << 20;

impl NvCols {
    pub(super) fn push(&mut self, nv: &NvRow<'_>) -> Result<(), StoreError> {
        self.rows += 1;
        self.instance_id.push(nv.fields.instance_id)?;
        self.repo.push(nv.fields.repo)?;
        self.license.push(nv.fields.license)?;
        self.trajectory_id.push(nv.fields.trajectory_id)?;
        match &nv.trajectory {
            Messages::Derived(messages) => {
                for m in messages {
                    self.m_role.push(Some(m.role))?;
                    self.m_content.push(Some(&m.content))?;
                    let calls = m
                        .tool_calls
                        .as_ref()
                        .map(|calls| calls.iter().map(|c| (&*c.id, c.kind, c.function.name, &*c.function.arguments)));
                    self.push_calls(calls)?;
                    self.m_name.push(m.name)?;
                    self.m_tool_call_id.push(m.tool_call_id.as_deref())?;
                }
            }
            Messages::Own(messages) => {
                for m in messages {
                    self.m_role.push(Some(&m.role))?;
                    self.m_content.push(m.content.as_deref())?;
                    let calls = m.tool_calls.as_ref().map(|calls| {
                        calls.iter().map(|c| (&*c.id, &*c.kind, &*c.function.name, &*c.function.arguments))
                    });
                    self.push_calls(calls)?;
                    self.m_name.push(m.name.as_deref())?;
                    self.m_tool_call_id.push(m.tool_call_id.as_deref())?;
                }
            }
        }
        self.trajectory.push(self.m_role.len(), true);
        self.model_patch.push(nv.fields.model_patch.as_deref())?;
        self.dataset.push(nv.fields.dataset)?;
        self.uid.push(Some(nv.fields.uid))?;
        self.format.push(Some(nv.fields.format))?;
        self.resolved.push(nv.fields.resolved);
        for f in &nv.fields.flags {
            self.flag_names.push(Some(f))?;
        }
        self.flags.push(self.flag_names.len(), true);
        self.labels.push(nv.fields.labels.as_deref())?;
        Ok(())
    }

    /// Closes one message's `tool_calls` list (`None`: null) from `(id, type, name, arguments)`.
    pub(super) fn push_calls<'c>(
        &mut self,
        calls: Option<impl Iterator<Item = (&'c str, &'c str, &'c str, &'c str)>>,
    ) -> Result<(), StoreError> {
        match calls {
            Some(calls) => {
                for (id, kind, name, arguments) in calls {
                    self.c_id.push(Some(id))?;
                    self.c_type.push(Some(kind))?;
                    self.c_name.push(Some(name))?;
                    self.c_arguments.push(Some(arguments))?;
                }
                self.m_tool_calls.push(self.c_id.len(), true);
            }
            None => self.m_tool_calls.push(self.c_id.len(), false),
        }
        Ok(())
    }

    pub(super) fn text_bytes(&self) -> usize {
        self.m_content.bytes() + self.c_arguments.bytes() + self.model_patch.bytes()
    }

    /// The batch built so far (and an empty builder for the next).
    pub(super) fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch, StoreError> {
        let f = schema.fields();
        let list_item = |i: usize| match f[i].data_type() {
            DataType::List(item) => item.clone(),
            other => unreachable!("list column, not {other}"),
        };
        let traj_item = list_item(4);
        let DataType::Struct(msg_fields) = traj_item.data_type().clone() else { unreachable!("message struct") };
        let DataType::List(call_item) = msg_fields[2].data_type().clone() else { unreachable!("tool_calls list") };
        let DataType::Struct(call_fields) = call_item.data_type().clone() else { unreachable!("call struct") };
        let DataType::Struct(func_fields) = call_fields[2].data_type().clone() else { unreachable!("function") };
        let func = StructArray::try_new(func_fields, vec![self.c_name.finish()?, self.c_arguments.finish()?], None)
            .map_err(arrow_err)?;
        let calls =
            StructArray::try_new(call_fields, vec![self.c_id.finish()?, self.c_type.finish()?, Arc::new(func)], None)
                .map_err(arrow_err)?;
        let tool_calls = self.m_tool_calls.finish(call_item, Arc::new(calls))?;
        let messages = StructArray::try_new(
            msg_fields,
            vec![
                self.m_role.finish()?,
                self.m_content.finish()?,
                tool_calls,
                self.m_name.finish()?,
                self.m_tool_call_id.finish()?,
            ],
            None,
        )
        .map_err(arrow_err)?;
        let trajectory = self.trajectory.finish(traj_item, Arc::new(messages))?;
        let flag_names = self.flag_names.finish()?;
        let columns: Vec<ArrayRef> = vec![
            self.instance_id.finish()?,
            self.repo.finish()?,
            self.license.finish()?,
            self.trajectory_id.finish()?,
            trajectory,
            self.model_patch.finish()?,
            self.dataset.finish()?,
            self.uid.finish()?,
            self.format.finish()?,
            Arc::new(BooleanArray::from(std::mem::take(&mut self.resolved))),
            self.flags.finish(list_item(10), flag_names)?,
            self.labels.finish()?,
        ];
        self.rows = 0;
        RecordBatch::try_new(schema.clone(), columns).map_err(arrow_err)
    }
}

/// Encodes a batch into a row group's column writers.
pub(super) fn encode_batch(
    writers: &mut [ArrowColumnWriter],
    schema: &SchemaRef,
    batch: &RecordBatch,
) -> Result<(), StoreError> {
    let mut w = writers.iter_mut();
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        for leaf in compute_leaves(field, column).map_err(parquet_err)? {
            w.next().expect("a writer per leaf").write(&leaf).map_err(parquet_err)?;
        }
    }
    Ok(())
}
