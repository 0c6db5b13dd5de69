//! PKI behind the model's port (placeholder until the real PKI lands).
pub mod off;
pub use off::OffPki;
