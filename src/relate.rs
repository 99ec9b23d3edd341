//! Relate: (&[`Doc`], &[`Mention`], &[`Rules`]) -> `Vec<Relation>`, typed claims with evidence.
//!
//! Per sentence: tokens (entities, and words named by their place in the rules'
//! [`Lexicon`]), anaphors resolved, then, when at least two entities remain, one pass
//! that marks where each rule word occurs ([`crate::pattern::Hits`]); a rule runs only
//! if all its required words occur, so most rules cost a few bit tests per sentence.
//! A batch of documents goes through in two passes: their sentences are tokenised and
//! resolved first, in order; the marking and the rules then run over all the sentences
//! kept, one after another.
//! Slots expand coordination into one relation per pair; modality cues near the trigger
//! mark `planned` or `negated`. Anaphors resolve conservatively: "the two countries",
//! "they" and "both sides" to the pair last named together, "he"/"she" to the last
//! person, a sentence-initial "It" to the previous sentence's subject.

use crate::gazetteer::{Entities, Gazetteer, Kind};
use crate::lexicon::{Grammar, Lexicon, Walk};
use crate::normalise::Doc;
use crate::pattern::{Hits, Scratch, Skeleton, Slot, Token};
use crate::rules::{Anaphor, Modality, Rules};
use crate::tag::{Mention, Tagged};
use std::fmt::Write as _;
use std::ops::Range;

/// One relation the text claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// Index into `Doc::sentences`.
    pub sentence: usize,
    /// The agent (or first party of an undirected relation): index into the gazetteer.
    pub source: u32,
    /// The other side.
    pub target: u32,
    /// Index into `Rules::types`.
    pub relation: usize,
    /// The rule that matched (its CAMEO code is the relation's): index into
    /// `Rules::rules`.
    pub rule: usize,
    /// Asserted, planned or negated.
    pub modality: Modality,
    /// The trigger words as they stand in the text: bytes of `Doc::text`. (An index
    /// and a span rather than strings: a relation allocates nothing.)
    pub trigger: Range<usize>,
}

/// A token of a sentence: its skeleton token, its entity and where it stands. 24 bytes
/// (tokens are written once and copied and read a few times each): offsets in 32 bits,
/// which the article size limit ([`crate::config::MAX_ARTICLE_BYTES`]) leaves room for.
#[derive(Debug, Clone)]
struct Tok {
    /// The word (by lexicon node) or the entity marker.
    token: Token,
    /// The entity of an entity token, else [`NO_ENT`]; see [`Tok::ent`].
    entity: u32,
    /// Span in `Doc::text`; see [`Tok::span`].
    start: u32,
    end: u32,
    /// The word a resolved anaphor put here; else the text at the span.
    synthetic: Option<Synthetic>,
}

/// [`Tok::entity`] of a token that is no entity.
const NO_ENT: u32 = u32::MAX;

const _: () = assert!(std::mem::size_of::<Tok>() == 24);

/// The words a resolved anaphor puts among the tokens (one byte in a [`Tok`], where a
/// string would take sixteen: tokens are copied and scanned a lot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Synthetic {
    /// "and", between the two entities of a pair.
    And,
    /// "'s", after "its" or "their".
    Possessive,
    /// "|", so a pair does not join a list before it.
    Bar,
}

impl Synthetic {
    fn word(self) -> &'static str {
        match self {
            Synthetic::And => "and",
            Synthetic::Possessive => "'s",
            Synthetic::Bar => "|",
        }
    }
}

impl AsRef<Token> for Tok {
    fn as_ref(&self) -> &Token {
        &self.token
    }
}

impl Tok {
    fn new(
        token: Token,
        ent: Option<u32>,
        span: Range<usize>,
        synthetic: Option<Synthetic>,
    ) -> Tok {
        Tok {
            token,
            entity: ent.unwrap_or(NO_ENT),
            start: span.start as u32,
            end: span.end as u32,
            synthetic,
        }
    }

    /// The entity, for entity tokens.
    #[inline]
    fn ent(&self) -> Option<u32> {
        (self.entity != NO_ENT).then_some(self.entity)
    }

    /// Span in `Doc::text`.
    #[inline]
    fn span(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The word as it stands (not lowercased), or the anaphor's stand-in word.
    fn text<'a>(&self, text: &'a str) -> &'a str {
        match self.synthetic {
            Some(w) => w.word(),
            None => &text[self.span()],
        }
    }
}

/// "they" and "both sides" reach back at most this many sentences.
const PAIR_REACH: usize = 2;

/// What earlier sentences leave for anaphors to refer to.
#[derive(Debug, Default)]
struct Context {
    last_person: Option<u32>,
    /// Pairs named together, oldest first, with their sentence.
    pairs: Vec<(u32, u32, usize)>,
    subject: Option<u32>,
    sentence: usize,
}

impl Context {
    fn push_pair(&mut self, a: u32, b: u32, si: usize) {
        if self.pairs.len() >= 16 {
            self.pairs.remove(0);
        }
        self.pairs.push((a, b, si));
    }
}

/// Extracts the relations of one document.
pub fn relate(doc: &Doc, tagged: &Tagged, gaz: &Gazetteer, rules: &Rules) -> Vec<Relation> {
    relate_all([(doc, tagged)], gaz, rules)
        .pop()
        .unwrap_or_default()
}

/// [`relate`] for several documents (a batch).
///
/// Two passes: every document's sentences are tokenised and their anaphors resolved,
/// in order, and the tokens of those that may give a relation are kept; then the hit
/// rows and the rules run over all the kept sentences one after another, so each pass
/// keeps its own tables and branches warm. Relate's CPU fell 15% against the same two
/// passes taken per document (alternating full runs of the benchmark corpus), which
/// had been 2% faster than the steps taken sentence by sentence.
pub fn relate_all<'d>(
    docs: impl IntoIterator<Item = (&'d Doc, &'d Tagged)>,
    gaz: &Gazetteer,
    rules: &Rules,
) -> Vec<Vec<Relation>> {
    relate_all_with(docs, gaz, rules, &mut Buffers::default())
}

/// Buffers that [`relate_all_with`] reuses from one batch to the next: a worker keeps
/// one, so the kept tokens of a batch (about 1 MB) are not allocated afresh each time.
#[derive(Default)]
pub struct Buffers(Bufs);

/// At most this many kept tokens (1.5 MB) wait for the rules: a batch of news
/// articles keeps about 45,000, and one huge article runs its rules in several goes
/// rather than keeping all its tokens.
const KEPT_TOKENS: usize = 1 << 16;

/// A sentence kept for the rules: its document, its index and its tokens in
/// [`KeptSentences::toks`].
type Kept = (usize, usize, Range<usize>);

/// The sentences the first pass of [`relate_all_with`] keeps for the second.
#[derive(Default)]
struct KeptSentences {
    /// Their tokens, one sentence after another.
    toks: Vec<Tok>,
    sentences: Vec<Kept>,
}

/// [`relate_all`] with buffers the caller keeps.
pub fn relate_all_with<'d>(
    docs: impl IntoIterator<Item = (&'d Doc, &'d Tagged)>,
    gaz: &Gazetteer,
    rules: &Rules,
    buffers: &mut Buffers,
) -> Vec<Vec<Relation>> {
    let docs: Vec<(&Doc, &Tagged)> = docs.into_iter().collect();
    let mut outs: Vec<Vec<Relation>> = docs.iter().map(|_| Vec::new()).collect();
    let Bufs {
        prep,
        skel,
        hits,
        scratch,
        kept,
    } = &mut buffers.0;
    kept.toks.clear();
    kept.sentences.clear();
    // the second pass: the hit rows and the rules over the kept sentences, in order
    let mut rules_pass = |kept: &mut KeptSentences| {
        for (di, si, range) in kept.sentences.iter() {
            let (doc, tagged) = docs[*di];
            let gaz = &Entities {
                gaz,
                extra: &tagged.extra,
            };
            let toks = &kept.toks[range.clone()];
            skel.clear();
            skel.extend(toks.iter().map(|t| t.token));
            rules.index.fill(skel, &rules.lexicon, hits);
            let sentence = Sentence {
                text: &doc.text,
                si: *si,
                toks,
                sk: Skeleton {
                    toks: skel,
                    hits,
                    lex: &rules.lexicon,
                },
            };
            extract(&sentence, gaz, rules, scratch, &mut outs[*di]);
        }
        kept.toks.clear();
        kept.sentences.clear();
    };
    for (di, &doc) in docs.iter().enumerate() {
        prepare(di, doc, gaz, rules, prep, kept, &mut rules_pass);
    }
    rules_pass(kept);
    outs
}

/// The first pass of [`relate_all_with`] over document `di`: its sentences in order
/// (anaphors need the context of the ones before), each that may give a relation
/// tokenised, its anaphors resolved and appositions dropped; those with a pair left go
/// to `kept`. Once `kept` holds [`KEPT_TOKENS`], `second_pass` runs on it.
fn prepare(
    di: usize,
    (doc, tagged): (&Doc, &Tagged),
    gaz: &Gazetteer,
    rules: &Rules,
    prep: &mut Prep,
    kept: &mut KeptSentences,
    second_pass: &mut impl FnMut(&mut KeptSentences),
) {
    let ents = Entities {
        gaz,
        extra: &tagged.extra,
    };
    let gaz = &ents;
    let mentions = &tagged.mentions[..];
    let Prep {
        ents: pair_scratch,
        a,
        marks,
    } = prep;
    let mut ctx = Context::default();
    let mut m = 0;
    for (si, span) in doc.sentences.iter().enumerate() {
        let first = m;
        while m < mentions.len() && mentions[m].sentence == si {
            m += 1;
        }
        let ms = &mentions[first..m];
        ctx.sentence = si;
        // fewer than two names and no anaphor that could add the rest: no relation, and
        // nothing for later anaphors either
        let text = &doc.text[span.clone()];
        if ms.len() >= 2 || rules.may_pair(text, ms.len(), |at| opens(&text[..at])) {
            // the tokens go straight to the end of `kept`, and leave it unless the
            // sentence may give a relation; each step writes to `a` only when it changes
            // something, and its tokens then replace the sentence's
            let start = kept.toks.len();
            tokens(
                &doc.text,
                span.clone(),
                ms,
                gaz,
                rules,
                &mut kept.toks,
                marks,
            );
            let replace = |kept: &mut KeptSentences, a: &[Tok]| {
                kept.toks.truncate(start);
                kept.toks.extend_from_slice(a);
            };
            let resolved = resolve(
                &kept.toks[start..],
                &marks.anaphors,
                &mut ctx,
                gaz,
                rules,
                a,
            );
            if resolved {
                replace(kept, a);
            }
            // resolving may put an entity before a comma
            if (resolved || marks.comma_after_entity)
                && drop_appositions(&kept.toks[start..], rules, a)
            {
                replace(kept, a);
            }
            if rules.debug || has_pair(&kept.toks[start..], gaz, pair_scratch) {
                kept.sentences.push((di, si, start..kept.toks.len()));
                if kept.toks.len() >= KEPT_TOKENS {
                    second_pass(kept);
                }
            } else {
                kept.toks.truncate(start);
            }
        }
        update(&mut ctx, &doc.text, span.start, ms, gaz, rules);
    }
}

/// What the first pass reuses from sentence to sentence.
#[derive(Default)]
struct Prep {
    /// Entities of a sentence, for [`has_pair`].
    ents: Vec<u32>,
    /// A sentence's tokens as a step that changes them leaves them.
    a: Vec<Tok>,
    /// What [`tokens`] noticed on the way, for [`resolve`] and [`drop_appositions`].
    marks: Marks,
}

/// What [`tokens`] notes about a sentence while it makes the tokens, so the steps after
/// it need not look at every token again: most sentences have no anaphor and no
/// apposition, and a note as each token is made costs less than a second look at all.
#[derive(Default)]
struct Marks {
    /// The tokens (from the sentence's first) that are whole words an anaphor may start
    /// with ([`Rules::anaphor_first`]), in order.
    anaphors: Vec<u32>,
    /// Whether a comma follows an entity somewhere: an apposition opens there.
    comma_after_entity: bool,
}

/// Buffers reused from sentence to sentence and batch to batch.
#[derive(Default)]
struct Bufs {
    prep: Prep,
    skel: Vec<Token>,
    hits: Hits,
    scratch: RuleScratch,
    kept: KeptSentences,
}

/// What trying the rules on one sentence reuses.
#[derive(Default)]
struct RuleScratch {
    /// Per place in [`Rules::order`], the rule's required rows the sentence lacks.
    missing: Vec<u64>,
    /// (source, target, relation) already given by the sentence.
    seen: Vec<(u32, u32, usize)>,
    /// The entities of a match's sides (A, B, AB) and the pairs they make.
    sides: [Vec<u32>; 3],
    pairs: Vec<(u32, u32)>,
    pattern: Scratch,
}

/// A sentence ready for the rules.
struct Sentence<'a> {
    /// The document's text (token spans point into it).
    text: &'a str,
    /// Index of the sentence.
    si: usize,
    toks: &'a [Tok],
    sk: Skeleton<'a>,
}

/// Byte classes for the tokeniser (ASCII only; other bytes start multi-byte chars).
const SPACE: u8 = 1;
/// Punctuation that is a token of its own.
const PUNCT: u8 = 2;
/// Letters, digits, `$` and `%`: the body of a word.
const WORD: u8 = 4;
/// Letters and digits.
const ALNUM: u8 = 8;
/// `' , - . / &`: may join two parts of one word ("U.S", "1,000", "anti-dumping").
const JOIN: u8 = 16;

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = match c {
            b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' => SPACE,
            b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' => WORD | ALNUM,
            b'$' | b'%' => WORD,
            b',' | b'-' | b'.' => PUNCT | JOIN,
            b';' | b':' | b'(' | b')' | b'[' | b']' | b'"' | b'!' | b'?' => PUNCT,
            b'\'' | b'/' | b'&' => JOIN,
            _ => 0,
        };
        b += 1;
    }
    t
};

/// Splits a sentence into skeleton tokens, appended to `out` after what it holds;
/// mentions become entity tokens. `marks` is overwritten with what the tokens hold.
fn tokens(
    text: &str,
    span: Range<usize>,
    ms: &[Mention],
    gaz: &Entities,
    rules: &Rules,
    out: &mut Vec<Tok>,
    marks: &mut Marks,
) {
    let lex = &rules.lexicon;
    let g = &lex.grammar;
    let bytes = text.as_bytes();
    // the sentence's first token: the tokens before it are not this sentence's
    let base = out.len();
    marks.anaphors.clear();
    marks.comma_after_entity = false;
    let push = |out: &mut Vec<Tok>,
                marks: &mut Marks,
                span: Range<usize>,
                walk: Walk,
                clause_break: bool| {
        if walk.whole && rules.anaphor_first.contains(walk.node) {
            marks.anaphors.push((out.len() - base) as u32);
        }
        out.push(Tok::new(
            Token::from_walk(walk, clause_break),
            None,
            span,
            None,
        ))
    };
    let end = span.end;
    let mut i = span.start;
    let mut mi = 0;
    // where the next mention starts (the end when there is none)
    let mut next = ms.first().map_or(end, |m| m.start);
    while i < end {
        if i >= next {
            while mi < ms.len() && ms[mi].start < i {
                mi += 1;
            }
            next = ms.get(mi).map_or(end, |m| m.start);
            if next == i {
                entity(text, &ms[mi], gaz, g, out, base);
                // the words it took in are no anaphors' any more
                let len = (out.len() - base) as u32;
                while marks.anaphors.last().is_some_and(|&k| k + 1 >= len) {
                    marks.anaphors.pop();
                }
                i = ms[mi].end;
                mi += 1;
                next = ms.get(mi).map_or(end, |m| m.start);
                continue;
            }
        }
        let b = bytes[i];
        let n = if b < 0x80 {
            let class = CLASS[b as usize];
            if class & SPACE != 0 {
                i += 1;
                continue;
            }
            if b == b'\'' && is_possessive(&text[i..end]) {
                push(out, marks, i..i + 2, lex.walk(&bytes[i..i + 2]), false);
                i += 2;
                continue;
            }
            if class & PUNCT != 0 {
                marks.comma_after_entity |=
                    b == b',' && out[base..].last().is_some_and(|t| t.ent().is_some());
                push(
                    out,
                    marks,
                    i..i + 1,
                    lex.walk(&bytes[i..i + 1]),
                    matches!(b, b',' | b';' | b':'),
                );
                i += 1;
                continue;
            }
            if class & WORD == 0 {
                i += 1; // quotes and symbols carry no meaning here
                continue;
            }
            1
        } else {
            let Some(c) = text[i..end].chars().next() else {
                break;
            };
            if !c.is_alphanumeric() {
                i += c.len_utf8(); // spaces, quotes and symbols outside ASCII
                continue;
            }
            c.len_utf8()
        };
        let limit = next.min(end);
        let (j, walk, comma) = word(text, i, limit, lex);
        let (j, walk) = if j > i {
            (j, walk)
        } else {
            (i + n, lex.walk(&bytes[i..i + n]))
        };
        push(out, marks, i..j, walk, comma);
        // the space after a word (most words have one) needs no turn of the loop; a
        // mention starting there keeps it for the loop's mention check
        i = j + usize::from(j < next && j < end && bytes[j] == b' ');
    }
}

/// Does nothing before this end of a sentence make a token (so the word after it is the
/// first)? Spaces, quotes and symbols make none; see [`tokens`].
fn opens(before: &str) -> bool {
    before.chars().all(|c| match u8::try_from(c) {
        Ok(b) if b < 0x80 => CLASS[b as usize] & (WORD | PUNCT) == 0 && b != b'\'',
        _ => !c.is_alphanumeric(),
    })
}

/// Could these tokens yield a relation: do two of their entities (or the countries they
/// belong to, which rules may name instead) make an [`acceptable`] pair? `ents` is scratch.
fn has_pair(toks: &[Tok], gaz: &Entities, ents: &mut Vec<u32>) -> bool {
    ents.clear();
    for e in toks.iter().filter_map(|t| t.ent()) {
        if !ents.contains(&e) {
            if ents.iter().any(|&x| acceptable(gaz, x, e)) {
                return true;
            }
            ents.push(e);
        }
    }
    // rare: every pair shares a country; the countries themselves could still pair
    let ups = || ents.iter().filter_map(|&e| gaz.country_of(e));
    ups().any(|c| {
        ents.iter()
            .copied()
            .chain(ups())
            .any(|x| acceptable(gaz, x, c))
    })
}

/// An entity token; "met President Trump": a title (and "the") before a person
/// belongs to the name. Tokens before `base` (an earlier sentence's) stay.
fn entity(text: &str, m: &Mention, gaz: &Entities, g: &Grammar, out: &mut Vec<Tok>, base: usize) {
    if is_kind(gaz, m.entity, Kind::Person) {
        while out[base..].last().is_some_and(|t| {
            t.ent().is_none() && t.synthetic.is_none() && gaz.gaz.is_title_word(&text[t.span()])
        }) {
            out.pop();
        }
    }
    if out[base..].last().is_some_and(|t| t.token.is(g.the)) {
        out.pop();
    }
    out.push(Tok::new(Token::ENT, Some(m.entity), m.start..m.end, None));
}

/// Is this an English possessive "'s" standing alone (not "'sake")?
fn is_possessive(rest: &str) -> bool {
    rest.starts_with("'s") && !alnum_at(rest, 2, rest.len())
}

/// Is the character at byte `at` (before `limit`) a letter or digit?
fn alnum_at(text: &str, at: usize, limit: usize) -> bool {
    match text.as_bytes().get(at) {
        _ if at >= limit => false,
        Some(&b) if b < 0x80 => CLASS[b as usize] & ALNUM != 0,
        Some(_) => text[at..limit]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric),
        None => false,
    }
}

/// The word starting at `i`: letters, digits, `$` and `%`, joined by `- . / &`, an
/// apostrophe (but not a possessive "'s") or a comma between digits. Returns its end,
/// its walk down the lexicon (made on the way) and whether it holds a comma ("1,000").
fn word(text: &str, i: usize, limit: usize, lex: &Lexicon) -> (usize, Walk, bool) {
    let bytes = text.as_bytes();
    // most words are plain ASCII runs that end at a space or punctuation: one tight loop
    // whose walk has no branch (a walk that left the trie stays in the dead row; the
    // deepest row reached before is kept aside)
    let (mut row, mut reached, mut tail) = (Lexicon::ROOT_ROW, Lexicon::ROOT_ROW, 0);
    let mut j = i;
    while j < limit && CLASS[bytes[j] as usize] & WORD != 0 {
        let b = bytes[j];
        if !b.is_ascii_alphabetic() {
            tail = (j - i + 1) as u32;
        }
        row = lex.step_row(row, b);
        if !lex.is_dead(row) {
            reached = row;
        }
        j += 1;
    }
    let (node, whole) = (lex.node_of_row(reached), !lex.is_dead(row));
    let goes_on = j < limit
        && (bytes[j] >= 0x80
            || (CLASS[bytes[j] as usize] & JOIN != 0 && j > i && alnum_at(text, j + 1, limit)));
    if !goes_on {
        return (j, Walk { node, whole, tail }, false);
    }
    joined_word(text, i, limit, lex)
}

/// [`word`] for a word that may go on past a joiner or a non-ASCII letter.
fn joined_word(text: &str, i: usize, limit: usize, lex: &Lexicon) -> (usize, Walk, bool) {
    let bytes = text.as_bytes();
    // the trie walk stops at the first byte no rule word continues with (most words
    // leave the trie within a few bytes); the rest of the word is only scanned for its end
    let mut node = Lexicon::ROOT;
    let mut whole = true;
    let mut walk = |part: &[u8]| {
        if whole {
            for &b in part {
                match lex.step(node, b) {
                    Some(c) => node = c,
                    None => {
                        whole = false;
                        break;
                    }
                }
            }
        }
    };
    let mut comma = false;
    let mut j = i;
    loop {
        let run = j;
        while j < limit && CLASS[bytes[j] as usize] & WORD != 0 {
            j += 1;
        }
        walk(&bytes[run..j]);
        if j >= limit {
            break;
        }
        let b = bytes[j];
        if b < 0x80 {
            let joins = CLASS[b as usize] & JOIN != 0
                && j > i
                && alnum_at(text, j + 1, limit)
                && match b {
                    b'\'' => !is_possessive(&text[j..limit]),
                    b',' => bytes[j - 1].is_ascii_digit(),
                    _ => true,
                };
            if !joins {
                break;
            }
            comma |= b == b',';
            walk(&bytes[j..j + 1]);
            j += 1;
        } else {
            // no joiner is outside ASCII: only letters and digits continue a word
            match text[j..limit].chars().next() {
                Some(c) if c.is_alphanumeric() => {
                    walk(&bytes[j..j + c.len_utf8()]);
                    j += c.len_utf8();
                }
                _ => break,
            }
        }
    }
    // the trailing run of ASCII letters and apostrophes starts after the last other byte
    let tail = bytes[i..j]
        .iter()
        .rposition(|&b| !(b.is_ascii_alphabetic() || b == b'\''))
        .map_or(0, |k| k as u32 + 1);
    (j, Walk { node, whole, tail }, comma)
}

/// Drops short appositions between commas right after an entity, so the entity stays
/// next to its verb ("Chad Smith, a US trade official, visited Nigeria").
/// Writes the tokens without them to `out` and returns true, or returns false when
/// there is none (most sentences), leaving `out` alone.
fn drop_appositions(toks: &[Tok], rules: &Rules, out: &mut Vec<Tok>) -> bool {
    let g = &rules.lexicon.grammar;
    let opens = |t: &Tok| {
        t.token
            .word()
            .is_some_and(|n| rules.apposition_openers.contains(n))
    };
    let ends = |t: &Tok| {
        [g.comma, g.semicolon, g.colon, g.period]
            .iter()
            .any(|&n| t.token.is(n))
    };
    // where an apposition starting at token `i` ends (its closing comma)
    let apposition = |i: usize| {
        let opening = i >= 1
            && toks[i - 1].ent().is_some()
            && toks[i].token.is(g.comma)
            && toks.get(i + 1).is_some_and(opens);
        if !opening {
            return None;
        }
        let close = (i + 2..toks.len().min(i + 12)).find(|&k| ends(&toks[k]));
        close.filter(|&k| toks[k].token.is(g.comma))
    };
    let Some(first) = (1..toks.len()).find(|&i| apposition(i).is_some()) else {
        return false;
    };
    out.clear();
    out.extend_from_slice(&toks[..first]);
    let mut i = first;
    while i < toks.len() {
        if let Some(k) = apposition(i) {
            i = k + 1;
            continue;
        }
        out.push(toks[i].clone());
        i += 1;
    }
    true
}

/// Replaces anaphors by the entities they refer to; a resolved pair becomes the last pair.
/// Writes the tokens with anaphors resolved to `out` and returns true, or returns false
/// when no anaphor resolves to anything (most sentences), leaving `out` and `ctx` alone.
///
/// One pass over `starts`, the tokens an anaphor may start at ([`Marks::anaphors`]):
/// until the first anaphor that resolves, nothing is written (an anaphor that resolves
/// to nothing stays as it is); then the tokens before it are copied at once, and from
/// there on the tokens between anaphors.
fn resolve(
    toks: &[Tok],
    starts: &[u32],
    ctx: &mut Context,
    gaz: &Entities,
    rules: &Rules,
    out: &mut Vec<Tok>,
) -> bool {
    let lex = &rules.lexicon;
    let g = &lex.grammar;
    let synthetic = |word: Synthetic, span: &Range<usize>| {
        Tok::new(
            Token::from_walk(lex.walk(word.word().as_bytes()), false),
            None,
            span.clone(),
            Some(word),
        )
    };
    // writing: `out` holds the tokens before `i`, resolved
    let mut writing = false;
    let mut i = 0;
    for &at in starts {
        let at = at as usize;
        if at < i {
            continue; // inside an anaphor just replaced
        }
        if writing {
            out.extend_from_slice(&toks[i..at]);
        }
        i = at;
        // only anaphors that start with this word can match here
        let candidates = match toks[i].token.word() {
            Some(n) if rules.anaphor_may_start(n, toks.get(i + 1).map(|t| &t.token)) => {
                rules.anaphors_at[n as usize].as_slice()
            }
            _ => &[],
        };
        let hit = candidates
            .iter()
            .map(|&a| &rules.anaphors[a])
            .find(|(p, _)| p.matches_at(toks, i, |_, _| false));
        let Some((phrase, kind)) = hit else {
            if writing {
                out.push(toks[i].clone());
            }
            i += 1;
            continue;
        };
        let n = phrase.tokens.len();
        // a subject anaphor past the first word resolves to nothing and changes nothing
        if *kind == Anaphor::Subject && i > 0 {
            if writing {
                out.extend_from_slice(&toks[i..i + n]);
            }
            i += n;
            continue;
        }
        if !writing {
            out.clear();
            out.extend_from_slice(&toks[..i]);
        }
        let span = toks[i].span().start..toks[i + n - 1].span().end;
        let now = ctx.sentence;
        let mut recent = ctx.pairs.iter().rev();
        let ents: Vec<u32> = match kind {
            Anaphor::Pair => recent
                .take(1)
                .find(|p| now - p.2 <= PAIR_REACH)
                .map(|&(a, b, _)| vec![a, b])
                .unwrap_or_default(),
            // two countries named just before, in this sentence, come first
            Anaphor::Countries => last_two_countries(out, gaz)
                .or_else(|| recent.find_map(|&(a, b, _)| countries(gaz, a, b)))
                .unwrap_or_default(),
            Anaphor::Leaders => recent
                .map(|&(a, b, _)| (a, b))
                .find(|&(a, b)| is_kind(gaz, a, Kind::Person) && is_kind(gaz, b, Kind::Person))
                .map(|(a, b)| vec![a, b])
                .unwrap_or_default(),
            Anaphor::Person => out
                .iter()
                .rev()
                .filter_map(|t| t.ent())
                .find(|&e| is_kind(gaz, e, Kind::Person))
                .or(ctx.last_person)
                .into_iter()
                .collect(),
            Anaphor::Subject => ctx.subject.into_iter().collect(),
            Anaphor::Apposition => Vec::new(),
        };
        if ents.len() == 2 {
            ctx.push_pair(ents[0], ents[1], now);
        }
        if ents.is_empty() {
            if writing {
                out.extend_from_slice(&toks[i..i + n]);
            }
        } else {
            writing = true;
            if ents.len() > 1
                && out
                    .last()
                    .is_some_and(|t| t.token.is(g.comma) || t.token.is(g.and))
            {
                // "..., and the two countries signed": the pair must not join a list before it
                out.push(synthetic(Synthetic::Bar, &span));
            }
            for (k, e) in ents.iter().enumerate() {
                if k > 0 {
                    out.push(synthetic(Synthetic::And, &span));
                }
                out.push(Tok::new(Token::ENT, Some(*e), span.clone(), None));
            }
            if phrase.ends_with(g.its) || phrase.ends_with(g.their) {
                out.push(synthetic(Synthetic::Possessive, &span));
            }
        }
        i += n;
    }
    if writing {
        out.extend_from_slice(&toks[i.min(toks.len())..]);
    }
    writing
}

fn is_kind(gaz: &Entities, e: u32, k: Kind) -> bool {
    gaz.kind(e) == k
}

/// The last two distinct countries named among these tokens (people roll up).
fn last_two_countries(toks: &[Tok], gaz: &Entities) -> Option<Vec<u32>> {
    let mut found: Vec<u32> = Vec::new();
    for c in toks
        .iter()
        .rev()
        .filter_map(|t| t.ent())
        .filter_map(|e| gaz.country_of(e))
    {
        if !found.contains(&c) {
            found.push(c);
            if found.len() == 2 {
                return Some(vec![found[1], found[0]]);
            }
        }
    }
    None
}

/// The pair as countries: people and bodies roll up to their country.
fn countries(gaz: &Entities, a: u32, b: u32) -> Option<Vec<u32>> {
    let (ca, cb) = (gaz.country_of(a)?, gaz.country_of(b)?);
    (ca != cb).then(|| vec![ca, cb])
}

/// Runs every rule over the skeleton and records the relations found.
fn extract(
    sentence: &Sentence,
    gaz: &Entities,
    rules: &Rules,
    scratch: &mut RuleScratch,
    out: &mut Vec<Relation>,
) {
    let Sentence { text, si, toks, sk } = sentence;
    let (text, si) = (*text, *si);
    // the pairs this sentence has given (or a block rule claimed), per relation type;
    // few per sentence: a small vector beats hashing
    let seen = &mut scratch.seen;
    seen.clear();
    if rules.debug {
        eprintln!("skeleton {si}: {}", show(text, toks, 0, toks.len()));
    }
    // only rules whose required words all occur, in the try order: block rules first,
    // so they can claim pairs before the others see them
    let missing = &mut scratch.missing;
    rules.missing_rows(sk.hits.present_bits(), missing);
    let order = missing
        .iter()
        .zip(&rules.order)
        .filter(|&(&m, _)| m == 0)
        .map(|(_, &r)| (r, &rules.rules[r]));
    let (sides, pairs) = (&mut scratch.sides, &mut scratch.pairs);
    let scratch = &mut scratch.pattern;
    for (rule_at, rule) in order {
        let directed = rules.types[rule.relation].directed;
        let mut at = 0;
        while let Some(m) = rule.pattern.find_with(sk, at, scratch) {
            if rules.debug {
                eprintln!(
                    "  relations.tsv:{} matched '{}'",
                    rule.line,
                    show(text, toks, m.start, m.end)
                );
            }
            at = m.end.max(m.start + 1);
            // the trigger's words and modality, made for the match's first relation (many
            // matches give none: their pairs were given already, or are not acceptable)
            let mut said: Option<(Range<usize>, Modality)> = None;
            let say = || {
                let (t0, t1) = m.trigger;
                let trigger = toks[t0].span().start
                    ..toks[t1.max(t0 + 1) - 1]
                        .span()
                        .end
                        .max(toks[t0].span().start);
                // from three words before the match to one word after the trigger ("signed no deal")
                (
                    trigger,
                    modality(text, toks, m.start.saturating_sub(3), t1 + 1, rules),
                )
            };
            // A, B and AB: a side's entities, or those of its `^` slot as their countries
            for (out, (slot, up)) in sides.iter_mut().zip([
                (Slot::A, Slot::AUp),
                (Slot::B, Slot::BUp),
                (Slot::AB, Slot::AB),
            ]) {
                out.clear();
                if let Some(r) = m.slot(slot) {
                    ents_in(toks, r, out);
                } else if let Some(r) = m.slot(up) {
                    ents_in(toks, r, out);
                    out.retain_mut(|e| gaz.country_of(*e).map(|c| *e = c).is_some());
                }
            }
            let [a, b, ab] = &*sides;
            pairs.clear();
            for &s in a.iter() {
                for &t in b.iter() {
                    pairs.push((s, t));
                }
            }
            for (i, &s) in ab.iter().enumerate() {
                for &t in ab[i + 1..].iter().chain(b.iter()) {
                    pairs.push((s, t));
                }
            }
            for &(s, t) in pairs.iter() {
                let (s, t) = if directed || gaz.id_at_or_before(s, t) {
                    (s, t)
                } else {
                    (t, s)
                };
                let key = (s, t, rule.relation);
                // a block rule claims the pair first, so no later rule can add it
                if !acceptable(gaz, s, t) || seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                if rule.block {
                    continue;
                }
                let (trigger, modality) = said.get_or_insert_with(say);
                out.push(Relation {
                    sentence: si,
                    source: s,
                    target: t,
                    relation: rule.relation,
                    rule: rule_at,
                    modality: *modality,
                    trigger: trigger.clone(),
                });
            }
        }
    }
}

/// Appends the distinct entities among tokens `range` to `out` (which starts empty).
fn ents_in(toks: &[Tok], (from, to): (usize, usize), out: &mut Vec<u32>) {
    for e in toks[from..to].iter().filter_map(|t| t.ent()) {
        if !out.contains(&e) {
            out.push(e);
        }
    }
}

/// Tokens as text for `NEWSGRAPH_DEBUG` (entities as E0, E1, ... by position).
fn show(text: &str, toks: &[Tok], from: usize, to: usize) -> String {
    let mut s = String::new();
    for (i, t) in toks.iter().enumerate().take(to).skip(from) {
        if !s.is_empty() {
            s.push(' ');
        }
        match t.ent() {
            Some(_) => {
                let _ = write!(s, "E{i}");
            }
            None => s.push_str(&t.text(text).to_lowercase()),
        }
    }
    s
}

/// No self-relations, and none between a country and its own people or bodies.
fn acceptable(gaz: &Entities, s: u32, t: u32) -> bool {
    if s == t {
        return false;
    }
    let either_country = gaz.kind(s) == Kind::Country || gaz.kind(t) == Kind::Country;
    !(either_country && gaz.same_country(s, t))
}

/// The strongest cue in a token window: negated beats planned beats asserted.
fn modality(text: &str, toks: &[Tok], from: usize, to: usize, rules: &Rules) -> Modality {
    let mut best = Modality::Asserted;
    let ends = |k: usize, suffix: &str| {
        let w = toks[k].text(text).as_bytes();
        w.len() > suffix.len()
            && w[w.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    for i in from..to.min(toks.len()) {
        let by_word = toks[i]
            .token
            .word()
            .and_then(|n| rules.cue_index.get(n as usize))
            .map_or(&[][..], |v| v.as_slice());
        for &c in by_word.iter().chain(&rules.suffix_cues) {
            let (p, m) = &rules.cues[c];
            if *m > best && p.matches_at(toks, i, ends) {
                best = *m;
            }
        }
    }
    best
}

/// Carries what this sentence names into the context of the next.
fn update(
    ctx: &mut Context,
    text: &str,
    sentence_start: usize,
    ms: &[Mention],
    gaz: &Entities,
    rules: &Rules,
) {
    if let Some(p) = ms
        .iter()
        .rev()
        .find(|m| is_kind(gaz, m.entity, Kind::Person))
    {
        ctx.last_person = Some(p.entity);
    }
    for w in ms.windows(2) {
        if w[0].entity != w[1].entity && rules.joins(&text[w[0].end..w[1].start]) {
            ctx.push_pair(w[0].entity, w[1].entity, ctx.sentence);
        }
    }
    ctx.subject = ms
        .first()
        .filter(|m| {
            // at most two words before it (counting stops at the third)
            let before = text[sentence_start..m.start]
                .split_whitespace()
                .take(3)
                .count();
            before <= 2 && !is_kind(gaz, m.entity, Kind::Person)
        })
        .map(|m| m.entity);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::tests::small;
    use crate::normalise::tests::small_normaliser;
    use crate::tag::tag;
    use std::path::Path;

    fn rules() -> Rules {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("gazetteers");
        match Rules::load(&dir) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    fn run(text: &str) -> Vec<String> {
        let n = small_normaliser();
        let g = small();
        let r = rules();
        let doc = n.normalise(text.as_bytes());
        let t = tag(&doc, &g);
        let ents = Entities {
            gaz: &g,
            extra: &t.extra,
        };
        let mut out: Vec<String> = relate(&doc, &t, &g, &r)
            .iter()
            .map(|x| {
                let id = |e: u32| ents.get(e).id.clone();
                let m = match x.modality {
                    Modality::Asserted => String::new(),
                    m => format!(" ({})", m.as_str()),
                };
                format!(
                    "{} {} {}{}",
                    id(x.source),
                    r.types[x.relation].id,
                    id(x.target),
                    m
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn relate_all_relates_each_document_as_relate_does() {
        let n = small_normaliser();
        let (g, r) = (small(), rules());
        // buffers carried from one document to the next must not carry what it found:
        // long and short sentences, anaphors, appositions, documents with nothing
        let texts = [
            "Japan and South Korea imposed sanctions on North Korean banks and shipping firms. They also met Canada.",
            "Canada slapped duties on Chinese steel.",
            "",
            "Chad Smith, a US trade official, visited Nigeria. India did not sign a trade deal with the United States.",
            "Nothing here names anyone.",
            "Talks between Kenya and Ethiopia resumed.",
        ];
        let docs: Vec<Doc> = texts.iter().map(|t| n.normalise(t.as_bytes())).collect();
        let tagged: Vec<Tagged> = docs.iter().map(|d| tag(d, &g)).collect();
        let one_by_one: Vec<Vec<Relation>> = docs
            .iter()
            .zip(&tagged)
            .map(|(d, t)| relate(d, t, &g, &r))
            .collect();
        assert!(one_by_one.iter().filter(|x| !x.is_empty()).count() >= 4);
        assert!(one_by_one.iter().any(Vec::is_empty));
        assert_eq!(relate_all(docs.iter().zip(&tagged), &g, &r), one_by_one);
    }

    #[test]
    fn a_document_past_the_kept_token_cap_gives_every_sentence_its_relations() {
        let n = small_normaliser();
        let (g, r) = (small(), rules());
        // enough sentences that the rules run several times within the one document
        let sentence =
            "Canada slapped duties on Chinese steel, and Japan imposed sanctions on India. ";
        let one = n.normalise(sentence.as_bytes());
        let per = relate(&one, &tag(&one, &g), &g, &r);
        assert_eq!(per.len(), 2, "{per:?}");
        let copies = KEPT_TOKENS / 10;
        let doc = n.normalise(sentence.repeat(copies).as_bytes());
        assert_eq!(doc.sentences.len(), copies);
        let got = relate(&doc, &tag(&doc, &g), &g, &r);
        let want: Vec<(usize, u32, u32, usize)> = (0..copies)
            .flat_map(|si| {
                per.iter()
                    .map(move |x| (si, x.source, x.target, x.relation))
            })
            .collect();
        let got: Vec<(usize, u32, u32, usize)> = got
            .iter()
            .map(|x| (x.sentence, x.source, x.target, x.relation))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn tokens_cases() {
        let g = small();
        let r = rules();
        let ents = Entities {
            gaz: &g,
            extra: &[],
        };
        let cases: [(&str, &[&str]); 8] = [
            ("U.S. tariffs, 25%", &["U.S", ".", "tariffs", ",", "25%"]),
            ("India's ties", &["India", "'s", "ties"]),
            ("the 'sake' of it", &["the", "sake", "of", "it"]),
            ("1,000 or 1, 2", &["1,000", "or", "1", ",", "2"]),
            (
                "anti-dumping duties - a/b & c&d",
                &["anti-dumping", "duties", "-", "a/b", "c&d"],
            ),
            ("Türkiye's “exports”", &["Türkiye", "'s", "exports"]),
            ("don't stop", &["don't", "stop"]),
            ("(\"x\")! ?", &["(", "\"", "x", "\"", ")", "!", "?"]),
        ];
        for (text, want) in cases {
            let mut out = Vec::new();
            tokens(
                text,
                0..text.len(),
                &[],
                &ents,
                &r,
                &mut out,
                &mut Marks::default(),
            );
            let got: Vec<&str> = out.iter().map(|t| t.text(text)).collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn marks_name_every_anaphor_start_and_comma_after_an_entity() {
        let n = small_normaliser();
        let (g, r) = (small(), rules());
        let comma = r.lexicon.grammar.comma;
        let texts = [
            "Japan and South Korea imposed sanctions. They also met Canada, the two countries said.",
            "Chad Smith, a US trade official, visited Nigeria; the leaders met.",
            "The talks with the President Gabriel Boric, who met India, ended.",
            "It said the Gabriel Boric visit, and the two sides agreed.",
            "Kenya , Ethiopia and both sides met. He and she left, the three.",
            // the token before the sentence is an entity; its first comma follows none
            ", and India left.",
        ];
        let (mut anaphors, mut commas) = (0, 0);
        for text in texts {
            let doc = n.normalise(text.as_bytes());
            let t = tag(&doc, &g);
            let ents = Entities {
                gaz: &g,
                extra: &t.extra,
            };
            for (si, span) in doc.sentences.iter().enumerate() {
                let ms: Vec<Mention> = t
                    .mentions
                    .iter()
                    .filter(|m| m.sentence == si)
                    .cloned()
                    .collect();
                // tokens of an earlier sentence first, as in a run
                let mut out = vec![Tok::new(Token::ENT, Some(0), 0..0, None)];
                let mut marks = Marks::default();
                tokens(
                    &doc.text,
                    span.clone(),
                    &ms,
                    &ents,
                    &r,
                    &mut out,
                    &mut marks,
                );
                let toks = &out[1..];
                let want: Vec<u32> = (0..toks.len())
                    .filter(|&i| {
                        toks[i]
                            .token
                            .word()
                            .is_some_and(|w| r.anaphor_first.contains(w))
                    })
                    .map(|i| i as u32)
                    .collect();
                assert_eq!(marks.anaphors, want, "{text:?} sentence {si}");
                let after =
                    (1..toks.len()).any(|i| toks[i - 1].ent().is_some() && toks[i].token.is(comma));
                assert_eq!(marks.comma_after_entity, after, "{text:?} sentence {si}");
                anaphors += want.len();
                commas += usize::from(after);
            }
        }
        assert!(anaphors >= 5 && commas >= 3, "{anaphors} {commas}");
    }

    #[test]
    fn tokens_of_a_sentence_leave_the_sentence_before_alone() {
        // a title (and "the") before a person belongs to the name, but not when it ends
        // the sentence before, whose tokens `tokens` appends after
        let (g, r) = (small(), rules());
        let ents = Entities {
            gaz: &g,
            extra: &[],
        };
        let text = "thanked the President Gabriel Boric met";
        let boric = Mention {
            start: 22,
            end: 35,
            entity: g.find("gabriel-boric").expect("in the small gazetteer"),
            sentence: 1,
            form: crate::gazetteer::Form::Name,
        };
        let mut out = Vec::new();
        tokens(text, 0..21, &[], &ents, &r, &mut out, &mut Marks::default());
        tokens(
            text,
            22..text.len(),
            std::slice::from_ref(&boric),
            &ents,
            &r,
            &mut out,
            &mut Marks::default(),
        );
        let got: Vec<&str> = out.iter().map(|t| t.text(text)).collect();
        assert_eq!(got, ["thanked", "the", "President", "Gabriel Boric", "met"]);
        // within one sentence the title and "the" join the name
        let mut out = Vec::new();
        tokens(
            text,
            0..text.len(),
            &[boric],
            &ents,
            &r,
            &mut out,
            &mut Marks::default(),
        );
        let got: Vec<&str> = out.iter().map(|t| t.text(text)).collect();
        assert_eq!(got, ["thanked", "Gabriel Boric", "met"]);
    }

    struct Case {
        name: &'static str,
        text: &'static str,
        want: &'static [&'static str],
    }

    #[test]
    fn relation_cases() {
        let cases = [
            Case { name: "direction", text: "Canada slapped duties on Chinese steel.", want: &["CAN imposes_tariff CHN"] },
            Case { name: "passive nominal", text: "A 30% levy on Vietnamese shrimp announced by Washington hit exporters.", want: &["USA imposes_tariff VNM"] },
            Case { name: "possessive purchases", text: "Seoul's purchases of Qatari gas rose.", want: &["KOR buys_from QAT"] },
            Case { name: "nominal visit", text: "The Indonesian president's visit to Canberra was short.", want: &["IDN visits AUS"] },
            Case { name: "talks between", text: "Talks between Kenya and Ethiopia resumed.", want: &["ETH negotiates_with KEN"] },
            Case { name: "hyphenated talks", text: "Kenya-Ethiopia trade negotiations stalled.", want: &["ETH negotiates_with KEN"] },
            Case {
                name: "coordination both sides",
                text: "Japan and South Korea imposed sanctions on North Korean banks and shipping firms.",
                want: &["JPN sanctions PRK", "KOR sanctions PRK"],
            },
            Case { name: "title is one actor", text: "Chilean President Gabriel Boric met Canadian Prime Minister Mark Carney.", want: &["gabriel-boric meets mark-carney"] },
            Case { name: "negation", text: "India did not sign a trade deal with the United States.", want: &["IND signs_deal USA (negated)"] },
            Case { name: "declined", text: "Russia declined to meet Japan.", want: &["JPN meets RUS (negated)"] },
            Case { name: "planned", text: "India plans to impose tariffs on Chinese steel.", want: &["IND imposes_tariff CHN (planned)"] },
            Case { name: "expected", text: "Putin is expected to visit India next month.", want: &["vladimir-putin visits IND (planned)"] },
            Case { name: "reported stays asserted", text: "Officials said Washington imposed tariffs on Indian goods.", want: &["USA imposes_tariff IND"] },
            Case {
                name: "two countries",
                text: "India and Russia have old ties. The two countries signed a defence deal.",
                want: &["IND signs_deal RUS"],
            },
            Case { name: "he", text: "Narendra Modi spoke on Monday. He later met Vladimir Putin.", want: &["narendra-modi meets vladimir-putin"] },
            Case { name: "it subject", text: "India kept ties with Moscow. It hosted Vladimir Putin last week.", want: &["IND hosts vladimir-putin"] },
            Case { name: "no co-occurrence", text: "India and Canada are large countries.", want: &[] },
            Case { name: "self relation dropped", text: "Narendra Modi visited India.", want: &[] },
            Case { name: "call is a meeting", text: "Narendra Modi held a phone call with US President Donald Trump.", want: &["donald-trump meets narendra-modi"] },
            Case { name: "sellers become sources", text: "Russia sold oil to India.", want: &["IND buys_from RUS"] },
            Case { name: "appositive supplier", text: "India relies on Moscow, its key arms supplier.", want: &["IND buys_from RUS"] },
            Case { name: "refused", text: "Japan refused to sign the pact with China.", want: &["CHN signs_deal JPN (negated)"] },
            Case { name: "denied", text: "India denied buying oil from Russia.", want: &["IND buys_from RUS (negated)"] },
            Case { name: "no deal", text: "India and Canada signed no trade deal.", want: &["CAN signs_deal IND (negated)"] },
            Case { name: "considering", text: "Canada is considering tariffs on Chinese steel.", want: &["CAN imposes_tariff CHN (planned)"] },
            Case { name: "aims to", text: "Japan aims to sign a deal with Australia.", want: &["AUS signs_deal JPN (planned)"] },
            Case { name: "would", text: "Washington would impose duties on Indian goods.", want: &["USA imposes_tariff IND (planned)"] },
            Case { name: "could", text: "Washington could impose duties on Indian goods.", want: &["USA imposes_tariff IND (planned)"] },
            Case { name: "they", text: "Kenya and Ethiopia are neighbours. They signed a trade deal.", want: &["ETH signs_deal KEN"] },
            Case { name: "both sides", text: "Kenya and Ethiopia met. Both sides signed a pact.", want: &["ETH meets KEN", "ETH signs_deal KEN"] },
            Case {
                name: "an anaphor of nothing before one that resolves",
                text: "Kenya and Ethiopia are neighbours. After it rained, they signed a trade deal.",
                want: &["ETH signs_deal KEN"],
            },
            Case {
                name: "a pair out of reach",
                text: "Kenya and Ethiopia met. Rain fell. Snow fell. They signed a deal with Japan.",
                want: &["ETH meets KEN"],
            },
            Case {
                name: "the two leaders",
                text: "Narendra Modi and Mark Carney spoke. The two leaders signed a deal.",
                want: &["mark-carney meets narendra-modi", "mark-carney signs_deal narendra-modi"],
            },
            Case { name: "title before a person", text: "Mark Carney met President Gabriel Boric.", want: &["gabriel-boric meets mark-carney"] },
            Case {
                name: "apposition skipped",
                text: "Mark Carney, a former Bank of Canada governor, visited Japan.",
                want: &["mark-carney visits JPN"],
            },
            Case { name: "passive deal", text: "The pact, which was signed by Japan and Australia, took effect.", want: &["AUS signs_deal JPN"] },
            Case { name: "welcomed a decision is no visit", text: "Mark Carney welcomed India's decision.", want: &[] },
            Case {
                name: "counterpart",
                text: "Mark Carney will meet his Japanese counterpart in Tokyo.",
                want: &["JPN meets mark-carney (planned)"],
            },
            Case { name: "top supplier", text: "Russia is now India's top supplier of crude oil.", want: &["IND buys_from RUS"] },
            Case { name: "biggest buyer", text: "India is the biggest buyer of Russian crude.", want: &["IND buys_from RUS"] },
            Case {
                name: "tariffs of up to",
                text: "China slapped tariffs of up to 15% on Canadian canola.",
                want: &["CHN imposes_tariff CAN"],
            },
            Case { name: "she", text: "Mark Carney arrived. She met Narendra Modi.", want: &["mark-carney meets narendra-modi"] },
            Case { name: "they without a pair is left out", text: "Analysts were upbeat. They visited India.", want: &[] },
            Case { name: "it mid-sentence is left out", text: "India is large. Officials said it visited Russia.", want: &[] },
        ];
        let mut failed = Vec::new();
        for c in cases {
            let got = run(c.text);
            if got != c.want {
                failed.push(format!("{}: got {:?} want {:?}", c.name, got, c.want));
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }
}
