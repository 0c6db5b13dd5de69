//! The parameter registry: every key a scenario file may hold, with its type, unit,
//! default, allowed values, meaning and **source** — a public document and what it
//! states, an estimate and why, or a decision the planner makes — and, for every
//! estimate, a plausible low and high a planner might meet. `whfb-sim params` prints it,
//! `sensitivity` varies the estimates over their ranges, and tests hold the embedded
//! default scenario, the validation messages and docs/model.md's table to it.
//!
//! It reads the scenario layer (to say whether a key matters for a scenario's variants)
//! and nothing reads back from it into the model.

pub mod level;
pub mod print;
pub mod registry;
#[cfg(test)]
mod tests;

pub use registry::{all, find};

use crate::scenario::{Scenario, Spec};
use serde::Serialize;

/// Where a default comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A public document states it (title, link and what it says).
    Published,
    /// Nothing published: a reasoned guess that a pilot should replace; it has a
    /// plausible low and high.
    Estimate,
    /// The planner chooses it (farm size, sync interval, patch level, population, …).
    Decision,
}

impl SourceKind {
    /// The name as `params` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Published => "published",
            SourceKind::Estimate => "estimate",
            SourceKind::Decision => "decision",
        }
    }
}

/// The source of a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Published, estimate or decision.
    pub kind: SourceKind,
    /// The document's title (published), or empty.
    pub title: &'static str,
    /// A public link to it (published), or empty.
    pub url: &'static str,
    /// What the document states (published), why the guess (estimate), or what the
    /// choice is (decision).
    pub says: &'static str,
}

/// What kind of value a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    /// A whole number.
    Integer,
    /// A real number.
    Number,
    /// A share or probability, 0 to 1.
    Share,
    /// A duration string (`"30m"`).
    Duration,
    /// A distribution of durations (inline table, or a bare duration for a fixed value).
    Distribution,
    /// `true` or `false`.
    Bool,
    /// One of a few words.
    Choice,
    /// Free text.
    Text,
    /// A list (durations, waves, fault windows).
    List,
}

impl Type {
    /// The name as `params` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Integer => "integer",
            Type::Number => "number",
            Type::Share => "share",
            Type::Duration => "duration",
            Type::Distribution => "distribution",
            Type::Bool => "bool",
            Type::Choice => "choice",
            Type::Text => "text",
            Type::List => "list",
        }
    }

    /// Whether `sensitivity` can vary a key of this type between a low and a high.
    pub fn is_variable(self) -> bool {
        matches!(
            self,
            Type::Integer | Type::Number | Type::Share | Type::Duration | Type::Distribution
        )
    }
}

/// Which configurations a key changes anything in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every configuration.
    Always,
    /// Certificate trust (AD FS enrollment, with or without KB4088889).
    Certificate,
    /// Certificate trust on a farm with at least one server without KB4088889.
    Unpatched,
    /// Certificate trust on a farm with at least one patched server.
    Patched,
    /// Certificate or key trust: the key must reach on-prem AD through Azure AD Connect.
    SyncedKey,
    /// Key trust only.
    KeyTrust,
    /// Devices not joined when the policy applies (`prerequisites.joined_share` < 1).
    Joining,
    /// Only with real cryptography or certificate checks (certificate trust).
    Pki,
}

impl Scope {
    /// Whether the key changes anything in `spec`.
    pub(crate) fn applies_to(self, spec: &Spec) -> bool {
        let cert = spec.trust.enrolls_certificate();
        let patched = spec.adfs.patched_servers();
        match self {
            Scope::Always => true,
            Scope::Certificate | Scope::Pki => cert,
            Scope::Unpatched => cert && patched < spec.adfs.servers,
            Scope::Patched => cert && patched > 0,
            Scope::SyncedKey => spec.trust.key_must_reach_ad(),
            Scope::KeyTrust => spec.trust.key_must_reach_dc(),
            Scope::Joining => spec.prerequisites.joined_share < 1.0,
        }
    }

    /// Why a key of this scope changes nothing in any variant of a scenario.
    pub(crate) fn why_not(self) -> &'static str {
        match self {
            Scope::Always => "",
            Scope::Certificate | Scope::Pki => "no variant uses certificate trust",
            Scope::Unpatched => "no variant has an AD FS server without KB4088889",
            Scope::Patched => "no variant has an AD FS server with KB4088889",
            Scope::SyncedKey => "no variant waits for Azure AD Connect to write the key to AD",
            Scope::KeyTrust => "no variant uses key trust",
            Scope::Joining => "every device is joined when the policy applies (joined_share = 1)",
        }
    }
}

/// One scenario key.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Param {
    /// Dotted key, as in `--set` (`aad_connect.interval`).
    pub key: &'static str,
    /// What it holds.
    #[serde(rename = "type", serialize_with = "ser_type")]
    pub ty: Type,
    /// The unit of a number (`s`, `users`, `servers`), or empty.
    pub unit: &'static str,
    /// The default, as TOML (as `whfb-sim scenario` prints it).
    pub default: &'static str,
    /// What values validation accepts.
    pub allowed: &'static str,
    /// One line: what it is for.
    pub meaning: &'static str,
    /// Where the default comes from.
    pub source: Source,
    /// A plausible low a planner might meet (estimates), as TOML.
    pub low: Option<&'static str>,
    /// A plausible high (estimates), as TOML.
    pub high: Option<&'static str>,
    /// Which configurations it changes anything in.
    pub scope: Scope,
    /// A value validation refuses (its message must name `allowed`), as TOML; none where
    /// every value of the type is accepted.
    #[serde(skip)]
    pub invalid: Option<&'static str>,
}

fn ser_type<S: serde::Serializer>(t: &Type, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.as_str())
}

impl Param {
    /// Whether it changes anything in at least one variant of `scenario`; `Err` says why
    /// not (a note for a report, not a failure).
    pub(crate) fn active_in(&self, scenario: &Scenario) -> Result<(), &'static str> {
        if scenario
            .variants
            .iter()
            .any(|v| self.scope.applies_to(&v.spec))
        {
            Ok(())
        } else {
            Err(self.scope.why_not())
        }
    }
}
