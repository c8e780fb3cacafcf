//! Reusable pieces of the console.

pub mod confirm_dialog;
pub mod diff_view;
pub mod error_view;
pub mod field;
pub mod health;
pub mod loading;
pub mod revision;
pub mod status_badge;
pub mod status_bar;
pub mod steps;
pub mod topology;
pub mod user_slot;
