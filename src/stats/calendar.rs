//! Weeks as the DNMA counts them: Monday to Sunday, in Europe/Paris time.
//!
//! The offset rule of the European Union (summer time from the last Sunday
//! of March to the last Sunday of October, switching at 01:00 UTC) is
//! written out here rather than pulling a time-zone database for one zone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

/// A period of whole weeks, Monday to Sunday.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// First day (a Monday).
    pub from: NaiveDate,
    /// Last day (a Sunday).
    pub to: NaiveDate,
}

impl Period {
    /// The weeks from the one holding `first` to the one holding `last`.
    pub fn covering(first: NaiveDate, last: NaiveDate) -> Self {
        Self {
            from: week_start(first),
            to: week_start(last.max(first)) + Duration::days(6),
        }
    }

    /// Whether `day` (as written, `YYYY-MM-DD`) is a Monday of the period.
    pub fn has_week(&self, day: &str) -> bool {
        NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .is_ok_and(|d| d.weekday() == Weekday::Mon && d >= self.from && d <= self.to)
    }
}

/// The Monday of the week holding `day`.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_of_next - Duration::days(1);
    Some(last - Duration::days(i64::from(last.weekday().num_days_from_sunday())))
}

/// The calendar day in Paris at instant `at`.
pub fn paris_date(at: DateTime<Utc>) -> NaiveDate {
    let year = at.year();
    let switch = |month| {
        last_sunday(year, month)
            .and_then(|day| day.and_hms_opt(1, 0, 0))
            .map(|naive| Utc.from_utc_datetime(&naive))
    };
    let summer = match (switch(3), switch(10)) {
        (Some(start), Some(end)) => at >= start && at < end,
        _ => false,
    };
    let offset = if summer { 2 } else { 1 };
    (at + Duration::hours(offset)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid")
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    #[test]
    fn sunday_night_in_utc_is_already_monday_in_paris() {
        // Winter: UTC+1.
        assert_eq!(paris_date(utc(2026, 11, 29, 23, 30)), day(2026, 11, 30));
        assert_eq!(paris_date(utc(2026, 11, 29, 22, 59)), day(2026, 11, 29));
        // Summer: UTC+2.
        assert_eq!(paris_date(utc(2026, 7, 5, 22, 0)), day(2026, 7, 6));
        // The switches of 2026: 29 March and 25 October, 01:00 UTC.
        assert_eq!(paris_date(utc(2026, 3, 29, 0, 59)), day(2026, 3, 29));
        assert_eq!(paris_date(utc(2026, 3, 29, 22, 30)), day(2026, 3, 30));
        assert_eq!(paris_date(utc(2026, 10, 25, 22, 30)), day(2026, 10, 25));
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_start(day(2026, 11, 29)), day(2026, 11, 23));
        assert_eq!(week_start(day(2026, 11, 23)), day(2026, 11, 23));
        let period = Period::covering(day(2026, 11, 29), day(2026, 11, 30));
        assert_eq!(
            (period.from, period.to),
            (day(2026, 11, 23), day(2026, 12, 6))
        );
        assert!(period.has_week("2026-11-30"));
        assert!(!period.has_week("2026-11-29"));
        assert!(!period.has_week("2026-12-07"));
        // The first DNMA week.
        assert_eq!(week_start(day(2019, 9, 2)), day(2019, 9, 2));
    }
}
