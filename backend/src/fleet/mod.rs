//! The live fleet as users read it: `/api/fleet`, `/api/clusters/…` and the
//! `/api/events` stream, over [`crate::cluster::FleetService`].

pub mod http;
