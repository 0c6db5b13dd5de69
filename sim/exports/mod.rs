//! Readers of what a pilot rollout can export: the devices' Windows event logs (XML as
//! `wevtutil` or `Get-WinEvent` writes it), Azure AD Connect's run history and Entra
//! sign-in logs (CSV or JSON), the CA's request log (certutil's CSV), and the devices'
//! binary `.evtx` logs themselves. Each reader streams its file in
//! bounded memory, never expands an entity or fetches anything, and turns a record it
//! cannot use into a counted skip rather than a failure of the whole export.
//!
//! Nothing here knows about scenarios or the model: it turns files into records, which
//! fitting reads.

pub mod certutil;
pub mod csv_rows;
pub mod evtx_logs;
pub mod json_elements;
pub mod load;
pub mod run_history;
pub mod signins;
pub mod time;
pub mod windows_events;

/// The longest message about an export, in characters: a parser's error can quote what
/// it found, and what it found can be a megabyte of one hostile name.
pub(crate) const MAX_MESSAGE_CHARS: usize = 400;

/// `text` cut to [`MAX_MESSAGE_CHARS`], with `…` where it was cut.
pub(crate) fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}
