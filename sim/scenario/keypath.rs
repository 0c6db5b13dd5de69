//! Dotted key paths (`adfs.servers`, `signin.waves[1].share`) and finding where a path
//! sits in the scenario text, so errors can give a line and column.

use crate::error::UsageError;
use std::fmt;
use toml_edit::{ArrayOfTables, ImDocument, Item, Table, Value};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A path from the document root to a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// Parses `a.b.0.c` or `a.b[0].c` (numeric segments index arrays).
    pub fn parse(s: &str) -> Result<KeyPath, UsageError> {
        let mut segs = Vec::new();
        for part in s.split('.') {
            let (name, rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if name.is_empty() && rest.is_empty() {
                return Err(format!("`{s}` is not a dotted key path (empty segment)").into());
            }
            if !name.is_empty() {
                if let Ok(i) = name.parse::<usize>() {
                    segs.push(Seg::Index(i));
                } else if name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    segs.push(Seg::Key(name.to_string()));
                } else {
                    return Err(format!(
                        "`{s}`: `{name}` is not a key name (letters, digits, _ and -)"
                    )
                    .into());
                }
            }
            let mut r = rest;
            while let Some(stripped) = r.strip_prefix('[') {
                let end = stripped
                    .find(']')
                    .ok_or_else(|| format!("`{s}`: unclosed `[`"))?;
                let i = stripped[..end]
                    .parse::<usize>()
                    .map_err(|_| format!("`{s}`: `{}` is not an array index", &stripped[..end]))?;
                segs.push(Seg::Index(i));
                r = &stripped[end + 1..];
            }
            if !r.is_empty() {
                return Err(format!("`{s}` is not a dotted key path").into());
            }
        }
        Ok(KeyPath(segs))
    }

    /// The path of a serde error location.
    pub(crate) fn from_serde(p: &serde_path_to_error::Path) -> KeyPath {
        use serde_path_to_error::Segment;
        KeyPath(
            p.iter()
                .filter_map(|s| match s {
                    Segment::Map { key } => Some(Seg::Key(key.clone())),
                    Segment::Seq { index } => Some(Seg::Index(*index)),
                    _ => None,
                })
                .collect(),
        )
    }

    /// This path with `key` appended.
    pub fn child(&self, key: &str) -> KeyPath {
        let mut v = self.0.clone();
        v.push(Seg::Key(key.to_string()));
        KeyPath(v)
    }

    /// `prefix` followed by this path.
    pub fn under(&self, prefix: &[Seg]) -> KeyPath {
        KeyPath(prefix.iter().chain(self.0.iter()).cloned().collect())
    }

    /// `true` when the path is empty (the document root).
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The scenario text with spans, for turning key paths into line and column.
pub(crate) struct Located {
    text: String,
    doc: ImDocument<String>,
}

enum Node<'a> {
    Table(&'a Table),
    Value(&'a Value),
    Tables(&'a ArrayOfTables),
}

impl<'a> Node<'a> {
    fn of(item: &'a Item) -> Option<Node<'a>> {
        match item {
            Item::Table(t) => Some(Node::Table(t)),
            Item::Value(v) => Some(Node::Value(v)),
            Item::ArrayOfTables(a) => Some(Node::Tables(a)),
            Item::None => None,
        }
    }

    fn span(&self) -> Option<std::ops::Range<usize>> {
        match self {
            Node::Table(t) => t.span(),
            Node::Value(v) => v.span(),
            Node::Tables(a) => a.span(),
        }
    }

    /// The child at `seg` and the span of its key, if it has one.
    fn child(&self, seg: &Seg) -> (Option<Node<'a>>, Option<std::ops::Range<usize>>) {
        match (self, seg) {
            (Node::Table(t), Seg::Key(k)) => {
                (t.get(k).and_then(Node::of), t.key(k).and_then(|k| k.span()))
            }
            (Node::Value(Value::InlineTable(t)), Seg::Key(k)) => {
                (t.get(k).map(Node::Value), t.key(k).and_then(|k| k.span()))
            }
            (Node::Value(Value::Array(a)), Seg::Index(i)) => (a.get(*i).map(Node::Value), None),
            (Node::Tables(a), Seg::Index(i)) => (a.get(*i).map(Node::Table), None),
            _ => (None, None),
        }
    }
}

impl Located {
    /// Parses `text`; the error is (message, byte offset).
    pub fn parse(text: &str) -> Result<Located, (String, Option<usize>)> {
        match ImDocument::parse(text.to_string()) {
            Ok(doc) => Ok(Located {
                text: text.to_string(),
                doc,
            }),
            Err(e) => Err((e.message().trim().to_string(), e.span().map(|s| s.start))),
        }
    }

    /// The 1-based (line, column) of the deepest part of `path` present in the text: the
    /// key when there is one, else the value. `None` when not even the first segment is
    /// in the text.
    pub fn position(&self, path: &KeyPath) -> Option<(usize, usize)> {
        let mut node = Node::Table(self.doc.as_table());
        let mut best: Option<usize> = None;
        for seg in &path.0 {
            let (next, key_span) = node.child(seg);
            let Some(next) = next else { break };
            // Implicit tables (`[variants.x]` makes `variants`) have no span: keep the
            // parent's position then.
            if let Some(s) = key_span.or_else(|| next.span()) {
                best = Some(s.start);
            }
            node = next;
        }
        best.map(|off| line_col(&self.text, off))
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name = \"x\"\n[adfs]\nservers = 3\n\n[signin]\nwaves = [\n  { start = \"8h\", end = \"9h\", share = 1.0 },\n]\n[[faults]]\nkind = \"ca_down\"\n[[faults]]\nkind = \"drs_down\"\nstart = \"1h\"\n[variants.post-kb]\nadfs.patched = 2\n";

    fn pos(p: &str) -> Option<(usize, usize)> {
        Located::parse(DOC).ok()?.position(&KeyPath::parse(p).ok()?)
    }

    #[test]
    fn finds_keys_in_tables_inline_tables_and_arrays() {
        assert_eq!(pos("name"), Some((1, 1)));
        assert_eq!(pos("adfs.servers"), Some((3, 1)));
        assert_eq!(pos("signin.waves[0].share"), Some((7, 31)));
        assert_eq!(pos("faults[1].start"), Some((13, 1)));
        assert_eq!(pos("variants.post-kb.adfs.patched"), Some((15, 6)));
        // A key not in the text points at its deepest present parent.
        assert_eq!(pos("adfs.workers"), pos("adfs"));
        assert_eq!(pos("nothing.here"), None);
    }

    #[test]
    fn parses_and_prints_paths() {
        let p = KeyPath::parse("signin.waves.1.share").unwrap();
        assert_eq!(p.to_string(), "signin.waves[1].share");
        assert_eq!(KeyPath::parse("signin.waves[1].share").unwrap(), p);
        assert!(KeyPath::parse("a..b").is_err());
        assert!(KeyPath::parse("a.b c").is_err());
    }
}
