//! The mesh roots (issue 21: roots are the security officer's): every role
//! sees each root with its fingerprint, validity and who created it;
//! officers create a mesh's root in the HSM token, import one whose key
//! the HSM's own tooling generated there, rotate one and publish its
//! mesh's trust bundle, and retire one, each after a
//! confirmation naming what happens to key material.

use leptos::prelude::*;
use shared::csr::{MeshRoot, MeshRoots as MeshRootList, RootState, TrustInventory};
use shared::mesh::MeshId;
use shared::mesh::settings::suggested_mesh_id;
use shared::time::format_utc;

use super::root_acts::{Outcome, Pending, outcome, perform, question};
use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loaded;
use crate::live_fleet::LiveFleet;
use crate::session::Auth;

/// What a row offers besides retiring, read from the whole list and the
/// trust inventory.
struct RowContext {
    may_manage: bool,
    /// The row's mesh is rotating (it has a retiring root).
    rotating: bool,
    /// Clusters whose intermediates chain to a root of the row's mesh.
    chained: Vec<String>,
}

fn row(root: MeshRoot, context: RowContext, pending: RwSignal<Option<Pending>>) -> impl IntoView {
    let may_manage = context.may_manage;
    let active = may_manage && root.state == RootState::Active;
    let rotate = (active && !context.rotating).then(|| Pending::Rotate {
        fingerprint: root.fingerprint.clone(),
        mesh: root.mesh.clone(),
        chained: context.chained.clone(),
    });
    let publish = active.then(|| Pending::Publish {
        fingerprint: root.fingerprint.clone(),
        mesh: root.mesh.clone(),
        chained: context.chained.clone(),
    });
    let when = |t: Option<i64>| t.map(format_utc).unwrap_or_default();
    let retire = Pending::Retire {
        fingerprint: root.fingerprint.clone(),
        mesh: root.mesh.clone(),
        imported: root.imported,
    };
    let retirable = may_manage && root.state != RootState::Retired;
    let created = match &root.created_by {
        Some(officer) if root.imported => {
            format!("imported by {officer}, {}", when(root.created_at))
        }
        Some(officer) => format!("{officer}, {}", when(root.created_at)),
        None => "not recorded (made before roots were the officer's)".to_owned(),
    };
    let retired = root
        .retired_by
        .clone()
        .map(|officer| format!("retired by {officer}, {}", when(root.retired_at)));
    view! {
        <tr data-mesh=root.mesh.to_string() data-state=root.state.label()>
            <td>{root.mesh.to_string()}</td>
            <td><span class=format!("badge root-{}", root.state.label())>{root.state.label()}</span></td>
            <td><code class="fingerprint">{root.fingerprint.clone()}</code></td>
            <td>{root.subject.clone()}</td>
            <td class="small">{format_utc(root.not_before)} " – " {format_utc(root.not_after)}</td>
            <td class="small">{created} {retired.map(|r| view! { <br/><span class="muted">{r}</span> })}</td>
            <td>
                {rotate.map(|asked| view! {
                    <button on:click=move |_| pending.set(Some(asked.clone()))>"Rotate…"</button>
                })}
                {publish.map(|asked| view! {
                    <button on:click=move |_| pending.set(Some(asked.clone()))>"Publish trust bundle…"</button>
                })}
                {retirable.then(|| view! {
                    <button on:click=move |_| pending.set(Some(retire.clone()))>"Retire"</button>
                })}
            </td>
        </tr>
    }
}

fn confirmation(
    asked: Pending,
    pending: RwSignal<Option<Pending>>,
    act: Action<Pending, Outcome>,
) -> impl IntoView {
    let (question, button) = question(&asked);
    view! {
        <div class="confirm mesh-root-confirm" role="dialog" aria-label="Confirm">
            <p>{question}</p>
            <button class="primary" disabled=move || act.pending().get() on:click=move |_| { act.dispatch(asked.clone()); }>{button}</button>
            " "
            <button on:click=move |_| pending.set(None)>"Cancel"</button>
        </div>
    }
}

/// The clusters whose intermediates chain to a root of `mesh` in `roots`.
fn chained_to(
    roots: &[MeshRoot],
    mesh: &MeshId,
    inventory: Option<&TrustInventory>,
) -> Vec<String> {
    let Some(inventory) = inventory else {
        return Vec::new();
    };
    inventory
        .clusters
        .iter()
        .filter(|c| {
            roots.iter().any(|r| {
                r.mesh == *mesh
                    && r.state != RootState::Retired
                    && c.root_fingerprint.as_deref() == Some(r.fingerprint.as_str())
            })
        })
        .map(|c| c.cluster.clone())
        .collect()
}

#[component]
pub fn MeshRoots() -> impl IntoView {
    let auth = Auth::get();
    let may_manage = Memo::new(move |_| auth.may(shared::Action::ManageCa));
    let roots = LocalResource::new(api::roots::list);
    // Which clusters chain to which root, named in the confirmations.
    let trust = LocalResource::new(api::csr::trust);
    let pending = RwSignal::new(None::<Pending>);
    let act: Action<Pending, Outcome> = Action::new_local(move |asked: &Pending| {
        let asked = asked.clone();
        async move {
            let done = perform(&asked).await;
            pending.set(None);
            roots.refetch();
            trust.refetch();
            done.map(|done| (asked, done))
        }
    });
    // The fleet's mesh ids (one per fleet project) that have no active root.
    let fleet = LiveFleet::get().fleet();
    let missing = move |listed: &[MeshRoot]| {
        let mut meshes: Vec<MeshId> = fleet.with(|f| {
            f.iter()
                .flat_map(|f| f.clusters.iter().filter_map(|c| suggested_mesh_id(f, c)))
                .collect()
        });
        meshes.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        meshes.dedup();
        meshes.retain(|m| {
            !listed
                .iter()
                .any(|r| r.mesh == *m && r.state == RootState::Active)
        });
        meshes
    };
    let create_buttons = move || {
        if !may_manage.get() {
            return Vec::new();
        }
        let Some(Ok(list)) = roots.get() else {
            return Vec::new();
        };
        missing(&list.roots)
            .into_iter()
            .map(|mesh| {
                let label = format!("Create root for mesh {mesh}");
                let asked = Pending::Create(mesh.clone());
                view! {
                    <button class="primary" data-mesh=mesh.to_string() on:click=move |_| pending.set(Some(asked.clone()))>{label}</button>
                }
            })
            .collect::<Vec<_>>()
    };
    view! {
        <h2 id=shared::audit_links::anchors::MESH_ROOTS>"Mesh roots"</h2>
        <p class="muted">"Istio CA (plug-in certificates) and HSM installs issue from their mesh's root, kept in the console's HSM token. Only a security officer creates, imports, rotates or retires one; no install creates key material. During a rotation the new root signs and the old one stays trusted in every cluster's trust bundle until it is retired."</p>
        {move || act.value().get().map(|done| match done {
            Err(error) => view! { <ErrorView error/> }.into_any(),
            Ok((asked, done)) => outcome(asked, done),
        })}
        {move || pending.get().map(|asked| confirmation(asked, pending, act))}
        <Loaded what="the mesh roots" resource=roots ok=move |list: MeshRootList| {
            let may = may_manage.get();
            let inventory = trust.get().and_then(Result::ok);
            let empty = list.roots.is_empty().then(|| view! {
                <p class="muted mesh-roots-empty">"No mesh root yet: a security officer creates one before Istio CA or HSM installs."</p>
            });
            view! {
                {empty}
                <table class="mesh-roots">
                    <thead><tr><th>"Mesh"</th><th>"State"</th><th>"Root (SHA-256)"</th><th>"Subject"</th><th>"Valid"</th><th>"Created"</th><th></th></tr></thead>
                    <tbody>{list.roots.iter().cloned().map(|r| {
                        let context = RowContext {
                            may_manage: may,
                            rotating: list.roots.iter().any(|o| o.mesh == r.mesh && o.state == RootState::Retiring),
                            chained: chained_to(&list.roots, &r.mesh, inventory.as_ref()),
                        };
                        row(r, context, pending)
                    }).collect_view()}</tbody>
                </table>
            }
        }/>
        // Outside the list's Suspend, so it follows the live fleet too.
        <div class="mesh-root-create">{create_buttons}</div>
        {move || may_manage.get().then(|| view! { <ImportForm pending/> })}
    }
}

/// An officer's import of a root certificate whose key pair the HSM's
/// own tooling generated in the token (seed 004's `import-ca`).
#[component]
fn ImportForm(pending: RwSignal<Option<Pending>>) -> impl IntoView {
    let mesh = RwSignal::new(String::new());
    let pem = RwSignal::new(String::new());
    let problem = move || -> Option<String> {
        if let Err(e) = mesh.get().trim().parse::<MeshId>() {
            return Some(format!("Mesh: {e}"));
        }
        (!pem.get().contains("-----BEGIN CERTIFICATE-----"))
            .then(|| "Paste the root certificate (PEM)".to_owned())
    };
    let ask = move |_| {
        if let Ok(parsed) = mesh.get().trim().parse::<MeshId>() {
            pending.set(Some(Pending::Import {
                mesh: parsed,
                pem: pem.get(),
            }));
        }
    };
    view! {
        <details class="mesh-root-import">
            <summary>"Import a root whose key is already in the HSM"</summary>
            <label>"Mesh " <input name="import-mesh" prop:value=mesh on:input=move |e| mesh.set(event_target_value(&e))/></label>
            <label>"Root certificate (PEM) "
                <textarea name="import-pem" rows="6" prop:value=pem on:input=move |e| pem.set(event_target_value(&e))></textarea>
            </label>
            <p class="muted small">{move || problem().unwrap_or_else(|| "The certificate is self-signed with a P-256 key pair the HSM's tooling generated in the token.".to_owned())}</p>
            <button disabled=move || problem().is_some() on:click=ask>"Import root…"</button>
        </details>
    }
}
