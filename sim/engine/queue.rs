//! The future event list, ordered by (time, scheduling sequence) so events at the same
//! instant come out in the order they were scheduled (FIFO on ties).
//!
//! It is a radix heap (Ahuja, Mehlhorn, Orlin & Tarjan, 1990) on the integer time.
//! Simulated time never runs backwards (an event is never scheduled before `now`), which
//! is exactly what a radix heap needs: every pending event sits in the bucket named by
//! the highest bit in which its time differs from the time last popped. Scheduling is an
//! append; popping takes the front of bucket 0 (the events at the current instant) and,
//! when that is empty, splits the lowest non-empty bucket around its earliest time. Each
//! event moves to a strictly lower bucket at every split, so it is moved at most 64
//! times, and in practice a handful: far cheaper than a binary heap's sift through a
//! million-entry array that does not fit in cache.
//!
//! Ties: bucket 0 only ever holds events at one instant. Events scheduled for the current
//! instant are appended in sequence order; events that reach bucket 0 by a split are
//! sorted by sequence first (they arrive there before any of the former, because bucket 0
//! is empty when a split happens). So the pop order is exactly (time, sequence), the same
//! as a binary heap on that pair.

use super::time::SimTime;

/// Buckets: 0 for "same time as the last pop", then one per highest differing bit.
const BUCKETS: usize = 65;

struct Entry<E> {
    at: SimTime,
    seq: u64,
    event: E,
}

/// The simulation clock and its pending events.
pub struct EventQueue<E> {
    now: SimTime,
    seq: u64,
    /// The time every bucket index is relative to: the time of the last split (equal to
    /// `now` once anything has been popped).
    last: SimTime,
    /// Events at time `last`, in sequence order, from `head` on (a plain vector read from
    /// a cursor: cheaper than a ring buffer, and emptied whole once read).
    current: Vec<Option<Entry<E>>>,
    head: usize,
    /// `buckets[i]`: events whose time differs from `last` first at bit `i - 1`
    /// (`buckets[0]` is unused: those events live in `current`).
    buckets: Vec<Vec<Entry<E>>>,
    /// Bit `i - 1` set when `buckets[i]` is non-empty: finds the next bucket in one step
    /// (a `u64`, not a `u128` with bit 0 wasted: 128-bit shifts cost a branch each).
    occupied: u64,
    len: usize,
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

    /// An empty queue. `n` is a hint of the number of pending events; a radix heap
    /// spreads them over buckets that grow on demand, so only the current instant's
    /// bucket is reserved.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            now: 0,
            seq: 0,
            last: 0,
            current: Vec::with_capacity(n.min(1024)),
            head: 0,
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: 0,
            len: 0,
            popped: 0,
        }
    }

    /// The current simulated time: the time of the event last popped.
    pub fn now(&self) -> SimTime {
        self.now
    }

    #[inline]
    fn bucket_of(&self, at: SimTime) -> usize {
        (u64::BITS - (at ^ self.last).leading_zeros()) as usize
    }

    /// Schedules `event` at absolute time `at`. A time in the past is moved to `now`,
    /// because the clock never runs backwards.
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        // `last <= now` always holds, so the clamp also keeps `at >= last`.
        let at = at.max(self.now);
        let entry = Entry {
            at,
            seq: self.seq,
            event,
        };
        self.seq += 1;
        self.len += 1;
        if at == self.last {
            self.current.push(Some(entry));
        } else {
            let b = self.bucket_of(at);
            self.buckets[b].push(entry);
            self.occupied |= 1 << (b - 1);
        }
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule_at(self.now.saturating_add(delay), event);
    }

    /// Refills `current` from the lowest non-empty bucket if its earliest time is at or
    /// before `horizon`. Returns `false` when nothing is due by then.
    fn refill(&mut self, horizon: SimTime) -> bool {
        if self.occupied == 0 {
            return false;
        }
        let b = self.occupied.trailing_zeros() as usize + 1;
        let min = self.buckets[b]
            .iter()
            .map(|e| e.at)
            .min()
            .expect("an occupied bucket is not empty");
        if min > horizon {
            return false;
        }
        self.last = min;
        let mut split = std::mem::take(&mut self.buckets[b]);
        self.occupied &= !(1 << (b - 1));
        for e in split.drain(..) {
            if e.at == min {
                self.current.push(Some(e));
            } else {
                // Strictly below `b`: `e` and `min` agree on every bit from `b - 1` up.
                let nb = self.bucket_of(e.at);
                self.buckets[nb].push(e);
                self.occupied |= 1 << (nb - 1);
            }
        }
        // The bucket keeps its allocation for the next events that land in it, unless it
        // is large next to what is pending: a bucket that once held every user's first
        // sign-in would otherwise pin that memory for the whole run while its events
        // move to lower buckets (which grow their own).
        if split.capacity() <= (self.len / 4).max(4096) {
            self.buckets[b] = split;
        }
        if self.current.len() > 1 {
            self.current
                .sort_unstable_by_key(|e| e.as_ref().map_or(u64::MAX, |e| e.seq));
        }
        true
    }

    /// Removes the earliest event if it is due at or before `horizon`, advancing the clock.
    #[inline]
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        if self.head == self.current.len() {
            self.current.clear();
            self.head = 0;
            if !self.refill(horizon) {
                return None;
            }
        }
        if self.last > horizon {
            return None;
        }
        let e = self.current[self.head].take()?;
        self.head += 1;
        self.len -= 1;
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
        self.len
    }

    /// `true` when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of events processed so far (for events-per-second figures).
    pub fn processed(&self) -> u64 {
        self.popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::StreamFactory;
    use rand::Rng;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

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
        // A horizon below the current instant's remaining events stops too.
        q.schedule_at(105, 5);
        assert_eq!(q.pop_until(104), None);
        assert_eq!(q.pop_until(u64::MAX), Some((105, 5)));
        assert_eq!(q.pop_until(u64::MAX), Some((200, 2)));
        assert!(q.is_empty());
    }

    /// Against a binary heap on (time, sequence), the definition of the order: random
    /// interleavings of schedules (many ties, near and far times, huge times) and pops
    /// with random horizons give exactly the same sequence.
    #[test]
    fn same_order_as_a_heap_on_time_and_sequence() {
        for seed in 0..40 {
            let mut rng = StreamFactory::new(seed, 0).stream(0, 0);
            let mut q = EventQueue::new();
            let mut reference = BinaryHeap::new();
            let mut seq = 0u64;
            let mut now = 0u64;
            for step in 0..4_000u32 {
                if rng.random::<f64>() < 0.55 {
                    let at = match rng.random_range(0..5) {
                        0 => now,
                        1 => now + rng.random_range(0..4),
                        2 => now.saturating_add(rng.random_range(0..1_000_000)),
                        3 => rng.random_range(0..now.max(1)), // in the past: clamped
                        _ => now.saturating_add(rng.random_range(0..u64::MAX / 64)),
                    };
                    q.schedule_at(at, step);
                    reference.push(Reverse((at.max(now), seq, step)));
                    seq += 1;
                } else {
                    let horizon = if rng.random::<f64>() < 0.1 {
                        now.saturating_add(rng.random_range(0..1_000))
                    } else {
                        u64::MAX
                    };
                    let want = match reference.peek() {
                        Some(Reverse((at, _, _))) if *at <= horizon => {
                            reference.pop().map(|Reverse((at, _, ev))| (at, ev))
                        }
                        _ => None,
                    };
                    assert_eq!(q.pop_until(horizon), want, "seed {seed} step {step}");
                    if let Some((at, _)) = want {
                        now = at;
                    }
                }
                assert_eq!(q.len(), reference.len());
            }
            while let Some(Reverse((at, _, ev))) = reference.pop() {
                assert_eq!(q.pop_until(u64::MAX), Some((at, ev)));
            }
            assert_eq!(q.pop_until(u64::MAX), None);
        }
    }
}
