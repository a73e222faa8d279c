//! The sharded indexes' projections against the items written.

use super::*;
use crate::store::table::{LISTED_PAYMENT, LISTED_SESSION};

/// The sharded indexes project what the listings read: every data attribute of a session but its
/// charge, every data attribute of a payment record (a new attribute must be listed or excluded here).
#[test]
fn listings_project_every_attribute_they_read() {
    let bookkeeping = [
        "pk",
        "sk",
        "kind",
        "ttl",
        "userPk",
        "userSk",
        "timePk",
        "streamShard",
        "createdAt",
    ];
    let mut session: Vec<&str> = paid_attrs()
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| !bookkeeping.contains(k) && !k.starts_with("charge"))
        .collect();
    session.sort_unstable();
    let mut listed = LISTED_SESSION.to_vec();
    listed.sort_unstable();
    assert_eq!(session, listed);

    let settled = settled();
    let mut payment: Vec<String> = payment_item(&settled)
        .into_keys()
        .filter(|k| !bookkeeping.contains(&k.as_str()) && k != "refundStatus")
        .collect();
    payment.sort_unstable();
    let mut listed: Vec<String> = LISTED_PAYMENT.iter().map(|a| (*a).to_owned()).collect();
    listed.sort_unstable();
    assert_eq!(payment, listed);
}
