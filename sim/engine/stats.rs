//! Statistics the simulator keeps: time-weighted levels (queue length, busy servers),
//! samples with percentiles, and a coarse time series for charts.

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
    pub fn mean_until(&self, t: SimTime) -> f64 {
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
pub fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    let h = (v.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// A level sampled into fixed-width buckets: per bucket the time-average and the maximum.
/// Memory grows with the span / bucket width, never with the number of changes.
#[derive(Debug, Clone)]
pub struct Series {
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

    /// The bucket width in µs.
    pub fn width(&self) -> SimTime {
        self.width
    }
}

/// Closes a busy series and a queue series at `end` and joins them row by row:
/// (bucket start s, mean busy, max busy, mean queue, max queue).
pub fn busy_queue_rows(busy: &mut Series, queue: &mut Series, end: SimTime) -> Vec<[f64; 5]> {
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
