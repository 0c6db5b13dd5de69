//! The future event list: a binary heap ordered by (time, scheduling sequence), so events at
//! the same instant come out in the order they were scheduled (FIFO on ties).

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    at: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed so the std max-heap pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The simulation clock and its pending events.
pub struct EventQueue<E> {
    now: SimTime,
    seq: u64,
    heap: BinaryHeap<Entry<E>>,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue with the clock at zero.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `n` pending events before it reallocates.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            now: 0,
            seq: 0,
            heap: BinaryHeap::with_capacity(n),
            popped: 0,
        }
    }

    /// The current simulated time: the time of the event last popped.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at absolute time `at`. A time in the past is moved to `now`,
    /// because the clock never runs backwards.
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        let at = at.max(self.now);
        self.heap.push(Entry {
            at,
            seq: self.seq,
            event,
        });
        self.seq += 1;
    }

    /// Schedules `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule_at(self.now.saturating_add(delay), event);
    }

    /// Removes the earliest event if it is due at or before `horizon`, advancing the clock.
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        if self.heap.peek()?.at > horizon {
            return None;
        }
        let e = self.heap.pop()?;
        self.now = e.at;
        self.popped += 1;
        Some((e.at, e.event))
    }

    /// Moves the clock to `t` (used to close statistics at the horizon) without popping.
    pub fn advance_to(&mut self, t: SimTime) {
        self.now = self.now.max(t);
    }

    /// Number of events still pending.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// `true` when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Number of events processed so far (for events-per-second figures).
    pub fn processed(&self) -> u64 {
        self.popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_fifo_on_ties() {
        let mut q = EventQueue::new();
        q.schedule_at(30, "c");
        q.schedule_at(10, "a1");
        q.schedule_at(20, "b");
        q.schedule_at(10, "a2");
        q.schedule_at(10, "a3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop_until(u64::MAX)).collect();
        assert_eq!(
            order,
            vec![(10, "a1"), (10, "a2"), (10, "a3"), (20, "b"), (30, "c")]
        );
        assert_eq!(q.processed(), 5);
    }

    #[test]
    fn horizon_stops_and_past_events_clamp_to_now() {
        let mut q = EventQueue::new();
        q.schedule_at(100, 1);
        q.schedule_at(200, 2);
        assert_eq!(q.pop_until(150), Some((100, 1)));
        assert_eq!(q.pop_until(150), None);
        assert_eq!(q.now(), 100);
        q.schedule_at(50, 3);
        assert_eq!(q.pop_until(150), Some((100, 3)));
        q.schedule_in(5, 4);
        assert_eq!(q.pop_until(u64::MAX), Some((105, 4)));
        assert_eq!(q.len(), 1);
    }
}
