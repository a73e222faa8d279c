//! Every refusal the HTTP API (and the local stack in front of it) can answer, in one place: per
//! situation the stable wire code, the HTTP status and the message for people (Bahasa Indonesia).
//!
//! A variant is a situation; several situations may share one wire code (e.g. the reasons a
//! session is closed), each with its own message. [`ErrorCode::code`] is the only place a wire
//! string is written.

/// A refusal: its stable wire code, HTTP status and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::VariantArray)]
pub enum ErrorCode {
    /// A required parameter is absent (detail: the field name).
    MissingField,
    /// The admin lookup names no session (neither sessionId, trxId, nor streamId with userId).
    MissingSessionRef,
    /// A parameter is present but unusable (detail: the field name).
    InvalidField,
    /// The body is not a JSON object.
    InvalidJson,
    /// A gateway notification cannot be read.
    UnreadableNotification,
    /// The amount asked differs from the stream's price (detail: the price, formatted).
    AmountMismatch,
    /// A webhook signature that does not verify.
    InvalidSignature,
    /// A webhook signature older than the tolerance.
    StaleSignature,
    /// A gateway notification whose signature does not verify.
    InvalidNotificationSignature,
    /// An admin request without a valid IAM identity.
    Forbidden,
    /// No route at this path.
    RouteNotFound,
    /// No such session.
    SessionNotFound,
    /// No such stream, or it is not active.
    StreamNotFound,
    /// No such payment on the ledger.
    PaymentNotFound,
    /// The route exists, the method does not.
    MethodNotAllowed,
    /// The viewer already has live access to the stream.
    AlreadyHasAccess,
    /// The user (named by an operator) already has live access to the stream.
    UserAlreadyHasAccess,
    /// An approval by stream and user that matches several pending sessions: the operator must name
    /// one by the trxId the viewer reads off their screen (the answer lists the candidates).
    AmbiguousSession,
    /// The session changed while its QR was being created.
    SessionChanged,
    /// An approval of a session that is closed (failed or revoked).
    SessionClosed,
    /// An approval of a session expired too long ago.
    SessionTooOld,
    /// A revocation of a session that grants nothing.
    SessionNotRevocable,
    /// A settlement of a payment that owes no refund.
    NotARefund,
    /// The Host header names no address of the local server.
    MisdirectedRequest,
    /// The body exceeds the limit.
    PayloadTooLarge,
    /// The body is not declared JSON.
    UnsupportedMediaType,
    /// An Idempotency-Key reused with another request.
    IdempotencyKeyReused,
    /// An unexpected failure.
    Internal,
    /// The QRIS payload cannot be built for the amount.
    QrisError,
    /// The payment gateway failed while creating a charge.
    ProviderUnavailable,
    /// The local admin proxy cannot reach the admin function.
    BadGateway,
    /// DynamoDB is throttling or unreachable.
    ServiceUnavailable,
    /// A replayed request whose QR is still being created.
    QrNotReady,
    /// The payment gateway cannot confirm a notification right now.
    ProviderUnconfirmed,
}

impl ErrorCode {
    /// Every variant in declaration order, for the documentation check and the OpenAPI document.
    pub const ALL: &'static [ErrorCode] = <Self as strum::VariantArray>::VARIANTS;

    /// The stable wire code (`"code"` in the envelope).
    pub const fn code(self) -> &'static str {
        use ErrorCode::*;
        match self {
            MissingField | MissingSessionRef => "MISSING_FIELD",
            InvalidField => "INVALID_FIELD",
            InvalidJson | UnreadableNotification => "INVALID_JSON",
            AmountMismatch => "AMOUNT_MISMATCH",
            InvalidSignature | StaleSignature | InvalidNotificationSignature => "INVALID_SIGNATURE",
            Forbidden => "FORBIDDEN",
            RouteNotFound => "ROUTE_NOT_FOUND",
            SessionNotFound => "SESSION_NOT_FOUND",
            StreamNotFound => "STREAM_NOT_FOUND",
            PaymentNotFound => "PAYMENT_NOT_FOUND",
            MethodNotAllowed => "METHOD_NOT_ALLOWED",
            AlreadyHasAccess | UserAlreadyHasAccess => "ALREADY_HAS_ACCESS",
            AmbiguousSession => "AMBIGUOUS_SESSION",
            SessionChanged | SessionClosed | SessionTooOld | SessionNotRevocable => {
                "SESSION_CLOSED"
            }
            NotARefund => "NOT_A_REFUND",
            MisdirectedRequest => "MISDIRECTED_REQUEST",
            PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Internal => "INTERNAL_ERROR",
            QrisError => "QRIS_ERROR",
            ProviderUnavailable | ProviderUnconfirmed => "PROVIDER_UNAVAILABLE",
            BadGateway => "BAD_GATEWAY",
            ServiceUnavailable | QrNotReady => "SERVICE_UNAVAILABLE",
        }
    }

    /// The HTTP status.
    pub const fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            MissingField
            | MissingSessionRef
            | InvalidField
            | InvalidJson
            | UnreadableNotification
            | AmountMismatch => 400,
            InvalidSignature | StaleSignature | InvalidNotificationSignature => 401,
            Forbidden => 403,
            RouteNotFound | SessionNotFound | StreamNotFound | PaymentNotFound => 404,
            MethodNotAllowed => 405,
            AlreadyHasAccess | UserAlreadyHasAccess | AmbiguousSession | SessionChanged
            | SessionClosed | SessionTooOld | SessionNotRevocable | NotARefund => 409,
            MisdirectedRequest => 421,
            PayloadTooLarge => 413,
            UnsupportedMediaType => 415,
            IdempotencyKeyReused => 422,
            Internal | QrisError => 500,
            ProviderUnavailable | BadGateway => 502,
            ServiceUnavailable | QrNotReady | ProviderUnconfirmed => 503,
        }
    }

    /// Seconds for `Retry-After`, for the refusals that are worth retrying.
    pub const fn retry_after(self) -> Option<u32> {
        match self {
            Self::ServiceUnavailable | Self::QrNotReady => Some(1),
            Self::ProviderUnconfirmed => Some(5),
            _ => None,
        }
    }

    /// The message for people, in Bahasa Indonesia; `detail` fills the codes that take one (a field
    /// name, a price) and is ignored by the others.
    pub fn message(self, detail: Option<&str>) -> String {
        use ErrorCode::*;
        let detail = detail.unwrap_or("");
        let fixed = match self {
            MissingField => return format!("Parameter {detail} wajib diisi"),
            InvalidField => return format!("Parameter {detail} tidak valid"),
            AmountMismatch => {
                return format!("Nominal tidak sesuai dengan harga stream ({detail})");
            }
            MissingSessionRef => "Isi sessionId, trxId, atau streamId dan userId",
            InvalidJson => "Body permintaan bukan objek JSON yang valid",
            UnreadableNotification => "Notifikasi pembayaran tidak dapat dibaca",
            InvalidSignature => "Tanda tangan webhook tidak valid",
            StaleSignature => "Tanda tangan webhook kedaluwarsa",
            InvalidNotificationSignature => "Tanda tangan notifikasi tidak valid",
            Forbidden => "Akses ditolak: identitas pemanggil tidak sah untuk permintaan ini",
            RouteNotFound => "Alamat tidak ditemukan",
            SessionNotFound => "Sesi pembayaran tidak ditemukan",
            StreamNotFound => "Stream tidak ditemukan atau tidak aktif",
            PaymentNotFound => "Pembayaran tidak ditemukan",
            MethodNotAllowed => "Metode HTTP tidak didukung untuk alamat ini",
            AlreadyHasAccess => "Anda sudah memiliki akses untuk stream ini",
            UserAlreadyHasAccess => "Pengguna ini sudah memiliki akses untuk stream ini",
            AmbiguousSession => {
                "Ada beberapa sesi menunggu pembayaran untuk pengguna dan stream ini; \
                 pilih satu dengan Trx ID yang terlihat di layar penonton"
            }
            SessionChanged => "Sesi pembayaran berubah saat QR dibuat; silakan coba lagi",
            SessionClosed => {
                "Sesi ini sudah ditutup (gagal atau dicabut) dan tidak dapat disetujui"
            }
            SessionTooOld => {
                "Sesi ini sudah terlalu lama kedaluwarsa untuk disetujui; tidak ada yang dicatat"
            }
            SessionNotRevocable => "Sesi ini sudah tidak aktif; tidak ada akses yang bisa dicabut",
            NotARefund => "Pembayaran ini tidak perlu dikembalikan",
            MisdirectedRequest => {
                "Permintaan ditolak: alamat Host tidak dikenal oleh server lokal ini"
            }
            PayloadTooLarge => "Body permintaan terlalu besar (maksimal 16 KiB)",
            UnsupportedMediaType => "Content-Type harus application/json",
            IdempotencyKeyReused => "Idempotency-Key ini sudah dipakai untuk permintaan lain",
            Internal => "Terjadi kesalahan pada server",
            QrisError => "QRIS tidak dapat dibuat untuk nominal ini",
            ProviderUnavailable | ProviderUnconfirmed => {
                "Layanan pembayaran sedang tidak dapat dihubungi, silakan coba lagi"
            }
            BadGateway => "Fungsi admin tidak dapat dihubungi",
            ServiceUnavailable => "Layanan sedang sibuk, silakan coba lagi sebentar lagi",
            QrNotReady => "Kode QR masih disiapkan, silakan coba lagi sebentar lagi",
        };
        fixed.to_owned()
    }

    /// The error envelope as JSON text: `{"success": false, "error": …, "code": …}`.
    pub fn envelope(self, detail: Option<&str>) -> String {
        error_envelope(self.code(), &self.message(detail)).to_string()
    }

    /// Every wire code with the statuses it is answered with, in order of first appearance.
    pub fn table() -> Vec<(&'static str, Vec<u16>)> {
        let mut rows: Vec<(&'static str, Vec<u16>)> = Vec::new();
        for &c in Self::ALL {
            match rows.iter_mut().find(|(code, _)| *code == c.code()) {
                Some((_, statuses)) if !statuses.contains(&c.status()) => {
                    statuses.push(c.status());
                    statuses.sort_unstable();
                }
                Some(_) => {}
                None => rows.push((c.code(), vec![c.status()])),
            }
        }
        rows
    }
}

/// The error envelope: `{"success": false, "error": message, "code": code}`.
pub fn error_envelope(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({"success": false, "error": message, "code": code})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_messages_take_the_field_name() {
        assert_eq!(
            ErrorCode::MissingField.message(Some("userId")),
            "Parameter userId wajib diisi"
        );
        assert_eq!(
            ErrorCode::InvalidField.message(Some("cursor")),
            "Parameter cursor tidak valid"
        );
    }

    #[test]
    fn the_envelope_text() {
        assert_eq!(
            ErrorCode::MissingField.envelope(Some("userId")),
            r#"{"code":"MISSING_FIELD","error":"Parameter userId wajib diisi","success":false}"#
        );
    }

    #[test]
    fn every_code_is_upper_snake_and_every_status_an_error() {
        for &c in ErrorCode::ALL {
            assert!(
                c.code()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_')
            );
            assert!((400..600).contains(&c.status()), "{c:?}");
            assert!(!c.message(Some("x")).is_empty());
        }
    }
}
