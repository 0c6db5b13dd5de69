//! Every export a user names — files, or folders walked in name order — told apart by
//! content, not by name: a binary event log starts with `ElfFile`, Windows event XML
//! with `<`, run history and the sign-in JSON with `[` or `{` (and name their own
//! fields), the sign-in CSV has a `Date (UTC)` header, certutil's view has six quoted
//! columns. Each file is typed on the open file
//! (`fsread`: a FIFO, device or socket is refused unread) and read once; what each held
//! is counted for `fit.json`.

use super::certutil::{self, CaRequest};
use super::evtx_logs;
use super::run_history::{self, SyncRun};
use super::signins::{self, SignIn};
use super::windows_events::{self, WinEvent};
use crate::error::UsageError;
use crate::fsread::Follow;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

/// Bytes looked at to tell a file's kind.
const SNIFF_BYTES: usize = 64 * 1024;

/// The most files a folder may hold (walked recursively).
pub(crate) const MAX_FILES: usize = 100_000;

/// What kind of export a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Windows event XML (`wevtutil qe /f:xml`, `Get-WinEvent … ToXml()`).
    WindowsEvents,
    /// A binary Windows event log (`.evtx`).
    WindowsEventLog,
    /// Azure AD Connect run history (`Get-ADSyncRunProfileResult | ConvertTo-Json`).
    RunHistory,
    /// The CA's request log (`certutil -view … csv`).
    CaRequests,
    /// Entra sign-in logs (CSV or JSON download).
    SignIns,
}

/// What one file gave.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFile {
    /// The file, as named or found.
    pub file: String,
    /// Its kind.
    pub kind: Kind,
    /// Records read (events, runs, requests, sign-ins), used or not.
    pub records: u64,
    /// Records kept.
    pub used: u64,
    /// Records left out, by reason.
    pub skipped: Vec<Skip>,
}

/// Records left out for one reason.
#[derive(Debug, Clone, Serialize)]
pub struct Skip {
    /// Why.
    pub reason: String,
    /// How many.
    pub count: u64,
}

/// Everything read.
#[derive(Debug, Clone, Default)]
pub struct Exports {
    /// Every event of every device.
    pub events: Vec<WinEvent>,
    /// Every sync run.
    pub runs: Vec<SyncRun>,
    /// Every CA request.
    pub ca: Vec<CaRequest>,
    /// Every sign-in.
    pub signins: Vec<SignIn>,
    /// Per file, what it held.
    pub sources: Vec<SourceFile>,
}

fn skips(m: BTreeMap<String, (u64, u64)>) -> Vec<Skip> {
    // Reasons cut alike are counted together.
    let mut clipped: BTreeMap<String, u64> = BTreeMap::new();
    for (reason, (count, _)) in m {
        *clipped.entry(super::clip(&reason)).or_default() += count;
    }
    clipped
        .into_iter()
        .map(|(reason, count)| Skip { reason, count })
        .collect()
}

/// The files under `paths` (a file as is; a folder walked, sorted by name), refusing
/// anything that is not a regular file or folder.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = paths.iter().rev().cloned().collect();
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p)
            .map_err(|e| format!("{}: cannot read it: {e}", p.display()))?;
        let meta = if meta.file_type().is_symlink() {
            std::fs::metadata(&p)
                .map_err(|e| format!("{}: cannot follow the link: {e}", p.display()))?
        } else {
            meta
        };
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&p)
                .map_err(|e| format!("{}: cannot list it: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                // Hidden files (editor backups, .DS_Store) are not exports.
                .filter(|e| {
                    !e.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            entries.sort();
            stack.extend(entries.into_iter().rev());
        } else {
            // Whether it is a regular file is checked on the open file (`fsread`).
            out.push(p);
            if out.len() > MAX_FILES {
                return Err(format!(
                    "more than {MAX_FILES} files under the exports named"
                ));
            }
        }
    }
    if out.is_empty() {
        return Err("no export files found (the folders named are empty)".into());
    }
    Ok(out)
}

/// The kind of a file from its first bytes.
fn kind_of(path: &Path, head: &[u8]) -> Result<Kind, String> {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with(evtx_logs::MAGIC) {
        return Ok(Kind::WindowsEventLog);
    }
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("evtx"))
    {
        return Err(format!(
            "{}: named .evtx but not an event log (it does not start with `ElfFile`)",
            path.display()
        ));
    }
    if t.starts_with('<') {
        return Ok(Kind::WindowsEvents);
    }
    if t.starts_with('[') || t.starts_with('{') {
        if t.contains("RunProfileName") {
            return Ok(Kind::RunHistory);
        }
        if t.contains("createdDateTime") {
            return Ok(Kind::SignIns);
        }
        return Err(format!(
            "{}: JSON that is neither Azure AD Connect run history (RunProfileName) nor an Entra sign-in download (createdDateTime)",
            path.display()
        ));
    }
    let first = t.lines().next().unwrap_or_default();
    if first.to_ascii_lowercase().contains("date (utc)") {
        return Ok(Kind::SignIns);
    }
    if first.starts_with('"') && first.matches("\",\"").count() >= 5 {
        return Ok(Kind::CaRequests);
    }
    Err(format!(
        "{}: not an export this reads; allowed: Windows event logs (.evtx) or their XML, Azure AD Connect run history JSON, certutil -view CSV, Entra sign-in CSV or JSON",
        path.display()
    ))
}

/// Reads every export under `paths`. A file that is not an export, or is damaged as a
/// whole, is an error naming it; records it cannot use are counted per file.
pub fn load(paths: &[PathBuf]) -> Result<Exports, UsageError> {
    let mut out = Exports::default();
    for path in files(paths)? {
        let name = path.display().to_string();
        // Typed on the open file (a FIFO, device or socket is refused unread); no size
        // limit, since every reader streams.
        let (mut file, meta) = crate::fsread::open_regular(&path, u64::MAX, Follow::Yes)
            .map_err(|e| format!("{name}: {e}"))?;
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        (&mut file)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| format!("{name}: {e}"))?;
        let kind = kind_of(&path, &head)?;
        let starts_json = head
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'[' || *b == b'{');
        let err =
            |e: UsageError| UsageError::new(format!("{name}: {}", super::clip(&e.to_string())));
        // The readers see the file from its start (the same open file: a regular file,
        // so it seeks; an `.evtx` log is read by chunk, wherever its oldest records are).
        let mut reader = BufReader::new(file);
        reader
            .rewind()
            .map_err(|e| err(format!("cannot read it: {e}").into()))?;
        // (records kept, records skipped by reason) of whichever reader the kind calls.
        let (used, skipped) = match kind {
            Kind::WindowsEventLog => {
                let r = evtx_logs::read(reader, meta.len()).map_err(err)?;
                let n = r.events.len();
                out.events.extend(r.events);
                (n, r.skipped)
            }
            Kind::WindowsEvents => {
                let r = windows_events::read(reader).map_err(err)?;
                let n = r.events.len();
                out.events.extend(r.events);
                (n, r.skipped)
            }
            Kind::RunHistory => {
                let r = run_history::read(reader).map_err(err)?;
                let n = r.runs.len();
                out.runs.extend(r.runs);
                (n, r.skipped)
            }
            Kind::CaRequests => {
                let r = certutil::read(reader).map_err(err)?;
                let n = r.requests.len();
                out.ca.extend(r.requests);
                (n, r.skipped)
            }
            Kind::SignIns => {
                let r = if starts_json {
                    signins::read_json(reader)
                } else {
                    signins::read_csv(reader)
                }
                .map_err(err)?;
                let n = r.signins.len();
                out.signins.extend(r.signins);
                (n, r.skipped)
            }
        };
        let used = used as u64;
        let records = used + skipped.values().map(|c| c.0).sum::<u64>();
        let skipped = skips(skipped);
        out.sources.push(SourceFile {
            file: name,
            kind,
            records,
            used,
            skipped,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_apart_by_content() {
        let d = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &str| std::fs::write(d.path().join(name), text).unwrap();
        w(
            "a.txt",
            r#"<Event><System><EventID>358</EventID><TimeCreated SystemTime="2025-12-01T08:00:00Z"/><Computer>PC1</Computer></System></Event>"#,
        );
        w(
            "b.json",
            r#"[{"ConnectorName":"c","RunProfileName":"Export","StartDate":"2025-12-01T08:00:00","EndDate":"2025-12-01T08:01:00"}]"#,
        );
        w("c.csv", "\"ID\",\"S\",\"R\",\"N\",\"T\",\"Q\"\n\"1\",\"2025-12-01 08:00:00\",\"2025-12-01 08:00:01\",\"\",\"WHFB\",\"x\"\n");
        w("d.csv", "Date (UTC),User ID,Username,Application\n2025-12-01T08:00:00Z,1,a@b.c,Windows Sign In\n");
        w(".hidden", "garbage");
        let e = load(&[d.path().to_path_buf()]).unwrap();
        assert_eq!(
            (e.events.len(), e.runs.len(), e.ca.len(), e.signins.len()),
            (1, 1, 1, 1)
        );
        let kinds: Vec<Kind> = e.sources.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::WindowsEvents,
                Kind::RunHistory,
                Kind::CaRequests,
                Kind::SignIns
            ]
        );
        w("e.json", r#"{"something":"else"}"#);
        assert!(load(&[d.path().to_path_buf()])
            .unwrap_err()
            .to_string()
            .contains("e.json"));
        let empty = tempfile::tempdir().unwrap();
        assert!(load(&[empty.path().to_path_buf()])
            .unwrap_err()
            .to_string()
            .contains("no export files"));
        let evtx = d.path().join("x.evtx");
        std::fs::write(&evtx, b"ElfFile\0").unwrap();
        let e = load(std::slice::from_ref(&evtx)).unwrap_err().to_string();
        assert!(e.contains("x.evtx") && e.contains("evtx file"), "{e}");
        std::fs::write(&evtx, b"<Event/>").unwrap();
        let e = load(&[evtx]).unwrap_err().to_string();
        assert!(e.contains("not an event log"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_unread() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo (coreutils) failed");
        assert!(load(&[fifo]).unwrap_err().to_string().contains("FIFO"));
    }
}
