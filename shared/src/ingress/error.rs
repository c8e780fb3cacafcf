//! Problems reported on a field of the edited object, so the editor can put
//! the message next to the input and the backend can refuse the write with
//! the same words: a 400 [`crate::ApiError`] carrying them in `fields`.

pub use crate::error::FieldError;

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
