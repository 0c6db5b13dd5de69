//! The one rule for whose fault an error is. Everything the user can fix (a flag, a file,
//! a scenario key, a folder named for output or for the key cache) is a [`UsageError`];
//! everything else (a full disk, a crypto library that refuses, a failed self-check) is
//! any other error. Commands return `anyhow::Result`, and [`exit_code`] decides once, for
//! the binary and the tests alike, by walking the error's chain of causes (as ripgrep's
//! `main` does): a `UsageError` anywhere in it means exit 2, anything else exit 1.

use crate::scenario::ScenarioError;

/// An error that is the user's to fix: the binary exits 2.
///
/// Shape: an enum whose variants keep the typed errors that are always the user's, so
/// that they still convert with `?` and can be matched on, and one variant for every
/// other refusal, a message that names the flag, file or key and says what is allowed.
/// Its text is exactly the message (or the wrapped error's), with no prefix, and it has
/// no source of its own beyond the wrapped error's.
///
/// A function whose errors are all the user's returns `Result<_, UsageError>`; one that
/// can fail either way returns `anyhow::Result` and lets a `UsageError` travel inside
/// it (`?` keeps it findable in the chain; wrapping it with `anyhow::Error::msg` or
/// formatting it into a string does not, and makes it an exit-1 failure). Typed errors
/// of other modules that only sometimes are the user's carry a `UsageError` as their
/// `#[source]` (e.g. [`crate::pki::PkiError::KeyCache`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// A refused flag, file, key or value; the message names it and what is allowed.
    #[error("{0}")]
    Refused(String),
    /// A scenario file or override that does not load or validate (file, line, key).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

impl UsageError {
    /// A refusal with this message (which names the flag, file or key and what is
    /// allowed).
    pub fn new(message: impl Into<String>) -> UsageError {
        UsageError::Refused(message.into())
    }

    /// The same refusal with the first `from` in its text replaced by `to`: for a
    /// command whose own flag stands for what the message names (e.g. `--users 5` for
    /// `--set users=5`).
    pub(crate) fn reword(self, from: &str, to: &str) -> UsageError {
        let text = self.to_string();
        if text.contains(from) {
            UsageError::Refused(text.replacen(from, to, 1))
        } else {
            self
        }
    }
}

/// Messages built as strings by a parser or check are refusals; this lets such code
/// write `Err(format!(...).into())`, and `?` the message of a private helper.
impl From<String> for UsageError {
    fn from(message: String) -> UsageError {
        UsageError::Refused(message)
    }
}

/// As `From<String>`, for a fixed message.
impl From<&str> for UsageError {
    fn from(message: &str) -> UsageError {
        UsageError::Refused(message.to_string())
    }
}

/// Whether `err` is the user's to fix: some cause in its chain is a [`UsageError`].
pub fn is_usage(err: &anyhow::Error) -> bool {
    usage_of(err).is_some()
}

/// The first [`UsageError`] in `err`'s chain of causes, if any.
pub(crate) fn usage_of(err: &anyhow::Error) -> Option<&UsageError> {
    err.chain().find_map(|c| c.downcast_ref::<UsageError>())
}

/// The process exit code for a command's failure: 2 when it is the user's to fix (bad
/// usage, an invalid scenario, an unusable folder), 1 for anything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if is_usage(err) {
        2
    } else {
        1
    }
}

/// The text printed after `error: `: each cause in the chain joined by `: `, as
/// anyhow's `{:#}`, except a cause the text so far already ends with (an error that
/// prints its source last, such as `path: reason` wrapping the reason, or
/// [`crate::pki::PkiError::KeyCache`] its refusal), which would otherwise be said twice.
pub fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.is_empty() {
            text = part;
        } else if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn a_usage_error_anywhere_in_the_chain_exits_2() {
        let plain = anyhow::Error::from(UsageError::new("--users 0: allowed: 1 to 10"));
        assert_eq!(exit_code(&plain), 2);
        assert_eq!(message(&plain), "--users 0: allowed: 1 to 10");
        let wrapped = Err::<(), _>(UsageError::new("--out x: is a file"))
            .context("writing the reports")
            .unwrap_err();
        assert_eq!(exit_code(&wrapped), 2);
        assert_eq!(message(&wrapped), "writing the reports: --out x: is a file");
    }

    #[test]
    fn other_failures_exit_1_even_when_they_quote_a_usage_message() {
        let other = anyhow::anyhow!("disk full");
        assert_eq!(exit_code(&other), 1);
        let flattened = anyhow::Error::msg(UsageError::new("--set x=1: unknown key"));
        assert_eq!(exit_code(&flattened), 1);
    }

    #[test]
    fn a_cause_already_in_the_text_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let pki = crate::pki::PkiError::io("/tmp/x", io);
        let err = anyhow::Error::from(pki);
        assert_eq!(message(&err), "/tmp/x: no such file");
        assert_eq!(exit_code(&err), 1);
    }
}
