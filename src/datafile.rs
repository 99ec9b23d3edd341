//! Data files of `gazetteers/`: text -> rows of TAB-separated fields with line numbers.
//!
//! Every data file shares one syntax: UTF-8, `#` starts a comment line, blank lines are
//! skipped, fields are separated by TABs, lists inside a field by `|`, and `-` is an
//! empty field. Parsing is pure; [`DataFile::read`] is the only function that touches disk.

use crate::error::Error;
use std::path::{Path, PathBuf};

/// One data file held in memory, with the path used in messages.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// Where the text came from (for messages).
    pub path: PathBuf,
    /// The whole text.
    pub text: String,
}

/// One data row: its 1-based line number and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    /// 1-based line number in the file.
    pub line: usize,
    /// The TAB-separated fields, trimmed of surrounding spaces.
    pub fields: Vec<&'a str>,
}

impl DataFile {
    /// Reads `dir/name`; a missing or non-UTF-8 file is an error naming the path.
    pub fn read(dir: &Path, name: &str) -> Result<DataFile, Error> {
        let path = dir.join(name);
        let bytes = std::fs::read(&path)
            .map_err(|e| Error::file(&path, format!("cannot read data file: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::file(
                &path,
                format!(
                    "not UTF-8 (first bad byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        Ok(DataFile { path, text })
    }

    /// A data file made from a string (tests, embedded defaults).
    pub fn from_text(path: &str, text: &str) -> DataFile {
        DataFile {
            path: PathBuf::from(path),
            text: text.to_string(),
        }
    }

    /// The data rows, skipping comments and blank lines.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.text.lines().enumerate().filter_map(|(i, line)| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                return None;
            }
            Some(Row {
                line: i + 1,
                fields: line.split('\t').map(str::trim).collect(),
            })
        })
    }

    /// The data rows, each checked to have exactly `columns` fields.
    pub fn table(&self, columns: &[&str]) -> Result<Vec<Row<'_>>, Error> {
        let mut out = Vec::new();
        for row in self.rows() {
            if row.fields.len() != columns.len() {
                return Err(self.error(
                    row.line,
                    format!(
                        "expected {} TAB-separated columns ({}), found {}",
                        columns.len(),
                        columns.join(", "),
                        row.fields.len()
                    ),
                ));
            }
            if let Some(i) = row.fields.iter().position(|f| f.is_empty()) {
                return Err(self.error(
                    row.line,
                    format!("column '{}' is empty (write '-')", columns[i]),
                ));
            }
            out.push(row);
        }
        Ok(out)
    }

    /// An error at a line of this file.
    pub fn error(&self, line: usize, message: impl Into<String>) -> Error {
        Error::line(&self.path, line, message)
    }
}

/// Splits a `|` list field; `-` is the empty list.
pub fn list(field: &str) -> Vec<&str> {
    if field == "-" {
        return Vec::new();
    }
    field
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// An optional field: `-` is none.
pub fn opt(field: &str) -> Option<&str> {
    (field != "-").then_some(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_skip_comments_and_blanks() {
        let f = DataFile::from_text("t.tsv", "# head\n\na\tb\n  # x\nc\td\n");
        let rows: Vec<_> = f.rows().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].line, 5);
        assert_eq!(rows[1].fields, vec!["c", "d"]);
    }

    #[test]
    fn table_reports_file_and_line() {
        let f = DataFile::from_text("g/x.tsv", "a\tb\nc\n");
        let e = f.table(&["one", "two"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "g/x.tsv:2: expected 2 TAB-separated columns (one, two), found 1"
        );
        let f = DataFile::from_text("g/x.tsv", "a\t\n");
        assert!(f
            .table(&["one", "two"])
            .unwrap_err()
            .to_string()
            .contains("'two' is empty"));
    }

    #[test]
    fn lists_and_options() {
        assert_eq!(list("a|b | c"), vec!["a", "b", "c"]);
        assert!(list("-").is_empty());
        assert_eq!(opt("-"), None);
        assert_eq!(opt("USA"), Some("USA"));
    }
}
