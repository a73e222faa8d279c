//! Pure rules: functions of a session, the policy and *now*. No I/O.

use chrono::{DateTime, TimeDelta, Utc};

use crate::config::Policy;
use crate::domain::{
    AccessUntil, Amount, PaymentRecord, PaymentSession, RefundReason, RevokeReason, Schedule,
    SessionId, Status, StreamId, TrxId, UserId,
};

/// How long the ledger keeps a payment record once nothing is owed on it (granted, failed, settled).
pub const LEDGER_RETENTION: TimeDelta = TimeDelta::days(400);

/// A new pending session, payable until `now + pending_validity`, carrying the stream's `schedule`.
pub fn new_pending(
    user_id: UserId,
    stream_id: StreamId,
    trx_id: TrxId,
    amount: Amount,
    schedule: Schedule,
    now: DateTime<Utc>,
    policy: &Policy,
) -> PaymentSession {
    PaymentSession {
        session_id: SessionId::generate(),
        user_id,
        stream_id,
        trx_id,
        amount,
        status: Status::Pending,
        created_at: now,
        paid_at: None,
        expires_at: now + policy.pending_validity,
        payment_id: None,
        charge: None,
        revoke_reason: None,
        schedule: (!schedule.is_unscheduled()).then(|| Box::new(schedule)),
    }
}

/// When access bought at `paid_at` ends for a session of a stream with `schedule`:
///
/// - `two_hours` (the default): `access_duration` (2 h) from the payment, or from `startsAt` when
///   paid before the start — `max(paidAt, startsAt) + 2 h`: buying early never loses the show;
/// - `event_end`: `endsAt + event_end_grace` (30 min), or the `two_hours` window when that ends
///   later (a purchase near or after the end still gets its full two hours).
///
/// Saturates at the latest representable time instead of overflowing.
pub fn access_end(paid_at: DateTime<Utc>, schedule: &Schedule, policy: &Policy) -> DateTime<Utc> {
    let add = |t: DateTime<Utc>, d: TimeDelta| {
        t.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC)
    };
    let from = schedule
        .starts_at
        .map_or(paid_at, |start| start.max(paid_at));
    let two_hours = add(from, policy.access_duration);
    match (schedule.access_until, schedule.ends_at) {
        (AccessUntil::EventEnd, Some(end)) => two_hours.max(add(end, policy.event_end_grace)),
        _ => two_hours,
    }
}

/// Why a transition is not allowed from the session's stored status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Already paid: nothing changes (no second access window).
    AlreadyPaid,
    /// Failed or revoked: it can no longer be paid.
    Closed(Status),
    /// The pending window ended longer ago than the TTL grace: too late to honour automatically.
    TooLate,
}

/// Pending → paid at `now`, with access until [`access_end`] of its schedule.
///
/// A pending session whose payable window has passed is still accepted within the TTL grace: money
/// that arrived late is honoured. Later than that it is refused (the caller records a refund owed),
/// whether or not TTL has deleted the item yet. The caller decides about duplicates.
pub fn pay(
    session: &PaymentSession,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Result<PaymentSession, Refusal> {
    match session.status {
        Status::Pending if now >= session.expires_at + policy.ttl_grace => Err(Refusal::TooLate),
        Status::Pending => Ok(PaymentSession {
            status: Status::Paid,
            paid_at: Some(now),
            expires_at: access_end(now, &session.schedule(), policy),
            ..session.clone()
        }),
        Status::Paid => Err(Refusal::AlreadyPaid),
        other => Err(Refusal::Closed(other)),
    }
}

/// Pending → failed (the gateway reported a failed payment).
pub fn fail(session: &PaymentSession) -> Result<PaymentSession, Refusal> {
    match session.status {
        Status::Pending => Ok(PaymentSession {
            status: Status::Failed,
            ..session.clone()
        }),
        Status::Paid => Err(Refusal::AlreadyPaid),
        other => Err(Refusal::Closed(other)),
    }
}

/// Pending or paid → revoked now (an operator ends it, or the gateway paid the money back), for
/// `reason`; `expires_at` moves to `now` if later.
pub fn revoke(
    session: &PaymentSession,
    now: DateTime<Utc>,
    reason: RevokeReason,
) -> Result<PaymentSession, Refusal> {
    match session.status {
        Status::Pending | Status::Paid => Ok(PaymentSession {
            status: Status::Revoked,
            expires_at: session.expires_at.min(now),
            revoke_reason: Some(reason),
            ..session.clone()
        }),
        other => Err(Refusal::Closed(other)),
    }
}

/// What a verified payment of `amount` rupiah means for the session its trxId names, before any write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Pending → paid: access is granted (this is the session as paid).
    Grant(PaymentSession),
    /// The money is owed back.
    Refund(RefundReason),
}

/// Judges a payment report against the session it names (`None`: no such session). Whether the viewer
/// already holds access through another session is decided by the store's guard at write time
/// (`duplicate_access`); a repeat delivery of the same payment by the ledger's conditional write.
pub fn judge_payment(
    session: Option<&PaymentSession>,
    amount: u64,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Verdict {
    let Some(session) = session else {
        return Verdict::Refund(RefundReason::UnknownTrx);
    };
    if amount != session.amount.rupiah() {
        return Verdict::Refund(RefundReason::AmountMismatch);
    }
    match pay(session, now, policy) {
        Ok(paid) => Verdict::Grant(paid),
        Err(Refusal::AlreadyPaid) => Verdict::Refund(RefundReason::SecondPayment),
        Err(Refusal::Closed(_)) => Verdict::Refund(RefundReason::SessionClosed),
        Err(Refusal::TooLate) => Verdict::Refund(RefundReason::TooLate),
    }
}

/// The TTL (epoch seconds) of a payment record: none while money is owed, otherwise
/// [`LEDGER_RETENTION`] after the payment or the settlement.
pub fn ledger_ttl(record: &PaymentRecord) -> Option<i64> {
    if record.is_open_refund() {
        return None;
    }
    let from = record
        .settlement
        .as_ref()
        .map_or(record.received_at, |s| s.at);
    Some((from + LEDGER_RETENTION).timestamp())
}

/// The answer to "may this viewer watch this stream with this session?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Whether access is granted.
    pub granted: bool,
    /// Time left when granted, zero otherwise.
    pub remaining: TimeDelta,
}

impl Access {
    /// No access.
    pub const DENIED: Access = Access {
        granted: false,
        remaining: TimeDelta::zero(),
    };
}

/// Access requires: status paid, the same stream, the same user when one is given, `expires_at > now`.
pub fn access(
    session: &PaymentSession,
    stream_id: &StreamId,
    user_id: Option<&UserId>,
    now: DateTime<Utc>,
) -> Access {
    let granted = session.is_live_paid(now)
        && &session.stream_id == stream_id
        && user_id.is_none_or(|u| u == &session.user_id);
    if granted {
        Access {
            granted,
            remaining: session.remaining_at(now),
        }
    } else {
        Access::DENIED
    }
}

/// The DynamoDB TTL value (epoch **seconds**) for an item whose session expires at `expires_at`.
pub fn ttl_epoch_seconds(expires_at: DateTime<Utc>, policy: &Policy) -> i64 {
    (expires_at + policy.ttl_grace).timestamp()
}

#[cfg(test)]
mod access_window_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_756_577_775_508).unwrap()
    }

    fn pending() -> PaymentSession {
        new_pending(
            UserId::parse("demo-user").unwrap(),
            StreamId::parse("4").unwrap(),
            TrxId::parse("UP-1").unwrap(),
            Amount::new(1000).unwrap(),
            Schedule::default(),
            t0(),
            &Policy::default(),
        )
    }

    #[test]
    fn pending_is_payable_for_two_hours() {
        let s = pending();
        assert_eq!(s.status, Status::Pending);
        assert_eq!(s.expires_at - s.created_at, TimeDelta::hours(2));
    }

    #[test]
    fn access_window_counts_from_payment() {
        let paid_at = t0() + TimeDelta::minutes(90);
        let paid = pay(&pending(), paid_at, &Policy::default()).unwrap();
        assert_eq!(paid.paid_at, Some(paid_at));
        assert_eq!(paid.expires_at, paid_at + TimeDelta::hours(2));
        assert_eq!(
            pay(&paid, paid_at, &Policy::default()),
            Err(Refusal::AlreadyPaid)
        );
    }

    #[test]
    fn late_payment_is_honoured_with_a_fresh_window() {
        let late = t0() + TimeDelta::hours(3);
        let paid = pay(&pending(), late, &Policy::default()).unwrap();
        assert!(paid.is_live_paid(late));
    }

    #[test]
    fn payment_after_the_grace_is_too_late() {
        let policy = Policy::default();
        let limit = pending().expires_at + policy.ttl_grace;
        assert!(pay(&pending(), limit - TimeDelta::milliseconds(1), &policy).is_ok());
        assert_eq!(pay(&pending(), limit, &policy), Err(Refusal::TooLate));
    }

    #[test]
    fn payments_are_judged_against_their_session() {
        let policy = Policy::default();
        let s = pending();
        assert_eq!(
            judge_payment(None, 1000, t0(), &policy),
            Verdict::Refund(RefundReason::UnknownTrx)
        );
        assert_eq!(
            judge_payment(Some(&s), 999, t0(), &policy),
            Verdict::Refund(RefundReason::AmountMismatch)
        );
        assert!(matches!(
            judge_payment(Some(&s), 1000, t0(), &policy),
            Verdict::Grant(p) if p.status == Status::Paid
        ));
        let paid = pay(&s, t0(), &policy).unwrap();
        assert_eq!(
            judge_payment(Some(&paid), 1000, t0(), &policy),
            Verdict::Refund(RefundReason::SecondPayment)
        );
        let closed = fail(&s).unwrap();
        assert_eq!(
            judge_payment(Some(&closed), 1000, t0(), &policy),
            Verdict::Refund(RefundReason::SessionClosed)
        );
        let late = s.expires_at + policy.ttl_grace;
        assert_eq!(
            judge_payment(Some(&s), 1000, late, &policy),
            Verdict::Refund(RefundReason::TooLate)
        );
    }

    #[test]
    fn failed_and_expired_cannot_be_paid() {
        let failed = fail(&pending()).unwrap();
        assert_eq!(
            pay(&failed, t0(), &Policy::default()),
            Err(Refusal::Closed(Status::Failed))
        );
        let revoked = revoke(&pending(), t0(), RevokeReason::Operator).unwrap();
        assert_eq!(revoked.revoke_reason, Some(RevokeReason::Operator));
        assert_eq!(revoked.expires_at, t0());
        assert_eq!(
            pay(&revoked, t0(), &Policy::default()),
            Err(Refusal::Closed(Status::Revoked))
        );
    }

    #[test]
    fn access_checks_status_stream_user_and_time() {
        let policy = Policy::default();
        let s = pending();
        let stream = s.stream_id.clone();
        let user = s.user_id.clone();
        assert_eq!(
            access(&s, &stream, None, t0()),
            Access::DENIED,
            "pending grants nothing"
        );
        let paid = pay(&s, t0(), &policy).unwrap();
        let a = access(&paid, &stream, Some(&user), t0() + TimeDelta::hours(1));
        assert!(a.granted);
        assert_eq!(a.remaining, TimeDelta::hours(1));
        assert!(!access(&paid, &StreamId::parse("2").unwrap(), None, t0()).granted);
        assert!(!access(&paid, &stream, Some(&UserId::parse("other").unwrap()), t0()).granted);
        assert!(!access(&paid, &stream, None, t0() + TimeDelta::hours(2)).granted);
    }

    #[test]
    fn ttl_is_expiry_plus_grace_in_seconds() {
        let s = pending();
        assert_eq!(
            ttl_epoch_seconds(s.expires_at, &Policy::default()),
            (t0() + TimeDelta::hours(26)).timestamp()
        );
    }
}
