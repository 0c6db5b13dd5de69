//! Simulated time as people read it: time 0 is Monday 00:00 when the policy applies, so a
//! timestamp becomes a weekday and a clock time (`Mon 08:14:03`), and a span a short
//! duration (`1h30m`).

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The weekday of `t_s` seconds after Monday 00:00, with ` w2`, ` w3`, ... after the first
/// week so a two-week horizon stays unambiguous.
pub fn weekday(t_s: f64) -> String {
    let day = (t_s.max(0.0) / 86_400.0).floor() as u64;
    let name = DAYS[(day % 7) as usize];
    match day / 7 {
        0 => name.to_string(),
        w => format!("{name} w{}", w + 1),
    }
}

/// `Mon 08:14:03`: weekday and clock time of `t_s` seconds after Monday 00:00.
pub fn clock(t_s: f64) -> String {
    let s = t_s.max(0.0).floor() as u64;
    let (h, m, sec) = ((s % 86_400) / 3_600, (s % 3_600) / 60, s % 60);
    format!("{} {h:02}:{m:02}:{sec:02}", weekday(t_s))
}

/// `Mon 08:00`: weekday and clock time to the minute.
pub(crate) fn clock_minutes(t_s: f64) -> String {
    let s = t_s.max(0.0).round() as u64;
    let (h, m) = ((s % 86_400) / 3_600, (s % 3_600) / 60);
    format!("{} {h:02}:{m:02}", weekday(s as f64))
}

/// A short duration for axis labels and prose: `250ms`, `45s`, `5m`, `1m30s`, `2h`,
/// `1h30m`, `3d`, `1d12h`.
pub(crate) fn short_duration(secs: f64) -> String {
    if !secs.is_finite() || secs <= 0.0 {
        return "0s".into();
    }
    if secs < 1.0 {
        return format!("{}ms", (secs * 1000.0).round() as u64);
    }
    if secs < 10.0 && (secs * 10.0).round() % 10.0 != 0.0 {
        return format!("{:.1}s", secs);
    }
    let s = secs.round() as u64;
    let two = |big: u64, bu: &str, small: u64, su: &str| {
        if small == 0 {
            format!("{big}{bu}")
        } else {
            format!("{big}{bu}{small}{su}")
        }
    };
    if s < 60 {
        format!("{s}s")
    } else if s < 3_600 {
        two(s / 60, "m", s % 60, "s")
    } else if s < 86_400 {
        // Seconds do not matter once a span is hours long.
        let m = (s + 30) / 60;
        two(m / 60, "h", m % 60, "m")
    } else {
        let m = (s + 30) / 60;
        let (d, h, m) = (m / 1_440, (m % 1_440) / 60, m % 60);
        match (h, m) {
            (0, 0) => format!("{d}d"),
            (h, 0) => format!("{d}d{h}h"),
            (h, m) => format!("{d}d{h}h{m}m"),
        }
    }
}

/// A duration for sentences, rounded to what matters: `40 s`, `12 min`, `3.5 h`, `2.1 days`.
pub(crate) fn prose_duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "—".into();
    }
    if secs < 90.0 {
        format!("{:.0} s", secs)
    } else if secs < 90.0 * 60.0 {
        format!("{:.0} min", secs / 60.0)
    } else if secs < 48.0 * 3_600.0 {
        format!("{:.1} h", secs / 3_600.0)
    } else {
        format!("{:.1} days", secs / 86_400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_and_weekdays() {
        assert_eq!(clock(0.0), "Mon 00:00:00");
        assert_eq!(clock(8.0 * 3600.0 + 14.0 * 60.0 + 3.7), "Mon 08:14:03");
        assert_eq!(clock(86_400.0 + 3_600.0), "Tue 01:00:00");
        assert_eq!(clock(7.0 * 86_400.0), "Mon w2 00:00:00");
        assert_eq!(clock_minutes(7.5 * 3600.0), "Mon 07:30");
    }

    #[test]
    fn short_durations() {
        assert_eq!(short_duration(0.25), "250ms");
        assert_eq!(short_duration(2.5), "2.5s");
        assert_eq!(short_duration(45.0), "45s");
        assert_eq!(short_duration(300.0), "5m");
        assert_eq!(short_duration(90.0), "1m30s");
        assert_eq!(short_duration(7_200.0), "2h");
        assert_eq!(short_duration(5_400.0), "1h30m");
        assert_eq!(short_duration(3.0 * 86_400.0), "3d");
        assert_eq!(short_duration(1.5 * 86_400.0), "1d12h");
        assert_eq!(short_duration(86_400.0 + 10.5 * 3_600.0), "1d10h30m");
        assert_eq!(prose_duration(720.0), "12 min");
        assert_eq!(prose_duration(3.5 * 3600.0), "3.5 h");
    }
}
