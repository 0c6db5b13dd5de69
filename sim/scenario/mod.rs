//! Scenario files: the schema with its documented defaults, durations and distributions,
//! `[variants.NAME]` overrides, `--set` overrides, and validation with errors that give
//! file, line, column and key.

pub mod calendar;
pub mod distribution;
pub mod duration;
pub mod error;
pub mod fault;
pub mod keypath;
pub mod overrides;
pub mod pki_dates;
pub mod schema;
pub mod signin_trace;
pub mod validate;

pub use error::{Origin, ScenarioError};
pub use overrides::Override;
pub use schema::Spec;

use keypath::{KeyPath, Located, Seg};
use std::path::Path;
use toml::{Table, Value};

/// The embedded default scenario (`scenarios/default.toml`): pre-KB vs post-KB.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.toml");

/// Name shown for the embedded default in messages.
pub(crate) const DEFAULT_SCENARIO_NAME: &str = "<embedded default scenario>";

/// Largest scenario file read, bytes: the shipped ones are under 10 KiB.
pub(crate) const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// Reads a scenario file: a regular file (a FIFO would block, `/dev/zero` never ends: both
/// are refused before a byte is read) of at most [`MAX_SCENARIO_BYTES`], and only UTF-8
/// text without NUL bytes.
fn read_text(path: &Path) -> Result<String, String> {
    use crate::fsread::{read_regular, Follow, ReadError};
    let bytes = read_regular(path, MAX_SCENARIO_BYTES, Follow::Yes).map_err(|e| match e {
        ReadError::TooLarge { .. } => format!(
            "the scenario file is larger than the limit of {} KiB; allowed: a TOML text file up to {} KiB",
            MAX_SCENARIO_BYTES / 1024,
            MAX_SCENARIO_BYTES / 1024
        ),
        ReadError::NotFound => "cannot read the scenario file: no such file".to_string(),
        ReadError::NotRegular("a folder") => "cannot read the scenario file: it is a folder".into(),
        other => format!("the scenario file {other}; allowed: a TOML text file"),
    })?;
    if bytes.contains(&0) {
        return Err("not a text file (it holds NUL bytes); allowed: a TOML text file".into());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not a text file (not UTF-8 at byte {}); allowed: a TOML text file in UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Keys a variant may not change: they define the population being compared.
const BASE_ONLY: [&str; 5] = ["name", "seed", "users", "replications", "description"];

/// One named configuration to simulate.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The variant's name (`pre-kb`, `post-kb`, or `base` when the file has none).
    pub name: String,
    /// The base with this variant's overrides and the command line's.
    pub spec: Spec,
}

/// One swept parameter from a `[sweep]` table or `--param`.
#[derive(Debug, Clone)]
pub struct SweepParam {
    /// Dotted key.
    pub key: String,
    /// The values, in order.
    pub values: Vec<Value>,
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The base configuration (no variant), with the command line's overrides.
    pub base: Spec,
    /// The variants to compare, in file order.
    pub variants: Vec<Variant>,
    /// The `[sweep]` table, if any.
    pub sweep: Vec<SweepParam>,
    layers: Layers,
}

#[derive(Debug, Clone)]
struct Layers {
    file: String,
    text: String,
    base: Table,
    variants: Vec<(String, Table)>,
    overrides: Vec<Override>,
}

impl Scenario {
    /// Loads a scenario file with `--set` overrides.
    pub(crate) fn load_file(path: &Path, sets: &[String]) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = read_text(path).map_err(|m| ScenarioError::file(&file, None, None, m))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
        Scenario::load_str(&text, &file, &stem, sets)
    }

    /// The embedded default scenario with `--set` overrides.
    pub fn load_default(sets: &[String]) -> Result<Scenario, ScenarioError> {
        Scenario::load_str(DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME, "default", sets)
    }

    /// Loads scenario `text`; `file` names it in errors, `stem` is the name used when the
    /// file sets none.
    pub fn load_str(
        text: &str,
        file: &str,
        stem: &str,
        sets: &[String],
    ) -> Result<Scenario, ScenarioError> {
        let located = Located::parse(text).map_err(|(msg, off)| {
            let (line, col) = off.map(|o| keypath::line_col(text, o)).unzip();
            ScenarioError::file(file, line, col, format!("not valid TOML: {msg}"))
        })?;
        let mut base: Table = toml::from_str(text).map_err(|e| {
            ScenarioError::file(file, None, None, format!("not valid TOML: {}", e.message()))
        })?;
        let at = |path: &KeyPath, msg: String| {
            let (line, column) = located.position(path).unzip();
            ScenarioError {
                origin: Origin::File {
                    file: file.to_string(),
                    line,
                    column,
                },
                key: Some(path.to_string()),
                message: msg,
            }
        };

        let mut variants = Vec::new();
        if let Some(v) = base.remove("variants") {
            let Value::Table(vt) = v else {
                return Err(at(
                    &KeyPath::parse("variants").unwrap_or_default(),
                    "must be a table of tables: [variants.NAME]".into(),
                ));
            };
            for (name, body) in vt {
                let path = KeyPath(vec![Seg::Key("variants".into()), Seg::Key(name.clone())]);
                let Value::Table(body) = body else {
                    return Err(at(
                        &path,
                        "a variant must be a table: [variants.NAME] with keys to override".into(),
                    ));
                };
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    return Err(at(&path, format!("`{name}` is not allowed as a variant name; allowed: letters, digits, '-' and '_'")));
                }
                for k in BASE_ONLY {
                    if body.contains_key(k) {
                        return Err(at(&path.child(k), format!("a variant cannot change `{k}`: variants compare the same population; set it in the base")));
                    }
                }
                variants.push((name, body));
            }
        }
        let sweep = match base.remove("sweep") {
            None => Vec::new(),
            Some(Value::Table(t)) => {
                let mut out = Vec::new();
                for (k, v) in t {
                    let path = KeyPath(vec![Seg::Key("sweep".into()), Seg::Key(k.clone())]);
                    match v {
                        Value::Array(values) if !values.is_empty() => out.push(SweepParam { key: k, values }),
                        _ => return Err(at(&path, "a swept key needs a non-empty array of values, e.g. \"aad_connect.interval\" = [\"30m\", \"1h\"]".into())),
                    }
                }
                out
            }
            Some(_) => {
                return Err(at(
                    &KeyPath::parse("sweep").unwrap_or_default(),
                    "must be a table: [sweep] with \"key\" = [values]".into(),
                ))
            }
        };
        if !base.contains_key("name") {
            base.insert("name".into(), Value::String(stem.to_string()));
        }
        let overrides = sets
            .iter()
            .map(|s| {
                Override::parse(s).map_err(|m| ScenarioError {
                    origin: Origin::Flag(s.clone()),
                    key: None,
                    message: m.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let layers = Layers {
            file: file.to_string(),
            text: text.to_string(),
            base,
            variants,
            overrides,
        };
        let (base, variants) = layers.resolve()?;
        for p in &sweep {
            let path = KeyPath::parse(&p.key)
                .map_err(|m| at(&KeyPath(vec![Seg::Key("sweep".into())]), m.to_string()))?;
            if path.0.first() == Some(&Seg::Key("variants".into())) {
                return Err(at(
                    &KeyPath(vec![Seg::Key("sweep".into())]),
                    "sweep keys apply to every variant; do not start them with `variants.`".into(),
                ));
            }
        }
        Ok(Scenario {
            base,
            variants,
            sweep,
            layers,
        })
    }

    /// The same scenario with more overrides (a sweep point), validated again.
    pub(crate) fn with_overrides(&self, extra: &[Override]) -> Result<Scenario, ScenarioError> {
        let mut layers = self.layers.clone();
        layers.overrides.extend_from_slice(extra);
        let (base, variants) = layers.resolve()?;
        Ok(Scenario {
            base,
            variants,
            sweep: self.sweep.clone(),
            layers,
        })
    }

    /// The scenario's name (names the report folder).
    pub fn name(&self) -> &str {
        &self.base.name
    }

    /// Where the scenario came from, as shown in messages.
    pub fn source(&self) -> &str {
        &self.layers.file
    }

    /// The scenario file's name without its folders (or the embedded default's name): how
    /// reports name the scenario, so they read the same whatever folder a run started in
    /// (a sharded run's merged report included).
    pub(crate) fn source_name(&self) -> &str {
        let f = self.layers.file.as_str();
        if f == DEFAULT_SCENARIO_NAME {
            return f;
        }
        Path::new(f)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(f)
    }

    /// The scenario file's text as it was read: a shard result carries it so that `merge`
    /// rebuilds exactly this scenario.
    pub fn text(&self) -> &str {
        &self.layers.text
    }
}

impl Layers {
    /// Applies overrides, merges each variant over the base, deserializes and validates.
    fn resolve(&self) -> Result<(Spec, Vec<Variant>), ScenarioError> {
        let located = Located::parse(&self.text)
            .map_err(|(m, _)| ScenarioError::file(&self.file, None, None, m))?;
        let mut base = self.base.clone();
        let mut variants = self.variants.clone();
        let mut forced: Vec<&Override> = Vec::new();
        // `--set variants.NAME.KEY=...`: (variant, KEY, the flag), so that a bad value
        // there is blamed on the flag rather than on the file's line for KEY.
        let mut in_variants: Vec<(&str, KeyPath, &Override)> = Vec::new();
        for o in &self.overrides {
            let flag_err = |m: String| ScenarioError {
                origin: Origin::Flag(o.text.clone()),
                key: Some(o.path.to_string()),
                message: m,
            };
            match o.path.0.as_slice() {
                [Seg::Key(v), Seg::Key(name), rest @ ..] if v == "variants" => {
                    let names: Vec<String> = variants.iter().map(|(n, _)| n.clone()).collect();
                    let Some((_, table)) = variants.iter_mut().find(|(n, _)| n == name) else {
                        return Err(flag_err(format!(
                            "no variant `{name}`; the scenario has: {}",
                            if names.is_empty() {
                                "none".into()
                            } else {
                                names.join(", ")
                            }
                        )));
                    };
                    if rest.is_empty() {
                        return Err(flag_err(
                            "name a key inside the variant, e.g. variants.post-kb.adfs.patched=2"
                                .into(),
                        ));
                    }
                    if let [Seg::Key(k), ..] = rest {
                        if BASE_ONLY.contains(&k.as_str()) {
                            return Err(flag_err(format!("a variant cannot change `{k}`: variants compare the same population; set it in the base (--set {k}=...)")));
                        }
                    }
                    let inner = KeyPath(rest.to_vec());
                    overrides::set_path(table, &inner, o.value.clone())
                        .map_err(|e| flag_err(e.to_string()))?;
                    in_variants.push((name.as_str(), inner, o));
                }
                _ => {
                    overrides::set_path(&mut base, &o.path, o.value.clone())
                        .map_err(|e| flag_err(e.to_string()))?;
                    forced.push(o);
                }
            }
        }

        let locate = |path: &KeyPath,
                      variant: Option<(&str, &Table)>,
                      msg: String|
         -> ScenarioError {
            if let Some(o) = forced
                .iter()
                .rev()
                .find(|o| path.0.starts_with(&o.path.0) || o.path.0.starts_with(&path.0))
            {
                return ScenarioError {
                    origin: Origin::Flag(o.text.clone()),
                    key: Some(path.to_string()),
                    message: msg,
                };
            }
            if let Some((name, _, o)) = variant.and_then(|(name, _)| {
                in_variants.iter().rev().find(|(v, inner, _)| {
                    *v == name && (path.0.starts_with(&inner.0) || inner.0.starts_with(&path.0))
                })
            }) {
                return ScenarioError {
                    origin: Origin::Flag(o.text.clone()),
                    key: Some(
                        path.under(&[Seg::Key("variants".into()), Seg::Key((*name).into())])
                            .to_string(),
                    ),
                    message: msg,
                };
            }
            let in_file = match variant {
                Some((name, table)) if overrides::has_path(table, &prefix_present(table, path)) => {
                    path.under(&[Seg::Key("variants".into()), Seg::Key(name.into())])
                }
                _ => path.clone(),
            };
            let (line, column) = located.position(&in_file).unzip();
            ScenarioError {
                origin: Origin::File {
                    file: self.file.clone(),
                    line,
                    column,
                },
                key: Some(in_file.to_string()),
                message: msg,
            }
        };

        let mut base_spec = build(&base, None, &locate)?;
        let mut out = Vec::new();
        if variants.is_empty() {
            out.push(Variant {
                name: "base".into(),
                spec: base_spec.clone(),
            });
        }
        for (name, table) in &variants {
            let mut merged = base.clone();
            overrides::deep_merge(&mut merged, table);
            // Command-line values win over what a variant sets.
            for o in &forced {
                overrides::set_path(&mut merged, &o.path, o.value.clone()).map_err(|m| {
                    ScenarioError {
                        origin: Origin::Flag(o.text.clone()),
                        key: Some(o.path.to_string()),
                        message: m.to_string(),
                    }
                })?;
            }
            let spec = build(&merged, Some((name.as_str(), table)), &locate)?;
            out.push(Variant {
                name: name.clone(),
                spec,
            });
        }
        self.attach_trace(&mut base_spec, &mut out, &variants, &forced, &locate)?;
        // One summary says "real" or "off": a run cannot mix them.
        if let Some((v, (_, table))) = out
            .iter()
            .zip(&variants)
            .find(|(v, _)| v.spec.pki.mode != out[0].spec.pki.mode)
        {
            let path = KeyPath::parse("pki.mode").unwrap_or_default();
            return Err(locate(
                &path,
                Some((v.name.as_str(), table)),
                "every variant must use the same pki.mode (a report is either real crypto or not); set it in the base".into(),
            ));
        }
        Ok((base_spec, out))
    }
}

impl Layers {
    /// Reads `signin.trace` once and gives it to the base and every variant; `users`
    /// becomes the trace's count. A variant cannot name another trace (variants compare
    /// the same population), and `--set users` cannot contradict one.
    fn attach_trace(
        &self,
        base: &mut Spec,
        out: &mut [Variant],
        variants: &[(String, Table)],
        forced: &[&Override],
        locate: &Locator<'_>,
    ) -> Result<(), ScenarioError> {
        let key = KeyPath::parse("signin.trace").unwrap_or_default();
        for (v, (name, table)) in out.iter().zip(variants) {
            if v.spec.signin.trace != base.signin.trace {
                return Err(locate(
                    &key,
                    Some((name.as_str(), table)),
                    "a variant cannot change `signin.trace`: variants compare the same population; set it in the base".into(),
                ));
            }
        }
        let Some(file) = base.signin.trace.clone() else {
            return Ok(());
        };
        let allowed = "allowed: a CSV file with the columns user,time";
        if file.trim().is_empty() {
            return Err(locate(&key, None, format!("an empty path; {allowed}")));
        }
        if let Some(o) = forced
            .iter()
            .find(|o| o.path.0 == [Seg::Key("users".into())])
        {
            return Err(ScenarioError {
                origin: Origin::Flag(o.text.clone()),
                key: Some("users".into()),
                message: "the scenario replays signin.trace, whose users are the population; leave users out (or drop the trace)".into(),
            });
        }
        let path = if self.file == DEFAULT_SCENARIO_NAME {
            Path::new(&file).to_path_buf()
        } else {
            Path::new(&self.file)
                .parent()
                .unwrap_or(Path::new(""))
                .join(&file)
        };
        let epoch = calendar::parse_epoch(&base.pki.epoch).map_err(|m| {
            locate(
                &KeyPath::parse("pki.epoch").unwrap_or_default(),
                None,
                m.to_string(),
            )
        })?;
        let trace = signin_trace::SignInTrace::load(&path, epoch)
            .map_err(|m| locate(&key, None, format!("{}: {m}", path.display())))?;
        let trace = std::sync::Arc::new(trace);
        for spec in std::iter::once(base).chain(out.iter_mut().map(|v| &mut v.spec)) {
            spec.replay(&trace);
        }
        Ok(())
    }
}

/// The longest prefix of `path` present in `table` (where a variant's value sits).
fn prefix_present(table: &Table, path: &KeyPath) -> KeyPath {
    let mut p = path.clone();
    while !p.0.is_empty() && !overrides::has_path(table, &p) {
        p.0.pop();
    }
    if p.0.is_empty() {
        // Nothing of the path is in the variant: make `has_path` fail.
        KeyPath(vec![Seg::Key(String::new())])
    } else {
        p
    }
}

/// Turns a problem at a key path (in a variant or the base) into a located error.
type Locator<'a> = dyn Fn(&KeyPath, Option<(&str, &Table)>, String) -> ScenarioError + 'a;

fn build(
    table: &Table,
    variant: Option<(&str, &Table)>,
    locate: &Locator<'_>,
) -> Result<Spec, ScenarioError> {
    let value = Value::Table(table.clone());
    let spec: Spec = serde_path_to_error::deserialize(value).map_err(|e| {
        let mut path = KeyPath::from_serde(e.path());
        let msg = tidy_serde_message(&e.inner().to_string());
        // serde reports an unknown key at its parent: point at the key itself.
        if let Some(field) = msg
            .strip_prefix("unknown field `")
            .and_then(|r| r.split('`').next())
        {
            path = path.child(field);
        }
        locate(&path, variant, msg)
    })?;
    validate::validated(spec).map_err(|problems| {
        let (path, msg) = problems.into_iter().next().unwrap_or_default();
        locate(&path, variant, msg)
    })
}

/// serde's wording made friendlier: type names users know.
fn tidy_serde_message(m: &str) -> String {
    // toml's own Display appends "in `path`"; the error already names the key.
    let m = m.split("\nin `").next().unwrap_or(m);
    let m = m.trim().trim_end_matches('.');
    let m = m
        .replace("expected u32", "expected a whole number (0 or more)")
        .replace("expected u64", "expected a whole number (0 or more)")
        .replace("expected f64", "expected a number")
        .replace("expected a boolean", "expected true or false");
    if let Some(rest) = m.strip_prefix("unknown field ") {
        format!("unknown key {rest}")
    } else {
        m
    }
}

#[cfg(test)]
mod tests;
