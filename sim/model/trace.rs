//! The per-user event log (`events.csv`), kept only for the users asked for so an
//! untraced run pays nothing.

use super::done::TraceRecord;
use crate::engine::SimTime;

/// Which users to trace.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceFilter {
    /// Nobody (the default).
    #[default]
    Off,
    /// Every user.
    All,
    /// These users (0-based ids).
    Users(Vec<u32>),
}

/// Collects trace records.
pub(crate) struct Trace {
    wanted: Vec<bool>,
    all: bool,
    records: Vec<TraceRecord>,
}

impl Trace {
    /// A trace for `users` users with `filter`.
    pub fn new(filter: &TraceFilter, users: u32) -> Trace {
        let mut wanted = Vec::new();
        if let TraceFilter::Users(ids) = filter {
            wanted = vec![false; users as usize];
            for &id in ids {
                if let Some(w) = wanted.get_mut(id as usize) {
                    *w = true;
                }
            }
        }
        Trace {
            wanted,
            all: matches!(filter, TraceFilter::All),
            records: Vec::new(),
        }
    }

    /// Whether `user` is traced.
    #[inline]
    pub(crate) fn wants(&self, user: u32) -> bool {
        self.all || self.wanted.get(user as usize).copied().unwrap_or(false)
    }

    /// Records an event; `message` is only built when the user is traced.
    #[inline]
    pub fn log(
        &mut self,
        t: SimTime,
        user: u32,
        step: &'static str,
        event_id: Option<u16>,
        message: impl FnOnce() -> String,
    ) {
        if self.wants(user) {
            self.records.push(TraceRecord {
                t,
                user,
                step: std::borrow::Cow::Borrowed(step),
                event_id,
                message: message(),
            });
        }
    }

    /// The records, in time order (they are logged as the clock advances).
    pub(crate) fn into_records(self) -> Vec<TraceRecord> {
        self.records
    }
}
