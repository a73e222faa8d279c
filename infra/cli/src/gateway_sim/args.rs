//! The `upstream gateway-sim` command line.

use super::{DEV_MIDTRANS_SERVER_KEY, DEV_XENDIT_CALLBACK_TOKEN, DEV_XENDIT_SECRET_KEY};

/// `upstream gateway-sim …`.
#[derive(clap::Subcommand)]
pub enum SimCommand {
    /// Simulate Midtrans Core API (QRIS charge, status, HTTP notification).
    Midtrans(MidtransArgs),
    /// Simulate Xendit QR Codes API 2022-07-31 (create QR code, payments, qr.payment callback).
    Xendit(XenditArgs),
    /// Pay an order at a running simulator: it sends the gateway's notification to its callback.
    Pay(PayArgs),
    /// Refund a settled order at a running Midtrans simulator (all that remains, or --amount): it
    /// sends the refund's notification, with the order's refund history, to its callback.
    Refund(RefundArgs),
}

#[derive(clap::Args)]
pub struct MidtransArgs {
    /// Port on 127.0.0.1 (0: any free port; the URL is printed).
    #[arg(long, default_value_t = 3101)]
    pub port: u16,
    /// Where notifications are sent.
    #[arg(
        long,
        default_value = "http://127.0.0.1:3001/api/payment-callback/midtrans"
    )]
    pub callback: String,
    #[arg(long, env = "MIDTRANS_SERVER_KEY", hide_env_values = true, default_value = DEV_MIDTRANS_SERVER_KEY)]
    pub server_key: String,
}

#[derive(clap::Args)]
pub struct XenditArgs {
    #[arg(long, default_value_t = 3102)]
    pub port: u16,
    #[arg(
        long,
        default_value = "http://127.0.0.1:3001/api/payment-callback/xendit"
    )]
    pub callback: String,
    #[arg(long, env = "XENDIT_SECRET_KEY", hide_env_values = true, default_value = DEV_XENDIT_SECRET_KEY)]
    pub secret_key: String,
    #[arg(long, env = "XENDIT_CALLBACK_TOKEN", hide_env_values = true, default_value = DEV_XENDIT_CALLBACK_TOKEN)]
    pub callback_token: String,
}

#[derive(clap::Args)]
pub struct PayArgs {
    pub order_id: String,
    /// The simulator's URL.
    #[arg(long, default_value = "http://127.0.0.1:3101")]
    pub sim: String,
    /// What the notification says (Midtrans: settlement, pending, expire…; Xendit: SUCCEEDED, FAILED).
    #[arg(long)]
    pub status: Option<String>,
    /// Keep the status API saying `pending` whatever the notification says (Xendit: the payments
    /// list does not show the payment).
    #[arg(long)]
    pub status_api_pending: bool,
    /// Deliver the same notification this many times.
    #[arg(long, default_value_t = 1)]
    pub times: u32,
    /// Pay this amount instead of the order's (Xendit).
    #[arg(long)]
    pub amount: Option<u64>,
    /// Claim this amount in the callback, whatever was paid (Xendit).
    #[arg(long)]
    pub claim_amount: Option<u64>,
}

#[derive(clap::Args)]
pub struct RefundArgs {
    pub order_id: String,
    /// The simulator's URL.
    #[arg(long, default_value = "http://127.0.0.1:3101")]
    pub sim: String,
    /// Refund this many rupiah (default: all that remains): a partial refund.
    #[arg(long)]
    pub amount: Option<u64>,
    /// The merchant's refund_key (default: a random one).
    #[arg(long)]
    pub key: Option<String>,
}
