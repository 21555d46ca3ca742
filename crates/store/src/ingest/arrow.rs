//! Parquet rows straight from Arrow arrays into the value the format adapters read, without
//! rendering them to JSON text and parsing that again.
//!
//! A row's value is exactly what `serde_json` would parse from the row's arrow-json line (the
//! record's stored original, see ARCHITECTURE.md "The original of a Parquet row"): an object with
//! the row's columns in schema order, a null column or struct field left out, a null list element
//! kept as `null`, a non-finite float as `null`. So the adapters (`trawl_core::formats`) see the
//! same value on both routes and give the same trajectory, facts and flags; only column types
//! whose values convert exactly are read this way ([`direct_schema`]), any other schema takes the
//! JSON route.
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};
use serde_json::{Map, Number, Value};

/// Whether rows of this schema are converted here. Not for a Trawl export (`uid` and `format`
/// columns), whose rows keep the JSON route (their identity is read there), nor for a column type
/// converted otherwise than exactly (dates, binary, decimals, dictionaries, 16- and 32-bit floats).
pub(super) fn direct_schema(schema: &Schema) -> bool {
    let has = |name: &str| schema.fields().iter().any(|f| f.name() == name);
    if has("uid") && has("format") {
        return false;
    }
    schema.fields().iter().all(|f| supported(f.data_type()))
}

fn supported(dt: &DataType) -> bool {
    match dt {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float64
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View => true,
        DataType::List(f) | DataType::LargeList(f) => supported(f.data_type()),
        DataType::Struct(fields) => fields.iter().all(|f| supported(f.data_type())),
        _ => false,
    }
}

/// One column (or nested field) with its type resolved once per batch.
enum Conv<'a> {
    Null,
    Bool(&'a arrow_array::BooleanArray),
    Int(&'a dyn Array, fn(&dyn Array, usize) -> Value),
    Float(&'a arrow_array::Float64Array),
    Str(&'a arrow_array::StringArray),
    LargeStr(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    List(&'a arrow_array::ListArray, Box<Col<'a>>),
    LargeList(&'a arrow_array::LargeListArray, Box<Col<'a>>),
    Struct(Vec<(&'a str, Col<'a>)>),
}

/// A column with its logical nulls (what arrow-json tests: a `Null`-typed column is all null).
struct Col<'a> {
    nulls: Option<arrow_buffer::NullBuffer>,
    conv: Conv<'a>,
}

impl<'a> Col<'a> {
    fn new(a: &'a ArrayRef) -> Col<'a> {
        Col { nulls: a.logical_nulls(), conv: Conv::new(a) }
    }

    fn is_null(&self, i: usize) -> bool {
        self.nulls.as_ref().is_some_and(|n| n.is_null(i))
    }

    /// The value at `i`, `null` included.
    fn get(&self, i: usize) -> Value {
        if self.is_null(i) {
            Value::Null
        } else {
            self.conv.value(i)
        }
    }
}

fn int<T: arrow_array::ArrowPrimitiveType>(a: &dyn Array, i: usize) -> Value
where
    T::Native: Into<Number>,
{
    Value::Number(a.as_primitive::<T>().value(i).into())
}

impl<'a> Conv<'a> {
    fn new(a: &'a ArrayRef) -> Conv<'a> {
        match a.data_type() {
            DataType::Boolean => Conv::Bool(a.as_boolean()),
            DataType::Int8 => Conv::Int(a.as_ref(), int::<Int8Type>),
            DataType::Int16 => Conv::Int(a.as_ref(), int::<Int16Type>),
            DataType::Int32 => Conv::Int(a.as_ref(), int::<Int32Type>),
            DataType::Int64 => Conv::Int(a.as_ref(), int::<Int64Type>),
            DataType::UInt8 => Conv::Int(a.as_ref(), int::<UInt8Type>),
            DataType::UInt16 => Conv::Int(a.as_ref(), int::<UInt16Type>),
            DataType::UInt32 => Conv::Int(a.as_ref(), int::<UInt32Type>),
            DataType::UInt64 => Conv::Int(a.as_ref(), int::<UInt64Type>),
            DataType::Float64 => Conv::Float(a.as_primitive::<Float64Type>()),
            DataType::Utf8 => Conv::Str(a.as_string::<i32>()),
            DataType::LargeUtf8 => Conv::LargeStr(a.as_string::<i64>()),
            DataType::Utf8View => Conv::View(a.as_string_view()),
            DataType::List(_) => {
                let l = a.as_list::<i32>();
                Conv::List(l, Box::new(Col::new(l.values())))
            }
            DataType::LargeList(_) => {
                let l = a.as_list::<i64>();
                Conv::LargeList(l, Box::new(Col::new(l.values())))
            }
            DataType::Struct(_) => {
                let s = a.as_struct();
                let names = s.fields().iter().map(|f| f.name().as_str());
                Conv::Struct(names.zip(s.columns()).map(|(n, c)| (n, Col::new(c))).collect())
            }
            // `direct_schema` admitted nothing else.
            _ => Conv::Null,
        }
    }

    /// The value at `i`, which is not null.
    fn value(&self, i: usize) -> Value {
        match self {
            Conv::Null => Value::Null,
            Conv::Bool(a) => Value::Bool(a.value(i)),
            Conv::Int(a, f) => f(*a, i),
            Conv::Float(a) => Number::from_f64(a.value(i)).map_or(Value::Null, Value::Number),
            Conv::Str(a) => Value::String(a.value(i).to_owned()),
            Conv::LargeStr(a) => Value::String(a.value(i).to_owned()),
            Conv::View(a) => Value::String(a.value(i).to_owned()),
            Conv::List(l, child) => {
                let o = l.value_offsets();
                list(child, o[i] as usize..o[i + 1] as usize)
            }
            Conv::LargeList(l, child) => {
                let o = l.value_offsets();
                list(child, o[i] as usize..o[i + 1] as usize)
            }
            Conv::Struct(fields) => object(fields, i),
        }
    }
}

fn list(child: &Col<'_>, range: std::ops::Range<usize>) -> Value {
    Value::Array(range.map(|j| child.get(j)).collect())
}

/// An object of the fields not null at `i`, as arrow-json writes it (explicit nulls off).
fn object(fields: &[(&str, Col<'_>)], i: usize) -> Value {
    let mut m = Map::new();
    for (name, col) in fields {
        if !col.is_null(i) {
            m.insert((*name).to_owned(), col.conv.value(i));
        }
    }
    Value::Object(m)
}

/// The rows of a batch as values (the batch's schema passed [`direct_schema`]).
pub(super) fn rows(batch: &RecordBatch) -> Vec<Value> {
    let schema = batch.schema();
    let names = schema.fields().iter().map(|f| f.name().as_str());
    let fields: Vec<(&str, Col<'_>)> = names.zip(batch.columns()).map(|(n, c)| (n, Col::new(c))).collect();
    (0..batch.num_rows()).map(|i| object(&fields, i)).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_schema::{DataType, Field, Fields, Schema};

    #[test]
    fn a_trawl_export_and_inexact_types_take_the_json_route() {
        let s = |n: &str, t: DataType| Field::new(n, t, true);
        assert!(!super::direct_schema(&Schema::new(vec![s("uid", DataType::Utf8), s("format", DataType::Utf8)])));
        assert!(super::direct_schema(&Schema::new(vec![s("uid", DataType::Utf8)])));
        for t in [DataType::Float32, DataType::Binary, DataType::Date32, DataType::Decimal128(10, 2)] {
            assert!(!super::direct_schema(&Schema::new(vec![s("x", t.clone())])), "{t}");
            let nested = DataType::List(Arc::new(s("item", DataType::Struct(Fields::from(vec![s("y", t.clone())])))));
            assert!(!super::direct_schema(&Schema::new(vec![s("x", nested)])), "{t}");
        }
    }
}
