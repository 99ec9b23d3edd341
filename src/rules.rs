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

use crate::datafile::{list, DataFile};
use crate::error::{Error, Errors};
use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
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
    /// The compiled skeleton regex (named groups A, B, AB, t).
    pub regex: Regex,
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

/// An entity list in a skeleton: `ENT3`, `ENT3 and ENT4`, `ENT1 , ENT2 , and ENT5`, `ENT1 - ENT2`.
/// Commas only count when "and" closes the list: "in Korea , Trump said" is no list.
/// "A , and B" with two items is a clause break, not a list.
const LIST: &str = r"ENT\d+(?:(?: , ENT\d+)+(?: ,)? (?:and|&) ENT\d+| (?:and|&|-|/) ENT\d+)*";

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
                    match compile(f[3], &macros, types[relation].directed) {
                        Ok((regex, words)) => {
                            let block = f[0] == "block";
                            for w in words {
                                by_word.entry(w).or_default().push(rules.len());
                            }
                            rules.push(Rule {
                                relation,
                                cameo: f[2].to_string(),
                                regex,
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
            .filter(|(p, a)| p.tokens.len() > 1 && !matches!(a, Anaphor::Person | Anaphor::Subject))
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

/// Compiles one pattern to a regex over skeletons; returns it and its trigger words.
fn compile(
    pattern: &str,
    macros: &HashMap<String, String>,
    directed: bool,
) -> Result<(Regex, Vec<String>), String> {
    let mut re = String::from(" ");
    let mut words = Vec::new();
    let mut first_literal: Vec<String> = Vec::new();
    let (mut in_trigger, mut had_trigger) = (false, false);
    let (mut a, mut b, mut ab) = (false, false, false);
    for raw in pattern.split_whitespace() {
        let mut tok = raw;
        let opens = tok.starts_with('<') && tok.len() > 1;
        if opens {
            if in_trigger || had_trigger {
                return Err("only one <...> trigger group per pattern".into());
            }
            tok = &tok[1..];
            re.push_str("(?P<t>");
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
        let frag = match tok {
            "{A}" => slot("A", &mut a)?,
            "{B}" => slot("B", &mut b)?,
            "{A^}" => slot("Aup", &mut a)?,
            "{B^}" => slot("Bup", &mut b)?,
            "{AB}" => slot("AB", &mut ab)?,
            "{_}" => format!("(?:{LIST}) "),
            ".." => "(?:[^A-Z ]+ ){0,3}?".to_string(),
            "..." => "(?:[^A-Z ]+ ){0,8}?".to_string(),
            "~" => "(?:[^,;: ]+ ){0,12}?".to_string(),
            t if t.starts_with('{') => {
                return Err(format!(
                    "unknown slot '{t}' (use {{A}}, {{B}}, {{AB}} or {{_}})"
                ))
            }
            t => {
                let mut alts = Vec::new();
                for alt in t.split('|') {
                    match alt.strip_prefix('@') {
                        Some(_) => alts.push(
                            macros
                                .get(alt)
                                .ok_or_else(|| format!("unknown macro '{alt}' (define it above)"))?
                                .as_str(),
                        ),
                        None => alts.push(alt),
                    }
                }
                let lits = literal(&alts.join("|"))?;
                if in_trigger {
                    words.extend(lits.iter().map(|(w, _)| w.clone()));
                } else if first_literal.is_empty() {
                    first_literal = lits.iter().map(|(w, _)| w.clone()).collect();
                }
                let alt: Vec<String> = lits
                    .iter()
                    .map(|(w, stem)| {
                        let w = regex::escape(w);
                        if *stem {
                            format!("{w}[a-z']*")
                        } else {
                            w
                        }
                    })
                    .collect();
                format!("(?:{}) ", alt.join("|"))
            }
        };
        if optional {
            re.push_str(&format!("(?:{frag})?"));
        } else {
            re.push_str(&frag);
        }
        if closes {
            if !in_trigger {
                return Err("'>' without '<'".into());
            }
            re.push(')');
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
    match (a, b, ab) {
        (true, true, false) | (false, false, true) => {}
        (false, true, true) | (true, false, true) if !directed => {}
        _ => return Err("a pattern needs {A} and {B}, or {AB} (undirected relations only)".into()),
    }
    if ab && directed {
        return Err("{AB} only makes sense for undirected relations".into());
    }
    let regex = Regex::new(&re).map_err(|e| format!("pattern does not compile: {e}"))?;
    Ok((regex, words))
}

fn slot(name: &str, seen: &mut bool) -> Result<String, String> {
    if *seen {
        return Err(format!("slot {{{name}}} appears twice"));
    }
    *seen = true;
    Ok(format!("(?P<{name}>{LIST}) "))
}

/// Splits `a|b*|c_d` into (word, is_stem); `_` stands for a space.
fn literal(alts: &str) -> Result<Vec<(String, bool)>, String> {
    let mut out = Vec::new();
    for w in list(alts) {
        let (w, stem) = match w.strip_suffix('*') {
            Some(s) => (s, true),
            None => (w, false),
        };
        if w.is_empty() || w.bytes().any(|c| c.is_ascii_uppercase() || c == b' ') {
            return Err(format!(
                "bad word '{w}': words are lowercase, '_' joins two words"
            ));
        }
        out.push((w.replace('_', " "), stem));
    }
    if out.is_empty() {
        return Err(format!("empty word list '{alts}'"));
    }
    Ok(out)
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
        let r =
            build("relation\tvisits\tdirected\tvisits\nrule\tvisits\t042\t{A} .. <visit*> {B}\n")
                .unwrap();
        let re = &r.rules[0].regex;
        let c = re.captures(" ENT0 is visiting ENT1 and ENT2 . ").unwrap();
        assert_eq!(&c["A"], "ENT0");
        assert_eq!(&c["B"], "ENT1 and ENT2");
        assert_eq!(&c["t"], "visiting ");
        assert!(re
            .captures(" ENT0 said ENT3 visited ENT1 ")
            .is_some_and(|c| &c["A"] == "ENT3"));
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
