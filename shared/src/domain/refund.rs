//! Refunds made at a payment gateway, as its adapter states them for the ledger: the payment they
//! return and each refund of it so far, keyed by the gateway's refund id.

use super::{PaymentId, PaymentReport};

/// One refund the gateway made of a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRefund {
    /// The gateway's id of this refund (Midtrans `refund_chargeback_id`, else its `refund_key`).
    pub refund_id: String,
    /// Whole rupiah this refund returned.
    pub amount: u64,
}

/// What a gateway states about the refunds of one of our payments: the payment itself (a `paid`
/// report: the money did arrive before it went back) and every refund of it so far (the history,
/// so a repeat delivery or a later partial refund names the earlier ones again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReport {
    /// The payment refunded, as the gateway states it.
    pub payment: PaymentReport,
    /// Its refunds so far, oldest first.
    pub refunds: Vec<GatewayRefund>,
}

impl RefundReport {
    /// The ledger id of `refund`: one record per refund at the gateway, whatever the deliveries.
    pub fn refund_id(&self, refund: &GatewayRefund) -> PaymentId {
        PaymentId::derive(
            &self.payment.provider,
            &format!("{}#refund#{}", self.payment.ledger_ref(), refund.refund_id),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ReportKind;

    #[test]
    fn each_refund_has_its_own_ledger_id() {
        let report = RefundReport {
            payment: PaymentReport {
                provider: "midtrans".into(),
                provider_ref: Some("tx-1".into()),
                trx_id: "UP-1".into(),
                amount: 30000,
                kind: ReportKind::Paid,
            },
            refunds: vec![],
        };
        let one = GatewayRefund {
            refund_id: "1".into(),
            amount: 5000,
        };
        let two = GatewayRefund {
            refund_id: "2".into(),
            ..one.clone()
        };
        assert_ne!(report.refund_id(&one), report.refund_id(&two));
        assert_ne!(report.refund_id(&one), report.payment.payment_id());
        assert_eq!(
            report.refund_id(&one),
            report.refund_id(&GatewayRefund {
                amount: 1,
                ..one.clone()
            }),
            "keyed by the gateway's id, not the amount"
        );
    }
}
