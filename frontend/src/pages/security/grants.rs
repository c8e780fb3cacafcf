//! Issuance grants (issue 21: intermediates are officer decisions): every
//! role sees which clusters may have their intermediate CA issued from the
//! mesh root, for which trust domain, how long, and which officers agreed;
//! officers propose one, a second officer approves it, and any officer
//! revokes it, each after a confirmation naming the clusters.

use std::fmt;

use leptos::prelude::*;
use shared::csr::{
    GrantProblem, GrantState, IssuanceGrant, IssuanceGrants as IssuanceGrantList, ProposeGrant,
};
use shared::ids::ClusterName;
use shared::mesh::settings::{suggested_mesh_id, trust_domain};
use shared::mesh::{CaMode, MeshId};
use shared::time::format_utc;
use shared::{ApiError, InvalidName};

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loaded;
use crate::live_fleet::LiveFleet;
use crate::session::Auth;

/// What an officer is asked to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Asked {
    Propose(ProposeGrant),
    Approve(IssuanceGrant),
    Revoke(IssuanceGrant),
}

type Outcome = Result<(Asked, IssuanceGrant), ApiError>;

fn clusters_of(grant: &IssuanceGrant) -> String {
    joined(&grant.clusters)
}

fn joined(clusters: &[ClusterName]) -> String {
    clusters
        .iter()
        .map(ClusterName::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn question(asked: &Asked) -> (String, &'static str) {
    match asked {
        Asked::Propose(p) => (
            format!(
                "Propose that installs may issue the intermediate CA of {} from the root of mesh {} for trust domain {}, each intermediate valid {} days, for the next {} days? It is active only once another security officer approves it.",
                joined(&p.clusters),
                p.mesh,
                p.trust_domain,
                p.validity_days,
                p.grant_days
            ),
            "Propose grant",
        ),
        Asked::Approve(g) => (
            format!(
                "Approve grant {} proposed by {}? Installs on {} may then issue intermediate CAs of mesh {} from its root {} for trust domain {}, each valid {} days, until {}.",
                g.id,
                g.proposed_by,
                clusters_of(g),
                g.mesh,
                g.root_fingerprint,
                g.trust_domain,
                g.validity_days,
                format_utc(g.expires_at)
            ),
            "Approve grant",
        ),
        Asked::Revoke(g) => (
            format!(
                "Revoke grant {}? Installs on {} stop issuing intermediates under it at once; intermediates already issued stay valid until they expire.",
                g.id,
                clusters_of(g)
            ),
            "Revoke grant",
        ),
    }
}

/// The first bytes of a fingerprint, enough to tell roots apart at a
/// glance (the whole one is its title).
fn short_fingerprint(fingerprint: &str) -> String {
    match fingerprint.get(..23) {
        Some(start) if fingerprint.len() > 23 => format!("{start}…"),
        _ => fingerprint.to_owned(),
    }
}

fn row(
    grant: IssuanceGrant,
    me: Option<String>,
    may_manage: bool,
    asked: RwSignal<Option<Asked>>,
) -> impl IntoView {
    let approvals = format!(
        "{} of {} ({})",
        grant.approvals.len(),
        grant.required,
        grant.approvals.join(", ")
    );
    let mine = me.is_some_and(|me| grant.approvals.contains(&me));
    let approvable = may_manage && grant.state == GrantState::Proposed && !mine;
    let revocable = may_manage && matches!(grant.state, GrantState::Proposed | GrantState::Active);
    let revoked = grant.revoked_by.clone().map(|o| {
        format!(
            "revoked by {o}, {}",
            grant.revoked_at.map(format_utc).unwrap_or_default()
        )
    });
    let (approve, revoke) = (grant.clone(), grant.clone());
    view! {
        <tr data-id=grant.id.clone() data-state=grant.state.label()>
            <td><code>{grant.id.clone()}</code></td>
            <td><span class=format!("badge grant-{}", grant.state.label().replace(' ', "-"))>{grant.state.label()}</span></td>
            <td>{grant.mesh.to_string()}<br/><span class="muted small" title=grant.root_fingerprint.clone()>"root " {short_fingerprint(&grant.root_fingerprint)}</span></td>
            <td>{clusters_of(&grant)}</td>
            <td>{grant.trust_domain.to_string()}</td>
            <td>{grant.validity_days} " days"</td>
            <td class="small">{format_utc(grant.expires_at)}</td>
            <td class="small approvals">{approvals} {revoked.map(|r| view! { <br/><span class="muted">{r}</span> })}</td>
            <td>
                {approvable.then(|| view! {
                    <button on:click=move |_| asked.set(Some(Asked::Approve(approve.clone())))>"Approve"</button>
                })}
                {revocable.then(|| view! {
                    <button on:click=move |_| asked.set(Some(Asked::Revoke(revoke.clone())))>"Revoke"</button>
                })}
            </td>
        </tr>
    }
}

/// The propose form's fields, as typed.
#[derive(Clone, Copy)]
struct Form {
    mesh: RwSignal<String>,
    clusters: RwSignal<Vec<String>>,
    trust_domain: RwSignal<String>,
    validity_days: RwSignal<String>,
    grant_days: RwSignal<String>,
}

/// What is wrong with the propose form's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FormProblem {
    /// A mesh id, cluster name or trust domain that is not one (the
    /// refusal names which).
    Name(InvalidName),
    /// A number of days that is not a whole number; names the field.
    Days(&'static str),
    /// The proposal's own rules.
    Grant(GrantProblem),
}

impl fmt::Display for FormProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(e) => e.fmt(f),
            Self::Days(field) => write!(f, "{field}: a whole number of days"),
            Self::Grant(e) => e.fmt(f),
        }
    }
}

impl Form {
    /// The proposal, or what is wrong with the fields.
    fn parse(self) -> Result<ProposeGrant, FormProblem> {
        let mesh: MeshId = self.mesh.get().trim().parse().map_err(FormProblem::Name)?;
        let clusters = self
            .clusters
            .get()
            .iter()
            .map(|c| c.parse::<ClusterName>().map_err(FormProblem::Name))
            .collect::<Result<Vec<_>, _>>()?;
        let trust_domain = self
            .trust_domain
            .get()
            .trim()
            .parse()
            .map_err(FormProblem::Name)?;
        let days = |s: String, field: &'static str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| FormProblem::Days(field))
        };
        let proposal = ProposeGrant {
            mesh,
            clusters,
            trust_domain,
            validity_days: days(self.validity_days.get(), "intermediate validity")?,
            grant_days: days(self.grant_days.get(), "grant duration")?,
        };
        proposal.check().map_err(FormProblem::Grant)?;
        Ok(proposal)
    }
}

/// An officer's proposal: mesh, trust domain, validity and clusters, the
/// fleet's suggestions filled in; proposing asks first.
#[component]
fn ProposeForm(asked: RwSignal<Option<Asked>>) -> impl IntoView {
    let fleet = LiveFleet::get().fleet();
    let form = Form {
        mesh: RwSignal::new(String::new()),
        clusters: RwSignal::new(Vec::new()),
        trust_domain: RwSignal::new(String::new()),
        validity_days: RwSignal::new("90".into()),
        grant_days: RwSignal::new("30".into()),
    };
    // The fleet's suggestions fill empty fields once the fleet is known.
    Effect::new(move |_| {
        fleet.with(|f| {
            let Some(f) = f else { return };
            if form.mesh.get_untracked().is_empty()
                && let Some(mesh) = f.clusters.iter().find_map(|c| suggested_mesh_id(f, c))
            {
                form.mesh.set(mesh.to_string());
            }
            if form.trust_domain.get_untracked().is_empty()
                && let Ok(td) = trust_domain(f, CaMode::IstioCaPluginCerts)
            {
                form.trust_domain.set(td.to_string());
            }
        });
    });
    let names = move || {
        fleet.with(|f| {
            f.iter()
                .flat_map(|f| f.clusters.iter().map(|c| c.name().to_string()))
                .collect::<Vec<_>>()
        })
    };
    let parsed = Memo::new(move |_| form.parse());
    view! {
            <fieldset class="grant-propose">
                <legend>"Propose a grant"</legend>
                <label>"Mesh " <input name="mesh" prop:value=form.mesh on:input=move |e| form.mesh.set(event_target_value(&e))/></label>
                <label>"Trust domain " <input name="trust-domain" prop:value=form.trust_domain on:input=move |e| form.trust_domain.set(event_target_value(&e))/></label>
                <label>"Intermediate validity (days) " <input name="validity-days" inputmode="numeric" prop:value=form.validity_days on:input=move |e| form.validity_days.set(event_target_value(&e))/></label>
                <label>"Grant holds for (days) " <input name="grant-days" inputmode="numeric" prop:value=form.grant_days on:input=move |e| form.grant_days.set(event_target_value(&e))/></label>
                <div class="grant-clusters">
                    {move || names().into_iter().map(|name| {
                        let value = name.clone();
                        let checked = {
                            let name = name.clone();
                            move || form.clusters.with(|c| c.contains(&name))
                        };
                        view! {
                            <label><input type="checkbox" name="clusters" value=name.clone() prop:checked=checked
                                on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    form.clusters.update(|c| {
                                        c.retain(|n| *n != value);
                                        if on { c.push(value.clone()); }
                                    });
                                }/>" " {name}</label>
                        }
                    }).collect_view()}
                </div>
                {move || parsed.get().err().map(|why| view! { <p class="field-error">{why.to_string()}</p> })}
                <button class="primary" disabled=move || parsed.get().is_err()
                    on:click=move |_| if let Ok(p) = parsed.get() { asked.set(Some(Asked::Propose(p))); }>"Propose grant"</button>
            </fieldset>
    }
}

#[component]
pub fn IssuanceGrants() -> impl IntoView {
    let auth = Auth::get();
    let may_manage = Memo::new(move |_| {
        auth.account()
            .is_some_and(|a| a.role.may(shared::Action::ManageCa))
    });
    let grants = LocalResource::new(api::grants::list);
    let asked = RwSignal::new(None::<Asked>);
    let act: Action<Asked, Outcome> = Action::new_local(move |a: &Asked| {
        let a = a.clone();
        async move {
            let done = match &a {
                Asked::Propose(p) => api::grants::propose(p.clone()).await,
                Asked::Approve(g) => api::grants::approve(g.id.clone()).await,
                Asked::Revoke(g) => api::grants::revoke(g.id.clone()).await,
            };
            asked.set(None);
            grants.refetch();
            done.map(|g| (a, g))
        }
    });
    let propose_form = move || may_manage.get().then(|| view! { <ProposeForm asked/> });
    view! {
        <h2 id=shared::audit_links::anchors::GRANTS>"Issuance grants"</h2>
        <p class="muted">"An Istio CA install issues its cluster's intermediate CA from the mesh root only under an active grant: proposed by one security officer, approved by another, revocable at any time."</p>
        {move || act.value().get().map(|done| match done {
            Err(error) => view! { <ErrorView error/> }.into_any(),
            Ok((_, grant)) => view! {
                <p class="notice" role="status">"Grant " <code>{grant.id.clone()}</code> " is " {grant.state.label()} " (" {grant.approvals.len()} " of " {grant.required} " officers)."</p>
            }.into_any(),
        })}
        {move || asked.get().map(|a| {
            let (text, button) = question(&a);
            view! {
                <div class="confirm grant-confirm" role="dialog" aria-label="Confirm">
                    <p>{text}</p>
                    <button class="primary" disabled=move || act.pending().get() on:click=move |_| { act.dispatch(a.clone()); }>{button}</button>
                    " "
                    <button on:click=move |_| asked.set(None)>"Cancel"</button>
                </div>
            }
        })}
        <Loaded what="the issuance grants" resource=grants ok=move |list: IssuanceGrantList| {
            let may = may_manage.get();
            let me = auth.account().map(|a| a.name.clone());
            let empty = list.grants.is_empty().then(|| view! {
                <p class="muted issuance-grants-empty">"No grant yet: Istio CA installs cannot issue intermediates."</p>
            });
            view! {
                {empty}
                <table class="issuance-grants">
                    <thead><tr><th>"Grant"</th><th>"State"</th><th>"Mesh"</th><th>"Clusters"</th><th>"Trust domain"</th><th>"Intermediates"</th><th>"Until"</th><th>"Officers"</th><th></th></tr></thead>
                    <tbody>{list.grants.into_iter().map(|g| row(g, me.clone(), may, asked)).collect_view()}</tbody>
                </table>
            }
        }/>
        {propose_form}
    }
}
