//! The steps the money tests repeat, through the real handlers: a viewer's QR, a signed payment, an
//! access check, the operator's ledger listings.

use serde_json::{Value, json};

use crate::{Api, Reply, scan_all};

impl Api {
    /// A new pending session of `user` for `stream` (asserted 200): `(trxId, sessionId)`.
    pub async fn pending(&self, user: &str, stream: &str) -> (String, String) {
        let r = self
            .request(
                "generate-qris",
                "POST",
                "/api/generate-qris",
                "",
                Some(json!({"streamId": stream, "userId": user})),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let id = |k: &str| r.data()[k].as_str().expect("an id").to_owned();
        (id("trxId"), id("sessionId"))
    }

    /// The signed webhook's `paid` report of `amount` for `trx`, with its reference (asserted 200).
    pub async fn pay(&self, trx: &str, amount: u64, reference: &str) -> Reply {
        let r = self
            .webhook(
                &json!({"trxId": trx, "amount": amount, "status": "paid", "providerRef": reference}),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r
    }

    /// `POST /api/force-approve` by the operator.
    pub async fn force_approve(&self, body: Value) -> Reply {
        self.admin("POST", "/api/force-approve", "", Some(body))
            .await
    }

    /// check-access's answer for `session` and `stream`.
    pub async fn has_access(&self, session: &str, stream: &str) -> bool {
        let r = self
            .request(
                "check-access",
                "GET",
                "/api/check-access",
                &format!("sessionId={session}&streamId={stream}"),
                None,
            )
            .await;
        r.data()["hasAccess"] == Value::Bool(true)
    }

    /// `GET /admin/refunds?status=…` (asserted 200): the refunds listed.
    pub async fn refund_list(&self, status: &str) -> Vec<Value> {
        let r = self
            .admin("GET", "/admin/refunds", &format!("status={status}"), None)
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.data()["refunds"].as_array().cloned().unwrap_or_default()
    }

    /// The ledger of the last and next 30 days as the CSV export (asserted 200): its rows, each a map
    /// of column name to cell.
    pub async fn ledger_csv(&self) -> Vec<std::collections::BTreeMap<String, String>> {
        let now = self.h.manager.now();
        let day = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d").to_string();
        let r = self
            .admin(
                "GET",
                "/admin/payments",
                &format!(
                    "from={}&to={}&format=csv",
                    day(now - chrono::TimeDelta::days(30)),
                    day(now + chrono::TimeDelta::days(30))
                ),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let mut rows = csv_rows(r.body.as_str().expect("CSV text")).into_iter();
        let header = rows.next().expect("a header");
        rows.map(|row| header.iter().cloned().zip(row).collect())
            .collect()
    }

    /// How many payment records the table holds.
    pub async fn payment_count(&self) -> usize {
        scan_all(&self.h.client, &self.h.table)
            .await
            .iter()
            .filter(|i| {
                i.get("kind")
                    .and_then(|k| k.as_s().ok())
                    .map(String::as_str)
                    == Some("payment")
            })
            .count()
    }
}

/// RFC 4180 rows (quoted cells may hold commas, quotes and line breaks).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}
