//! Normalise: raw article bytes -> [`Doc`] (clean text, sentences, offsets back to the bytes).
//!
//! Invalid UTF-8 becomes U+FFFD, Unicode punctuation and spaces fold to ASCII, runs of
//! white space collapse, boilerplate lines of a news scrape are dropped (patterns from
//! `gazetteers/boilerplate.tsv`), and the text is split into sentences without breaking
//! on abbreviations from `gazetteers/abbreviations.txt`, initials or decimals. Every byte
//! of the clean text remembers the span of the original bytes it came from.

use crate::datafile::DataFile;
use crate::error::Error;
use crate::gazetteer::WordTable;
use crate::swar::{HIGH, ONES};
use memchr::{memchr, memchr3, memchr_iter};
use regex::{Regex, RegexSet};
use rustc_hash::FxHashSet as HashSet;
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
    offsets: Offsets,
}

impl Doc {
    /// The original byte span of a span of `text` (empty spans map to a point).
    pub fn original(&self, span: Range<usize>) -> Range<usize> {
        let len = self.text.len();
        if span.start >= span.end || span.end > len {
            let at = if span.start < len {
                self.offsets.source(span.start).start
            } else {
                0
            };
            return at..at;
        }
        self.offsets.sources(span.start, span.end - 1)
    }

    fn push(&mut self, c: char, from: usize, to: usize) {
        self.offsets.record(self.text.len(), c.len_utf8(), from, to);
        self.text.push(c);
    }

    fn push_line(&mut self, line: &Line) {
        self.offsets.append(&line.offsets, self.text.len());
        self.text.push_str(&line.text);
    }
}

/// Where each byte of a clean text came from, as runs rather than one entry per byte:
/// nearly all text is plain ASCII copied one for one, which one run describes.
#[derive(Debug, Clone, Default)]
struct Offsets {
    /// Runs in text order; the first starts at 0 and each lasts until the next.
    runs: Vec<Run>,
}

/// A run of clean-text bytes from one kind of source.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// First byte of the run in the clean text.
    at: u32,
    /// Original start of the run's first byte.
    from: u32,
    /// Original end of every byte of the run (unused when `copied`).
    to: u32,
    /// Byte `at + k` is a copy of original byte `from + k`; otherwise every byte of the
    /// run stands for the whole original span `from..to` (one folded character).
    copied: bool,
}

impl Offsets {
    /// Records that `n` clean bytes written at `at` stand for the original span `from..to`.
    fn record(&mut self, at: usize, n: usize, from: usize, to: usize) {
        if n == 1 && to == from + 1 {
            self.copied(at, from);
        } else {
            self.runs.push(Run {
                at: at as u32,
                from: from as u32,
                to: to as u32,
                copied: false,
            });
        }
    }

    /// Records that the clean bytes from `at` on copy the original bytes from `from` on.
    fn copied(&mut self, at: usize, from: usize) {
        let continues = self
            .runs
            .last()
            .is_some_and(|r| r.copied && r.from as usize + (at - r.at as usize) == from);
        if !continues {
            self.runs.push(Run {
                at: at as u32,
                from: from as u32,
                to: 0,
                copied: true,
            });
        }
    }

    /// Appends the runs of a text that is appended at byte `shift`.
    fn append(&mut self, other: &Offsets, shift: usize) {
        for r in &other.runs {
            let at = r.at as usize + shift;
            if r.copied {
                self.copied(at, r.from as usize);
            } else {
                self.runs.push(Run {
                    at: at as u32,
                    ..*r
                });
            }
        }
    }

    /// Forgets the bytes from `len` on.
    fn truncate(&mut self, len: usize) {
        while self.runs.last().is_some_and(|r| r.at as usize >= len) {
            self.runs.pop();
        }
    }

    fn clear(&mut self) {
        self.runs.clear();
    }

    /// The original span of clean byte `i` (which must exist).
    fn source(&self, i: usize) -> Range<usize> {
        let k = self.runs.partition_point(|r| r.at as usize <= i);
        self.source_in(k, i)
    }

    /// From the original start of clean byte `first` to the original end of `last`.
    fn sources(&self, first: usize, last: usize) -> Range<usize> {
        let k = self.runs.partition_point(|r| r.at as usize <= first);
        // a mention seldom spans two runs: then one search finds both ends
        let end = match self.runs.get(k) {
            Some(next) if next.at as usize <= last => self.source(last).end,
            _ => self.source_in(k, last).end,
        };
        self.source_in(k, first).start..end
    }

    /// The original span of clean byte `i`, which lies in the run before run `k`.
    fn source_in(&self, k: usize, i: usize) -> Range<usize> {
        match k.checked_sub(1).and_then(|k| self.runs.get(k)) {
            Some(r) if r.copied => {
                let from = r.from as usize + (i - r.at as usize);
                from..from + 1
            }
            Some(r) => r.from as usize..r.to as usize,
            None => 0..0,
        }
    }
}

/// The compiled normalisation settings: boilerplate patterns and abbreviations.
#[derive(Debug, Clone)]
pub struct Normaliser {
    boilerplate: Boilerplate,
    abbreviations: WordTable<()>,
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
        let boilerplate = Boilerplate::new(&patterns)
            .map_err(|e| Error::file(&path, format!("patterns do not compile together: {e}")))?;
        let mut set = HashSet::default();
        for row in abbreviations.table(&["abbreviation"])? {
            let a = row.fields[0].trim_end_matches('.').to_lowercase();
            set.insert(a.into_bytes());
        }
        let date_line = Regex::new(r"^(?i:date)\s*:\s*(\d{4}-\d{2}-\d{2})\s*$")
            .map_err(|e| Error::file(&path, e.to_string()))?;
        Ok(Normaliser {
            boilerplate,
            abbreviations: WordTable::new(set.into_iter().map(|a| (a, ()))),
            date_line,
        })
    }

    /// Normalises one article's bytes.
    pub fn normalise(&self, raw: &[u8]) -> Doc {
        let mut doc = Doc::default();
        doc.text.reserve(raw.len());
        let mut line = Line::default();
        // no line is longer than the article: the buffer never grows
        line.text.reserve(raw.len());
        let mut blank_before = false;
        let mut base = 0usize;
        // one check for the whole article is cheaper than decoding line by line
        let article = std::str::from_utf8(raw).ok();
        // the same pieces as splitting at every '\n', found with memchr
        for end in memchr_iter(b'\n', raw).chain(std::iter::once(raw.len())) {
            let (line_start, piece) = (base, &raw[base..end]);
            let valid = article.and_then(|s| s.get(line_start..end));
            line.fold(piece, valid, line_start, &mut doc.lossy);
            base = end + 1;
            if line.text.is_empty() {
                blank_before = true;
                continue;
            }
            // the pattern starts with `(?i:date)` and no other character folds to 'd'
            if doc.text.is_empty() && doc.date.is_none() && line.text.starts_with(['d', 'D']) {
                if let Some(date) = self.date_of(&line.text) {
                    doc.date = Some(date.to_string());
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

    /// The date of a `Date: YYYY-MM-DD` line. The common plain form ("Date: 2025-01-31",
    /// any case, ASCII spaces) is read directly; anything else asks the regex, which also
    /// allows other white space and other digits.
    fn date_of<'a>(&self, line: &'a str) -> Option<&'a str> {
        let plain = line
            .get(..4)
            .filter(|head| head.eq_ignore_ascii_case("date"))
            .and_then(|_| line[4..].trim_start_matches(' ').strip_prefix(':'))
            .map(|rest| rest.trim_matches(' '))
            .filter(|d| {
                d.len() == 10
                    && d.bytes().enumerate().all(|(i, b)| match i {
                        4 | 7 => b == b'-',
                        _ => b.is_ascii_digit(),
                    })
            });
        if plain.is_some() {
            return plain;
        }
        let c = self.date_line.captures(line)?;
        c.get(1).map(|m| m.as_str())
    }

    /// Sentence spans of a clean text.
    fn split(&self, text: &str) -> Vec<Range<usize>> {
        let bytes = text.as_bytes();
        let len = bytes.len();
        let next_of = |from: usize, found: Option<usize>| found.map_or(len, |p| from + p);
        // a sentence of news text is ~130 bytes: room for most without growing
        let mut out = Vec::with_capacity(len / 64 + 1);
        let (mut start, mut i) = (0, 0);
        // the next line break and the next '.', '!' or '?' at or after `i`, found with memchr
        // so that the bytes between them are never looked at one by one
        let mut newline = next_of(0, memchr(b'\n', bytes));
        let mut mark = next_of(0, memchr3(b'.', b'!', b'?', bytes));
        while i < len {
            if newline < i {
                newline = next_of(i, memchr(b'\n', &bytes[i..]));
            }
            if mark < i {
                mark = next_of(i, memchr3(b'.', b'!', b'?', &bytes[i..]));
            }
            let next = newline.min(mark);
            // a sentence past MAX_SENTENCE bytes ends at its next space
            let long = (start + MAX_SENTENCE).max(i);
            let space = (long < next)
                .then(|| memchr(b' ', &bytes[long..next]))
                .flatten()
                .map(|p| long + p);
            let cut = match space {
                Some(p) => Some((p, p + 1)),
                None if next == len => None,
                None if bytes[next] == b'\n' => Some((next, next + 1)),
                None => self.sentence_end(text, start, next),
            };
            if let Some((end, after)) = cut {
                push_trimmed(&mut out, text, start, end);
                start = after;
                i = after;
            } else {
                i = next + 1;
            }
        }
        push_trimmed(&mut out, text, start, len);
        out
    }

    /// Does the '.', '!' or '?' at `i` end the sentence that began at `start`? If so, the
    /// end of the sentence (after closing quotes and brackets) and where the next begins.
    fn sentence_end(&self, text: &str, start: usize, i: usize) -> Option<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut j = i + 1;
        while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b')' | b']' | b'.' | b'!' | b'?')
        {
            j += 1;
        }
        let ends = j + 1 < bytes.len()
            && bytes[j] == b' '
            && opens_sentence(&text[j + 1..])
            && (bytes[i] != b'.' || !self.is_abbreviation(&text[start..i]));
        ends.then_some((j, j + 1))
    }

    /// Is the word that ends `before` (just before a '.') an abbreviation or an initial?
    fn is_abbreviation(&self, before: &str) -> bool {
        let bytes = before.as_bytes();
        let ascii_start = bytes
            .iter()
            .rposition(|&b| !(b.is_ascii_alphanumeric() || b == b'.'))
            .map_or(0, |p| p + 1);
        // past a non-ASCII byte, the word may go on with letters of any script
        let word_start = if ascii_start > 0 && !bytes[ascii_start - 1].is_ascii() {
            before
                .char_indices()
                .rfind(|&(_, c)| !(c.is_alphanumeric() || c == '.'))
                .map_or(0, |(p, c)| p + c.len_utf8())
        } else {
            ascii_start
        };
        let word = &before[word_start..];
        if word.is_empty() {
            return false;
        }
        let mut chars = word.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return c.is_uppercase(); // an initial: "Donald J. Trump"
        }
        self.abbreviations.get_lowered(word).is_some()
    }
}

/// The boilerplate patterns, split for speed with the same meaning as one set. Patterns
/// anchored at the line start let a set give up after a few bytes of an ordinary line; an
/// unanchored pattern in that set would make it read every line to the end, while on its
/// own (as a `Regex`, not a set) it gets a literal prefilter: ~10x faster on news text.
#[derive(Debug, Clone)]
struct Boilerplate {
    anchored: RegexSet,
    floating: Vec<Regex>,
}

impl Boilerplate {
    /// Sorts the patterns by their leading `^`; a wrong guess (`^a|b`) costs speed only.
    fn new(patterns: &[String]) -> Result<Boilerplate, regex::Error> {
        let (anchored, floating): (Vec<&String>, Vec<&String>) =
            patterns.iter().partition(|p| p.starts_with('^'));
        Ok(Boilerplate {
            anchored: RegexSet::new(anchored)?,
            floating: floating
                .into_iter()
                .map(|p| Regex::new(p))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Does any pattern match the line?
    fn is_match(&self, line: &str) -> bool {
        self.anchored.is_match(line) || self.floating.iter().any(|r| r.is_match(line))
    }
}

/// A line being folded: text plus where each byte came from.
#[derive(Debug, Default)]
struct Line {
    text: String,
    offsets: Offsets,
}

impl Line {
    /// Decodes and folds one raw line that starts at `base` in the original bytes;
    /// `valid` is the same line when it is known to be valid UTF-8.
    fn fold(&mut self, raw: &[u8], valid: Option<&str>, base: usize, lossy: &mut bool) {
        self.text.clear();
        self.offsets.clear();
        if let Some(s) = valid {
            self.fold_str(s, base);
        } else {
            self.decode(raw, base, lossy);
        }
        while self.text.ends_with(' ') {
            self.text.pop();
        }
        self.offsets.truncate(self.text.len());
    }

    /// Folds bytes that may not be valid UTF-8: each invalid sequence becomes U+FFFD.
    fn decode(&mut self, raw: &[u8], base: usize, lossy: &mut bool) {
        let mut at = base;
        for chunk in raw.utf8_chunks() {
            let valid = chunk.valid();
            self.fold_str(valid, at);
            at += valid.len();
            let bad = chunk.invalid();
            if !bad.is_empty() {
                *lossy = true;
                self.add('\u{FFFD}', at, at + bad.len());
                at += bad.len();
            }
        }
    }

    /// Folds valid text that starts at `base` in the original bytes: runs of bytes that
    /// fold to themselves are copied at once, anything else goes through `fold_char`.
    fn fold_str(&mut self, s: &str, base: usize) {
        let mut i = 0;
        while i < s.len() {
            let run = self.plain_run(&s.as_bytes()[i..]);
            if run > 0 {
                self.offsets.copied(self.text.len(), base + i);
                self.text.push_str(&s[i..i + run]);
                i += run;
                continue;
            }
            let Some(c) = s[i..].chars().next() else {
                break;
            };
            let from = base + i;
            self.fold_char(c, from, from + c.len_utf8());
            i += c.len_utf8();
        }
    }

    /// How many leading bytes fold to themselves: printable ASCII other than '`', and
    /// spaces that do not follow a space (or start the line), as `add` would keep them.
    fn plain_run(&self, bytes: &[u8]) -> usize {
        let after_space = self.text.is_empty() || self.text.ends_with(' ');
        if after_space && bytes.first() == Some(&b' ') {
            return 0;
        }
        plain_len(bytes)
    }

    fn fold_char(&mut self, c: char, from: usize, to: usize) {
        let (c, n) = fold(c);
        (0..n).for_each(|_| self.add(c, from, to));
    }

    fn add(&mut self, c: char, from: usize, to: usize) {
        if c == ' ' && (self.text.is_empty() || self.text.ends_with(' ')) {
            return;
        }
        self.offsets.record(self.text.len(), c.len_utf8(), from, to);
        self.text.push(c);
    }
}

/// What one character folds to, and how many times: curly quotes, primes and
/// accents to ASCII quotes, dashes to `-`, an ellipsis to three dots, odd spaces and
/// control characters to a space, invisible ones (zero-width, soft hyphen, `\r`) to
/// nothing.
fn fold(c: char) -> (char, usize) {
    match c {
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\r' => (c, 0),
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{0060}'
        | '\u{00B4}' => ('\'', 1),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => ('"', 1),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => ('-', 1),
        '\u{2026}' => ('.', 3),
        c if c.is_whitespace() || c.is_control() => (' ', 1),
        c => (c, 1),
    }
}

/// The high bit of each byte of `x` (little-endian) at which a plain run stops: a byte
/// that does not fold to itself, or a space after a space (`spaces_before` holds the high
/// bit of byte 0 when the byte before `x` was a space). Also returns the spaces of `x`.
fn plain_stops(x: u64, spaces_before: u64) -> (u64, u64) {
    // on seven-bit values these sums never carry into the next byte; each sets a byte's
    // high bit when its value is 0x7F, is at least 0x20, differs from '`' or from ' '
    let low = x & !HIGH;
    let is_7f = low + ONES;
    let printable = low + ONES * (0x80 - 0x20);
    let not_tick = (low ^ (ONES * u64::from(b'`'))) + ONES * 0x7F;
    let not_space = (low ^ (ONES * u64::from(b' '))) + ONES * 0x7F;
    let bad = (is_7f | x | !(printable & not_tick)) & HIGH;
    let spaces = !(not_space | x) & HIGH;
    let doubled = spaces & ((spaces << 8) | spaces_before);
    (bad | doubled, spaces)
}

/// How many leading bytes are printable ASCII other than '`' with no space after a
/// space. Nearly every byte of news text is plain: blocks of 32 bytes are first passed
/// by a test without branches that the compiler vectorises, and the block that fails it
/// is searched eight bytes at a time.
fn plain_len(bytes: &[u8]) -> usize {
    const BLOCK: usize = 32;
    let mut at = 0;
    // a block passes when none of its bytes stops a run and none starts a double space
    // (so a space at the start of the next block follows no space)
    while let (Some(block), Some(next)) =
        (bytes.get(at..at + BLOCK), bytes.get(at + 1..at + BLOCK + 1))
    {
        let stops = block.iter().zip(next).fold(false, |stop, (&b, &n)| {
            stop | !(b' '..=b'~').contains(&b) | (b == b'`') | (b == b' ' && n == b' ')
        });
        if stops {
            break;
        }
        at += BLOCK;
    }
    at + plain_len_by_words(&bytes[at..])
}

/// [`plain_len`] eight bytes at a time.
fn plain_len_by_words(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut spaces_before = 0;
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let (stops, spaces) = plain_stops(u64::from_le_bytes(word), spaces_before);
        if stops != 0 {
            return at + (stops.trailing_zeros() / 8) as usize;
        }
        spaces_before = spaces >> 56;
        at += 8;
    }
    let mut after_space = spaces_before != 0;
    for &b in chunks.remainder() {
        if !matches!(b, b' '..=b'~') || b == b'`' || (b == b' ' && after_space) {
            return at;
        }
        after_space = b == b' ';
        at += 1;
    }
    at
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
    // most sentences start and end with a visible ASCII character: nothing to trim
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b.is_ascii());
    if visible(s.as_bytes().first()) && visible(s.as_bytes().last()) {
        out.push(start..end);
        return;
    }
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if start + lead < end - trail {
        out.push(start + lead..end - trail);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A normaliser with no boilerplate rules and two abbreviations, for other stages'
    /// tests.
    pub fn small_normaliser() -> Normaliser {
        let ab = DataFile::from_text("a.txt", "Mr\nU.S\n");
        match Normaliser::new(&DataFile::from_text("b.tsv", ""), &ab) {
            Ok(n) => n,
            Err(e) => panic!("{e}"),
        }
    }

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
    fn date_lines_read_as_the_regex_reads_them() {
        let n = normaliser();
        let lines = [
            ("Date: 2025-08-27", Some("2025-08-27")),
            ("date:2025-08-27", Some("2025-08-27")),
            ("DATE  :  2025-08-27  ", Some("2025-08-27")),
            ("Date: 2025-8-27", None),
            ("Date: 2025-08-27 noon", None),
            ("Dated: 2025-08-27", None),
            ("Date 2025-08-27", None),
            ("Date:\t2025-08-27", Some("2025-08-27")),
            (
                "Date: \u{ff12}\u{ff10}\u{ff12}\u{ff15}-08-27",
                Some("\u{ff12}\u{ff10}\u{ff12}\u{ff15}-08-27"),
            ),
            ("D\u{e9}te: 2025-08-27", None),
        ];
        for (line, want) in lines {
            let regex = n
                .date_line
                .captures(line)
                .and_then(|c| c.get(1))
                .map(|m| m.as_str());
            assert_eq!(regex, want, "the table is wrong about {line:?}");
            assert_eq!(n.date_of(line), want, "{line:?}");
        }
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

    /// The per-character code this module had before its fast paths, kept as the
    /// reference that the fast paths must agree with, byte for byte and offset for offset.
    mod reference {
        use super::super::{fold, opens_sentence, push_trimmed, Normaliser, MAX_SENTENCE};
        use std::ops::Range;

        #[derive(Default)]
        pub struct Line {
            pub text: String,
            pub starts: Vec<u32>,
            pub ends: Vec<u32>,
        }

        impl Line {
            pub fn fold(raw: &[u8], base: usize) -> Line {
                let mut l = Line::default();
                let mut at = base;
                for chunk in raw.utf8_chunks() {
                    let valid = chunk.valid();
                    for (i, c) in valid.char_indices() {
                        let from = at + i;
                        l.fold_char(c, from, from + c.len_utf8());
                    }
                    at += valid.len();
                    let bad = chunk.invalid();
                    if !bad.is_empty() {
                        l.add('\u{FFFD}', at, at + bad.len());
                        at += bad.len();
                    }
                }
                while l.text.ends_with(' ') {
                    l.text.pop();
                    l.starts.pop();
                    l.ends.pop();
                }
                l
            }

            fn fold_char(&mut self, c: char, from: usize, to: usize) {
                let (c, n) = fold(c);
                (0..n).for_each(|_| self.add(c, from, to));
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

        /// The abbreviation test as it was, with the abbreviations of `normaliser()`.
        pub fn is_abbreviation(before: &str) -> bool {
            let word_start = before
                .char_indices()
                .rfind(|&(_, c)| !(c.is_alphanumeric() || c == '.'))
                .map_or(0, |(p, c)| p + c.len_utf8());
            let word = &before[word_start..];
            let mut chars = word.chars();
            match (chars.next(), chars.next()) {
                (None, _) => false,
                (Some(c), None) => c.is_uppercase(),
                _ => ["mr", "u.s", "jan", "st", "dr"].contains(&word.to_lowercase().as_str()),
            }
        }

        pub fn split(n: &Normaliser, text: &str) -> Vec<Range<usize>> {
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
                        && (b != b'.' || !n.is_abbreviation(&text[start..i]))
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
    }

    /// Pieces that exercise every branch of folding and splitting.
    const PIECES: &[&[u8]] = &[
        b"a",
        b"Mr",
        b"U.S",
        b"J",
        b"The",
        b"5",
        b"2.5",
        b"word",
        b".",
        b"!",
        b"?",
        b"\"",
        b")",
        b" ",
        b"  ",
        b"\t",
        b"\r",
        b"\n",
        b"`",
        b"\x7f",
        b"\x00",
        b"~",
        "\u{2019}".as_bytes(),
        "\u{201C}".as_bytes(),
        "\u{2014}".as_bytes(),
        "\u{2026}".as_bytes(),
        "\u{200B}".as_bytes(),
        "\u{00A0}".as_bytes(),
        "\u{3000}".as_bytes(),
        "\u{00E9}".as_bytes(),
        "\u{00C9}".as_bytes(),
        "\u{1F600}".as_bytes(),
        b"\xff",
        b"\xe2\x80",
        b"\xc3",
    ];

    fn assemble(picks: &[usize]) -> Vec<u8> {
        picks
            .iter()
            .flat_map(|&i| PIECES[i % PIECES.len()])
            .copied()
            .collect()
    }

    fn check_fold(raw: &[u8], base: usize) {
        let want = reference::Line::fold(raw, base);
        let mut got = Line::default();
        let valid = std::str::from_utf8(raw).ok();
        let mut lossy = false;
        got.fold(raw, valid, base, &mut lossy);
        assert_eq!(got.text, want.text, "{raw:?}");
        assert_eq!(lossy, valid.is_none(), "{raw:?}");
        for i in 0..want.text.len() {
            let span = want.starts[i] as usize..want.ends[i] as usize;
            assert_eq!(got.offsets.source(i), span, "byte {i} of {raw:?}");
            for j in i..want.text.len().min(i + 16) {
                let both = want.starts[i] as usize..want.ends[j] as usize;
                assert_eq!(
                    got.offsets.sources(i, j),
                    both,
                    "bytes {i}..={j} of {raw:?}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn fold_agrees_with_reference(
            picks in proptest::collection::vec(0usize..64, 0..40),
            base in 0usize..5,
        ) {
            let raw: Vec<u8> = assemble(&picks).into_iter().filter(|&b| b != b'\n').collect();
            check_fold(&raw, base);
        }

        #[test]
        fn plain_len_agrees_with_one_byte_at_a_time(
            picks in proptest::collection::vec(0usize..200, 0..150),
        ) {
            // mostly plain bytes, so that whole blocks pass now and then
            const ODD: &[u8] = &[b'`', b'a' | 0x80, b' ' | 0x80, b'\x7f', b'\x1f', b'\t', 0xE2, b' '];
            const PLAIN: &[u8] = b"a Z~_.";
            let s: Vec<u8> = picks
                .iter()
                .map(|&i| ODD.get(i).copied().unwrap_or(PLAIN[i % PLAIN.len()]))
                .collect();
            let mut want = s.len();
            for (i, &b) in s.iter().enumerate() {
                let doubled = b == b' ' && i > 0 && s[i - 1] == b' ';
                if !matches!(b, b' '..=b'~') || b == b'`' || doubled {
                    want = i;
                    break;
                }
            }
            proptest::prop_assert_eq!(plain_len(&s), want, "{:?}", s);
            proptest::prop_assert_eq!(plain_len_by_words(&s), want, "{:?}", s);
        }

        #[test]
        fn abbreviations_agree_with_reference(picks in proptest::collection::vec(0usize..16, 0..6)) {
            const PIECES: &[&str] = &[
                "Mr", "mr", "MR", "U.S", "u.s", "J", "j", "\u{e9}", "\u{c9}", "Jan", "x", ".", " ",
                "(", "St\u{e9}", "\u{c9}mr",
            ];
            let before: String = picks.iter().map(|&i| PIECES[i]).collect();
            let n = normaliser();
            proptest::prop_assert_eq!(n.is_abbreviation(&before), reference::is_abbreviation(&before), "{:?}", before);
        }

        #[test]
        fn split_agrees_with_reference(picks in proptest::collection::vec(0usize..64, 0..60)) {
            let n = normaliser();
            let raw = assemble(&picks);
            let doc = n.normalise(&raw);
            proptest::prop_assert_eq!(&doc.sentences, &reference::split(&n, &doc.text));
        }

        #[test]
        fn boilerplate_agrees_with_one_set(picks in proptest::collection::vec(0usize..8, 0..12)) {
            let words = ["Share", "Twitter", " ", "|", "appeared first on", "Image:", "![]()", "x"];
            let line: String = picks.iter().map(|&i| words[i]).collect();
            let patterns: Vec<String> = normaliser_patterns();
            let one = RegexSet::new(&patterns).unwrap();
            let split = Boilerplate::new(&patterns).unwrap();
            proptest::prop_assert_eq!(split.is_match(&line), one.is_match(&line), "{}", line);
        }
    }

    fn normaliser_patterns() -> Vec<String> {
        let text = include_str!("../gazetteers/boilerplate.tsv");
        let file = DataFile::from_text("boilerplate.tsv", text);
        let rows = file.table(&["pattern", "note"]).unwrap();
        rows.iter().map(|r| r.fields[0].to_string()).collect()
    }

    #[test]
    fn long_sentences_agree_with_reference() {
        let n = normaliser();
        let mut raw = "word ".repeat(2000);
        raw.push_str("Mr. Smith. ");
        raw.push_str(&"x".repeat(5000));
        raw.push_str(" end. ");
        raw.push_str(&"more words here ".repeat(600));
        let doc = n.normalise(raw.as_bytes());
        assert_eq!(doc.sentences, reference::split(&n, &doc.text));
        assert!(doc.sentences.len() > 3);
        check_fold(raw.as_bytes(), 7);
    }

    #[test]
    fn crlf_and_empty() {
        let doc = normaliser().normalise(b"One.\r\nTwo.\r\n");
        assert_eq!(sentences(&doc), vec!["One.", "Two."]);
        assert!(normaliser().normalise(b"").sentences.is_empty());
    }
}
