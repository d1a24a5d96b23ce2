//! Weeks as the DNMA counts them: Monday to Sunday, in Europe/Paris time.
//!
//! The offset comes from the IANA rules of Europe/Paris (`chrono-tz`): the
//! EU summer-time rule is not written out here, and a change of it reaches
//! the harness with the crate's next time-zone data.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Europe::Paris;

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

/// The calendar day in Paris at instant `at`.
pub fn paris_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Paris).date_naive()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

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
    fn the_changeovers_switch_at_one_in_the_morning_utc() {
        let paris = |at: DateTime<Utc>| at.with_timezone(&Paris).naive_local();
        let local = |y, m, d, h, min| day(y, m, d).and_hms_opt(h, min, 0).expect("valid");
        // Last Sunday of March 2026 (the 29th): 02:00 CET becomes 03:00 CEST.
        assert_eq!(paris(utc(2026, 3, 29, 0, 59)), local(2026, 3, 29, 1, 59));
        assert_eq!(paris(utc(2026, 3, 29, 1, 0)), local(2026, 3, 29, 3, 0));
        assert_eq!(paris(utc(2026, 3, 29, 1, 59)), local(2026, 3, 29, 3, 59));
        assert_eq!(paris(utc(2026, 3, 29, 2, 0)), local(2026, 3, 29, 4, 0));
        // Last Sunday of October 2026 (the 25th): 03:00 CEST becomes 02:00 CET.
        assert_eq!(paris(utc(2026, 10, 25, 0, 59)), local(2026, 10, 25, 2, 59));
        assert_eq!(paris(utc(2026, 10, 25, 1, 0)), local(2026, 10, 25, 2, 0));
        assert_eq!(paris(utc(2026, 10, 25, 1, 59)), local(2026, 10, 25, 2, 59));
        assert_eq!(paris(utc(2026, 10, 25, 2, 0)), local(2026, 10, 25, 3, 0));
        // The day around those instants, and the evening before and after.
        for (m, d) in [(3, 29), (10, 25)] {
            for (h, min) in [(0, 59), (1, 0), (1, 59), (2, 0)] {
                assert_eq!(paris_date(utc(2026, m, d, h, min)), day(2026, m, d));
            }
        }
        // Saturday 28 March, 23:00 UTC: midnight in winter time.
        assert_eq!(paris_date(utc(2026, 3, 28, 22, 59)), day(2026, 3, 28));
        assert_eq!(paris_date(utc(2026, 3, 28, 23, 0)), day(2026, 3, 29));
        // Sunday 29 March, 22:00 UTC: midnight in summer time.
        assert_eq!(paris_date(utc(2026, 3, 29, 21, 59)), day(2026, 3, 29));
        assert_eq!(paris_date(utc(2026, 3, 29, 22, 0)), day(2026, 3, 30));
        // Saturday 24 October, 22:00 UTC: midnight in summer time.
        assert_eq!(paris_date(utc(2026, 10, 24, 21, 59)), day(2026, 10, 24));
        assert_eq!(paris_date(utc(2026, 10, 24, 22, 0)), day(2026, 10, 25));
        // Sunday 25 October, 23:00 UTC: midnight in winter time.
        assert_eq!(paris_date(utc(2026, 10, 25, 22, 59)), day(2026, 10, 25));
        assert_eq!(paris_date(utc(2026, 10, 25, 23, 0)), day(2026, 10, 26));
        // The Sunday before is a Sunday of the week whose Monday follows.
        assert_eq!(
            week_start(paris_date(utc(2026, 10, 25, 22, 59))),
            day(2026, 10, 19)
        );
        assert_eq!(
            week_start(paris_date(utc(2026, 10, 25, 23, 0))),
            day(2026, 10, 26)
        );
    }

    #[test]
    fn new_year_in_paris_is_an_hour_before_utc() {
        assert_eq!(paris_date(utc(2026, 12, 31, 22, 59)), day(2026, 12, 31));
        assert_eq!(paris_date(utc(2026, 12, 31, 23, 0)), day(2027, 1, 1));
        // 1 January 2027 is a Friday: its week began in 2026.
        assert_eq!(week_start(day(2027, 1, 1)), day(2026, 12, 28));
        let period = Period::covering(day(2026, 12, 31), day(2027, 1, 4));
        assert_eq!(
            (period.from, period.to),
            (day(2026, 12, 28), day(2027, 1, 10))
        );
        assert!(period.has_week("2026-12-28") && period.has_week("2027-01-04"));
        // A year that ends on a Sunday: the last week is wholly in it.
        assert_eq!(week_start(day(2028, 12, 31)), day(2028, 12, 25));
        assert_eq!(paris_date(utc(2028, 12, 31, 23, 0)), day(2029, 1, 1));
    }

    /// The EU rule the calendar followed by hand before `chrono-tz`: summer
    /// time from the last Sunday of March to the last Sunday of October,
    /// 01:00 UTC.
    fn eu_rule(at: DateTime<Utc>) -> NaiveDate {
        let switch = |month: u32| {
            let next = if month == 12 {
                day(at.year() + 1, 1, 1)
            } else {
                day(at.year(), month + 1, 1)
            };
            let last = next - Duration::days(1);
            let sunday = last - Duration::days(i64::from(last.weekday().num_days_from_sunday()));
            Utc.from_utc_datetime(&sunday.and_hms_opt(1, 0, 0).expect("valid"))
        };
        let summer = at >= switch(3) && at < switch(10);
        (at + Duration::hours(if summer { 2 } else { 1 })).date_naive()
    }

    #[test]
    fn the_time_zone_data_agrees_with_the_eu_rule_hour_by_hour() {
        // Every hour from the first DNMA week to 2040, and every minute
        // around each switch.
        let mut at = utc(2019, 9, 2, 0, 0);
        while at < utc(2040, 1, 1, 0, 0) {
            assert_eq!(paris_date(at), eu_rule(at), "{at}");
            at += Duration::hours(1);
        }
        for year in 2019..2040 {
            for (month, last) in [(3, 31), (10, 31)] {
                let mut at = utc(year, month, last - 7, 20, 0);
                while at < utc(year, month, last, 3, 0) {
                    assert_eq!(paris_date(at), eu_rule(at), "{at}");
                    at += Duration::minutes(1);
                }
            }
        }
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
