//! The domain-free discrete-event core: simulated time, the event queue, random streams,
//! distributions, multi-server FIFO resources and statistics.
//!
//! Nothing in here knows about Windows Hello; the provisioning model (`crate::model`) is
//! built on top of it, the way SimPy keeps its small core apart from the processes that
//! use it.

pub mod dist;
pub mod queue;
pub mod resource;
pub mod rng;
pub mod stats;
pub mod time;

pub use dist::Dist;
pub use queue::EventQueue;
pub use resource::Resource;
pub use rng::{SimRng, StreamFactory};
pub use stats::{Samples, TimeWeighted};
pub use time::SimTime;
