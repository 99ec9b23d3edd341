//! newsgraph: news articles -> a network of who did what to whom.
//!
//! The stages, one module each, with plain types between them:
//! [`normalise`] (bytes -> `Doc`), [`tag`] (`Doc` + `Gazetteer` -> mentions),
//! [`relate`] (`Doc` + mentions + `Rules` -> relations), [`write`] (rows -> CSVs).
//! [`pipeline`] is the one place with threads and progress; it uses [`store`] for the
//! output folder's state (manifest, cache, lock, commit journal).

pub mod config;
pub mod datafile;
pub mod error;
pub mod gazetteer;
pub mod lexicon;
pub mod normalise;
pub mod pattern;
pub mod pipeline;
pub mod relate;
pub mod rules;
pub mod store;
pub mod swar;
pub mod tag;
pub mod trie;
pub mod write;
