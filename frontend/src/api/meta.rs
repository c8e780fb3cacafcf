//! The console's own health and version.

use shared::{ApiError, VersionInfo, routes};

pub async fn get_version() -> Result<VersionInfo, ApiError> {
    super::get_json(routes::VERSION).await
}
