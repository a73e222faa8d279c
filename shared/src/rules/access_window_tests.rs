//! The access window of a paid session against its stream's schedule, at every boundary: paid before
//! the start, at it, after it, after the end; with and without `startsAt` / `endsAt`; both
//! `accessUntil` rules.

use chrono::{DateTime, TimeDelta, Utc};

use super::{access, access_end, new_pending, pay, ttl_epoch_seconds};
use crate::config::Policy;
use crate::domain::{AccessUntil, Amount, Schedule, StreamId, TrxId, UserId};

const MS: TimeDelta = TimeDelta::milliseconds(1);

/// The show starts at 20:00 WIB.
fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_438_800, 0).unwrap()
}

fn h(hours: i64) -> TimeDelta {
    TimeDelta::hours(hours)
}

fn schedule(starts: Option<TimeDelta>, ends: Option<TimeDelta>, until: AccessUntil) -> Schedule {
    Schedule {
        starts_at: starts.map(|d| start() + d),
        ends_at: ends.map(|d| start() + d),
        access_until: until,
    }
}

fn end_at(paid: TimeDelta, s: &Schedule) -> DateTime<Utc> {
    access_end(start() + paid, s, &Policy::default())
}

#[test]
fn without_a_start_access_counts_from_the_payment() {
    for s in [
        Schedule::default(),
        // An end alone changes nothing under the two-hour rule.
        schedule(None, Some(h(3)), AccessUntil::TwoHours),
    ] {
        assert_eq!(end_at(-h(5), &s), start() - h(3));
        assert_eq!(end_at(TimeDelta::zero(), &s), start() + h(2));
    }
}

#[test]
fn two_hours_count_from_the_start_when_paid_before_it() {
    let s = schedule(Some(TimeDelta::zero()), Some(h(3)), AccessUntil::TwoHours);
    // A day early, a millisecond early, at the start: the show's first two hours.
    assert_eq!(end_at(-h(24), &s), start() + h(2));
    assert_eq!(end_at(-MS, &s), start() + h(2));
    assert_eq!(end_at(TimeDelta::zero(), &s), start() + h(2));
    // After the start: two hours from the payment.
    assert_eq!(end_at(MS, &s), start() + h(2) + MS);
    assert_eq!(end_at(h(1), &s), start() + h(3));
    // After the end: still two hours from the payment (money is never taken for nothing).
    assert_eq!(end_at(h(4), &s), start() + h(6));
}

#[test]
fn event_end_lasts_until_the_end_plus_the_grace_or_two_hours_if_later() {
    let grace = Policy::default().event_end_grace;
    let s = schedule(Some(TimeDelta::zero()), Some(h(5)), AccessUntil::EventEnd);
    assert_eq!(end_at(-h(24), &s), start() + h(5) + grace);
    assert_eq!(end_at(TimeDelta::zero(), &s), start() + h(5) + grace);
    assert_eq!(end_at(h(3), &s), start() + h(5) + grace);
    // The two windows meet when paid 2 h before end + grace; later, two hours from the payment.
    let meet = h(5) + grace - h(2);
    assert_eq!(end_at(meet - MS, &s), start() + h(5) + grace);
    assert_eq!(end_at(meet, &s), start() + h(5) + grace);
    assert_eq!(end_at(meet + MS, &s), start() + h(5) + grace + MS);
    assert_eq!(end_at(h(6), &s), start() + h(8), "paid after the end");
    // A show shorter than two hours: the two-hour window from the start is longer.
    let short = schedule(Some(TimeDelta::zero()), Some(h(1)), AccessUntil::EventEnd);
    assert_eq!(end_at(-h(1), &short), start() + h(2));
    // An end without a start: the end plus the grace, or two hours from the payment.
    let open = schedule(None, Some(h(5)), AccessUntil::EventEnd);
    assert_eq!(end_at(TimeDelta::zero(), &open), start() + h(5) + grace);
    assert_eq!(end_at(h(5), &open), start() + h(7));
}

#[test]
fn the_grace_and_the_duration_come_from_the_policy() {
    let policy = Policy {
        access_duration: TimeDelta::minutes(90),
        event_end_grace: TimeDelta::minutes(10),
        ..Policy::default()
    };
    let s = schedule(Some(TimeDelta::zero()), Some(h(3)), AccessUntil::EventEnd);
    assert_eq!(
        access_end(start() - h(1), &s, &policy),
        start() + h(3) + TimeDelta::minutes(10)
    );
    let two = Schedule {
        access_until: AccessUntil::TwoHours,
        ..s
    };
    assert_eq!(
        access_end(start() - h(1), &two, &policy),
        start() + TimeDelta::minutes(90)
    );
    let far = Policy {
        access_duration: TimeDelta::MAX,
        ..Policy::default()
    };
    assert_eq!(
        access_end(start(), &Schedule::default(), &far),
        DateTime::<Utc>::MAX_UTC,
        "saturates instead of overflowing"
    );
}

#[test]
fn a_payment_sets_expiry_access_and_ttl_by_the_schedule() {
    let policy = Policy::default();
    let s = schedule(Some(TimeDelta::zero()), Some(h(3)), AccessUntil::TwoHours);
    let pending = new_pending(
        UserId::parse("early-bird").unwrap(),
        StreamId::parse("9").unwrap(),
        TrxId::parse("UP-9").unwrap(),
        Amount::new(25_000).unwrap(),
        s,
        start() - h(26),
        &policy,
    );
    assert_eq!(pending.schedule(), s);
    assert_eq!(pending.expires_at, start() - h(24), "the QR's own validity");
    let paid = pay(&pending, start() - h(25), &policy).unwrap();
    assert_eq!(paid.expires_at, start() + h(2));
    assert_eq!(
        ttl_epoch_seconds(paid.expires_at, &policy),
        (start() + h(2) + policy.ttl_grace).timestamp()
    );
    let (stream, user) = (&paid.stream_id, Some(&paid.user_id));
    let before = access(&paid, stream, user, start() - h(1));
    assert!(before.granted, "bought a day early: valid before the show");
    assert_eq!(before.remaining, h(3));
    assert!(access(&paid, stream, user, start() + h(2) - MS).granted);
    assert!(!access(&paid, stream, user, start() + h(2)).granted);
}
