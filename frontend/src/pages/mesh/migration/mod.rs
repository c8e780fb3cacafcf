//! Canary migration between two control plane revisions (SPEC §2.4–2.6):
//! the board of namespaces × clusters coloured by where each stands, the
//! panel of one namespace (migrate, verify, roll back), finishing per
//! cluster, the ingress gateway's external address and the wave runner.
//! Everything follows the live fleet and the runs' progress streams;
//! operators act, other roles read.

mod board;
mod finish;
mod gateway;
mod pair;
mod panel;
mod removal;
mod steps;
mod wave_runner;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::Action;
use shared::fleet::{DEFAULT_REVISION, Fleet};
use shared::mesh::migration::run::MigrationRun;
use shared::mesh::migration::waves::{TargetRef, WaveRun};

use crate::api::follow::{Followed, Runs};
use crate::live_fleet::LiveFleet;
use crate::session::Auth;

/// What the board's parts share. Copy it freely.
#[derive(Clone, Copy)]
pub struct Migration {
    pub fleet: ReadSignal<Option<Fleet>>,
    /// The revision pair as picked; `None` until the operator picks.
    picked_from: RwSignal<Option<String>>,
    picked_to: RwSignal<Option<String>>,
    /// The pair in effect: the picks while the fleet still has them,
    /// else the default revision and the first other one.
    pub pair: Memo<Option<(String, String)>>,
    /// Every migrate, rollback and finish run known, kept current.
    pub runs: RwSignal<Vec<MigrationRun>>,
    /// The namespace the panel shows.
    pub selected: RwSignal<Option<TargetRef>>,
    /// Cells picked for the wave runner.
    pub wave_targets: RwSignal<Vec<TargetRef>>,
    /// The wave run on screen.
    pub wave_run: RwSignal<Option<WaveRun>>,
    pub may_act: Memo<bool>,
    pub streams: Runs,
}

impl Migration {
    fn new() -> Self {
        let fleet = LiveFleet::get().fleet();
        let auth = Auth::get();
        let picked_from = RwSignal::new(None::<String>);
        let picked_to = RwSignal::new(None::<String>);
        let pair = Memo::new(move |_| {
            let revisions: Vec<String> = fleet.with(|f| {
                f.as_ref()
                    .map(|f| f.revisions().into_iter().map(str::to_owned).collect())
                    .unwrap_or_default()
            });
            let known = |r: &Option<String>| r.clone().filter(|r| revisions.contains(r));
            let from = known(&picked_from.get())
                .or_else(|| known(&Some(DEFAULT_REVISION.to_owned())))
                .or_else(|| revisions.first().cloned())?;
            let to = known(&picked_to.get())
                .filter(|t| *t != from)
                .or_else(|| revisions.iter().find(|r| **r != from).cloned())?;
            Some((from, to))
        });
        Self {
            fleet,
            picked_from,
            picked_to,
            pair,
            runs: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            wave_targets: RwSignal::new(Vec::new()),
            wave_run: RwSignal::new(None),
            may_act: Memo::new(move |_| auth.may(Action::MigrateNamespaces)),
            streams: Runs::new(),
        }
    }

    /// Adds or replaces `run` in the list.
    pub fn upsert(self, run: MigrationRun) {
        self.runs
            .update(|runs| match runs.iter_mut().find(|r| r.id == run.id) {
                Some(known) => *known = run,
                None => runs.push(run),
            });
    }

    /// Shows run `run` and follows it while it runs.
    pub fn track(self, run: MigrationRun) {
        let running = Followed::running(&run);
        let id = run.id.clone();
        self.upsert(run);
        if running {
            self.streams
                .follow::<MigrationRun>(id, move |r| self.upsert(r));
        }
    }

    /// Shows wave run `run` and follows it while it runs.
    pub fn track_waves(self, run: WaveRun) {
        let running = Followed::running(&run);
        let id = run.id.clone();
        self.wave_run.set(Some(run));
        if running {
            self.streams.follow::<WaveRun>(id, move |r| {
                self.wave_run.try_set(Some(r));
            });
        }
    }

    /// The latest migrate or rollback run of a namespace on a cluster.
    pub fn latest_run(self, cluster: &str, namespace: &str) -> Option<MigrationRun> {
        self.runs.with(|runs| {
            runs.iter()
                .filter(|r| {
                    r.cluster.as_str() == cluster && r.namespace.as_deref() == Some(namespace)
                })
                .max_by_key(|r| r.started)
                .cloned()
        })
    }

    /// Loads the known runs and the latest wave run, following those that
    /// still run.
    fn load(self) {
        spawn_local(async move {
            if let Ok(runs) = MigrationRun::list().await {
                for run in runs {
                    self.track(run);
                }
            }
            if let Ok(waves) = WaveRun::list().await
                && let Some(latest) = waves.into_iter().max_by_key(|w| w.started)
            {
                self.track_waves(latest);
            }
        });
    }
}

/// The migration section of the Mesh page.
#[component]
pub fn MigrationSection() -> impl IntoView {
    let m = Migration::new();
    m.load();
    view! {
        <section class="mesh-part migration" aria-labelledby="migration-heading" data-testid="migration">
            <h2 id="migration-heading">"Canary migration"</h2>
            <pair::PairPicker m/>
            <board::Board m/>
            <panel::NamespacePanel m/>
            <finish::FinishPanel m/>
            <wave_runner::WaveRunner m/>
            <gateway::GatewayPanel m/>
        </section>
    }
}
