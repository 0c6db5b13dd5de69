//! Scenario errors that tell the user where and what: file, line, column, key, what is
//! allowed.

use std::fmt;

/// Where a bad value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A scenario file (or the embedded default), with the position when it is known.
    File {
        /// The file's name as the user gave it.
        file: String,
        /// 1-based line.
        line: Option<usize>,
        /// 1-based column.
        column: Option<usize>,
    },
    /// A `--set`/`--param` flag on the command line.
    Flag(String),
}

/// An invalid scenario or override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where the bad value is.
    pub origin: Origin,
    /// The dotted key, when one is to blame.
    pub key: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl ScenarioError {
    /// An error about a whole file (unreadable, not TOML).
    pub fn file(
        file: &str,
        line: Option<usize>,
        column: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        ScenarioError {
            origin: Origin::File {
                file: file.to_string(),
                line,
                column,
            },
            key: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Origin::File { file, line, column } => {
                write!(f, "{file}")?;
                if let Some(l) = line {
                    write!(f, ":{l}")?;
                    if let Some(c) = column {
                        write!(f, ":{c}")?;
                    }
                }
            }
            Origin::Flag(flag) => write!(f, "--set {flag}")?,
        }
        if let Some(k) = &self.key {
            write!(f, ": key `{k}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}
