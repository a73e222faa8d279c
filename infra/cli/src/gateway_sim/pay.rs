//! `upstream gateway-sim pay`: asks a running simulator to pay an order.

use super::PayArgs;

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
    let url = format!(
        "{}/sim/pay/{}?{}",
        args.sim.trim_end_matches('/'),
        url_encode(&args.order_id),
        query.join("&")
    );
    let target = crate::target::Target::Local {
        base: args.sim.trim_end_matches('/').to_owned(),
    };
    let path = url.strip_prefix(target.base()).unwrap_or(&url).to_owned();
    let (status, _, body) = target.send("POST", &path, &[], b"")?;
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
