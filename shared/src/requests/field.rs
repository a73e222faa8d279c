//! One field of a JSON body as sent, and the rules the bodies share for reading one.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::Value;

use crate::domain::Amount;
use crate::edge::ApiError;

/// A field of a JSON body as sent: absent (give the field `#[serde(default)]`), or its value (`null`
/// included, which some fields read apart from absence). Kept raw so a body's refusal names its
/// first bad field in the body's own order, whatever order the client wrote them in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Field(Option<Value>);

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(|v| Self(Some(v)))
    }
}

impl Field {
    /// The value as sent; `None` when absent.
    pub fn value(&self) -> Option<&Value> {
        self.0.as_ref()
    }

    /// A required identifier: a string (or a number, read as its digits) parsed into a domain type.
    /// Absent or `null` is `MISSING_FIELD`; anything else that does not parse is `INVALID_FIELD`.
    pub fn require<T, E>(
        self,
        name: &str,
        parse: impl FnOnce(String) -> Result<T, E>,
    ) -> Result<T, ApiError> {
        match self.0 {
            None | Some(Value::Null) => Err(ApiError::missing(name)),
            Some(Value::String(s)) => parse(s).map_err(|_| ApiError::invalid(name)),
            Some(Value::Number(n)) => parse(n.to_string()).map_err(|_| ApiError::invalid(name)),
            Some(_) => Err(ApiError::invalid(name)),
        }
    }

    /// An optional identifier: absent, `null` or `""` is none; anything else as [`Field::require`].
    pub fn optional<T, E>(
        self,
        name: &str,
        parse: impl FnOnce(String) -> Result<T, E>,
    ) -> Result<Option<T>, ApiError> {
        match &self.0 {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(_) => self.require(name, parse).map(Some),
        }
    }

    /// An optional amount: absent or `null` is none; anything but a whole positive number of
    /// rupiah is `INVALID_FIELD`.
    pub fn amount(self, name: &str) -> Result<Option<Amount>, ApiError> {
        match self.0 {
            None | Some(Value::Null) => Ok(None),
            Some(v) => Amount::from_json(&v)
                .map(Some)
                .map_err(|_| ApiError::invalid(name)),
        }
    }
}

/// A JSON object read into `T`; `None` when `body` is not JSON, not an object (never an array read
/// field by field), or not an object `T` can hold.
pub fn from_object<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    match serde_json::from_slice(body).ok()? {
        value @ Value::Object(_) => T::deserialize(value).ok(),
        _ => None,
    }
}
