//! Times as a city writes them in configuration: durations (`90s`, `5m`), times of day (`20:00`),
//! windows (`18:00-02:00`, which may cross midnight) and IANA time zones.
//!
//! Each parses with a message that shows how to write it, and the file position of the bad value
//! comes from the TOML deserializer.

use std::{fmt, str::FromStr, time::Duration};

use chrono::{NaiveTime, Timelike};
use serde::{de::Error as _, Deserialize, Deserializer};

fn from_text<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err = String>,
{
    String::deserialize(deserializer)?
        .parse()
        .map_err(D::Error::custom)
}

/// A length of time written the human way: `90s`, `5m`, `1h 30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span(pub Duration);

impl FromStr for Span {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        humantime::parse_duration(s)
            .map(Span)
            .map_err(|_| format!("`{s}` is not a length of time; write it like `90s`, `5m` or `1h 30m`"))
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d)
    }
}

/// The way configuration writes it, in whole seconds: `90d`, `5m`, `1h 30m`.
impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut left = self.0.as_secs();
        if left == 0 {
            return f.write_str("0s");
        }
        let mut parts = Vec::new();
        for (unit, size) in [("d", 24 * 3600), ("h", 3600), ("m", 60), ("s", 1)] {
            if left >= size {
                parts.push(format!("{}{unit}", left / size));
                left %= size;
            }
        }
        f.write_str(&parts.join(" "))
    }
}

/// A wall-clock time of day in the city's time zone, `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(pub NaiveTime);

impl FromStr for TimeOfDay {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        NaiveTime::parse_from_str(s, "%H:%M")
            .map(TimeOfDay)
            .map_err(|_| format!("`{s}` is not a time of day; write it as HH:MM, from `00:00` to `23:59`"))
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

/// A daily window `start-end` in local time; when `end` is earlier than `start` the window runs
/// past midnight (`20:00-02:00` is evening and night).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub start: TimeOfDay,
    pub end: TimeOfDay,
}

impl TimeWindow {
    /// True when `t` is inside the window: from `start` included to `end` excluded.
    pub fn contains(&self, t: NaiveTime) -> bool {
        let (start, end) = (self.start.0, self.end.0);
        if start <= end {
            start <= t && t < end
        } else {
            t >= start || t < end
        }
    }
}

impl FromStr for TimeWindow {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || format!("`{s}` is not a daily window; write it as HH:MM-HH:MM, e.g. `18:00-02:00`");
        let (start, end) = s.split_once('-').ok_or_else(usage)?;
        let window = TimeWindow {
            start: start.trim().parse().map_err(|_| usage())?,
            end: end.trim().parse().map_err(|_| usage())?,
        };
        if window.start == window.end {
            return Err(format!(
                "`{s}` starts and ends at the same time; a window must have a length"
            ));
        }
        Ok(window)
    }
}

impl<'de> Deserialize<'de> for TimeWindow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d)
    }
}

impl fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// An IANA time zone such as `Asia/Shanghai`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl FromStr for TimeZone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse()
            .map(TimeZone)
            .map_err(|_| format!("`{s}` is not an IANA time zone name such as `Asia/Shanghai`"))
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    #[test]
    fn windows_past_midnight_cover_the_night() {
        let night: TimeWindow = "20:00-02:00".parse().unwrap();
        assert!(night.contains(t("20:00")) && night.contains(t("23:59")) && night.contains(t("01:59")));
        assert!(!night.contains(t("02:00")) && !night.contains(t("12:00")) && !night.contains(t("19:59")));
        let day: TimeWindow = "06:00-09:00".parse().unwrap();
        assert!(day.contains(t("06:00")) && !day.contains(t("09:00")) && !day.contains(t("05:59")));
    }

    #[test]
    fn bad_values_say_how_to_write_them() {
        assert_eq!(
            "25:00-02:00".parse::<TimeWindow>().unwrap_err(),
            "`25:00-02:00` is not a daily window; write it as HH:MM-HH:MM, e.g. `18:00-02:00`"
        );
        assert!("08:00-08:00"
            .parse::<TimeWindow>()
            .unwrap_err()
            .contains("same time"));
        assert!("five minutes"
            .parse::<Span>()
            .unwrap_err()
            .contains("`90s`, `5m` or `1h 30m`"));
        assert!("Asia/Shangai".parse::<TimeZone>().unwrap_err().contains("IANA"));
        assert_eq!("1h 30m".parse::<Span>().unwrap(), Span(Duration::from_secs(5400)));
    }

    #[test]
    fn spans_are_written_back_the_way_configuration_writes_them() {
        for written in ["90d", "5m", "1h 30m", "1d 2h 3m 4s", "0s"] {
            assert_eq!(written.parse::<Span>().unwrap().to_string(), written);
        }
    }
}
