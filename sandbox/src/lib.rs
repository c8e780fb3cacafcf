//! The sandbox fleet: simulated clusters on loopback that speak the real
//! Kubernetes REST API, so the backend drives them exactly like real ones.
//!
//! Nothing is served yet: the REST API, storage and controllers arrive with
//! the sandbox issues (#3, #4). Until then the embedded default fleet is
//! empty, which the console reports as "no member clusters".
