//! Kube errors in the words a person reads.

/// A kube error as a person reads it: the API server's refusal, or the
/// innermost cause of a failed request, which says the most ("connection
/// refused", "operation timed out").
pub fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) => format!(
            "the API server refused: {} ({})",
            status.message, status.code
        ),
        other => {
            let mut source: &dyn std::error::Error = other;
            while let Some(next) = source.source() {
                source = next;
            }
            if source.to_string() == other.to_string() {
                other.to_string()
            } else {
                format!("{other}: {source}")
            }
        }
    }
}
