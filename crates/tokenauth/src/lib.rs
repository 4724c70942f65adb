//! The tokenauth service: configuration, wiring and startup. The command line
//! in `main.rs` calls into this library, and so do the end-to-end tests.

pub mod commands;
pub mod settings;
pub mod startup;
pub mod telemetry;
mod value_shapes;
pub mod wiring;

pub use settings::Settings;
pub use startup::{Application, StartupError};
