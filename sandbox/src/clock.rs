//! The sandbox's clock: real time plus an offset that tests can advance, and the platform's
//! `YYYY-MM-DD HH:MM:SS` timestamps (Beijing time, UTC+8).

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Real time shifted by an offset that only grows.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: Mutex<Duration>,
}

impl Clock {
    fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the clock forward by `by`.
    pub(crate) fn advance(&self, by: Duration) {
        let mut o = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *o = o.saturating_add(by);
    }

    /// The monotonic "now", for expiry checks.
    pub(crate) fn now(&self) -> Instant {
        let real = Instant::now();
        real.checked_add(self.offset()).unwrap_or(real)
    }

    /// Wall-clock Unix seconds.
    pub(crate) fn unix_secs(&self) -> i64 {
        self.unix_ms() / 1000
    }

    /// Wall-clock Unix milliseconds.
    pub(crate) fn unix_ms(&self) -> i64 {
        let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + self.offset();
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    }
}

/// Beijing time is UTC+8 all year.
const BEIJING_OFFSET_SECS: i64 = 8 * 3600;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` in Beijing time.
pub(crate) fn format_beijing(unix_secs: i64) -> String {
    let local = unix_secs + BEIJING_OFFSET_SECS;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Parses `YYYY-MM-DD HH:MM:SS` (Beijing time) into Unix seconds.
pub(crate) fn parse_beijing(text: &str) -> Option<i64> {
    let (date, time) = text.trim().split_once(' ')?;
    let mut dp = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (dp.next()??, dp.next()??, dp.next()??);
    let mut tp = time.split(':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (tp.next()??, tp.next()??, tp.next()??);
    if dp.next().is_some() || tp.next().is_some() {
        return None;
    }
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // Reject dates like 02-31 that roll over into the next month.
    if civil_from_days(days) != (y, m, d) {
        return None;
    }
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - BEIJING_OFFSET_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_timestamps_round_trip() {
        // 2023-08-12 14:19:36 Beijing = 06:19:36 UTC = 1691821176.
        assert_eq!(format_beijing(1_691_821_176), "2023-08-12 14:19:36");
        assert_eq!(parse_beijing("2023-08-12 14:19:36"), Some(1_691_821_176));
        assert_eq!(format_beijing(0), "1970-01-01 08:00:00");
        assert_eq!(
            parse_beijing("2024-02-29 00:00:00").map(format_beijing).as_deref(),
            Some("2024-02-29 00:00:00")
        );
        assert_eq!(parse_beijing("2023-02-31 00:00:00"), None);
        assert_eq!(parse_beijing("2023-08-12T14:19:36"), None);
        assert_eq!(parse_beijing("2023-08-12 14:19"), None);
    }

    #[test]
    fn advancing_moves_both_clocks() {
        let c = Clock::default();
        let (i, ms) = (c.now(), c.unix_ms());
        c.advance(Duration::from_secs(3600));
        assert!(c.now() >= i + Duration::from_secs(3600));
        assert!(c.unix_ms() >= ms + 3_600_000);
    }
}
