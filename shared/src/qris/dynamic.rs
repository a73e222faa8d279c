//! Static → dynamic: the merchant's static QRIS with the exact price (and a reference label).

use super::QrisError;
use super::payload::Qris;
use super::tlv::DataObject;

/// Bank Indonesia's per-transaction QRIS limit, the default cap on amounts: Rp 10.000.000.
pub const DEFAULT_MAX_AMOUNT: u64 = 10_000_000;

/// Largest amount tag 54 can carry as plain digits (13 characters).
const FIELD_MAX: u64 = 9_999_999_999_999;

impl Qris {
    /// A dynamic copy carrying `amount` whole rupiah and, optionally, `reference` as the reference
    /// label (62/05). Only 01, 54 and 62/05 change and the tip objects 55/56/57 are removed (a wallet
    /// must not prompt for a tip on a fixed price); every other object stays byte-identical and in its
    /// original order; the CRC is recomputed.
    pub fn to_dynamic(
        &self,
        amount: u64,
        reference: Option<&str>,
        max_amount: u64,
    ) -> Result<Qris, QrisError> {
        let max = max_amount.min(FIELD_MAX);
        if amount == 0 || amount > max {
            return Err(QrisError::AmountOutOfRange { amount, max });
        }
        if let Some(r) = reference
            && (r.is_empty() || r.len() > 25 || !r.bytes().all(|b| (0x20..=0x7e).contains(&b)))
        {
            return Err(QrisError::BadReference);
        }
        let mut objects: Vec<DataObject> = self
            .objects()
            .iter()
            // No tip prompt on a fixed-price ticket: 55/56/57 go with the static amount.
            .filter(|o| !matches!(o.id.as_str(), "63" | "54" | "55" | "56" | "57"))
            .cloned()
            .collect();

        match objects.iter_mut().find(|o| o.id == "01") {
            Some(poi) => poi.value = "12".to_owned(),
            None => objects.insert(1, DataObject::primitive("01", "12")),
        }

        let country = objects
            .iter()
            .position(|o| o.id == "58")
            .ok_or(QrisError::MissingCountryCode)?;
        objects.insert(country, DataObject::primitive("54", &amount.to_string()));

        if let Some(reference) = reference {
            let label = DataObject::primitive("05", reference);
            match objects.iter().position(|o| o.id == "62") {
                Some(at) => {
                    let mut children = objects[at].children.clone().unwrap_or_default();
                    match children.iter().position(|c| c.id.as_str() >= "05") {
                        Some(i) if children[i].id == "05" => children[i] = label,
                        Some(i) => children.insert(i, label),
                        None => children.push(label),
                    }
                    objects[at] = checked_template(children)?;
                }
                None => objects.push(checked_template(vec![label])?),
            }
        }
        Qris::build(objects)
    }
}

fn checked_template(children: Vec<DataObject>) -> Result<DataObject, QrisError> {
    let template = DataObject::template("62", children);
    match template.len() {
        length if length > 99 => Err(QrisError::TemplateTooLong { length }),
        _ => Ok(template),
    }
}
