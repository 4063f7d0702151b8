//! Shared rules for human-entered text.

use crate::FieldError;

/// Trims `raw` and checks it is non-empty, at most `max_chars` characters
/// long and free of control characters (which break exports and logs).
pub(crate) fn bounded_text(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "required", "must not be empty"));
    }
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(FieldError::new(
            field,
            "max_length",
            format!("must be at most {max_chars} characters (got {chars})"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(field, "no_control_characters", "must not contain control characters"));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(bounded_text("f", "  a b ", 3).unwrap(), "a b");
        assert_eq!(bounded_text("f", "   ", 3).unwrap_err().rule, "required");
        assert_eq!(bounded_text("f", "abcd", 3).unwrap_err().rule, "max_length");
        assert_eq!(bounded_text("f", "a\u{0}b", 3).unwrap_err().rule, "no_control_characters");
        // Length counts characters, not bytes.
        assert!(bounded_text("f", "äöü", 3).is_ok());
    }
}
