//! Azure AD Connect's sync scheduler (docs/model.md §7): periodic delta cycles from a random
//! phase, one at a time. A cycle imports AD, then Azure AD (the cut-off: keys registered
//! before it are carried), then syncs and exports; carried keys reach on-prem AD when the
//! export ends. Cycle length = overhead + per-object cost × changed objects. A cycle that
//! overruns the interval delays the next, which starts as soon as it ends. Manual
//! "sync now" runs, and stopped windows (a running cycle is aborted and its changes wait
//! for the next run).

use super::done::{ResourceReport, SyncCycle};
use super::events::Event;
use super::resource_id::ResourceId;
use super::stream;
use super::user::first;
use super::Model;
use crate::engine::resource::ResourceStats;
use crate::engine::stats::{busy_queue_rows, Series, Tally};
use crate::engine::time::to_secs;
use crate::engine::{SimRng, SimTime, StreamFactory, TimeWeighted};
use crate::scenario::schema::Phase;
use rand::Rng;

/// A changed object waiting for a sync cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyncObject {
    /// A user's newly registered key (`msDS-KeyCredentialLink`).
    Key(u32),
    /// A device object to write back to AD.
    Device(u32),
    /// A computer object to sync to Azure AD (sync join).
    Computer(u32),
}

struct Running {
    id: u32,
    start: SimTime,
    cutoff: Option<SimTime>,
    manual: bool,
    carried: Vec<(SyncObject, SimTime)>,
}

/// The scheduler's state.
pub(crate) struct SyncState {
    rng: SimRng,
    pending: Vec<(SyncObject, SimTime)>,
    /// Keys registered and not yet in AD (pending or carried by the running cycle): the
    /// reported queue, kept as a count so that it costs nothing per change.
    keys_waiting: u64,
    running: Option<Running>,
    /// Another cycle is due as soon as the running one ends.
    start_when_done: bool,
    /// Open `aad_connect_stopped` windows.
    pub stopped: u32,
    next_id: u32,
    busy: TimeWeighted,
    waiting: TimeWeighted,
    busy_series: Series,
    waiting_series: Series,
    /// Registration → key in AD of each synced key, by the bucket it reached AD in.
    key_waits: Tally,
    keys_synced: u64,
    key_wait_sum: SimTime,
    /// Cycles so far.
    pub log: Vec<SyncCycle>,
}

impl SyncState {
    /// An idle scheduler with its own random stream.
    pub fn new(f: &StreamFactory, bucket: SimTime) -> Self {
        SyncState {
            rng: f.stream(stream::SYNC, 0),
            pending: Vec::new(),
            keys_waiting: 0,
            running: None,
            start_when_done: false,
            stopped: 0,
            next_id: 1,
            busy: TimeWeighted::new(0),
            waiting: TimeWeighted::new(0),
            busy_series: Series::new(bucket),
            waiting_series: Series::new(bucket),
            key_waits: Tally::new(bucket),
            keys_synced: 0,
            key_wait_sum: 0,
            log: Vec::new(),
        }
    }

    /// Users whose registered key waits for a cycle (or rides the running one).
    pub(crate) fn waiting_keys(&self) -> impl Iterator<Item = u32> + '_ {
        let carried = self.running.iter().flat_map(|r| r.carried.iter());
        self.pending
            .iter()
            .chain(carried)
            .filter_map(|(o, _)| match o {
                SyncObject::Key(u) => Some(*u),
                _ => None,
            })
    }

    /// `true` when no changed object waits for a cycle (nor rides in a running one).
    pub(crate) fn drained(&self) -> bool {
        self.pending.is_empty() && self.running.as_ref().is_none_or(|r| r.carried.is_empty())
    }

    fn set_waiting(&mut self, now: SimTime) {
        let n = self.keys_waiting as f64;
        self.waiting.set(now, n);
        self.waiting_series.set(now, n);
    }

    fn set_busy(&mut self, now: SimTime, busy: bool) {
        let b = if busy { 1.0 } else { 0.0 };
        self.busy.set(now, b);
        self.busy_series.set(now, b);
    }

    /// Figures for the report: utilisation = share of time a cycle runs; the queue is the
    /// keys waiting for a cycle to export them; the wait is registration → key in AD, over
    /// synced keys. Queue and wait count the same objects (device and computer objects
    /// ride the same cycles but are in neither), so Little's law L = λW holds on them.
    pub fn report(&mut self, end: SimTime) -> ResourceReport {
        let stats = ResourceStats {
            utilization: self.busy.mean_until(end),
            mean_queue: self.waiting.mean_until(end),
            max_queue: self.waiting.max(),
            mean_wait_s: if self.keys_synced == 0 {
                0.0
            } else {
                to_secs(self.key_wait_sum) / self.keys_synced as f64
            },
            wait_sum_s: to_secs(self.key_wait_sum),
            arrivals: self.keys_synced,
            started: self.keys_synced,
            withdrawn: 0,
            mean_busy: self.busy.mean_until(end),
        };
        let series = busy_queue_rows(&mut self.busy_series, &mut self.waiting_series, end);
        let waits = self.key_waits.rows(series.len());
        ResourceReport::new(ResourceId::AadConnect, stats, 1, series, waits)
    }
}

impl Model<'_> {
    /// Schedules the first regular cycle (random or fixed phase) and the manual runs.
    pub(super) fn init_sync(&mut self) {
        let a = &self.spec.aad_connect;
        let first_tick = match a.phase {
            Phase::Random => self.sync.rng.random_range(0..a.interval.0.max(1)),
            Phase::At(d) => d.0,
        };
        self.q
            .schedule_at(first_tick, Event::SyncTick { manual: false });
        for t in &a.sync_now {
            self.q.schedule_at(t.0, Event::SyncTick { manual: true });
        }
    }

    /// A changed object now waits for a cycle.
    pub(super) fn sync_enqueue(&mut self, obj: SyncObject) {
        let now = self.now();
        self.sync.pending.push((obj, now));
        if matches!(obj, SyncObject::Key(_)) {
            self.sync.keys_waiting += 1;
        }
        self.sync.set_waiting(now);
    }

    /// A regular tick (the scheduler's own cadence continues whatever happens) or a manual
    /// run.
    pub(super) fn on_sync_tick(&mut self, manual: bool) {
        if !manual {
            let interval = self.spec.aad_connect.interval.0;
            self.q
                .schedule_in(interval, Event::SyncTick { manual: false });
        }
        if self.sync.stopped > 0 {
            return;
        }
        if self.sync.running.is_some() {
            self.sync.start_when_done = true;
        } else {
            self.start_cycle(manual);
        }
    }

    fn start_cycle(&mut self, manual: bool) {
        let now = self.now();
        let id = self.sync.next_id;
        self.sync.next_id += 1;
        self.sync.running = Some(Running {
            id,
            start: now,
            cutoff: None,
            manual,
            carried: Vec::new(),
        });
        self.sync.set_busy(now, true);
        let import_ad = self.spec.aad_connect.import_ad.0;
        self.q
            .schedule_in(import_ad, Event::SyncCutoff { cycle: id });
    }

    /// The Azure AD import step: everything registered so far is carried by this cycle.
    pub(super) fn on_sync_cutoff(&mut self, cycle: u32) {
        let now = self.now();
        let a = &self.spec.aad_connect;
        let Some(run) = self.sync.running.as_mut().filter(|r| r.id == cycle) else {
            return;
        };
        run.cutoff = Some(now);
        run.carried = std::mem::take(&mut self.sync.pending);
        let objects = run.carried.len() as u64 + a.background_changes as u64;
        let rest = a.overhead.0 + a.per_object.0 * objects;
        self.q.schedule_in(rest, Event::SyncEnd { cycle });
    }

    /// Export to AD done: carried keys are in AD, carried devices written back.
    pub(super) fn on_sync_end(&mut self, cycle: u32) {
        let now = self.now();
        if self.sync.running.as_ref().is_none_or(|r| r.id != cycle) {
            return;
        }
        let Some(run) = self.sync.running.take() else {
            return;
        };
        let (mut keys, mut devices) = (0, 0);
        for &(obj, since) in &run.carried {
            match obj {
                SyncObject::Key(u) => {
                    keys += 1;
                    self.sync.keys_synced += 1;
                    self.sync.key_wait_sum += now - since;
                    self.sync.key_waits.add(now, to_secs(now - since));
                    let user = self.user(u);
                    user.key_in_ad = true;
                    first(&mut user.milestones.key_in_ad, now);
                    self.trace.log(now, u, "key_synced", None, || {
                        format!("Azure AD Connect cycle {cycle} wrote the key to msDS-KeyCredentialLink in AD")
                    });
                    if self.spec.trust.key_must_reach_dc() {
                        self.key_trust_in_ad(u);
                    }
                }
                SyncObject::Device(u) | SyncObject::Computer(u) => {
                    devices += 1;
                    self.device_synced(u);
                }
            }
        }
        self.sync.log.push(SyncCycle {
            id: run.id,
            start: run.start,
            cutoff: run.cutoff,
            end: now,
            keys,
            devices,
            manual: run.manual,
            aborted: false,
        });
        self.sync.keys_waiting -= keys as u64;
        self.sync.set_busy(now, false);
        self.sync.set_waiting(now);
        if std::mem::take(&mut self.sync.start_when_done) {
            self.start_cycle(false);
        }
    }

    /// `Stop-ADSyncSyncCycle` / scheduler disabled: abort the running cycle; its carried
    /// changes go back to the front of the queue.
    pub(super) fn sync_stop(&mut self) {
        let now = self.now();
        self.sync.stopped += 1;
        self.sync.start_when_done = false;
        if let Some(mut run) = self.sync.running.take() {
            run.carried.append(&mut self.sync.pending);
            self.sync.pending = run.carried;
            self.sync.log.push(SyncCycle {
                id: run.id,
                start: run.start,
                cutoff: run.cutoff,
                end: now,
                keys: 0,
                devices: 0,
                manual: run.manual,
                aborted: true,
            });
            self.sync.set_busy(now, false);
            self.sync.set_waiting(now);
        }
    }

    /// The scheduler is back: it runs a cycle at once for what piled up.
    pub(super) fn sync_resume(&mut self) {
        self.sync.stopped = self.sync.stopped.saturating_sub(1);
        if self.sync.stopped == 0 && self.sync.running.is_none() {
            self.start_cycle(true);
        }
    }
}
