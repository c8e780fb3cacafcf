//! Reusable pieces of the console.

pub mod error_view;
pub mod loading;
pub mod status_bar;
pub mod user_slot;
