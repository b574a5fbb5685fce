//! Functions available in rule SQL.
//!
//! - `add_working_days(date, n)`: the `n`th working day after `date` (start day excluded).
//! - `working_days_between(a, b)`: working days in (a, b].
//! - `days_between(a, b)`: `b − a` in days.
//! - `seconds_between(a, b)`: `b − a` in seconds, for date-times.
//! - `add_years(date, n)`: the same calendar date `n` years later (29 February → 28 February).
//!
//! A date outside the working-day calendar's years gives NULL (so the rule says
//! 资料不全 rather than guessing) and a warning that the run reports.

use arrow::array::{Array, ArrayRef, Date32Array, Int64Array, TimestampSecondArray};
use arrow::datatypes::{DataType, TimeUnit};
use chrono::{Datelike, NaiveDate};
use datafusion::common::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use xingjian_calendar::WorkCalendar;

/// Warnings raised while a query ran (e.g. a date past the calendar's years).
#[derive(Debug, Default, Clone)]
pub struct Warnings(Arc<Mutex<BTreeSet<String>>>);

impl Warnings {
    pub fn push(&self, w: String) {
        if let Ok(mut set) = self.0.lock() {
            set.insert(w);
        }
    }

    pub fn take(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|mut s| std::mem::take(&mut *s).into_iter().collect())
            .unwrap_or_default()
    }
}

use xingjian_datasets::{from_date32, to_date32};

fn arrays(args: &[ColumnarValue]) -> DfResult<Vec<ArrayRef>> {
    ColumnarValue::values_to_arrays(args)
}

fn downcast<'a, T: 'static>(a: &'a ArrayRef, f: &str) -> DfResult<&'a T> {
    a.as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| DataFusionError::Execution(format!("{f}: unexpected argument type")))
}

fn add_working_days(cal: Arc<WorkCalendar>, warnings: Warnings) -> ScalarUDF {
    create_udf(
        "add_working_days",
        vec![DataType::Date32, DataType::Int64],
        DataType::Date32,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let dates = downcast::<Date32Array>(&a[0], "add_working_days")?;
            let ns = downcast::<Int64Array>(&a[1], "add_working_days")?;
            let mut memo: HashMap<(i32, i64), Option<i32>> = HashMap::new();
            let out: Date32Array = dates
                .iter()
                .zip(ns.iter())
                .map(|(d, n)| {
                    let (d, n) = (d?, n?);
                    *memo.entry((d, n)).or_insert_with(|| {
                        let date = from_date32(d)?;
                        let n = u32::try_from(n).ok()?;
                        match cal.add_working_days(date, n) {
                            Ok(r) => Some(to_date32(r)),
                            Err(e) => {
                                warnings.push(e.to_string());
                                None
                            }
                        }
                    })
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

fn working_days_between(cal: Arc<WorkCalendar>, warnings: Warnings) -> ScalarUDF {
    create_udf(
        "working_days_between",
        vec![DataType::Date32, DataType::Date32],
        DataType::Int64,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let from = downcast::<Date32Array>(&a[0], "working_days_between")?;
            let to = downcast::<Date32Array>(&a[1], "working_days_between")?;
            let out: Int64Array = from
                .iter()
                .zip(to.iter())
                .map(|(f, t)| {
                    let (f, t) = (from_date32(f?)?, from_date32(t?)?);
                    match cal.working_days_between(f, t) {
                        Ok(n) => Some(i64::from(n)),
                        Err(e) => {
                            warnings.push(e.to_string());
                            None
                        }
                    }
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

fn days_between() -> ScalarUDF {
    create_udf(
        "days_between",
        vec![DataType::Date32, DataType::Date32],
        DataType::Int64,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let from = downcast::<Date32Array>(&a[0], "days_between")?;
            let to = downcast::<Date32Array>(&a[1], "days_between")?;
            let out: Int64Array = arrow::compute::kernels::arity::binary(from, to, |f, t| {
                i64::from(t) - i64::from(f)
            })?;
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

fn seconds_between() -> ScalarUDF {
    let ts = DataType::Timestamp(TimeUnit::Second, None);
    create_udf(
        "seconds_between",
        vec![ts.clone(), ts],
        DataType::Int64,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let from = downcast::<TimestampSecondArray>(&a[0], "seconds_between")?;
            let to = downcast::<TimestampSecondArray>(&a[1], "seconds_between")?;
            let out: Int64Array =
                arrow::compute::kernels::arity::binary(from, to, |f: i64, t: i64| t - f)?;
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

/// The same month and day `n` years later; 29 February becomes 28 February.
pub fn add_years_date(d: NaiveDate, n: i32) -> Option<NaiveDate> {
    let y = d.year().checked_add(n)?;
    NaiveDate::from_ymd_opt(y, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, d.month(), 28))
}

fn add_years() -> ScalarUDF {
    create_udf(
        "add_years",
        vec![DataType::Date32, DataType::Int64],
        DataType::Date32,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let dates = downcast::<Date32Array>(&a[0], "add_years")?;
            let ns = downcast::<Int64Array>(&a[1], "add_years")?;
            let out: Date32Array = dates
                .iter()
                .zip(ns.iter())
                .map(|(d, n)| {
                    let r = add_years_date(from_date32(d?)?, i32::try_from(n?).ok()?)?;
                    Some(to_date32(r))
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

/// Every rule function, bound to a calendar.
pub fn all(cal: Arc<WorkCalendar>, warnings: Warnings) -> Vec<ScalarUDF> {
    vec![
        add_working_days(cal.clone(), warnings.clone()),
        working_days_between(cal, warnings),
        days_between(),
        seconds_between(),
        add_years(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_day_anniversary_is_28_february() {
        let d = NaiveDate::from_ymd_opt(2020, 2, 29).unwrap();
        assert_eq!(add_years_date(d, 2), NaiveDate::from_ymd_opt(2022, 2, 28));
        let d = NaiveDate::from_ymd_opt(2021, 3, 1).unwrap();
        assert_eq!(add_years_date(d, 2), NaiveDate::from_ymd_opt(2023, 3, 1));
    }
}
