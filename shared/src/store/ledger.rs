//! The payments ledger: records written on their own (refunds owed, failures), settlement, and the
//! operator's listings (open or settled refunds; the ledger of a period).

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use chrono::{DateTime, Utc};

use super::fanout::Listing;
use super::item::{self, Item, n_attr, payment_key, s_attr};
use super::listing::{decode_cursor, encode_cursor};
use super::shard::{PAYMENT_KIND, SHARDS, ledger_partition};
use super::table::{BY_REFUND_INDEX, BY_TIME_INDEX, REFUND_STATUS};
use super::{LedgerWrite, Store, StoreError, classify, describe, failed, reason_item};
use crate::domain::{AuditEvent, Outcome, PaymentId, PaymentRecord, RefundStatus, SessionId};

/// One page of ledger records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPage {
    /// The records of this page.
    pub records: Vec<PaymentRecord>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Result of writing a new record with the replacement of the record it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PairOutcome {
    /// Both written.
    Written,
    /// The new record is on the ledger already (a repeat delivery): as stored. Nothing written.
    Recorded(Box<PaymentRecord>),
    /// The record it concerns is no longer as read: read it again. Nothing written.
    Changed,
}

/// Result of settling a refund owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettleOutcome {
    /// Open → settled now.
    Settled(PaymentRecord),
    /// It was settled before; nothing changed.
    AlreadySettled(PaymentRecord),
    /// The record exists but owes nothing (granted, failed, refunded by the gateway).
    NotARefund(PaymentRecord),
    /// No such payment.
    NotFound,
}

impl Store {
    /// A payment record by id (strongly consistent).
    pub async fn get_payment(&self, id: &PaymentId) -> Result<Option<PaymentRecord>, StoreError> {
        self.get_item(payment_key(id))
            .await?
            .map(item::parse_payment)
            .transpose()
    }

    /// Writes a record that changes no session (a refund owed, a failure report that closed nothing),
    /// with its audit event on `session` if any, in one transaction, once: `Ok(Some(stored))` when the
    /// payment is on the ledger already.
    pub async fn record_payment(
        &self,
        record: &PaymentRecord,
        event: Option<(&SessionId, &AuditEvent)>,
    ) -> Result<Option<PaymentRecord>, StoreError> {
        let mut items = self.ledger_items(LedgerWrite::New(record));
        items.extend(event.map(|(s, e)| self.event_put(s, e)));
        let Some(reasons) = self.transact(items).await? else {
            return Ok(None);
        };
        if failed(&reasons, 0) {
            return match reason_item(&reasons, 0) {
                Some(old) => Ok(Some(item::parse_payment(old.clone())?)),
                None => self.get_payment(&record.payment_id).await,
            };
        }
        Err(StoreError::Backend(format!(
            "ledger write refused: {}",
            describe(&reasons)
        )))
    }

    /// Writes `new` and replaces `before` by `after` (on condition that it is still as read), with an
    /// audit event on `session` if any, in one transaction, once.
    pub async fn record_pair(
        &self,
        new: &PaymentRecord,
        before: &PaymentRecord,
        after: &PaymentRecord,
        event: Option<(&SessionId, &AuditEvent)>,
    ) -> Result<PairOutcome, StoreError> {
        let mut items = self.ledger_items(LedgerWrite::NewAndReplace { new, before, after });
        items.extend(event.map(|(s, e)| self.event_put(s, e)));
        let Some(reasons) = self.transact(items).await? else {
            return Ok(PairOutcome::Written);
        };
        if failed(&reasons, 0) {
            let stored = match reason_item(&reasons, 0) {
                Some(old) => Some(item::parse_payment(old.clone())?),
                None => self.get_payment(&new.payment_id).await?,
            };
            if let Some(stored) = stored {
                return Ok(PairOutcome::Recorded(Box::new(stored)));
            }
        }
        if failed(&reasons, 1) {
            return Ok(PairOutcome::Changed);
        }
        Err(StoreError::Backend(format!(
            "ledger pair refused: {}",
            describe(&reasons)
        )))
    }

    /// The transaction items that write a ledger record (two for a new record with the replacement
    /// of the one it concerns: the new one first).
    pub(super) fn ledger_items(&self, write: LedgerWrite<'_>) -> Vec<TransactWriteItem> {
        match write {
            LedgerWrite::New(record) => vec![self.put(
                item::payment_item(record),
                Some("attribute_not_exists(pk)"),
                &[],
                &[],
            )],
            LedgerWrite::ReplaceGranted(record) => vec![self.put(
                item::payment_item(record),
                Some("outcome = :granted"),
                &[],
                &[(":granted", s_attr(Outcome::Granted.as_str()))],
            )],
            LedgerWrite::NewAndReplace { new, before, after } => {
                let AsRead {
                    condition,
                    names,
                    values,
                } = as_read(before);
                vec![
                    self.put(
                        item::payment_item(new),
                        Some("attribute_not_exists(pk)"),
                        &[],
                        &[],
                    ),
                    self.put(item::payment_item(after), Some(&condition), &names, &values),
                ]
            }
        }
    }

    /// Marks an open refund settled (one conditional transaction with the audit event); idempotent.
    pub async fn settle_refund(
        &self,
        id: &PaymentId,
        settle: impl Fn(&PaymentRecord) -> (PaymentRecord, Option<(SessionId, AuditEvent)>),
    ) -> Result<SettleOutcome, StoreError> {
        for _ in 0..3 {
            let Some(current) = self.get_payment(id).await? else {
                return Ok(SettleOutcome::NotFound);
            };
            match current.refund_status() {
                None => return Ok(SettleOutcome::NotARefund(current)),
                Some(RefundStatus::Settled) => return Ok(SettleOutcome::AlreadySettled(current)),
                Some(RefundStatus::Open) => {}
            }
            let (settled, event) = settle(&current);
            let mut items = vec![self.put(
                item::payment_item(&settled),
                Some("#rs = :open"),
                &[("#rs", REFUND_STATUS)],
                &[(":open", s_attr(RefundStatus::Open.as_str()))],
            )];
            items.extend(event.as_ref().map(|(s, e)| self.event_put(s, e)));
            match self.transact(items).await? {
                None => return Ok(SettleOutcome::Settled(settled)),
                Some(reasons) if failed(&reasons, 0) => continue,
                Some(reasons) => return Err(StoreError::Backend(describe(&reasons))),
            }
        }
        Err(StoreError::Unavailable("settlement kept changing".into()))
    }

    /// Refunds with `status`, newest first, `limit` at a time (one Query on the sparse `byRefund`).
    pub async fn list_refunds(
        &self,
        status: RefundStatus,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<LedgerPage, StoreError> {
        let start = cursor
            .map(|c| decode_cursor(c, BY_REFUND_INDEX, status.as_str()))
            .transpose()?;
        let out = self
            .refunds(status)
            .scan_index_forward(false)
            .limit(limit_i32(limit))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(classify)?;
        page(out.items, out.last_evaluated_key)
    }

    /// When the oldest open refund was received (`None` when none is open): one Query on the sparse
    /// `byRefund`, oldest first, `Limit` 1 (open refunds never expire, so none is skipped).
    pub async fn oldest_open_refund(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let out = self
            .refunds(RefundStatus::Open)
            .scan_index_forward(true)
            .limit(1)
            .send()
            .await
            .map_err(classify)?;
        let oldest = out.items.unwrap_or_default().into_iter().next();
        Ok(oldest
            .map(item::parse_payment)
            .transpose()?
            .map(|r| r.received_at))
    }

    /// A Query of the refunds with `status` on the sparse `byRefund` (order and limit to add).
    fn refunds(&self, status: RefundStatus) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(BY_REFUND_INDEX)
            .key_condition_expression("#pk = :status")
            .expression_attribute_names("#pk", REFUND_STATUS)
            .expression_attribute_values(":status", s_attr(status.as_str()))
    }

    /// The ledger between `from` and `to` (inclusive), oldest first, `limit` at a time: `byTime` under
    /// the ledger's [`SHARDS`] partitions, one Query each, all at once, merged (one round of [`SHARDS`]
    /// concurrent Queries a page).
    pub async fn list_payments(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<LedgerPage, StoreError> {
        let ledger = |g: i64| (g == 0).then(|| (0..SHARDS).map(ledger_partition).collect());
        let listing = Listing {
            index: BY_TIME_INDEX,
            name: PAYMENT_KIND,
            first_group: 0,
            partitions: &ledger,
            newest_first: false,
            between: Some((from.timestamp_millis(), to.timestamp_millis())),
            shape: &|q| q,
            limit: limit.clamp(1, 1000),
        };
        let page = self.list_sharded(&listing, cursor).await?;
        Ok(LedgerPage {
            records: page
                .items
                .into_iter()
                .map(item::parse_payment)
                .collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

fn limit_i32(limit: usize) -> i32 {
    i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000)
}

fn page(items: Option<Vec<Item>>, last: Option<Item>) -> Result<LedgerPage, StoreError> {
    Ok(LedgerPage {
        records: items
            .unwrap_or_default()
            .into_iter()
            .map(item::parse_payment)
            .collect::<Result<_, _>>()?,
        next_cursor: last.filter(|k| !k.is_empty()).as_ref().map(encode_cursor),
    })
}

/// A condition expression with its attribute names and values.
struct AsRead {
    condition: String,
    names: Vec<(&'static str, &'static str)>,
    values: Vec<(&'static str, AttributeValue)>,
}

/// The condition that a stored record is still as `before` was read: the same outcome, refund
/// status, sum refunded at the gateway and related record (what the ledger's decisions read).
fn as_read(before: &PaymentRecord) -> AsRead {
    let mut parts = vec!["attribute_exists(pk) AND #o = :o".to_owned()];
    let mut values = vec![(":o", s_attr(before.outcome.as_str()))];
    match before.refund_status() {
        Some(status) => {
            parts.push("#rs = :rs".into());
            values.push((":rs", s_attr(status.as_str())));
        }
        None => parts.push("attribute_not_exists(#rs)".into()),
    }
    if before.refunded > 0 {
        parts.push("#rf = :rf".into());
        values.push((":rf", n_attr(before.refunded)));
    } else {
        parts.push("attribute_not_exists(#rf)".into());
    }
    match &before.related {
        Some(related) => {
            parts.push("#rl = :rl".into());
            values.push((":rl", s_attr(related.as_str())));
        }
        None => parts.push("attribute_not_exists(#rl)".into()),
    }
    let names = vec![
        ("#o", "outcome"),
        ("#rs", REFUND_STATUS),
        ("#rf", "refunded"),
        ("#rl", "related"),
    ];
    AsRead {
        condition: parts.join(" AND "),
        names,
        values,
    }
}
