//! Prometheus metrics, served at [`http::METRICS_PATH`] for scraping.
//!
//! Two kinds of series: those the console counts as things happen (HTTP
//! requests by route template, sign-in outcomes, open event streams),
//! kept in [`Metrics`]; and those read at scrape time from what the
//! console already holds (members' reachability and watch statistics, the
//! audit appends, the stored runs), gathered by [`scrape::Scrape`]. A
//! scrape never calls a member cluster and holds no lock across I/O.

pub mod http;
pub mod scrape;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

/// Every series name starts with this (and `_`).
pub const PREFIX: &str = "meshdeck";

/// One HTTP request: its method, the route template that answered it
/// (never the raw path, so ids do not multiply series) and its status.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// The latency histogram's labels: the request's without the status.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// How a sign-in attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    /// A session was opened.
    Success,
    /// Unknown account or wrong password.
    WrongCredentials,
    /// Refused by the rate limits.
    Locked,
    /// Sign-in asked of a console whose identity comes from a proxy.
    ProxyMode,
    /// A request the trusted-proxy mode refused (each one counts).
    ProxyRefused,
    /// Sign-in with a password asked of a console whose local accounts
    /// are switched off.
    LocalAccountsOff,
    /// The OpenID provider's answer was refused (state, token, groups…).
    OidcRefused,
    /// The store (or the provider) failed while checking.
    Error,
}

impl SignInOutcome {
    pub const ALL: [SignInOutcome; 8] = [
        SignInOutcome::Success,
        SignInOutcome::WrongCredentials,
        SignInOutcome::Locked,
        SignInOutcome::ProxyMode,
        SignInOutcome::ProxyRefused,
        SignInOutcome::LocalAccountsOff,
        SignInOutcome::OidcRefused,
        SignInOutcome::Error,
    ];

    /// The `outcome` label.
    pub fn slug(self) -> &'static str {
        match self {
            SignInOutcome::Success => "success",
            SignInOutcome::WrongCredentials => "wrong_credentials",
            SignInOutcome::Locked => "locked",
            SignInOutcome::ProxyMode => "proxy_mode",
            SignInOutcome::ProxyRefused => "proxy_refused",
            SignInOutcome::LocalAccountsOff => "local_accounts_off",
            SignInOutcome::OidcRefused => "oidc_refused",
            SignInOutcome::Error => "error",
        }
    }
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The series counted as things happen. Cheap to clone; clones count
/// into the same series.
#[derive(Debug, Clone)]
pub struct Metrics {
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    sign_ins: Family<OutcomeLabels, Counter>,
    sse_clients: Gauge,
}

/// 5 ms to about 20 s: a page read to a slow member's bounded call.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

impl Default for Metrics {
    fn default() -> Self {
        let sign_ins = Family::default();
        // Every outcome from the start, so a rate over them exists at 0.
        for outcome in SignInOutcome::ALL {
            drop(sign_ins.get_or_create(&OutcomeLabels {
                outcome: outcome.slug(),
            }));
        }
        Self {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            sign_ins,
            sse_clients: Gauge::default(),
        }
    }
}

impl Metrics {
    /// Counts a finished request to `route` (a template such as
    /// `/api/clusters/{cluster}`) that took `seconds`.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = RequestLabels {
            method: method.to_owned(),
            route: route.to_owned(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        let route = RouteLabels {
            method: labels.method,
            route: labels.route,
        };
        self.latency.get_or_create(&route).observe(seconds);
    }

    /// Counts a sign-in that ended with `outcome`.
    pub fn sign_in(&self, outcome: SignInOutcome) {
        self.sign_ins
            .get_or_create(&OutcomeLabels {
                outcome: outcome.slug(),
            })
            .inc();
    }

    /// An open event stream, counted until the returned guard is dropped.
    pub fn sse_client(&self) -> SseClient {
        self.sse_clients.inc();
        SseClient(self.sse_clients.clone())
    }

    /// The registry of everything this console exposes now: these series
    /// and those read at scrape time in `scrape`.
    pub fn registry(&self, scrape: &scrape::Scrape) -> Registry {
        let mut registry = Registry::with_prefix(PREFIX);
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            self.requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer HTTP requests, by method and route template",
            Unit::Seconds,
            self.latency.clone(),
        );
        registry.register(
            "sign_ins",
            "Sign-in attempts by outcome (proxy_refused: each request the trusted-proxy mode refused)",
            self.sign_ins.clone(),
        );
        registry.register(
            "sse_clients",
            "Open Server-Sent Events streams (fleet and run progress)",
            self.sse_clients.clone(),
        );
        scrape.register(&mut registry);
        registry
    }
}

/// Holds one open event stream in the `sse_clients` gauge; dropped with
/// the stream, however it ends.
#[derive(Debug)]
pub struct SseClient(Gauge);

impl Drop for SseClient {
    fn drop(&mut self) {
        self.0.dec();
    }
}
