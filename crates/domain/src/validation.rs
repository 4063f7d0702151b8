//! The one error type of the domain layer: which field broke which rule.

use std::fmt;

/// One violated rule on one input field.
///
/// `rule` is a stable, machine-readable name (`required`, `max_length`,
/// `pattern`, …) that clients may switch on; `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub rule: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), rule, message: message.into() }
    }

    /// The same error reported under another field name, e.g. when a value
    /// parsed as `slug` arrived in the body field `tenant.slug`.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.rule)
    }
}

impl std::error::Error for FieldError {}

/// Every rule an input broke, so a client can fix them all in one round.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl From<FieldError> for Invalid {
    fn from(error: FieldError) -> Self {
        Invalid(vec![error])
    }
}

/// Collects field errors while a whole input is parsed, then yields either
/// every parsed value or every error.
#[derive(Debug, Default)]
pub struct Collector {
    errors: Vec<FieldError>,
}

impl Collector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records the error and returns `None`.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// The fields recorded so far.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.errors.iter().map(|e| e.field.as_str())
    }

    /// `Ok(())` when nothing was recorded; call before unwrapping the
    /// `Option`s returned by [`Collector::take`].
    pub fn finish(self) -> Result<(), Invalid> {
        if self.errors.is_empty() { Ok(()) } else { Err(Invalid(self.errors)) }
    }
}
