//! Statistics the simulator keeps: time-weighted levels (queue length, busy servers),
//! samples with percentiles, a coarse time series for charts, per-bucket tallies of
//! observations, and the busiest window of a bucketed series.

use super::time::{to_secs, SimTime};

/// A level that changes at instants (a queue length, busy servers): its time average and
/// maximum over the observed span.
#[derive(Debug, Clone, Default)]
pub struct TimeWeighted {
    start: SimTime,
    last_t: SimTime,
    level: f64,
    area: f64,
    max: f64,
}

impl TimeWeighted {
    /// A level that is 0 from `start` on.
    pub fn new(start: SimTime) -> Self {
        TimeWeighted {
            start,
            last_t: start,
            ..Default::default()
        }
    }

    /// The level becomes `level` at time `t` (t never decreases).
    pub fn set(&mut self, t: SimTime, level: f64) {
        self.area += self.level * (t.saturating_sub(self.last_t)) as f64;
        self.last_t = self.last_t.max(t);
        self.level = level;
        self.max = self.max.max(level);
    }

    /// The current level.
    pub fn level(&self) -> f64 {
        self.level
    }

    /// The maximum level seen.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The time average from the start up to `t`.
    pub(crate) fn mean_until(&self, t: SimTime) -> f64 {
        let span = t.saturating_sub(self.start) as f64;
        if span <= 0.0 {
            return 0.0;
        }
        let area = self.area + self.level * t.saturating_sub(self.last_t) as f64;
        area / span
    }
}

/// A set of observations (seconds) with mean and percentiles.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    values: Vec<f64>,
    sorted: bool,
}

impl Samples {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an observation.
    pub fn push(&mut self, v: f64) {
        self.values.push(v);
        self.sorted = false;
    }

    /// The number of observations.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The arithmetic mean, `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        if self.values.is_empty() {
            None
        } else {
            Some(self.values.iter().sum::<f64>() / self.values.len() as f64)
        }
    }

    /// The p-quantile (0..=1) by linear interpolation between order statistics (Hyndman &
    /// Fan type 7, what R and NumPy use by default); `None` when empty.
    pub fn quantile(&mut self, p: f64) -> Option<f64> {
        if self.values.is_empty() {
            return None;
        }
        if !self.sorted {
            self.values.sort_unstable_by(f64::total_cmp);
            self.sorted = true;
        }
        Some(quantile_sorted(&self.values, p))
    }

    /// The observations, sorted ascending.
    pub fn sorted(&mut self) -> &[f64] {
        self.quantile(0.5);
        &self.values
    }
}

/// The p-quantile of an ascending slice (type 7); the slice must not be empty.
pub(crate) fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    let h = (v.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// A level sampled into fixed-width buckets: per bucket the time-average and the maximum.
/// Memory grows with the span / bucket width, never with the number of changes.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    width: SimTime,
    last_t: SimTime,
    level: f64,
    area: Vec<f64>,
    max: Vec<f64>,
    /// The bucket `last_t` falls in, and where it ends (0 until the first change): most
    /// changes land in the same bucket as the previous one and need no division.
    cur: usize,
    cur_end: SimTime,
}

impl Series {
    /// An empty series with buckets of `width` µs starting at time 0.
    pub fn new(width: SimTime) -> Self {
        Series {
            width: width.max(1),
            last_t: 0,
            level: 0.0,
            area: Vec::new(),
            max: Vec::new(),
            cur: 0,
            cur_end: 0,
        }
    }

    fn bucket(&mut self, i: usize) {
        if self.area.len() <= i {
            self.area.resize(i + 1, 0.0);
            self.max.resize(i + 1, 0.0);
        }
    }

    /// Integrates the current level up to `t`.
    fn advance(&mut self, t: SimTime) {
        while self.last_t < t {
            let i = (self.last_t / self.width) as usize;
            let end = ((i as SimTime + 1) * self.width).min(t);
            self.bucket(i);
            self.area[i] += self.level * (end - self.last_t) as f64;
            self.max[i] = self.max[i].max(self.level);
            self.last_t = end;
        }
    }

    /// The level becomes `level` at `t`.
    #[inline]
    pub fn set(&mut self, t: SimTime, level: f64) {
        if t >= self.last_t && t < self.cur_end {
            // Same bucket as the last change: the same sums as `advance`, in the same
            // order, without its loop and division. The old level is already counted in
            // this bucket's maximum.
            let i = self.cur;
            if t > self.last_t {
                self.area[i] += self.level * (t - self.last_t) as f64;
                self.last_t = t;
            }
            self.level = level;
            self.max[i] = self.max[i].max(level);
            return;
        }
        self.advance(t);
        self.level = level;
        let i = (t / self.width) as usize;
        self.bucket(i);
        self.max[i] = self.max[i].max(level);
        if self.last_t == t {
            self.cur = i;
            self.cur_end = (i as SimTime + 1) * self.width;
        }
    }

    /// Closes the series at `t` and returns (bucket start s, mean, max) rows.
    pub fn rows(&mut self, t: SimTime) -> Vec<(f64, f64, f64)> {
        self.advance(t);
        let w = self.width;
        // A change exactly at `t` opens a bucket that has no duration yet: leave it out.
        let n = (t.div_ceil(w) as usize).min(self.area.len());
        (0..n)
            .map(|i| {
                let start = i as SimTime * w;
                let span = (start + w).min(t.max(start + 1)) - start;
                (to_secs(start), self.area[i] / span as f64, self.max[i])
            })
            .collect()
    }
}

/// Observations (e.g. waits) summed per fixed-width bucket of the instant they were made:
/// per bucket the sum and the count. Memory grows with the span / bucket width.
#[derive(Debug, Clone)]
pub struct Tally {
    width: SimTime,
    /// (sum, count) per bucket.
    buckets: Vec<(f64, u64)>,
    /// The bucket of the last observation and its bounds: most observations land in the
    /// same bucket as the previous one and need no division.
    cur: usize,
    cur_start: SimTime,
    cur_end: SimTime,
}

impl Tally {
    /// An empty tally with buckets of `width` µs starting at time 0.
    pub fn new(width: SimTime) -> Self {
        Tally {
            width: width.max(1),
            buckets: Vec::new(),
            cur: 0,
            cur_start: 0,
            cur_end: 0,
        }
    }

    /// Adds observation `x` made at `t`.
    #[inline]
    pub(crate) fn add(&mut self, t: SimTime, x: f64) {
        if !(t >= self.cur_start && t < self.cur_end) {
            self.enter(t);
        }
        if let Some(b) = self.buckets.get_mut(self.cur) {
            b.0 += x;
            b.1 += 1;
        }
    }

    /// Makes the bucket of `t` the current one.
    #[cold]
    fn enter(&mut self, t: SimTime) {
        let i = (t / self.width) as usize;
        if self.buckets.len() <= i {
            self.buckets.resize(i + 1, (0.0, 0));
        }
        self.cur = i;
        self.cur_start = i as SimTime * self.width;
        self.cur_end = self.cur_start + self.width;
    }

    /// (sum, count) per bucket from time 0, `buckets` long (padded with empty buckets).
    pub fn rows(&self, buckets: usize) -> Vec<(f64, u64)> {
        (0..buckets)
            .map(|i| self.buckets.get(i).copied().unwrap_or((0.0, 0)))
            .collect()
    }
}

/// The figures of a resource over its busiest window.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PeakStats {
    /// Length of the window, seconds (the whole observed span when it is shorter than
    /// the window asked for).
    pub window_s: f64,
    /// Where the window starts, seconds since the time origin.
    pub start_s: f64,
    /// Mean share of servers busy over the window; `None` without servers.
    pub utilization: Option<f64>,
    /// Time-averaged queue over the window.
    pub mean_queue: f64,
    /// Largest queue in the window.
    pub max_queue: f64,
    /// Mean of the waits that ended in the window; `None` when none did.
    pub mean_wait_s: Option<f64>,
    /// How many waits ended in the window.
    pub waits: u64,
}

/// The busiest window of `window` buckets of a bucketed series. `rows` are (bucket start
/// s, mean busy, max busy, mean queue, max queue) from time 0 in buckets of `bucket_s`
/// seconds, the last one ending at `end_s`; `waits` the (sum, count) of waits that ended
/// in each bucket. Windows slide on the bucket grid (one starts at each bucket
/// boundary). With `capacity`, the busiest window is the one with the highest mean busy
/// servers; without (no servers), the one with the highest mean queue; ties go to the
/// higher mean queue, then to the earlier window. A run shorter than the window is one
/// window.
pub fn peak_window(
    rows: &[[f64; 5]],
    waits: &[(f64, u64)],
    bucket_s: f64,
    end_s: f64,
    window: usize,
    capacity: Option<f64>,
) -> PeakStats {
    if rows.is_empty() {
        return PeakStats::default();
    }
    let window = window.clamp(1, rows.len());
    let span = |i: usize| {
        let start = rows[i][0];
        ((start + bucket_s).min(end_s) - start).max(0.0)
    };
    // Areas per bucket, so that windows are exact time averages whatever their buckets'
    // lengths (the last bucket may be cut short by the end of the run).
    let mut best: Option<(usize, f64, f64)> = None;
    let (mut busy, mut queue, mut len) = (0.0, 0.0, 0.0);
    for i in 0..rows.len() {
        busy += rows[i][1] * span(i);
        queue += rows[i][3] * span(i);
        len += span(i);
        if i + 1 < window {
            continue;
        }
        if i >= window {
            let j = i - window;
            busy -= rows[j][1] * span(j);
            queue -= rows[j][3] * span(j);
            len -= span(j);
        }
        let l = len.max(1e-12);
        let rank = if capacity.is_some() {
            busy / l
        } else {
            queue / l
        };
        let q = queue / l;
        let better = match best {
            None => true,
            Some((_, r, bq)) => {
                let tol = 1e-9 * r.abs().max(1.0);
                rank > r + tol || ((rank - r).abs() <= tol && q > bq + 1e-9 * bq.max(1.0))
            }
        };
        if better {
            best = Some((i + 1 - window, rank, q));
        }
    }
    let (first, _, _) = best.unwrap_or((0, 0.0, 0.0));
    let range = first..first + window;
    let len: f64 = range.clone().map(span).sum();
    let area = |col: usize| range.clone().map(|i| rows[i][col] * span(i)).sum::<f64>();
    let (wait_sum, wait_n) = range
        .clone()
        .filter_map(|i| waits.get(i))
        .fold((0.0, 0u64), |(s, n), &(x, k)| (s + x, n + k));
    PeakStats {
        window_s: len,
        start_s: rows[first][0],
        utilization: capacity
            .filter(|c| *c > 0.0)
            .map(|c| area(1) / len.max(1e-12) / c),
        mean_queue: area(3) / len.max(1e-12),
        max_queue: range.clone().map(|i| rows[i][4]).fold(0.0, f64::max),
        mean_wait_s: (wait_n > 0).then(|| wait_sum / wait_n as f64),
        waits: wait_n,
    }
}

/// Closes a busy series and a queue series at `end` and joins them row by row:
/// (bucket start s, mean busy, max busy, mean queue, max queue).
pub(crate) fn busy_queue_rows(
    busy: &mut Series,
    queue: &mut Series,
    end: SimTime,
) -> Vec<[f64; 5]> {
    let queue = queue.rows(end);
    busy.rows(end)
        .iter()
        .zip(queue.iter().chain(std::iter::repeat(&(0.0, 0.0, 0.0))))
        .map(|(b, q)| [b.0, b.1, b.2, q.1, q.2])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_weighted_mean_and_max() {
        let mut tw = TimeWeighted::new(0);
        tw.set(10, 2.0);
        tw.set(20, 0.0);
        tw.set(30, 4.0);
        // 0 for 10, 2 for 10, 0 for 10, 4 for 10 → 60/40
        assert!((tw.mean_until(40) - 1.5).abs() < 1e-12);
        assert_eq!(tw.max(), 4.0);
    }

    #[test]
    fn quantiles_interpolate() {
        let mut s = Samples::new();
        for v in [5.0, 1.0, 3.0, 2.0, 4.0] {
            s.push(v);
        }
        assert_eq!(s.quantile(0.5), Some(3.0));
        assert_eq!(s.quantile(0.0), Some(1.0));
        assert_eq!(s.quantile(1.0), Some(5.0));
        assert_eq!(s.quantile(0.9), Some(4.6));
        assert_eq!(s.mean(), Some(3.0));
        assert_eq!(Samples::new().quantile(0.5), None);
    }

    #[test]
    fn tally_sums_per_bucket() {
        let mut t = Tally::new(10);
        t.add(1, 2.0);
        t.add(9, 4.0);
        t.add(25, 1.0);
        assert_eq!(t.rows(4), vec![(6.0, 2), (0.0, 0), (1.0, 1), (0.0, 0)]);
    }

    #[test]
    fn peak_window_finds_the_busiest_span() {
        // Buckets of 10 s; busy 1 everywhere except 3 in buckets 2 and 3; run ends at 55 s
        // (the last bucket is 5 s long).
        let rows: Vec<[f64; 5]> = (0..6)
            .map(|i| {
                let b = if i == 2 || i == 3 { 3.0 } else { 1.0 };
                [10.0 * i as f64, b, b, i as f64, 2.0 * i as f64]
            })
            .collect();
        let waits = vec![(0.0, 0), (0.0, 0), (8.0, 2), (4.0, 2), (0.0, 0), (9.0, 1)];
        let p = peak_window(&rows, &waits, 10.0, 55.0, 2, Some(4.0));
        assert_eq!((p.start_s, p.window_s), (20.0, 20.0));
        assert!((p.utilization.unwrap() - 0.75).abs() < 1e-12);
        assert!((p.mean_queue - 2.5).abs() < 1e-12);
        assert_eq!(p.max_queue, 6.0);
        assert_eq!((p.mean_wait_s, p.waits), (Some(3.0), 4));
        // Without servers the queue ranks: the last two buckets (15 s, the last cut short).
        let p = peak_window(&rows, &waits, 10.0, 55.0, 2, None);
        assert_eq!((p.start_s, p.window_s, p.utilization), (40.0, 15.0, None));
        assert!((p.mean_queue - (4.0 * 10.0 + 5.0 * 5.0) / 15.0).abs() < 1e-12);
        // A window longer than the run is the whole run.
        let p = peak_window(&rows, &waits, 10.0, 55.0, 100, Some(4.0));
        assert_eq!((p.start_s, p.window_s, p.waits), (0.0, 55.0, 5));
        // A flat series: the earliest window wins.
        let flat = vec![
            [0.0, 1.0, 1.0, 0.0, 0.0],
            [10.0, 1.0, 1.0, 0.0, 0.0],
            [20.0, 1.0, 1.0, 0.0, 0.0],
        ];
        assert_eq!(
            peak_window(&flat, &[], 10.0, 30.0, 2, Some(1.0)).start_s,
            0.0
        );
        assert_eq!(
            peak_window(&[], &[], 10.0, 0.0, 2, Some(1.0)),
            PeakStats::default()
        );
    }

    #[test]
    fn series_buckets_average_and_max() {
        let mut s = Series::new(10);
        s.set(5, 2.0); // bucket 0: 0 for 5, 2 for 5 → mean 1
        s.set(15, 6.0); // bucket 1: 2 for 5, 6 for 5 → mean 4
        s.set(16, 1.0);
        let rows = s.rows(20);
        assert_eq!(rows.len(), 2);
        assert!((rows[0].1 - 1.0).abs() < 1e-12);
        assert_eq!(rows[0].2, 2.0);
        assert!((rows[1].1 - (2.0 * 5.0 + 6.0 + 1.0 * 4.0) / 10.0).abs() < 1e-12);
        assert_eq!(rows[1].2, 6.0);
    }
}
