//! The run's sync cycles as the Azure AD Connect run history a pilot exports with
//! `Get-ADSyncRunProfileResult -RunStepDetails | ConvertTo-Json`: six runs per cycle (both
//! connectors' delta import, delta synchronisation and export), back to back.

use crate::exports::time::{format_utc_fraction, UnixMicros};
use crate::model::done::SyncCycle;
use crate::scenario::schema::Spec;
use serde_json::{json, Value};

/// The on-premises AD connector.
const AD: &str = "contoso.com";
/// The Entra connector.
const ENTRA: &str = "contoso.onmicrosoft.com - AAD";

/// A time as ADSync writes it: UTC without a zone, milliseconds.
fn ps_time(t: UnixMicros) -> String {
    format_utc_fraction(t, 3)
}

fn run(
    n: u64,
    connector: &str,
    profile: &str,
    (start, end): (UnixMicros, UnixMicros),
    staged: u64,
    exported: u64,
    result: &str,
) -> Value {
    let (s, e) = (ps_time(start), ps_time(end));
    json!({
        "RunHistoryId": format!("00000000-0000-4000-9000-{n:012x}"),
        "ConnectorId": if connector == AD { "b891884f-051e-4a83-95af-2544101c9083" } else { "7ab3d0e6-0f4e-4a6e-9c1b-8d9f4f3b2a10" },
        "ConnectorName": connector,
        "RunProfileName": profile,
        "RunNumber": n,
        "Username": "NT SERVICE\\ADSync",
        "IsRunComplete": true,
        "Result": result,
        "CurrentStepNumber": 1,
        "TotalSteps": 1,
        "StartDate": s,
        "EndDate": e,
        "RunStepResults": [{
            "StepNumber": 1,
            "StartDate": s,
            "EndDate": e,
            "StageNoChange": 0,
            "StageAdd": 0,
            "StageUpdate": staged,
            "StageDelete": 0,
            "ExportAdd": 0,
            "ExportUpdate": exported,
            "ExportDelete": 0,
            "ExportFailure": 0
        }]
    })
}

/// The cycles as run-history JSON (an array of runs, pretty-printed as `ConvertTo-Json`
/// writes it). The AD connector's import stages the directory's other changes, the Entra
/// one's the keys and devices the cycle carries; the AD export carries those to AD and ends
/// when the cycle does. A cycle stopped before its export has no export runs.
pub fn json(cycles: &[SyncCycle], spec: &Spec, origin: UnixMicros) -> String {
    let background = spec.aad_connect.background_changes as u64;
    let mut runs = Vec::new();
    let mut n = 0u64;
    for c in cycles {
        let at = |t: u64| origin + t as i64;
        let (start, end) = (at(c.start), at(c.end));
        let cutoff = c.cutoff.map_or(end, at).clamp(start, end);
        let carried = (c.keys + c.devices) as u64;
        let result = if c.aborted {
            "stopped-server-down"
        } else {
            "success"
        };
        let mid = start + (cutoff - start) / 2;
        let rest = end - cutoff;
        let step = |k: i64| cutoff + rest * k / 4;
        let mut push = |conn: &str, profile: &str, span, staged, exported, result: &str| {
            n += 1;
            runs.push(run(n, conn, profile, span, staged, exported, result));
        };
        push(AD, "Delta Import", (start, mid), background, 0, "success");
        push(ENTRA, "Delta Import", (mid, cutoff), carried, 0, "success");
        if c.aborted {
            push(AD, "Delta Synchronization", (cutoff, end), 0, 0, result);
            continue;
        }
        push(
            AD,
            "Delta Synchronization",
            (step(0), step(1)),
            0,
            0,
            result,
        );
        push(
            ENTRA,
            "Delta Synchronization",
            (step(1), step(2)),
            0,
            0,
            result,
        );
        push(ENTRA, "Export", (step(2), step(3)), 0, background, result);
        push(AD, "Export", (step(3), end), 0, carried, result);
    }
    serde_json::to_string_pretty(&Value::Array(runs)).unwrap_or_default() + "\n"
}
