//! HTTP tests through `backend::app`, one module per area (one binary keeps
//! link time down).

#![expect(
    clippy::unwrap_used,
    reason = "a failing helper should fail the test loudly"
)]

mod accounts;
mod audit;
mod audit_chain;
mod ca;
mod cli;
mod csr;
mod csr_history;
mod csrf;
mod deploy;
mod fault_matrix;
mod faults;
mod fleet;
mod fleet_plan_refusals;
mod fleet_plans;
mod forwarded;
mod hsm;
mod hsm_flow;
mod ingress;
mod ingress_conflicts;
mod matrix;
mod mesh;
mod meta;
mod metrics;
mod migration;
mod oidc;
mod oidc_provider;
mod openapi;
mod openapi_conforms;
mod paths;
mod preflight;
mod prometheus;
mod proxy;
mod rate_limit;
mod red_team_duties;
mod red_team_grants;
mod red_team_hsm;
mod red_team_roots;
mod red_team_workloads;
mod removal;
mod restart;
mod restart_waves;
mod root_import;
mod root_rotation;
mod session;
mod spa;
mod support;
mod waves;
mod workloads;
