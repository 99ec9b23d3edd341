//! Pattern: one rule of `relations.tsv` -> a matcher over the tokens of a sentence skeleton.
//!
//! A skeleton is a sentence as tokens: lowercase words and punctuation, and entities.
//! The language (README, and the header of `relations.tsv`): slots `{A}` `{B}` `{AB}`
//! `{A^}` `{B^}` `{_}` match an entity or a coordinated list of them; `word`, `stem*`,
//! `a|b|c_d` and `@macro` match words; `X?` is optional; gaps `..` and `...` skip up to
//! 3 or 8 non-entity tokens, `~` up to 12 tokens within a clause; `<...>` marks the
//! trigger. Matching is leftmost-first with backtracking, as a regex would do it:
//! lists and optional parts are greedy, gaps are lazy, alternatives are tried in order.
//! Working on tokens keeps it cheap: no regex engine and no text is built per sentence.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// A token of a skeleton.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// An entity (its identity is kept by the caller, by position).
    Ent,
    /// A lowercase word or punctuation.
    Word(&'a str),
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
}

impl Lit {
    fn matches(&self, token: &Token) -> bool {
        let Token::Word(w) = token else { return false };
        if self.stem {
            w.strip_prefix(self.word.as_str())
                .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'\''))
        } else {
            *w == self.word
        }
    }
}

/// A set of alternatives, indexed for speed: one-word alternatives by hash or stem,
/// longer ones (tried first, longest first) as runs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Words {
    exact: HashSet<String>,
    stems: Vec<String>,
    runs: Vec<Vec<Lit>>,
}

impl Words {
    fn new(alts: Vec<Vec<Lit>>) -> Words {
        let mut w = Words {
            exact: HashSet::default(),
            stems: Vec::new(),
            runs: Vec::new(),
        };
        for alt in alts {
            match alt.as_slice() {
                [one] if one.stem => w.stems.push(one.word.clone()),
                [one] => {
                    w.exact.insert(one.word.clone());
                }
                _ => w.runs.push(alt),
            }
        }
        w.runs.sort_by_key(|r| std::cmp::Reverse(r.len()));
        w
    }

    /// Lengths of the alternatives that match at `ti`, longest first.
    fn lengths(&self, toks: &[Token], ti: usize, out: &mut Vec<usize>) {
        for run in &self.runs {
            if run.len() <= toks.len().saturating_sub(ti)
                && run.iter().zip(&toks[ti..]).all(|(l, t)| l.matches(t))
            {
                out.push(run.len());
            }
        }
        if let Some(Token::Word(w)) = toks.get(ti) {
            let stem = || {
                self.stems.iter().any(|s| {
                    w.strip_prefix(s.as_str()).is_some_and(|rest| {
                        rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'\'')
                    })
                })
            };
            if self.exact.contains(*w) || stem() {
                out.push(1);
            }
        }
    }
}

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
    /// The words element that must match somewhere for the pattern to match at all.
    anchor: Option<usize>,
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
#[derive(Debug, Clone, Default)]
struct State {
    slots: [Option<(usize, usize)>; SLOTS],
    open: Option<usize>,
    close: Option<usize>,
    failed: Vec<bool>,
    width: usize,
}

/// What compiling a pattern gives: the matcher and its trigger words (for the prefilter).
pub type Compiled = (Pattern, Vec<String>);

impl Pattern {
    /// Compiles a pattern; `directed` says whether `{AB}` is allowed.
    pub fn compile(
        pattern: &str,
        macros: &HashMap<String, String>,
        directed: bool,
    ) -> Result<Compiled, String> {
        let mut elems = Vec::new();
        let mut words: Vec<String> = Vec::new();
        let mut first_literal: Vec<String> = Vec::new();
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
                    let names = alts.iter().map(|a| {
                        a.iter()
                            .map(|l| l.word.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    });
                    if in_trigger {
                        words.extend(names);
                    } else if first_literal.is_empty() {
                        first_literal = names.collect();
                    }
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
        if !had_trigger {
            words = first_literal;
        }
        if words.is_empty() {
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
        // the first non-optional words inside the trigger (else anywhere) must occur
        let required = |e: &Elem| matches!(e, Elem::Words(_, false));
        let open = elems.iter().position(|e| *e == Elem::Open);
        let anchor = open
            .and_then(|o| elems.iter().skip(o).position(required).map(|i| i + o))
            .or_else(|| elems.iter().position(required));
        Ok((Pattern { elems, anchor }, words))
    }

    /// The leftmost match starting at token `from` or later.
    pub fn find_at(&self, toks: &[Token], from: usize) -> Option<Match> {
        self.find_with(toks, from, &mut Vec::new())
    }

    /// As [`Pattern::find_at`], reusing `scratch` between calls (no allocation per call).
    pub fn find_with(&self, toks: &[Token], from: usize, scratch: &mut Vec<bool>) -> Option<Match> {
        let width = toks.len() + 1;
        let mut failed = std::mem::take(scratch);
        failed.clear();
        failed.resize((self.elems.len() + 1) * width, false);
        let mut st = State {
            failed,
            width,
            ..State::default()
        };
        let found = self.search(toks, from, &mut st);
        *scratch = st.failed;
        found
    }

    fn search(&self, toks: &[Token], from: usize, st: &mut State) -> Option<Match> {
        if let Some(Elem::Words(words, _)) = self.anchor.map(|a| &self.elems[a]) {
            let mut lengths = Vec::new();
            if !(from..toks.len()).any(|i| {
                words.lengths(toks, i, &mut lengths);
                !lengths.is_empty()
            }) {
                return None;
            }
        }
        for start in from..toks.len() {
            st.slots = Default::default();
            st.open = None;
            st.close = None;
            if let Some(end) = self.at(0, toks, start, st) {
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
    fn at(&self, ei: usize, toks: &[Token], ti: usize, st: &mut State) -> Option<usize> {
        let key = ei * st.width + ti.min(st.width - 1);
        if st.failed[key] {
            return None;
        }
        let found = self.step(ei, toks, ti, st);
        if found.is_none() {
            st.failed[key] = true;
        }
        found
    }

    /// One element, then the rest (through [`Pattern::at`], which remembers failures).
    fn step(&self, ei: usize, toks: &[Token], ti: usize, st: &mut State) -> Option<usize> {
        let Some(elem) = self.elems.get(ei) else {
            return Some(ti);
        };
        match elem {
            Elem::Open => {
                let old = st.open.replace(ti);
                self.at(ei + 1, toks, ti, st).or_else(|| {
                    st.open = old;
                    None
                })
            }
            Elem::Close => {
                let old = st.close.replace(ti);
                self.at(ei + 1, toks, ti, st).or_else(|| {
                    st.close = old;
                    None
                })
            }
            Elem::Slot(slot, optional) => {
                let i = slot.index();
                let old = st.slots[i];
                let mut ends = Ends::default();
                if is_ent(toks, ti) {
                    extend_list(toks, ti + 1, &mut ends);
                }
                for &end in ends.as_slice() {
                    st.slots[i] = Some((ti, end));
                    if let Some(e) = self.at(ei + 1, toks, end, st) {
                        return Some(e);
                    }
                }
                st.slots[i] = old;
                if *optional {
                    return self.at(ei + 1, toks, ti, st);
                }
                None
            }
            Elem::Words(words, optional) => {
                let mut lengths = Vec::new();
                words.lengths(toks, ti, &mut lengths);
                for n in lengths {
                    if let Some(e) = self.at(ei + 1, toks, ti + n, st) {
                        return Some(e);
                    }
                }
                if *optional {
                    return self.at(ei + 1, toks, ti, st);
                }
                None
            }
            Elem::Gap { max, clause } => {
                let mut n = 0;
                loop {
                    if let Some(e) = self.at(ei + 1, toks, ti + n, st) {
                        return Some(e);
                    }
                    let t = toks.get(ti + n)?;
                    let allowed = match (clause, t) {
                        (false, Token::Ent) => false,
                        (false, Token::Word(_)) => true,
                        (true, Token::Ent) => true,
                        (true, Token::Word(w)) => !w.contains([',', ';', ':']),
                    };
                    n += 1;
                    if !allowed || n > *max {
                        return None;
                    }
                }
            }
        }
    }
}

/// Ends of the entity lists that start at one token, in a greedy regex's order of
/// preference: `E`, `E and E`, `E - E`, `E / E`, `E & E`, `E , E , and E` (a comma list
/// must close with "and": "in Korea , Trump said" is no list). Kept on the stack.
#[derive(Debug, Default)]
struct Ends {
    buf: [usize; 16],
    len: usize,
}

impl Ends {
    fn push(&mut self, end: usize) {
        if self.len < self.buf.len() {
            self.buf[self.len] = end;
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[usize] {
        &self.buf[..self.len]
    }
}

fn word_at(toks: &[Token], i: usize, words: &[&str]) -> bool {
    matches!(toks.get(i), Some(Token::Word(w)) if words.contains(w))
}

fn is_ent(toks: &[Token], i: usize) -> bool {
    toks.get(i) == Some(&Token::Ent)
}

/// After a list member ending at `pos`: longer lists first, then stopping here.
fn extend_list(toks: &[Token], pos: usize, out: &mut Ends) {
    // ( , E)+ (,)? (and|&) E
    let mut p = pos;
    while word_at(toks, p, &[","]) && is_ent(toks, p + 1) {
        p += 2;
    }
    // longest comma run first: after = p, p - 2, ..., pos + 2
    for after in (pos + 2..=p).rev().step_by(2) {
        for q in [after + 1, after]
            .iter()
            .filter(|&&q| q == after || word_at(toks, after, &[","]))
        {
            if word_at(toks, *q, &["and", "&"]) && is_ent(toks, q + 1) {
                extend_list(toks, q + 2, out);
            }
        }
    }
    // (and|&|-|/) E
    if word_at(toks, pos, &["and", "&", "-", "/"]) && is_ent(toks, pos + 1) {
        extend_list(toks, pos + 2, out);
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
mod tests {
    use super::*;

    /// Skeleton text to tokens: `E` is an entity, anything else a word.
    fn toks(s: &str) -> Vec<Token<'_>> {
        s.split_whitespace()
            .map(|w| if w == "E" { Token::Ent } else { Token::Word(w) })
            .collect()
    }

    fn compile(p: &str) -> Pattern {
        let mut macros = HashMap::default();
        macros.insert("@tariff".to_string(), "tariff*|duty|duties".to_string());
        Pattern::compile(p, &macros, false).unwrap().0
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
        ];
        for c in cases {
            let p = compile(c.pattern);
            let t = toks(c.text);
            let got = p.find_at(&t, 0).map(|m| {
                let a = m.slot(Slot::A).or(m.slot(Slot::AB)).unwrap_or((0, 0));
                (a, m.slot(Slot::B).unwrap_or((0, 0)), m.trigger)
            });
            assert_eq!(got, c.want, "{} on {}", c.pattern, c.text);
        }
    }
}
