//! Gazetteer: `gazetteers/*.tsv` -> [`Gazetteer`] (entities, one dictionary, word lists).
//!
//! Countries, organisations and people are read from their files, every alias becomes a
//! pattern of one leftmost-longest, ASCII-case-insensitive dictionary (a trie walked at
//! word starts, or an Aho-Corasick automaton where names may start anywhere) built once
//! per run, and each pattern keeps the case rule that [`crate::tag`] checks on a match:
//! acronyms match exactly, other aliases need a capital wherever the alias has one.
//! Two entities that claim the same alias are a configuration error naming both lines.

use crate::datafile::{list, opt, DataFile};
use crate::error::{Error, Errors};
use crate::trie::Trie;
use aho_corasick::automaton::Automaton;
use aho_corasick::{dfa, nfa, Input, Match, MatchKind};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::fmt;
use std::path::Path;

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A country or territory (id: ISO 3166-1 alpha-3).
    Country,
    /// A person (id: slug).
    Person,
    /// An organisation (id: slug).
    Org,
}

impl Kind {
    /// The name written to CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Country => "country",
            Kind::Person => "person",
            Kind::Org => "org",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an alias names its entity; decides case rules and how relations read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// A name ("India", "Narendra Modi", "World Trade Organization").
    Name,
    /// An exact-case short form ("US", "WTO").
    Acronym,
    /// A demonym or adjective ("Indian").
    Demonym,
    /// A capital used as a metonym ("New Delhi").
    Capital,
    /// A bare surname or short form of a person ("Modi").
    Short,
    /// A title standing for a person ("the Indian premier").
    Role,
}

/// One entity of the gazetteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Canonical id: ISO alpha-3 for countries, a slug otherwise.
    pub id: String,
    /// Display name.
    pub label: String,
    /// What it is.
    pub kind: Kind,
    /// The ISO alpha-3 country it belongs to (itself for a country), if any.
    pub country: Option<String>,
    /// For officials of international bodies: the organisation id.
    pub org: Option<String>,
    /// Role or type, free text from the data file.
    pub role: String,
}

/// What a pattern of the automaton stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One entity, named in this form.
    Entity(u32, Form),
    /// A bare form shared by several people: resolved by context.
    Ambiguous(Vec<u32>),
    /// A phrase that is no entity and hides the aliases inside it.
    Shadow,
}

/// One spelling that the automaton finds, with its case rule.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// What it means.
    pub target: Target,
    /// The alias as written in the data.
    pub alias: String,
    /// Acronyms must match byte for byte.
    pub exact: bool,
    /// Where (and in which file/line) it was defined, for collision messages.
    origin: (String, usize),
    /// The bytes of `alias` that start a word with a capital: the match needs one there.
    capitals: Vec<usize>,
}

impl Candidate {
    fn new(target: Target, alias: String, exact: bool, origin: (String, usize)) -> Candidate {
        let mut capitals = Vec::new();
        let mut word_start = true;
        for (i, &c) in alias.as_bytes().iter().enumerate() {
            if word_start && c.is_ascii_uppercase() {
                capitals.push(i);
            }
            word_start = !c.is_ascii_alphanumeric() && c < 0x80;
        }
        Candidate {
            target,
            alias,
            exact,
            origin,
            capitals,
        }
    }

    /// Does the matched text satisfy this spelling's case rule?
    pub fn case_ok(&self, text: &str) -> bool {
        if self.exact {
            return text == self.alias;
        }
        let t = text.as_bytes();
        t.len() == self.alias.len()
            && self
                .capitals
                .iter()
                .all(|&i| t.get(i).is_some_and(u8::is_ascii_uppercase))
    }
}

/// The loaded gazetteer: entities, the automaton over every alias, and word lists.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    /// All entities; a mention refers to one by index.
    pub entities: Vec<Entity>,
    /// For each automaton pattern, its spellings (several when they differ only in case).
    pub patterns: Vec<Vec<Candidate>>,
    /// The same aliases as a trie, which the tagger walks anchored at word starts.
    trie: Trie,
    /// Where the tagger looks for names.
    starts: Starts,
    /// The first bytes of every alias, to turn down most word starts without a walk.
    prefixes: Prefixes,
    titles: HashSet<String>,
    given_names: WordTable<()>,
    /// Title words and person cues by lowercase word: one look-up answers every question
    /// the tagger asks about a capitalised word.
    roles: WordTable<Roles>,
    by_id: HashMap<String, u32>,
    /// Per entity, what relate compares for every candidate pair, without touching the
    /// entity's strings: its kind, its country code interned ([`NO_COUNTRY`] for none),
    /// the entity of that country, and the place of its id in the sorted ids.
    facts: Vec<Facts>,
}

/// What [`Entities`] answers about one gazetteer entity from a few bytes.
#[derive(Debug, Clone, Copy)]
struct Facts {
    kind: Kind,
    country: u32,
    country_entity: u32,
    rank: u32,
}

/// [`Facts::country`] and [`Facts::country_entity`] of an entity without one.
const NO_COUNTRY: u32 = u32::MAX;

/// The facts of each entity of `entities`, ids found with `find`.
fn facts_of(entities: &[Entity], find: impl Fn(&str) -> Option<u32>) -> Vec<Facts> {
    let mut codes: HashMap<&str, u32> = HashMap::default();
    let mut order: Vec<u32> = (0..entities.len() as u32).collect();
    order.sort_by(|&a, &b| entities[a as usize].id.cmp(&entities[b as usize].id));
    let mut rank = vec![0u32; entities.len()];
    for (r, &e) in order.iter().enumerate() {
        rank[e as usize] = r as u32;
    }
    entities
        .iter()
        .zip(rank)
        .map(|(e, rank)| {
            let code = e.country.as_deref();
            let next = codes.len() as u32;
            Facts {
                kind: e.kind,
                country: code.map_or(NO_COUNTRY, |c| *codes.entry(c).or_insert(next)),
                country_entity: code.and_then(&find).unwrap_or(NO_COUNTRY),
                rank,
            }
        })
        .collect()
}

/// Where the tagger looks for names: at word starts (the usual case) or anywhere.
#[derive(Debug, Clone)]
pub enum Starts {
    /// Only at word starts whose first byte is `true` here: the bytes a match that
    /// passes its case rule can start with (see [`Gazetteer::openers`]).
    Words([bool; 256]),
    /// Anywhere, because some alias starts with a character that is no letter or digit:
    /// an unanchored search of this automaton over all aliases.
    Anywhere(nfa::contiguous::NFA),
}

/// Each pattern's alias (its first spelling): what the trie, the prefixes and the
/// automaton are built from, pattern `i` as number `i`.
fn aliases(patterns: &[Vec<Candidate>]) -> impl Iterator<Item = &str> {
    patterns.iter().map(|c| c[0].alias.as_str())
}

/// An automaton over all aliases: leftmost-longest, ASCII case folded, for unanchored
/// searches (a run needs one only when some alias opens with punctuation, so a name may
/// start anywhere; tests compare the tagger's anchored walks of [`Trie`] with it). A
/// contiguous NFA: a megabyte where a DFA takes tens, built in a tenth of the time.
fn run_automaton<'a>(
    aliases: impl IntoIterator<Item = &'a str>,
) -> Result<nfa::contiguous::NFA, String> {
    nfa::contiguous::NFA::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .build(aliases)
        .map_err(|e| e.to_string())
}

/// The leftmost-longest match of `aut` starting at `from` or later (an unanchored search).
pub fn find<A: Automaton>(aut: &A, text: &str, from: usize) -> Option<Match> {
    let input = Input::new(text).span(from..text.len());
    // unanchored searches are always supported: the error cannot happen
    aut.try_find(&input).ok().flatten()
}

/// An automaton for the bare scan `make bench` compares with: the same aliases, match
/// kind and case folding as the run's, searched unanchored over every byte.
#[derive(Debug, Clone)]
pub enum ScanAutomaton {
    /// The fastest for a scan: one table look-up per byte.
    Dfa(dfa::DFA),
    /// The run's unanchored automaton (also the fallback for a dictionary too large for
    /// a DFA).
    Nfa(nfa::contiguous::NFA),
}

impl ScanAutomaton {
    /// A DFA when `dfa` is set and it can be built, else the run's contiguous NFA.
    pub fn build<'a>(
        aliases: impl Iterator<Item = &'a str> + Clone,
        dfa: bool,
    ) -> Result<ScanAutomaton, String> {
        let built = dfa.then(|| {
            dfa::DFA::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(true)
                .build(aliases.clone())
        });
        match built {
            Some(Ok(d)) => Ok(ScanAutomaton::Dfa(d)),
            _ => run_automaton(aliases).map(ScanAutomaton::Nfa),
        }
    }

    /// The number of non-overlapping matches in `hay`: the bare scan's work.
    pub fn count(&self, hay: &[u8]) -> usize {
        let input = Input::new(hay);
        match self {
            ScanAutomaton::Dfa(a) => a.try_find_iter(input).map_or(0, |it| it.count()),
            ScanAutomaton::Nfa(a) => a.try_find_iter(input).map_or(0, |it| it.count()),
        }
    }

    /// Which automaton this is, for the scan's report.
    pub fn name(&self) -> &'static str {
        match self {
            ScanAutomaton::Dfa(_) => "DFA",
            ScanAutomaton::Nfa(_) => "contiguous NFA",
        }
    }
}

/// The longest match of pattern ids of `aut` that starts exactly at byte `at`:
/// (pattern, end). An anchored leftmost-longest search, walked here so that the
/// thousands of tries per article cost a few steps each and no set-up.
#[inline]
pub fn longest_at<A: Automaton>(aut: &A, bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut sid = aut.start_state(aho_corasick::Anchored::Yes).ok()?;
    let mut found = None;
    for (i, &b) in bytes.get(at..)?.iter().enumerate() {
        sid = aut.next_state(aho_corasick::Anchored::Yes, sid, b);
        if aut.is_special(sid) {
            if aut.is_dead(sid) {
                break;
            }
            if aut.is_match(sid) {
                let end = at + i + 1;
                let pid = aut.match_pattern(sid, 0);
                // a match state may also carry a match that starts later (reached by a
                // failure transition when searching unanchored): not ours
                if end - aut.pattern_len(pid) == at {
                    found = Some((pid.as_usize(), end));
                }
            }
        }
    }
    found
}

/// The bytes the spellings of `patterns` can start with in a text their case rules
/// accept; `None` if some spelling does not start with a letter or digit.
fn openers(patterns: &[Vec<Candidate>]) -> Option<[bool; 256]> {
    let mut out = [false; 256];
    for c in patterns.iter().flatten() {
        let first = c.alias.chars().next().filter(|ch| ch.is_alphanumeric())?;
        let b = c.alias.as_bytes()[0];
        if c.exact || first.is_ascii_digit() || !first.is_ascii() {
            out[b as usize] = true;
        } else if c.capitals.first() == Some(&0) {
            out[b.to_ascii_uppercase() as usize] = true;
        } else {
            out[b.to_ascii_lowercase() as usize] = true;
            out[b.to_ascii_uppercase() as usize] = true;
        }
    }
    Some(out)
}

/// The first four bytes of every alias (and whole aliases shorter than that), ASCII
/// case folded, as bits of a hashed table: most word starts the tagger tries begin no
/// alias, and a look-up or two here turns them down where the automaton would take
/// three or four steps to. A set bit may be a collision, never a miss: the filter only
/// skips walks that would find nothing.
#[derive(Debug, Clone)]
struct Prefixes {
    /// [`Prefixes::BITS`] bits, by [`prefix_key`] of 1 to 4 bytes.
    bits: Vec<u64>,
    /// Is there an alias of 1, 2, 3 bytes?
    short: [bool; 3],
}

impl Prefixes {
    /// Bits of the table (16 KB).
    const BITS: usize = 1 << PREFIX_HASH_BITS;

    fn new<'a>(aliases: impl IntoIterator<Item = &'a [u8]>) -> Prefixes {
        let mut p = Prefixes {
            bits: vec![0; Self::BITS / 64],
            short: [false; 3],
        };
        for a in aliases {
            let n = a.len().min(4);
            if n == 0 {
                continue;
            }
            let mut w = [0u8; 4];
            w[..n].copy_from_slice(&a[..n]);
            let i = prefix_key(u32::from_le_bytes(w), n);
            p.bits[i / 64] |= 1 << (i % 64);
            if n < 4 {
                p.short[n - 1] = true;
            }
        }
        p
    }

    #[inline]
    fn may_start(&self, bytes: &[u8], at: usize) -> bool {
        let Some(&[b, c, d, e]) = bytes.get(at..at + 4) else {
            return true; // the last bytes of a text: the walk is short anyway
        };
        let w = u32::from_le_bytes([b, c, d, e]);
        let has = |n: usize| {
            let i = prefix_key(w, n);
            self.bits
                .get(i / 64)
                .is_some_and(|x| x & (1 << (i % 64)) != 0)
        };
        has(4) || (1..4).any(|n| self.short[n - 1] && has(n))
    }
}

/// log2 of [`Prefixes::BITS`].
const PREFIX_HASH_BITS: u32 = 17;

/// The first `n` (1 to 4) bytes of `w` with bit 5 set (ASCII letters fold to lowercase;
/// other bytes may collide, which only lets a walk through) and their number, hashed
/// to a bit of [`Prefixes::bits`].
#[inline]
fn prefix_key(w: u32, n: usize) -> usize {
    let k = (w | 0x2020_2020) & (u32::MAX >> (32 - 8 * n as u32));
    let h = (u64::from(k) | (n as u64) << 32).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> (64 - PREFIX_HASH_BITS)) as usize
}

/// Number of slots of a [`WordTable`].
const SLOTS: usize = 4096;

/// A slot of a [`WordTable`] for a word in any case: from its length and its first,
/// second and last bytes with the ASCII case bit set, so a word and its lowercase share
/// the slot.
fn role_slot(word: &[u8]) -> usize {
    let (Some(&first), Some(&last)) = (word.first(), word.last()) else {
        return 0;
    };
    let second = word.get(1).copied().unwrap_or(0);
    let mix = (word.len() as u32)
        .wrapping_mul(0x9E37)
        .wrapping_add(u32::from(first | 0x20).wrapping_mul(0x85EB))
        .wrapping_add(u32::from(second | 0x20).wrapping_mul(0xC2B3))
        .wrapping_add(u32::from(last | 0x20).wrapping_mul(0x27D5));
    ((mix ^ (mix >> 13)) as usize) & (SLOTS - 1)
}

/// A small set of words with a value each, looked up by [`role_slot`] instead of hashing:
/// a bit per slot settles most words (names), and the few keys of a set slot are compared
/// directly, without lowering the word first.
#[derive(Debug, Clone)]
pub(crate) struct WordTable<V> {
    /// A bit per slot that holds a key.
    filter: [u64; SLOTS / 64],
    /// Where each slot's keys start in `entries`; `SLOTS + 1` entries.
    starts: Vec<u32>,
    /// Keys with their values, ordered by slot.
    entries: Vec<(Box<[u8]>, V)>,
}

impl<V: Copy> WordTable<V> {
    /// Builds the table of these keys and values.
    pub(crate) fn new(items: impl IntoIterator<Item = (Vec<u8>, V)>) -> WordTable<V> {
        let mut entries: Vec<(Box<[u8]>, V)> = items
            .into_iter()
            .map(|(k, v)| (k.into_boxed_slice(), v))
            .collect();
        entries.sort_by_key(|(k, _)| role_slot(k));
        let mut filter = [0u64; SLOTS / 64];
        let mut starts = Vec::with_capacity(SLOTS + 1);
        let mut at = 0;
        for slot in 0..SLOTS {
            starts.push(at as u32);
            while entries.get(at).is_some_and(|(k, _)| role_slot(k) == slot) {
                filter[slot / 64] |= 1 << (slot % 64);
                at += 1;
            }
        }
        starts.push(at as u32);
        WordTable {
            filter,
            starts,
            entries,
        }
    }

    /// The value of the key for which `same(key, word)` holds; `same` must only hold
    /// for keys with the slot of `word`.
    fn find(&self, word: &[u8], same: impl Fn(&[u8], &[u8]) -> bool) -> Option<V> {
        let slot = role_slot(word);
        if self.filter[slot / 64] & (1 << (slot % 64)) == 0 {
            return None;
        }
        let range = self.starts[slot] as usize..self.starts[slot + 1] as usize;
        self.entries[range]
            .iter()
            .find(|(k, _)| same(k, word))
            .map(|&(_, v)| v)
    }

    /// The value of a word in any case, in a table whose keys are lowercase (as
    /// `str::to_lowercase` makes them): the value of the word lowered.
    pub(crate) fn get_lowered(&self, word: &str) -> Option<V> {
        // lowering a lowercase text changes nothing: a word that differs from a key in
        // ASCII case only is that key lowered, without lowering it
        let lowers_to = |k: &[u8], w: &[u8]| {
            k.len() == w.len() && k.iter().zip(w).all(|(&a, &b)| a == b.to_ascii_lowercase())
        };
        match self.find(word.as_bytes(), lowers_to) {
            Some(v) => Some(v),
            None if word.is_ascii() => None,
            None => self.get_lowered_chars(word),
        }
    }

    /// [`WordTable::get_lowered`] of a word with non-ASCII letters, lowered first.
    #[cold]
    fn get_lowered_chars(&self, word: &str) -> Option<V> {
        let lower = word.to_lowercase();
        self.find(lower.as_bytes(), |k, w| k == w)
    }

    /// The keys and their values.
    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = (&[u8], V)> {
        self.entries.iter().map(|(k, v)| (&k[..], *v))
    }
}

/// What a lowercase word is in `titles.txt` and `person_cues.tsv`.
#[derive(Debug, Clone, Copy, Default)]
struct Roles {
    title_word: bool,
    before: bool,
    after: bool,
    never: bool,
}

impl Roles {
    fn has(self, cue: Cue) -> bool {
        match cue {
            Cue::Before => self.before,
            Cue::After => self.after,
            Cue::Never => self.never,
        }
    }
}

/// What a word says about a capitalised name next to it (`person_cues.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// A role noun before a name ("professor").
    Before,
    /// A verb of saying after a name ("said").
    After,
    /// Never part of a name ("Monday", "The").
    Never,
}

/// The gazetteer's entities plus the people an article revealed (ids past the gazetteer's).
#[derive(Debug, Clone, Copy)]
pub struct Entities<'a> {
    /// The gazetteer.
    pub gaz: &'a Gazetteer,
    /// Entities found in one article only.
    pub extra: &'a [Entity],
}

impl<'a> Entities<'a> {
    /// The entity with this index.
    pub fn get(&self, e: u32) -> &'a Entity {
        let n = self.gaz.entities.len();
        let i = e as usize;
        if i < n {
            &self.gaz.entities[i]
        } else {
            &self.extra[i - n]
        }
    }

    /// The gazetteer's facts of an entity, `None` for one found in the article only.
    fn facts(&self, e: u32) -> Option<&Facts> {
        self.gaz.facts.get(e as usize)
    }

    /// What the entity is.
    pub fn kind(&self, e: u32) -> Kind {
        match self.facts(e) {
            Some(f) => f.kind,
            None => self.get(e).kind,
        }
    }

    /// Do both entities belong to one country (both have one, the same)?
    pub fn same_country(&self, a: u32, b: u32) -> bool {
        match (self.facts(a), self.facts(b)) {
            (Some(x), Some(y)) => x.country != NO_COUNTRY && x.country == y.country,
            _ => {
                let (x, y) = (self.get(a), self.get(b));
                x.country.is_some() && x.country == y.country
            }
        }
    }

    /// The entity of the country an entity belongs to (itself for a country), if the
    /// gazetteer has it.
    pub fn country_of(&self, e: u32) -> Option<u32> {
        match self.facts(e) {
            Some(f) => (f.country_entity != NO_COUNTRY).then_some(f.country_entity),
            None => self
                .get(e)
                .country
                .as_deref()
                .and_then(|c| self.gaz.find(c)),
        }
    }

    /// Does `a`'s id sort at or before `b`'s?
    pub fn id_at_or_before(&self, a: u32, b: u32) -> bool {
        match (self.facts(a), self.facts(b)) {
            (Some(x), Some(y)) => x.rank <= y.rank,
            _ => self.get(a).id <= self.get(b).id,
        }
    }
}

/// The gazetteer's source files, read from one directory.
#[derive(Debug, Clone)]
pub struct Sources {
    /// countries.tsv
    pub countries: DataFile,
    /// orgs.tsv
    pub orgs: DataFile,
    /// people.tsv
    pub people: DataFile,
    /// shadows.tsv
    pub shadows: DataFile,
    /// titles.txt
    pub titles: DataFile,
    /// given_names.txt
    pub given_names: DataFile,
    /// person_cues.tsv
    pub person_cues: DataFile,
}

impl Sources {
    /// Reads the entity files of a gazetteer directory.
    pub fn read(dir: &Path) -> Result<Sources, Error> {
        Ok(Sources {
            countries: DataFile::read(dir, "countries.tsv")?,
            orgs: DataFile::read(dir, "orgs.tsv")?,
            people: DataFile::read(dir, "people.tsv")?,
            shadows: DataFile::read(dir, "shadows.tsv")?,
            titles: DataFile::read(dir, "titles.txt")?,
            given_names: DataFile::read(dir, "given_names.txt")?,
            person_cues: DataFile::read(dir, "person_cues.tsv")?,
        })
    }
}

/// Collects entities and spellings while the files are read.
#[derive(Default)]
struct Builder {
    entities: Vec<Entity>,
    by_id: HashMap<String, u32>,
    keys: HashMap<String, usize>,
    patterns: Vec<Vec<Candidate>>,
    errors: Vec<Error>,
}

impl Builder {
    /// Reads the entity files and shadow phrases: the entities and the patterns.
    fn entries(src: &Sources) -> Builder {
        let mut b = Builder::default();
        read_countries(&mut b, &src.countries);
        read_orgs(&mut b, &src.orgs);
        read_people(&mut b, &src.people);
        match src.shadows.table(&["phrase", "note"]) {
            Ok(rows) => {
                for r in rows {
                    b.alias(&src.shadows, r.line, r.fields[0], Target::Shadow, false);
                }
            }
            Err(e) => b.errors.push(e),
        }
        b
    }

    fn entity(&mut self, file: &DataFile, line: usize, e: Entity) -> Option<u32> {
        if self.by_id.contains_key(&e.id) {
            self.errors
                .push(file.error(line, format!("id '{}' is defined twice", e.id)));
            return None;
        }
        let idx = self.entities.len() as u32;
        self.by_id.insert(e.id.clone(), idx);
        self.entities.push(e);
        Some(idx)
    }

    fn alias(&mut self, file: &DataFile, line: usize, alias: &str, target: Target, exact: bool) {
        let alias = fold_alias(alias);
        if alias.is_empty() {
            return;
        }
        let key = alias.to_ascii_lowercase();
        let origin = (file.path.display().to_string(), line);
        let cand = Candidate::new(target, alias.clone(), exact, origin);
        let Some(&p) = self.keys.get(&key) else {
            self.keys.insert(key, self.patterns.len());
            self.patterns.push(vec![cand]);
            return;
        };
        let slot = &mut self.patterns[p];
        for other in slot.iter_mut() {
            let same_spelling = !(other.exact && cand.exact) || other.alias == cand.alias;
            if !same_spelling {
                continue;
            }
            match (&mut other.target, &cand.target) {
                (a, b) if a == b => return,
                (Target::Entity(x, Form::Short), Target::Entity(y, Form::Short)) => {
                    let (x, y) = (*x, *y);
                    other.target = Target::Ambiguous(vec![x, y]);
                    return;
                }
                (Target::Ambiguous(list), Target::Entity(y, Form::Short)) => {
                    list.push(*y);
                    return;
                }
                (Target::Entity(x, _), Target::Entity(y, _)) if x == y => return,
                _ => {
                    let (f, l) = &other.origin;
                    self.errors.push(file.error(
                        line,
                        format!(
                            "alias '{}' collides with '{}' at {}:{}",
                            alias, other.alias, f, l
                        ),
                    ));
                    return;
                }
            }
        }
        slot.push(cand);
    }
}

/// Folds an alias the way [`crate::normalise`] folds text (curly quotes, dashes).
fn fold_alias(alias: &str) -> String {
    alias
        .trim()
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            '\u{2010}'..='\u{2015}' => '-',
            c => c,
        })
        .collect()
}

impl Gazetteer {
    /// Reads and builds the gazetteer of a directory; every bad row is reported.
    pub fn load(dir: &Path) -> Result<Gazetteer, Errors> {
        let sources = Sources::read(dir).map_err(|e| Errors(vec![e]))?;
        Gazetteer::build(&sources)
    }

    /// The automaton patterns of a gazetteer folder, in pattern order, without building
    /// anything else: what the bare scan needs.
    pub fn load_patterns(dir: &Path) -> Result<Vec<String>, Errors> {
        let src = Sources::read(dir).map_err(|e| Errors(vec![e]))?;
        let b = Builder::entries(&src);
        if !b.errors.is_empty() {
            return Err(Errors(b.errors));
        }
        Ok(aliases(&b.patterns).map(str::to_string).collect())
    }

    /// Builds the gazetteer from its sources.
    pub fn build(src: &Sources) -> Result<Gazetteer, Errors> {
        let mut b = Builder::entries(src);
        let titles = words(&src.titles, &mut b.errors, true);
        let mut roles: HashMap<Vec<u8>, Roles> = HashMap::default();
        for word in titles.iter().flat_map(|t| t.split(' ')) {
            roles
                .entry(word.as_bytes().to_vec())
                .or_default()
                .title_word = true;
        }
        let given_names = words(&src.given_names, &mut b.errors, false);
        match src.person_cues.table(&["word", "cue"]) {
            Ok(rows) => {
                for r in rows {
                    let cue = match r.fields[1] {
                        "before" => Cue::Before,
                        "after" => Cue::After,
                        "never" => Cue::Never,
                        other => {
                            b.errors.push(src.person_cues.error(
                                r.line,
                                format!("unknown cue '{other}' (before, after or never)"),
                            ));
                            continue;
                        }
                    };
                    let word = roles
                        .entry(r.fields[0].to_lowercase().into_bytes())
                        .or_default();
                    match cue {
                        Cue::Before => word.before = true,
                        Cue::After => word.after = true,
                        Cue::Never => word.never = true,
                    }
                }
            }
            Err(e) => b.errors.push(e),
        }
        if !b.errors.is_empty() {
            return Err(Errors(b.errors));
        }
        // the automaton only where a run searches with it: it took ~35 ms, more than
        // half of the loading, on every start
        let starts = match openers(&b.patterns) {
            Some(openers) => Starts::Words(openers),
            None => Starts::Anywhere(run_automaton(aliases(&b.patterns)).map_err(|e| {
                Errors(vec![Error::file(
                    &src.countries.path,
                    format!("automaton: {e}"),
                )])
            })?),
        };
        let trie = Trie::new(aliases(&b.patterns).map(str::as_bytes))
            .map_err(|e| Errors(vec![Error::file(&src.countries.path, e)]))?;
        let facts = facts_of(&b.entities, |id| b.by_id.get(id).copied());
        Ok(Gazetteer {
            facts,
            trie,
            starts,
            prefixes: Prefixes::new(aliases(&b.patterns).map(str::as_bytes)),
            entities: b.entities,
            patterns: b.patterns,
            titles,
            given_names: WordTable::new(given_names.into_iter().map(|w| (w.into_bytes(), ()))),
            roles: WordTable::new(roles),
            by_id: b.by_id,
        })
    }

    /// Where the tagger looks for names.
    pub fn starts(&self) -> &Starts {
        &self.starts
    }

    /// An unanchored automaton over all aliases (pattern ids index
    /// [`Gazetteer::patterns`]): the run's own, or one built now when the run has none
    /// (tests and tools compare the trie's walks with it).
    pub fn automaton(&self) -> Result<std::borrow::Cow<'_, nfa::contiguous::NFA>, String> {
        match &self.starts {
            Starts::Anywhere(a) => Ok(std::borrow::Cow::Borrowed(a)),
            Starts::Words(_) => run_automaton(aliases(&self.patterns)).map(std::borrow::Cow::Owned),
        }
    }

    /// What gazetteer entity `e` is (from a compact table: the tagger asks for every hit).
    pub fn kind(&self, e: u32) -> Kind {
        self.facts[e as usize].kind
    }

    /// The aliases as a trie (string numbers are pattern ids), for anchored walks.
    pub fn trie(&self) -> &Trie {
        &self.trie
    }

    /// For each byte: can a match that passes its spelling's case rule start with it?
    /// The automaton folds ASCII case, but a capital the rule asks for at the start
    /// narrows a letter to its upper case ("Mali" starts only with "M"). `None` when
    /// some alias opens with a character that is no letter or digit: then a name could
    /// start anywhere, not only at the start of a word.
    pub fn openers(&self) -> Option<&[bool; 256]> {
        match &self.starts {
            Starts::Words(openers) => Some(openers),
            Starts::Anywhere(_) => None,
        }
    }

    /// Could an alias start at byte `at` of `bytes`? False only when none can, so the
    /// anchored walk there would find nothing (see [`Prefixes`]).
    #[inline]
    pub fn may_start(&self, bytes: &[u8], at: usize) -> bool {
        self.prefixes.may_start(bytes, at)
    }

    /// The entity with this id.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// Is this word part of some title ("president", "foreign", "minister")?
    pub fn is_title_word(&self, word: &str) -> bool {
        self.roles(word).title_word
    }

    /// Is this whole phrase a title ("prime minister", "premier")?
    pub fn is_title(&self, phrase: &str) -> bool {
        with_lowercase(phrase, |p| self.titles.contains(p))
    }

    /// Is this a known given name ("Kevin")?
    pub fn is_given_name(&self, word: &str) -> bool {
        self.given_names
            .find(word.as_bytes(), |k, w| k == w)
            .is_some()
    }

    /// Does this word carry this person cue (case ignored)?
    pub fn cue(&self, word: &str, cue: Cue) -> bool {
        self.roles(word).has(cue)
    }

    /// Can this word be part of a name the gazetteer does not know: it is no title word
    /// and no `never` or `before` cue (one look-up instead of three).
    pub fn may_be_name_word(&self, word: &str) -> bool {
        let r = self.roles(word);
        !(r.title_word || r.never || r.before)
    }

    #[inline]
    fn roles(&self, word: &str) -> Roles {
        self.roles.get_lowered(word).unwrap_or_default()
    }

    /// Every alias with its entity id (for `newsgraph aliases`), in pattern order.
    pub fn aliases(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.patterns.iter().flatten().map(|c| {
            let id = match &c.target {
                Target::Entity(e, _) => Some(self.entities[*e as usize].id.as_str()),
                _ => None,
            };
            (c.alias.as_str(), id)
        })
    }

    /// Counts for `newsgraph check`: entities per kind and aliases in total.
    pub fn stats(&self) -> (usize, usize, usize, usize) {
        let count = |k| self.entities.iter().filter(|e| e.kind == k).count();
        let aliases = self
            .patterns
            .iter()
            .flatten()
            .filter(|c| !matches!(c.target, Target::Shadow))
            .count();
        (
            count(Kind::Country),
            count(Kind::Person),
            count(Kind::Org),
            aliases,
        )
    }
}

/// Calls `f` with the word in lowercase; short ASCII words are lowered on the stack,
/// since look-ups run for every capitalised word of every article.
pub(crate) fn with_lowercase<T>(word: &str, f: impl FnOnce(&str) -> T) -> T {
    if !word.bytes().any(|b| b.is_ascii_uppercase()) && word.is_ascii() {
        return f(word);
    }
    let mut buf = [0u8; 64];
    if word.is_ascii() && word.len() <= buf.len() {
        for (d, s) in buf.iter_mut().zip(word.bytes()) {
            *d = s.to_ascii_lowercase();
        }
        if let Ok(lower) = std::str::from_utf8(&buf[..word.len()]) {
            return f(lower);
        }
    }
    f(&word.to_lowercase())
}

fn words(file: &DataFile, errors: &mut Vec<Error>, split: bool) -> HashSet<String> {
    let mut set = HashSet::default();
    match file.table(&["entry"]) {
        Ok(rows) => {
            for r in rows {
                if split {
                    let words: Vec<String> = r.fields[0]
                        .split_whitespace()
                        .map(str::to_lowercase)
                        .collect();
                    set.insert(words.join(" "));
                } else {
                    set.insert(r.fields[0].to_string());
                }
            }
        }
        Err(e) => errors.push(e),
    }
    set
}

fn check_alpha3(file: &DataFile, line: usize, code: &str, errors: &mut Vec<Error>) -> bool {
    let ok = code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase());
    if !ok {
        errors.push(file.error(line, format!("'{code}' is not an ISO 3166-1 alpha-3 code")));
    }
    ok
}

fn check_slug(file: &DataFile, line: usize, id: &str, errors: &mut Vec<Error>) -> bool {
    let ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        errors.push(file.error(
            line,
            format!("id '{id}' is not a lowercase slug (a-z, 0-9, '-')"),
        ));
    }
    ok
}

fn read_countries(b: &mut Builder, file: &DataFile) {
    let cols = ["id", "label", "names", "demonyms", "capitals", "acronyms"];
    let rows = match file.table(&cols) {
        Ok(r) => r,
        Err(e) => return b.errors.push(e),
    };
    for r in rows {
        let f = &r.fields;
        if !check_alpha3(file, r.line, f[0], &mut b.errors) {
            continue;
        }
        let e = Entity {
            id: f[0].to_string(),
            label: f[1].to_string(),
            kind: Kind::Country,
            country: Some(f[0].to_string()),
            org: None,
            role: "country".to_string(),
        };
        let Some(i) = b.entity(file, r.line, e) else {
            continue;
        };
        b.alias(file, r.line, f[1], Target::Entity(i, Form::Name), false);
        for (col, form, exact) in [
            (2, Form::Name, false),
            (3, Form::Demonym, false),
            (4, Form::Capital, false),
            (5, Form::Acronym, true),
        ] {
            for a in list(f[col]) {
                b.alias(file, r.line, a, Target::Entity(i, form), exact);
            }
        }
    }
}

fn read_orgs(b: &mut Builder, file: &DataFile) {
    let cols = ["id", "label", "country", "type", "names", "acronyms"];
    let rows = match file.table(&cols) {
        Ok(r) => r,
        Err(e) => return b.errors.push(e),
    };
    for r in rows {
        let f = &r.fields;
        if !check_slug(file, r.line, f[0], &mut b.errors) {
            continue;
        }
        let country = opt(f[2]).map(str::to_string);
        if let Some(c) = &country {
            check_alpha3(file, r.line, c, &mut b.errors);
        }
        let e = Entity {
            id: f[0].to_string(),
            label: f[1].to_string(),
            kind: Kind::Org,
            country,
            org: None,
            role: f[3].to_string(),
        };
        let Some(i) = b.entity(file, r.line, e) else {
            continue;
        };
        b.alias(file, r.line, f[1], Target::Entity(i, Form::Name), false);
        for a in list(f[4]) {
            b.alias(file, r.line, a, Target::Entity(i, Form::Name), false);
        }
        for a in list(f[5]) {
            b.alias(file, r.line, a, Target::Entity(i, Form::Acronym), true);
        }
    }
}

fn read_people(b: &mut Builder, file: &DataFile) {
    let cols = [
        "id", "label", "country", "role", "org", "aliases", "short", "checked",
    ];
    let rows = match file.table(&cols) {
        Ok(r) => r,
        Err(e) => return b.errors.push(e),
    };
    for r in rows {
        let f = &r.fields;
        if !check_slug(file, r.line, f[0], &mut b.errors)
            || !check_alpha3(file, r.line, f[2], &mut b.errors)
        {
            continue;
        }
        let org = opt(f[4]).map(str::to_string);
        if let Some(o) = &org {
            if !b.by_id.contains_key(o) {
                b.errors
                    .push(file.error(r.line, format!("org '{o}' is not an id in orgs.tsv")));
            }
        }
        let e = Entity {
            id: f[0].to_string(),
            label: f[1].to_string(),
            kind: Kind::Person,
            country: Some(f[2].to_string()),
            org,
            role: f[3].to_string(),
        };
        let Some(i) = b.entity(file, r.line, e) else {
            continue;
        };
        b.alias(file, r.line, f[1], Target::Entity(i, Form::Name), false);
        for a in list(f[5]) {
            b.alias(file, r.line, a, Target::Entity(i, Form::Name), false);
        }
        for a in list(f[6]) {
            b.alias(file, r.line, a, Target::Entity(i, Form::Short), false);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small gazetteer for unit tests across modules.
    pub(crate) fn small() -> Gazetteer {
        small_with("")
    }

    /// [`small`] with more organisation rows (orgs.tsv columns).
    pub(crate) fn small_with(orgs: &str) -> Gazetteer {
        let orgs = format!(
            "washington-times\tThe Washington Times\tUSA\tmedia\tWashington Times\t-\n\
             european-union\tEuropean Union\t-\tintergovernmental\t-\tEU\n\
             rosneft\tRosneft\tRUS\tstate-company\t-\t-\n\
             lukoil\tLukoil\tRUS\tcompany\t-\t-\n\
             white-house\tWhite House\tUSA\tgovernment\t-\t-\n{orgs}"
        );
        let src = Sources {
            countries: DataFile::from_text(
                "countries.tsv",
                "IND\tIndia\tRepublic of India\tIndian|Indians\tNew Delhi\t-\n\
                 USA\tUnited States\tAmerica|United States of America\tAmerican|Americans\tWashington\tUS|U.S.|USA\n\
                 RUS\tRussia\tRussian Federation\tRussian|Russians\tMoscow\t-\n\
                 CHN\tChina\tPeople's Republic of China\tChinese\tBeijing\tPRC\n\
                 JOR\tJordan\t-\tJordanian\tAmman\t-\n\
                 TCD\tChad\t-\tChadian\tN'Djamena\t-\n\
                 TUR\tTurkey\tTürkiye|Turkiye\tTurkish\tAnkara\t-\n\
                 SSD\tSouth Sudan\t-\tSouth Sudanese\tJuba\t-\n\
                 SDN\tSudan\t-\tSudanese\tKhartoum\t-\n\
                 GNQ\tEquatorial Guinea\t-\tEquatoguinean\tMalabo\t-\n\
                 GIN\tGuinea\t-\t-\tConakry\t-\n\
                 JPN\tJapan\t-\tJapanese\tTokyo\t-\n\
                 KOR\tSouth Korea\tRepublic of Korea\tSouth Korean|South Koreans\tSeoul\tROK\n\
                 PRK\tNorth Korea\t-\tNorth Korean|North Koreans\tPyongyang\tDPRK\n\
                 CAN\tCanada\t-\tCanadian|Canadians\tOttawa\t-\n\
                 CHL\tChile\t-\tChilean|Chileans\tSantiago\t-\n\
                 IDN\tIndonesia\t-\tIndonesian|Indonesians\tJakarta\t-\n\
                 AUS\tAustralia\t-\tAustralian|Australians\tCanberra\t-\n\
                 KEN\tKenya\t-\tKenyan|Kenyans\tNairobi\t-\n\
                 ETH\tEthiopia\t-\tEthiopian|Ethiopians\tAddis Ababa\t-\n\
                 VNM\tVietnam\tViet Nam\tVietnamese\tHanoi\t-\n\
                 QAT\tQatar\t-\tQatari|Qataris\tDoha\t-\n\
                 GBR\tUnited Kingdom\tBritain\tBritish\tLondon\tUK|U.K.\n",
            ),
            orgs: DataFile::from_text("orgs.tsv", &orgs),
            people: DataFile::from_text(
                "people.tsv",
                "vladimir-putin\tVladimir Putin\tRUS\tPresident of Russia\t-\tVladimir Vladimirovich Putin\tPutin\t2026-11-23\n\
                 donald-trump\tDonald Trump\tUSA\tPresident of the United States\t-\tDonald J. Trump\tTrump\t2026-11-23\n\
                 narendra-modi\tNarendra Modi\tIND\tPrime Minister of India\t-\t-\tModi\t2026-11-23\n\
                 gabriel-boric\tGabriel Boric\tCHL\tPresident of Chile\t-\t-\tBoric\t2026-11-23\n\
                 kim-jong-un\tKim Jong Un\tPRK\tSupreme Leader\t-\tKim Jong-un\tKim\t2026-11-23\n\
                 kim-keon-hee\tKim Keon-hee\tKOR\tFormer First Lady\t-\t-\tKim\t2026-11-23\n\
                 marco-rubio\tMarco Rubio\tUSA\tSecretary of State\t-\t-\tRubio\t2026-11-23\n\
                 subrahmanyam-jaishankar\tSubrahmanyam Jaishankar\tIND\tMinister of External Affairs\t-\tS. Jaishankar\tJaishankar\t2026-11-23\n\
                 rick-switzer\tRick Switzer\tUSA\tDeputy USTR\t-\t-\tSwitzer\t2026-11-23\n\
                 prabowo-subianto\tPrabowo Subianto\tIDN\tPresident of Indonesia\t-\t-\tPrabowo\t2026-11-23\n\
                 mark-carney\tMark Carney\tCAN\tPrime Minister of Canada\t-\t-\tCarney\t2026-11-23\n",
            ),
            shadows: DataFile::from_text(
                "shadows.tsv",
                "Indian Ocean\tsea\nLatin American\tregion\nNew South Wales\tstate\n",
            ),
            titles: DataFile::from_text(
                "titles.txt",
                "president\nprime minister\npremier\nforeign minister\nsecretary of state\ntrade representative\ndeputy\ncommerce minister\n",
            ),
            given_names: DataFile::from_text("given_names.txt", "Kevin\nChad\nJordan\nMark\n"),
            person_cues: DataFile::from_text(
                "person_cues.tsv",
                "professor\tbefore\nanalyst\tbefore\nsaid\tafter\nthe\tnever\nmonday\tnever\nformer\tnever\n",
            ),
        };
        match Gazetteer::build(&src) {
            Ok(g) => g,
            Err(e) => panic!("test gazetteer: {e}"),
        }
    }

    /// The prefix filter never turns down a place where an alias starts (in any ASCII
    /// case, short aliases included), and turns down plain words that start none.
    #[test]
    fn prefixes_keep_every_alias_start_and_drop_other_words() {
        let p = Prefixes::new(["EU", "USA", "India", "New Delhi"].map(str::as_bytes));
        let cases: [(&str, bool); 12] = [
            ("EU, and", true),
            ("eu's", true),
            ("USA.", true),
            ("usa and", true),
            ("INDIAN", true),
            ("Indiana", true),
            ("new delhi", true),
            ("New York", true), // same first four bytes: the walk decides
            ("The ", false),
            ("Paris", false),
            ("Inde", false),
            ("Ne", true), // fewer than four bytes left: always walked
        ];
        for (text, want) in cases {
            assert_eq!(p.may_start(text.as_bytes(), 0), want, "{text:?}");
        }
        // the alias in the middle of a text
        assert!(p.may_start(b"in New Delhi", 3));
        assert!(!p.may_start(b"in New Delhi", 0));
    }

    #[test]
    fn both_scan_automatons_count_what_the_run_finds() {
        let g = small();
        let aliases = || g.patterns.iter().map(|c| c[0].alias.as_str());
        let text = "india, INDIA and the United States of America; Putin met Kim Jong Un \
                    in New Delhi (not Indiana) while the U.S. and Russia's envoys waited";
        // the run's automaton, searched the plain way: every leftmost-longest match
        let ac = g.automaton().unwrap_or_else(|e| panic!("{e}"));
        let mut want = 0;
        let mut at = 0;
        while let Some(m) = find(&*ac, text, at) {
            want += 1;
            at = m.end();
        }
        assert!(want >= 8, "{want}");
        for dfa in [true, false] {
            let ac = ScanAutomaton::build(aliases(), dfa).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(ac.name(), if dfa { "DFA" } else { "contiguous NFA" });
            assert_eq!(ac.count(text.as_bytes()), want, "{}", ac.name());
        }
    }

    #[test]
    fn role_filter_passes_every_key_in_any_case() {
        let g = small();
        for (key, want) in g.roles.iter() {
            let Ok(word) = std::str::from_utf8(key) else {
                continue;
            };
            let mut capital = word.to_string();
            if let Some(first) = capital.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            for w in [word.to_string(), word.to_uppercase(), capital] {
                let got = g.roles(&w);
                assert_eq!(
                    (got.title_word, got.before, got.after, got.never),
                    (want.title_word, want.before, want.after, want.never),
                    "{w}"
                );
            }
        }
    }

    #[test]
    fn entity_facts_agree_with_the_entities_strings() {
        let g = shipped();
        let extra = [
            Entity {
                id: "ana-lima".into(),
                label: "Ana Lima".into(),
                kind: Kind::Person,
                country: None,
                org: None,
                role: "found by context".into(),
            },
            Entity {
                id: "zed-ray".into(),
                label: "Zed Ray".into(),
                kind: Kind::Person,
                country: Some("IND".into()),
                org: None,
                role: "found by context".into(),
            },
        ];
        let ents = Entities {
            gaz: &g,
            extra: &extra,
        };
        let n = (g.entities.len() + extra.len()) as u32;
        // every entity against a spread of others, the extra ones included
        let others: Vec<u32> = (0..n).step_by(37).chain(n - 2..n).collect();
        for a in 0..n {
            let ea = ents.get(a);
            assert_eq!(ents.kind(a), ea.kind);
            let up = ea.country.as_deref().and_then(|c| g.find(c));
            assert_eq!(ents.country_of(a), up, "{}", ea.id);
            for &b in &others {
                let eb = ents.get(b);
                let same = ea.country.is_some() && ea.country == eb.country;
                assert_eq!(ents.same_country(a, b), same, "{} {}", ea.id, eb.id);
                assert_eq!(
                    ents.id_at_or_before(a, b),
                    ea.id <= eb.id,
                    "{} {}",
                    ea.id,
                    eb.id
                );
            }
        }
    }

    /// The project's gazetteer, as a run loads it.
    fn shipped() -> Gazetteer {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("gazetteers");
        Gazetteer::load(&dir).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn trie_walks_find_what_the_automaton_finds_in_the_sample_articles() {
        let g = shipped();
        let ac = g.automaton().unwrap_or_else(|e| panic!("{e}"));
        let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("articles")];
        let mut hits = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
                let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
                for at in 0..=bytes.len() {
                    let want = longest_at(&*ac, &bytes, at);
                    assert_eq!(
                        g.trie().longest_at(&bytes, at),
                        want,
                        "{} at {at}",
                        path.display()
                    );
                    hits += usize::from(want.is_some());
                }
            }
        }
        assert!(hits > 100, "{hits}");
    }

    proptest::proptest! {
        #[test]
        fn trie_walks_agree_with_the_automaton(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "united", "UNITED", "States", " ", "s", "Kingdom", "of", "America", "'s",
                    "India", "indian", "New", "Delhi", "-", "\u{e9}", "\u{c9}", "x", "Xi", "Jinping",
                    "European", "Union", "EU", ".", "U.S.", "Korea", "North", "South",
                ]),
                0..12,
            ),
        ) {
            let g = small();
            let ac = g.automaton().unwrap_or_else(|e| panic!("{e}"));
            let text = pieces.concat();
            let bytes = text.as_bytes();
            for at in 0..=bytes.len() {
                let want = longest_at(&*ac, bytes, at);
                proptest::prop_assert_eq!(g.trie().longest_at(bytes, at), want, "{:?} at {}", text, at);
            }
        }

        #[test]
        fn word_table_agrees_with_a_hash_map(
            keys in proptest::collection::vec("[a-c\u{e9}]{0,4}", 0..40),
            words in proptest::collection::vec("[a-cA-C\u{e9}\u{c9}]{0,4}", 0..40),
        ) {
            let map: HashMap<Vec<u8>, usize> =
                keys.iter().enumerate().map(|(i, k)| (k.clone().into_bytes(), i)).collect();
            let table = WordTable::new(map.clone());
            for w in words.iter().chain(&keys) {
                let lower = w.to_lowercase();
                let want = map.get(lower.as_bytes()).copied();
                proptest::prop_assert_eq!(table.get_lowered(w), want, "{}", w);
                let exact = table.find(w.as_bytes(), |k, w| k == w);
                proptest::prop_assert_eq!(exact, map.get(w.as_bytes()).copied(), "{}", w);
            }
        }
    }

    #[test]
    fn lowering_lowercase_changes_nothing() {
        // `WordTable::get_lowered` compares a word with lowercase keys in ASCII case only
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for l in c.to_lowercase() {
                assert!(
                    l.to_lowercase().eq([l]),
                    "{c:?} lowers to {l:?}, which lowers again"
                );
            }
        }
    }

    #[test]
    fn word_lists() {
        let g = small();
        let cases = [
            ("Kevin", true, false, false),
            ("kevin", false, false, false),
            ("Kevi", false, false, false),
            ("President", false, true, false),
            ("PREMIER", false, true, false),
            ("presidents", false, false, false),
            ("Said", false, false, true),
            ("SA\u{ef}D", false, false, false),
            ("", false, false, false),
        ];
        for (word, given, title, said) in cases {
            assert_eq!(g.is_given_name(word), given, "{word}");
            assert_eq!(g.is_title_word(word), title, "{word}");
            assert_eq!(g.cue(word, Cue::After), said, "{word}");
        }
    }

    #[test]
    fn case_rules() {
        let g = small();
        let find = |alias: &str| {
            g.patterns
                .iter()
                .flatten()
                .find(|c| c.alias == alias)
                .cloned()
                .unwrap()
        };
        assert!(find("US").case_ok("US"));
        assert!(!find("US").case_ok("us"));
        assert!(!find("US").case_ok("Us"));
        assert!(find("Turkey").case_ok("Turkey"));
        assert!(!find("Turkey").case_ok("turkey"));
        assert!(find("China").case_ok("CHINA"));
        assert!(!find("China").case_ok("china"));
        assert!(find("Republic of India").case_ok("Republic Of India"));
    }

    #[test]
    fn shared_short_forms_become_ambiguous() {
        let g = small();
        let kim = g
            .patterns
            .iter()
            .flatten()
            .find(|c| c.alias == "Kim")
            .unwrap();
        assert!(matches!(&kim.target, Target::Ambiguous(v) if v.len() == 2));
    }

    #[test]
    fn colliding_aliases_are_errors_with_lines() {
        let mut src_countries =
            "IND\tIndia\t-\tIndian\t-\t-\nIDN\tIndonesia\t-\tIndian\t-\t-\n".to_string();
        src_countries.push_str("USA\tUnited States\t-\t-\t-\tUS\n");
        let g = small();
        let _ = g;
        let src = Sources {
            countries: DataFile::from_text("countries.tsv", &src_countries),
            orgs: DataFile::from_text("orgs.tsv", "x\tX\t-\tother\t-\tUS\n"),
            people: DataFile::from_text("people.tsv", ""),
            shadows: DataFile::from_text("shadows.tsv", ""),
            titles: DataFile::from_text("titles.txt", ""),
            given_names: DataFile::from_text("given_names.txt", ""),
            person_cues: DataFile::from_text("person_cues.tsv", ""),
        };
        let errs = Gazetteer::build(&src).unwrap_err().to_string();
        assert!(
            errs.contains(
                "countries.tsv:2: alias 'Indian' collides with 'Indian' at countries.tsv:1"
            ),
            "{errs}"
        );
        assert!(errs.contains("orgs.tsv:1: alias 'US' collides"), "{errs}");
    }

    #[test]
    fn bad_codes_are_reported() {
        let src = Sources {
            countries: DataFile::from_text("countries.tsv", "india\tIndia\t-\t-\t-\t-\n"),
            orgs: DataFile::from_text("orgs.tsv", "Bad Id\tX\t-\tother\t-\t-\n"),
            people: DataFile::from_text(
                "people.tsv",
                "p\tP Q\tIND\trole\tnope\t-\t-\t2026-01-01\n",
            ),
            shadows: DataFile::from_text("shadows.tsv", ""),
            titles: DataFile::from_text("titles.txt", ""),
            given_names: DataFile::from_text("given_names.txt", ""),
            person_cues: DataFile::from_text("person_cues.tsv", ""),
        };
        let errs = Gazetteer::build(&src).unwrap_err().to_string();
        assert!(
            errs.contains("countries.tsv:1: 'india' is not an ISO 3166-1 alpha-3 code"),
            "{errs}"
        );
        assert!(
            errs.contains("orgs.tsv:1: id 'Bad Id' is not a lowercase slug"),
            "{errs}"
        );
        assert!(
            errs.contains("people.tsv:1: org 'nope' is not an id"),
            "{errs}"
        );
    }
}
