//! Runs rules over the datasets with DataFusion.
//!
//! Each contract table is a view over all its selected Parquet datasets (or an
//! empty table of the right schema); `agencies` comes from the registry. A rule's
//! query is wrapped so that only `hit` and `incomplete` rows come back, then the
//! lines are sorted so that the same input always gives the same lines.

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use chrono::NaiveDate;
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use datafusion::physical_plan::{collect, display::DisplayableExecutionPlan};
use datafusion::prelude::{DataFrame, ParquetReadOptions, SessionConfig, lit};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;
use xingjian_calendar::WorkCalendar;
use xingjian_records::Table;

use crate::RuleError;
use crate::rule::{LoadedRule, Severity};
use crate::udf::{self, Warnings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Hit,
    Incomplete,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Hit => "hit",
            Outcome::Incomplete => "incomplete",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Hit => "命中",
            Outcome::Incomplete => "资料不全",
        }
    }

    pub fn from_code(s: &str) -> Option<Outcome> {
        match s {
            "hit" => Some(Outcome::Hit),
            "incomplete" => Some(Outcome::Incomplete),
            _ => None,
        }
    }
}

/// One line of a screening: a record a rule fired on, or could not decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub rule_id: String,
    pub outcome: Outcome,
    pub table: String,
    pub agency_id: Option<i64>,
    pub agency: String,
    pub record_key: String,
    pub rule_version: u32,
    pub explanation: String,
    /// The record's 执法证号, `;`-separated.
    pub officers: Option<String>,
    /// SHA-256 of the source file, and the row in it.
    pub source_file: String,
    pub source_row: i64,
}

/// A registered agency, as rule SQL sees it.
#[derive(Debug, Clone)]
pub struct AgencyRow {
    pub id: i64,
    pub name: String,
    /// Chinese label of the registry kind: 交通运输, 公安交管, …
    pub kind: String,
}

/// What to screen.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Parquet files (paths or `file://` URLs) per table.
    pub parquet: BTreeMap<Table, Vec<String>>,
    /// In-memory batches per table (tests, small uploads).
    pub batches: BTreeMap<Table, Vec<RecordBatch>>,
    pub agencies: Vec<AgencyRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RuleCount {
    pub rule_id: String,
    pub rule_version: u32,
    pub hits: u64,
    pub incomplete: u64,
    pub millis: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Screened {
    pub hits: Vec<Hit>,
    pub counts: Vec<RuleCount>,
    pub warnings: Vec<String>,
}

pub struct Engine {
    calendar: Arc<WorkCalendar>,
}

const OUTPUT: [&str; 7] = [
    "agency_id",
    "record_key",
    "violated",
    "explanation",
    "officers",
    "_file",
    "_row",
];

/// A column every table has in rule SQL: a record's identity within one
/// screening as one `BIGINT` (input file's position × 2³² + `_row`), so rules
/// can group and join by record without the 64-character `_file`.
pub const KEY: &str = "_key";

fn key_base(input: usize) -> i64 {
    i64::try_from(input).unwrap_or(i64::MAX >> 32) << 32
}

/// The schema rules see: text columns as `Utf8View`, which the Parquet reader
/// decodes without copying short strings into one buffer (most of ours fit the
/// view's 12 inline bytes) and DataFusion's string kernels prefer.
fn view_schema(schema: &Schema) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
            _ => f.as_ref().clone(),
        })
        .collect();
    Schema::new(fields)
}

fn keyed_schema(schema: &Schema) -> SchemaRef {
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(KEY, DataType::Int64, false));
    Arc::new(Schema::new(fields))
}

/// The batch as the rules see it (`view_schema`), with `_key` for input number `input`.
fn with_key(b: &RecordBatch, input: usize) -> Result<RecordBatch, RuleError> {
    let rows = b
        .column_by_name("_row")
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .ok_or_else(|| RuleError::Engine("missing column _row".into()))?;
    let base = key_base(input);
    let key: Int64Array = rows.iter().map(|r| r.map(|r| base + r)).collect();
    let schema = view_schema(&b.schema());
    let mut columns = b
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| arrow::compute::cast(c, f.data_type()).map_err(df_err))
        .collect::<Result<Vec<_>, _>>()?;
    columns.push(Arc::new(key));
    RecordBatch::try_new(keyed_schema(&schema), columns).map_err(df_err)
}

fn df_err(e: impl std::fmt::Display) -> RuleError {
    RuleError::Engine(e.to_string())
}

impl Engine {
    pub fn new(calendar: WorkCalendar) -> Engine {
        Engine {
            calendar: Arc::new(calendar),
        }
    }

    async fn context(
        &self,
        inputs: &Inputs,
        warnings: &Warnings,
    ) -> Result<SessionContext, RuleError> {
        // DataFusion's defaults (one partition per core), tunable without a
        // rebuild through its `DATAFUSION_*` variables, e.g.
        // DATAFUSION_EXECUTION_TARGET_PARTITIONS=4.
        let config = SessionConfig::from_env()
            .map_err(df_err)?
            .with_information_schema(false);
        let ctx = SessionContext::new_with_config(config);
        for f in udf::all(self.calendar.clone(), warnings.clone()) {
            ctx.register_udf(f);
        }
        for table in Table::ALL {
            let schema = view_schema(&xingjian_datasets::schema(table));
            let files = inputs.parquet.get(&table).cloned().unwrap_or_default();
            let batches = inputs.batches.get(&table).cloned().unwrap_or_default();
            if !files.is_empty() {
                if !batches.is_empty() {
                    return Err(RuleError::Engine(format!(
                        "{}: give Parquet files or batches, not both",
                        table.code()
                    )));
                }
                // One scan per file, each with its `_key`, in one view.
                let mut view: Option<DataFrame> = None;
                for (i, f) in files.into_iter().enumerate() {
                    let opts = ParquetReadOptions::default().schema(&schema);
                    let df = ctx.read_parquet(f, opts).await.map_err(df_err)?;
                    let df = df
                        .with_column(KEY, lit(key_base(i)) + datafusion::prelude::col("_row"))
                        .map_err(df_err)?;
                    view = Some(match view {
                        None => df,
                        Some(v) => v.union(df).map_err(df_err)?,
                    });
                }
                if let Some(v) = view {
                    ctx.register_table(table.code(), v.into_view())
                        .map_err(df_err)?;
                }
            } else {
                let keyed = batches
                    .iter()
                    .enumerate()
                    .map(|(i, b)| with_key(b, i))
                    .collect::<Result<Vec<_>, _>>()?;
                let mem = MemTable::try_new(keyed_schema(&schema), vec![keyed]).map_err(df_err)?;
                ctx.register_table(table.code(), Arc::new(mem))
                    .map_err(df_err)?;
            }
        }
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, false),
            Field::new("kind", DataType::Utf8, false),
        ]));
        let ids: Int64Array = inputs.agencies.iter().map(|a| Some(a.id)).collect();
        let names: StringArray = inputs
            .agencies
            .iter()
            .map(|a| Some(a.name.as_str()))
            .collect();
        let kinds: StringArray = inputs
            .agencies
            .iter()
            .map(|a| Some(a.kind.as_str()))
            .collect();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(ids), Arc::new(names), Arc::new(kinds)],
        )
        .map_err(df_err)?;
        let mem = MemTable::try_new(schema, vec![vec![batch]]).map_err(df_err)?;
        ctx.register_table("agencies", Arc::new(mem))
            .map_err(df_err)?;
        Ok(ctx)
    }

    fn wrap(rule: &LoadedRule, as_of: NaiveDate) -> String {
        format!(
            "SELECT CAST(r.agency_id AS BIGINT) AS agency_id, CAST(r.record_key AS VARCHAR) AS record_key, \
             r.violated, CAST(r.explanation AS VARCHAR) AS explanation, CAST(r.officers AS VARCHAR) AS officers, \
             CAST(r._file AS VARCHAR) AS _file, CAST(r._row AS BIGINT) AS _row \
             FROM (\n{}\n) r WHERE r.violated IS NOT FALSE",
            rule.rule.render_sql(&rule.values, as_of)
        )
    }

    /// Plan every rule's query against empty tables: a rule that would fail at
    /// screening time fails here, at start-up, with its id.
    pub async fn validate(&self, rules: &[LoadedRule]) -> Result<(), Vec<RuleError>> {
        let warnings = Warnings::default();
        let ctx = match self.context(&Inputs::default(), &warnings).await {
            Ok(c) => c,
            Err(e) => return Err(vec![e]),
        };
        let as_of = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
        let mut errors = Vec::new();
        for r in rules {
            let sql = Self::wrap(r, as_of);
            match ctx.sql(&sql).await {
                Ok(df) => {
                    let fields = df.schema().fields();
                    if fields.len() != OUTPUT.len()
                        || fields
                            .iter()
                            .find(|f| f.name() == "violated")
                            .is_none_or(|f| f.data_type() != &DataType::Boolean)
                    {
                        errors.push(RuleError::Sql {
                            id: r.rule.id.clone(),
                            message: "查询结果的 violated 列应为布尔值".into(),
                        });
                    }
                }
                Err(e) => errors.push(RuleError::Sql {
                    id: r.rule.id.clone(),
                    message: e.to_string(),
                }),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Screen the inputs with the rules, as of a date (for measures not yet released).
    pub async fn screen(
        &self,
        rules: &[LoadedRule],
        inputs: &Inputs,
        as_of: NaiveDate,
        mut progress: impl FnMut(usize, &str),
    ) -> Result<Screened, RuleError> {
        let warnings = Warnings::default();
        let ctx = self.context(inputs, &warnings).await?;
        let names: HashMap<i64, &str> = inputs
            .agencies
            .iter()
            .map(|a| (a.id, a.name.as_str()))
            .collect();
        let mut out = Screened::default();
        for (i, r) in rules.iter().enumerate() {
            progress(i, &r.rule.id);
            let started = Instant::now();
            let sql_err = |e: datafusion::error::DataFusionError| RuleError::Sql {
                id: r.rule.id.clone(),
                message: e.to_string(),
            };
            let df = ctx.sql(&Self::wrap(r, as_of)).await.map_err(sql_err)?;
            let plan = df.create_physical_plan().await.map_err(sql_err)?;
            let planned = started.elapsed();
            let batches = collect(plan.clone(), ctx.task_ctx())
                .await
                .map_err(sql_err)?;
            // `XINGJIAN_LOG=xingjian_rules::plan=debug` shows where a slow rule spends its time.
            tracing::debug!(
                target: "xingjian_rules::plan",
                rule = %r.rule.id,
                planned_ms = planned.as_secs_f64() * 1e3,
                executed_ms = (started.elapsed() - planned).as_secs_f64() * 1e3,
                "\n{}",
                DisplayableExecutionPlan::with_metrics(plan.as_ref()).indent(true)
            );
            let mut count = RuleCount {
                rule_id: r.rule.id.clone(),
                rule_version: r.rule.version,
                hits: 0,
                incomplete: 0,
                millis: 0,
            };
            for b in &batches {
                for hit in lines(r, b, &names)? {
                    match hit.outcome {
                        Outcome::Hit => count.hits += 1,
                        Outcome::Incomplete => count.incomplete += 1,
                    }
                    out.hits.push(hit);
                }
            }
            count.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            out.counts.push(count);
        }
        progress(rules.len(), "");
        out.hits.sort_by(|a, b| {
            (
                &a.rule_id,
                &a.agency,
                &a.record_key,
                &a.source_file,
                a.source_row,
                a.outcome,
            )
                .cmp(&(
                    &b.rule_id,
                    &b.agency,
                    &b.record_key,
                    &b.source_file,
                    b.source_row,
                    b.outcome,
                ))
        });
        out.hits.dedup();
        out.warnings = warnings.take();
        Ok(out)
    }
}

fn col<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, RuleError> {
    b.column_by_name(name)
        .ok_or_else(|| RuleError::Engine(format!("missing column {name}")))
}

fn text(a: &ArrayRef, i: usize) -> Option<String> {
    let s = a.as_string_opt::<i32>()?;
    (!s.is_null(i)).then(|| s.value(i).to_owned())
}

fn lines(
    rule: &LoadedRule,
    b: &RecordBatch,
    names: &HashMap<i64, &str>,
) -> Result<Vec<Hit>, RuleError> {
    let agency = col(b, "agency_id")?.as_primitive_opt::<Int64Type>();
    let violated = col(b, "violated")?
        .as_any()
        .downcast_ref::<BooleanArray>()
        .ok_or_else(|| RuleError::Engine("violated is not boolean".into()))?;
    // Strings may come back as Utf8 or Utf8View: read them as Utf8.
    let utf8 = |name: &str| -> Result<ArrayRef, RuleError> {
        arrow::compute::cast(col(b, name)?, &DataType::Utf8).map_err(df_err)
    };
    let key = &utf8("record_key")?;
    let expl = &utf8("explanation")?;
    let officers = &utf8("officers")?;
    let file = &utf8("_file")?;
    let row = col(b, "_row")?.as_primitive_opt::<Int64Type>();
    let mut out = Vec::with_capacity(b.num_rows());
    for i in 0..b.num_rows() {
        let outcome = if violated.is_null(i) {
            Outcome::Incomplete
        } else if violated.value(i) {
            Outcome::Hit
        } else {
            continue;
        };
        let agency_id = agency.and_then(|a| (!a.is_null(i)).then(|| a.value(i)));
        let explanation = match (text(expl, i), outcome) {
            (Some(e), _) => e,
            (None, Outcome::Incomplete) => format!(
                "资料不全：“{}”所需的字段（{}）有未知项，无法判断。",
                rule.rule.title,
                rule.rule.requires.join("、")
            ),
            (None, Outcome::Hit) => rule.rule.title.clone(),
        };
        out.push(Hit {
            rule_id: rule.rule.id.clone(),
            outcome,
            table: rule.rule.table.clone(),
            agency_id,
            agency: agency_id
                .and_then(|id| names.get(&id).map(|s| (*s).to_owned()))
                .unwrap_or_default(),
            record_key: text(key, i).unwrap_or_default(),
            rule_version: rule.rule.version,
            explanation,
            officers: text(officers, i),
            source_file: text(file, i).unwrap_or_default(),
            source_row: row
                .and_then(|r| (!r.is_null(i)).then(|| r.value(i)))
                .unwrap_or(0),
        });
    }
    Ok(out)
}

/// Severity label of a rule by id, for displays.
pub fn severity_of(rules: &[LoadedRule], id: &str) -> Option<Severity> {
    rules
        .iter()
        .find(|r| r.rule.id == id)
        .map(|r| r.rule.severity)
}
