//! Problems reported on a field of the edited object, so the editor can put
//! the message next to the input and the backend can refuse the write with
//! the same words.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Something wrong with one field: `field` is its path in the manifest
/// (`spec.clusters[1].link`), empty for the object as a whole; `message`
/// says what is wrong and what is expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A problem with the object as a whole (no single field to blame).
    pub fn object(message: impl Into<String>) -> Self {
        Self::new(String::new(), message)
    }

    /// Errors on `field` or below it (`spec.clusters` covers
    /// `spec.clusters[0].link`).
    pub fn is_under(&self, field: &str) -> bool {
        self.field == field
            || self
                .field
                .strip_prefix(field)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// The errors of `errors` on `field` or below it.
pub fn errors_under<'a>(
    errors: &'a [FieldError],
    field: &'a str,
) -> impl Iterator<Item = &'a FieldError> + 'a {
    errors.iter().filter(move |e| e.is_under(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_with_the_field() {
        let e = FieldError::new("spec.clusters[1].link", "bad");
        assert_eq!(e.to_string(), "spec.clusters[1].link: bad");
        assert_eq!(FieldError::object("whole").to_string(), "whole");
    }

    #[test]
    fn fields_nest() {
        let e = FieldError::new("spec.clusters[1].link", "bad");
        assert!(e.is_under("spec.clusters"));
        assert!(e.is_under("spec.clusters[1]"));
        assert!(e.is_under("spec.clusters[1].link"));
        assert!(!e.is_under("spec.clusters[1].li"));
        assert!(!e.is_under("spec.cluster"));
        assert_eq!(errors_under(&[e], "spec").count(), 1);
    }
}
