//! Errors of the library: a path, an optional line number and what went wrong.
//!
//! Configuration errors (gazetteers, rules) stop a run before anything is written,
//! so every message names the file and line the user has to fix.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error that points at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    path: PathBuf,
    line: Option<usize>,
    message: String,
}

impl Error {
    /// An error about a whole file (it is missing, unreadable, empty ...).
    pub fn file(path: &Path, message: impl Into<String>) -> Error {
        Error {
            path: path.to_path_buf(),
            line: None,
            message: message.into(),
        }
    }

    /// An error about one line of a data file (1-based line number).
    pub fn line(path: &Path, line: usize, message: impl Into<String>) -> Error {
        Error {
            path: path.to_path_buf(),
            line: Some(line),
            message: message.into(),
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The 1-based line, when the error is about one line.
    pub fn line_number(&self) -> Option<usize> {
        self.line
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for Error {}

/// Several configuration errors at once, so a user fixes a data file in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}
