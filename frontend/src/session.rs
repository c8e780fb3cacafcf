//! The signed-in session as app-wide context: checked once at start, set
//! by the sign-in page, cleared by sign-out or by any request that finds
//! the session gone.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::{Account, SessionInfo};

use crate::api;

/// Who is signed in, shared by every component.
#[derive(Clone, Copy)]
pub struct Auth {
    session: RwSignal<Option<SessionInfo>>,
    /// False until the first `GET /api/session` has answered.
    pub checked: RwSignal<bool>,
    /// True while a sign-out is on its way: the session's pages are gone
    /// already, so nothing polls a session that is about to end.
    pub signing_out: RwSignal<bool>,
}

impl Auth {
    /// Creates the context and asks the backend who is signed in.
    pub fn provide() -> Self {
        let auth = Self {
            session: RwSignal::new(None),
            checked: RwSignal::new(false),
            signing_out: RwSignal::new(false),
        };
        provide_context(auth);
        api::on_signed_out(move || auth.set(None));
        spawn_local(async move {
            auth.set(api::session::get_session().await.ok().flatten());
            auth.checked.set(true);
        });
        auth
    }

    pub fn get() -> Self {
        expect_context::<Auth>()
    }

    /// Records a new session (or none), with the CSRF token the API client
    /// must echo.
    pub fn set(self, session: Option<SessionInfo>) {
        api::set_csrf_token(session.as_ref().map_or("", |s| s.csrf_token.as_str()));
        self.session.set(session);
    }

    /// The signed-in account, tracked; none while signing out.
    pub fn account(self) -> Option<Account> {
        if self.signing_out.get() {
            return None;
        }
        self.session.with(|s| s.as_ref().map(|s| s.account.clone()))
    }

    /// Whether the signed-in role may do `action`, tracked.
    pub fn may(self, action: shared::Action) -> bool {
        self.account().is_some_and(|a| a.role.may(action))
    }

    /// Ends the session: first every page using it, then the session on
    /// the server (whatever it answers, this browser is signed out).
    pub async fn sign_out(self) {
        self.signing_out.set(true);
        let provider_logout = api::session::sign_out().await.ok().flatten();
        self.set(None);
        self.signing_out.set(false);
        // Signed in through an OpenID provider: end its session too.
        if let Some(url) = provider_logout {
            let _ = window().location().set_href(&url);
        }
    }

    /// Whether the session came from an authenticating proxy (no sign-out).
    pub fn via_proxy(self) -> bool {
        self.session
            .with(|s| s.as_ref().is_some_and(|s| s.via == "proxy"))
    }
}
