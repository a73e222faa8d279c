//! `upstream gateway-sim pay` / `refund`: asks a running simulator to pay or refund an order.

use super::PayArgs;
use super::args::RefundArgs;

/// `upstream gateway-sim pay ORDER_ID --sim URL`.
pub(super) fn pay(args: PayArgs) -> Result<(), String> {
    let mut query = vec![format!("times={}", args.times)];
    if let Some(s) = &args.status {
        query.push(format!("status={s}"));
    }
    if args.status_api_pending {
        query.push("statusApi=pending".into());
    }
    if let Some(a) = args.amount {
        query.push(format!("amount={a}"));
    }
    if let Some(a) = args.claim_amount {
        query.push(format!("claimAmount={a}"));
    }
    post(
        &args.sim,
        &format!("/sim/pay/{}", url_encode(&args.order_id)),
        &query,
    )
}

/// `upstream gateway-sim refund ORDER_ID --sim URL [--amount N] [--key K]`.
pub(super) fn refund(args: RefundArgs) -> Result<(), String> {
    let mut query = Vec::new();
    if let Some(a) = args.amount {
        query.push(format!("amount={a}"));
    }
    if let Some(k) = &args.key {
        query.push(format!("key={}", url_encode(k)));
    }
    post(
        &args.sim,
        &format!("/sim/refund/{}", url_encode(&args.order_id)),
        &query,
    )
}

/// POSTs to a simulator's control route and prints its answer.
fn post(sim: &str, path: &str, query: &[String]) -> Result<(), String> {
    let target = crate::target::Target::Local {
        base: sim.trim_end_matches('/').to_owned(),
    };
    let (status, _, body) =
        target.send("POST", &format!("{path}?{}", query.join("&")), &[], b"")?;
    let body = String::from_utf8_lossy(&body);
    println!("{body}");
    if status == 200 {
        Ok(())
    } else {
        Err(format!("the simulator answered HTTP {status}"))
    }
}

pub(super) fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
