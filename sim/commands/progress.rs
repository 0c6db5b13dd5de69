//! Progress of long commands on stderr: on a terminal one bar per stage (keys, requests,
//! simulations, files) with its own total and an ETA; otherwise (a log, CI, a batch job)
//! a plain line at each stage change and at most every 5 s, e.g.
//! `keys 800/2000 (40 %), ETA 45 s`. `--quiet` silences both.

use crate::pki::PkiStage;
use crate::run::Stage;
use crate::scenario::Scenario;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest a log goes without a progress line while a stage runs.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    Bars,
    Lines,
}

/// The stage being shown.
struct Current {
    label: &'static str,
    total: usize,
    done: usize,
    started: Instant,
    last_line: Instant,
    bar: Option<indicatif::ProgressBar>,
}

/// Progress reports of one command, from any thread.
pub(crate) struct Reporter {
    mode: Mode,
    current: Mutex<Option<Current>>,
}

/// What a stage is called on the bar and in log lines.
fn label_of(stage: Stage) -> &'static str {
    match stage {
        Stage::Pki(PkiStage::Keys) => "keys",
        Stage::Pki(PkiStage::Requests) => "requests",
        Stage::Pki(PkiStage::Files) => "files",
        Stage::Simulations => "simulations",
    }
}

/// `45 s`, `12 min`, `2.5 h`.
fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 90.0 * 60.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// The plain line for `done` of `total` after `elapsed`.
fn line(label: &str, done: usize, total: usize, elapsed: Duration) -> String {
    let pct = (done as u128 * 100)
        .checked_div(total as u128)
        .unwrap_or(100);
    let tail = if done >= total {
        format!("done in {}", human(elapsed))
    } else if done == 0 || elapsed < Duration::from_secs(1) {
        // Too early for a rate worth extrapolating.
        "ETA unknown".to_string()
    } else {
        let left = elapsed.as_secs_f64() * (total - done) as f64 / done as f64;
        format!("ETA {}", human(Duration::from_secs_f64(left)))
    };
    format!("{label} {done}/{total} ({pct} %), {tail}")
}

impl Reporter {
    /// Bars on a terminal, lines elsewhere, nothing with `quiet`.
    pub fn new(quiet: bool) -> Reporter {
        let mode = if quiet {
            Mode::Off
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Lines
        };
        Reporter {
            mode,
            current: Mutex::new(None),
        }
    }

    /// A report from the run layer.
    pub(crate) fn tick(&self, stage: Stage, done: usize, total: usize) {
        self.report(label_of(stage), done, total);
    }

    /// A report from the PKI layer.
    pub fn pki(&self, stage: PkiStage, done: usize, total: usize) {
        self.tick(Stage::Pki(stage), done, total);
    }

    fn report(&self, label: &'static str, done: usize, total: usize) {
        if self.mode == Mode::Off {
            return;
        }
        let mut guard = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let same = guard
            .as_ref()
            .is_some_and(|c| c.label == label && c.total == total);
        if !same {
            if let Some(old) = guard.take() {
                self.close(old);
            }
            let bar = (self.mode == Mode::Bars).then(|| {
                let pb = indicatif::ProgressBar::new(total as u64);
                pb.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{msg:>11} [{bar:40}] {pos}/{len} ({percent} %) {elapsed} elapsed, ETA {eta}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                pb.set_message(label);
                pb
            });
            if self.mode == Mode::Lines {
                eprintln!("{}", line(label, done, total, Duration::ZERO));
            }
            *guard = Some(Current {
                label,
                total,
                done,
                started: now,
                last_line: now,
                bar,
            });
            return;
        }
        let Some(c) = guard.as_mut() else { return };
        // Workers report out of order: the bar only moves forward.
        if done <= c.done {
            return;
        }
        c.done = done;
        if let Some(pb) = &c.bar {
            pb.set_position(done as u64);
        }
        if self.mode == Mode::Lines && (done >= total || now - c.last_line >= LINE_EVERY) {
            c.last_line = now;
            eprintln!("{}", line(label, done, total, now - c.started));
        }
    }

    fn close(&self, c: Current) {
        if let Some(pb) = c.bar {
            pb.finish();
        } else if self.mode == Mode::Lines && c.done < c.total {
            // A stage left before its end (a full pool's keys, an error): say where.
            eprintln!("{}", line(c.label, c.done, c.total, c.started.elapsed()));
        }
    }

    /// Ends the last stage (before the command prints its results).
    pub fn finish(&self) {
        let mut guard = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = guard.take() {
            self.close(c);
        }
    }
}

/// Approximate cost of one user's entry in the key pool (key, request, receipt): disk
/// bytes and CPU seconds to generate, from the pool's own figures (docs/pki.md, PERFORMANCE.md).
fn per_user_cost(alg: crate::pki::KeyAlg) -> (f64, f64) {
    match alg {
        crate::pki::KeyAlg::Rsa2048 => (2_600.0, 0.070),
        crate::pki::KeyAlg::EcdsaP256 => (1_000.0, 0.0002),
    }
}

/// Before the first fill of a key pool: says where the keys go and about how much disk
/// and time they take (once per distinct pool and algorithm the scenario's variants use).
/// Also the first check of the key cache folder, so a bad one is refused before any work.
pub(crate) fn announce_key_fill(
    scenario: &Scenario,
    users: Option<u32>,
    threads: Option<usize>,
    quiet: bool,
) -> anyhow::Result<()> {
    use crate::pki::{KeyPool, KeySet};
    let mut seen = Vec::new();
    for v in &scenario.variants {
        if v.spec.pki.mode == crate::scenario::schema::PkiMode::Off {
            continue;
        }
        let settings = crate::run::pki_backend::settings_of(&v.spec)?;
        let pool = KeyPool::open(settings.key_cache.as_deref())?;
        let users = users.unwrap_or(v.spec.users) as usize;
        let key = (pool.dir().to_path_buf(), settings.client_key, users);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let missing = users - pool.available(KeySet::Users, settings.client_key, users)?;
        if missing == 0 || quiet {
            continue;
        }
        let (bytes, cpu_s) = per_user_cost(settings.client_key);
        let cores = threads.unwrap_or_else(rayon::current_num_threads).max(1);
        let mb = missing as f64 * bytes / 1e6;
        let wall = Duration::from_secs_f64(missing as f64 * cpu_s / cores as f64);
        eprintln!(
            "key pool: generating {missing} {} user keys into {} — about {mb:.1} MB on disk and {} of CPU ({} on {cores} cores); later runs reuse them (see docs/pki.md, \"The key pool\")",
            settings.client_key,
            pool.dir().display(),
            human(Duration::from_secs_f64(missing as f64 * cpu_s)),
            human(wall)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_stage_count_percent_and_eta() {
        let s = Duration::from_secs;
        assert_eq!(
            line("keys", 0, 2000, s(0)),
            "keys 0/2000 (0 %), ETA unknown"
        );
        assert_eq!(
            line("keys", 800, 2000, s(30)),
            "keys 800/2000 (40 %), ETA 45 s"
        );
        assert_eq!(
            line("simulations", 2, 2, s(100)),
            "simulations 2/2 (100 %), done in 2 min"
        );
        assert_eq!(line("keys", 1, 4, s(3600)), "keys 1/4 (25 %), ETA 3.0 h");
        assert_eq!(line("keys", 1, 70, s(0)), "keys 1/70 (1 %), ETA unknown");
    }
}
