//! The QRIS checksum: CRC-16/CCITT-FALSE over the payload's UTF-8 bytes up to and including `6304`.

use crc::{CRC_16_IBM_3740, Crc};

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor), known to the `crc`
/// crate's catalogue as CRC-16/IBM-3740.
const CCITT_FALSE: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);

/// The checksum of `data`, as 4 uppercase zero-padded hex digits.
pub fn crc16_hex(data: &str) -> String {
    format!("{:04X}", CCITT_FALSE.checksum(data.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc16_hex("123456789"), "29B1");
    }

    #[test]
    fn zero_padded_uppercase() {
        // Find an input whose CRC has a leading zero nibble, then check the formatting.
        let padded = (0..10_000)
            .map(|i| i.to_string())
            .find(|s| CCITT_FALSE.checksum(s.as_bytes()) < 0x1000)
            .unwrap();
        let hex = crc16_hex(&padded);
        assert_eq!(hex.len(), 4);
        assert!(hex.starts_with('0'));
        assert_eq!(hex, hex.to_uppercase());
    }
}
