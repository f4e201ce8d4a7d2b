//! The one place that reads the wall clock (grading times, archive entries,
//! "today" for expiry). Tests and golden outputs fix the time with the
//! environment variable `CERTEXAM_NOW` (RFC 3339, e.g.
//! `CERTEXAM_NOW=2026-12-01T10:00:00Z`), so every output stays reproducible.

use jiff::Timestamp;

/// The environment variable that fixes "now".
pub const NOW_VAR: &str = "CERTEXAM_NOW";

/// `CERTEXAM_NOW` holds something that is not a time.
#[derive(Debug, thiserror::Error)]
#[error("{NOW_VAR}=`{text}` is not a time; write it like 2026-12-01T10:00:00Z")]
pub struct ClockError {
    text: String,
    #[source]
    source: jiff::Error,
}

/// The current time, to the second: `CERTEXAM_NOW` if set, else the clock.
#[allow(clippy::disallowed_methods)] // the only reader of the real clock
pub fn now() -> Result<Timestamp, ClockError> {
    let now = match std::env::var(NOW_VAR) {
        Ok(text) => parse(&text).map_err(|source| ClockError { text, source })?,
        Err(_) => Timestamp::now(),
    };
    // Whole seconds: recorded times are written to the second (a whole
    // second of a valid time is always valid).
    Ok(Timestamp::from_second(now.as_second()).unwrap_or(now))
}

/// Parses an RFC 3339 time (`2026-12-01T10:00:00Z`, `…+08:00`).
pub fn parse(text: &str) -> Result<Timestamp, jiff::Error> {
    text.trim().parse::<Timestamp>()
}

/// `2026-12-01T10:00:00Z`.
pub fn format(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A calendar date as people write it in blueprints and manifests:
/// exactly `YYYY-MM-DD`, a real day (no 2026-02-31), from 1970 on. The one
/// reader of such dates, so the blueprint check and the PDF dates agree.
pub fn calendar_date(text: &str) -> Option<jiff::civil::Date> {
    let text = text.trim();
    let digits_at = |r: std::ops::Range<usize>| text[r].bytes().all(|b| b.is_ascii_digit());
    if text.len() != 10 || !text.is_char_boundary(10) {
        return None;
    }
    let shaped = digits_at(0..4) && &text[4..5] == "-" && digits_at(5..7) && &text[7..8] == "-";
    if !shaped || !digits_at(8..10) {
        return None;
    }
    let date: jiff::civil::Date = text.parse().ok()?;
    (date.year() >= 1970).then_some(date)
}

/// Seconds since 1970 at midnight UTC of `date`: the fixed creation time
/// of a PDF made for that day, never the clock.
pub fn midnight_utc(date: jiff::civil::Date) -> i64 {
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map_or(0, |z| z.timestamp().as_second())
}

/// The UTC calendar date of a time.
pub fn utc_date(t: Timestamp) -> jiff::civil::Date {
    t.to_zoned(jiff::tz::TimeZone::UTC).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_times_print_in_utc_to_the_second() {
        let t = parse("2026-12-01T18:30:05+08:00").unwrap();
        assert_eq!(format(t), "2026-12-01T10:30:05Z");
        assert_eq!(utc_date(t).to_string(), "2026-12-01");
        assert!(parse("yesterday").is_err());
    }

    #[test]
    fn calendar_dates_are_real_days_written_yyyy_mm_dd() {
        assert_eq!(
            calendar_date("2028-02-29").unwrap().to_string(),
            "2028-02-29"
        );
        assert_eq!(calendar_date(" 2026-12-01 ").unwrap().day(), 1);
        for bad in [
            "2026-02-31",
            "2027-02-29",
            "1900-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-12-01",
            "1969-12-31",
            "2026/12/01",
            "2026-12-01T00",
            "２０２６-12-01",
        ] {
            assert_eq!(calendar_date(bad), None, "{bad}");
        }
        assert_eq!(midnight_utc(calendar_date("1970-01-01").unwrap()), 0);
        assert_eq!(
            midnight_utc(calendar_date("2026-12-01").unwrap()),
            1_796_083_200
        );
    }
}
