//! Normalise: raw article bytes -> [`Doc`] (clean text, sentences, offsets back to the bytes).
//!
//! Invalid UTF-8 becomes U+FFFD, Unicode punctuation and spaces fold to ASCII, runs of
//! white space collapse, boilerplate lines of a news scrape are dropped (patterns from
//! `gazetteers/boilerplate.tsv`), and the text is split into sentences without breaking
//! on abbreviations from `gazetteers/abbreviations.txt`, initials or decimals. Every byte
//! of the clean text remembers the span of the original bytes it came from.

use crate::datafile::DataFile;
use crate::error::Error;
use regex::{Regex, RegexSet};
use std::collections::HashSet;
use std::ops::Range;

/// Longest sentence kept whole; longer runs without a full stop are cut at a space so
/// one hostile line cannot make later stages quadratic.
const MAX_SENTENCE: usize = 4096;

/// A normalised article.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// The clean text: kept lines joined by `\n` (or a space for wrapped lines).
    pub text: String,
    /// Sentence spans in `text`, in order, never empty.
    pub sentences: Vec<Range<usize>>,
    /// The date from a leading `Date: YYYY-MM-DD` line, if any.
    pub date: Option<String>,
    /// True when the bytes were not valid UTF-8 and were decoded lossily.
    pub lossy: bool,
    /// Number of boilerplate lines dropped.
    pub dropped_lines: usize,
    starts: Vec<u32>,
    ends: Vec<u32>,
}

impl Doc {
    /// The original byte span of a span of `text` (empty spans map to a point).
    pub fn original(&self, span: Range<usize>) -> Range<usize> {
        if span.start >= span.end || span.end > self.starts.len() {
            let at = self.starts.get(span.start).copied().unwrap_or(0) as usize;
            return at..at;
        }
        self.starts[span.start] as usize..self.ends[span.end - 1] as usize
    }

    fn push(&mut self, c: char, from: usize, to: usize) {
        let n = c.len_utf8();
        self.text.push(c);
        for _ in 0..n {
            self.starts.push(from as u32);
            self.ends.push(to as u32);
        }
    }

    fn push_line(&mut self, line: &Line) {
        self.text.push_str(&line.text);
        self.starts.extend_from_slice(&line.starts);
        self.ends.extend_from_slice(&line.ends);
    }
}

/// The compiled normalisation settings: boilerplate patterns and abbreviations.
#[derive(Debug, Clone)]
pub struct Normaliser {
    boilerplate: RegexSet,
    abbreviations: HashSet<String>,
    date_line: Regex,
}

impl Normaliser {
    /// Builds from `boilerplate.tsv` (pattern, note) and `abbreviations.txt` (one a line).
    pub fn new(boilerplate: &DataFile, abbreviations: &DataFile) -> Result<Normaliser, Error> {
        let mut patterns = Vec::new();
        for row in boilerplate.table(&["pattern", "note"])? {
            Regex::new(row.fields[0])
                .map_err(|e| boilerplate.error(row.line, format!("bad pattern: {e}")))?;
            patterns.push(row.fields[0].to_string());
        }
        let path = boilerplate.path.clone();
        let boilerplate = RegexSet::new(&patterns)
            .map_err(|e| Error::file(&path, format!("patterns do not compile together: {e}")))?;
        let mut set = HashSet::new();
        for row in abbreviations.table(&["abbreviation"])? {
            let a = row.fields[0].trim_end_matches('.').to_lowercase();
            set.insert(a);
        }
        let date_line = Regex::new(r"^(?i:date)\s*:\s*(\d{4}-\d{2}-\d{2})\s*$")
            .map_err(|e| Error::file(&path, e.to_string()))?;
        Ok(Normaliser {
            boilerplate,
            abbreviations: set,
            date_line,
        })
    }

    /// Normalises one article's bytes.
    pub fn normalise(&self, raw: &[u8]) -> Doc {
        let mut doc = Doc::default();
        let mut line = Line::default();
        let mut blank_before = false;
        let mut base = 0usize;
        for piece in raw.split(|&b| b == b'\n') {
            let line_start = base;
            line.fold(piece, line_start, &mut doc.lossy);
            base = line_start + piece.len() + 1;
            if line.text.is_empty() {
                blank_before = true;
                continue;
            }
            if doc.text.is_empty() && doc.date.is_none() {
                if let Some(c) = self.date_line.captures(&line.text) {
                    doc.date = c.get(1).map(|m| m.as_str().to_string());
                    continue;
                }
            }
            if self.boilerplate.is_match(&line.text) {
                doc.dropped_lines += 1;
                blank_before = true;
                continue;
            }
            if !doc.text.is_empty() {
                let sep = if !blank_before && continues(&doc.text, &line.text) {
                    ' '
                } else {
                    '\n'
                };
                let at = line_start.saturating_sub(1);
                doc.push(sep, at, line_start);
            }
            doc.push_line(&line);
            blank_before = false;
        }
        doc.sentences = self.split(&doc.text);
        doc
    }

    /// Sentence spans of a clean text.
    fn split(&self, text: &str) -> Vec<Range<usize>> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let mut cut = None;
            if b == b'\n' {
                cut = Some((i, i + 1));
            } else if matches!(b, b'.' | b'!' | b'?') {
                let mut j = i + 1;
                while j < bytes.len()
                    && matches!(bytes[j], b'"' | b'\'' | b')' | b']' | b'.' | b'!' | b'?')
                {
                    j += 1;
                }
                if j + 1 < bytes.len()
                    && bytes[j] == b' '
                    && opens_sentence(&text[j + 1..])
                    && (b != b'.' || !self.is_abbreviation(&text[start..i]))
                {
                    cut = Some((j, j + 1));
                }
            } else if i - start >= MAX_SENTENCE && b == b' ' {
                cut = Some((i, i + 1));
            }
            if let Some((end, next)) = cut {
                push_trimmed(&mut out, text, start, end);
                start = next;
                i = next;
            } else {
                i += 1;
            }
        }
        push_trimmed(&mut out, text, start, bytes.len());
        out
    }

    /// Is the word that ends `before` (just before a '.') an abbreviation or an initial?
    fn is_abbreviation(&self, before: &str) -> bool {
        let word_start = before
            .char_indices()
            .rfind(|&(_, c)| !(c.is_alphanumeric() || c == '.'))
            .map_or(0, |(p, c)| p + c.len_utf8());
        let word = &before[word_start..];
        if word.is_empty() {
            return false;
        }
        let mut chars = word.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return c.is_uppercase(); // an initial: "Donald J. Trump"
        }
        self.abbreviations.contains(&word.to_lowercase())
    }
}

/// A line being folded: text plus the original span of each byte.
#[derive(Debug, Default)]
struct Line {
    text: String,
    starts: Vec<u32>,
    ends: Vec<u32>,
}

impl Line {
    /// Decodes and folds one raw line that starts at `base` in the original bytes.
    fn fold(&mut self, raw: &[u8], base: usize, lossy: &mut bool) {
        self.text.clear();
        self.starts.clear();
        self.ends.clear();
        let mut at = base;
        for chunk in raw.utf8_chunks() {
            let valid = chunk.valid();
            for (i, c) in valid.char_indices() {
                let from = at + i;
                self.fold_char(c, from, from + c.len_utf8());
            }
            at += valid.len();
            let bad = chunk.invalid();
            if !bad.is_empty() {
                *lossy = true;
                self.add('\u{FFFD}', at, at + bad.len());
                at += bad.len();
            }
        }
        while self.text.ends_with(' ') {
            self.text.pop();
            self.starts.pop();
            self.ends.pop();
        }
    }

    fn fold_char(&mut self, c: char, from: usize, to: usize) {
        match c {
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\r' => {}
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{0060}'
            | '\u{00B4}' => self.add('\'', from, to),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
            | '\u{00BB}' => self.add('"', from, to),
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
                self.add('-', from, to)
            }
            '\u{2026}' => {
                for _ in 0..3 {
                    self.add('.', from, to);
                }
            }
            c if c.is_whitespace() || c.is_control() => self.add(' ', from, to),
            c => self.add(c, from, to),
        }
    }

    fn add(&mut self, c: char, from: usize, to: usize) {
        if c == ' ' && (self.text.is_empty() || self.text.ends_with(' ')) {
            return;
        }
        self.text.push(c);
        for _ in 0..c.len_utf8() {
            self.starts.push(from as u32);
            self.ends.push(to as u32);
        }
    }
}

/// Does `next` continue the sentence of `prev` (a hard-wrapped paragraph)?
fn continues(prev: &str, next: &str) -> bool {
    let ends_open = !prev.ends_with(['.', '!', '?', ':', '"', '\'', ')']);
    let starts_lower = next.chars().next().is_some_and(|c| c.is_lowercase());
    ends_open && starts_lower
}

/// Can a sentence start at this text (after the space following a full stop)?
fn opens_sentence(rest: &str) -> bool {
    rest.chars().next().is_some_and(|c| {
        c.is_uppercase() || c.is_ascii_digit() || matches!(c, '"' | '\'' | '(' | '[')
    })
}

fn push_trimmed(out: &mut Vec<Range<usize>>, text: &str, start: usize, end: usize) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if start + lead < end - trail {
        out.push(start + lead..end - trail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normaliser() -> Normaliser {
        let bp = DataFile::from_text(
            "boilerplate.tsv",
            "^(?:(?:Pinterest|LinkedIn|Tumblr|Facebook|Twitter)\\s*)+$\tshare row\nappeared first on\tfeed footer\n^!\\[\\]\\([^)]*\\)\\s*\\|?$\tempty image\n^\\|?\\s*Image:\timage caption\n",
        );
        let ab = DataFile::from_text("abbreviations.txt", "Mr\nU.S\nJan\nSt\nDr\n");
        Normaliser::new(&bp, &ab).unwrap()
    }

    fn sentences(doc: &Doc) -> Vec<&str> {
        doc.sentences.iter().map(|r| &doc.text[r.clone()]).collect()
    }

    struct Case {
        name: &'static str,
        input: &'static str,
        want: &'static [&'static str],
    }

    #[test]
    fn sentence_cases() {
        let cases = [
            Case {
                name: "plain",
                input: "One here. Two there.",
                want: &["One here.", "Two there."],
            },
            Case {
                name: "us",
                input: "The U.S. President spoke. He left.",
                want: &["The U.S. President spoke.", "He left."],
            },
            Case {
                name: "mr",
                input: "Mr. Smith met Dr. Jones on Jan. 5. Then.",
                want: &["Mr. Smith met Dr. Jones on Jan. 5.", "Then."],
            },
            Case {
                name: "decimal",
                input: "It rose 2.5 percent. Fine.",
                want: &["It rose 2.5 percent.", "Fine."],
            },
            Case {
                name: "initial",
                input: "Donald J. Trump spoke.",
                want: &["Donald J. Trump spoke."],
            },
            Case {
                name: "st",
                input: "They met in St. Petersburg.",
                want: &["They met in St. Petersburg."],
            },
            Case {
                name: "quote",
                input: "He said \"yes.\" Then he left.",
                want: &["He said \"yes.\"", "Then he left."],
            },
            Case {
                name: "headline",
                input: "Tensions rise\n\nThe talks failed.",
                want: &["Tensions rise", "The talks failed."],
            },
            Case {
                name: "wrapped",
                input: "The talks between the\ntwo sides failed.",
                want: &["The talks between the two sides failed."],
            },
            Case {
                name: "lowercase next",
                input: "It cost $2 bn. and more.",
                want: &["It cost $2 bn. and more."],
            },
        ];
        let n = normaliser();
        for c in cases {
            let doc = n.normalise(c.input.as_bytes());
            assert_eq!(sentences(&doc), c.want, "case {}", c.name);
        }
    }

    #[test]
    fn folds_punctuation_and_keeps_offsets() {
        let raw = "Russia\u{2019}s\u{00A0}\u{00A0}talks \u{2014} \u{201C}fine\u{201D}\u{200B}.";
        let doc = normaliser().normalise(raw.as_bytes());
        assert_eq!(doc.text, "Russia's talks - \"fine\".");
        let i = doc.text.find("talks").unwrap();
        let o = doc.original(i..i + 5);
        assert_eq!(&raw[o], "talks");
        let q = doc.text.find('\'').unwrap();
        assert_eq!(&raw[doc.original(q..q + 1)], "\u{2019}");
    }

    #[test]
    fn drops_boilerplate_and_reads_date() {
        let raw = "Date: 2025-08-27\nHeadline here\nPinterest LinkedIn Tumblr\n![]() |\n| Image: Video Screenshot |\nBody text.\nThe post X appeared first on Y\n";
        let doc = normaliser().normalise(raw.as_bytes());
        assert_eq!(doc.date.as_deref(), Some("2025-08-27"));
        assert_eq!(sentences(&doc), vec!["Headline here", "Body text."]);
        assert_eq!(doc.dropped_lines, 4);
        let b = doc.text.find("Body").unwrap();
        assert_eq!(&raw[doc.original(b..b + 4)], "Body");
    }

    #[test]
    fn invalid_utf8_is_lossy_and_mapped() {
        let raw = b"Abc \xff\xfe def.";
        let doc = normaliser().normalise(raw);
        assert!(doc.lossy);
        assert_eq!(doc.text, "Abc \u{FFFD}\u{FFFD} def.");
        let d = doc.text.find("def").unwrap();
        assert_eq!(&raw[doc.original(d..d + 3)], b"def");
    }

    #[test]
    fn crlf_and_empty() {
        let doc = normaliser().normalise(b"One.\r\nTwo.\r\n");
        assert_eq!(sentences(&doc), vec!["One.", "Two."]);
        assert!(normaliser().normalise(b"").sentences.is_empty());
    }
}
