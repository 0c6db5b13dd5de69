//! The simulator's own run written in the formats a real pilot exports (`run
//! --trace-format windows-xml`): per device an events XML as `Get-WinEvent … | %
//! { $_.ToXml() }` writes it, the Azure AD Connect run history as
//! `Get-ADSyncRunProfileResult -RunStepDetails | ConvertTo-Json` writes it, the CA's
//! request log as `certutil -view -gmt -seconds … csv` writes it and the Entra sign-in log
//! as the portal's CSV download. `fit` and `compare-pilot` read them like real exports, so
//! `run` → `fit` → `compare-pilot` can be tested end to end on a pilot whose truth is known.
//!
//! Simulated user `u` is device `DESKTOP-uuuuu`, SID `…-(1000+u)`, UPN
//! `useruuuuu@contoso.com`; calendar times are the simulated ones counted from `pki.epoch`.

pub mod certutil;
pub mod events;
pub mod run_history;
pub mod signins;

use crate::model::RunOutput;
use crate::report::atomic::FileList;
use crate::scenario::schema::Spec;
use std::path::Path;

/// Who simulated user `u` is in the exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    /// The device's name (`<Computer>`).
    pub computer: String,
    /// The user's SID (`<Security UserID>`).
    pub sid: String,
    /// The user's UPN.
    pub upn: String,
    /// The user's Entra object id.
    pub object_id: String,
}

/// The identity of simulated user `u`.
pub(crate) fn identity(u: u32) -> Identity {
    Identity {
        computer: format!("DESKTOP-{u:05}"),
        sid: format!(
            "S-1-5-21-1004336348-1177238915-682003330-{}",
            1000 + u as u64
        ),
        upn: format!("user{u:05}@contoso.com"),
        object_id: format!("00000000-0000-4000-8000-{:012x}", u),
    }
}

/// Microseconds since the Unix epoch of the simulation's time origin (`pki.epoch`).
pub(crate) fn origin_us(spec: &Spec) -> anyhow::Result<i64> {
    let s = crate::scenario::calendar::parse_epoch(&spec.pki.epoch)
        .map_err(|m| anyhow::anyhow!("pki.epoch: {m}"))?;
    Ok(s * 1_000_000)
}

/// Writes one replication's exports into `dir`: `events/<COMPUTER>.xml` per device with
/// events, `run-history.json`, `certutil.csv` and `signins.csv`.
pub fn write(dir: &Path, run: &RunOutput, spec: &Spec) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let origin = origin_us(spec)?;
    std::fs::create_dir_all(dir.join("events"))?;
    let mut files = FileList::new(dir);
    for (computer, xml) in events::by_device_xml(&events::win_events(run, origin)) {
        files.put(&format!("events/{computer}.xml"), xml)?;
    }
    files.put(
        "run-history.json",
        run_history::json(&run.sync_cycles, spec, origin),
    )?;
    files.put("certutil.csv", certutil::csv(run, origin))?;
    files.put("signins.csv", signins::csv(run, origin))?;
    Ok(files.into_files())
}
