//! Identifiers that appear in configuration, events and URLs.
//!
//! Every identifier follows one spelling rule so it is safe in a file path, a NATS subject and a
//! URL without escaping: 1–64 ASCII letters, digits, `-`, `_` or `.`, starting with a letter or digit.

use std::{fmt, marker::PhantomData};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an identifier cannot be empty")]
    Empty,
    #[error("`{0}` is longer than 64 characters")]
    TooLong(String),
    #[error("`{0}` must start with a letter or digit")]
    BadStart(String),
    #[error("`{0}` may only contain ASCII letters, digits, `-`, `_` and `.`")]
    BadChar(String),
}

fn check(s: &str) -> Result<(), IdError> {
    let first = s.chars().next().ok_or(IdError::Empty)?;
    if s.len() > 64 {
        return Err(IdError::TooLong(s.to_owned()));
    }
    if !first.is_ascii_alphanumeric() {
        return Err(IdError::BadStart(s.to_owned()));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(IdError::BadChar(s.to_owned()));
    }
    Ok(())
}

/// A validated identifier; `T` says what it identifies, so a camera id cannot be passed as a zone id.
pub struct Id<T> {
    value: String,
    marker: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
        let value = value.into();
        check(&value)?;
        Ok(Self {
            value,
            marker: PhantomData,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }
}

// Manual impls: derives would needlessly require `T` itself to implement each trait.
impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            marker: PhantomData,
        }
    }
}
impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T> Eq for Id<T> {}
impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}
impl<T> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state)
    }
}
impl<T> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}
impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.value)
    }
}
impl<T> std::str::FromStr for Id<T> {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::new(s)
    }
}
impl<T> Serialize for Id<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.value)
    }
}
impl<'de, T> Deserialize<'de> for Id<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Self::new(value).map_err(serde::de::Error::custom)
    }
}

/// Marker types naming what an [`Id`] identifies.
pub mod of {
    pub enum Camera {}
    pub enum Zone {}
    pub enum Grid {}
    pub enum Rule {}
    pub enum Kind {}
    pub enum Role {}
    pub enum Member {}
    pub enum Worker {}
}

pub type CameraId = Id<of::Camera>;
pub type ZoneId = Id<of::Zone>;
pub type GridId = Id<of::Grid>;
pub type RuleId = Id<of::Rule>;
pub type MemberId = Id<of::Member>;
/// A pipeline worker, as it signs its camera leases.
pub type WorkerId = Id<of::Worker>;
/// What a zone is for (`parking_bay`, `sidewalk`, `market`…): rules select zones by role.
pub type ZoneRole = Id<of::Role>;

/// What was violated. The three kinds gridwatch ships presets for are constants here; a city adds
/// more (exposed garbage, piled materials, banners…) by declaring them in its configuration.
pub type ViolationKind = Id<of::Kind>;

impl ViolationKind {
    /// 占道经营 / 游商 / 店外经营: selling from carts, stalls or shopfronts on public space.
    pub const STREET_VENDING: &'static str = "street_vending";
    /// 非机动车越线/乱停放: bicycles, e-bikes and tricycles parked outside their bays.
    pub const OUT_OF_LINE_PARKING: &'static str = "out_of_line_parking";
    /// 露天烧烤: open-air barbecue at the roadside, mostly at night.
    pub const ROADSIDE_BARBECUE: &'static str = "roadside_barbecue";

    /// The kinds every configuration knows without declaring them.
    pub const BUILT_IN: [&'static str; 3] = [
        Self::STREET_VENDING,
        Self::OUT_OF_LINE_PARKING,
        Self::ROADSIDE_BARBECUE,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ids_safe_in_paths_subjects_and_urls() {
        for ok in ["east-gate", "G01", "cam_3.sub", "3301-0012"] {
            assert!(CameraId::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_ids_that_would_need_escaping() {
        assert_eq!(CameraId::new(""), Err(IdError::Empty));
        assert!(matches!(CameraId::new("-x"), Err(IdError::BadStart(_))));
        assert!(matches!(CameraId::new("east gate"), Err(IdError::BadChar(_))));
        assert!(matches!(CameraId::new("a/b"), Err(IdError::BadChar(_))));
        assert!(matches!(CameraId::new("x".repeat(65)), Err(IdError::TooLong(_))));
    }

    #[test]
    fn built_in_kinds_are_valid_ids() {
        for kind in ViolationKind::BUILT_IN {
            ViolationKind::new(kind).unwrap();
        }
    }
}
