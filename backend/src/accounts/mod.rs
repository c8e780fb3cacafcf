//! Local accounts as the admin manages them: the `/api/accounts`
//! handlers over [`crate::store`]'s accounts table.

pub mod appointments;
pub mod duties;
pub mod http;
