//! The operator's money routes: refunds owed (list, settle), revoke, and the ledger of a period
//! (JSON or CSV for reconciliation with the gateway's settlement report).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use lambda_http::{Body, Request, Response};
use upstream_session::domain::{PaymentId, PaymentRecord, RefundStatus, SessionId};
use upstream_session::edge::{self, ApiError, ApiResult};
use upstream_session::requests::{NoteRequest, Revocation, RevokeRequest};
use upstream_session::store::SettleOutcome;
use upstream_session::views::{
    PaymentPageView, PaymentView, RefundPageView, RevokeView, SessionView, SettlementView,
};
use upstream_session::{RevokeOutcome, metrics};

use crate::{SPEC, State, admin_origin};
use upstream_session::ErrorCode;

/// Western Indonesian Time: the day boundaries of `from`/`to` dates.
const WIB: TimeDelta = TimeDelta::hours(7);

/// `POST /admin/sessions/{sessionId}/revoke {note?, refund?}`.
pub async fn revoke(state: &State, req: &Request, id: &str, actor: &str) -> ApiResult {
    let id = SessionId::parse(id).map_err(|_| ApiError::invalid("sessionId"))?;
    let revocation = Revocation::try_from(edge::json_body::<RevokeRequest>(req)?)?;
    let origin = admin_origin(actor, revocation.note);
    let now = state.manager.now();
    match state
        .manager
        .revoke(&id, revocation.refund, &origin)
        .await?
    {
        RevokeOutcome::Revoked { session, refund } => {
            if let Some(refund) = refund.as_deref() {
                metrics::emit(SPEC.name, &metrics::ledger(refund, false), now);
            }
            end_playback(state, &session.session_id).await;
            edge::ok_view(&RevokeView {
                session: SessionView::of(&session, now),
                refund: refund.as_deref().map(PaymentView::of),
            })
        }
        RevokeOutcome::NotOpen(_) => Err(ApiError::of(ErrorCode::SessionNotRevocable)),
        RevokeOutcome::NotFound => Err(ApiError::session_not_found()),
    }
}

/// After a revoke committed: ends the session's SRS and MediaMTX connections at once. Best effort:
/// a failure is logged, and the reaper's next run ends what is left when their access ends.
async fn end_playback(state: &State, session: &SessionId) {
    match state.media.end_session(session).await {
        Ok(report) if report.due > 0 => tracing::info!(
            session = %session.redacted(),
            kicked = report.kicked,
            gone = report.gone,
            failed = report.failed,
            "revoked session's media connections ended"
        ),
        Ok(_) => {}
        Err(err) => tracing::warn!(
            session = %session.redacted(),
            error = %err,
            "could not end the revoked session's media connections now"
        ),
    }
}

/// `GET /admin/refunds?status=open|settled&cursor=&limit=`.
pub async fn list_refunds(state: &State, req: &Request) -> ApiResult {
    let status = match edge::query(req, "status").filter(|s| !s.is_empty()) {
        None => RefundStatus::Open,
        Some(s) => RefundStatus::parse(&s).ok_or_else(|| ApiError::invalid("status"))?,
    };
    let limit = limit_of(req, 50, 100)?;
    let cursor = edge::query(req, "cursor").filter(|c| !c.is_empty());
    let page = state
        .manager
        .store()
        .list_refunds(status, limit, cursor.as_deref())
        .await?;
    let refunds: Vec<_> = page.records.iter().map(PaymentView::of).collect();
    edge::ok_view(&RefundPageView {
        refunds,
        cursor: page.next_cursor,
    })
}

/// `POST /admin/refunds/{paymentId}/settle {note?}`: idempotent.
pub async fn settle(state: &State, req: &Request, id: &str, actor: &str) -> ApiResult {
    let id = PaymentId::parse(id).map_err(|_| ApiError::invalid("paymentId"))?;
    let note = edge::json_body::<NoteRequest>(req)?.note()?;
    let origin = admin_origin(actor, note);
    let (record, already) = match state.manager.settle_refund(&id, &origin).await? {
        SettleOutcome::Settled(r) => (r, false),
        SettleOutcome::AlreadySettled(r) => (r, true),
        SettleOutcome::NotARefund(_) => {
            return Err(ApiError::of(ErrorCode::NotARefund));
        }
        SettleOutcome::NotFound => {
            return Err(ApiError::of(ErrorCode::PaymentNotFound));
        }
    };
    edge::ok_view(&SettlementView {
        payment: PaymentView::of(&record),
        already_settled: already,
    })
}

/// `GET /admin/payments?from=&to=&cursor=&limit=&format=csv`: the ledger of a period, oldest first.
/// Dates are WIB days (`2026-11-23`, both inclusive) or RFC 3339 instants.
pub async fn list_payments(state: &State, req: &Request) -> ApiResult {
    let from = match edge::query(req, "from").filter(|s| !s.is_empty()) {
        None => return Err(ApiError::missing("from")),
        Some(raw) => instant(&raw, false).ok_or_else(|| ApiError::invalid("from"))?,
    };
    let to = match edge::query(req, "to").filter(|s| !s.is_empty()) {
        None => state.manager.now(),
        Some(raw) => instant(&raw, true).ok_or_else(|| ApiError::invalid("to"))?,
    };
    if to < from {
        return Err(ApiError::invalid("to"));
    }
    let csv = match edge::query(req, "format").as_deref() {
        None | Some("" | "json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::invalid("format")),
    };
    let limit = limit_of(req, 100, 1000)?;
    let cursor = edge::query(req, "cursor").filter(|c| !c.is_empty());
    let page = state
        .manager
        .store()
        .list_payments(from, to, limit, cursor.as_deref())
        .await?;
    if csv {
        let mut resp = Response::builder()
            .status(200)
            .header("content-type", "text/csv; charset=utf-8")
            .header("cache-control", "no-store")
            .header(
                "content-disposition",
                "attachment; filename=\"upstream-payments.csv\"",
            );
        if let Some(next) = &page.next_cursor {
            resp = resp.header("x-next-cursor", next.as_str());
        }
        return resp
            .body(Body::Text(to_csv(&page.records)))
            .map_err(|_| ApiError::internal());
    }
    let payments: Vec<_> = page.records.iter().map(PaymentView::of).collect();
    edge::ok_view(&PaymentPageView {
        payments,
        cursor: page.next_cursor,
    })
}

fn limit_of(req: &Request, default: usize, max: usize) -> Result<usize, ApiError> {
    match edge::query(req, "limit").filter(|l| !l.is_empty()) {
        None => Ok(default),
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=max).contains(l))
            .ok_or_else(|| ApiError::invalid("limit")),
    }
}

/// A WIB date (start or end of that day) or an RFC 3339 instant.
pub(crate) fn instant(raw: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?;
    let start = day
        .and_hms_opt(0, 0, 0)?
        .and_utc()
        .checked_sub_signed(WIB)?;
    if end_of_day {
        start.checked_add_signed(TimeDelta::days(1) - TimeDelta::milliseconds(1))
    } else {
        Some(start)
    }
}

/// The CSV columns, in order. Money received is the `amount` of `granted` and `refund_due` rows;
/// a `reconciled` row is an approval whose money is its `relatedPaymentId` row (not counted again);
/// a `refunded` row is money the gateway paid back of its `relatedPaymentId` row, whose
/// `refundedAtGateway` is the sum of those.
pub const CSV_HEADER: &str = "paymentId,receivedAt,provider,providerRef,trxId,amount,outcome,reason,refundStatus,sessionId,userId,streamId,settledAt,settledBy,note,relatedPaymentId,gatewayRefundId,refundedAtGateway";

/// The ledger as CSV (RFC 4180 quoting; cells that a spreadsheet would run as a formula are defused).
pub fn to_csv(records: &[PaymentRecord]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for r in records {
        let v = PaymentView::of(r);
        let amount = v.amount.to_string();
        let refunded = v
            .refunded_at_gateway
            .map(|r| r.to_string())
            .unwrap_or_default();
        let cells = [
            v.payment_id.as_str(),
            v.received_at.as_str(),
            v.provider.as_str(),
            v.provider_ref.as_str(),
            v.trx_id.as_str(),
            amount.as_str(),
            v.outcome,
            v.reason.unwrap_or(""),
            v.status.unwrap_or(""),
            v.session_id.as_deref().unwrap_or(""),
            v.user_id.as_deref().unwrap_or(""),
            v.stream_id.as_deref().unwrap_or(""),
            v.settled_at.as_deref().unwrap_or(""),
            v.settled_by.as_deref().unwrap_or(""),
            v.note.as_deref().unwrap_or(""),
            v.related_payment_id.as_deref().unwrap_or(""),
            v.gateway_refund_id.as_deref().unwrap_or(""),
            refunded.as_str(),
        ];
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn cell(raw: &str) -> String {
    let defused = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wib_days_and_instants() {
        let from = instant("2026-11-23", false).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-11-22T17:00:00+00:00");
        let to = instant("2026-11-23", true).unwrap();
        assert_eq!(to - from, TimeDelta::days(1) - TimeDelta::milliseconds(1));
        assert!(instant("2026-11-23T10:00:00Z", false).is_some());
        assert!(instant("23/11/2026", false).is_none());
        assert!(instant("+999999-01-01", false).is_none());
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("-1+2"), "'-1+2");
    }
}
