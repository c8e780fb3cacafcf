//! Long operations the console drives (installs, per-namespace
//! migrations, wave runs): one [`RunBook`] keeps each kind's runs and
//! publishes their progress, and one [`StepRunner`] takes a stepped run
//! through its steps. The progress types are `shared`'s; [`Run`] is what
//! the book needs of them.

mod book;
mod steps;

pub(crate) use self::book::lock;
pub use self::book::{Run, RunBook};
pub use self::steps::{StepJob, StepRunner, Stepped};
