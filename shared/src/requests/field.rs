//! One field of a JSON body as sent, the rules the bodies share for reading one, and the serde
//! helpers of the bodies read with serde's own types (the gateways', the media servers').

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde_json::Value;

use crate::domain::Amount;
use crate::refusal::ApiError;

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

/// A JSON object read into `T`; refused when `body` is not JSON, not an object (never an array read
/// field by field), or not an object `T` can hold.
pub fn from_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    object_into(serde_json::from_slice(body)?)
}

/// As [`from_object`], from a parsed value.
pub fn object_into<T: DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    match value {
        Value::Object(_) => T::deserialize(value),
        _ => Err(serde_json::Error::custom("not a JSON object")),
    }
}

/// A lenient text field (`deserialize_with`): a string, or none for any other value (`null`, a
/// number, an object…).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// A nested object (`deserialize_with`), required to be one: an array is refused, not read field by
/// field.
pub fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
    object_into(Value::deserialize(d)?).map_err(D::Error::custom)
}

/// A lenient nested object (`deserialize_with`): anything but an object `T` can hold reads as
/// `T::default()`.
pub fn lenient_object<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(object_into(Value::deserialize(d)?).unwrap_or_default())
}
