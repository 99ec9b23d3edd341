//! Write: article rows -> the four CSVs (mentions, relations, nodes, edges).
//!
//! Rows of each article arrive in article order and are streamed to `mentions.csv`
//! and `relations.csv`; [`Graph`] folds them into nodes and edges, written at the end
//! sorted by a total key. All CSVs are UTF-8 without BOM, `\n`-terminated, with a
//! header row; `pipeline` writes them into a staging folder and commits the set.

use crate::gazetteer::Gazetteer;
use crate::swar::{HIGH, ONES};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::Write;

/// One row of `mentions.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionRow {
    /// Article path relative to the input folder.
    pub article: String,
    /// Sentence index in the article (0-based).
    pub sentence: usize,
    /// Start byte offset in the original file.
    pub start: usize,
    /// End byte offset in the original file.
    pub end: usize,
    /// The text as it stands in the file (decoded lossily if need be).
    pub text: String,
    /// Entity id.
    pub entity: String,
    /// country, person or org.
    pub kind: String,
}

/// One row of `relations.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationRow {
    /// Article path relative to the input folder.
    pub article: String,
    /// Sentence index in the article (0-based).
    pub sentence: usize,
    /// Agent (or first party, by Id, of an undirected relation).
    pub source: String,
    /// Relation id.
    pub relation: String,
    /// The other side.
    pub target: String,
    /// true for directed relations.
    pub directed: bool,
    /// asserted, planned or negated.
    pub modality: String,
    /// CAMEO code of the wording.
    pub cameo: String,
    /// Trigger words as written.
    pub trigger: String,
    /// The sentence, normalised.
    pub evidence: String,
}

/// Everything extracted from one article, as owned rows (the library's view; the
/// pipeline renders the same rows straight from borrowed [`MentionRef`]s and
/// [`RelationRef`]s without building these).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRows {
    /// Article date, YYYY-MM-DD.
    pub date: String,
    /// Mentions in text order.
    pub mentions: Vec<MentionRow>,
    /// Relations in sentence order.
    pub relations: Vec<RelationRow>,
    /// People found by context (id, label): not in the gazetteer, so their labels travel here.
    pub people: Vec<(String, String)>,
}

/// One row of `mentions.csv`, borrowed: what [`RowRenderer`] writes.
#[derive(Debug, Clone)]
pub struct MentionRef<'a> {
    /// Article path relative to the input folder.
    pub article: &'a str,
    /// Sentence index in the article (0-based).
    pub sentence: usize,
    /// Start byte offset in the original file.
    pub start: usize,
    /// End byte offset in the original file.
    pub end: usize,
    /// The text as it stands in the file (decoded lossily if need be).
    pub text: Cow<'a, str>,
    /// Entity id.
    pub entity: &'a str,
    /// country, person or org.
    pub kind: &'a str,
}

impl MentionRef<'_> {
    /// The owned row.
    pub fn to_row(&self) -> MentionRow {
        MentionRow {
            article: self.article.to_string(),
            sentence: self.sentence,
            start: self.start,
            end: self.end,
            text: self.text.to_string(),
            entity: self.entity.to_string(),
            kind: self.kind.to_string(),
        }
    }
}

impl MentionRow {
    /// The row, borrowed.
    pub fn view(&self) -> MentionRef<'_> {
        MentionRef {
            article: &self.article,
            sentence: self.sentence,
            start: self.start,
            end: self.end,
            text: Cow::Borrowed(&self.text),
            entity: &self.entity,
            kind: &self.kind,
        }
    }
}

/// One row of `relations.csv`, borrowed: what [`RowRenderer`] writes.
#[derive(Debug, Clone)]
pub struct RelationRef<'a> {
    /// Article path relative to the input folder.
    pub article: &'a str,
    /// Sentence index in the article (0-based).
    pub sentence: usize,
    /// Agent (or first party, by Id, of an undirected relation).
    pub source: &'a str,
    /// Relation id.
    pub relation: &'a str,
    /// The other side.
    pub target: &'a str,
    /// true for directed relations.
    pub directed: bool,
    /// asserted, planned or negated.
    pub modality: &'a str,
    /// CAMEO code of the wording.
    pub cameo: &'a str,
    /// Trigger words as written.
    pub trigger: &'a str,
    /// The sentence, normalised.
    pub evidence: &'a str,
}

impl RelationRef<'_> {
    /// The owned row.
    pub fn to_row(&self) -> RelationRow {
        RelationRow {
            article: self.article.to_string(),
            sentence: self.sentence,
            source: self.source.to_string(),
            relation: self.relation.to_string(),
            target: self.target.to_string(),
            directed: self.directed,
            modality: self.modality.to_string(),
            cameo: self.cameo.to_string(),
            trigger: self.trigger.to_string(),
            evidence: self.evidence.to_string(),
        }
    }
}

impl RelationRow {
    /// The row, borrowed.
    pub fn view(&self) -> RelationRef<'_> {
        RelationRef {
            article: &self.article,
            sentence: self.sentence,
            source: &self.source,
            relation: &self.relation,
            target: &self.target,
            directed: self.directed,
            modality: &self.modality,
            cameo: &self.cameo,
            trigger: &self.trigger,
            evidence: &self.evidence,
        }
    }
}

/// A relation that becomes part of an edge (negated ones never do). Its strings are
/// numbers of names in its article's [`ArticleFacts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// Source node Id.
    pub source: u32,
    /// Target node Id.
    pub target: u32,
    /// Relation id.
    pub relation: u32,
    /// Directed relation?
    pub directed: bool,
    /// Stated as planned rather than done?
    pub planned: bool,
    /// CAMEO code of the wording.
    pub cameo: u32,
}

/// What the graph needs of one article (and what the cache keeps of it besides where
/// its rows are in the CSVs). The ids, relation ids, codes and labels it names are kept
/// once each, end to end in one string, and referred to by number: a few allocations
/// per article rather than one per string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleFacts {
    /// Article date, YYYY-MM-DD.
    pub date: String,
    /// Number of mention rows.
    pub mention_count: u64,
    /// Number of relation rows.
    pub relation_count: u64,
    /// The names, end to end.
    names: String,
    /// Where each name ends in `names`.
    ends: Vec<u32>,
    /// Entity Id (a name) and its number of mentions here, in order of first mention.
    pub entities: Vec<(u32, u64)>,
    /// Relations that are not negated, one per supporting sentence.
    pub facts: Vec<Fact>,
    /// People found by context (Id, label; names).
    pub people: Vec<(u32, u32)>,
}

impl ArticleFacts {
    /// Name `i` (empty if there is none, so a damaged cache record cannot panic).
    pub fn name(&self, i: u32) -> &str {
        let i = i as usize;
        let from = match i.checked_sub(1) {
            Some(j) => self.ends.get(j).copied().unwrap_or(0),
            None => 0,
        };
        let to = self.ends.get(i).copied().unwrap_or(0);
        self.names.get(from as usize..to as usize).unwrap_or("")
    }

    /// The number of names.
    pub fn name_count(&self) -> usize {
        self.ends.len()
    }
}

/// Builds an article's name table, giving each distinct string one number.
#[derive(Debug)]
struct NameTable {
    names: String,
    ends: Vec<u32>,
    /// Hash of a name's bytes -> the number of the first name with that hash.
    by_hash: FxHashMap<u64, u32>,
    /// Recently numbered slices (address, length, number) by address: most strings
    /// come back as the very same slice (gazetteer ids, relation ids) and are found
    /// here without hashing their bytes. Addresses are only compared, never followed.
    recent: [(usize, usize, u32); RECENT],
    /// For each name, its place in the article's entities (`u32::MAX`: none yet).
    entity: Vec<u32>,
    /// For each name, the end of its last mention row (`entity,kind\n`), keyed by kind.
    tail: Vec<Memo>,
}

/// Slots of [`NameTable::recent`] (a power of two).
const RECENT: usize = 64;

impl Default for NameTable {
    fn default() -> Self {
        NameTable {
            names: String::new(),
            ends: Vec::new(),
            by_hash: FxHashMap::default(),
            // no slice has address 0
            recent: [(0, 0, 0); RECENT],
            entity: Vec::new(),
            tail: Vec::new(),
        }
    }
}

impl NameTable {
    /// The number of `s`, adding it if it is new.
    #[inline(always)] // the common case, a recent slice, is a few instructions
    fn number(&mut self, s: &str) -> u32 {
        let (at, len) = (s.as_ptr() as usize, s.len());
        let slot = (at >> 3) % RECENT;
        let (a, l, i) = self.recent[slot];
        if (a, l) == (at, len) {
            return i;
        }
        let i = self.lookup(s);
        self.recent[slot] = (at, len, i);
        i
    }

    /// The number of `s` by its bytes, adding it if it is new.
    #[inline(never)]
    fn lookup(&mut self, s: &str) -> u32 {
        use std::collections::hash_map::Entry;
        use std::hash::BuildHasher as _;
        let next = self.ends.len() as u32;
        let i = match self.by_hash.entry(rustc_hash::FxBuildHasher.hash_one(s)) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                e.insert(next);
                return self.add(s);
            }
        };
        if self.name(i) == s.as_bytes() {
            return i;
        }
        // two strings with one hash: only a full look can tell
        match self.find(s) {
            Some(i) => i,
            None => self.add(s),
        }
    }

    /// The number of `s` found by comparing it with every name.
    fn find(&self, s: &str) -> Option<u32> {
        (0..self.ends.len() as u32).find(|&i| self.name(i) == s.as_bytes())
    }

    fn name(&self, i: u32) -> &[u8] {
        let i = i as usize;
        let from = i.checked_sub(1).map_or(0, |j| self.ends[j] as usize);
        &self.names.as_bytes()[from..self.ends[i] as usize]
    }

    fn add(&mut self, s: &str) -> u32 {
        self.names.push_str(s);
        self.ends.push(self.names.len() as u32);
        self.entity.push(u32::MAX);
        self.tail.push(Memo::default());
        (self.ends.len() - 1) as u32
    }

    /// Starts afresh (keeping the room).
    fn clear(&mut self) {
        self.by_hash.clear();
        self.recent = [(0, 0, 0); RECENT];
        self.entity.clear();
        self.tail.clear();
        self.names.clear();
        self.ends.clear();
    }
}

/// One article ready to write: its CSV rows rendered (with their xxh3-64 hashes), and
/// the facts the graph needs (left empty by [`RowRenderer::render_with`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// What the graph needs.
    pub facts: ArticleFacts,
    /// Its rows of mentions.csv then its rows of relations.csv, without headers, then
    /// what the caller of [`RowRenderer::render_with`] appended (one buffer: one
    /// allocation per article).
    pub csv: Vec<u8>,
    /// Where the relation rows start in `csv`.
    pub split: usize,
    /// Where the relation rows end in `csv`.
    pub tail_at: usize,
    /// xxh3-64 of the mention rows.
    pub mentions_hash: u64,
    /// xxh3-64 of the relation rows.
    pub relations_hash: u64,
}

impl Rendered {
    /// Renders an article's rows.
    pub fn new(rows: &ArticleRows) -> Rendered {
        RowRenderer::default().render(
            &rows.date,
            rows.people
                .iter()
                .map(|(id, label)| (id.as_str(), label.as_str())),
            rows.mentions.iter().map(MentionRow::view),
            rows.relations.iter().map(RelationRow::view),
        )
    }

    /// Its rows of mentions.csv.
    pub fn mentions_csv(&self) -> &[u8] {
        self.csv.get(..self.split).unwrap_or_default()
    }

    /// Its rows of relations.csv.
    pub fn relations_csv(&self) -> &[u8] {
        self.csv.get(self.split..self.tail_at).unwrap_or_default()
    }

    /// What was appended after the rows.
    pub fn tail(&self) -> &[u8] {
        self.csv.get(self.tail_at..).unwrap_or_default()
    }
}

/// Renders articles' rows to CSV bytes, reusing its buffer from one article to the
/// next (keep one per thread).
#[derive(Debug, Default)]
pub struct RowRenderer {
    /// The article's rows, rendered here and copied out at their size (as are the
    /// lists below: one allocation each, none wasted on growing).
    buf: Vec<u8>,
    /// The article's names.
    names: NameTable,
    entities: Vec<(u32, u64)>,
    facts: Vec<Fact>,
    people: Vec<(u32, u32)>,
    /// The article's facts, put together from the above and lent out (its room reused).
    lent: ArticleFacts,
}

/// Is one of the bytes that make a field need quotes in these sixteen? Written without
/// branches, so that the compiler makes it a few vector compares (for long fields:
/// sentences).
fn special_in_block(block: &[u8; 16]) -> bool {
    let mut found = 0u8;
    for &b in block {
        found |=
            u8::from(b == b',') | u8::from(b == b'"') | u8::from(b == b'\n') | u8::from(b == b'\r');
    }
    found != 0
}

/// Is some byte of `x` below `n` (`n` at most 128)? Exact as a yes or no: a borrow can
/// only set a high bit above a byte that really is below `n`.
fn any_below(x: u64, n: u8) -> bool {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH != 0
}

/// Is some byte of `x` equal to `b`?
fn any_equal(x: u64, b: u8) -> bool {
    any_below(x ^ (ONES * u64::from(b)), 1)
}

/// Is one of the bytes that make a field need quotes in these eight (for short
/// fields: ids, names, words)? All four are below `-`, which most bytes of ids, paths
/// and words are not, so most words are let through on the first test.
fn special_in_word(w: &[u8; 8]) -> bool {
    let x = u64::from_le_bytes(*w);
    any_below(x, b',' + 1)
        && (any_equal(x, b',') || any_equal(x, b'"') || any_equal(x, b'\n') || any_equal(x, b'\r'))
}

/// The bytes of a field shorter than eight bytes as eight, some of them twice (which
/// does not change whether one is special).
fn short_word(f: &[u8]) -> [u8; 8] {
    match (f.first_chunk::<4>(), f.last_chunk::<4>()) {
        (Some(&[a, b, c, d]), Some(&[e, g, h, i])) => [a, b, c, d, e, g, h, i],
        _ => match *f {
            [a] => [a; 8],
            [a, b] => [a, b, a, a, a, a, a, a],
            [a, b, c] => [a, b, c, a, a, a, a, a],
            _ => [b'a'; 8], // empty: nothing special
        },
    }
}

/// Does the csv crate quote this field under `QuoteStyle::Necessary` with our settings?
/// It does when the field holds the delimiter, the quote or a line-end byte (`\r` too,
/// as readers take it for a line end). Tested in blocks of sixteen bytes or words of
/// eight, the last one overlapping the one before: no loop over single bytes.
#[inline(always)]
fn needs_quotes(field: &[u8]) -> bool {
    if let Some(last) = field.last_chunk::<16>() {
        let (blocks, _) = field.as_chunks::<16>();
        return blocks.iter().any(special_in_block) || special_in_block(last);
    }
    match (field.first_chunk::<8>(), field.last_chunk::<8>()) {
        (Some(first), Some(last)) => special_in_word(first) || special_in_word(last),
        _ => special_in_word(&short_word(field)),
    }
}

/// Appends one CSV field as [`writer`] writes it: as is, or when it needs quotes, in
/// quotes with its quotes doubled. (An empty field stays empty: only a record of one
/// empty field is written `""`, and our rows have several fields.)
#[inline(always)]
pub(crate) fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    if !needs_quotes(field) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    let mut rest = field;
    while let Some(i) = memchr::memchr(b'"', rest) {
        out.extend_from_slice(&rest[..=i]);
        out.push(b'"');
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Address and length of a string: the same slice again has the same bytes. Only
/// compared, never followed (no slice has address 0, the key of nothing).
fn slice_key(s: &str) -> (usize, usize) {
    (s.as_ptr() as usize, s.len())
}

/// The last value written somewhere and where its CSV bytes are in the output: rows
/// repeat the article path, the evidence sentence (several relations per sentence) and
/// an entity's `entity,kind` ending, and copying those bytes back is cheaper than
/// checking them again.
#[derive(Debug, Default, Clone)]
struct Memo {
    /// [`slice_key`] of the value.
    key: (usize, usize),
    at: std::ops::Range<usize>,
}

impl Memo {
    /// Appends the bytes written for `key` before, if this memo holds them.
    fn copy(&self, out: &mut Vec<u8>, key: (usize, usize)) -> bool {
        let hit = key == self.key && self.at.end <= out.len();
        if hit {
            out.extend_from_within(self.at.clone());
        }
        hit
    }

    /// Appends `field` as [`push_field`] does, copying its earlier bytes when it is the
    /// same slice as last time.
    #[inline(always)] // the common case, a copy, is a few instructions
    fn push(&mut self, out: &mut Vec<u8>, field: &str) {
        let key = slice_key(field);
        if !self.copy(out, key) {
            self.fill(out, field, key);
        }
    }

    /// Appends `field` and remembers where it is.
    #[inline(never)]
    fn fill(&mut self, out: &mut Vec<u8>, field: &str, key: (usize, usize)) {
        let from = out.len();
        push_field(out, field.as_bytes());
        *self = Memo {
            key,
            at: from..out.len(),
        };
    }
}

/// "00" to "99": numbers are written two digits at a time.
const PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Appends the decimal digits of a number (as serde's CSV writer writes it). Numbers
/// below 10 000 (sentence numbers, most offsets) are written in fixed-size pieces,
/// inline.
#[inline(always)]
pub(crate) fn push_number(out: &mut Vec<u8>, n: u64) {
    match n {
        0..10 => out.push(b'0' + n as u8),
        10..100 => out.extend_from_slice(&PAIRS[n as usize]),
        100..1000 => {
            out.push(b'0' + (n / 100) as u8);
            out.extend_from_slice(&PAIRS[n as usize % 100]);
        }
        1000..10000 => {
            out.extend_from_slice(&PAIRS[n as usize / 100]);
            out.extend_from_slice(&PAIRS[n as usize % 100]);
        }
        _ => push_long_number(out, n),
    }
}

/// [`push_number`] for numbers of five digits or more.
fn push_long_number(out: &mut Vec<u8>, mut n: u64) {
    let pair = |k: u64| &PAIRS[(k % 100) as usize];
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    while n >= 100 {
        i -= 2;
        digits[i..i + 2].copy_from_slice(pair(n));
        n /= 100;
    }
    if n >= 10 {
        i -= 2;
        digits[i..i + 2].copy_from_slice(pair(n));
    } else {
        i -= 1;
        digits[i] = b'0' + n as u8;
    }
    out.extend_from_slice(&digits[i..]);
}

/// Appends the decimal digits of a signed number (with `-` when negative).
pub(crate) fn push_signed(out: &mut Vec<u8>, n: i128) {
    match u64::try_from(n) {
        Ok(n) => push_number(out, n),
        // before 1970, or past the year 2554 in nanoseconds: rare enough to format
        Err(_) => out.extend_from_slice(n.to_string().as_bytes()),
    }
}

impl RowRenderer {
    /// Renders one article: its date, the people found by context (Id, label), its rows
    /// in order.
    pub fn render<'a>(
        &mut self,
        date: &str,
        people: impl IntoIterator<Item = (&'a str, &'a str)>,
        mentions: impl IntoIterator<Item = MentionRef<'a>>,
        relations: impl IntoIterator<Item = RelationRef<'a>>,
    ) -> Rendered {
        let mut facts = ArticleFacts::default();
        let mut out = self.render_with(date, people, mentions, relations, |f, _| {
            facts = f.clone();
        });
        out.facts = facts;
        out
    }

    /// As [`RowRenderer::render`], but the facts are only lent to `tail`, which may
    /// append bytes after the rows (a run encodes what the writer needs of them
    /// there): no copy of them is made, and [`Rendered::facts`] stays empty.
    pub fn render_with<'a>(
        &mut self,
        date: &str,
        people: impl IntoIterator<Item = (&'a str, &'a str)>,
        mentions: impl IntoIterator<Item = MentionRef<'a>>,
        relations: impl IntoIterator<Item = RelationRef<'a>>,
        tail: impl FnOnce(&ArticleFacts, &mut Vec<u8>),
    ) -> Rendered {
        self.buf.clear();
        self.entities.clear();
        self.facts.clear();
        self.people.clear();
        for (id, label) in people {
            let p = (self.names.number(id), self.names.number(label));
            self.people.push(p);
        }
        // the article path starts every row, and a sentence is the evidence of every
        // relation found in it
        let (mut article, mut evidence) = (Memo::default(), Memo::default());
        let mut mention_count = 0u64;
        for m in mentions {
            self.mention(&m, &mut article);
            mention_count += 1;
        }
        let split = self.buf.len();
        let mut relation_count = 0u64;
        for r in relations {
            self.relation(&r, &mut article, &mut evidence);
            relation_count += 1;
        }
        let end = self.buf.len();
        // the lists move into the lent facts and back, keeping their room
        let f = &mut self.lent;
        f.date.clear();
        f.date.push_str(date);
        f.mention_count = mention_count;
        f.relation_count = relation_count;
        let mut swap = |f: &mut ArticleFacts| {
            std::mem::swap(&mut f.names, &mut self.names.names);
            std::mem::swap(&mut f.ends, &mut self.names.ends);
            std::mem::swap(&mut f.entities, &mut self.entities);
            std::mem::swap(&mut f.facts, &mut self.facts);
            std::mem::swap(&mut f.people, &mut self.people);
        };
        swap(f);
        tail(f, &mut self.buf);
        swap(f);
        self.names.clear();
        let out = &self.buf;
        Rendered {
            facts: ArticleFacts::default(),
            mentions_hash: xxhash_rust::xxh3::xxh3_64(&out[..split]),
            relations_hash: xxhash_rust::xxh3::xxh3_64(&out[split..end]),
            csv: out.to_vec(),
            split,
            tail_at: end,
        }
    }

    /// Appends a mention row and counts its entity.
    #[inline(always)] // one caller, in the loop over mentions
    fn mention(&mut self, m: &MentionRef, article: &mut Memo) {
        let out = &mut self.buf;
        article.push(out, m.article);
        out.push(b',');
        push_number(out, m.sentence as u64);
        out.push(b',');
        push_number(out, m.start as u64);
        out.push(b',');
        push_number(out, m.end as u64);
        out.push(b',');
        push_field(out, m.text.as_bytes());
        out.push(b',');
        let id = self.names.number(m.entity);
        let tail = &mut self.names.tail[id as usize];
        let kind = slice_key(m.kind);
        if !tail.copy(out, kind) {
            let from = out.len();
            push_field(out, m.entity.as_bytes());
            out.push(b',');
            push_field(out, m.kind.as_bytes());
            out.push(b'\n');
            *tail = Memo {
                key: kind,
                at: from..out.len(),
            };
        }
        // few distinct entities per article: a tally by name, no sorting
        let slot = &mut self.names.entity[id as usize];
        match self.entities.get_mut(*slot as usize) {
            Some((_, n)) => *n += 1,
            None => {
                // u32::MAX, the slot of no entity yet
                *slot = self.entities.len() as u32;
                self.entities.push((id, 1));
            }
        }
    }

    /// Appends a relation row and keeps its fact unless it is negated.
    #[inline(always)] // one caller, in the loop over relations
    fn relation(&mut self, r: &RelationRef, article: &mut Memo, evidence: &mut Memo) {
        let out = &mut self.buf;
        article.push(out, r.article);
        out.push(b',');
        push_number(out, r.sentence as u64);
        out.push(b',');
        push_field(out, r.source.as_bytes());
        out.push(b',');
        push_field(out, r.relation.as_bytes());
        out.push(b',');
        push_field(out, r.target.as_bytes());
        out.extend_from_slice(if r.directed { b",true," } else { b",false," });
        push_field(out, r.modality.as_bytes());
        out.push(b',');
        push_field(out, r.cameo.as_bytes());
        out.push(b',');
        push_field(out, r.trigger.as_bytes());
        out.push(b',');
        evidence.push(out, r.evidence);
        out.push(b'\n');
        if r.modality != "negated" {
            let names = &mut self.names;
            self.facts.push(Fact {
                source: names.number(r.source),
                target: names.number(r.target),
                relation: names.number(r.relation),
                directed: r.directed,
                planned: r.modality == "planned",
                cameo: names.number(r.cameo),
            });
        }
    }
}

/// One row of `nodes.csv`.
#[derive(Debug, Clone, Serialize)]
struct NodeRow<'a> {
    #[serde(rename = "Id")]
    id: &'a str,
    #[serde(rename = "Label")]
    label: &'a str,
    kind: &'a str,
    country: &'a str,
    mentions: u64,
    articles: u64,
    org: &'a str,
    role: &'a str,
}

/// One row of `edges.csv`.
#[derive(Debug, Clone, Serialize)]
struct EdgeRow<'a> {
    #[serde(rename = "Source")]
    source: &'a str,
    #[serde(rename = "Target")]
    target: &'a str,
    #[serde(rename = "Type")]
    kind: &'a str,
    #[serde(rename = "Kind")]
    relation: &'a str,
    #[serde(rename = "Label")]
    label: &'a str,
    #[serde(rename = "Weight")]
    weight: u64,
    cameo: &'a str,
    articles: u64,
    first_seen: &'a str,
    last_seen: &'a str,
    planned: u64,
}

#[derive(Debug, Default)]
struct NodeAcc {
    /// Is this name a node (it may only be a relation id or a code)?
    node: bool,
    label: Option<String>,
    mentions: u64,
    articles: u64,
}

#[derive(Debug, Default)]
struct EdgeAcc {
    directed: bool,
    label: String,
    weight: u64,
    planned: u64,
    articles: u64,
    last_article: usize,
    first_seen: String,
    last_seen: String,
    /// Code (interned) and its number of sentences.
    cameo: Vec<(u32, u64)>,
}

/// Nodes and edges folded from article rows (in any order, each once). Ids,
/// relation ids and codes are interned, so folding a fact builds no strings; the
/// outputs are sorted by the strings when written.
#[derive(Debug, Default)]
pub struct Graph {
    names: Vec<String>,
    ids: FxHashMap<String, u32>,
    /// By interned number: one for every name, marked when it is a node.
    nodes: Vec<NodeAcc>,
    node_count: usize,
    edges: FxHashMap<(u32, u32, u32), EdgeAcc>,
    /// The interned number of each name of the article being added, so each is hashed
    /// once per article.
    local: Vec<u32>,
    article: usize,
    /// Totals for the summary line.
    pub mentions: u64,
    /// Totals for the summary line.
    pub relations: u64,
}

impl Graph {
    /// The number standing for a string.
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.nodes.push(NodeAcc::default());
        self.ids.insert(s.to_string(), i);
        i
    }

    /// The interned number of the article's name `i`.
    #[inline(always)]
    fn global(&mut self, a: &ArticleFacts, i: u32) -> u32 {
        match self.local.get(i as usize) {
            Some(&g) => g,
            None => self.intern(a.name(i)), // a damaged cache record: name "" then
        }
    }

    /// The node of interned number `g`, marked as a node.
    fn node(&mut self, g: u32) -> &mut NodeAcc {
        let n = &mut self.nodes[g as usize];
        if !n.node {
            n.node = true;
            self.node_count += 1;
        }
        n
    }

    /// Folds one article in (in any order: every total comes out the same).
    pub fn add(&mut self, a: &ArticleFacts, labels: &dyn Fn(&str) -> String) {
        self.article += 1;
        let art = self.article;
        self.mentions += a.mention_count;
        self.relations += a.relation_count;
        // each name once per article (the few labels of people too: it keeps this simple)
        self.local.clear();
        for i in 0..a.name_count() as u32 {
            let g = self.intern(a.name(i));
            self.local.push(g);
        }
        for &(id, label) in &a.people {
            let g = self.global(a, id);
            let label = a.name(label);
            let n = self.node(g);
            if n.label.as_deref().is_none_or(|l| label < l) {
                n.label = Some(label.to_string());
            }
        }
        for &(id, count) in &a.entities {
            let g = self.global(a, id);
            let n = self.node(g);
            n.mentions += count;
            n.articles += 1;
        }
        for f in &a.facts {
            let (s, t) = (self.global(a, f.source), self.global(a, f.target));
            self.node(s);
            self.node(t);
            let rel = self.global(a, f.relation);
            let code = self.global(a, f.cameo);
            let e = self.edges.entry((s, t, rel)).or_insert_with(|| EdgeAcc {
                directed: f.directed,
                label: labels(a.name(f.relation)),
                first_seen: a.date.clone(),
                last_seen: a.date.clone(),
                ..EdgeAcc::default()
            });
            // relate keeps one row per pair and relation in a sentence: a row is a sentence
            e.weight += 1;
            e.planned += u64::from(f.planned);
            match e.cameo.iter_mut().find(|(c, _)| *c == code) {
                Some((_, n)) => *n += 1,
                None => e.cameo.push((code, 1)),
            }
            if e.last_article != art {
                e.last_article = art;
                e.articles += 1;
            }
            if a.date < e.first_seen {
                e.first_seen.clone_from(&a.date);
            }
            if a.date > e.last_seen {
                e.last_seen.clone_from(&a.date);
            }
        }
    }

    /// Folds in a graph of other articles (say, another worker's). Every sum and
    /// count adds up, the earliest and latest dates and the smallest label are kept,
    /// so the merged graph writes the same files, in whatever order the articles were
    /// shared out. A relation's direction is fixed by its type: both graphs agree.
    pub fn merge(&mut self, other: Graph) {
        self.mentions += other.mentions;
        self.relations += other.relations;
        let ids: Vec<u32> = other.names.iter().map(|s| self.intern(s)).collect();
        for (&g, n) in ids.iter().zip(other.nodes) {
            if !n.node {
                continue;
            }
            let m = self.node(g);
            m.mentions += n.mentions;
            m.articles += n.articles;
            if let Some(l) = n.label {
                if m.label.as_ref().is_none_or(|k| l < *k) {
                    m.label = Some(l);
                }
            }
        }
        for ((s, t, rel), mut e) in other.edges {
            let key = (ids[s as usize], ids[t as usize], ids[rel as usize]);
            for (c, _) in &mut e.cameo {
                *c = ids[*c as usize];
            }
            match self.edges.entry(key) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    // this graph numbers its articles afresh
                    e.last_article = 0;
                    v.insert(e);
                }
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    let m = o.get_mut();
                    m.weight += e.weight;
                    m.planned += e.planned;
                    m.articles += e.articles;
                    for (c, k) in e.cameo {
                        match m.cameo.iter_mut().find(|(d, _)| *d == c) {
                            Some((_, n)) => *n += k,
                            None => m.cameo.push((c, k)),
                        }
                    }
                    if e.first_seen < m.first_seen {
                        m.first_seen = e.first_seen;
                    }
                    if e.last_seen > m.last_seen {
                        m.last_seen = e.last_seen;
                    }
                }
            }
        }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.node_count
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Writes `nodes.csv`, sorted by Id.
    pub fn write_nodes<W: Write>(&self, out: W, gaz: &Gazetteer) -> csv::Result<()> {
        let mut w = writer(out);
        w.write_record(NODE_COLUMNS)?;
        let mut nodes: Vec<(&str, &NodeAcc)> = self
            .names
            .iter()
            .zip(&self.nodes)
            .filter(|(_, n)| n.node)
            .map(|(id, n)| (id.as_str(), n))
            .collect();
        nodes.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (id, n) in nodes {
            let ent = gaz.find(id).map(|i| &gaz.entities[i as usize]);
            let kind = ent.map_or("person", |e| e.kind.as_str());
            let org = ent.and_then(|e| e.org.as_deref()).unwrap_or("");
            let country = ent
                .filter(|e| e.org.is_none())
                .and_then(|e| e.country.as_deref())
                .unwrap_or("");
            w.serialize(NodeRow {
                id,
                label: ent.map_or(n.label.as_deref().unwrap_or(id), |e| e.label.as_str()),
                kind,
                country,
                mentions: n.mentions,
                articles: n.articles,
                org,
                role: ent.map_or("found by context", |e| e.role.as_str()),
            })?;
        }
        w.flush()?;
        Ok(())
    }

    /// Writes `edges.csv`, sorted by Source, Target, Kind.
    pub fn write_edges<W: Write>(&self, out: W) -> csv::Result<()> {
        let mut w = writer(out);
        w.write_record(EDGE_COLUMNS)?;
        let name = |i: u32| self.names[i as usize].as_str();
        let mut edges: Vec<(&str, &str, &str, &EdgeAcc)> = self
            .edges
            .iter()
            .map(|(&(s, t, rel), e)| (name(s), name(t), name(rel), e))
            .collect();
        edges.sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
        for (s, t, rel, e) in edges {
            // most frequent code; ties go to the smallest
            let cameo = e
                .cameo
                .iter()
                .map(|&(c, n)| (name(c), n))
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map_or("", |(c, _)| c);
            w.serialize(EdgeRow {
                source: s,
                target: t,
                kind: if e.directed { "Directed" } else { "Undirected" },
                relation: rel,
                label: &e.label,
                weight: e.weight,
                cameo,
                articles: e.articles,
                first_seen: &e.first_seen,
                last_seen: &e.last_seen,
                planned: e.planned,
            })?;
        }
        w.flush()?;
        Ok(())
    }
}

/// A CSV writer with the house settings: `\n` line ends, quotes only where needed.
/// Headers are written explicitly, so a file without rows still has its header.
pub fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// Columns of nodes.csv (the contract's six, then extras).
pub const NODE_COLUMNS: [&str; 8] = [
    "Id", "Label", "kind", "country", "mentions", "articles", "org", "role",
];

/// Columns of edges.csv (the contract's ten, then extras).
pub const EDGE_COLUMNS: [&str; 11] = [
    "Source",
    "Target",
    "Type",
    "Kind",
    "Label",
    "Weight",
    "cameo",
    "articles",
    "first_seen",
    "last_seen",
    "planned",
];

/// Header of mentions.csv.
pub const MENTION_COLUMNS: &[u8] = b"article,sentence,start,end,text,entity,kind\n";
/// Header of relations.csv.
pub const RELATION_COLUMNS: &[u8] =
    b"article,sentence,source,relation,target,directed,modality,cameo,trigger,evidence\n";

/// Streams rendered rows of articles, in order, to mentions.csv and relations.csv.
pub struct RowWriter<W: Write> {
    mentions: W,
    relations: W,
}

impl<W: Write> RowWriter<W> {
    /// Wraps the two outputs and writes their headers.
    pub fn new(mut mentions: W, mut relations: W) -> std::io::Result<RowWriter<W>> {
        mentions.write_all(MENTION_COLUMNS)?;
        relations.write_all(RELATION_COLUMNS)?;
        Ok(RowWriter {
            mentions,
            relations,
        })
    }

    /// Appends one article's rows (rendered CSV bytes, without header).
    pub fn add(&mut self, mentions: &[u8], relations: &[u8]) -> std::io::Result<()> {
        self.mentions.write_all(mentions)?;
        self.relations.write_all(relations)
    }

    /// Returns the two outputs.
    pub fn finish(self) -> (W, W) {
        (self.mentions, self.relations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(article: &str, sentence: usize, s: &str, t: &str, modality: &str) -> RelationRow {
        RelationRow {
            article: article.into(),
            sentence,
            source: s.into(),
            relation: "imposes_tariff".into(),
            target: t.into(),
            directed: true,
            modality: modality.into(),
            cameo: "163".into(),
            trigger: "imposed".into(),
            evidence: "x".into(),
        }
    }

    #[test]
    fn edges_aggregate_and_skip_negated() {
        let mut g = Graph::default();
        let label = |r: &str| r.replace('_', " ");
        let a = ArticleRows {
            date: "2025-08-27".into(),
            mentions: vec![],
            people: vec![],
            relations: vec![
                rel("a", 0, "USA", "IND", "asserted"),
                rel("a", 3, "USA", "IND", "planned"),
                rel("a", 4, "IND", "USA", "negated"),
            ],
        };
        let b = ArticleRows {
            date: "2025-08-01".into(),
            mentions: vec![],
            people: vec![],
            relations: vec![rel("b", 1, "USA", "IND", "asserted")],
        };
        g.add(&Rendered::new(&a).facts, &label);
        g.add(&Rendered::new(&b).facts, &label);
        let mut out = Vec::new();
        g.write_edges(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "Source,Target,Type,Kind,Label,Weight,cameo,articles,first_seen,last_seen,planned\n\
             USA,IND,Directed,imposes_tariff,imposes tariff,3,163,2,2025-08-01,2025-08-27,1\n"
        );
        assert_eq!(g.node_count(), 2);
    }

    /// Articles shared out between two graphs in any way, each taking its own in
    /// reverse, merge into the graph of all of them taken in order: the same nodes
    /// (counts, labels), the same edges file, the same totals.
    #[test]
    fn merged_graphs_equal_the_graph_of_all_articles() {
        let label = |r: &str| r.replace('_', " ");
        let coded = |mut r: RelationRow, cameo: &str| {
            r.cameo = cameo.into();
            r
        };
        let article =
            |date: &str, relations: Vec<RelationRow>, ids: &[&str], people: &[(&str, &str)]| {
                let rows = ArticleRows {
                    date: date.into(),
                    mentions: ids
                        .iter()
                        .map(|id| MentionRow {
                            article: "a".into(),
                            sentence: 0,
                            start: 0,
                            end: 1,
                            text: id.to_string(),
                            entity: id.to_string(),
                            kind: "country".into(),
                        })
                        .collect(),
                    people: people.iter().map(|&(i, l)| (i.into(), l.into())).collect(),
                    relations,
                };
                Rendered::new(&rows).facts
            };
        let articles = [
            article(
                "2025-08-27",
                vec![
                    rel("a", 0, "USA", "IND", "asserted"),
                    rel("a", 3, "USA", "IND", "planned"),
                ],
                &["USA", "IND", "USA"],
                &[("p:x", "X")],
            ),
            article(
                "2025-08-01",
                vec![
                    rel("b", 1, "USA", "IND", "asserted"),
                    rel("b", 2, "CHN", "USA", "negated"),
                ],
                &["CHN"],
                &[("p:x", "Ann X")],
            ),
            article(
                "2025-09-03",
                vec![
                    coded(rel("c", 0, "IND", "CHN", "asserted"), "061"),
                    coded(rel("c", 1, "USA", "IND", "asserted"), "061"),
                    coded(rel("c", 2, "USA", "IND", "asserted"), "061"),
                ],
                &["IND", "p:x"],
                &[("p:x", "B X")],
            ),
            article(
                "2025-07-30",
                vec![rel("d", 0, "p:x", "CHN", "asserted")],
                &[],
                &[],
            ),
        ];
        let dump = |g: &Graph| {
            let mut nodes: Vec<String> = g
                .names
                .iter()
                .zip(&g.nodes)
                .filter(|(_, n)| n.node)
                .map(|(id, n)| format!("{id} {:?} {} {}", n.label, n.mentions, n.articles))
                .collect();
            nodes.sort();
            let mut edges = Vec::new();
            g.write_edges(&mut edges).unwrap();
            let totals = (g.mentions, g.relations, g.node_count(), g.edge_count());
            (nodes, String::from_utf8(edges).unwrap(), totals)
        };
        let mut all = Graph::default();
        for a in &articles {
            all.add(a, &label);
        }
        let want = dump(&all);
        assert_eq!(want.2, (6, 8, 4, 3));
        for mask in 0..1u32 << articles.len() {
            let (mut one, mut two) = (Graph::default(), Graph::default());
            for (k, a) in articles.iter().enumerate().rev() {
                let g = if mask >> k & 1 == 1 {
                    &mut one
                } else {
                    &mut two
                };
                g.add(a, &label);
            }
            one.merge(two);
            assert_eq!(dump(&one), want, "articles {mask:04b} in the first graph");
        }
    }

    /// Rendering field by field gives the bytes serde's CSV serialisation gives.
    #[test]
    fn rendering_matches_serde() {
        let tricky = [
            "",
            "plain",
            "a,b",
            "say \"hi\"",
            "line\nbreak",
            "cr\rhere",
            " spaced ",
            "#hash",
            "\u{e9}t\u{e9}",
        ];
        let mut rows = ArticleRows {
            date: "2025-01-01".into(),
            ..ArticleRows::default()
        };
        for (k, t) in tricky.iter().enumerate() {
            rows.mentions.push(MentionRow {
                article: format!("d/{t}.txt"),
                sentence: k,
                start: k * 1000,
                end: usize::MAX - k,
                text: t.to_string(),
                entity: t.to_string(),
                kind: "person".into(),
            });
            let mut r = rel(t, k, t, "IND", ["asserted", "planned", "negated"][k % 3]);
            r.trigger = t.to_string();
            r.evidence = format!("{t}, {t}");
            r.directed = k % 2 == 0;
            rows.relations.push(r);
        }
        let (mut m, mut r) = (writer(Vec::new()), writer(Vec::new()));
        for row in &rows.mentions {
            m.serialize(row).unwrap();
        }
        for row in &rows.relations {
            r.serialize(row).unwrap();
        }
        let (m, r) = (m.into_inner().unwrap(), r.into_inner().unwrap());
        let mut renderer = RowRenderer::default();
        for _ in 0..2 {
            // twice: the reused buffer starts empty again
            let got = renderer.render(
                &rows.date,
                [],
                rows.mentions.iter().map(MentionRow::view),
                rows.relations.iter().map(RelationRow::view),
            );
            assert_eq!(got.mentions_csv(), m);
            assert_eq!(got.relations_csv(), r);
            assert_eq!(
                got.mentions_hash,
                xxhash_rust::xxh3::xxh3_64(got.mentions_csv())
            );
            assert_eq!(
                got.relations_hash,
                xxhash_rust::xxh3::xxh3_64(got.relations_csv())
            );
            assert_eq!(got.facts.mention_count, tricky.len() as u64);
            assert_eq!(got.facts.facts.len(), 6);
            assert_eq!(got, Rendered::new(&rows));
        }
    }

    /// Repeated slices (article, an entity's row ending, evidence) are copied from
    /// their first rendering: the bytes stay those of serde's serialisation, also when
    /// one entity comes with two kinds or a value is the same string at another address.
    #[test]
    fn repeated_values_render_as_serde() {
        let (article, other) = ("d/a,b.txt", String::from("d/a,b.txt"));
        let (usa, usa_copy) = ("USA", String::from("USA"));
        let evidence = "One, \"two\"";
        let mut mentions = Vec::new();
        for k in 0..7 {
            mentions.push(MentionRef {
                article: if k == 3 { &other } else { article },
                sentence: k,
                start: k,
                end: k + 3,
                text: Cow::Borrowed("U,S"),
                entity: if k == 4 { &usa_copy } else { usa },
                kind: if k == 5 { "org" } else { "country" },
            });
        }
        let relations: Vec<RelationRef> = (0..4)
            .map(|k| RelationRef {
                article,
                sentence: k,
                source: usa,
                relation: "sanctions",
                target: &usa_copy,
                directed: k % 2 == 0,
                modality: "asserted",
                cameo: "163",
                trigger: "sanctioned",
                evidence: if k == 2 { "other" } else { evidence },
            })
            .collect();
        let (mut m, mut r) = (writer(Vec::new()), writer(Vec::new()));
        for row in &mentions {
            m.serialize(row.to_row()).unwrap();
        }
        for row in &relations {
            r.serialize(row.to_row()).unwrap();
        }
        let got = RowRenderer::default().render(
            "2025-01-01",
            [(usa, "label")],
            mentions.iter().cloned(),
            relations.iter().cloned(),
        );
        assert_eq!(got.mentions_csv(), m.into_inner().unwrap());
        assert_eq!(got.relations_csv(), r.into_inner().unwrap());
        // one entity, counted across both addresses of its id
        assert_eq!(got.facts.entities, vec![(0, 7)]);
        assert_eq!(got.facts.name(0), "USA");
    }

    /// A field written by hand is quoted and escaped exactly as the csv crate does it.
    #[test]
    fn fields_are_quoted_as_the_csv_crate_quotes_them() {
        struct Case {
            field: &'static str,
            want: &'static str,
        }
        macro_rules! case {
            ($field:expr, $want:expr) => {
                Case {
                    field: $field,
                    want: $want,
                }
            };
        }
        let cases = [
            case!("", ""),
            case!("plain", "plain"),
            case!("a,b", "\"a,b\""),
            case!(",", "\",\""),
            case!("say \"hi\"", "\"say \"\"hi\"\"\""),
            case!("\"", "\"\"\"\""),
            case!("\"\"", "\"\"\"\"\"\""),
            case!("line\nbreak", "\"line\nbreak\""),
            case!("cr\rhere", "\"cr\rhere\""),
            case!("\r\n", "\"\r\n\""),
            case!(" spaced ", " spaced "),
            case!("\ttab", "\ttab"),
            case!("#hash", "#hash"),
            case!("semi;colon", "semi;colon"),
            case!("back\\slash", "back\\slash"),
            case!("'single'", "'single'"),
            case!("\u{e9}t\u{e9}", "\u{e9}t\u{e9}"),
            case!(
                "\u{201c}curly\u{201d}, too",
                "\"\u{201c}curly\u{201d}, too\""
            ),
            case!("\u{fffd}", "\u{fffd}"),
            case!(
                "a long field past the eight-byte stride, with a comma late",
                "\"a long field past the eight-byte stride, with a comma late\""
            ),
        ];
        for c in &cases {
            let mut got = Vec::new();
            push_field(&mut got, c.field.as_bytes());
            assert_eq!(String::from_utf8_lossy(&got), c.want, "field {:?}", c.field);
            // and as the csv crate writes it, between two other fields
            let mut w = writer(Vec::new());
            w.write_record(["x", c.field, "y"]).unwrap();
            let theirs = w.into_inner().unwrap();
            assert_eq!(
                theirs,
                format!("x,{},y\n", c.want).into_bytes(),
                "field {:?}",
                c.field
            );
        }
    }

    /// The block-at-a-time test agrees with a byte-by-byte one, for every length up to
    /// past two blocks and every place of a special byte.
    #[test]
    fn needs_quotes_finds_every_special_byte() {
        for len in 0..=40 {
            let plain = vec![b'a'; len];
            assert!(!needs_quotes(&plain), "len {len}");
            for at in 0..len {
                for b in [b',', b'"', b'\n', b'\r', b' ', b'+', b'-', 0, 0x80, 0xff] {
                    let mut f = plain.clone();
                    f[at] = b;
                    let want = matches!(b, b',' | b'"' | b'\n' | b'\r');
                    assert_eq!(needs_quotes(&f), want, "len {len}, byte {b} at {at}");
                }
            }
        }
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        let edges = [
            0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 9999, 10000, 10001,
        ];
        for n in edges
            .into_iter()
            .chain([12345, u64::from(u32::MAX), u64::MAX])
        {
            let mut got = Vec::new();
            push_number(&mut got, n);
            assert_eq!(got, n.to_string().into_bytes());
        }
        for n in [
            0,
            7,
            -1,
            -10,
            i128::from(u64::MAX),
            i128::from(u64::MAX) + 1,
            i128::MIN,
        ] {
            let mut got = Vec::new();
            push_signed(&mut got, n);
            assert_eq!(got, n.to_string().into_bytes());
        }
    }

    #[test]
    fn row_writer_writes_headers_even_when_empty() {
        let w = RowWriter::new(Vec::new(), Vec::new()).unwrap();
        let (m, r) = w.finish();
        assert_eq!(
            String::from_utf8(m).unwrap(),
            "article,sentence,start,end,text,entity,kind\n"
        );
        assert!(String::from_utf8(r).unwrap().starts_with(
            "article,sentence,source,relation,target,directed,modality,cameo,trigger,evidence\n"
        ));
    }
}
