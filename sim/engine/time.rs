//! Simulated time: an integer count of microseconds, so that no rounding ever reorders
//! events and no wall-clock value can leak in.

/// A point or span of simulated time, in microseconds.
pub type SimTime = u64;

/// Microseconds in one second.
pub const SECOND: SimTime = 1_000_000;
/// Microseconds in one minute.
pub(crate) const MINUTE: SimTime = 60 * SECOND;
/// Microseconds in one hour.
pub(crate) const HOUR: SimTime = 60 * MINUTE;
/// Microseconds in one day.
pub(crate) const DAY: SimTime = 24 * HOUR;

/// Converts simulated time to seconds for reports.
pub(crate) fn to_secs(t: SimTime) -> f64 {
    t as f64 / SECOND as f64
}

/// Converts seconds to simulated time, rounding to the nearest microsecond; negative and
/// non-finite inputs become zero because a duration cannot be negative.
pub fn from_secs(s: f64) -> SimTime {
    if s.is_finite() && s > 0.0 {
        (s * SECOND as f64).round() as SimTime
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_clamps() {
        assert_eq!(from_secs(1.5), 1_500_000);
        assert_eq!(to_secs(2 * MINUTE), 120.0);
        assert_eq!(from_secs(-3.0), 0);
        assert_eq!(from_secs(f64::NAN), 0);
        assert_eq!(DAY, 86_400 * SECOND);
    }
}
