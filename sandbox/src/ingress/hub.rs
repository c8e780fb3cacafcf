//! The fleet-level multi-cluster ingress setting, as GKE Hub keeps it: the
//! members and which one is the config cluster. Changing it tells the
//! controller at once, is remembered in the state directory
//! (`sandbox-hub.json`, with the port the fleet API listens on) and is
//! written into every `fleet.yaml` the fleet wrote.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::scenario::FleetDescription;

/// The file in the state directory.
pub const HUB_FILE: &str = "sandbox-hub.json";

/// A member cluster as the hub knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubMember {
    pub name: String,
    /// Zone or region; empty when the fleet has no description.
    pub location: String,
}

/// What the state directory remembers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HubFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_cluster: Option<String>,
}

impl HubFile {
    pub(crate) fn read(dir: &Path) -> Self {
        std::fs::read_to_string(dir.join(HUB_FILE))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }
}

/// A config cluster that cannot be set.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("{name:?} is not a member of the fleet; members: {}", members.join(", "))]
    NotAMember { name: String, members: Vec<String> },
    #[error("the config cluster could not be saved: {0}")]
    Save(#[from] io::Error),
}

pub struct Hub {
    /// The fleet host project's id and number, when described.
    pub(crate) project: Option<(String, String)>,
    members: Vec<HubMember>,
    config: watch::Sender<Option<String>>,
    /// Controller passes started and finished, for whoever waits on
    /// convergence ([`Hub::reconciled`]).
    passes: watch::Sender<Passes>,
    /// Asks the controller for a pass now.
    pub(crate) kick: Notify,
    state_dir: Option<PathBuf>,
    port: Mutex<Option<u16>>,
    /// The description as started, and the `fleet.yaml` files written from
    /// it, rewritten when the config cluster changes.
    description: Option<FleetDescription>,
    written: Mutex<Vec<PathBuf>>,
}

impl Hub {
    /// The hub of `members`; the config cluster is the one remembered in
    /// `state_dir`, else the description's, if a member.
    pub(crate) fn new(
        members: Vec<HubMember>,
        description: Option<FleetDescription>,
        state_dir: Option<PathBuf>,
    ) -> Self {
        let remembered = state_dir.as_deref().map(HubFile::read).unwrap_or_default();
        let is_member = |name: &String| members.iter().any(|m| &m.name == name);
        let config = remembered.config_cluster.filter(is_member).or_else(|| {
            description
                .as_ref()
                .and_then(|d| d.config_cluster.clone())
                .filter(is_member)
        });
        let project = description.as_ref().map(|d| {
            let number = d
                .members
                .iter()
                .filter_map(|m| m.project.as_ref())
                .find(|p| p.id == d.fleet.project)
                .map(|p| p.number.clone())
                .unwrap_or_default();
            (d.fleet.project.clone(), number)
        });
        Self {
            project,
            members,
            config: watch::Sender::new(config),
            passes: watch::Sender::new(Passes::default()),
            kick: Notify::new(),
            state_dir,
            port: Mutex::new(remembered.port),
            description,
            written: Mutex::default(),
        }
    }

    pub fn members(&self) -> &[HubMember] {
        &self.members
    }

    pub fn member(&self, name: &str) -> Option<&HubMember> {
        self.members.iter().find(|m| m.name == name)
    }

    /// The config cluster now.
    pub fn config_cluster(&self) -> Option<String> {
        self.config.borrow().clone()
    }

    /// Changes when the config cluster does.
    pub fn watch_config(&self) -> watch::Receiver<Option<String>> {
        self.config.subscribe()
    }

    /// Makes `name` the config cluster: saved first, then the controller
    /// switches its source.
    pub fn set_config_cluster(&self, name: &str) -> Result<(), HubError> {
        if self.member(name).is_none() {
            return Err(HubError::NotAMember {
                name: name.to_owned(),
                members: self.members.iter().map(|m| m.name.clone()).collect(),
            });
        }
        let config = Some(name.to_owned());
        self.save(config.clone())?;
        self.rewrite_descriptions(config.as_deref())?;
        self.config.send_replace(config);
        Ok(())
    }

    /// The remembered port of the fleet API.
    pub(crate) fn remembered_port(&self) -> Option<u16> {
        *self.port.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the port the fleet API listens on and saves it.
    pub(crate) fn serving_on(&self, port: u16) -> io::Result<()> {
        *self.port.lock().unwrap_or_else(|e| e.into_inner()) = Some(port);
        self.save(self.config_cluster())
    }

    fn save(&self, config_cluster: Option<String>) -> io::Result<()> {
        let Some(dir) = &self.state_dir else {
            return Ok(());
        };
        let file = HubFile {
            port: self.remembered_port(),
            config_cluster,
        };
        let text = serde_json::to_string_pretty(&file).map_err(io::Error::other)?;
        // Written whole then renamed, so a crash never leaves half a file.
        let tmp = dir.join(format!("{HUB_FILE}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, dir.join(HUB_FILE))
    }

    /// The fleet description with the current config cluster and, when
    /// one is served, the fleet API's endpoint.
    pub fn description(&self) -> Option<FleetDescription> {
        let mut description = self.description.clone()?;
        description.config_cluster = self.config_cluster();
        description.hub = self
            .endpoint()
            .map(|endpoint| shared::fleet::HubEndpoint { endpoint });
        Some(description)
    }

    /// The fleet API's base URL, once it is served.
    pub fn endpoint(&self) -> Option<String> {
        self.description.as_ref()?;
        self.remembered_port()
            .map(|port| format!("http://127.0.0.1:{port}"))
    }

    /// Writes the description to `path` and remembers to rewrite it when
    /// the config cluster changes.
    pub(crate) fn write_description(&self, path: &Path) -> io::Result<()> {
        let Some(description) = self.description() else {
            return Ok(());
        };
        write_yaml(path, &description)?;
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        if !written.iter().any(|p| p == path) {
            written.push(path.to_owned());
        }
        Ok(())
    }

    fn rewrite_descriptions(&self, config_cluster: Option<&str>) -> io::Result<()> {
        let Some(mut description) = self.description() else {
            return Ok(());
        };
        description.config_cluster = config_cluster.map(str::to_owned);
        let written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        written
            .iter()
            .try_for_each(|path| write_yaml(path, &description))
    }

    /// Returns once a controller pass that started after this call has
    /// finished: everything written before it is reconciled.
    pub async fn reconciled(&self) {
        let mut passes = self.passes.subscribe();
        let started = passes.borrow_and_update().started;
        self.kick.notify_one();
        // The sender lives as long as `self`.
        let _ = passes.wait_for(|p| p.finished > started).await;
    }

    pub(crate) fn pass_started(&self) {
        self.passes.send_modify(|p| p.started += 1);
    }

    pub(crate) fn pass_finished(&self) {
        self.passes.send_modify(|p| p.finished += 1);
    }
}

/// Counts of controller passes; passes run one at a time.
#[derive(Debug, Clone, Copy, Default)]
struct Passes {
    started: u64,
    finished: u64,
}

fn write_yaml(path: &Path, description: &FleetDescription) -> io::Result<()> {
    let text = serde_yaml::to_string(description).map_err(io::Error::other)?;
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> Vec<HubMember> {
        ["gke-us", "gke-eu"]
            .iter()
            .map(|n| HubMember {
                name: (*n).into(),
                location: String::new(),
            })
            .collect()
    }

    #[test]
    fn a_non_member_is_refused_and_changes_nothing() {
        let hub = Hub::new(members(), None, None);
        assert_eq!(hub.config_cluster(), None);
        let err = hub.set_config_cluster("gke-mars").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"gke-mars\" is not a member of the fleet; members: gke-us, gke-eu"
        );
        assert_eq!(hub.config_cluster(), None);
        hub.set_config_cluster("gke-eu").unwrap();
        assert_eq!(hub.config_cluster().as_deref(), Some("gke-eu"));
    }

    #[test]
    fn the_choice_is_remembered_in_the_state_dir() {
        let dir = std::env::temp_dir().join(format!("meshdeck-hub-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let hub = Hub::new(members(), None, Some(dir.clone()));
        hub.serving_on(4242).unwrap();
        hub.set_config_cluster("gke-eu").unwrap();
        let again = Hub::new(members(), None, Some(dir.clone()));
        assert_eq!(again.config_cluster().as_deref(), Some("gke-eu"));
        assert_eq!(again.remembered_port(), Some(4242));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
