//! `whfb-sim params`: the registry as a terminal table, a markdown table (docs/model.md's
//! parameter table is this output, checked by a test), CSV or JSON.

use super::{Param, SourceKind};
use std::fmt::Write;

/// The formats `params` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// A markdown table with links.
    Md,
    /// CSV, one row per key.
    Csv,
    /// JSON, an array of objects.
    Json,
}

/// What a key's source says, in a table cell: `published: what it says (title, url)`.
fn source_cell(p: &Param, links: bool) -> String {
    let s = &p.source;
    let kind = s.kind.as_str();
    match s.kind {
        SourceKind::Estimate => format!("{kind}: {}", s.says),
        _ if s.url.is_empty() => format!("{kind}: {}", s.says),
        _ if links => format!("{kind}: {} ([{}]({}))", s.says, s.title, s.url),
        _ => format!("{kind}: {} ({}, {})", s.says, s.title, s.url),
    }
}

fn range_cell(p: &Param) -> String {
    match (p.low, p.high) {
        (Some(lo), Some(hi)) => format!("{lo} … {hi}"),
        _ => String::new(),
    }
}

/// The registry in `format`; failing only if the JSON or CSV writer does (never the
/// user's).
pub(crate) fn render(params: &[Param], format: Format) -> anyhow::Result<String> {
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(params)? + "\n"),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let header = [
                "key",
                "type",
                "unit",
                "default",
                "allowed",
                "meaning",
                "source_kind",
                "source_title",
                "source_url",
                "source_says",
                "low",
                "high",
            ];
            w.write_record(header)?;
            for p in params {
                w.write_record([
                    p.key,
                    p.ty.as_str(),
                    p.unit,
                    p.default,
                    p.allowed,
                    p.meaning,
                    p.source.kind.as_str(),
                    p.source.title,
                    p.source.url,
                    p.source.says,
                    p.low.unwrap_or_default(),
                    p.high.unwrap_or_default(),
                ])?;
            }
            let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
            Ok(String::from_utf8(bytes)?)
        }
        Format::Md => Ok(markdown(params)),
        Format::Table => Ok(table(params)),
    }
}

/// The markdown table: key, default, meaning, source, plausible range.
pub fn markdown(params: &[Param]) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::from(
        "| key | default | meaning | source | plausible low … high |\n|---|---|---|---|---|\n",
    );
    for p in params {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} | {} |",
            p.key,
            cell(p.default),
            cell(p.meaning),
            cell(&source_cell(p, true)),
            if p.low.is_some() {
                format!("`{}`", cell(&range_cell(p)))
            } else {
                String::new()
            }
        );
    }
    out
}

/// One block per key: the key, its type and default on the first line, then its meaning,
/// source and range, indented (the lines are too long for columns).
fn table(params: &[Param]) -> String {
    let mut out = String::new();
    for p in params {
        let unit = if p.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", p.unit)
        };
        let _ = writeln!(
            out,
            "{} = {}    [{}{unit}]",
            p.key,
            p.default,
            p.ty.as_str()
        );
        let _ = writeln!(out, "    {}", p.meaning);
        let _ = writeln!(out, "    allowed: {}", p.allowed);
        let _ = writeln!(out, "    {}", source_cell(p, false));
        if p.low.is_some() {
            let _ = writeln!(out, "    plausible: {}", range_cell(p));
        }
    }
    out
}
