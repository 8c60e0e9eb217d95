//! Config errors that point at the offending place in the file: `file:line:column: sentence`.

use std::{
    fmt,
    ops::Range,
    path::{Path, PathBuf},
};

use toml::{
    de::{DeArray, DeTable, DeValue},
    Spanned,
};

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Every problem found in a configuration file, in file order. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for ConfigErrors {}

/// A step into the document: a table key or an array index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> From<&'a str> for Step<'a> {
    fn from(key: &'a str) -> Self {
        Step::Key(key)
    }
}

impl From<usize> for Step<'_> {
    fn from(index: usize) -> Self {
        Step::Index(index)
    }
}

/// Builds a `&[Step]` from keys and indices: `at!["cameras", 2, "zones", 0, "points"]`.
macro_rules! at {
    ($($step:expr),* $(,)?) => { &[$($crate::config::diagnostic::Step::from($step)),*][..] };
}
pub(crate) use at;

/// The text of a configuration file, parsed once more with every value's position kept, so that
/// checks made on the typed config can say where the offending value is written.
pub(crate) struct SourceMap<'a> {
    file: &'a Path,
    text: &'a str,
    root: Option<Spanned<DeTable<'a>>>,
}

impl<'a> SourceMap<'a> {
    pub(crate) fn new(file: &'a Path, text: &'a str) -> Self {
        Self {
            file,
            text,
            root: DeTable::parse(text).ok(),
        }
    }

    /// An error at byte `offset` of the file.
    pub(crate) fn error_at(&self, offset: usize, message: impl Into<String>) -> ConfigError {
        let before = &self.text[..offset.min(self.text.len())];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        ConfigError {
            file: self.file.to_path_buf(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            message: message.into(),
        }
    }

    /// Deserializes the whole text; a syntax error, an unknown key or a malformed value is an
    /// error at its position.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ConfigError> {
        toml::from_str(self.text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            self.error_at(offset, e.message().trim_end())
        })
    }

    /// An error at the value found by following `path`, or at the nearest enclosing value written
    /// in the file (a missing key points at the table that lacks it).
    pub(crate) fn error(&self, path: &[Step], message: impl Into<String>) -> ConfigError {
        self.error_at(self.span(path).start, message)
    }

    fn span(&self, path: &[Step]) -> Range<usize> {
        let Some(root) = &self.root else { return 0..0 };
        let mut span = 0..0;
        let mut table: Option<&DeTable> = Some(root.get_ref());
        let mut array: Option<&DeArray> = None;
        for step in path {
            let next: Option<&Spanned<DeValue>> = match (step, table, array) {
                (Step::Key(key), Some(t), _) => t.get(*key),
                (Step::Index(i), _, Some(a)) => a.get(*i),
                _ => None,
            };
            let Some(next) = next else { break };
            span = next.span();
            (table, array) = match next.get_ref() {
                DeValue::Table(t) => (Some(t), None),
                DeValue::Array(a) => (None, Some(a)),
                _ => (None, None),
            };
        }
        span
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[city]\nname = \"Fuzhou\"\n\n[[cameras]]\nid = \"a\"\n[[cameras]]\nid = \"东门\"\nzones = [{ id = \"z\" }]\n";

    fn pos(path: &[Step]) -> (usize, usize) {
        let map = SourceMap::new(Path::new("c.toml"), TEXT);
        let e = map.error(path, "m");
        (e.line, e.column)
    }

    #[test]
    fn finds_values_by_key_and_index() {
        assert_eq!(pos(at!["city", "name"]), (2, 8));
        assert_eq!(pos(at!["cameras", 1, "id"]), (7, 6));
        assert_eq!(pos(at!["cameras", 1, "zones", 0, "id"]), (8, 17));
    }

    #[test]
    fn missing_steps_point_at_the_nearest_enclosing_value() {
        assert_eq!(pos(at!["cameras", 1, "zones", 0, "points"]), (8, 10));
        assert_eq!(pos(at!["cameras", 7]), pos(at!["cameras"]));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "name = \"东门\" x";
        let map = SourceMap::new(Path::new("c.toml"), text);
        let e = map.error_at(text.find('x').unwrap(), "m");
        assert_eq!((e.line, e.column), (1, 13));
        assert_eq!(e.to_string(), "c.toml:1:13: m");
    }
}
