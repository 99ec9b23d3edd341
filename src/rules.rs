//! Rules: `gazetteers/relations.tsv` + `modality.tsv` + `pronouns.tsv` -> [`Rules`].
//!
//! A rule is a pattern over a sentence's *skeleton*: the lowercased words of the
//! sentence with every entity mention replaced by an entity token. The pattern language
//! (documented in README and in the file header) has slots `{A}` (the agent), `{B}` (the
//! other side), `{AB}` (a list of two or more, all pairs), `{_}` (an entity that takes no
//! part), words with `*` stems and `|` alternatives, `?` for optional, `@name` macros,
//! gaps `..` (up to 3 words, no entity), `...` (up to 8 words, no entity) and `~` (up to
//! 12 tokens of any kind within a clause), and `<...>` around the trigger words.
//! Patterns compile to token matchers ([`crate::pattern`]) over the words of one
//! [`Lexicon`]; a rule is only tried on a sentence where each of its required words occurs.

use crate::datafile::DataFile;
use crate::error::{Error, Errors};
use crate::lexicon::{Lexicon, Node, NodeSet};
use crate::pattern::{Pattern, Token, WordIndex};
use aho_corasick::AhoCorasick;
use rustc_hash::FxHashMap as HashMap;

/// A relation type ("imposes_tariff").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationType {
    /// Id used in CSV (`Kind` of edges.csv).
    pub id: String,
    /// Display label ("imposes tariff").
    pub label: String,
    /// Directed (agent -> other) or undirected.
    pub directed: bool,
}

/// One compiled pattern.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Index into [`Rules::types`].
    pub relation: usize,
    /// The CAMEO code this wording signals.
    pub cameo: String,
    /// The compiled pattern.
    pub pattern: Pattern,
    /// Where the rule was written, for messages.
    pub line: usize,
    /// A `block` line: pairs it matches may not have this relation in this sentence.
    pub block: bool,
}

/// What a modality cue says about the relation next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Modality {
    /// The text says it happened or happens.
    Asserted,
    /// Intended, expected, possible: not yet done.
    Planned,
    /// The text says it did not or will not happen.
    Negated,
}

impl Modality {
    /// The word written to CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Asserted => "asserted",
            Modality::Planned => "planned",
            Modality::Negated => "negated",
        }
    }
}

/// What an anaphor refers back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anaphor {
    /// The pair last mentioned together ("they", "both sides").
    Pair,
    /// The pair, as countries ("the two countries").
    Countries,
    /// The pair, as people ("the two leaders").
    Leaders,
    /// The last person named ("he", "she").
    Person,
    /// The subject of the previous sentence, when it is a country or body ("It ...").
    Subject,
    /// Opens a description of the name just before it ("Chad Smith, a US official,").
    Apposition,
}

/// A multi-word cue or anaphor: lowercase tokens; a token starting with `*` matches a suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// The tokens of the phrase.
    pub tokens: Vec<String>,
    /// The tokens as lexicon nodes (suffix tokens have none), once linked.
    nodes: Vec<Option<Node>>,
}

impl Phrase {
    fn new(text: &str) -> Phrase {
        let tokens: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        Phrase {
            nodes: vec![None; tokens.len()],
            tokens,
        }
    }

    /// The words to put in the lexicon (suffix tokens are matched on text).
    fn words(&self) -> impl Iterator<Item = &str> {
        self.tokens
            .iter()
            .filter(|t| !t.starts_with('*'))
            .map(String::as_str)
    }

    fn link(&mut self, lex: &Lexicon) {
        for (n, t) in self.nodes.iter_mut().zip(&self.tokens) {
            *n = if t.starts_with('*') {
                None
            } else {
                lex.find(t)
            };
        }
    }

    /// The first token's node, unless it is a suffix.
    pub fn first(&self) -> Option<Node> {
        self.nodes.first().copied().flatten()
    }

    /// Is the phrase a single word?
    pub fn is_word(&self) -> bool {
        self.tokens.len() == 1
    }

    /// Is the last word this one?
    pub fn ends_with(&self, n: Node) -> bool {
        self.nodes.last() == Some(&Some(n))
    }

    /// Does the phrase match the tokens at `at`? `ends(i, suffix)` says whether token
    /// `i`, lowercased, ends with `suffix` and is longer than it.
    pub fn matches_at<T: AsRef<Token>>(
        &self,
        toks: &[T],
        at: usize,
        ends: impl Fn(usize, &str) -> bool,
    ) -> bool {
        self.tokens.len() <= toks.len().saturating_sub(at)
            && self
                .tokens
                .iter()
                .zip(&self.nodes)
                .enumerate()
                .all(|(i, (t, n))| {
                    let tok = toks[at + i].as_ref();
                    match n {
                        Some(n) => tok.is(*n),
                        None => match t.strip_prefix('*') {
                            Some(suffix) => !tok.is_ent() && ends(at + i, suffix),
                            // a word missing from the lexicon matches nothing
                            None => false,
                        },
                    }
                })
    }
}

/// Everything relation extraction needs, compiled once per run.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Relation types in file order.
    pub types: Vec<RelationType>,
    /// Rules in file order (earlier rules win when two find the same relation).
    pub rules: Vec<Rule>,
    /// Modality cues, longest first.
    pub cues: Vec<(Phrase, Modality)>,
    /// Cue indices by their first word's node (one list per lexicon node).
    pub cue_index: Vec<Vec<usize>>,
    /// Cues whose first token is a `*suffix`.
    pub suffix_cues: Vec<usize>,
    /// `NEWSGRAPH_DEBUG` was set: print skeletons and matching rule lines.
    pub debug: bool,
    /// Anaphors, longest first.
    pub anaphors: Vec<(Phrase, Anaphor)>,
    /// For each lexicon node, the anaphors (other than appositions) whose first word it
    /// is, in the order of `anaphors`.
    pub anaphors_at: Vec<Vec<usize>>,
    /// The nodes whose `anaphors_at` list is not empty: one bit test per word tells
    /// that most sentences have no anaphor.
    pub anaphor_first: NodeSet,
    /// One-word anaphors that open an apposition ("a", "its").
    pub apposition_openers: NodeSet,
    /// For each lexicon node, the second words of the anaphors in its `anaphors_at`
    /// list, when every one has a second word ("the" -> "two", "leaders"); `None` when
    /// some may be one word long. Most "the"s are not followed by one: their list is not
    /// tried at all.
    anaphor_next: Vec<Option<Vec<Node>>>,
    /// Every word of the rules, cues and anaphors.
    pub lexicon: Lexicon,
    /// The rules' words elements by lexicon node.
    pub index: WordIndex,
    /// The order rules are tried in: block rules first (so they can claim a pair before
    /// the others see it), then file order. Rules are named by their place in it below.
    pub order: Vec<usize>,
    /// The [`crate::pattern::Hits`] rows each rule requires, one bit per row, laid out
    /// by word of [`crate::pattern::Hits::present_bits`]: word `w` of every place in
    /// `order`, then word `w + 1`. A sentence tries only the rules whose required rows
    /// it all has; one pass of masks over every rule finds them without a branch per
    /// rule or row.
    need: Vec<u64>,
    /// The last words of the anaphors (other than appositions), to see quickly that a
    /// sentence has none; `None` when some anaphor ends with a suffix pattern.
    anaphor_ends: Option<AhoCorasick>,
    /// For each pattern of `anaphor_ends`: its anaphor's kind and whether it is one word.
    end_kinds: Vec<(Anaphor, bool)>,
    /// The `joins` phrases: the text between two names that makes them the pair a later
    /// "they" refers to ("India and Russia", "India-US"); lowercase words, one space
    /// apart.
    joiners: Vec<String>,
}

impl Rules {
    /// Could an anaphor start at a word at node `first` followed by `next`: is `first`
    /// the first word of one, and the next token a second word one of those goes on
    /// with (when all of them have a second word)?
    pub fn anaphor_may_start(&self, first: Node, next: Option<&Token>) -> bool {
        self.anaphor_first.contains(first)
            && match self.anaphor_next.get(first as usize) {
                Some(Some(seconds)) => next.is_some_and(|t| seconds.iter().any(|&m| t.is(m))),
                _ => true,
            }
    }

    /// Is `gap`, the text between two names, a `joins` phrase (whitespace and ASCII case
    /// aside), so that the two are named together?
    pub fn joins(&self, gap: &str) -> bool {
        let gap = gap.trim();
        let Some(first) = gap.bytes().next() else {
            return false;
        };
        // most gaps are a clause: the first byte and the length rule them out at once
        self.joiners.iter().any(|j| {
            j.as_bytes().first() == Some(&first.to_ascii_lowercase()) && gap.len() >= j.len() && {
                let mut words = gap.split_whitespace();
                j.split(' ')
                    .all(|t| words.next().is_some_and(|w| w.eq_ignore_ascii_case(t)))
                    && words.next().is_none()
            }
        })
    }

    /// Reads `relations.tsv`, `modality.tsv` and `pronouns.tsv` from a directory.
    pub fn load(dir: &std::path::Path) -> Result<Rules, Errors> {
        let one = |e: Error| Errors(vec![e]);
        let rel = DataFile::read(dir, "relations.tsv").map_err(one)?;
        let modal = DataFile::read(dir, "modality.tsv").map_err(one)?;
        let pron = DataFile::read(dir, "pronouns.tsv").map_err(one)?;
        Rules::build(&rel, &modal, &pron)
    }

    /// Compiles the rules; every bad line is reported with file:line.
    pub fn build(rel: &DataFile, modal: &DataFile, pron: &DataFile) -> Result<Rules, Errors> {
        let mut errors = Vec::new();
        let mut types: Vec<RelationType> = Vec::new();
        let mut macros: HashMap<String, String> = HashMap::default();
        let mut rules = Vec::new();
        for row in rel.rows() {
            let f = &row.fields;
            let want = match f[0] {
                "relation" => 4,
                "define" => 3,
                "rule" | "block" => 4,
                other => {
                    errors.push(rel.error(
                        row.line,
                        format!("unknown line kind '{other}' (relation, define, rule or block)"),
                    ));
                    continue;
                }
            };
            if f.len() != want {
                errors.push(rel.error(
                    row.line,
                    format!(
                        "'{}' lines have {want} TAB-separated fields, found {}",
                        f[0],
                        f.len()
                    ),
                ));
                continue;
            }
            match f[0] {
                "relation" => {
                    let directed = match f[2] {
                        "directed" => true,
                        "undirected" => false,
                        d => {
                            errors.push(rel.error(
                                row.line,
                                format!("'{d}' must be 'directed' or 'undirected'"),
                            ));
                            continue;
                        }
                    };
                    if types.iter().any(|t| t.id == f[1]) {
                        errors.push(
                            rel.error(row.line, format!("relation '{}' is defined twice", f[1])),
                        );
                        continue;
                    }
                    types.push(RelationType {
                        id: f[1].to_string(),
                        label: f[3].to_string(),
                        directed,
                    });
                }
                "define" => {
                    if !f[1].starts_with('@') {
                        errors.push(rel.error(
                            row.line,
                            format!("macro name '{}' must start with '@'", f[1]),
                        ));
                        continue;
                    }
                    macros.insert(f[1].to_string(), f[2].to_string());
                }
                _ => {
                    let Some(relation) = types.iter().position(|t| t.id == f[1]) else {
                        errors.push(rel.error(
                            row.line,
                            format!(
                                "unknown relation '{}' (define it with a 'relation' line first)",
                                f[1]
                            ),
                        ));
                        continue;
                    };
                    if !(2..=4).contains(&f[2].len()) || !f[2].bytes().all(|b| b.is_ascii_digit()) {
                        errors.push(rel.error(
                            row.line,
                            format!("CAMEO code '{}' must be 2 to 4 digits", f[2]),
                        ));
                        continue;
                    }
                    match Pattern::compile(f[3], &macros, types[relation].directed) {
                        Ok(pattern) => {
                            let block = f[0] == "block";
                            rules.push(Rule {
                                relation,
                                cameo: f[2].to_string(),
                                pattern,
                                line: row.line,
                                block,
                            });
                        }
                        Err(msg) => errors.push(rel.error(row.line, msg)),
                    }
                }
            }
        }
        let mut cues = phrases(modal, &["cue", "modality"], &mut errors, |s| match s {
            "negated" => Some(Modality::Negated),
            "planned" => Some(Modality::Planned),
            _ => None,
        });
        // a `joins` row is no anaphor: `None` here, it goes to `joiners`
        let pronouns = phrases(pron, &["phrase", "refers"], &mut errors, |s| match s {
            "pair" => Some(Some(Anaphor::Pair)),
            "countries" => Some(Some(Anaphor::Countries)),
            "leaders" => Some(Some(Anaphor::Leaders)),
            "person" => Some(Some(Anaphor::Person)),
            "subject" => Some(Some(Anaphor::Subject)),
            "apposition" => Some(Some(Anaphor::Apposition)),
            "joins" => Some(None),
            _ => None,
        });
        let mut anaphors = Vec::new();
        let mut joiners = Vec::new();
        for (p, kind) in pronouns {
            match kind {
                Some(a) => anaphors.push((p, a)),
                // checked below to hold a word
                None => joiners.push(p.tokens.join(" ")),
            }
        }
        for r in pron.rows().filter(|r| r.fields.get(1) == Some(&"joins")) {
            let mut words = r.fields[0].split_whitespace();
            if words.clone().next().is_none() || words.any(|w| w.starts_with('*')) {
                errors.push(pron.error(
                    r.line,
                    "a 'joins' phrase is one or more words matched as written, with no '*'",
                ));
            }
        }
        let lexicon = Lexicon::build(
            rules
                .iter()
                .flat_map(|r: &Rule| r.pattern.words())
                .chain(cues.iter().flat_map(|(p, _)| p.words()))
                .chain(anaphors.iter().flat_map(|(p, _)| p.words())),
        );
        if !lexicon.fits() {
            errors.push(rel.error(
                0,
                format!(
                    "the rules' words make a trie of {} nodes, or hold a word of 65,535 bytes or more: too large",
                    lexicon.len()
                ),
            ));
            return Err(Errors(errors));
        }
        for r in &mut rules {
            r.pattern.link(&lexicon);
        }
        let index = WordIndex::build(
            rules.iter_mut().map(|r: &mut Rule| &mut r.pattern),
            &lexicon,
        );
        let mut order: Vec<usize> = (0..rules.len()).collect();
        order.sort_by_key(|&r| (!rules[r].block, r));
        let places = order.len();
        let mut need = vec![0u64; index.present_words() * places];
        for (k, r) in order.iter().map(|&r| &rules[r]).enumerate() {
            for row in r.pattern.required_rows() {
                need[row as usize / 64 * places + k] |= 1 << (row % 64);
            }
        }
        cues.iter_mut().for_each(|(p, _)| p.link(&lexicon));
        anaphors.iter_mut().for_each(|(p, _)| p.link(&lexicon));
        let mut anaphors_at: Vec<Vec<usize>> = vec![Vec::new(); lexicon.len()];
        let mut apposition_openers = NodeSet::with_capacity(lexicon.len());
        for (i, (p, a)) in anaphors.iter().enumerate() {
            match (a, p.first()) {
                (Anaphor::Apposition, Some(n)) if p.is_word() => apposition_openers.insert(n),
                (Anaphor::Apposition, _) => {}
                (_, Some(n)) => anaphors_at[n as usize].push(i),
                // a suffix-first anaphor could start at any word
                (_, None) => anaphors_at.iter_mut().for_each(|v| v.push(i)),
            }
        }
        // the second words the anaphors of each first word go on with, where all have one
        let anaphor_next = anaphors_at
            .iter()
            .map(|list| {
                let mut next = Vec::new();
                for &i in list {
                    let p = &anaphors[i].0;
                    match (p.first(), p.nodes.get(1)) {
                        (Some(_), Some(Some(m))) if !next.contains(m) => next.push(*m),
                        (Some(_), Some(Some(_))) => {}
                        // a second word missing from the lexicon matches nothing
                        (Some(_), Some(None)) if !p.tokens[1].starts_with('*') => {}
                        _ => return None,
                    }
                }
                Some(next)
            })
            .collect();
        let mut anaphor_first = NodeSet::with_capacity(lexicon.len());
        for (n, list) in anaphors_at.iter().enumerate() {
            if !list.is_empty() {
                anaphor_first.insert(n as Node);
            }
        }
        let (cue_index, suffix_cues) = index_cues(&cues, lexicon.len());
        let end_kinds = anaphors
            .iter()
            .filter(|(_, a)| *a != Anaphor::Apposition)
            .map(|(p, a)| (*a, p.tokens.len() == 1))
            .collect();
        let ends: Option<Vec<&str>> = anaphors
            .iter()
            .filter(|(_, a)| *a != Anaphor::Apposition)
            .map(|(p, _)| {
                p.tokens
                    .last()
                    .map(String::as_str)
                    .filter(|t| !t.starts_with('*'))
            })
            .collect();
        let anaphor_ends = match ends {
            Some(ends) => Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(ends)
                    .map_err(|e| Errors(vec![pron.error(0, format!("anaphor words: {e}"))]))?,
            ),
            None => None,
        };
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        Ok(Rules {
            cue_index,
            suffix_cues,
            anaphors_at,
            anaphor_first,
            apposition_openers,
            anaphor_next,
            lexicon,
            index,
            order,
            need,
            anaphor_ends,
            end_kinds,
            debug: std::env::var_os("NEWSGRAPH_DEBUG").is_some(),
            types,
            rules,
            cues,
            anaphors,
            joiners,
        })
    }
}

impl Rules {
    /// For each place in `order`, the required rows of its rule that a sentence lacks
    /// (one bit per row, OR-ed over the words of `present`, the sentence's
    /// [`crate::pattern::Hits::present_bits`]): 0 where the rule may match. `missing`
    /// is overwritten.
    pub fn missing_rows(&self, present: &[u64], missing: &mut Vec<u64>) {
        let places = self.order.len();
        missing.clear();
        missing.resize(places, 0);
        for (need, &p) in self.need.chunks_exact(places.max(1)).zip(present) {
            for (m, &n) in missing.iter_mut().zip(need) {
                *m |= n & !p;
            }
        }
    }

    /// Could resolving the anaphors of this sentence give it two entities, when it names
    /// `named` itself? Judged from the anaphors' last words standing as whole words: one
    /// that refers to a pair ("they", "the two countries") could; each that refers to one
    /// entity ("he") adds one, a one-word subject anaphor ("It") only where `opens(at)`
    /// says the word at byte `at` is the sentence's first token (elsewhere it resolves to
    /// nothing). A quick test: true may still resolve to less, false never misses.
    pub fn may_pair(&self, text: &str, named: usize, opens: impl Fn(usize) -> bool) -> bool {
        let Some(ac) = &self.anaphor_ends else {
            return true;
        };
        let b = text.as_bytes();
        let apart = |i: usize| b.get(i).is_none_or(|c| !c.is_ascii_alphanumeric());
        let mut count = named;
        for m in ac.find_overlapping_iter(text) {
            if !((m.start() == 0 || apart(m.start() - 1)) && apart(m.end())) {
                continue;
            }
            let adds = match self.end_kinds.get(m.pattern().as_usize()) {
                Some((Anaphor::Person, _)) => 1,
                Some((Anaphor::Subject, true)) => usize::from(opens(m.start())),
                Some((Anaphor::Subject, false)) => 1,
                // pair anaphors (and, defensively, anything unknown)
                _ => 2,
            };
            count += adds;
            if count >= 2 {
                return true;
            }
        }
        false
    }
}

/// Cue positions by first word, so a window is checked with one look-up per word;
/// cues that open with a `*suffix` are listed apart.
fn index_cues(cues: &[(Phrase, Modality)], nodes: usize) -> (Vec<Vec<usize>>, Vec<usize>) {
    let mut index: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    let mut suffixed = Vec::new();
    for (i, (p, _)) in cues.iter().enumerate() {
        match p.first() {
            Some(n) => index[n as usize].push(i),
            None => suffixed.push(i),
        }
    }
    (index, suffixed)
}

fn phrases<T: Copy>(
    file: &DataFile,
    cols: &[&str],
    errors: &mut Vec<Error>,
    parse: impl Fn(&str) -> Option<T>,
) -> Vec<(Phrase, T)> {
    let mut out = Vec::new();
    match file.table(cols) {
        Ok(rows) => {
            for r in rows {
                match parse(r.fields[1]) {
                    Some(v) => out.push((Phrase::new(r.fields[0]), v)),
                    None => errors
                        .push(file.error(r.line, format!("unknown {} '{}'", cols[1], r.fields[1]))),
                }
            }
        }
        Err(e) => errors.push(e),
    }
    out.sort_by_key(|(p, _)| std::cmp::Reverse(p.tokens.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(rules: &str) -> Result<Rules, Errors> {
        Rules::build(
            &DataFile::from_text("relations.tsv", rules),
            &DataFile::from_text("modality.tsv", "not\tnegated\nplans to\tplanned\n"),
            &DataFile::from_text("pronouns.tsv", "they\tpair\n"),
        )
    }

    #[test]
    fn compiles_slots_stems_and_triggers() {
        use crate::pattern::tests::find;
        use crate::pattern::Slot;
        let r =
            build("relation\tvisits\tdirected\tvisits\nrule\tvisits\t042\t{A} .. <visit*> {B}\n")
                .unwrap();
        let m = find(&r.rules[0].pattern, &r.lexicon, &r.index, "E is visiting E").unwrap();
        assert_eq!(
            (m.slot(Slot::A), m.slot(Slot::B), m.trigger),
            (Some((0, 1)), Some((3, 4)), (2, 3))
        );
    }

    #[test]
    fn required_rows_agree_with_the_patterns() {
        use crate::pattern::tests::toks;
        use crate::pattern::Hits;
        let r = build(
            "relation\tmeets\tundirected\tmeets\nrelation\tvisits\tdirected\tvisits\n\
             block\tmeets\t040\t{AB} <met> online\n\
             rule\tmeets\t040\t{A} <met> with? {B} in talks\n\
             rule\tmeets\t040\t<talks> between {AB}\n\
             rule\tvisits\t042\t{A} .. <visit*> {B}\n\
             rule\tvisits\t042\t{A} <arrived|landed> in {B}\n",
        )
        .unwrap();
        let texts = [
            "E met with E in talks",
            "E met E in long talks",
            "E and E met online",
            "talks between E and E",
            "E is visiting E",
            "E landed in E",
            "E arrived E",
            "nothing here",
            "",
        ];
        let mut seen = [false; 2];
        for text in texts {
            let t = toks(text, &r.lexicon);
            let mut hits = Hits::default();
            r.index.fill(&t, &r.lexicon, &mut hits);
            let present = hits.present_bits();
            let mut missing = Vec::new();
            r.missing_rows(present, &mut missing);
            for (k, &rule) in r.order.iter().enumerate() {
                let p = &r.rules[rule].pattern;
                let all = p
                    .required_rows()
                    .all(|row| present[row as usize / 64] & (1 << (row % 64)) != 0);
                assert_eq!(missing[k] == 0, all, "{text:?}, rule {rule}");
                seen[usize::from(all)] = true;
                let sk = crate::pattern::Skeleton {
                    toks: &t,
                    hits: &hits,
                    lex: &r.lexicon,
                };
                if !all {
                    assert!(p.find_at(&sk, 0).is_none(), "{text:?}, rule {rule}");
                }
            }
        }
        assert_eq!(seen, [true, true], "both outcomes occur");
    }

    #[test]
    fn anaphors_start_only_before_a_second_word_they_go_on_with() {
        use crate::pattern::tests::toks;
        let r = Rules::build(
            &DataFile::from_text(
                "relations.tsv",
                "relation\tmeets\tundirected\tmeets\nrule\tmeets\t040\t{AB} <met>\n",
            ),
            &DataFile::from_text("modality.tsv", "not\tnegated\n"),
            &DataFile::from_text(
                "pronouns.tsv",
                "they\tpair\nthe two sides\tpair\nthe leaders\tleaders\n\
                 both sides\tpair\nboth\tpair\nthe\tapposition\n",
            ),
        )
        .unwrap();
        // (text, may an anaphor start at its first word?)
        let cases = [
            ("they met", true),
            ("they", true),
            ("the two sides met", true),
            ("the leaders met", true),
            ("the talks", false),
            ("the", false),
            ("the E", false),
            // "both" is an anaphor by itself: any next word will do
            ("both met", true),
            ("both", true),
            ("met the two", false),
        ];
        for (text, want) in cases {
            let t = toks(text, &r.lexicon);
            let got = t[0]
                .word()
                .is_some_and(|n| r.anaphor_may_start(n, t.get(1)));
            assert_eq!(got, want, "{text:?}");
            // never false where an anaphor (other than an apposition opener) matches
            if !got {
                assert!(
                    !r.anaphors.iter().any(
                        |(p, a)| *a != Anaphor::Apposition && p.matches_at(&t, 0, |_, _| false)
                    ),
                    "{text:?}"
                );
            }
        }
    }

    struct Bad {
        rules: &'static str,
        want: &'static str,
    }

    #[test]
    fn bad_rules_name_the_line() {
        let head = "relation\tmeets\tundirected\tmeets\nrelation\tvisits\tdirected\tvisits\n";
        let cases = [
            Bad {
                rules: "rule\tnope\t040\t{A} met {B}\n",
                want: "relations.tsv:3: unknown relation 'nope'",
            },
            Bad {
                rules: "rule\tmeets\t4x\t{A} met {B}\n",
                want: "relations.tsv:3: CAMEO code '4x'",
            },
            Bad {
                rules: "rule\tmeets\t040\t{A} met\n",
                want: "relations.tsv:3: a pattern needs",
            },
            Bad {
                rules: "rule\tvisits\t042\t{AB} visit\n",
                want: "relations.tsv:3: {AB} only makes sense",
            },
            Bad {
                rules: "rule\tmeets\t040\t{A} @nothing {B}\n",
                want: "unknown macro '@nothing'",
            },
            Bad {
                rules: "rule\tmeets\t040\t{A} <met {B}\n",
                want: "'<' without '>'",
            },
            Bad {
                rules: "rule\tmeets\t040\t{C} met {B}\n",
                want: "unknown slot '{C}'",
            },
            Bad {
                rules: "frob\tx\n",
                want: "relations.tsv:3: unknown line kind 'frob'",
            },
            Bad {
                rules: "rule\tmeets\t040\t{A} Met {B}\n",
                want: "bad word 'Met'",
            },
        ];
        for c in cases {
            let err = build(&format!("{head}{}", c.rules))
                .unwrap_err()
                .to_string();
            assert!(err.contains(c.want), "want {:?} in {:?}", c.want, err);
        }
    }

    #[test]
    fn a_word_too_long_for_a_token_is_an_error() {
        let word = "a".repeat(u16::MAX.into());
        let head = "relation\tmeets\tundirected\tmeets\n";
        let err = build(&format!("{head}rule\tmeets\t040\t{{A}} {word} {{B}}\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("65,535 bytes"), "{err}");
        // one byte shorter fits
        let word = &word[1..];
        assert!(build(&format!("{head}rule\tmeets\t040\t{{A}} {word} {{B}}\n")).is_ok());
    }

    fn with_pronouns(pronouns: &str) -> Result<Rules, Errors> {
        Rules::build(
            &DataFile::from_text(
                "relations.tsv",
                "relation\tmeets\tundirected\tmeets\nrule\tmeets\t040\t{AB} <met>\n",
            ),
            &DataFile::from_text("modality.tsv", "not\tnegated\n"),
            &DataFile::from_text("pronouns.tsv", pronouns),
        )
    }

    #[test]
    fn joins_takes_the_whole_gap_as_written() {
        let r = with_pronouns("they\tpair\nand\tjoins\nand the\tjoins\n-\tjoins\n").unwrap();
        // (text between two names, do they make a pair?)
        let cases = [
            (" and ", true),
            ("and", true),
            (" AND ", true),
            (" and the ", true),
            (" and\n  the ", true),
            ("-", true),
            (" - ", true),
            ("", false),
            (" ", false),
            (" and then ", false),
            (" and the other ", false),
            (" the ", false),
            (" , and ", false),
            ("--", false),
        ];
        for (gap, want) in cases {
            assert_eq!(r.joins(gap), want, "{gap:?}");
        }
        // joiners are not anaphors: "and" starts none
        assert!(r.anaphors.iter().all(|(p, _)| p.tokens[0] != "and"));
        // with no `joins` rows nothing joins
        let none = with_pronouns("they\tpair\n").unwrap();
        assert!(!none.joins(" and "));
    }

    #[test]
    fn bad_joins_rows_name_the_line() {
        let cases = [
            (
                "they\tpair\n*nd\tjoins\n",
                "pronouns.tsv:2: a 'joins' phrase",
            ),
            ("and the *\tjoins\n", "pronouns.tsv:1: a 'joins' phrase"),
            ("and\tjoin\n", "pronouns.tsv:1: unknown refers 'join'"),
        ];
        for (pronouns, want) in cases {
            let err = with_pronouns(pronouns).unwrap_err().to_string();
            assert!(err.contains(want), "want {want:?} in {err:?}");
        }
    }

    #[test]
    fn phrases_match_words_and_suffixes() {
        let lex = Lexicon::build(["plans", "to", "n't"]);
        let words = ["it", "didn't", "n't", "Plans", "to", "planning"];
        let toks: Vec<Token> = words
            .iter()
            .map(|w| Token::from_walk(lex.walk(w.as_bytes()), false))
            .collect();
        let ends = |i: usize, suffix: &str| {
            let w = words[i].to_lowercase();
            w.len() > suffix.len() && w.ends_with(suffix)
        };
        let phrase = |text: &str| {
            let mut p = Phrase::new(text);
            p.link(&lex);
            p
        };
        let cases = [
            ("*n't", 1, true),
            ("*n't", 2, false), // a suffix needs a word before it
            ("*n't", 0, false),
            ("plans to", 3, true), // case is folded
            ("plans to", 4, false),
            ("plans", 5, false), // a word matches whole, not as a prefix
        ];
        for (text, at, want) in cases {
            assert_eq!(
                phrase(text).matches_at(&toks, at, ends),
                want,
                "{text} at {at}"
            );
        }
    }

    #[test]
    fn may_pair_counts_what_whole_anaphor_words_could_add() {
        let r = Rules::build(
            &DataFile::from_text("relations.tsv", ""),
            &DataFile::from_text("modality.tsv", ""),
            &DataFile::from_text(
                "pronouns.tsv",
                "they\tpair\nthe two countries\tcountries\nhe\tperson\nit\tsubject\n\
                 a\tapposition\n",
            ),
        )
        .unwrap();
        // (text, names in it, may pair); a subject anaphor counts at byte 0 only here
        let cases = [
            ("They met.", 0, true),
            ("and THEY", 0, true),
            ("The two countries signed", 0, true),
            ("He's here", 0, false),
            ("He's here", 1, true),
            ("he told her he would", 0, true),
            ("It said", 0, false),
            ("It said", 1, true),
            ("Then it said", 1, false),
            ("Then it said", 2, true),
            ("the theyre shell", 0, false),
            ("the theyre shell", 1, false),
            ("Shell and Sheikh", 1, false),
            ("a countryside", 1, false),
            ("", 1, false),
        ];
        for (text, named, want) in cases {
            assert_eq!(
                r.may_pair(text, named, |at| at == 0),
                want,
                "{text} {named}"
            );
        }
    }
}
