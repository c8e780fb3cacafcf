//! Unix seconds to and from UTC calendar text, without a date library
//! (the audit log shows and filters times on both sides).

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `2025-03-01 14:05:09 UTC`.
pub fn format_utc(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `2025-03-01T14:05`, the value of a datetime-local input (read as UTC).
pub fn format_input(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}", s / 3600, s / 60 % 60)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (as a
/// browser's date/datetime-local input gives it), read as UTC.
pub fn parse_utc(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = 0;
    if let Some(time) = time {
        let mut parts = time.split(':');
        let h: i64 = parts.next()?.parse().ok()?;
        let min: i64 = parts.next()?.parse().ok()?;
        let s: i64 = match parts.next() {
            Some(s) => s.parse().ok()?,
            None => 0,
        };
        if h > 23 || min > 59 || s > 60 {
            return None;
        }
        secs = h * 3600 + min * 60 + s;
    }
    Some(days_from_civil(y, m, d) * 86_400 + secs)
}

/// A span of `seconds` as a person reads it: `45 s`, `3 min 20 s`,
/// `2 h 5 min`, `3 d 4 h` (negative spans read as zero).
pub fn format_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) if s == 0 => format!("{m} min"),
        (0, 0, _) => format!("{m} min {s} s"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_in_their_two_largest_units() {
        use super::format_duration;
        assert_eq!(format_duration(0), "0 s");
        assert_eq!(format_duration(45), "45 s");
        assert_eq!(format_duration(120), "2 min");
        assert_eq!(format_duration(200), "3 min 20 s");
        assert_eq!(format_duration(7_500), "2 h 5 min");
        assert_eq!(format_duration(3 * 86_400 + 4 * 3600 + 59), "3 d 4 h");
        assert_eq!(format_duration(-5), "0 s");
    }

    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn parses_what_it_formats() {
        assert_eq!(parse_utc("2023-11-14T22:13:20"), Some(1_700_000_000));
        assert_eq!(parse_utc("2023-11-14T22:13"), Some(1_700_000_000 - 20));
        assert_eq!(parse_utc("1970-01-02"), Some(86_400));
        assert_eq!(parse_utc("2023-13-01"), None);
        assert_eq!(format_input(1_700_000_000), "2023-11-14T22:13");
        assert_eq!(parse_utc(&format_input(1_700_000_040)), Some(1_700_000_040));
        assert_eq!(parse_utc("yesterday"), None);
    }
}
