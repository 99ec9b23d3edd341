//! Pattern: one rule of `relations.tsv` -> a matcher over the tokens of a sentence skeleton.
//!
//! A skeleton is a sentence as tokens: lowercase words and punctuation, and entities.
//! The language (README, and the header of `relations.tsv`): slots `{A}` `{B}` `{AB}`
//! `{A^}` `{B^}` `{_}` match an entity or a coordinated list of them; `word`, `stem*`,
//! `a|b|c_d` and `@macro` match words; `X?` is optional; gaps `..` and `...` skip up to
//! 3 or 8 non-entity tokens, `~` up to 12 tokens within a clause; `<...>` marks the
//! trigger. Matching is leftmost-first with backtracking, as a regex would do it:
//! lists and optional parts are greedy, gaps are lazy, alternatives are tried in order.
//! Working on tokens keeps it cheap: words are lexicon nodes ([`crate::lexicon`]), one
//! pass per sentence marks where each words element of every rule matches ([`Hits`]),
//! and a rule is only searched when its required elements occur in order.

use crate::lexicon::{Grammar, Lexicon, Node, NodeSet, Walk};
use rustc_hash::FxHashMap as HashMap;

/// A token of a skeleton: an entity, or a word (or punctuation) by its place in the
/// rules' [`Lexicon`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    node: Node,
    /// [`Walk::tail`], at most `u16::MAX`: no stem is that deep, so a longer tail
    /// matches no stem either (and the token stays 8 bytes: tokens are copied a lot).
    tail: u16,
    flags: u8,
}

const ENT: u8 = 1;
const WHOLE: u8 = 2;
const BREAK: u8 = 4;

impl Token {
    /// An entity (its identity is kept by the caller, by position).
    pub const ENT: Token = Token {
        node: Lexicon::ROOT,
        tail: 0,
        flags: ENT,
    };

    /// A word, from its walk down the lexicon; `clause_break` marks `, ; :` (and words
    /// holding a comma, "1,000"), which a clause gap `~` may not cross.
    pub fn from_walk(walk: Walk, clause_break: bool) -> Token {
        Token {
            node: walk.node,
            tail: u16::try_from(walk.tail).unwrap_or(u16::MAX),
            flags: if walk.whole { WHOLE } else { 0 } | if clause_break { BREAK } else { 0 },
        }
    }

    /// The lexicon node of a word the walk consumed whole (not for entities).
    pub fn word(&self) -> Option<Node> {
        (self.flags & (WHOLE | ENT) == WHOLE).then_some(self.node)
    }

    /// Is this an entity?
    pub fn is_ent(&self) -> bool {
        self.flags & ENT != 0
    }

    /// Is this exactly the lexicon word `n`?
    #[inline]
    pub fn is(&self, n: Node) -> bool {
        self.flags & (WHOLE | ENT) == WHOLE && self.node == n
    }

    /// May a clause gap cross this token?
    fn breaks_clause(&self) -> bool {
        self.flags & BREAK != 0
    }
}

impl AsRef<Token> for Token {
    fn as_ref(&self) -> &Token {
        self
    }
}

/// The slots a pattern can capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The agent.
    A,
    /// The other side.
    B,
    /// A list whose members are all related to each other.
    AB,
    /// The agent, rolled up to its country.
    AUp,
    /// The other side, rolled up to its country.
    BUp,
    /// An entity that takes no part.
    Other,
}

const SLOTS: usize = 6;

impl Slot {
    fn index(self) -> usize {
        self as usize
    }
}

/// A word of a pattern: exact, or a stem that may be followed by lowercase letters.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lit {
    word: String,
    stem: bool,
    /// The word's node, once linked to the lexicon.
    node: Node,
}

impl Lit {
    fn matches(&self, t: &Token, lex: &Lexicon) -> bool {
        if t.is_ent() {
            return false;
        }
        if self.stem {
            lex.under(self.node, t.node, t.tail.into())
        } else {
            t.is(self.node)
        }
    }
}

/// A set of alternatives, indexed for speed: one-word alternatives as node sets,
/// longer ones (tried first, longest first) as runs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Words {
    /// Number of the element among all rules' words elements (see [`WordIndex`]).
    id: u32,
    /// For elements with multi-word alternatives: the number under which [`Hits`]
    /// records where a one-word alternative or the first word of a longer one matches.
    lead: Option<u32>,
    /// Exact one-word alternatives.
    exact: NodeSet,
    /// One-word stems.
    stems: NodeSet,
    /// Nodes with one of `stems` on their path.
    below: NodeSet,
    runs: Vec<Vec<Lit>>,
    /// The one-word alternatives as written, until linked.
    single: Vec<Lit>,
}

impl Words {
    fn new(alts: Vec<Vec<Lit>>) -> Words {
        let mut w = Words {
            id: 0,
            lead: None,
            exact: NodeSet::default(),
            stems: NodeSet::default(),
            below: NodeSet::default(),
            runs: Vec::new(),
            single: Vec::new(),
        };
        for mut alt in alts {
            if alt.len() == 1 {
                w.single.append(&mut alt);
            } else {
                w.runs.push(alt);
            }
        }
        w.runs.sort_by_key(|r| std::cmp::Reverse(r.len()));
        w
    }

    fn lits(&self) -> impl Iterator<Item = &Lit> {
        self.single.iter().chain(self.runs.iter().flatten())
    }

    fn link(&mut self, lex: &Lexicon) {
        let node = |l: &Lit| lex.find(&l.word).unwrap_or(Lexicon::ROOT);
        for l in self.single.iter_mut().chain(self.runs.iter_mut().flatten()) {
            l.node = node(l);
        }
        self.exact = NodeSet::with_capacity(lex.len());
        self.stems = NodeSet::with_capacity(lex.len());
        for l in &self.single {
            if l.stem {
                self.stems.insert(l.node);
            } else {
                self.exact.insert(l.node);
            }
        }
        self.below = lex.below(&self.stems);
    }

    /// Does the multi-word alternative `run` match at `ti`?
    fn run_at(run: &[Lit], sk: &Skeleton, ti: usize) -> bool {
        run.len() <= sk.toks.len().saturating_sub(ti)
            && run
                .iter()
                .zip(&sk.toks[ti..])
                .all(|(l, t)| l.matches(t, sk.lex))
    }

    /// Lengths of the alternatives that match at `ti`, longest first.
    fn lengths(&self, sk: &Skeleton, ti: usize, out: &mut Lengths) {
        // the lead row says whether any longer alternative can start here
        if self.lead.is_some_and(|l| sk.hits.get(l, ti)) {
            for run in &self.runs {
                if Words::run_at(run, sk, ti) {
                    out.push(run.len());
                }
            }
        }
        if sk.hits.get(self.id, ti) {
            out.push(1);
        }
    }

    /// Does any alternative match at `ti`?
    fn any(&self, sk: &Skeleton, ti: usize) -> bool {
        sk.hits.get(self.id, ti)
            || self.lead.is_some_and(|l| {
                sk.hits.get(l, ti) && self.runs.iter().any(|run| Words::run_at(run, sk, ti))
            })
    }

    /// The [`Hits`] row of the tokens where an alternative may start: a one-word
    /// alternative matches there, or the first word of a longer one.
    fn may_row(&self) -> u32 {
        self.lead.unwrap_or(self.id)
    }
}

/// A few token positions on the stack (matching allocates nothing); pushes past `N`
/// are dropped, which only loses alternatives no rule has.
#[derive(Debug)]
struct Positions<const N: usize> {
    buf: [usize; N],
    len: usize,
}

impl<const N: usize> Default for Positions<N> {
    fn default() -> Self {
        Positions {
            buf: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> Positions<N> {
    fn push(&mut self, n: usize) {
        if self.len < N {
            self.buf[self.len] = n;
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[usize] {
        &self.buf[..self.len]
    }
}

/// Lengths of the alternatives that match at one position.
type Lengths = Positions<8>;

/// Ends of the entity lists that start at one token, in a greedy regex's order of
/// preference: `E`, `E and E`, `E - E`, `E / E`, `E & E`, `E , E , and E` (a comma list
/// must close with "and": "in Korea , Trump said" is no list).
type Ends = Positions<16>;

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Elem {
    Slot(Slot, bool),
    /// Alternatives, each a run of words ("phone call"); the flag makes it optional.
    Words(Words, bool),
    /// Up to `max` tokens; `clause` gaps may cross entities but no `, ; :`.
    Gap {
        max: usize,
        clause: bool,
    },
    Open,
    Close,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    elems: Vec<Elem>,
    /// The elements that must match, in order, each at a later token than the one
    /// before: their rows in [`Hits`] ([`ENT_ROW`] for an entity slot). Set by
    /// [`WordIndex::build`]; checking it is a few bit scans, and skips most rules on most
    /// sentences.
    seq: Vec<u32>,
    /// The first element that consumes a token, when it is not optional: a match can
    /// only start where it matches.
    first: Option<usize>,
    /// For each element, the row a token must be marked in for elements `i..` to match
    /// from it (the first element that consumes a token, when it is not optional): a
    /// gap before element `i` jumps to such tokens. Set by [`WordIndex::build`].
    landing: Vec<Option<u32>>,
}

/// Where a pattern matched: token ranges of the whole match, each slot and the trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// First token of the match.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    slots: [Option<(usize, usize)>; SLOTS],
    /// The trigger tokens (the whole match when the pattern marks none).
    pub trigger: (usize, usize),
}

impl Match {
    /// The token range a slot captured.
    pub fn slot(&self, s: Slot) -> Option<(usize, usize)> {
        self.slots[s.index()]
    }
}

/// Captures while matching, and the (element, token) pairs known to fail: whether the
/// rest of a pattern matches from a position does not depend on how it was reached, so
/// each pair is tried once and backtracking stays linear.
struct State<'a> {
    slots: [Option<(usize, usize)>; SLOTS],
    open: Option<usize>,
    close: Option<usize>,
    /// `failed[key] == stamp`: the pair `key` failed in this search.
    failed: &'a mut [u32],
    stamp: u32,
    width: usize,
}

/// Memory a matcher reuses between searches, so a search allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    failed: Vec<u32>,
    stamp: u32,
}

impl Pattern {
    /// Compiles a pattern; `directed` says whether `{AB}` is allowed.
    pub fn compile(
        pattern: &str,
        macros: &HashMap<String, String>,
        directed: bool,
    ) -> Result<Pattern, String> {
        let mut elems = Vec::new();
        // a pattern needs a word in its trigger (or, without <...>, anywhere)
        let (mut trigger_words, mut any_words) = (false, false);
        let (mut in_trigger, mut had_trigger) = (false, false);
        let mut seen = [false; SLOTS];
        for raw in pattern.split_whitespace() {
            let mut tok = raw;
            if tok.starts_with('<') && tok.len() > 1 {
                if in_trigger || had_trigger {
                    return Err("only one <...> trigger group per pattern".into());
                }
                tok = &tok[1..];
                elems.push(Elem::Open);
                in_trigger = true;
                had_trigger = true;
            }
            let closes = tok.ends_with('>') && tok.len() > 1;
            if closes {
                tok = &tok[..tok.len() - 1];
            }
            let (tok, optional) = match tok.strip_suffix('?') {
                Some(t) if !t.is_empty() => (t, true),
                _ => (tok, false),
            };
            let slot = match tok {
                "{A}" => Some(Slot::A),
                "{B}" => Some(Slot::B),
                "{AB}" => Some(Slot::AB),
                "{A^}" => Some(Slot::AUp),
                "{B^}" => Some(Slot::BUp),
                "{_}" => Some(Slot::Other),
                _ => None,
            };
            let elem = match (slot, tok) {
                (Some(s), _) => {
                    let i = if s == Slot::AUp {
                        Slot::A.index()
                    } else if s == Slot::BUp {
                        Slot::B.index()
                    } else {
                        s.index()
                    };
                    if s != Slot::Other && std::mem::replace(&mut seen[i], true) {
                        return Err(format!("slot {tok} appears twice"));
                    }
                    Elem::Slot(s, optional)
                }
                (None, "..") => Elem::Gap {
                    max: 3,
                    clause: false,
                },
                (None, "...") => Elem::Gap {
                    max: 8,
                    clause: false,
                },
                (None, "~") => Elem::Gap {
                    max: 12,
                    clause: true,
                },
                (None, t) if t.starts_with('{') => {
                    return Err(format!(
                        "unknown slot '{t}' (use {{A}}, {{B}}, {{AB}} or {{_}})"
                    ))
                }
                (None, t) => {
                    let alts = alternatives(t, macros)?;
                    trigger_words |= in_trigger;
                    any_words = true;
                    Elem::Words(Words::new(alts), optional)
                }
            };
            elems.push(elem);
            if closes {
                if !in_trigger {
                    return Err("'>' without '<'".into());
                }
                elems.push(Elem::Close);
                in_trigger = false;
            }
        }
        if in_trigger {
            return Err("'<' without '>'".into());
        }
        if !(trigger_words || (!had_trigger && any_words)) {
            return Err("pattern has no trigger word".into());
        }
        let (a, b, ab) = (
            seen[Slot::A.index()],
            seen[Slot::B.index()],
            seen[Slot::AB.index()],
        );
        if ab && directed {
            return Err("{AB} only makes sense for undirected relations".into());
        }
        if !matches!(
            (a, b, ab),
            (true, true, false) | (false, false, true) | (false, true, true)
        ) {
            return Err("a pattern needs {A} and {B}, or {AB} (undirected relations only)".into());
        }
        let first = elems
            .iter()
            .position(|e| !matches!(e, Elem::Open | Elem::Close))
            .filter(|&i| matches!(elems[i], Elem::Words(_, false) | Elem::Slot(_, false)));
        Ok(Pattern {
            elems,
            seq: Vec::new(),
            first,
            landing: Vec::new(),
        })
    }

    /// The words of the pattern, for the lexicon.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.elems
            .iter()
            .flat_map(|e| match e {
                Elem::Words(w, _) => Some(w.lits().map(|l| l.word.as_str())),
                _ => None,
            })
            .flatten()
    }

    /// Resolves the pattern's words to nodes of `lex` (which must hold them all).
    pub fn link(&mut self, lex: &Lexicon) {
        for e in &mut self.elems {
            if let Elem::Words(w, _) = e {
                w.link(lex);
            }
        }
    }

    /// The [`Hits`] rows of the pattern's required words elements: it can only match
    /// a sentence where each has a token marked.
    pub fn required_rows(&self) -> impl Iterator<Item = u32> + '_ {
        self.seq.iter().copied().filter(|&r| r != ENT_ROW)
    }

    /// The last token a match at `from` or later could start at, if the required
    /// elements occur in order at all.
    fn last_start(&self, sk: &Skeleton, from: usize) -> Option<usize> {
        let row = |r: u32| sk.hits.real(r);
        let mut p = from;
        for &r in &self.seq {
            p = sk.hits.next_from(row(r), p)? + 1;
        }
        // the latest places that still leave room for the rest
        let mut q = sk.toks.len();
        for &r in self.seq.iter().rev() {
            q = sk.hits.last_before(row(r), q)?;
        }
        Some(q.min(sk.toks.len().saturating_sub(1)))
    }

    /// Can a match start at token `ti`?
    fn can_start(&self, sk: &Skeleton, ti: usize) -> bool {
        match self.first.map(|f| &self.elems[f]) {
            Some(Elem::Slot(..)) => sk.toks[ti].is_ent(),
            Some(Elem::Words(words, _)) => words.any(sk, ti),
            _ => true,
        }
    }

    /// The leftmost match starting at token `from` or later (tests and one-off use).
    pub fn find_at(&self, sk: &Skeleton, from: usize) -> Option<Match> {
        self.find_with(sk, from, &mut Scratch::default())
    }

    /// As [`Pattern::find_at`], reusing `scratch` between calls (no allocation per call).
    pub fn find_with(&self, sk: &Skeleton, from: usize, scratch: &mut Scratch) -> Option<Match> {
        // most calls end here: a required word is missing (one bit test each), or the
        // required words are not in order
        if !self.seq.iter().all(|&r| sk.hits.is_present(r)) {
            return None;
        }
        let last = self.last_start(sk, from)?;
        let width = sk.toks.len() + 1;
        let need = (self.elems.len() + 1) * width;
        if scratch.failed.len() < need {
            scratch.failed.resize(need, 0);
        }
        // a fresh stamp marks every earlier failure stale without clearing the table
        scratch.stamp = scratch.stamp.wrapping_add(1);
        if scratch.stamp == 0 {
            scratch.failed.iter_mut().for_each(|f| *f = 0);
            scratch.stamp = 1;
        }
        let mut st = State {
            slots: Default::default(),
            open: None,
            close: None,
            failed: &mut scratch.failed[..need],
            stamp: scratch.stamp,
            width,
        };
        self.search(sk, from, last, &mut st)
    }

    fn search(&self, sk: &Skeleton, from: usize, last: usize, st: &mut State) -> Option<Match> {
        for start in from..=last {
            if !self.can_start(sk, start) {
                continue;
            }
            st.slots = Default::default();
            st.open = None;
            st.close = None;
            if let Some(end) = self.at(0, sk, start, st) {
                let trigger = match (st.open, st.close) {
                    (Some(o), Some(c)) => (o, c),
                    _ => (start, end),
                };
                return Some(Match {
                    start,
                    end,
                    slots: st.slots,
                    trigger,
                });
            }
        }
        None
    }

    /// Matches elements `ei..` at token `ti`; returns where the match ends.
    fn at(&self, ei: usize, sk: &Skeleton, ti: usize, st: &mut State) -> Option<usize> {
        let key = ei * st.width + ti.min(st.width - 1);
        if st.failed[key] == st.stamp {
            return None;
        }
        let found = self.step(ei, sk, ti, st);
        if found.is_none() {
            st.failed[key] = st.stamp;
        }
        found
    }

    /// One element, then the rest (through [`Pattern::at`], which remembers failures).
    fn step(&self, ei: usize, sk: &Skeleton, ti: usize, st: &mut State) -> Option<usize> {
        let Some(elem) = self.elems.get(ei) else {
            return Some(ti);
        };
        let toks = sk.toks;
        match elem {
            Elem::Open => {
                let old = st.open.replace(ti);
                self.at(ei + 1, sk, ti, st).or_else(|| {
                    st.open = old;
                    None
                })
            }
            Elem::Close => {
                let old = st.close.replace(ti);
                self.at(ei + 1, sk, ti, st).or_else(|| {
                    st.close = old;
                    None
                })
            }
            Elem::Slot(slot, optional) => {
                let i = slot.index();
                let old = st.slots[i];
                let mut ends = Ends::default();
                if is_ent(toks, ti) {
                    extend_list(toks, ti + 1, &sk.lex.grammar, &mut ends);
                }
                for &end in ends.as_slice() {
                    st.slots[i] = Some((ti, end));
                    if let Some(e) = self.at(ei + 1, sk, end, st) {
                        return Some(e);
                    }
                }
                st.slots[i] = old;
                if *optional {
                    return self.at(ei + 1, sk, ti, st);
                }
                None
            }
            Elem::Words(words, optional) => {
                let mut lengths = Lengths::default();
                words.lengths(sk, ti, &mut lengths);
                for &n in lengths.as_slice() {
                    if let Some(e) = self.at(ei + 1, sk, ti + n, st) {
                        return Some(e);
                    }
                }
                if *optional {
                    return self.at(ei + 1, sk, ti, st);
                }
                None
            }
            Elem::Gap { max, clause } => {
                // the gap ends at `ti..=last`, shortest first: it may cross at most `max`
                // tokens, none that stops it (an entity; for `~`, a clause break)
                let stops = if *clause {
                    sk.hits.break_row()
                } else {
                    sk.hits.ent_row()
                };
                let stop = sk.hits.next_from(stops, ti).unwrap_or(toks.len());
                let last = (ti + max).min(stop).min(toks.len());
                match self.landing.get(ei + 1).copied().flatten() {
                    // only the tokens where the rest can start
                    Some(row) => {
                        let row = sk.hits.real(row);
                        let mut p = ti;
                        while let Some(q) = sk.hits.next_from(row, p).filter(|&q| q <= last) {
                            if let Some(e) = self.at(ei + 1, sk, q, st) {
                                return Some(e);
                            }
                            p = q + 1;
                        }
                        None
                    }
                    None => (ti..=last).find_map(|p| self.at(ei + 1, sk, p, st)),
                }
            }
        }
    }

    fn words_mut(&mut self) -> impl Iterator<Item = &mut Words> {
        self.elems.iter_mut().filter_map(|e| match e {
            Elem::Words(w, _) => Some(w),
            _ => None,
        })
    }
}

/// Stands in [`Pattern`]'s `seq` for the row of entity tokens, which comes last.
const ENT_ROW: u32 = u32::MAX;

/// A sentence as the matcher sees it: tokens, where each words element matches, and
/// the lexicon the tokens point into.
#[derive(Debug, Clone, Copy)]
pub struct Skeleton<'a> {
    /// The tokens.
    pub toks: &'a [Token],
    /// Made by [`WordIndex::fill`] from `toks`.
    pub hits: &'a Hits,
    /// The rules' lexicon.
    pub lex: &'a Lexicon,
}

/// For one sentence, the tokens at which each words element of the rules matches (one
/// bit per element and token): one pass over the tokens replaces a word test at every
/// step of every rule.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    width: usize,
    bits: Vec<u64>,
    /// The rows with at least one token marked, one bit each.
    present: Vec<u64>,
    /// The row of entity tokens; the row after it marks clause breaks.
    ents: u32,
}

impl Hits {
    #[inline]
    fn get(&self, id: u32, ti: usize) -> bool {
        let w = ti / 64;
        w < self.width && self.bits[id as usize * self.width + w] & (1 << (ti % 64)) != 0
    }

    /// Does row `id` (or [`ENT_ROW`]) have a token marked?
    #[inline]
    fn is_present(&self, id: u32) -> bool {
        id == ENT_ROW
            || self
                .present
                .get(id as usize / 64)
                .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// The rows with a token marked, one bit each ([`WordIndex::present_words`] words).
    pub fn present_bits(&self) -> &[u64] {
        &self.present
    }

    fn row(&self, id: u32) -> &[u64] {
        &self.bits[id as usize * self.width..(id as usize + 1) * self.width]
    }

    /// The row of entity tokens.
    fn ent_row(&self) -> u32 {
        self.ents
    }

    /// The row a pattern's row stands for ([`ENT_ROW`] is the entity row).
    fn real(&self, row: u32) -> u32 {
        if row == ENT_ROW {
            self.ents
        } else {
            row
        }
    }

    /// The row of tokens a clause gap may not cross.
    fn break_row(&self) -> u32 {
        self.ents + 1
    }

    /// The first token at `from` or later marked in row `id`.
    fn next_from(&self, id: u32, from: usize) -> Option<usize> {
        let row = self.row(id);
        let mut w = from / 64;
        let mut bits = row.get(w)? & (u64::MAX << (from % 64));
        loop {
            if bits != 0 {
                return Some(w * 64 + bits.trailing_zeros() as usize);
            }
            w += 1;
            bits = *row.get(w)?;
        }
    }

    /// The last token before `to` marked in row `id`.
    fn last_before(&self, id: u32, to: usize) -> Option<usize> {
        let row = self.row(id);
        if to == 0 {
            return None;
        }
        let mut w = (to - 1) / 64;
        let keep = (to - 1) % 64;
        let mut bits = row.get(w)? & (u64::MAX >> (63 - keep));
        loop {
            if bits != 0 {
                return Some(w * 64 + 63 - bits.leading_zeros() as usize);
            }
            w = w.checked_sub(1)?;
            bits = row[w];
        }
    }
}

/// Which words elements each lexicon node matches, for [`WordIndex::fill`].
#[derive(Debug, Clone, Default)]
pub struct WordIndex {
    /// `exact_ids[exact_at[n]..exact_at[n + 1]]`: elements a whole word at node `n` matches
    /// exactly.
    exact_at: Vec<u32>,
    exact_ids: Vec<u32>,
    /// Likewise for elements with a stem on the path to `n`.
    stem_at: Vec<u32>,
    stem_ids: Vec<u32>,
    /// Each element's stems, to check words with a non-letter before their tail.
    stems: Vec<NodeSet>,
}

impl WordIndex {
    /// Numbers the words elements of `patterns` and indexes them by lexicon node.
    pub fn build<'a>(
        patterns: impl IntoIterator<Item = &'a mut Pattern>,
        lex: &Lexicon,
    ) -> WordIndex {
        let mut patterns: Vec<&mut Pattern> = patterns.into_iter().collect();
        // elements with the same words share a row ("on|against" occurs in many rules)
        let mut rows: HashMap<(NodeSet, NodeSet), u32> = HashMap::default();
        let mut elems: Vec<(NodeSet, NodeSet)> = Vec::new();
        let mut row = |exact: NodeSet, stems: NodeSet| {
            *rows
                .entry((exact, stems))
                .or_insert_with_key(|(exact, stems)| {
                    elems.push((exact.clone(), stems.clone()));
                    elems.len() as u32 - 1
                })
        };
        for p in patterns.iter_mut() {
            for w in p.words_mut() {
                w.id = row(w.exact.clone(), w.stems.clone());
                if w.runs.is_empty() {
                    continue;
                }
                // one-word alternatives and the first words of the longer ones
                let (mut exact, mut first_stems) = (w.exact.clone(), w.stems.clone());
                for l in w.runs.iter().filter_map(|r| r.first()) {
                    match l.stem {
                        true => first_stems.insert(l.node),
                        false => exact.insert(l.node),
                    }
                }
                w.lead = Some(row(exact, first_stems));
            }
        }
        let (elems, stems): (Vec<(NodeSet, NodeSet)>, Vec<NodeSet>) = elems
            .into_iter()
            .map(|(exact, stems)| ((exact, lex.below(&stems)), stems))
            .unzip();
        for p in patterns.iter_mut() {
            p.seq = p
                .elems
                .iter()
                .filter_map(|e| match e {
                    Elem::Slot(_, false) => Some(ENT_ROW),
                    Elem::Words(w, false) => Some(w.may_row()),
                    _ => None,
                })
                .collect();
            p.landing = (0..p.elems.len())
                .map(|i| {
                    match p.elems[i..]
                        .iter()
                        .find(|e| !matches!(e, Elem::Open | Elem::Close))
                    {
                        Some(Elem::Slot(_, false)) => Some(ENT_ROW),
                        Some(Elem::Words(w, false)) => Some(w.may_row()),
                        _ => None,
                    }
                })
                .collect();
        }
        let mut ix = WordIndex {
            stems,
            ..WordIndex::default()
        };
        for n in 0..lex.len() as Node {
            ix.exact_at.push(ix.exact_ids.len() as u32);
            ix.stem_at.push(ix.stem_ids.len() as u32);
            for (id, (exact, below)) in elems.iter().enumerate() {
                if exact.contains(n) {
                    ix.exact_ids.push(id as u32);
                }
                if below.contains(n) {
                    ix.stem_ids.push(id as u32);
                }
            }
        }
        ix.exact_at.push(ix.exact_ids.len() as u32);
        ix.stem_at.push(ix.stem_ids.len() as u32);
        ix
    }

    /// How many u64 words [`Hits::present_bits`] has after [`WordIndex::fill`].
    pub fn present_words(&self) -> usize {
        self.stems.len().div_ceil(64)
    }

    /// Marks where each element matches among `toks`.
    pub fn fill(&self, toks: &[Token], lex: &Lexicon, hits: &mut Hits) {
        let width = toks.len().div_ceil(64).max(1);
        hits.width = width;
        hits.bits.clear();
        // one row per element, then a row for the entities and one for clause breaks
        let ents = self.stems.len();
        hits.bits.resize((ents + 2) * width, 0);
        hits.ents = ents as u32;
        hits.present.clear();
        hits.present.resize(ents.div_ceil(64), 0);
        let present = &mut hits.present;
        for (ti, t) in toks.iter().enumerate() {
            if t.is_ent() {
                hits.bits[ents * width + ti / 64] |= 1 << (ti % 64);
                continue;
            }
            let n = t.node as usize;
            let bit = 1 << (ti % 64);
            if t.breaks_clause() {
                hits.bits[(ents + 1) * width + ti / 64] |= bit;
            }
            let mut set = |id: u32| {
                hits.bits[id as usize * width + ti / 64] |= bit;
                present[id as usize / 64] |= 1 << (id % 64);
            };
            if t.flags & WHOLE != 0 {
                let range = self.exact_at[n] as usize..self.exact_at[n + 1] as usize;
                self.exact_ids[range].iter().for_each(|&id| set(id));
            }
            let range = self.stem_at[n] as usize..self.stem_at[n + 1] as usize;
            for &id in &self.stem_ids[range] {
                if t.tail == 0 || lex.has_stem(&self.stems[id as usize], t.node, t.tail.into()) {
                    set(id);
                }
            }
        }
    }
}

fn word_at(toks: &[Token], i: usize, words: &[Node]) -> bool {
    toks.get(i).is_some_and(|t| words.iter().any(|&w| t.is(w)))
}

fn is_ent(toks: &[Token], i: usize) -> bool {
    toks.get(i).is_some_and(Token::is_ent)
}

/// After a list member ending at `pos`: longer lists first, then stopping here.
fn extend_list(toks: &[Token], pos: usize, g: &Grammar, out: &mut Ends) {
    // ( , E)+ (,)? (and|&) E
    let mut p = pos;
    while word_at(toks, p, &[g.comma]) && is_ent(toks, p + 1) {
        p += 2;
    }
    // longest comma run first: after = p, p - 2, ..., pos + 2
    for after in (pos + 2..=p).rev().step_by(2) {
        for q in [after + 1, after]
            .iter()
            .filter(|&&q| q == after || word_at(toks, after, &[g.comma]))
        {
            if word_at(toks, *q, &[g.and, g.amp]) && is_ent(toks, q + 1) {
                extend_list(toks, q + 2, g, out);
            }
        }
    }
    // (and|&|-|/) E
    if word_at(toks, pos, &[g.and, g.amp, g.dash, g.slash]) && is_ent(toks, pos + 1) {
        extend_list(toks, pos + 2, g, out);
    }
    out.push(pos);
}

/// Splits `a|b*|c_d` (with macros expanded) into alternatives of words.
fn alternatives(token: &str, macros: &HashMap<String, String>) -> Result<Vec<Vec<Lit>>, String> {
    let mut out = Vec::new();
    for alt in token.split('|') {
        let expanded = match alt.strip_prefix('@') {
            Some(_) => macros
                .get(alt)
                .ok_or_else(|| format!("unknown macro '{alt}' (define it above)"))?,
            None => alt,
        };
        for a in expanded.split('|').map(str::trim).filter(|a| !a.is_empty()) {
            let parts: Vec<&str> = a.split('_').collect();
            let mut lits = Vec::new();
            for p in &parts {
                let (w, stem) = match p.strip_suffix('*') {
                    Some(s) => (s, true),
                    None => (*p, false),
                };
                if w.is_empty()
                    || w.bytes()
                        .any(|c| c.is_ascii_uppercase() || c == b' ' || c == b'*')
                {
                    return Err(format!(
                        "bad word '{a}': words are lowercase, '_' joins two words"
                    ));
                }
                lits.push(Lit {
                    word: w.to_string(),
                    stem,
                    node: Lexicon::ROOT,
                });
            }
            out.push(lits);
        }
    }
    if out.is_empty() {
        return Err(format!("empty word list '{token}'"));
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Skeleton text to tokens: `E` is an entity, anything else a word.
    pub(crate) fn toks(s: &str, lex: &Lexicon) -> Vec<Token> {
        s.split_whitespace()
            .map(|w| match w {
                "E" => Token::ENT,
                w => Token::from_walk(lex.walk(w.as_bytes()), w.contains([',', ';', ':'])),
            })
            .collect()
    }

    fn compile(p: &str) -> (Pattern, Lexicon, WordIndex) {
        let mut macros = HashMap::default();
        macros.insert("@tariff".to_string(), "tariff*|duty|duties".to_string());
        let mut p = Pattern::compile(p, &macros, false).unwrap();
        let lex = Lexicon::build(p.words());
        p.link(&lex);
        let ix = WordIndex::build([&mut p], &lex);
        (p, lex, ix)
    }

    /// Finds the pattern in a skeleton written as text.
    pub(crate) fn find(p: &Pattern, lex: &Lexicon, ix: &WordIndex, text: &str) -> Option<Match> {
        let t = toks(text, lex);
        let mut hits = Hits::default();
        ix.fill(&t, lex, &mut hits);
        let sk = Skeleton {
            toks: &t,
            hits: &hits,
            lex,
        };
        p.find_at(&sk, 0)
    }

    type Span = (usize, usize);

    struct Case {
        pattern: &'static str,
        text: &'static str,
        /// (A or AB, B, trigger) as token ranges; None: no match.
        want: Option<(Span, Span, Span)>,
    }

    #[test]
    fn matching_cases() {
        let cases = [
            // leftmost agent that fits; the list after "visiting" is taken whole
            Case {
                pattern: "{A} .. <visit*> {B}",
                text: "E is visiting E and E .",
                want: Some(((0, 1), (3, 6), (2, 3))),
            },
            // a gap may not cross an entity, so the nearer agent is found
            Case {
                pattern: "{A} .. <visit*> {B}",
                text: "E said E visited E",
                want: Some(((2, 3), (4, 5), (3, 4))),
            },
            // "E , and E" with two items is a clause break, not a list
            Case {
                pattern: "{A} <met> {B}",
                text: "E met E , and E",
                want: Some(((0, 1), (2, 3), (1, 2))),
            },
            Case {
                pattern: "{A} <met> {B}",
                text: "E met E , E , and E",
                want: Some(((0, 1), (2, 8), (1, 2))),
            },
            Case {
                pattern: "{A} <met> {B}",
                text: "E met E - E",
                want: Some(((0, 1), (2, 5), (1, 2))),
            },
            // optional words and multi-word alternatives
            Case {
                pattern: "{A} held <phone_call|call> with {B}",
                text: "E held phone call with E",
                want: Some(((0, 1), (5, 6), (2, 4))),
            },
            Case {
                pattern: "{A} <impos*> the? @tariff on {B}",
                text: "E imposed duties on E",
                want: Some(((0, 1), (4, 5), (1, 2))),
            },
            Case {
                pattern: "{A} <impos*> the? @tariff on {B}",
                text: "E imposed the tariffs on E",
                want: Some(((0, 1), (5, 6), (1, 2))),
            },
            // a stem takes only lowercase letters after it
            Case {
                pattern: "{A} <impos*> {B}",
                text: "E impose-ish E",
                want: None,
            },
            // a clause gap crosses entities but not commas
            Case {
                pattern: "{A} ~ , <hosting> {B}",
                text: "E keeps ties with E , hosting E",
                want: Some(((0, 1), (7, 8), (6, 7))),
            },
            Case {
                pattern: "{A} ~ <hosting> {B}",
                text: "E said , hosting E",
                want: None,
            },
            // a gap jumps to where the next element can start: at most `max` tokens,
            // the shortest gap first, also before an entity slot or an optional word
            Case {
                pattern: "{A} .. <visit*> {B}",
                text: "E will soon formally visit E",
                want: Some(((0, 1), (5, 6), (4, 5))),
            },
            Case {
                pattern: "{A} .. <visit*> {B}",
                text: "E will very soon formally visit E",
                want: None,
            },
            Case {
                pattern: "{A} ... <met> {B}",
                text: "E met E and later met E",
                want: Some(((0, 1), (2, 3), (1, 2))),
            },
            Case {
                pattern: "{A} <visit*> .. {B}",
                text: "E visited the capital of E",
                want: Some(((0, 1), (5, 6), (1, 2))),
            },
            Case {
                pattern: "{A} <visit*> .. {B}",
                text: "E visited the old capital of E",
                want: None,
            },
            Case {
                pattern: "{A} .. the? <visit*> {B}",
                text: "E made the visit E",
                want: Some(((0, 1), (4, 5), (3, 4))),
            },
        ];
        for c in cases {
            let (p, lex, ix) = compile(c.pattern);
            let got = find(&p, &lex, &ix, c.text).map(|m| {
                let a = m.slot(Slot::A).or(m.slot(Slot::AB)).unwrap_or((0, 0));
                (a, m.slot(Slot::B).unwrap_or((0, 0)), m.trigger)
            });
            assert_eq!(got, c.want, "{} on {}", c.pattern, c.text);
        }
    }

    #[test]
    fn hits_scan_across_words() {
        let mut bits = vec![0u64; 4];
        for t in [3usize, 64, 100] {
            bits[2 + t / 64] |= 1 << (t % 64);
        }
        let hits = Hits {
            width: 2,
            bits,
            present: Vec::new(),
            ents: 1,
        };
        let next = [
            (0, Some(3)),
            (4, Some(64)),
            (65, Some(100)),
            (101, None),
            (200, None),
        ];
        for (from, want) in next {
            assert_eq!(hits.next_from(1, from), want, "next_from {from}");
        }
        let last = [
            (128, Some(100)),
            (100, Some(64)),
            (64, Some(3)),
            (3, None),
            (0, None),
        ];
        for (to, want) in last {
            assert_eq!(hits.last_before(1, to), want, "last_before {to}");
        }
    }

    #[test]
    fn long_sentences_match_past_64_tokens() {
        let (p, lex, ix) = compile("{A} <met> {B}");
        for filler in [0, 63, 64, 65, 130] {
            let text = format!("{}E met E", "word ".repeat(filler));
            let m = find(&p, &lex, &ix, &text).map(|m| m.trigger);
            assert_eq!(m, Some((filler + 1, filler + 2)), "{filler} words before");
        }
    }
}
