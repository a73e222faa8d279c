//! Schemas the derives cannot see: the identifier newtypes and the amount (their parse rules as
//! patterns and bounds).

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{KnownFormat, RefOr, SchemaFormat};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::{
    Amount, MAX_THUMBNAIL_LEN, MediaPath, PaymentId, SessionId, StreamId, ThumbnailUrl, TrxId,
    UserId,
};

fn text(pattern: Option<String>, max: usize, about: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(pattern)
        .description(Some(about))
        .examples([example])
        .into()
}

macro_rules! string_schema {
    ($ty:ty, $name:literal, $schema:expr) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }
        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

string_schema!(
    SessionId,
    "SessionId",
    text(
        Some(format!("^{}[0-9a-f]{{32}}$", crate::domain::SESSION_PREFIX)),
        40,
        "A session's id: a bearer secret, known only to the viewer who created it",
        "session_0123456789abcdef0123456789abcdef",
    )
);
string_schema!(
    PaymentId,
    "PaymentId",
    text(
        Some(format!("^{}[0-9a-f]{{32}}$", crate::domain::PAYMENT_PREFIX)),
        36,
        "A ledger record's id, derived from the gateway and its payment reference",
        "pay_0123456789abcdef0123456789abcdef",
    )
);
string_schema!(
    TrxId,
    "TrxId",
    text(
        Some("^[A-Z0-9-]+$".into()),
        25,
        "The transaction id the QR and the gateway carry",
        "UP-261123093000-K7QX2M",
    )
);
string_schema!(
    StreamId,
    "StreamId",
    text(Some("^[A-Za-z0-9_-]+$".into()), 64, "A stream's id", "2")
);
string_schema!(
    UserId,
    "UserId",
    text(
        None,
        128,
        "A viewer's id: printable characters, no control or Unicode format (Cf) characters",
        "viewer-42",
    )
);
string_schema!(
    MediaPath,
    "MediaPath",
    text(
        Some(r"^[A-Za-z0-9_.-]{1,64}(/[A-Za-z0-9_.-]{1,64}){0,7}$".into()),
        200,
        "Where the media servers publish the stream (no `.` or `..` segment)",
        "live/2",
    )
);

string_schema!(
    ThumbnailUrl,
    "ThumbnailUrl",
    text(
        Some(
            r"^(https://[!$-&(-.0-;=A-\[\]-_a-~]+([/?#][!#-&(-;=?-\[\]-_a-~]*)?|/([!#-&(-.0-;=?-\[\]-_a-~][!#-&(-;=?-\[\]-_a-~]*)?)$"
                .into(),
        ),
        MAX_THUMBNAIL_LEN,
        "A picture: an `https://` URL, or a path under the viewer page's origin (printable ASCII \
         without spaces, quotes, `<`, `>`, `\\` or backticks; no `.` or `..` segment)",
        "/thumbs/2.svg",
    )
);

impl PartialSchema for Amount {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(1))
            .maximum(Some(Amount::MAX as f64))
            .description(Some("Whole rupiah"))
            .examples([1000])
            .into()
    }
}
impl ToSchema for Amount {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Amount")
    }
}
