//! Layering: `[variants.NAME]` tables over the base, and `--set KEY=VALUE` overrides.

use super::keypath::{KeyPath, Seg};
use crate::error::UsageError;
use toml::{Table, Value};

/// A `--set KEY=VALUE` (or one point of a sweep): a path and the value to put there.
#[derive(Debug, Clone)]
pub struct Override {
    /// The flag as the user wrote it, for error messages.
    pub text: String,
    /// Where the value goes.
    pub path: KeyPath,
    /// The value.
    pub value: Value,
}

impl Override {
    /// Parses `KEY=VALUE`. The value is read as TOML (`3`, `0.5`, `true`, `"30m"`,
    /// `{ dist = "fixed", value = "1s" }`, `[1, 2]`); anything that is not TOML is taken
    /// as a string, so `--set aad_connect.interval=3h` needs no quotes.
    pub fn parse(text: &str) -> Result<Override, UsageError> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not KEY=VALUE (e.g. adfs.servers=4)"))?;
        let path = KeyPath::parse(key.trim())?;
        Ok(Override {
            text: text.to_string(),
            path,
            value: parse_value(value.trim()),
        })
    }
}

/// Reads a value as TOML, or as a plain string when it is not TOML.
pub(crate) fn parse_value(s: &str) -> Value {
    match toml::from_str::<Table>(&format!("v = {s}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| Value::String(s.to_string())),
        Err(_) => Value::String(s.to_string()),
    }
}

/// Puts `value` at `path` in `table`, creating tables on the way.
pub(crate) fn set_path(table: &mut Table, path: &KeyPath, value: Value) -> Result<(), UsageError> {
    let Some((Seg::Key(first), rest)) = path.0.split_first() else {
        return Err(format!("`{path}` must start with a key name").into());
    };
    let slot = table
        .entry(first.clone())
        .or_insert_with(|| Value::Table(Table::new()));
    set_in(slot, rest, value).map_err(|e| format!("`{path}`: {e}").into())
}

fn set_in(slot: &mut Value, rest: &[Seg], value: Value) -> Result<(), String> {
    let Some((seg, rest)) = rest.split_first() else {
        *slot = value;
        return Ok(());
    };
    match (slot, seg) {
        (Value::Table(t), Seg::Key(k)) => {
            let next = t
                .entry(k.clone())
                .or_insert_with(|| Value::Table(Table::new()));
            set_in(next, rest, value)
        }
        (Value::Array(a), Seg::Index(n)) => {
            let len = a.len();
            let next = a.get_mut(*n).ok_or_else(|| {
                format!("index {n} is past the end (the array has {len} entries)")
            })?;
            set_in(next, rest, value)
        }
        (_, Seg::Key(k)) => Err(format!(
            "cannot set `{k}` inside a value that is not a table"
        )),
        (_, Seg::Index(n)) => Err(format!(
            "cannot index [{n}] into a value that is not an array"
        )),
    }
}

/// Whether `path` is set in `table`.
pub(crate) fn has_path(table: &Table, path: &KeyPath) -> bool {
    let mut cur: Option<&Value> = None;
    for (i, seg) in path.0.iter().enumerate() {
        cur = match (i, cur, seg) {
            (0, _, Seg::Key(k)) => table.get(k),
            (_, Some(Value::Table(t)), Seg::Key(k)) => t.get(k),
            (_, Some(Value::Array(a)), Seg::Index(n)) => a.get(*n),
            _ => None,
        };
        if cur.is_none() {
            return false;
        }
    }
    cur.is_some()
}

/// Merges `over` into `base`: tables merge key by key, anything else is replaced.
pub(crate) fn deep_merge(base: &mut Table, over: &Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => deep_merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> Table {
        toml::from_str(s).unwrap()
    }

    #[test]
    fn parses_values_as_toml_or_string() {
        assert_eq!(parse_value("3"), Value::Integer(3));
        assert_eq!(parse_value("0.5"), Value::Float(0.5));
        assert_eq!(parse_value("true"), Value::Boolean(true));
        assert_eq!(parse_value("3h"), Value::String("3h".into()));
        assert_eq!(parse_value("\"3h\""), Value::String("3h".into()));
        assert!(matches!(
            parse_value("{ dist = \"fixed\", value = \"1s\" }"),
            Value::Table(_)
        ));
        assert!(Override::parse("noequals").is_err());
        assert!(Override::parse("a..b=1").is_err());
    }

    #[test]
    fn sets_nested_paths_and_array_entries() {
        let mut t = table("[adfs]\nservers = 2\n[signin]\nwaves = [{ share = 1.0 }]\n");
        set_path(
            &mut t,
            &KeyPath::parse("adfs.servers").unwrap(),
            Value::Integer(4),
        )
        .unwrap();
        set_path(
            &mut t,
            &KeyPath::parse("ca.workers").unwrap(),
            Value::Integer(8),
        )
        .unwrap();
        set_path(
            &mut t,
            &KeyPath::parse("signin.waves[0].share").unwrap(),
            Value::Float(0.5),
        )
        .unwrap();
        assert_eq!(t["adfs"]["servers"], Value::Integer(4));
        assert_eq!(t["ca"]["workers"], Value::Integer(8));
        assert_eq!(t["signin"]["waves"][0]["share"], Value::Float(0.5));
        let e = set_path(
            &mut t,
            &KeyPath::parse("signin.waves[3].share").unwrap(),
            Value::Float(0.5),
        )
        .unwrap_err();
        assert!(e.to_string().contains("past the end"), "{e}");
        let e = set_path(
            &mut t,
            &KeyPath::parse("adfs.servers.x").unwrap(),
            Value::Integer(1),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not a table"), "{e}");
        assert!(has_path(&t, &KeyPath::parse("ca.workers").unwrap()));
        assert!(!has_path(&t, &KeyPath::parse("ca.issue").unwrap()));
    }

    #[test]
    fn merge_replaces_leaves_and_keeps_siblings() {
        let mut base = table("[adfs]\nservers = 2\npatched = 0\n");
        deep_merge(&mut base, &table("[adfs]\npatched = 2\n"));
        assert_eq!(base["adfs"]["servers"], Value::Integer(2));
        assert_eq!(base["adfs"]["patched"], Value::Integer(2));
    }
}
