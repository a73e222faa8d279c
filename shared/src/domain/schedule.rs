//! When a stream's event takes place, how long a purchase of it lasts, and where it stands *now*.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long a paid session of a scheduled stream grants access (see [`crate::rules::access_end`]).
// Wire and storage names: the variants in snake_case, for serde and strum alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AccessUntil {
    /// The access duration (2 h by default) from the payment, or from the start when paid before it.
    #[default]
    TwoHours,
    /// Until the event's end plus a grace (needs `endsAt`).
    EventEnd,
}

super::wire_names!(AccessUntil);

impl AccessUntil {
    /// The default rule (left out of stored items).
    pub fn is_two_hours(&self) -> bool {
        *self == Self::TwoHours
    }
}

/// A stream's schedule: also carried by each of its sessions from creation, so that the payment
/// sets the access window without reading the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// When the event starts, if scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// When the event ends, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// How long a purchase lasts.
    #[serde(default)]
    pub access_until: AccessUntil,
}

/// Where a stream stands at a moment, for `GET /api/streams?status=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray, strum::VariantNames)]
#[strum(serialize_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Phase {
    /// On air: its `live` flag is set (by the operator, or the media server's publish hook).
    Live,
    /// Not on air, and its `startsAt` is later than now.
    Upcoming,
    /// Not on air, and its `endsAt` is now or earlier.
    Past,
}

super::wire_names!(Phase);

/// Why a schedule is refused: the field at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleError(pub &'static str);

impl Schedule {
    /// No start, no end, two hours: what every session of the first release carries.
    pub fn is_unscheduled(&self) -> bool {
        *self == Self::default()
    }

    /// Checked: `endsAt` after `startsAt`; `accessUntil: event_end` needs `endsAt`.
    pub fn check(&self) -> Result<(), ScheduleError> {
        if let (Some(start), Some(end)) = (self.starts_at, self.ends_at)
            && end <= start
        {
            return Err(ScheduleError("endsAt"));
        }
        if self.access_until == AccessUntil::EventEnd && self.ends_at.is_none() {
            return Err(ScheduleError("accessUntil"));
        }
        Ok(())
    }

    /// Where a stream with this schedule and `live` flag stands at `now`: `None` when neither on
    /// air, nor before its start, nor after its end (unscheduled, or started but not publishing).
    pub fn phase(&self, live: bool, now: DateTime<Utc>) -> Option<Phase> {
        if live {
            Some(Phase::Live)
        } else if self.starts_at.is_some_and(|s| s > now) {
            Some(Phase::Upcoming)
        } else if self.ends_at.is_some_and(|e| e <= now) {
            Some(Phase::Past)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_370_400, 0).unwrap() + TimeDelta::hours(h)
    }

    #[test]
    fn ends_after_starts_and_event_end_needs_an_end() {
        let ok = Schedule {
            starts_at: Some(t(0)),
            ends_at: Some(t(2)),
            access_until: AccessUntil::EventEnd,
        };
        assert_eq!(ok.check(), Ok(()));
        let same = Schedule {
            ends_at: Some(t(0)),
            ..ok
        };
        assert_eq!(same.check(), Err(ScheduleError("endsAt")));
        let open = Schedule {
            ends_at: None,
            ..ok
        };
        assert_eq!(open.check(), Err(ScheduleError("accessUntil")));
        assert_eq!(Schedule::default().check(), Ok(()));
    }

    #[test]
    fn phases_on_the_clock() {
        let s = Schedule {
            starts_at: Some(t(0)),
            ends_at: Some(t(2)),
            access_until: AccessUntil::TwoHours,
        };
        assert_eq!(s.phase(false, t(-1)), Some(Phase::Upcoming));
        assert_eq!(s.phase(false, t(0)), None, "started, not publishing");
        assert_eq!(s.phase(true, t(0)), Some(Phase::Live));
        assert_eq!(s.phase(false, t(2)), Some(Phase::Past));
        assert_eq!(s.phase(true, t(3)), Some(Phase::Live), "the flag wins");
        assert_eq!(Schedule::default().phase(false, t(0)), None);
    }

    #[test]
    fn wire_names() {
        assert_eq!(AccessUntil::NAMES, ["two_hours", "event_end"]);
        assert_eq!(Phase::NAMES, ["live", "upcoming", "past"]);
        assert_eq!(
            serde_json::to_value(AccessUntil::EventEnd).unwrap(),
            "event_end"
        );
        assert_eq!(AccessUntil::parse("event_end"), Some(AccessUntil::EventEnd));
    }
}
