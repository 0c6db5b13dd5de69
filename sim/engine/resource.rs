//! A resource with a number of identical servers (workers) and one FIFO queue, like SimPy's
//! `Resource`: a request either starts service at once or waits its turn. The resource
//! carries tokens of the caller's type (who is being served) and records utilisation,
//! queue length and waiting time. A caller may withdraw a request that is still waiting
//! (it gave up); its time in the queue counts as a wait, so Little's law holds on the
//! queue.

use super::stats::{busy_queue_rows, Series, Tally, TimeWeighted};
use super::time::{to_secs, SimTime};
use std::collections::VecDeque;

/// Summary figures of a resource over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResourceStats {
    /// Mean share of servers busy (busy servers / capacity, time-averaged).
    pub utilization: f64,
    /// Time-averaged number of requests waiting (not in service).
    pub mean_queue: f64,
    /// Largest number of requests waiting at once.
    pub max_queue: f64,
    /// Mean time a request waited in the queue, seconds, over the requests that left it
    /// (started service, or were withdrawn by a caller that gave up).
    pub mean_wait_s: f64,
    /// Sum of those waits, seconds.
    pub wait_sum_s: f64,
    /// Requests that arrived.
    pub arrivals: u64,
    /// Requests whose service started.
    pub started: u64,
    /// Requests withdrawn from the queue before their service started.
    pub withdrawn: u64,
    /// Time-averaged number in service.
    pub mean_busy: f64,
}

/// A multi-server FIFO resource.
#[derive(Debug, Clone)]
pub struct Resource<T> {
    capacity: u32,
    nominal: u32,
    busy: u32,
    queue: VecDeque<(T, SimTime)>,
    busy_tw: TimeWeighted,
    queue_tw: TimeWeighted,
    wait_sum: f64,
    arrivals: u64,
    started: u64,
    withdrawn: u64,
    /// Busy servers and queue length per bucket, and the waits that ended in each bucket.
    series: Option<(Series, Series, Tally)>,
}

impl<T> Resource<T> {
    /// A resource with `capacity` servers, observed from time `start`.
    pub fn new(capacity: u32, start: SimTime) -> Self {
        Resource {
            capacity,
            nominal: capacity,
            busy: 0,
            queue: VecDeque::new(),
            busy_tw: TimeWeighted::new(start),
            queue_tw: TimeWeighted::new(start),
            wait_sum: 0.0,
            arrivals: 0,
            started: 0,
            withdrawn: 0,
            series: None,
        }
    }

    /// Also records busy servers, queue length and the waits that ended into buckets of
    /// `width` µs, for charts and the busiest window.
    pub(crate) fn with_series(mut self, width: SimTime) -> Self {
        self.series = Some((Series::new(width), Series::new(width), Tally::new(width)));
        self
    }

    /// A request arrives. Returns the token back when service starts at once; otherwise the
    /// token waits in the queue and comes out of a later [`Resource::release`].
    pub fn request(&mut self, now: SimTime, token: T) -> Option<T> {
        self.arrivals += 1;
        if self.busy < self.capacity {
            self.start_service(now, now);
            Some(token)
        } else {
            self.queue.push_back((token, now));
            self.record_queue(now);
            None
        }
    }

    /// A service ends. Returns the next waiting token, whose service starts now, if any.
    pub fn release(&mut self, now: SimTime) -> Option<T> {
        debug_assert!(self.busy > 0, "release without a busy server");
        self.busy = self.busy.saturating_sub(1);
        self.record_busy(now);
        self.start_waiting(now).pop()
    }

    /// Changes the number of servers (a fault window: 0 while down). Servers already busy
    /// finish their work; returns the waiting tokens that start service now.
    pub(crate) fn set_capacity(&mut self, now: SimTime, capacity: u32) -> Vec<T> {
        self.capacity = capacity;
        self.start_waiting(now)
    }

    /// Withdraws the first waiting request whose token matches `is_it` (its caller gave
    /// up), returning it; `None` when no waiting request matches (it is in service or
    /// gone). Its time in the queue counts as a wait.
    pub(crate) fn withdraw(
        &mut self,
        now: SimTime,
        mut is_it: impl FnMut(&T) -> bool,
    ) -> Option<T> {
        let pos = self.queue.iter().position(|(t, _)| is_it(t))?;
        let (token, since) = self.queue.remove(pos)?;
        self.withdrawn += 1;
        self.record_wait(now, since);
        self.record_queue(now);
        Some(token)
    }

    /// The waiting requests' tokens, first in line first.
    pub(crate) fn queued(&self) -> impl Iterator<Item = &T> + '_ {
        self.queue.iter().map(|(t, _)| t)
    }

    /// Restores the configured number of servers.
    pub(crate) fn restore(&mut self, now: SimTime) -> Vec<T> {
        self.set_capacity(now, self.nominal)
    }

    fn start_waiting(&mut self, now: SimTime) -> Vec<T> {
        let mut out = Vec::new();
        while self.busy < self.capacity {
            let Some((token, since)) = self.queue.pop_front() else {
                break;
            };
            self.record_queue(now);
            self.start_service(now, since);
            out.push(token);
        }
        out
    }

    fn start_service(&mut self, now: SimTime, since: SimTime) {
        self.busy += 1;
        self.started += 1;
        self.record_wait(now, since);
        self.record_busy(now);
    }

    fn record_wait(&mut self, now: SimTime, since: SimTime) {
        let w = to_secs(now - since);
        self.wait_sum += w;
        if let Some((_, _, waits)) = &mut self.series {
            waits.add(now, w);
        }
    }

    fn record_busy(&mut self, now: SimTime) {
        self.busy_tw.set(now, self.busy as f64);
        if let Some((b, _, _)) = &mut self.series {
            b.set(now, self.busy as f64);
        }
    }

    fn record_queue(&mut self, now: SimTime) {
        let q = self.queue.len() as f64;
        self.queue_tw.set(now, q);
        if let Some((_, s, _)) = &mut self.series {
            s.set(now, q);
        }
    }

    /// Servers currently busy.
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Requests currently waiting.
    pub(crate) fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Servers currently available (0 while down).
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Configured number of servers.
    pub(crate) fn nominal_capacity(&self) -> u32 {
        self.nominal
    }

    /// `true` while no server is available (a fault window).
    pub fn is_down(&self) -> bool {
        self.capacity == 0
    }

    /// Forgets what was observed so far and observes again from `now`, keeping the current
    /// state (busy servers, waiting requests): how a steady-state estimate discards its
    /// warm-up. Requests already waiting count their whole wait when they start. The
    /// bucketed series is kept, since charts show the whole run.
    pub(crate) fn reset_stats(&mut self, now: SimTime) {
        self.busy_tw = TimeWeighted::new(now);
        self.busy_tw.set(now, self.busy as f64);
        self.queue_tw = TimeWeighted::new(now);
        self.queue_tw.set(now, self.queue.len() as f64);
        self.wait_sum = 0.0;
        self.arrivals = 0;
        self.started = 0;
        self.withdrawn = 0;
    }

    /// Figures over the span from the start to `end`.
    pub fn stats(&self, end: SimTime) -> ResourceStats {
        let mean_busy = self.busy_tw.mean_until(end);
        let left = self.started + self.withdrawn;
        ResourceStats {
            utilization: if self.nominal == 0 {
                0.0
            } else {
                mean_busy / self.nominal as f64
            },
            mean_queue: self.queue_tw.mean_until(end),
            max_queue: self.queue_tw.max(),
            mean_wait_s: if left == 0 {
                0.0
            } else {
                self.wait_sum / left as f64
            },
            wait_sum_s: self.wait_sum,
            arrivals: self.arrivals,
            started: self.started,
            withdrawn: self.withdrawn,
            mean_busy,
        }
    }

    /// The bucketed time series (start s, mean busy, max busy, mean queue, max queue),
    /// closed at `end`; empty unless built [`Resource::with_series`].
    pub(crate) fn series_rows(&mut self, end: SimTime) -> Vec<[f64; 5]> {
        match &mut self.series {
            Some((b, q, _)) => busy_queue_rows(b, q, end),
            None => Vec::new(),
        }
    }

    /// (sum s, count) of the waits that ended in each of the first `buckets` buckets;
    /// empty unless built [`Resource::with_series`].
    pub(crate) fn wait_rows(&self, buckets: usize) -> Vec<(f64, u64)> {
        match &self.series {
            Some((_, _, w)) => w.rows(buckets),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_in_fifo_order_with_c_servers() {
        let mut r = Resource::new(2, 0);
        assert_eq!(r.request(0, 'a'), Some('a'));
        assert_eq!(r.request(0, 'b'), Some('b'));
        assert_eq!(r.request(1, 'c'), None);
        assert_eq!(r.request(2, 'd'), None);
        assert_eq!(r.queue_len(), 2);
        assert_eq!(r.release(5), Some('c'));
        assert_eq!(r.release(6), Some('d'));
        assert_eq!(r.release(7), None);
        assert_eq!(r.release(8), None);
        let s = r.stats(10);
        assert_eq!(s.arrivals, 4);
        assert_eq!(s.started, 4);
        // waits: 0, 0, 4µs, 4µs
        assert!((s.mean_wait_s - 2e-6).abs() < 1e-15);
        assert_eq!(s.max_queue, 2.0);
        // busy: 2 servers 0..7 except one freed at 7 → (2*7 + 1*1)/10 / 2
        assert!((s.utilization - 15.0 / 20.0).abs() < 1e-12);
    }

    #[test]
    fn reset_stats_observes_from_then_on() {
        let mut r = Resource::new(1, 0);
        r.request(0, 'a');
        r.request(0, 'b'); // waits
        r.reset_stats(10);
        // 'b' arrived before the reset and starts after it: its whole wait counts.
        assert_eq!(r.release(20), Some('b'));
        r.release(30);
        let s = r.stats(40);
        assert_eq!((s.arrivals, s.started), (0, 1));
        assert!((s.mean_wait_s - 20e-6).abs() < 1e-15);
        // One waiting over 10..20 of the 30 µs observed; busy 10..30.
        assert!((s.mean_queue - 10.0 / 30.0).abs() < 1e-12);
        assert!((s.utilization - 20.0 / 30.0).abs() < 1e-12);
        assert_eq!(s.max_queue, 1.0);
    }

    #[test]
    fn down_window_holds_the_queue_until_restored() {
        let mut r = Resource::new(1, 0);
        assert!(r.set_capacity(0, 0).is_empty());
        assert!(r.is_down());
        assert_eq!(r.request(1, 1), None);
        assert_eq!(r.request(2, 2), None);
        assert_eq!(r.restore(10), vec![1]);
        assert_eq!(r.release(11), Some(2));
        assert_eq!(r.stats(20).max_queue, 2.0);
    }

    #[test]
    fn withdrawn_requests_leave_the_queue_and_count_their_wait() {
        let mut r = Resource::new(1, 0).with_series(10);
        assert_eq!(r.request(0, 'a'), Some('a'));
        assert_eq!(r.request(2, 'b'), None);
        assert_eq!(r.request(4, 'c'), None);
        assert_eq!(r.queued().copied().collect::<Vec<_>>(), vec!['b', 'c']);
        assert_eq!(r.withdraw(6, |t| *t == 'c'), Some('c'));
        assert_eq!(
            r.withdraw(6, |t| *t == 'a'),
            None,
            "in service: not withdrawn"
        );
        assert_eq!(r.release(12), Some('b'));
        r.release(20);
        let s = r.stats(20);
        assert_eq!((s.arrivals, s.started, s.withdrawn), (3, 2, 1));
        // waits: a 0, b 10, c 2 (withdrawn) → 12 µs over 3 requests
        assert!((s.wait_sum_s - 12e-6).abs() < 1e-15);
        assert!((s.mean_wait_s - 4e-6).abs() < 1e-15);
        // Little's law on the queue: L = λW.
        assert!((s.mean_queue - 3.0 / 20.0 * s.mean_wait_s * 1e6).abs() < 1e-12);
        // The waits are tallied in the bucket where they ended.
        assert_eq!(r.wait_rows(2), vec![(2e-6, 2), (10e-6, 1)]);
    }

    #[test]
    fn series_tracks_queue() {
        let mut r = Resource::new(1, 0).with_series(10);
        r.request(0, ());
        r.request(0, ());
        r.release(10);
        r.release(20);
        let rows = r.series_rows(20);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][3], 1.0); // one waiting during bucket 0
        assert_eq!(rows[1][3], 0.0);
        assert_eq!(rows[1][1], 1.0); // busy throughout bucket 1
    }
}
