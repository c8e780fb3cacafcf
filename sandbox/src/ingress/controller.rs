//! The controller's loop: a pass at start, then one after every burst of
//! changes that concern it on any member (MultiClusterServices and
//! MultiClusterIngresses, namespaces, derived Services, CRDs), at once when
//! the config cluster changes or a pass is asked for, and at every resync.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::stream::{self, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::crds::{MCI, MCS};
use super::derived::DERIVED_LABEL;
use super::hub::Hub;
use super::reconcile::Controller;
use super::view::MemberCluster;
use crate::controllers::util::SERVICES;
use crate::store::Event;

const CRDS: &str = "customresourcedefinitions.apiextensions.k8s.io";

/// Starts the controller over `members`; it runs until aborted.
pub(crate) fn spawn(
    hub: Arc<Hub>,
    members: Vec<MemberCluster>,
    resync: Duration,
) -> JoinHandle<()> {
    tokio::spawn(run(Controller::new(hub, members), resync))
}

/// Whether `event` can change what a pass does.
fn concerns(event: &Event) -> bool {
    match &*event.resource {
        MCS | MCI | "namespaces" | CRDS => true,
        SERVICES => !event.object["metadata"]["labels"][DERIVED_LABEL].is_null(),
        _ => false,
    }
}

async fn run(mut controller: Controller, resync: Duration) {
    // Every member's store events, merged; `true` for those that concern
    // the controller (a lagging receiver may have missed some: it does).
    let feeds = controller.members.iter().map(|m| {
        let rx = m.cluster.store.subscribe();
        stream::unfold(rx, |mut rx| async move {
            match rx.recv().await {
                Ok(event) => Some((concerns(&event), rx)),
                Err(RecvError::Lagged(_)) => Some((true, rx)),
                Err(RecvError::Closed) => None,
            }
        })
        .boxed()
    });
    let mut feed = stream::select_all(feeds);
    let mut open = true;
    let mut config = controller.hub.watch_config();
    loop {
        // Take what is already queued, so a burst costs one pass.
        while open {
            match feed.next().now_or_never() {
                Some(Some(_)) => {}
                Some(None) => open = false,
                None => break,
            }
        }
        config.borrow_and_update();
        controller.hub.pass_started();
        controller.pass().await;
        controller.hub.pass_finished();
        let next_resync = Instant::now() + resync;
        loop {
            tokio::select! {
                next = feed.next(), if open => match next {
                    Some(true) => break,
                    Some(false) => {}
                    None => open = false,
                },
                changed = config.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    break;
                }
                () = controller.hub.kick.notified() => break,
                () = tokio::time::sleep_until(next_resync) => break,
            }
        }
    }
}
