//! HTTP tests through `backend::app`, one module per area (one binary keeps
//! link time down).

#![expect(
    clippy::unwrap_used,
    reason = "a failing helper should fail the test loudly"
)]

mod meta;
mod spa;
mod support;
