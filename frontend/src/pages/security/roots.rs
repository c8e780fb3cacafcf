//! The mesh roots (issue 21: roots are the security officer's): every role
//! sees each root with its fingerprint, validity and who created it;
//! officers create a mesh's root in the HSM token, import one whose key
//! the HSM's own tooling generated there, and retire one, each after a
//! confirmation naming what happens to key material.

use leptos::prelude::*;
use shared::ApiError;
use shared::csr::{MeshRoot, MeshRoots as MeshRootList, RootState};
use shared::mesh::MeshId;
use shared::mesh::settings::suggested_mesh_id;
use shared::time::format_utc;

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loaded;
use crate::live_fleet::LiveFleet;
use crate::session::Auth;

/// What an officer is asked to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    Create(MeshId),
    Import {
        mesh: MeshId,
        pem: String,
    },
    Retire {
        fingerprint: String,
        mesh: MeshId,
        imported: bool,
    },
}

/// What the last act did.
type Outcome = Result<(Pending, MeshRoot), ApiError>;

fn row(root: MeshRoot, may_manage: bool, pending: RwSignal<Option<Pending>>) -> impl IntoView {
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
            <td>{retirable.then(|| view! {
                <button on:click=move |_| pending.set(Some(retire.clone()))>"Retire"</button>
            })}</td>
        </tr>
    }
}

fn confirmation(
    asked: Pending,
    pending: RwSignal<Option<Pending>>,
    act: Action<Pending, Outcome>,
) -> impl IntoView {
    let (question, button) = match &asked {
        Pending::Create(mesh) => (
            format!(
                "Create the root of mesh {mesh}? An EC P-256 key pair is generated in the HSM token (PKCS#11), where its private key stays, and a self-signed root certificate valid for 10 years is stored beside it. Istio CA and HSM installs of mesh {mesh} will issue from it."
            ),
            "Create root in the HSM token",
        ),
        Pending::Import { mesh, .. } => (
            format!(
                "Import this certificate as the root of mesh {mesh}? The HSM token must already hold its key pair (sensitive, never extractable); the console stores only the certificate beside it. Istio CA and HSM installs of mesh {mesh} will issue from it."
            ),
            "Import root",
        ),
        Pending::Retire {
            fingerprint,
            mesh,
            imported,
        } => (
            format!(
                "Retire root {fingerprint} of mesh {mesh}? {} Nothing can be signed with it again. Refused while a cluster still chains to it.",
                if *imported {
                    "Its certificate leaves the HSM token; its key pair, made by the HSM's own tooling, stays there."
                } else {
                    "Its key pair and certificate are destroyed in the HSM token."
                }
            ),
            "Retire root",
        ),
    };
    view! {
        <div class="confirm mesh-root-confirm" role="dialog" aria-label="Confirm">
            <p>{question}</p>
            <button class="primary" disabled=move || act.pending().get() on:click=move |_| { act.dispatch(asked.clone()); }>{button}</button>
            " "
            <button on:click=move |_| pending.set(None)>"Cancel"</button>
        </div>
    }
}

#[component]
pub fn MeshRoots() -> impl IntoView {
    let auth = Auth::get();
    let may_manage = Memo::new(move |_| auth.may(shared::Action::ManageCa));
    let roots = LocalResource::new(api::roots::list);
    let pending = RwSignal::new(None::<Pending>);
    let act: Action<Pending, Outcome> = Action::new_local(move |asked: &Pending| {
        let asked = asked.clone();
        async move {
            let done = match &asked {
                Pending::Create(mesh) => api::roots::create(mesh.clone()).await,
                Pending::Import { mesh, pem } => {
                    api::roots::import(mesh.clone(), pem.clone()).await
                }
                Pending::Retire { fingerprint, .. } => {
                    api::roots::retire(fingerprint.clone()).await
                }
            };
            pending.set(None);
            roots.refetch();
            done.map(|root| (asked, root))
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
        <h2>"Mesh roots"</h2>
        <p class="muted">"Istio CA (plug-in certificates) and HSM installs issue from their mesh's root, kept in the console's HSM token. Only a security officer creates or retires one; no install creates key material."</p>
        {move || act.value().get().map(|done| match done {
            Err(error) => view! { <ErrorView error/> }.into_any(),
            Ok((Pending::Create(mesh), root)) => view! {
                <p class="notice" role="status">"Created the root of mesh " {mesh.to_string()} " in the HSM token: SHA-256 " <code>{root.fingerprint}</code></p>
            }.into_any(),
            Ok((Pending::Import { mesh, .. }, root)) => view! {
                <p class="notice" role="status">"Imported the root of mesh " {mesh.to_string()} ": SHA-256 " <code>{root.fingerprint}</code></p>
            }.into_any(),
            Ok((Pending::Retire { mesh, .. }, root)) => view! {
                <p class="notice" role="status">"Retired root " <code>{root.fingerprint}</code> " of mesh " {mesh.to_string()} "."</p>
            }.into_any(),
        })}
        {move || pending.get().map(|asked| confirmation(asked, pending, act))}
        <Loaded what="the mesh roots" resource=roots ok=move |list: MeshRootList| {
            let may = may_manage.get();
            let empty = list.roots.is_empty().then(|| view! {
                <p class="muted mesh-roots-empty">"No mesh root yet: a security officer creates one before Istio CA or HSM installs."</p>
            });
            view! {
                {empty}
                <table class="mesh-roots">
                    <thead><tr><th>"Mesh"</th><th>"State"</th><th>"Root (SHA-256)"</th><th>"Subject"</th><th>"Valid"</th><th>"Created"</th><th></th></tr></thead>
                    <tbody>{list.roots.into_iter().map(|r| row(r, may, pending)).collect_view()}</tbody>
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
