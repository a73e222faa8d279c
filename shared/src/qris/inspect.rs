//! A typed view of a QRIS for operators and the admin page.

use serde::Serialize;

use super::payload::Qris;
use super::tlv::DataObject;

/// One merchant account information template (26–51).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantAccount {
    /// The QRIS tag.
    pub tag: String,
    /// Sub-tag 00: the acquirer's or scheme's globally unique identifier (e.g. `ID.CO.QRIS.WWW`).
    pub guid: Option<String>,
    /// Sub-tag 01: merchant PAN.
    pub merchant_pan: Option<String>,
    /// Sub-tag 02: merchant id (in template 51 with the QRIS GUID: the NMID).
    pub merchant_id: Option<String>,
    /// Sub-tag 03: merchant criteria (UMI, UKE, UME, UBE, URE).
    pub criteria: Option<String>,
}

/// The fields an operator cares about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QrisInfo {
    /// `static` (11), `dynamic` (12), or none when tag 01 is absent.
    pub point_of_initiation: Option<&'static str>,
    /// Tag 59.
    pub merchant_name: Option<String>,
    /// Tag 60.
    pub merchant_city: Option<String>,
    /// Tag 61.
    pub postal_code: Option<String>,
    /// Tag 58.
    pub country_code: Option<String>,
    /// Tag 52.
    pub merchant_category_code: Option<String>,
    /// Tag 53 (360 for rupiah).
    pub currency: Option<String>,
    /// The amount in rupiah.
    pub amount: Option<String>,
    /// National Merchant ID, from template 51 (`ID.CO.QRIS.WWW`), sub-tag 02.
    pub nmid: Option<String>,
    /// Merchant criteria from template 51, sub-tag 03.
    pub criteria: Option<String>,
    /// Tags 26–51.
    pub merchant_accounts: Vec<MerchantAccount>,
    /// Template 62, sub-tag 05.
    pub reference_label: Option<String>,
    /// Tag 63.
    pub crc: String,
}

impl Qris {
    /// The typed view of this payload.
    pub fn inspect(&self) -> QrisInfo {
        let value = |id: &str| self.get(id).map(|o| o.value.clone());
        let sub = |o: &DataObject, id: &str| o.child(id).map(|c| c.value.clone());
        let merchant_accounts: Vec<MerchantAccount> = self
            .objects()
            .iter()
            .filter(|o| matches!(o.id.parse::<u8>(), Ok(26..=51)) && o.children.is_some())
            .map(|o| MerchantAccount {
                tag: o.id.clone(),
                guid: sub(o, "00"),
                merchant_pan: sub(o, "01"),
                merchant_id: sub(o, "02"),
                criteria: sub(o, "03"),
            })
            .collect();
        let national = merchant_accounts
            .iter()
            .find(|m| {
                m.tag == "51"
                    && m.guid
                        .as_deref()
                        .is_some_and(|g| g.eq_ignore_ascii_case("ID.CO.QRIS.WWW"))
            })
            .or_else(|| merchant_accounts.iter().find(|m| m.tag == "51"));
        QrisInfo {
            point_of_initiation: self
                .get("01")
                .map(|o| if o.value == "12" { "dynamic" } else { "static" }),
            merchant_name: value("59"),
            merchant_city: value("60"),
            postal_code: value("61"),
            country_code: value("58"),
            merchant_category_code: value("52"),
            currency: value("53"),
            amount: value("54"),
            nmid: national.and_then(|m| m.merchant_id.clone()),
            criteria: national.and_then(|m| m.criteria.clone()),
            reference_label: self.get("62").and_then(|o| sub(o, "05")),
            crc: value("63").unwrap_or_default(),
            merchant_accounts,
        }
    }
}
