//! The audit log: pages, the export link and the chain check.

use shared::{ApiError, AuditFilter, AuditPage, ChainReport, routes};

pub async fn list(filter: AuditFilter, page: u32, per_page: u32) -> Result<AuditPage, ApiError> {
    let query = filter.query_string(&[
        ("page", page.to_string()),
        ("per_page", per_page.to_string()),
    ]);
    super::get_json(&format!("{}?{query}", routes::AUDIT)).await
}

/// Where the browser downloads the filtered log as JSON lines.
pub fn export_url(filter: &AuditFilter) -> String {
    format!("{}?{}", routes::AUDIT_EXPORT, filter.query_string(&[]))
}

pub async fn verify() -> Result<ChainReport, ApiError> {
    super::get_json(routes::AUDIT_VERIFY).await
}
