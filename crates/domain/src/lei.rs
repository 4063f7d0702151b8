//! Legal Entity Identifiers (ISO 17442).

use std::fmt;

use crate::FieldError;

/// A 20-character LEI whose last two characters are ISO 7064 MOD 97-10
/// check digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Lei(String);

impl Lei {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        if value.len() != 20 || !value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(FieldError::new(field, "lei_format", "must be 20 characters: upper-case letters and digits"));
        }
        if !value[18..].bytes().all(|b| b.is_ascii_digit()) || mod97(value) != 1 {
            return Err(FieldError::new(field, "lei_check_digits", "the check digits are wrong (ISO 7064 MOD 97-10)"));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Lei {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The number the characters spell (A = 10 … Z = 35), modulo 97.
fn mod97(value: &str) -> u32 {
    value.bytes().fold(0u32, |acc, b| {
        let digit = if b.is_ascii_digit() { u32::from(b - b'0') } else { u32::from(b - b'A') + 10 };
        if digit >= 10 { (acc * 100 + digit) % 97 } else { (acc * 10 + digit) % 97 }
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn real_leis_pass() {
        for lei in ["851WYGNLUQLFZBSYGB56", "5493001KJTIIGC8Y1R12", "21380068P1DRHMJ8KU70", "549300O897ZC5H7CY412"] {
            assert!(Lei::parse("lei", lei).is_ok(), "{lei}");
        }
    }

    #[test]
    fn wrong_check_digits_and_shapes_fail() {
        assert_eq!(Lei::parse("lei", "5493001KJTIIGC8Y1R13").unwrap_err().rule, "lei_check_digits");
        assert_eq!(Lei::parse("lei", "5493001KJTIIGC8Y1R1").unwrap_err().rule, "lei_format");
        assert_eq!(Lei::parse("lei", "5493001kjtiigc8y1r12").unwrap_err().rule, "lei_format");
    }

    proptest! {
        /// Any 18-character base gets exactly one pair of valid check digits.
        #[test]
        fn computed_check_digits_validate(base in "[A-Z0-9]{18}") {
            let check = 98 - mod97(&format!("{base}00"));
            let lei = format!("{base}{check:02}");
            prop_assert!(Lei::parse("lei", &lei).is_ok(), "{}", lei);
            let wrong = format!("{base}{:02}", (check + 1) % 100);
            prop_assert!(Lei::parse("lei", &wrong).is_err());
        }
    }
}
