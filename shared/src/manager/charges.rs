//! Sessions paid through a gateway: the charge is created after the pending session is written (so
//! no payable QR ever exists without a record), then attached to it in one conditional write; a charge
//! that cannot be created closes the session.

use crate::domain::{GatewayCharge, PaymentSession};
use crate::rules;
use crate::store::{Change, GuardRule, StoreError, Transition};

use super::{Origin, SessionManager};

impl SessionManager {
    /// Attaches the gateway's charge to a pending session (one transaction, on condition that it is
    /// still pending). `None` when the session changed meanwhile.
    pub async fn attach_charge(
        &self,
        session: &PaymentSession,
        charge: GatewayCharge,
    ) -> Result<Option<PaymentSession>, StoreError> {
        let now = self.clock.now();
        let with = PaymentSession {
            charge: Some(Box::new(charge)),
            ..session.clone()
        };
        let mut event = Origin::new("system").event("charge_created", &with, now);
        event.provider_ref = with.charge.as_ref().map(|c| c.reference.clone());
        let change = Change {
            from: Some(session),
            to: &with,
            guard: GuardRule::Untouched,
            ledger: None,
            event: Some(&event),
        };
        match self.store.transition(change, now).await? {
            Transition::Done => Ok(Some(with)),
            _ => Ok(None),
        }
    }

    /// Closes a pending session whose charge could not be created (pending → failed), so its QR is
    /// never shown. Nothing was paid, so nothing goes on the ledger.
    pub async fn close_uncharged(
        &self,
        session: &PaymentSession,
        why: &str,
    ) -> Result<(), StoreError> {
        let Ok(closed) = rules::fail(session) else {
            return Ok(());
        };
        let now = self.clock.now();
        let mut origin = Origin::new("system");
        origin.note = Some(why.to_owned());
        let event = origin.event("charge_failed", &closed, now);
        let change = Change {
            from: Some(session),
            to: &closed,
            guard: GuardRule::Untouched,
            ledger: None,
            event: Some(&event),
        };
        self.store.transition(change, now).await.map(|_| ())
    }
}
