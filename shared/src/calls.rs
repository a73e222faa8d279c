//! Counts the DynamoDB requests a handler makes, which operations and the capacity units they
//! consumed (table and each index), and its payment gateway calls: the store's SDK interceptor and the
//! gateway client add to a task-local record the edge reads.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
    BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::{
    batch_get_item, batch_write_item, delete_item, get_item, put_item, query, scan,
    transact_get_items, transact_write_items, update_item,
};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{Input, Output};
use aws_smithy_runtime_api::client::orchestrator::Metadata;

/// What a task sent to DynamoDB.
#[derive(Debug, Default)]
struct Record {
    operations: Vec<String>,
    capacity: Capacity,
}

tokio::task_local! {
    static CALLS: Arc<Mutex<Record>>;
}

fn with_record(f: impl FnOnce(&mut Record)) {
    let _ = CALLS.try_with(|r| f(&mut r.lock().unwrap_or_else(|e| e.into_inner())));
}

/// The interceptor: asks every operation for `ReturnConsumedCapacity = INDEXES` (the one place that
/// does), records every request sent to DynamoDB (each retry attempt included) by operation name
/// (`GetItem`, `TransactWriteItems`, …) and the units each answer reports, in the task it runs in, if
/// that task records.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallCounter;

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "UpstreamCallCounter"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        ask_for_capacity(context.input_mut());
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(output) = context.output_or_error() {
            let (reports, write_op) = consumed(output);
            with_record(|r| {
                for report in &reports {
                    r.capacity.record(report, write_op);
                }
            });
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map_or("unknown", |m| m.name())
            .to_owned();
        with_record(|r| r.operations.push(operation));
        Ok(())
    }
}

/// Prefix of a payment gateway call in the record (DynamoDB operations have none).
pub const PROVIDER_PREFIX: &str = "provider:";

/// Records a call to the payment gateway (`what`: `charge`, `status`, …) in the current task, if it
/// records: budgets count DynamoDB and gateway calls separately.
pub fn note_provider_call(what: &str) {
    with_record(|r| r.operations.push(format!("{PROVIDER_PREFIX}{what}")));
}

/// Runs `fut` and returns its output with the DynamoDB operations (and gateway calls, prefixed
/// `provider:`) it sent, in order. A record around this one gets them too.
pub async fn count_calls<F: Future>(fut: F) -> (F::Output, Vec<String>) {
    let (out, calls, _) = count_usage(fut).await;
    (out, calls)
}

/// [`count_calls`] and the DynamoDB capacity units the calls consumed.
pub async fn count_usage<F: Future>(fut: F) -> (F::Output, Vec<String>, Capacity) {
    let record = Arc::new(Mutex::new(Record::default()));
    let out = CALLS.scope(record.clone(), fut).await;
    let record = std::mem::take(&mut *record.lock().unwrap_or_else(|e| e.into_inner()));
    with_record(|outer| {
        outer.operations.extend(record.operations.iter().cloned());
        outer.capacity.merge(&record.capacity);
    });
    (out, record.operations, record.capacity)
}

/// Read and write capacity units.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Units {
    /// Read capacity units.
    pub read: f64,
    /// Write capacity units.
    pub write: f64,
}

/// Capacity units a request consumed, by where: [`TABLE_UNITS`] or an index's name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Capacity(pub BTreeMap<String, Units>);

/// The key of the table's own units in a [`Capacity`].
pub const TABLE_UNITS: &str = "table";

impl Capacity {
    /// Units of the table and every index together.
    pub fn total(&self) -> Units {
        self.0.values().fold(Units::default(), |a, u| Units {
            read: a.read + u.read,
            write: a.write + u.write,
        })
    }

    /// Units at `place` ([`TABLE_UNITS`] or an index name); zero if none.
    pub fn at(&self, place: &str) -> Units {
        self.0.get(place).copied().unwrap_or_default()
    }

    /// Adds `other`'s units, place by place.
    fn merge(&mut self, other: &Capacity) {
        for (place, u) in &other.0 {
            let units = self.0.entry(place.clone()).or_default();
            units.read += u.read;
            units.write += u.write;
        }
    }

    fn add(&mut self, place: &str, c: &aws_sdk_dynamodb::types::Capacity, write_op: bool) {
        let units = self.0.entry(place.to_owned()).or_default();
        match (c.read_capacity_units, c.write_capacity_units) {
            (None, None) if write_op => units.write += c.capacity_units.unwrap_or(0.0),
            (None, None) => units.read += c.capacity_units.unwrap_or(0.0),
            (read, write) => {
                units.read += read.unwrap_or(0.0);
                units.write += write.unwrap_or(0.0);
            }
        }
    }

    fn record(&mut self, consumed: &ConsumedCapacity, write_op: bool) {
        match &consumed.table {
            Some(table) => self.add(TABLE_UNITS, table, write_op),
            // Without a breakdown, the whole is the table's.
            None => {
                let whole = aws_sdk_dynamodb::types::Capacity::builder()
                    .set_read_capacity_units(consumed.read_capacity_units)
                    .set_write_capacity_units(consumed.write_capacity_units)
                    .set_capacity_units(consumed.capacity_units)
                    .build();
                self.add(TABLE_UNITS, &whole, write_op);
            }
        }
        for (index, c) in consumed.global_secondary_indexes.iter().flatten() {
            self.add(index, c, write_op);
        }
    }
}

/// Sets `ReturnConsumedCapacity = INDEXES` on every operation that takes it.
fn ask_for_capacity(input: &mut Input) {
    macro_rules! ask {
        ($($t:ty),*) => {
            $(if let Some(i) = input.downcast_mut::<$t>() {
                i.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
                return;
            })*
        };
    }
    ask!(
        get_item::GetItemInput,
        put_item::PutItemInput,
        update_item::UpdateItemInput,
        delete_item::DeleteItemInput,
        query::QueryInput,
        scan::ScanInput,
        transact_write_items::TransactWriteItemsInput,
        transact_get_items::TransactGetItemsInput,
        batch_get_item::BatchGetItemInput,
        batch_write_item::BatchWriteItemInput
    );
}

/// The capacity an operation's output reports, and whether it was a write.
fn consumed(output: &Output) -> (Vec<ConsumedCapacity>, bool) {
    macro_rules! one {
        ($($t:ty => $write:expr),*) => {
            $(if let Some(o) = output.downcast_ref::<$t>() {
                return (o.consumed_capacity().cloned().into_iter().collect(), $write);
            })*
        };
    }
    macro_rules! many {
        ($($t:ty => $write:expr),*) => {
            $(if let Some(o) = output.downcast_ref::<$t>() {
                return (o.consumed_capacity().to_vec(), $write);
            })*
        };
    }
    one!(
        get_item::GetItemOutput => false,
        put_item::PutItemOutput => true,
        update_item::UpdateItemOutput => true,
        delete_item::DeleteItemOutput => true,
        query::QueryOutput => false,
        scan::ScanOutput => false
    );
    many!(
        transact_write_items::TransactWriteItemsOutput => true,
        transact_get_items::TransactGetItemsOutput => false,
        batch_get_item::BatchGetItemOutput => false,
        batch_write_item::BatchWriteItemOutput => true
    );
    (Vec::new(), false)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::types::Capacity as Part;

    use super::*;

    #[test]
    fn units_add_up_by_table_and_index() {
        let mut c = Capacity::default();
        let transact = ConsumedCapacity::builder()
            .table(Part::builder().write_capacity_units(4.0).build())
            .set_global_secondary_indexes(Some(HashMap::from([(
                "byTime".to_owned(),
                Part::builder().capacity_units(2.0).build(),
            )])))
            .build();
        c.record(&transact, true);
        // No breakdown: the whole is the table's, a read for a read operation.
        c.record(
            &ConsumedCapacity::builder().capacity_units(0.5).build(),
            false,
        );
        assert_eq!(
            c.at(TABLE_UNITS),
            Units {
                read: 0.5,
                write: 4.0
            }
        );
        assert_eq!(
            c.at("byTime"),
            Units {
                read: 0.0,
                write: 2.0
            }
        );
        assert_eq!(c.at("byUser"), Units::default());
        assert_eq!(
            c.total(),
            Units {
                read: 0.5,
                write: 6.0
            }
        );
        // A nested record's units are added to the one around it, place by place.
        let mut outer = c.clone();
        outer.merge(&c);
        assert_eq!(outer.at("byTime").write, 4.0);
        assert_eq!(outer.total().read, 1.0);
    }

    #[tokio::test]
    async fn a_nested_record_also_reaches_the_one_around_it() {
        let ((_, inner), outer) = count_calls(async {
            note_provider_call("before");
            count_calls(async { note_provider_call("inside") }).await
        })
        .await;
        assert_eq!(inner, ["provider:inside"]);
        assert_eq!(outer, ["provider:before", "provider:inside"]);
        // Outside any record nothing is kept.
        note_provider_call("nowhere");
    }
}
