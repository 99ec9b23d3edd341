//! Rules: `gazetteers/relations.tsv` + `modality.tsv` + `pronouns.tsv` -> [`Rules`].
//!
//! A rule is a pattern over a sentence's *skeleton*: the lowercased words of the
//! sentence with every entity mention replaced by an `ENT<n>` token. The pattern language
//! (documented in README and in the file header) has slots `{A}` (the agent), `{B}` (the
//! other side), `{AB}` (a list of two or more, all pairs), `{_}` (an entity that takes no
//! part), words with `*` stems and `|` alternatives, `?` for optional, `@name` macros,
//! gaps `..` (up to 3 words, no entity), `...` (up to 8 words, no entity) and `~` (up to
//! 12 tokens of any kind within a clause), and `<...>` around the trigger words.
//! Patterns compile to one regex each; the trigger words feed a cheap prefilter.

use crate::datafile::DataFile;
use crate::error::{Error, Errors};
use crate::pattern::Pattern;
use aho_corasick::{AhoCorasick, MatchKind};
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
}

impl Phrase {
    fn new(text: &str) -> Phrase {
        Phrase {
            tokens: text.split_whitespace().map(str::to_lowercase).collect(),
        }
    }

    /// Does the phrase match `words` at position `at`?
    pub fn matches_at(&self, words: &[&str], at: usize) -> bool {
        self.tokens.iter().enumerate().all(|(i, t)| {
            words
                .get(at + i)
                .is_some_and(|w| match t.strip_prefix('*') {
                    Some(suffix) => w.ends_with(suffix) && w.len() > suffix.len(),
                    None => w == t,
                })
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
    /// Cue indices by their first word (cues whose first word is a `*suffix` are under "").
    pub cue_index: HashMap<String, Vec<usize>>,
    /// `NEWSGRAPH_DEBUG` was set: print skeletons and matching rule lines.
    pub debug: bool,
    /// Anaphors, longest first.
    pub anaphors: Vec<(Phrase, Anaphor)>,
    /// Prefilter over the trigger words of all rules (overlapping matches).
    pub triggers: AhoCorasick,
    /// For each trigger pattern, the rules it can start.
    pub trigger_rules: Vec<Vec<usize>>,
    /// Prefilter for pair anaphors ("the two countries"), which update the context.
    pub pair_words: AhoCorasick,
}

impl Rules {
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
        let mut by_word: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
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
                        Ok((pattern, words)) => {
                            let block = f[0] == "block";
                            for w in words {
                                by_word.entry(w).or_default().push(rules.len());
                            }
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
        let cues = phrases(modal, &["cue", "modality"], &mut errors, |s| match s {
            "negated" => Some(Modality::Negated),
            "planned" => Some(Modality::Planned),
            _ => None,
        });
        let anaphors = phrases(pron, &["phrase", "refers"], &mut errors, |s| match s {
            "pair" => Some(Anaphor::Pair),
            "countries" => Some(Anaphor::Countries),
            "leaders" => Some(Anaphor::Leaders),
            "person" => Some(Anaphor::Person),
            "subject" => Some(Anaphor::Subject),
            "apposition" => Some(Anaphor::Apposition),
            _ => None,
        });
        let (trigger_words, trigger_rules): (Vec<String>, Vec<Vec<usize>>) =
            by_word.into_iter().unzip();
        let triggers = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(&trigger_words)
            .map_err(|e| rel.error(0, format!("trigger prefilter: {e}")));
        let pair_phrases: Vec<String> = anaphors
            .iter()
            .filter(|(p, a)| {
                p.tokens.len() > 1
                    && !matches!(a, Anaphor::Person | Anaphor::Subject | Anaphor::Apposition)
            })
            .map(|(p, _)| p.tokens.join(" "))
            .collect();
        let pair_words = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&pair_phrases)
            .map_err(|e| pron.error(0, format!("anaphor prefilter: {e}")));
        match (triggers, pair_words) {
            (Ok(triggers), Ok(pair_words)) if errors.is_empty() => Ok(Rules {
                cue_index: index_cues(&cues),
                debug: std::env::var_os("NEWSGRAPH_DEBUG").is_some(),
                trigger_rules,
                types,
                rules,
                cues,
                anaphors,
                triggers,
                pair_words,
            }),
            (Ok(_), Ok(_)) => Err(Errors(errors)),
            (Err(e), _) | (_, Err(e)) => {
                errors.push(e);
                Err(Errors(errors))
            }
        }
    }
}

/// Cue positions by first word, so a window is checked with one look-up per word.
fn index_cues(cues: &[(Phrase, Modality)]) -> HashMap<String, Vec<usize>> {
    let mut index: HashMap<String, Vec<usize>> = HashMap::default();
    for (i, (p, _)) in cues.iter().enumerate() {
        let first = p.tokens.first().map_or("", |t| t.as_str());
        let key = if first.starts_with('*') { "" } else { first };
        index.entry(key.to_string()).or_default().push(i);
    }
    index
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
        use crate::pattern::{Slot, Token};
        let r =
            build("relation\tvisits\tdirected\tvisits\nrule\tvisits\t042\t{A} .. <visit*> {B}\n")
                .unwrap();
        let toks = [
            Token::Ent,
            Token::Word("is"),
            Token::Word("visiting"),
            Token::Ent,
        ];
        let m = r.rules[0].pattern.find_at(&toks, 0).unwrap();
        assert_eq!(
            (m.slot(Slot::A), m.slot(Slot::B), m.trigger),
            (Some((0, 1)), Some((3, 4)), (2, 3))
        );
        assert_eq!(r.triggers.patterns_len(), 1);
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
    fn phrases_match_suffixes() {
        let p = Phrase::new("*n't");
        assert!(p.matches_at(&["did", "didn't"], 1));
        assert!(!p.matches_at(&["n't"], 0));
        let p = Phrase::new("plans to");
        assert!(p.matches_at(&["it", "plans", "to"], 1));
    }
}
