//! The top-level keys: population, replications, horizon and the scenario's name.

use super::checker::Checker;
use crate::scenario::schema::Spec;

/// Longest scenario name (it names a folder).
const MAX_NAME_LEN: usize = 100;

/// `users`, `replications`, `horizon` and `name`.
pub(super) fn top(c: &mut Checker, spec: &Spec) {
    if spec.users == 0 || spec.users > 50_000_000 {
        c.fail(
            "users",
            format!(
                "{} users is not allowed; allowed: 1 to 50,000,000",
                spec.users
            ),
        );
    }
    if spec.replications == 0 || spec.replications > 10_000 {
        c.fail(
            "replications",
            format!("{} is not allowed; allowed: 1 to 10,000", spec.replications),
        );
    }
    c.positive("horizon", spec.horizon.0);
    // The name is a folder under reports/: a plain file name, so "." and ".." (or a
    // leading dot, a hidden folder) are out.
    if !spec.name.starts_with(|ch: char| ch.is_ascii_alphanumeric())
        || spec.name.len() > MAX_NAME_LEN
        || !spec
            .name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' || ch == '.')
    {
        c.fail("name", format!("`{}` is not allowed; allowed: a plain file name of letters, digits, '-', '_' and '.', starting with a letter or digit, at most {MAX_NAME_LEN} characters (it names the report folder)", spec.name));
    }
}
