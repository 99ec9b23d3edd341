//! Tag: (&[`Doc`], &[`Gazetteer`]) -> `Vec<Mention>`, the entities named in an article.
//!
//! The gazetteer's automaton, tried at each word start where a name could begin (not
//! over every byte), then general rules:
//! whole words only (possessives and hyphens are word ends), the case rule of each
//! alias, shadows hide what they contain, a given name beside a country word makes a
//! person ("Kevin Jordan"), a demonym or country with a title in front of a person is
//! one mention of that person ("Russian President Vladimir Putin"), a bare surname needs
//! to be unambiguous or to follow the full name in the same article, and "the Indian
//! premier" stands for the last Indian person named, or for India.

use crate::gazetteer::{find, Cue, Entity, Form, Gazetteer, Kind, Starts, Target};
use crate::normalise::Doc;
use crate::swar::{alnum_high, gather_high, in_range_high, word8, HIGH};
use crate::trie::Trie;
use aho_corasick::nfa;
use memchr::memrchr;
use std::cell::Cell;

/// One entity mention in a [`Doc`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Start byte in `Doc::text`.
    pub start: usize,
    /// End byte in `Doc::text`.
    pub end: usize,
    /// Index into `Gazetteer::entities`.
    pub entity: u32,
    /// Index into `Doc::sentences`.
    pub sentence: usize,
    /// How the entity was named.
    pub form: Form,
}

/// What tagging found in one article: mentions, and people the gazetteer does not know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tagged {
    /// Mentions in text order.
    pub mentions: Vec<Mention>,
    /// People found by context; mention index `gazetteer.entities.len() + i` is `extra[i]`.
    pub extra: Vec<Entity>,
}

/// A match of the automaton before the context rules run.
#[derive(Debug, Clone)]
struct Hit<'g> {
    start: usize,
    end: usize,
    target: &'g Target,
    form: Form,
}

/// Finds every entity mention of a document, in text order.
pub fn tag(doc: &Doc, gaz: &Gazetteer) -> Tagged {
    let mentions = known(doc, gaz);
    let (found, extra) = unknown_people(doc, gaz, &mentions);
    merge(mentions, found, extra)
}

/// [`tag`] for several documents, each step over all of them before the next, so its
/// tables stay in the cache.
pub fn tag_all(docs: &[Doc], gaz: &Gazetteer) -> Vec<Tagged> {
    let known: Vec<Vec<Mention>> = docs.iter().map(|d| known(d, gaz)).collect();
    docs.iter()
        .zip(known)
        .map(|(doc, mentions)| {
            let (found, extra) = unknown_people(doc, gaz, &mentions);
            merge(mentions, found, extra)
        })
        .collect()
}

/// Known mentions and people found by context, in text order.
fn merge(mentions: Vec<Mention>, found: Vec<Mention>, extra: Vec<Entity>) -> Tagged {
    if found.is_empty() {
        return Tagged { mentions, extra };
    }
    let mut all = mentions;
    all.extend(found);
    all.sort_by_key(|m| m.start);
    Tagged {
        mentions: all,
        extra,
    }
}

/// Mentions of gazetteer entities.
#[inline(never)]
fn known(doc: &Doc, gaz: &Gazetteer) -> Vec<Mention> {
    let hits = scan(&doc.text, gaz);
    let mut out: Vec<Mention> = Vec::with_capacity(hits.len());
    let mut seen_full: Vec<u32> = Vec::new();
    let mut sentence = 0;
    for (i, hit) in hits.iter().enumerate() {
        while sentence + 1 < doc.sentences.len() && doc.sentences[sentence].end <= hit.start {
            sentence += 1;
        }
        let entity = match hit.target {
            Target::Entity(e, _) => *e,
            Target::Ambiguous(list) => match list.iter().copied().find(|e| seen_full.contains(e)) {
                Some(e) => e,
                None => continue,
            },
            Target::Shadow => continue,
        };
        let kind = gaz.kind(entity);
        if kind == Kind::Country && names_a_person(&doc.text, hit, gaz, doc, sentence) {
            continue;
        }
        if kind == Kind::Person && hit.form == Form::Name && !seen_full.contains(&entity) {
            seen_full.push(entity);
        }
        let mut m = Mention {
            start: hit.start,
            end: hit.end,
            entity,
            sentence,
            form: hit.form,
        };
        if kind == Kind::Person {
            if let Some(prev) = out.last() {
                let org_title =
                    gaz.kind(prev.entity) == Kind::Org && doc.text[prev.end..m.start] == *" ";
                if prev.sentence == sentence
                    && is_modifier(gaz, prev)
                    && (org_title || title_between(&doc.text, prev.end, m.start, gaz))
                {
                    m.start = prev.start;
                    out.pop();
                }
            }
        } else if is_modifier_form(hit.form) {
            let next_start = hits.get(i + 1).map_or(doc.text.len(), |h| h.start);
            if let Some(role_end) = role_after(&doc.text, hit.end, next_start, gaz) {
                m.end = role_end;
                let country = gaz.entities[entity as usize].country.as_deref();
                if let Some(person) = last_person_of(&out, gaz, country) {
                    m.entity = person;
                    m.form = Form::Role;
                }
            }
        }
        out.push(m);
    }
    out
}

/// A word of a sentence: its span and its text without surrounding punctuation.
struct Word<'a> {
    start: usize,
    end: usize,
    text: &'a str,
    /// Punctuation right after the word (a comma or full stop ends a name).
    closed: bool,
    /// End of the piece between spaces that holds the word (the next piece starts after it).
    stop: usize,
}

/// The word of the piece `text[at..stop]` (a piece between spaces), if it has one.
fn word_of(text: &str, at: usize, stop: usize) -> Option<Word<'_>> {
    let raw = &text[at..stop];
    let (lead, len, closed) = match ascii_word_in(raw.as_bytes()) {
        Some(word) => word?,
        None => word_in(raw)?,
    };
    let start = at + lead;
    Some(Word {
        start,
        end: start + len,
        text: &text[start..start + len],
        closed,
        stop,
    })
}

/// The first word of a span of `text` (split at spaces) in a piece starting at `at` or
/// later; `at` is the start of the span or just after a space in it.
fn next_word<'a>(text: &'a str, span: &std::ops::Range<usize>, mut at: usize) -> Option<Word<'a>> {
    let bytes = text.as_bytes();
    while at <= span.end {
        let stop = bytes[at..span.end]
            .iter()
            .position(|&b| b == b' ')
            .map_or(span.end, |p| at + p);
        if let Some(w) = word_of(text, at, stop) {
            return Some(w);
        }
        at = stop + 1;
    }
    None
}

/// The last word of a span of `text` in a piece ending before `at`, the start of a piece.
fn prev_word<'a>(text: &'a str, span: &std::ops::Range<usize>, at: usize) -> Option<Word<'a>> {
    let bytes = text.as_bytes();
    let mut stop = at;
    while stop > span.start {
        // `stop - 1` is the space in front of the piece after this one
        let end = stop - 1;
        let start = bytes[span.start..end]
            .iter()
            .rposition(|&b| b == b' ')
            .map_or(span.start, |p| span.start + p + 1);
        if let Some(w) = word_of(text, start, end) {
            return Some(w);
        }
        stop = start;
    }
    None
}

/// The first word of a span of `text` for which `free` is true, in a piece starting at
/// `from` or later (the start of the span or just after a space in it). Only a word that
/// starts with a capital can be free, and its piece then holds an ASCII capital or a
/// non-ASCII byte: the span is searched sixteen bytes at a time for those, and only the
/// pieces holding one are cut (most bytes of news text are lowercase). When `taken(c)`
/// gives the end of a known mention that holds the first capital `c` of a piece, that
/// piece and the pieces wholly inside the mention are passed over uncut: `taken` must
/// only say so when no word inside the mention can be free.
fn next_free<'a>(
    text: &'a str,
    span: &std::ops::Range<usize>,
    mut from: usize,
    free: impl Fn(&Word) -> bool,
    taken: impl Fn(usize) -> Option<usize>,
) -> Option<Word<'a>> {
    let bytes = &text.as_bytes()[..span.end];
    while let Some(c) = next_capital(bytes, from) {
        let stop = bytes[c..]
            .iter()
            .position(|&b| b == b' ')
            .map_or(span.end, |p| c + p);
        if let Some(end) = taken(c) {
            // `stop` is a space when the mention goes on past it
            let last = end.min(span.end).saturating_sub(1);
            from = match bytes.get(stop..last) {
                Some(inside) if !inside.is_empty() => {
                    memrchr(b' ', inside).map_or(stop + 1, |p| stop + p + 1)
                }
                _ => stop + 1,
            };
            continue;
        }
        let at = bytes[from..c]
            .iter()
            .rposition(|&b| b == b' ')
            .map_or(from, |p| from + p + 1);
        if let Some(w) = word_of(text, at, stop) {
            if free(&w) {
                return Some(w);
            }
        }
        from = stop + 1;
    }
    None
}

/// The high bit of each byte of `x` (little-endian) that is an ASCII capital or not ASCII.
fn capitals(x: u64) -> u64 {
    (in_range_high(x & !HIGH, b'A', b'Z') | x) & HIGH
}

/// The first byte at or after `from` that is an ASCII capital or not ASCII.
fn next_capital(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    // sixteen bytes a round: capitals are ~3% of the bytes of news text
    let mut pairs = rest.chunks_exact(16);
    let mut at = from;
    for pair in pairs.by_ref() {
        let (a, b) = (capitals(word8(pair)), capitals(word8(&pair[8..])));
        if a | b != 0 {
            let (found, skip) = if a != 0 { (a, 0) } else { (b, 8) };
            return Some(at + skip + (found.trailing_zeros() / 8) as usize);
        }
        at += 16;
    }
    pairs
        .remainder()
        .iter()
        .position(|&b| b.is_ascii_uppercase() || !b.is_ascii())
        .map(|p| at + p)
}

/// Fills `out` with the words of a span of `text` (split at spaces): what [`next_word`]
/// and [`next_free`] walk through, all at once (the tests compare them).
#[cfg(test)]
fn words_of<'a>(text: &'a str, span: std::ops::Range<usize>, out: &mut Vec<Word<'a>>) {
    out.clear();
    let mut at = span.start;
    while let Some(w) = next_word(text, &span, at) {
        at = w.stop + 1;
        out.push(w);
    }
}

/// The word in a piece of text between spaces, without the punctuation around it and
/// without a possessive "'s": its offset in the piece, its length, and whether anything
/// was cut from its end (a comma or full stop ends a name). `None` when nothing is left.
fn word_in(raw: &str) -> Option<(usize, usize, bool)> {
    let body = raw.trim_start_matches(|c: char| !c.is_alphanumeric());
    let lead = raw.len() - body.len();
    let body_trim = body.strip_suffix("'s").unwrap_or(body);
    let core = body_trim.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '.');
    let core = if core.len() > 2 {
        core.trim_end_matches('.')
    } else {
        core
    };
    (!core.is_empty()).then_some((lead, core.len(), core.len() < body.len()))
}

/// [`word_in`] on bytes, for a piece whose bytes around the word are ASCII (nearly all
/// pieces): `None` when it meets a non-ASCII byte there, which only `word_in` can judge.
fn ascii_word_in(raw: &[u8]) -> Option<Option<(usize, usize, bool)>> {
    let Some(lead) = raw
        .iter()
        .position(|b| b.is_ascii_alphanumeric() || !b.is_ascii())
    else {
        return Some(None);
    };
    if !raw[lead].is_ascii() {
        return None;
    }
    let body = &raw[lead..];
    let body_trim = body.strip_suffix(b"'s").unwrap_or(body);
    let mut len = body_trim.len();
    while let Some(&b) = body_trim[..len].last() {
        if !b.is_ascii() {
            return None;
        }
        if b.is_ascii_alphanumeric() || b == b'.' {
            break;
        }
        len -= 1;
    }
    if len > 2 {
        while len > 0 && body_trim[len - 1] == b'.' {
            len -= 1;
        }
    }
    Some((len > 0).then_some((lead, len, len < body.len())))
}

/// A capitalised word that could be part of a name ("Biswajit", "Chakravarty", "R", "R.").
#[inline(never)]
fn name_shaped(word: &str, gaz: &Gazetteer) -> bool {
    let Some((&first, rest)) = word.as_bytes().split_first() else {
        return false;
    };
    if !(first.is_ascii() && rest.is_ascii()) {
        return name_shaped_chars(word, gaz);
    }
    // most words are lowercase: settle them before anything else
    if !first.is_ascii_uppercase() {
        return false;
    }
    let mut rest = rest;
    while let [head @ .., b'.'] = rest {
        rest = head;
    }
    rest.is_empty()
        || (rest
            .iter()
            .all(|&c| c.is_ascii_lowercase() || c == b'-' || c == b'\'')
            && gaz.may_be_name_word(word))
}

/// [`name_shaped`] for any word, a character at a time.
fn name_shaped_chars(word: &str, gaz: &Gazetteer) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if first.is_ascii_lowercase() || !first.is_uppercase() {
        return false;
    }
    let rest = chars.as_str().trim_end_matches('.');
    let initial = rest.is_empty();
    let word = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_lowercase() || c == '-' || c == '\'')
        && gaz.may_be_name_word(word);
    initial || word
}

/// Does a span of `text` hold a word for which `free` is true?
#[cfg(test)]
fn has_free_word(text: &str, span: std::ops::Range<usize>, free: impl Fn(&Word) -> bool) -> bool {
    next_free(text, &span, span.start, free, |_| None).is_some()
}

/// Which known mention overlaps a span, for spans asked about in (mostly) text order:
/// a cursor steps forward through the mentions instead of searching them every time.
struct Cover<'m> {
    /// Sorted, non-overlapping mentions.
    known: &'m [Mention],
    /// The first mention that ends after the last position asked about.
    next: Cell<usize>,
}

impl<'m> Cover<'m> {
    fn new(known: &'m [Mention]) -> Cover<'m> {
        Cover {
            known,
            next: Cell::new(0),
        }
    }

    /// The first mention that ends after `at`.
    fn after(&self, at: usize) -> usize {
        let mut i = self.next.get();
        if i > 0 && self.known[i - 1].end > at {
            i = self.known.partition_point(|m| m.end <= at); // a step back
        }
        while self.known.get(i).is_some_and(|m| m.end <= at) {
            i += 1;
        }
        self.next.set(i);
        i
    }

    /// Does a mention overlap `start..end`?
    fn overlaps(&self, start: usize, end: usize) -> bool {
        let i = self.after(start);
        self.known.get(i).is_some_and(|m| m.start < end)
    }

    /// The mention that holds byte `at`, if any.
    fn holder(&self, at: usize) -> Option<&'m Mention> {
        let i = self.after(at);
        self.known.get(i).filter(|m| m.start <= at)
    }
}

/// People named in the text that no gazetteer entry covers, found by context cues.
#[inline(never)]
fn unknown_people(doc: &Doc, gaz: &Gazetteer, known: &[Mention]) -> (Vec<Mention>, Vec<Entity>) {
    let mut found = Vec::new();
    let mut extra: Vec<Entity> = Vec::new();
    let base = gaz.entities.len() as u32;
    let cover = Cover::new(known);
    let covered = |s: usize, e: usize| cover.overlaps(s, e);
    // the first character settles most words; a covered word needs no look-up
    let free = |w: &Word| {
        w.text.chars().next().is_some_and(char::is_uppercase)
            && !covered(w.start, w.end)
            && name_shaped(w.text, gaz)
    };
    let text = doc.text.as_str();
    // an ASCII capital is inside the word of its piece: inside a mention, that word is
    // covered and cannot be free, and it need not be cut to know it; nor need any other
    // word inside the mention
    let taken = |c: usize| {
        let m = cover.holder(c)?;
        text.as_bytes()[c].is_ascii_uppercase().then_some(m.end)
    };
    let mut run: Vec<Word> = Vec::with_capacity(4);
    for (si, span) in doc.sentences.iter().enumerate() {
        // only free words start a run or are a bare surname, and most sentences (~70% of
        // news text) have none: walk from one free word to the next, and cut the words
        // around them only when a rule asks for them
        let mut from = span.start;
        while let Some(first) = next_free(text, span, from, free, taken) {
            let first_at = first.stop; // end of the piece of the run's first word
            run.clear();
            run.push(first);
            while let Some(last) = run.last() {
                if run.len() == 4 || last.closed {
                    break;
                }
                match next_word(text, span, last.stop + 1) {
                    Some(w) if free(&w) => run.push(w),
                    _ => break,
                }
            }
            let is_initial = |w: &Word| w.text.trim_end_matches('.').chars().count() == 1;
            let ok_shape =
                run.len() >= 2 && !is_initial(&run[0]) && !is_initial(&run[run.len() - 1]);
            let (s, e, stop) = (
                run[0].start,
                run[run.len() - 1].end,
                run[run.len() - 1].stop,
            );
            // the cues are looked up only for a run of the right shape
            let cue_before = || {
                // the piece of the run's first word starts after the last space before it
                let at = text.as_bytes()[span.start..s]
                    .iter()
                    .rposition(|&b| b == b' ')
                    .map_or(span.start, |p| span.start + p + 1);
                prev_word(text, span, at).is_some_and(|w| gaz.cue(w.text, Cue::Before) && !w.closed)
            };
            let cue_after = || {
                next_word(text, span, stop + 1).is_some_and(|w| gaz.cue(w.text, Cue::After))
                    && !run
                        .last()
                        .is_some_and(|w| w.closed && w.text.ends_with('.'))
            };
            let given = || run.first().is_some_and(|w| gaz.is_given_name(w.text));
            if ok_shape && (cue_before() || cue_after() || given()) {
                let name = doc.text[s..e].to_string();
                let idx = match extra.iter().position(|x| x.label == name) {
                    Some(k) => k,
                    None => {
                        extra.push(Entity {
                            id: slug(&name),
                            label: name,
                            kind: Kind::Person,
                            country: None,
                            org: None,
                            role: "found by context".to_string(),
                        });
                        extra.len() - 1
                    }
                };
                found.push(Mention {
                    start: s,
                    end: e,
                    entity: base + idx as u32,
                    sentence: si,
                    form: Form::Name,
                });
                from = stop + 1;
                continue;
            }
            // a bare surname of a person found earlier in this article
            let w = &run[0];
            if !extra.is_empty()
                && !found
                    .iter()
                    .any(|m: &Mention| m.start <= w.start && w.end <= m.end)
            {
                if let Some(k) = extra
                    .iter()
                    .position(|x| x.label.rsplit(' ').next() == Some(w.text))
                {
                    found.push(Mention {
                        start: w.start,
                        end: w.end,
                        entity: base + k as u32,
                        sentence: si,
                        form: Form::Short,
                    });
                }
            }
            from = first_at + 1;
        }
    }
    found.retain(|m| gaz.find(&extra[(m.entity - base) as usize].id).is_none());
    (found, extra)
}

/// A lowercase ASCII slug of a name ("Pinak R Chakravarty" -> "pinak-r-chakravarty").
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !c.is_ascii() && c.is_alphabetic() {
            out.push(c.to_lowercase().next().unwrap_or(c));
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Raw automaton hits that pass the word-boundary and case rules.
///
/// A hit must start a word, with a byte its case rule allows there, so when every alias
/// starts with a letter or digit the automaton only runs, anchored, at such word starts
/// (about one word in three of news text) and not over every byte. The hits are the
/// same as an unanchored leftmost-longest search would give ([`scan_everywhere`]): a
/// match there that starts elsewhere is turned down, and the search resumes past the
/// word it starts in, where no hit can start either.
#[inline(never)]
fn scan<'g>(text: &str, gaz: &'g Gazetteer) -> Vec<Hit<'g>> {
    match gaz.starts() {
        Starts::Words(openers) => scan_word_starts(text, gaz, gaz.trie(), openers),
        Starts::Anywhere(ac) => scan_everywhere(text, gaz, ac),
    }
}

/// [`scan`] with the trie `aut` walked only at word starts that `openers` allows.
///
/// The text is taken 64 bytes at a time: a mask of its letters and digits gives all the
/// block's word starts at once (a letter or digit after a byte that is neither), and only
/// those whose byte `openers` allows are tried.
fn scan_word_starts<'g>(
    text: &str,
    gaz: &'g Gazetteer,
    aut: &Trie,
    openers: &[bool; 256],
) -> Vec<Hit<'g>> {
    let bytes = text.as_bytes();
    let n = bytes.len();
    // news text has a match every ~60 bytes: room for most articles without growing
    let mut hits = Vec::with_capacity(n / 32);
    let mut block = 0;
    // is the character before `block` a letter or digit?
    let mut after_word = false;
    while block < n {
        let (word, len) = word_mask(text, block);
        let mut starts = word & !((word << 1) | u64::from(after_word));
        let mut next = (block + len, word >> (len - 1) & 1 != 0);
        while starts != 0 {
            let at = block + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            if !openers[bytes[at] as usize] || !gaz.may_start(bytes, at) {
                continue;
            }
            let Some((pattern, end)) = aut.longest_at(bytes, at) else {
                continue;
            };
            let Some(hit) = accept(text, gaz, at, end, pattern) else {
                continue;
            };
            hits.push(hit);
            // the next start is past the hit, in this block or (from the hit's end on) a later one
            if end - block < len {
                starts &= u64::MAX << (end - block);
            } else {
                next = (end, word_char_before(text, end));
                break;
            }
        }
        (block, after_word) = next;
    }
    hits
}

/// The letters and digits of the (at most) 64 bytes of `text` from `from`: bit `i` is set
/// when byte `from + i` is part of one. Also returns how many bytes that is.
fn word_mask(text: &str, from: usize) -> (u64, usize) {
    let bytes = text.as_bytes();
    let len = (bytes.len() - from).min(64);
    if len == 64 {
        let (mut word, mut wide) = (0, 0);
        for (k, chunk) in bytes[from..from + 64].chunks_exact(8).enumerate() {
            let x = word8(chunk);
            word |= gather_high(alnum_high(x)) << (8 * k);
            wide |= x & HIGH;
        }
        if wide == 0 {
            return (word, len);
        }
    }
    // rare: characters outside ASCII (or the last bytes of the text), one at a time; the
    // block may start or end inside a character, whose bytes count as the character does
    let mut word = 0u64;
    let (mut at, mut end) = (from, from + len);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    for (i, c) in text[at..end].char_indices() {
        if c.is_alphanumeric() {
            let (s, e) = ((at + i).max(from), (at + i + c.len_utf8()).min(from + len));
            word |= (u64::MAX >> (64 - (e - s))) << (s - from);
        }
    }
    (word, len)
}

/// [`BYTE_CLASS`]: an ASCII byte that is no letter or digit.
const OTHER: u8 = 0;
/// [`BYTE_CLASS`]: an ASCII letter or digit.
const ALNUM: u8 = 1;
/// [`BYTE_CLASS`]: part of a character outside ASCII.
const WIDE: u8 = 2;

/// Bytes by what they say about word boundaries, for the tight loops of [`scan`].
const BYTE_CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c >= 0x80 {
            WIDE
        } else if c.is_ascii_alphanumeric() {
            ALNUM
        } else {
            OTHER
        };
        b += 1;
    }
    t
};

/// [`scan`] for gazetteers with an alias that does not start with a letter or digit:
/// one unanchored leftmost-longest search over the whole text.
fn scan_everywhere<'g>(text: &str, gaz: &'g Gazetteer, ac: &nfa::contiguous::NFA) -> Vec<Hit<'g>> {
    let mut hits = Vec::with_capacity(text.len() / 32);
    let mut at = 0;
    while at < text.len() {
        let Some(m) = find(ac, text, at) else {
            break;
        };
        let (s, e) = (m.start(), m.end());
        match accept(text, gaz, s, e, m.pattern().as_usize()) {
            Some(hit) => {
                at = e;
                hits.push(hit);
            }
            None => at = resume_after(text, s),
        }
    }
    hits
}

/// The hit for a match of pattern `pattern` at `s..e`, if it stands as whole words and
/// one of the pattern's spellings accepts its case.
fn accept<'g>(
    text: &str,
    gaz: &'g Gazetteer,
    s: usize,
    e: usize,
    pattern: usize,
) -> Option<Hit<'g>> {
    if word_char_before(text, s) || word_char_after(text, e) {
        return None;
    }
    let matched = &text[s..e];
    let c = gaz.patterns[pattern].iter().find(|c| c.case_ok(matched))?;
    let form = match &c.target {
        Target::Entity(_, f) => *f,
        Target::Ambiguous(_) => Form::Short,
        Target::Shadow => Form::Name,
    };
    Some(Hit {
        start: s,
        end: e,
        target: &c.target,
        form,
    })
}

/// The end of the run of bytes of [`BYTE_CLASS`] `class` starting at `at` (at most the
/// length of `bytes`).
fn run_end(bytes: &[u8], at: usize, class: u8) -> usize {
    let rest = bytes.get(at..).unwrap_or_default();
    at + rest
        .iter()
        .position(|&b| BYTE_CLASS[b as usize] != class)
        .unwrap_or(rest.len())
}

/// The end of the run of letters and digits starting at `at`.
fn word_end(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        at = run_end(bytes, at, ALNUM);
        match bytes.get(at) {
            Some(&b) if BYTE_CLASS[b as usize] == WIDE => match text[at..].chars().next() {
                Some(c) if c.is_alphanumeric() => at += c.len_utf8(),
                _ => return at,
            },
            _ => return at,
        }
    }
}

/// Where to search again after a match at `s` was turned down: at the next character,
/// so that a match inside this one is still seen. But a match that starts inside a run
/// of letters and digits, or right after it, has a letter or digit before it and would be
/// turned down too: the search resumes after the character that ends the run.
fn resume_after(text: &str, s: usize) -> usize {
    // the run is empty when the match starts with punctuation: step over that
    let end = word_end(text, s);
    end + text[end..].chars().next().map_or(0, char::len_utf8)
}

fn word_char_before(text: &str, at: usize) -> bool {
    match at.checked_sub(1).map(|i| text.as_bytes()[i]) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric),
    }
}

fn word_char_after(text: &str, at: usize) -> bool {
    match text.as_bytes().get(at) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => text[at..].chars().next().is_some_and(char::is_alphanumeric),
    }
}

/// How many bytes of white space `text` starts with.
fn leading_space(text: &str) -> usize {
    let ascii = text
        .bytes()
        .position(|b| !(b.is_ascii() && char::from(b).is_whitespace()))
        .unwrap_or(text.len());
    match text.as_bytes().get(ascii) {
        Some(b) if !b.is_ascii() => text.len() - text.trim_start().len(),
        _ => ascii,
    }
}

/// `word` without the characters that are not letters or digits at its end.
fn trim_end_punctuation(word: &str) -> &str {
    let mut end = word.len();
    while let Some(&b) = word.as_bytes()[..end].last() {
        if !b.is_ascii() {
            return word[..end].trim_end_matches(|c: char| !c.is_alphanumeric());
        }
        if b.is_ascii_alphanumeric() {
            break;
        }
        end -= 1;
    }
    &word[..end]
}

/// Forms that can stand in front of a title ("Russian President", "US Trade Representative").
fn is_modifier_form(form: Form) -> bool {
    matches!(
        form,
        Form::Demonym | Form::Acronym | Form::Name | Form::Capital
    )
}

fn is_modifier(gaz: &Gazetteer, m: &Mention) -> bool {
    let kind = gaz.kind(m.entity);
    kind != Kind::Person && is_modifier_form(m.form)
}

/// Is the gap between a modifier and a person a title ("President", "'s Foreign Minister")?
fn title_between(text: &str, from: usize, to: usize, gaz: &Gazetteer) -> bool {
    let gap = text[from..to].trim();
    let gap = gap.strip_prefix("'s").unwrap_or(gap).trim();
    let mut words = gap.split_whitespace().peekable();
    words.peek().is_some() && words.all(|w| gaz.is_title_word(w.trim_end_matches(',')))
}

/// After a modifier, a title that ends a noun phrase ("Indian premier said"): its end.
fn role_after(text: &str, from: usize, next_hit: usize, gaz: &Gazetteer) -> Option<usize> {
    let stop = next_hit.max(from);
    let start = from + leading_space(&text[from..stop]);
    if start == from {
        return None; // no space: "Indian-made"
    }
    // the title words, each a piece of the rest between spaces
    let mut end = None;
    let mut pos = start;
    loop {
        // words are short: a plain loop beats memchr's set-up
        let piece_end = text.as_bytes()[pos..stop]
            .iter()
            .position(|&b| b == b' ')
            .map_or(stop, |p| pos + p);
        let word = &text[pos..piece_end];
        let bare = trim_end_punctuation(word);
        let bare = bare.strip_suffix("'s").unwrap_or(bare);
        if bare.is_empty() || !gaz.is_title_word(bare) {
            break;
        }
        end = Some(pos + bare.len());
        if bare.len() != word.len() || piece_end == stop {
            break;
        }
        pos = piece_end + 1;
    }
    let end = end?;
    // title words hold no white space: the phrase is single spaced as it stands
    if !gaz.is_title(&text[start..end]) {
        return None;
    }
    // a capitalised word after the title would be a name we do not know: leave it alone
    let after = text[end..].trim_start_matches(' ');
    if after.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    Some(end)
}

/// The last person mentioned of this country.
fn last_person_of(out: &[Mention], gaz: &Gazetteer, country: Option<&str>) -> Option<u32> {
    let country = country?;
    out.iter().rev().map(|m| m.entity).find(|&e| {
        let ent = &gaz.entities[e as usize];
        ent.kind == Kind::Person && ent.country.as_deref() == Some(country)
    })
}

/// Does this country word belong to a person's name ("Kevin Jordan", "Chad Smith")?
fn names_a_person(text: &str, hit: &Hit, gaz: &Gazetteer, doc: &Doc, sentence: usize) -> bool {
    if !matches!(hit.form, Form::Name | Form::Capital) {
        return false;
    }
    let before = text[..hit.start].strip_suffix(' ').unwrap_or("");
    let prev_at = before
        .bytes()
        .rposition(|b| b == b' ' || b == b'\n')
        .map_or(0, |p| p + 1);
    let prev = &before[prev_at..];
    if !prev.is_empty() && gaz.is_given_name(prev) {
        return true;
    }
    let word = &text[hit.start..hit.end];
    if !gaz.is_given_name(word) {
        return false;
    }
    let after = &text[hit.end..];
    let Some(next) = after
        .strip_prefix(' ')
        .and_then(|a| a.split([' ', '\n']).next())
    else {
        return false;
    };
    let next = next.trim_end_matches(|c: char| !c.is_alphanumeric());
    let capitalised = next.chars().next().is_some_and(char::is_uppercase);
    capitalised && !gaz.is_title_word(next) && !title_case(doc, sentence)
}

/// Is most of the sentence capitalised, as in a headline ("Jordan Signs Deal With Iraq")?
fn title_case(doc: &Doc, sentence: usize) -> bool {
    let Some(span) = doc.sentences.get(sentence) else {
        return false;
    };
    let words: Vec<&str> = doc.text[span.clone()].split_whitespace().collect();
    let caps = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    words.len() >= 3 && caps * 10 >= words.len() * 6
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::tests::{small, small_with};
    use crate::normalise::tests::small_normaliser;

    fn ids(text: &str) -> Vec<String> {
        let n = small_normaliser();
        let g = small();
        let doc = n.normalise(text.as_bytes());
        let t = tag(&doc, &g);
        let ents = crate::gazetteer::Entities {
            gaz: &g,
            extra: &t.extra,
        };
        t.mentions
            .iter()
            .map(|m| format!("{}={}", &doc.text[m.start..m.end], ents.get(m.entity).id))
            .collect()
    }

    struct Case {
        name: &'static str,
        text: &'static str,
        want: &'static [&'static str],
    }

    /// The scan as it was before it skipped the rest of a word after a turned-down match:
    /// resume one character after the start of every match that is turned down.
    fn scan_one_step<'g>(text: &str, gaz: &'g Gazetteer) -> Vec<(usize, usize, &'g Target)> {
        let mut hits = Vec::new();
        let ac = gaz.automaton().unwrap_or_else(|e| panic!("{e}"));
        let mut at = 0;
        while let Some(m) = find(&*ac, text, at) {
            let (s, e) = (m.start(), m.end());
            let whole = !word_char_before(text, s) && !word_char_after(text, e);
            let cand = gaz.patterns[m.pattern().as_usize()]
                .iter()
                .find(|c| whole && c.case_ok(&text[s..e]));
            match cand {
                Some(c) => {
                    hits.push((s, e, &c.target));
                    at = e;
                }
                None => at = s + text[s..].chars().next().map_or(1, char::len_utf8),
            }
        }
        hits
    }

    /// `role_after` as it was before it walked bytes: the reference for the fast one.
    fn role_after_by_split(
        text: &str,
        from: usize,
        next_hit: usize,
        gaz: &Gazetteer,
    ) -> Option<usize> {
        let rest = &text[from..next_hit.max(from)];
        let rest_trim = rest.trim_start();
        if rest_trim.len() == rest.len() && !rest.is_empty() {
            return None;
        }
        let mut end = None;
        let mut pos = from + (rest.len() - rest_trim.len());
        for word in rest_trim.split(' ') {
            let bare = word.trim_end_matches(|c: char| !c.is_alphanumeric());
            let bare = bare.strip_suffix("'s").unwrap_or(bare);
            if bare.is_empty() || !gaz.is_title_word(bare) {
                break;
            }
            end = Some(pos + bare.len());
            if bare.len() != word.len() {
                break;
            }
            pos += word.len() + 1;
        }
        let end = end?;
        let start = from + (rest.len() - rest_trim.len());
        let phrase = text[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !gaz.is_title(&phrase) {
            return None;
        }
        let after = text[end..].trim_start_matches(' ');
        if after.chars().next().is_some_and(char::is_uppercase) {
            return None;
        }
        Some(end)
    }

    /// Text made of words the small gazetteer knows, parts of them, and joins.
    fn gazetteer_text() -> impl proptest::strategy::Strategy<Value = String> {
        const PIECES: &[&str] = &[
            "India",
            "Indian",
            "indiana",
            "US",
            "us",
            "USA",
            "fund",
            "un",
            "Russia",
            "Russian",
            "President",
            "president",
            "prime",
            "Prime",
            "minister",
            "premier",
            "Premier",
            "'s",
            "\u{2019}",
            "-",
            ".",
            ",",
            " ",
            " ",
            " ",
            "\n",
            "\u{e9}",
            "\u{c9}t\u{e9}",
            "\u{a0}",
            "New",
            "Delhi",
            "Kim",
            "Jong",
            "Un",
            "the",
            "The",
            "said",
            "Kevin",
            "Jordan",
            "Smith",
            "Vladimir",
            "Putin",
            "Trade",
            "Representative",
            "\u{3000}",
            "1",
            "x",
        ];
        concat_of(PIECES)
    }

    /// Up to 30 of `pieces` in a row.
    fn concat_of(
        pieces: &'static [&'static str],
    ) -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        proptest::collection::vec(proptest::sample::select(pieces), 0..30).prop_map(|v| v.concat())
    }

    /// Organisations whose aliases start with a lowercase letter, a digit or an
    /// accented capital.
    const ODD_STARTS: &str = "von-der-leyen\tvon der Leyen\t-\tperson-like\t-\t-\n\
        al-sudani\tal-Sudani\t-\tperson-like\t-\t-\n\
        g7\t7 Eleven\t-\tcompany\t-\t-\n\
        eire\t\u{c9}ire\t-\tcountry-like\t-\t-\n";
    /// An organisation whose alias starts with punctuation.
    const PUNCT_START: &str = "hashtag\t#Trade\t-\tcampaign\t-\t-\n";

    #[test]
    fn openers_follow_the_case_rules() {
        let g = small_with(ODD_STARTS);
        let Some(open) = g.openers() else {
            panic!("every alias starts with a letter or digit");
        };
        // (byte, can a name start with it): "India" needs its capital, "von der Leyen"
        // and "al-Sudani" may start either way, "Éire" with its first UTF-8 byte
        let cases = [
            (b'I', true),
            (b'i', false),
            (b'v', true),
            (b'V', true),
            (b'a', true),
            (b'7', true),
            (0xC3, true),
            (b'q', false),
            (b'#', false),
        ];
        for (b, want) in cases {
            assert_eq!(open[b as usize], want, "{:?}", b as char);
        }
        assert!(small_with(PUNCT_START).openers().is_none());
    }

    /// Text made of pieces of the odd-start aliases, near misses, and joins.
    fn odd_start_text() -> impl proptest::strategy::Strategy<Value = String> {
        const PIECES: &[&str] = &[
            "von",
            "Von",
            "der",
            "Leyen",
            "al",
            "Al",
            "-",
            "Sudani",
            "sudani",
            "7",
            "17",
            "Eleven",
            "\u{c9}ire",
            "\u{e9}ire",
            "\u{c9}",
            "ire",
            "#",
            "Trade",
            "trade",
            "India",
            "US",
            " ",
            " ",
            " ",
            ".",
            "'s",
            "\u{a0}",
            "x",
        ];
        concat_of(PIECES)
    }

    #[test]
    fn word_mask_follows_characters_across_blocks() {
        // characters outside ASCII, letters or not, at every offset from a block start
        let piece = "\u{c9}ire\u{2019}s Kim\u{3000}x \u{4e2d}\u{6587} 7-\u{e9}l\u{e8}ve ";
        for pad in 0..70 {
            let text = format!("{}{}", " ".repeat(pad), piece.repeat(4));
            let mut want = vec![false; text.len()];
            for (i, c) in text.char_indices() {
                want[i..i + c.len_utf8()].fill(c.is_alphanumeric());
            }
            for from in [0, 64, 128, text.len() - 64, text.len() - 5] {
                let (mask, len) = word_mask(&text, from);
                assert_eq!(len, (text.len() - from).min(64));
                for i in 0..len {
                    assert_eq!(mask >> i & 1 != 0, want[from + i], "{pad} {from} {i}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn scan_agrees_with_one_step_scan(text in gazetteer_text()) {
            let g = small();
            let got: Vec<(usize, usize, &Target)> =
                scan(&text, &g).iter().map(|h| (h.start, h.end, h.target)).collect();
            proptest::prop_assert_eq!(got, scan_one_step(&text, &g), "{:?}", text);
        }

        #[test]
        fn scan_agrees_with_one_step_scan_for_any_alias_start(text in odd_start_text()) {
            // lowercase, accented and (in the second) punctuation-initial aliases: word
            // starts with such bytes are tried, and the second falls back to one search
            // over every byte
            for g in [small_with(ODD_STARTS), small_with(&format!("{ODD_STARTS}{PUNCT_START}"))] {
                let got: Vec<(usize, usize, &Target)> =
                    scan(&text, &g).iter().map(|h| (h.start, h.end, h.target)).collect();
                proptest::prop_assert_eq!(got, scan_one_step(&text, &g), "{:?}", text);
            }
        }

        #[test]
        fn role_after_agrees_with_split(text in gazetteer_text()) {
            let g = small();
            let ends: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            for (k, &from) in ends.iter().enumerate() {
                for &next in &ends[k..] {
                    proptest::prop_assert_eq!(
                        role_after(&text, from, next, &g),
                        role_after_by_split(&text, from, next, &g),
                        "{:?} {} {}", text, from, next
                    );
                }
            }
        }

        #[test]
        fn trims_agree_with_str(s in "[a-z0-9 .,'\u{a0}\u{e9}\u{2019}\t\n\u{b}-]{0,12}") {
            proptest::prop_assert_eq!(leading_space(&s), s.len() - s.trim_start().len());
            proptest::prop_assert_eq!(
                trim_end_punctuation(&s),
                s.trim_end_matches(|c: char| !c.is_alphanumeric())
            );
        }

        #[test]
        fn name_shape_on_bytes_agrees_with_chars(s in "[a-zA-Z.'-]{0,8}") {
            let g = small();
            proptest::prop_assert_eq!(name_shaped(&s, &g), name_shaped_chars(&s, &g), "{}", s);
        }

        #[test]
        fn cover_agrees_with_binary_search(
            gaps in proptest::collection::vec((0usize..5, 1usize..5), 0..12),
            asks in proptest::collection::vec((0usize..60, 0usize..4), 0..30),
        ) {
            let mut known = Vec::new();
            let mut at = 0;
            for (gap, len) in gaps {
                let start = at + gap;
                known.push(Mention { start, end: start + len, entity: 0, sentence: 0, form: Form::Name });
                at = start + len;
            }
            let cover = Cover::new(&known);
            for (s, len) in asks {
                let i = known.partition_point(|m| m.end <= s);
                let want = known.get(i).is_some_and(|m| m.start < s + len);
                proptest::prop_assert_eq!(cover.overlaps(s, s + len), want);
                let holder = known.get(i).filter(|m| m.start <= s).map(|m| m.start);
                proptest::prop_assert_eq!(cover.holder(s).map(|m| m.start), holder);
            }
        }

        #[test]
        fn ascii_words_agree_with_general(s in "[a-zA-Z0-9.,'\"()s \u{e9}\u{c9}\u{20ac}-]{0,12}") {
            match ascii_word_in(s.as_bytes()) {
                Some(word) => proptest::prop_assert_eq!(word, word_in(&s), "{:?}", s),
                None => proptest::prop_assert!(!s.is_ascii(), "{:?}", s),
            }
        }

        #[test]
        fn capitals_are_found_as_one_byte_at_a_time(s in "[a-zA-Z0-9@\\[`{ \u{e9}\u{c9}]{0,30}", from in 0usize..32) {
            let want = s
                .bytes()
                .enumerate()
                .skip(from)
                .find(|&(_, b)| b.is_ascii_uppercase() || !b.is_ascii())
                .map(|(i, _)| i);
            proptest::prop_assert_eq!(next_capital(s.as_bytes(), from), want);
        }

        #[test]
        fn words_walk_back_as_forward(s in "[a-zA-Z.,'( \u{e9}]{0,40}") {
            let span = 0..s.len();
            let mut words = Vec::new();
            words_of(&s, span.clone(), &mut words);
            let mut before: Option<usize> = None;
            for w in &words {
                let at = s.as_bytes()[..w.start]
                    .iter()
                    .rposition(|&b| b == b' ')
                    .map_or(0, |p| p + 1);
                let got = prev_word(&s, &span, at).map(|p| p.start);
                proptest::prop_assert_eq!(got, before, "{:?}", s);
                before = Some(w.start);
            }
        }

        #[test]
        fn quick_look_agrees_with_all_words(s in "[a-zA-Z0-9.,'\"( \u{e9}\u{c9}]{0,40}") {
            // a stand-in for `free`: any word that starts with a capital
            let free = |w: &Word| w.text.chars().next().is_some_and(char::is_uppercase);
            let mut words = Vec::new();
            words_of(&s, 0..s.len(), &mut words);
            let want = words.iter().any(free);
            proptest::prop_assert_eq!(has_free_word(&s, 0..s.len(), free), want, "{:?}", s);
            let split: Vec<&str> = s
                .split(' ')
                .filter_map(|raw| word_in(raw).map(|(lead, len, _)| &raw[lead..lead + len]))
                .collect();
            let got: Vec<&str> = words.iter().map(|w| w.text).collect();
            proptest::prop_assert_eq!(got, split);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn passing_over_mentions_agrees_with_all_words(
            pieces in proptest::collection::vec(proptest::sample::select(&[
                "Ab", "cd", "E", "fG", "(Hi", "Jk/Lm", "n.", "Op,", "\u{c9}q", "r\u{e9}", " ", " ", "'s",
            ][..]), 0..14),
            spans in proptest::collection::vec((0usize..40, 0usize..14), 0..6),
        ) {
            let s = pieces.concat();
            let mut known: Vec<Mention> = Vec::new();
            for (start, len) in spans {
                let start = start.min(s.len());
                let end = (start + len).min(s.len());
                if known.last().is_none_or(|m| m.end <= start) && start < end {
                    known.push(Mention { start, end, entity: 0, sentence: 0, form: Form::Name });
                }
            }
            let overlaps = |a: usize, b: usize| known.iter().any(|m| m.start < b && a < m.end);
            let free = |w: &Word| {
                w.text.chars().next().is_some_and(char::is_uppercase) && !overlaps(w.start, w.end)
            };
            let cover = Cover::new(&known);
            let taken = |c: usize| {
                let m = cover.holder(c)?;
                s.as_bytes()[c].is_ascii_uppercase().then_some(m.end)
            };
            let mut words = Vec::new();
            words_of(&s, 0..s.len(), &mut words);
            let want = words.iter().find(|w| free(w)).map(|w| w.start);
            let got = next_free(&s, &(0..s.len()), 0, free, taken).map(|w| w.start);
            proptest::prop_assert_eq!(got, want, "{:?} {:?}", s, known);
        }
    }

    #[test]
    fn tag_all_tags_each_document_as_tag_does() {
        let n = small_normaliser();
        let g = small();
        // known names, people found by context (and their bare surnames), none at all
        let texts = [
            "India's exports and Russia\u{2019}s oil.",
            "Analyst Kevin Jordan said so. Later Jordan met India's envoy.",
            "Nothing here names anyone.",
            "",
            "New Delhi said Washington imposed duties on Indian goods.",
        ];
        let docs: Vec<Doc> = texts.iter().map(|t| n.normalise(t.as_bytes())).collect();
        let one_by_one: Vec<Tagged> = docs.iter().map(|d| tag(d, &g)).collect();
        assert!(one_by_one.iter().any(|t| !t.extra.is_empty()));
        assert!(one_by_one.iter().any(|t| t.mentions.is_empty()));
        assert_eq!(tag_all(&docs, &g), one_by_one);
    }

    #[test]
    fn resolution_rules() {
        let cases = [
            Case {
                name: "possessive",
                text: "India's exports and Russia\u{2019}s oil.",
                want: &["India=IND", "Russia=RUS"],
            },
            Case {
                name: "hyphen pair",
                text: "India-US talks.",
                want: &["India=IND", "US=USA"],
            },
            Case {
                name: "demonym",
                text: "Indian goods rose.",
                want: &["Indian=IND"],
            },
            Case {
                name: "capital metonym",
                text: "New Delhi said Washington imposed duties.",
                want: &["New Delhi=IND", "Washington=USA"],
            },
            Case {
                name: "lowercase us",
                text: "Let us go to the US.",
                want: &["US=USA"],
            },
            Case {
                name: "lowercase common noun",
                text: "We ate turkey sandwiches on fine china.",
                want: &[],
            },
            Case {
                name: "title demonym person",
                text: "Russian President Vladimir Putin arrived.",
                want: &["Russian President Vladimir Putin=vladimir-putin"],
            },
            Case {
                name: "possessive title person",
                text: "India's Foreign Minister Subrahmanyam Jaishankar spoke.",
                want: &["India's Foreign Minister Subrahmanyam Jaishankar=subrahmanyam-jaishankar"],
            },
            Case {
                name: "acronym title person",
                text: "deputy US Trade Representative Rick Switzer left.",
                want: &["US Trade Representative Rick Switzer=rick-switzer"],
            },
            Case {
                name: "unambiguous surname",
                text: "Putin spoke.",
                want: &["Putin=vladimir-putin"],
            },
            Case {
                name: "ambiguous surname alone",
                text: "Kim spoke.",
                want: &[],
            },
            Case {
                name: "ambiguous surname after full name",
                text: "Kim Jong Un spoke. Kim left.",
                want: &["Kim Jong Un=kim-jong-un", "Kim=kim-jong-un"],
            },
            Case {
                name: "longest wins newspaper",
                text: "The Washington Times reported.",
                want: &["The Washington Times=washington-times"],
            },
            Case {
                name: "longest wins south sudan",
                text: "South Sudan and Sudan met.",
                want: &["South Sudan=SSD", "Sudan=SDN"],
            },
            Case {
                name: "longest wins equatorial guinea",
                text: "Equatorial Guinea and Guinea.",
                want: &["Equatorial Guinea=GNQ", "Guinea=GIN"],
            },
            Case {
                name: "shadow",
                text: "The Indian Ocean and Latin American markets.",
                want: &[],
            },
            Case {
                name: "given name before country",
                text: "Analyst Kevin Jordan said so.",
                want: &["Kevin Jordan=kevin-jordan"],
            },
            Case {
                name: "given-name country before surname",
                text: "The drummer Chad Smith played at the show.",
                want: &["Chad Smith=chad-smith"],
            },
            Case {
                name: "country before verb",
                text: "Jordan signed the deal.",
                want: &["Jordan=JOR"],
            },
            Case {
                name: "role resolves to person",
                text: "Narendra Modi spoke. The Indian premier said more.",
                want: &[
                    "Narendra Modi=narendra-modi",
                    "Indian premier=narendra-modi",
                ],
            },
            Case {
                name: "role without person is country",
                text: "The Indonesian president's visit to Canberra.",
                want: &["Indonesian president=IDN", "Canberra=AUS"],
            },
            Case {
                name: "whole words only",
                text: "Indiana and Russiagate.",
                want: &[],
            },
            Case {
                name: "acronym inside word",
                text: "USAID funds.",
                want: &[],
            },
        ];
        for c in cases {
            assert_eq!(ids(c.text), c.want, "case {}", c.name);
        }
    }
}
