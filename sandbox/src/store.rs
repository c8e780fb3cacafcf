//! One cluster's object storage: every object by resource, namespace and
//! name, a monotonically increasing resourceVersion, the recent event history
//! that watches resume from, and an optional journal on disk.
//!
//! The journal is JSON lines, one per write, replayed at start and then
//! rewritten compacted (temp file + rename). A torn last line (a crash
//! mid-write) fails to parse and is dropped, so no half object ever loads.

use std::collections::{BTreeMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::broadcast;

/// How many past events a watch can resume from before it gets 410 Gone.
const HISTORY: usize = 20_000;

/// (resource key, namespace or "", name).
pub type ObjKey = (String, String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "ADDED")]
    Added,
    #[serde(rename = "MODIFIED")]
    Modified,
    #[serde(rename = "DELETED")]
    Deleted,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Added => "ADDED",
            EventKind::Modified => "MODIFIED",
            EventKind::Deleted => "DELETED",
        }
    }
}

/// A change, as watches deliver it.
#[derive(Debug, Clone)]
pub struct Event {
    pub rv: u64,
    pub resource: Arc<str>,
    pub namespace: String,
    pub kind: EventKind,
    pub object: Arc<Value>,
}

/// The resourceVersion asked for is older than the history kept.
#[derive(Debug)]
pub struct Expired {
    pub oldest: u64,
}

struct Inner {
    rv: u64,
    objects: BTreeMap<ObjKey, Arc<Value>>,
    history: VecDeque<Event>,
    /// Events at or below this version are no longer in `history`.
    compacted: u64,
    journal: Option<BufWriter<File>>,
}

pub struct Store {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Event>,
}

#[derive(Deserialize)]
struct JournalLine {
    rv: u64,
    r: String,
    ns: String,
    n: String,
    /// Absent for a deletion.
    #[serde(default)]
    o: Option<Value>,
}

/// A [`JournalLine`] as written: borrows the key and the stored object, so
/// journalling a write copies nothing.
#[derive(Serialize)]
struct JournalRef<'a> {
    rv: u64,
    r: &'a str,
    ns: &'a str,
    n: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    o: Option<&'a Value>,
}

impl Store {
    /// An in-memory store.
    pub fn memory() -> Self {
        Self::with(Inner {
            rv: 1,
            objects: BTreeMap::new(),
            history: VecDeque::new(),
            compacted: 1,
            journal: None,
        })
    }

    /// A store kept in `path` (created if missing).
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let mut rv = 1;
        let mut objects = BTreeMap::new();
        if path.exists() {
            for line in BufReader::new(File::open(path)?).lines() {
                let Ok(line) = serde_json::from_str::<JournalLine>(&line?) else {
                    break; // a torn write: everything before it is whole
                };
                rv = rv.max(line.rv);
                let key = (line.r, line.ns, line.n);
                match line.o {
                    Some(o) => objects.insert(key, Arc::new(o)),
                    None => objects.remove(&key),
                };
            }
        }
        let journal = rewrite_compacted(path, rv, &objects)?;
        Ok(Self::with(Inner {
            rv,
            objects,
            history: VecDeque::new(),
            compacted: rv,
            journal: Some(journal),
        }))
    }

    fn with(inner: Inner) -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            inner: Mutex::new(inner),
            tx,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    pub fn get(&self, resource: &str, namespace: &str, name: &str) -> Option<Arc<Value>> {
        self.lock()
            .objects
            .get(&(resource.to_owned(), namespace.to_owned(), name.to_owned()))
            .cloned()
    }

    /// Objects of `resource`, in one namespace or all, sorted by namespace
    /// and name, with the version the list reflects.
    pub fn list(&self, resource: &str, namespace: Option<&str>) -> (Vec<Arc<Value>>, u64) {
        let inner = self.lock();
        let start = (
            resource.to_owned(),
            namespace.unwrap_or("").to_owned(),
            String::new(),
        );
        let items = inner
            .objects
            .range(start..)
            .take_while(|((r, ns, _), _)| r == resource && namespace.is_none_or(|n| n == ns))
            .map(|(_, v)| v.clone())
            .collect();
        (items, inner.rv)
    }

    /// Stores `object` (its `metadata.resourceVersion` is set to the new
    /// version) and tells the watchers. Returns the stored object.
    pub fn put(&self, resource: &str, namespace: &str, name: &str, mut object: Value) -> Value {
        let mut inner = self.lock();
        inner.rv += 1;
        let rv = inner.rv;
        object["metadata"]["resourceVersion"] = Value::String(rv.to_string());
        let key = (resource.to_owned(), namespace.to_owned(), name.to_owned());
        write_journal(&mut inner, rv, &key, Some(&object));
        let stored = Arc::new(object);
        let kind = match inner.objects.insert(key.clone(), stored.clone()) {
            Some(_) => EventKind::Modified,
            None => EventKind::Added,
        };
        self.publish(&mut inner, rv, key, kind, stored.clone());
        // The caller's copy; the store and the watchers share `stored`.
        (*stored).clone()
    }

    /// Removes an object; the DELETED event carries it at a new version.
    pub fn remove(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        let mut inner = self.lock();
        let key = (resource.to_owned(), namespace.to_owned(), name.to_owned());
        let old = inner.objects.remove(&key)?;
        inner.rv += 1;
        let rv = inner.rv;
        // Unshared (no list or watch holds it), the old object is reused.
        let mut object = Arc::unwrap_or_clone(old);
        object["metadata"]["resourceVersion"] = Value::String(rv.to_string());
        write_journal(&mut inner, rv, &key, None);
        let object = Arc::new(object);
        self.publish(&mut inner, rv, key, EventKind::Deleted, object.clone());
        Some((*object).clone())
    }

    fn publish(
        &self,
        inner: &mut Inner,
        rv: u64,
        key: ObjKey,
        kind: EventKind,
        object: Arc<Value>,
    ) {
        let event = Event {
            rv,
            resource: key.0.into(),
            namespace: key.1,
            kind,
            object,
        };
        if inner.history.len() == HISTORY
            && let Some(dropped) = inner.history.pop_front()
        {
            inner.compacted = dropped.rv;
        }
        inner.history.push_back(event.clone());
        let _ = self.tx.send(event);
    }

    /// Events after `rv` (of any resource) and a receiver for those to
    /// come, taken atomically so nothing falls between them.
    pub fn watch_from(&self, rv: u64) -> Result<(Vec<Event>, broadcast::Receiver<Event>), Expired> {
        let inner = self.lock();
        if rv < inner.compacted {
            return Err(Expired {
                oldest: inner.compacted,
            });
        }
        let past = inner
            .history
            .iter()
            .filter(|e| e.rv > rv)
            .cloned()
            .collect();
        Ok((past, self.tx.subscribe()))
    }

    /// A receiver for every event to come (of any resource).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    /// A snapshot of `resource` plus a receiver for later events, atomically.
    pub fn list_and_watch(
        &self,
        resource: &str,
        namespace: Option<&str>,
    ) -> (Vec<Arc<Value>>, u64, broadcast::Receiver<Event>) {
        let rx = {
            let _inner = self.lock();
            self.tx.subscribe()
        };
        // Events published between subscribe and list are filtered by rv.
        let (items, rv) = self.list(resource, namespace);
        (items, rv, rx)
    }

    /// Forgets the event history, as an apiserver's compaction does: any
    /// watch resuming from an older version gets 410 Gone.
    pub fn compact(&self) {
        let mut inner = self.lock();
        inner.history.clear();
        inner.compacted = inner.rv;
    }

    /// Number of stored objects (all resources).
    pub fn len(&self) -> usize {
        self.lock().objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn write_journal(inner: &mut Inner, rv: u64, key: &ObjKey, object: Option<&Value>) {
    let Some(journal) = inner.journal.as_mut() else {
        return;
    };
    let line = JournalRef {
        rv,
        r: &key.0,
        ns: &key.1,
        n: &key.2,
        o: object,
    };
    let written = serde_json::to_writer(&mut *journal, &line)
        .map_err(std::io::Error::other)
        .and_then(|()| journal.write_all(b"\n"))
        .and_then(|()| journal.flush());
    if let Err(err) = written {
        tracing::error!(error = %err, "sandbox journal write failed; state after this point may be lost on restart");
    }
}

fn rewrite_compacted(
    path: &Path,
    rv: u64,
    objects: &BTreeMap<ObjKey, Arc<Value>>,
) -> std::io::Result<BufWriter<File>> {
    let tmp: PathBuf = path.with_extension("journal.tmp");
    {
        let mut out = BufWriter::new(File::create(&tmp)?);
        for ((r, ns, n), o) in objects {
            let line = JournalRef {
                rv,
                r,
                ns,
                n,
                o: Some(o),
            };
            serde_json::to_writer(&mut out, &line).map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        out.get_ref().sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(BufWriter::new(OpenOptions::new().append(true).open(path)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_increase_and_lists_filter_by_namespace() {
        let store = Store::memory();
        let a = store.put("pods", "blue", "a", json!({"metadata": {"name": "a"}}));
        let b = store.put("pods", "red", "b", json!({"metadata": {"name": "b"}}));
        store.put("services", "blue", "a", json!({"metadata": {"name": "a"}}));
        assert!(
            b["metadata"]["resourceVersion"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                > a["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
        );
        assert_eq!(store.list("pods", Some("blue")).0.len(), 1);
        assert_eq!(store.list("pods", None).0.len(), 2);
        assert!(store.remove("pods", "blue", "a").is_some());
        assert!(store.get("pods", "blue", "a").is_none());
    }

    #[test]
    fn watch_resumes_from_history_and_expires_after_compaction() {
        let store = Store::memory();
        let start = store.current_rv();
        store.put("pods", "blue", "a", json!({"metadata": {}}));
        store.remove("pods", "blue", "a");
        let (past, _rx) = store.watch_from(start).unwrap();
        let kinds: Vec<_> = past.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![EventKind::Added, EventKind::Deleted]);
        store.compact();
        assert!(store.watch_from(start).is_err());
        assert!(store.watch_from(store.current_rv()).is_ok());
    }

    #[test]
    fn journal_survives_restart_and_ignores_a_torn_line() {
        let dir = std::env::temp_dir().join(format!("sandbox-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.journal");
        let _ = std::fs::remove_file(&path);
        {
            let store = Store::open(&path).unwrap();
            store.put("pods", "blue", "a", json!({"metadata": {"name": "a"}}));
            store.put("pods", "blue", "b", json!({"metadata": {"name": "b"}}));
            store.remove("pods", "blue", "a");
        }
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"rv\":99,\"r\":\"pods\",\"ns\":\"blue\",\"n\":\"c\",\"o\":{\"meta")
            .unwrap();
        drop(f);
        let store = Store::open(&path).unwrap();
        assert!(store.get("pods", "blue", "a").is_none());
        assert!(store.get("pods", "blue", "b").is_some());
        assert!(store.get("pods", "blue", "c").is_none());
        let rv = store.current_rv();
        store.put("pods", "blue", "d", json!({"metadata": {}}));
        assert_eq!(store.current_rv(), rv + 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
