//! Server-side crypto started when a simulated server starts on a request and read when
//! the simulated step completes: server-side work starts when a request enters service
//! and is joined when it completes.
//!
//! A started job goes on the port's stack, and a task goes to the current rayon pool. An
//! idle worker running such a task computes the *newest* job nobody has started, while
//! the event loop, which joins jobs roughly in the order they were started, computes the
//! *oldest* itself when it gets there first: the two work from opposite ends instead of
//! the worker taking the very job the event loop is about to need (rayon alone would
//! hand out the oldest). The event loop only ever waits for a job another thread is in
//! the middle of. Every input is moved into the job when it starts, so which thread
//! computes it, and when, cannot change the answer.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::model::pki_port::{Join, Pending};

type Work<T> = Box<dyn FnOnce() -> T + Send>;

enum State<T> {
    /// Nobody has started it.
    Queued(Work<T>),
    /// A thread took it and is computing it (or the joiner took it: nobody waits then).
    Running,
    /// Computed by a worker, waiting to be joined.
    Done(T),
    /// Dropped without a join (the run ended first): a queued copy is skipped.
    Abandoned,
}

struct Slot<T> {
    state: Mutex<State<T>>,
    done: Condvar,
}

/// A job on the stack, whatever its answer's type.
trait Run: Send + Sync {
    /// Computes the job if nobody has started it; `false` if somebody had.
    fn run_if_queued(&self) -> bool;
}

impl<T: Send> Run for Slot<T> {
    fn run_if_queued(&self) -> bool {
        let Some(w) = self.claim() else {
            return false;
        };
        let v = w();
        *self.lock() = State::Done(v);
        self.done.notify_all();
        true
    }
}

impl<T> Slot<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A job's panic aborts the process (rayon's default): a poisoned lock can only
        // come from the model's thread, whose state is still consistent here.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the work if nobody has started it yet.
    fn claim(&self) -> Option<Work<T>> {
        let mut s = self.lock();
        if matches!(*s, State::Queued(_)) {
            if let State::Queued(w) = std::mem::replace(&mut *s, State::Running) {
                return Some(w);
            }
        }
        None
    }
}

/// The jobs one port started: newest on top.
#[derive(Clone, Default)]
pub(crate) struct Jobs {
    stack: Arc<Mutex<Vec<Arc<dyn Run>>>>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Jobs")
    }
}

impl Jobs {
    /// Starts `work` and returns its pending answer. On a pool of one thread there is
    /// nobody to hand it to: it is computed at once.
    pub(crate) fn start<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Pending<T> {
        if rayon::current_num_threads() <= 1 {
            return Pending::Ready(work());
        }
        let slot = Arc::new(Slot {
            state: Mutex::new(State::Queued(Box::new(work))),
            done: Condvar::new(),
        });
        let run: Arc<dyn Run> = slot.clone();
        self.lock().push(run);
        // One task per job, so every job is computed by somebody; a task that finds
        // only jobs the event loop already took drops them and ends.
        let jobs = self.clone();
        rayon::spawn(move || loop {
            let Some(top) = jobs.lock().pop() else {
                return;
            };
            if top.run_if_queued() {
                return;
            }
        });
        Pending::Later(Box::new(Ticket(slot)))
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Arc<dyn Run>>> {
        self.stack.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The model's handle on a started job.
struct Ticket<T>(Arc<Slot<T>>);

impl<T: Send> Join<T> for Ticket<T> {
    fn join(self: Box<Self>) -> T {
        // Not started yet: computing it here costs no more than waiting for it would.
        if let Some(w) = self.0.claim() {
            return w();
        }
        let mut s = self.0.lock();
        loop {
            match std::mem::replace(&mut *s, State::Running) {
                State::Done(v) => return v,
                other => {
                    *s = other;
                    s = self.0.done.wait(s).unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
    }
}

impl<T> Drop for Ticket<T> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        if matches!(*s, State::Queued(_)) {
            *s = State::Abandoned;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn pool(n: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("pool")
    }

    #[test]
    fn answers_are_the_same_whoever_computes_them() {
        for threads in [1, 2, 4] {
            let got: Vec<u64> = pool(threads).install(|| {
                let jobs = Jobs::default();
                let pending: Vec<_> = (0..200u64).map(|i| jobs.start(move || i * i + 1)).collect();
                pending.into_iter().map(Pending::join).collect()
            });
            assert_eq!(got, (0..200u64).map(|i| i * i + 1).collect::<Vec<_>>());
        }
    }

    #[test]
    fn each_job_runs_once_and_dropped_jobs_may_be_skipped() {
        let runs = Arc::new(AtomicUsize::new(0));
        pool(2).install(|| {
            let jobs = Jobs::default();
            let mut kept = Vec::new();
            for i in 0..100 {
                let r = Arc::clone(&runs);
                let p = jobs.start(move || {
                    r.fetch_add(1, Ordering::SeqCst);
                    i
                });
                if i % 2 == 0 {
                    kept.push((i, p));
                }
            }
            for (i, p) in kept {
                assert_eq!(p.join(), i);
            }
        });
        let n = runs.load(Ordering::SeqCst);
        assert!((50..=100).contains(&n), "{n} runs");
    }
}
