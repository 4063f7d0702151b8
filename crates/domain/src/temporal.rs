//! Effective dating: when a fact holds (business time) and when it was
//! recorded (system time).

use chrono::NaiveDate;

use crate::{FieldError, Invalid, text::bounded_text, validation::Collector};

/// When a change takes effect, and why a back-dated one was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveChange {
    /// The first day the new value holds.
    pub from: NaiveDate,
    /// The first day it no longer holds; `None`: until the next change of
    /// the same fact already on record, or for good.
    pub to: Option<NaiveDate>,
    /// Why; required when `from` is in the past (a correction).
    pub reason: Option<String>,
}

impl EffectiveChange {
    pub const REASON_MAX_CHARS: usize = 500;

    /// Parses `effective_from` (default `today`), `effective_to` and `reason`.
    /// A change dated before `today` is a correction and must say why.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        reason: Option<&str>,
        today: NaiveDate,
        back_dating_needs_reason: bool,
    ) -> Result<Self, Invalid> {
        let mut errors = Collector::new();
        let from = match from {
            Some(raw) => errors.take(parse_date("effective_from", raw)),
            None => Some(today),
        };
        let to = to.map(|raw| errors.take(parse_date("effective_to", raw)));
        let reason = reason.map(|raw| errors.take(bounded_text("reason", raw, Self::REASON_MAX_CHARS)));
        if let (Some(from), Some(Some(to))) = (from, to)
            && to <= from
        {
            errors.push(FieldError::new("effective_to", "after_effective_from", "must be after effective_from"));
        }
        if back_dating_needs_reason && from.is_some_and(|from| from < today) && !matches!(reason, Some(Some(_))) {
            errors.push(FieldError::new(
                "reason",
                "required_for_correction",
                "a change effective before today is a correction and must give a reason",
            ));
        }
        errors.finish()?;
        Ok(Self { from: from.unwrap_or(today), to: to.flatten(), reason: reason.flatten() })
    }
}

/// `YYYY-MM-DD`.
pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "date", "must be a date as YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn defaults_to_today_and_requires_reasons_for_corrections() {
        let today = day("2026-11-29");
        assert_eq!(EffectiveChange::parse(None, None, None, today, true).unwrap().from, today);
        assert!(
            EffectiveChange::parse(Some("2030-06-01"), None, None, today, true).is_ok(),
            "scheduling needs no reason"
        );
        let Invalid(errors) = EffectiveChange::parse(Some("2024-01-01"), None, None, today, true).unwrap_err();
        assert_eq!(errors[0].rule, "required_for_correction");
        assert!(EffectiveChange::parse(Some("2024-01-01"), None, Some("late filing"), today, true).is_ok());
        assert!(
            EffectiveChange::parse(Some("2024-01-01"), None, None, today, false).is_ok(),
            "creation may be back-dated"
        );
    }

    #[test]
    fn the_end_comes_after_the_start() {
        let today = day("2026-11-29");
        let Invalid(errors) =
            EffectiveChange::parse(Some("2027-01-01"), Some("2026-12-31"), None, today, true).unwrap_err();
        assert_eq!((errors[0].field.as_str(), errors[0].rule), ("effective_to", "after_effective_from"));
        assert!(EffectiveChange::parse(Some("2027-01-01"), Some("2027-01-01"), None, today, true).is_err());
        assert_eq!(EffectiveChange::parse(Some("2027-13-01"), None, None, today, true).unwrap_err().0[0].rule, "date");
    }
}
