//! `signin.trace`: a pilot's real sign-ins replayed instead of the synthetic waves. The file
//! is a CSV with the columns `user,time`, one row per sign-in; `time` is either seconds
//! from the policy start (the simulation's time origin) or an ISO-8601 UTC time, counted
//! from `pki.epoch`. A user's first row is their first sign-in after the policy; later
//! rows are their later sign-ins, which replace the drawn away times.

use crate::engine::time::{from_secs, SimTime, SECOND};
use crate::error::UsageError;
use crate::exports::time::parse_utc;
use crate::fsread::{read_regular, Follow};
use std::collections::BTreeMap;
use std::path::Path;

/// Largest trace file read (a 50-million-row trace is about 2 GB; a pilot's is far smaller).
pub(crate) const MAX_TRACE_BYTES: u64 = 512 * 1024 * 1024;
/// Most sign-in rows a trace may hold.
pub(crate) const MAX_TRACE_ROWS: usize = 20_000_000;
/// Longest user name kept from a row (longer names are refused, not cut: two users whose
/// names differ only past the cut would merge).
const MAX_USER_LEN: usize = 256;

/// The sign-ins of a trace, by user. Users are numbered in the order of their first
/// sign-in (ties by name), so user 0 signs in first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInTrace {
    /// The users' names as the file writes them, by user number.
    pub names: Vec<String>,
    /// Every user's sign-in times, sorted, without repeats: user `u`'s are
    /// `times[starts[u]..starts[u + 1]]`.
    pub times: Vec<SimTime>,
    /// Where each user's times begin in `times`, plus one past the end.
    pub starts: Vec<usize>,
}

impl SignInTrace {
    /// Number of users.
    pub fn users(&self) -> u32 {
        self.names.len() as u32
    }

    /// User `u`'s sign-in times, sorted.
    pub fn of(&self, u: u32) -> &[SimTime] {
        let u = u as usize;
        &self.times[self.starts[u]..self.starts[u + 1]]
    }

    /// Builds a trace from (user name, time) pairs in any order.
    pub(crate) fn from_rows(rows: impl IntoIterator<Item = (String, SimTime)>) -> SignInTrace {
        let mut by_user: BTreeMap<String, Vec<SimTime>> = BTreeMap::new();
        for (name, t) in rows {
            by_user.entry(name).or_default().push(t);
        }
        let mut users: Vec<(String, Vec<SimTime>)> = by_user
            .into_iter()
            .map(|(n, mut ts)| {
                ts.sort_unstable();
                ts.dedup();
                (n, ts)
            })
            .collect();
        users.sort_by(|a, b| a.1[0].cmp(&b.1[0]).then_with(|| a.0.cmp(&b.0)));
        let mut out = SignInTrace {
            names: Vec::with_capacity(users.len()),
            times: Vec::new(),
            starts: vec![0],
        };
        for (name, ts) in users {
            out.names.push(name);
            out.times.extend(ts);
            out.starts.push(out.times.len());
        }
        out
    }

    /// Reads a trace file; `epoch_s` is the Unix time (seconds) of the time origin, for
    /// rows written as ISO-8601 times. Errors say the line and column and what is allowed.
    pub fn load(path: &Path, epoch_s: i64) -> Result<SignInTrace, UsageError> {
        let bytes = read_regular(path, MAX_TRACE_BYTES, Follow::Yes)
            .map_err(|e| UsageError::new(e.to_string()))?;
        Self::parse(&bytes, epoch_s).map_err(UsageError::new)
    }

    /// Parses a trace's bytes (see [`SignInTrace::load`]).
    fn parse(bytes: &[u8], epoch_s: i64) -> Result<SignInTrace, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| format!("line 1: not a CSV header: {e}"))?
            .clone();
        let col = |name: &str| headers.iter().position(|h| h.trim() == name);
        let (Some(user_col), Some(time_col)) = (col("user"), col("time")) else {
            return Err(format!(
                "line 1: the header is `{}`; allowed: the columns `user,time` (one row per sign-in)",
                headers.iter().collect::<Vec<_>>().join(",").chars().take(80).collect::<String>()
            ));
        };
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| match e.position() {
                Some(p) => format!("line {}: {e}", p.line()),
                None => e.to_string(),
            })?;
            let line = record.position().map_or(0, |p| p.line());
            if rows.len() >= MAX_TRACE_ROWS {
                return Err(format!(
                    "line {line}: more than {MAX_TRACE_ROWS} sign-ins; allowed: at most {MAX_TRACE_ROWS}"
                ));
            }
            let user = record.get(user_col).unwrap_or("").trim();
            if user.is_empty() || user.len() > MAX_USER_LEN {
                return Err(format!(
                    "line {line}, column `user`: allowed: a name of 1 to {MAX_USER_LEN} characters"
                ));
            }
            let text = record.get(time_col).unwrap_or("").trim();
            let t =
                time_of(text, epoch_s).map_err(|m| format!("line {line}, column `time`: {m}"))?;
            rows.push((user.to_string(), t));
        }
        if rows.is_empty() {
            return Err("no sign-ins: the trace needs at least one row `user,time`".into());
        }
        Ok(SignInTrace::from_rows(rows))
    }
}

/// Latest time a trace row may give: about 100 years after the origin, far beyond any
/// horizon and far from overflowing simulated time.
const MAX_TIME_S: f64 = 100.0 * 365.0 * 86_400.0;

fn time_of(text: &str, epoch_s: i64) -> Result<SimTime, String> {
    let allowed = "allowed: seconds from the policy start (e.g. 3600.5) or an ISO-8601 UTC time (e.g. 2026-01-05T08:00:00Z) at or after pki.epoch";
    let secs = if let Ok(s) = text.parse::<f64>() {
        s
    } else {
        let us =
            parse_utc(text).map_err(|_| format!("`{}` is not a time; {allowed}", cut(text)))?;
        (us - epoch_s * SECOND as i64) as f64 / 1e6
    };
    if !secs.is_finite() || !(0.0..=MAX_TIME_S).contains(&secs) {
        return Err(format!(
            "`{}` is {} the policy start; {allowed}, and at most 100 years after it",
            cut(text),
            if secs < 0.0 {
                "before"
            } else {
                "too far after"
            }
        ));
    }
    Ok(from_secs(secs))
}

fn cut(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPOCH: i64 = 1_764_576_000; // 2025-12-01T08:00:00Z

    #[test]
    fn rows_in_either_time_form_become_sorted_sign_ins_per_user() {
        let csv =
            "user,time\nbob,7200\nalice,2025-12-01T09:00:00.5000000Z\nbob,60\nalice,30\nbob,60\n";
        let t = SignInTrace::parse(csv.as_bytes(), EPOCH).unwrap();
        assert_eq!(t.names, ["alice", "bob"]);
        assert_eq!(t.of(0), [30 * SECOND, 3_600 * SECOND + SECOND / 2]);
        // bob's repeated row counts once; his first sign-in is later than alice's.
        assert_eq!(t.of(1), [60 * SECOND, 7_200 * SECOND]);
        assert_eq!(t.users(), 2);
    }

    #[test]
    fn bad_rows_are_refused_with_their_line_and_what_is_allowed() {
        let cases = [
            ("who,when\na,1\n", "line 1: the header is `who,when`"),
            (
                "user,time\na,1\nb,soon\n",
                "line 3, column `time`: `soon` is not a time",
            ),
            (
                "user,time\na,-5\n",
                "line 2, column `time`: `-5` is before the policy start",
            ),
            (
                "user,time\na,2025-11-30T00:00:00Z\n",
                "is before the policy start",
            ),
            ("user,time\na,1e300\n", "too far after"),
            ("user,time\na,NaN\n", "`NaN` is"),
            ("user,time\n,5\n", "line 2, column `user`"),
            ("user,time\na,1,2\n", "line 2"),
            ("user,time\n", "no sign-ins"),
        ];
        for (csv, want) in cases {
            let e = SignInTrace::parse(csv.as_bytes(), EPOCH).unwrap_err();
            assert!(e.contains(want), "{csv:?}: {e}");
        }
    }
}
