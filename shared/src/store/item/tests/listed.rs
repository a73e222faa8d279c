//! The sharded indexes' projections against the session items written (payment records:
//! `payment_tests.rs`).

use super::*;
use crate::store::table::LISTED_SESSION;

/// The sharded indexes project what the session listings read: every data attribute of a session but
/// its charge (a new attribute must be listed or excluded here).
#[test]
fn session_listings_project_every_attribute_they_read() {
    // A session with every optional field set.
    let revoked = PaymentSession {
        status: Status::Revoked,
        revoke_reason: Some(RevokeReason::RefundedAtGateway),
        ..paid()
    };
    let mut session: Vec<String> = session_item(&revoked, SessionCopy::Canonical, 42)
        .into_keys()
        .filter(|k| !BOOKKEEPING.contains(&k.as_str()) && !k.starts_with("charge"))
        .collect();
    session.sort_unstable();
    let mut listed: Vec<String> = LISTED_SESSION.iter().map(|a| (*a).to_owned()).collect();
    listed.sort_unstable();
    assert_eq!(session, listed);
}
