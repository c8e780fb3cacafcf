//! Keeps the wizard's HSM check current: whenever the HSM settings as typed
//! are well formed, asks the backend (after a pause in typing) whether
//! istiod could use them, and puts the answer into the wizard's context so
//! preflight re-runs on it. Answers for settings no longer typed are
//! dropped.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::mesh::form::SettingsForm;
use shared::mesh::{CaMode, HsmSettings};

use super::wizard::Wizard;
use crate::api;

/// How long typing must pause before the settings are checked.
const DEBOUNCE: Duration = Duration::from_millis(400);

/// The HSM settings of `form` as parsing trims them.
pub fn typed(form: &SettingsForm) -> HsmSettings {
    let h = &form.hsm;
    HsmSettings {
        slot_label: h.slot_label.trim().to_owned(),
        kek_id: h.kek_id.trim().to_owned(),
        vault_addr: h.vault_addr.trim().to_owned(),
        secret_path: h.secret_path.trim().to_owned(),
    }
}

/// The HSM settings to check: those typed, when CA = HSM and they are well
/// formed.
pub fn checkable(w: Wizard) -> Memo<Option<HsmSettings>> {
    Memo::new(move |_| {
        w.form.with(|f| {
            let f = f.as_ref().filter(|f| f.ca == CaMode::Hsm)?;
            Some(typed(f)).filter(|s| s.problems().is_empty())
        })
    })
}

/// Follows the wizard's HSM settings for as long as the wizard lives.
pub fn follow(w: Wizard) {
    let wanted = checkable(w);
    // Only the context's arrival matters here, not its HSM answer (which
    // this very effect writes).
    let context_loaded = Memo::new(move |_| w.context.with(|c| matches!(c, Some(Ok(_)))));
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let settings = wanted.get();
        let loaded = context_loaded.get();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        pending.set_value(None);
        generation.update_value(|g| *g += 1);
        w.hsm_check_error.set(None);
        let (Some(settings), true, Some(cluster)) = (settings, loaded, w.cluster.get_untracked())
        else {
            w.hsm_checking.set(false);
            return;
        };
        let asked = generation.get_value();
        w.hsm_checking.set(true);
        let check = move || {
            spawn_local(async move {
                let answer = api::hsm::check(cluster.clone(), settings.clone()).await;
                let current = generation.try_get_value() == Some(asked)
                    && w.cluster.try_get_untracked().flatten().as_deref() == Some(cluster.as_str());
                if !current {
                    return;
                }
                w.hsm_checking.set(false);
                match answer {
                    Ok(readiness) if readiness.settings == settings => w.context.update(|c| {
                        if let Some(Ok(ctx)) = c {
                            ctx.hsm = Some(readiness);
                        }
                    }),
                    // Checked something else: not an answer for these.
                    Ok(_) => {}
                    Err(error) => w.hsm_check_error.set(Some(error.with_cluster(cluster))),
                }
            });
        };
        pending.set_value(set_timeout_with_handle(check, DEBOUNCE).ok());
    });
    on_cleanup(move || {
        if let Some(handle) = pending.try_get_value().flatten() {
            handle.clear();
        }
    });
}
