//! Azure AD Connect's run history as `Get-ADSyncRunProfileResult -RunStepDetails |
//! ConvertTo-Json` writes it: an array of runs (a single object when there is one), each
//! with its connector, run profile (`Delta Import`, `Delta Synchronization`, `Export`, …),
//! start and end, and its steps' change counts. Times are UTC as ADSync records them,
//! written by PowerShell 7 as ISO 8601 without a zone and by Windows PowerShell 5.1 as
//! `/Date(milliseconds)/`; both are read.
//!
//! Runs are streamed one at a time (a run is small; a run larger than `MAX_RUN_BYTES`
//! is refused while it is read, failing the file), nesting is capped by serde_json's recursion limit, and the runs are
//! grouped into sync cycles: the runs the scheduler starts one after another.

use super::json_elements::{capped, Element};
use super::time::{parse_utc, UnixMicros};
use crate::error::UsageError;
use serde::de::{self, Deserializer as _, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// The largest run read, bytes of JSON: a run with its steps is a few KiB.
pub(crate) const MAX_RUN_BYTES: usize = 1 << 20;

/// The longest pause between one run's end and the next run's start within one sync
/// cycle: the scheduler starts the next step at once, so a longer pause is a new cycle.
pub(crate) const CYCLE_GAP_US: i64 = 60_000_000;

/// One run of one connector's run profile.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRun {
    /// The connector (`contoso.com`, `contoso.onmicrosoft.com - AAD`).
    pub connector: String,
    /// The run profile (`Delta Import`, `Delta Synchronization`, `Export`, …).
    pub profile: String,
    /// `success`, `completed-export-errors`, … as ADSync reports it.
    pub result: String,
    /// When it started, UTC.
    pub start: UnixMicros,
    /// When it ended, UTC.
    pub end: UnixMicros,
    /// Objects its steps staged (added, updated, deleted): for an import, the changes it
    /// brought in.
    pub staged: u64,
    /// Objects its steps exported (added, updated, deleted).
    pub exported: u64,
}

impl SyncRun {
    /// Whether it is an import run (its staged counts are the cycle's changes).
    pub(crate) fn is_import(&self) -> bool {
        self.profile.to_ascii_lowercase().contains("import")
    }

    /// Whether it is an export run.
    pub(crate) fn is_export(&self) -> bool {
        self.profile.to_ascii_lowercase().contains("export")
    }
}

/// A time in either of PowerShell's JSON forms.
fn parse_ps_time(text: &str) -> Result<UnixMicros, String> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // `/Date(1649448811163)/`, possibly with a `+0000` offset after the number.
        let digits: String = inner
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        let ms: i64 = digits
            .parse()
            .map_err(|_| format!("`{text}` is not a /Date(milliseconds)/ time"))?;
        return ms
            .checked_mul(1_000)
            .ok_or_else(|| format!("`{text}` is out of range"));
    }
    parse_utc(t).map_err(|e| e.to_string())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawStep {
    #[serde(default)]
    stage_add: u64,
    #[serde(default)]
    stage_update: u64,
    #[serde(default)]
    stage_delete: u64,
    #[serde(default)]
    export_add: u64,
    #[serde(default)]
    export_update: u64,
    #[serde(default)]
    export_delete: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRun {
    #[serde(default)]
    connector_name: String,
    run_profile_name: String,
    #[serde(default)]
    result: String,
    start_date: String,
    end_date: String,
    #[serde(default)]
    run_step_results: StepList,
}

/// `RunStepResults`: an array of steps, or one step as an object (ConvertTo-Json unwraps
/// a one-element array), or null.
#[derive(Default)]
struct StepList(Vec<RawStep>);

impl<'de> Deserialize<'de> for StepList {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            Many(Vec<RawStep>),
            One(RawStep),
            None(()),
        }
        Ok(match OneOrMany::deserialize(d)? {
            OneOrMany::Many(v) => StepList(v),
            OneOrMany::One(s) => StepList(vec![s]),
            OneOrMany::None(()) => StepList(Vec::new()),
        })
    }
}

impl RawRun {
    fn finish(self) -> Result<SyncRun, String> {
        let start = parse_ps_time(&self.start_date)?;
        let end = parse_ps_time(&self.end_date)?;
        if end < start {
            return Err(format!(
                "EndDate `{}` is before StartDate `{}`",
                self.end_date, self.start_date
            ));
        }
        let sum = |f: fn(&RawStep) -> u64| {
            self.run_step_results
                .0
                .iter()
                .fold(0u64, |a, s| a.saturating_add(f(s)))
        };
        Ok(SyncRun {
            connector: self.connector_name.clone(),
            profile: self.run_profile_name.clone(),
            result: self.result.clone(),
            start,
            end,
            staged: sum(|s| {
                s.stage_add
                    .saturating_add(s.stage_update)
                    .saturating_add(s.stage_delete)
            }),
            exported: sum(|s| {
                s.export_add
                    .saturating_add(s.export_update)
                    .saturating_add(s.export_delete)
            }),
        })
    }
}

/// What [`read`] found: the runs in file order and the runs refused, by reason.
#[derive(Debug, Default)]
pub struct Read {
    /// Usable runs.
    pub runs: Vec<SyncRun>,
    /// Refused runs: reason → (count, index of the first in the file, from 1).
    pub skipped: std::collections::BTreeMap<String, (u64, u64)>,
}

/// Reads a run-history export. A file that is not JSON, or whose top level is neither
/// an array of runs nor one run, is an error naming what was expected; a run without
/// the fields a run has is counted as skipped.
pub fn read<R: std::io::Read>(input: R) -> Result<Read, UsageError> {
    struct Runs(Element);
    impl<'de> Visitor<'de> for Runs {
        type Value = Read;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of runs as Get-ADSyncRunProfileResult | ConvertTo-Json writes it")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
            let mut out = Read::default();
            let mut n = 0u64;
            loop {
                self.0.begin();
                let Some(v) = seq.next_element::<serde_json::Value>()? else {
                    break;
                };
                n += 1;
                take(v, n, &mut out);
            }
            Ok(out)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Read, A::Error> {
            let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
            let mut out = Read::default();
            take(v, 1, &mut out);
            Ok(out)
        }
    }
    fn take(v: serde_json::Value, n: u64, out: &mut Read) {
        let r = serde_json::from_value::<RawRun>(v)
            .map_err(|e| format!("not a run: {e}"))
            .and_then(RawRun::finish);
        match r {
            Ok(run) => out.runs.push(run),
            Err(why) => out.skipped.entry(why).or_insert((0, n)).0 += 1,
        }
    }
    // Each run is capped while it is read (a hostile one is never held whole).
    let (input, element) = capped(input, MAX_RUN_BYTES as u64, "a run");
    let mut de = serde_json::Deserializer::from_reader(input);
    let out = de
        .deserialize_any(Runs(element))
        .map_err(|e| format!("not a run-history export: {e}"))?;
    de.end()
        .map_err(|e| format!("not a run-history export: trailing data: {e}"))?;
    Ok(out)
}

/// One sync cycle: runs started one after another by the scheduler.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// The first run's start.
    pub start: UnixMicros,
    /// The last run's end.
    pub end: UnixMicros,
    /// The changes the cycle carried: the objects its import runs staged (AD and Entra
    /// connectors together); exports carry the same objects out and are not counted again.
    pub changes: u64,
    /// When its last export to on-prem AD ended (a key reaches AD then), if it had one:
    /// the export run of the connector that is not the Entra one (`- AAD`).
    pub ad_export_end: Option<UnixMicros>,
    /// How many runs it holds.
    pub runs: usize,
}

/// Groups runs into cycles: sorted by start, a run that starts more than
/// `CYCLE_GAP_US` after the previous run ended begins a new cycle.
pub fn cycles(runs: &[SyncRun]) -> Vec<Cycle> {
    let mut sorted: Vec<&SyncRun> = runs.iter().collect();
    sorted.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Cycle> = Vec::new();
    let mut last_end = i64::MIN;
    for r in sorted {
        let new = out.is_empty() || r.start.saturating_sub(last_end) > CYCLE_GAP_US;
        if new {
            out.push(Cycle {
                start: r.start,
                end: r.end,
                changes: 0,
                ad_export_end: None,
                runs: 0,
            });
        }
        let c = out.last_mut().expect("a cycle");
        c.end = c.end.max(r.end);
        c.runs += 1;
        if r.is_import() {
            c.changes = c.changes.saturating_add(r.staged);
        }
        let entra = r.connector.to_ascii_lowercase().contains("aad")
            || r.connector.to_ascii_lowercase().contains("onmicrosoft");
        if r.is_export() && !entra {
            c.ad_export_end = Some(c.ad_export_end.map_or(r.end, |e: i64| e.max(r.end)));
        }
        last_end = last_end.max(r.end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two cycles of the usual six runs (times as PowerShell 7 writes them), in the shape
    /// `Get-ADSyncRunProfileResult -RunStepDetails | ConvertTo-Json` exports.
    fn history() -> String {
        let run = |conn: &str, profile: &str, s: &str, e: &str, staged: u64, exported: u64| {
            format!(
                r#"{{"RunHistoryId":"3b1f1a2e-0000-0000-0000-000000000001","ConnectorId":"b891884f-051e-4a83-95af-2544101c9083","ConnectorName":"{conn}","RunProfileId":"00000000-0000-0000-0000-000000000002","RunProfileName":"{profile}","RunNumber":1,"Username":"NT SERVICE\\ADSync","IsRunComplete":true,"Result":"success","CurrentStepNumber":1,"TotalSteps":1,"StartDate":"{s}","EndDate":"{e}","RunStepResults":[{{"StepNumber":1,"StartDate":"{s}","EndDate":"{e}","StageNoChange":0,"StageAdd":{staged},"StageUpdate":0,"StageDelete":0,"ExportAdd":0,"ExportUpdate":{exported},"ExportDelete":0,"ExportFailure":0}}]}}"#
            )
        };
        let mut runs = Vec::new();
        // Cycles at 08:00 and 08:30, the first carrying 12 AD changes, the second 40.
        for (base, n) in [(0u32, 12u64), (30, 40)] {
            let t = |sec: u32| {
                let total = base * 60 + sec;
                format!("2022-04-08T08:{:02}:{:02}.163", total / 60, total % 60)
            };
            runs.push(run("contoso.com", "Delta Import", &t(0), &t(10), n, 0));
            runs.push(run(
                "contoso.onmicrosoft.com - AAD",
                "Delta Import",
                &t(11),
                &t(20),
                3,
                0,
            ));
            runs.push(run(
                "contoso.com",
                "Delta Synchronization",
                &t(21),
                &t(30),
                0,
                0,
            ));
            runs.push(run(
                "contoso.onmicrosoft.com - AAD",
                "Delta Synchronization",
                &t(31),
                &t(40),
                0,
                0,
            ));
            runs.push(run(
                "contoso.onmicrosoft.com - AAD",
                "Export",
                &t(41),
                &t(50),
                0,
                n,
            ));
            runs.push(run("contoso.com", "Export", &t(51), &t(59), 0, 3));
        }
        format!("[{}]", runs.join(",\n"))
    }

    #[test]
    fn reads_runs_and_groups_them_into_cycles() {
        let r = read(history().as_bytes()).unwrap();
        assert_eq!(r.runs.len(), 12);
        assert!(r.skipped.is_empty());
        let c = cycles(&r.runs);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].runs, 6);
        assert_eq!(c[0].changes, 15);
        assert_eq!(c[1].changes, 43);
        assert_eq!(c[1].start - c[0].start, 30 * 60 * 1_000_000);
        assert_eq!(c[0].ad_export_end, Some(c[0].end));
    }

    #[test]
    fn reads_windows_powershell_dates_and_a_single_run() {
        let one = r#"{"ConnectorName":"contoso.com","RunProfileName":"Export","Result":"success","StartDate":"\/Date(1649448811163)\/","EndDate":"\/Date(1649448871163)\/","RunStepResults":{"ExportUpdate":4}}"#;
        let r = read(one.as_bytes()).unwrap();
        assert_eq!(r.runs.len(), 1);
        assert_eq!(r.runs[0].start, 1_649_448_811_163_000);
        assert_eq!(r.runs[0].end - r.runs[0].start, 60_000_000);
        assert_eq!(r.runs[0].exported, 4);
    }

    #[test]
    fn what_is_not_run_history_is_refused_or_counted() {
        assert!(read(&b"not json"[..])
            .unwrap_err()
            .to_string()
            .contains("not a run-history export"));
        assert!(read(&b"42"[..])
            .unwrap_err()
            .to_string()
            .contains("not a run-history export"));
        assert!(read(&b"[] []"[..])
            .unwrap_err()
            .to_string()
            .contains("trailing"));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(read(deep.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("recursion limit exceeded"));
        // A run that never ends is refused once it passes the cap, not read for ever.
        let endless = std::io::Read::chain(
            &br#"[{"RunProfileName":"Export","StartDate":""#[..],
            std::io::repeat(b'x'),
        );
        let e = read(endless).unwrap_err().to_string();
        assert!(e.contains("a run larger than the limit of 1024 KiB"), "{e}");
        let r = read(&br#"[{"Name":"x"},{"RunProfileName":"Export","StartDate":"2022-04-08T20:13:31.163","EndDate":"2022-04-08T20:13:30"}]"#[..]).unwrap();
        assert!(r.runs.is_empty());
        assert_eq!(r.skipped.values().map(|c| c.0).sum::<u64>(), 2);
    }
}
