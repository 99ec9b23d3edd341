//! Write: article rows -> the four CSVs (mentions, relations, nodes, edges).
//!
//! Rows of each article arrive in article order and are streamed to `mentions.csv`
//! and `relations.csv`; [`Graph`] folds them into nodes and edges, written at the end
//! sorted by a total key. All CSVs are UTF-8 without BOM, `\n`-terminated, with a
//! header row; `pipeline` writes them into a staging folder and commits the set.

use crate::gazetteer::Gazetteer;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::RefCell;
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

/// A relation that becomes part of an edge (negated ones never do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// Source node Id.
    pub source: String,
    /// Target node Id.
    pub target: String,
    /// Relation id.
    pub relation: String,
    /// Directed relation?
    pub directed: bool,
    /// Stated as planned rather than done?
    pub planned: bool,
    /// CAMEO code of the wording.
    pub cameo: String,
}

/// What the graph needs of one article (and what the cache keeps of it besides where
/// its rows are in the CSVs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleFacts {
    /// Article date, YYYY-MM-DD.
    pub date: String,
    /// Number of mention rows.
    pub mention_count: u64,
    /// Number of relation rows.
    pub relation_count: u64,
    /// Entity Id and its number of mentions here, sorted by Id.
    pub entities: Vec<(String, u64)>,
    /// Relations that are not negated, one per supporting sentence.
    pub facts: Vec<Fact>,
    /// People found by context (Id, label).
    pub people: Vec<(String, String)>,
}

/// One article ready to write: its CSV rows rendered (with their xxh3-64 hashes), and
/// the facts the graph needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// What the graph needs.
    pub facts: ArticleFacts,
    /// Its rows of mentions.csv, without header.
    pub mentions_csv: Vec<u8>,
    /// Its rows of relations.csv, without header.
    pub relations_csv: Vec<u8>,
    /// xxh3-64 of `mentions_csv`.
    pub mentions_hash: u64,
    /// xxh3-64 of `relations_csv`.
    pub relations_hash: u64,
}

impl Rendered {
    /// Renders an article's rows.
    pub fn new(rows: &ArticleRows) -> csv::Result<Rendered> {
        RowRenderer::default().render(
            rows.date.clone(),
            rows.people.clone(),
            rows.mentions.iter().map(MentionRow::view),
            rows.relations.iter().map(RelationRow::view),
        )
    }
}

/// Renders articles' rows to CSV bytes, reusing its buffers from one article to the
/// next (keep one per thread).
pub struct RowRenderer {
    m: csv::Writer<Buf>,
    r: csv::Writer<Buf>,
    /// One row's fields, reused row after row.
    rec: csv::ByteRecord,
}

impl Default for RowRenderer {
    fn default() -> Self {
        RowRenderer {
            m: writer(Buf::default()),
            r: writer(Buf::default()),
            rec: csv::ByteRecord::new(),
        }
    }
}

impl std::fmt::Debug for RowRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowRenderer")
    }
}

/// Decimal digits of a number, without allocating (what serde's csv writer writes).
struct Digits([u8; 20]);

impl Digits {
    fn of(&mut self, mut n: u64) -> &[u8] {
        let mut i = self.0.len();
        loop {
            i -= 1;
            self.0[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        &self.0[i..]
    }
}

/// A byte buffer the CSV writer appends to and [`take_bytes`] empties (the writer only
/// lends out a shared reference to what it writes to).
#[derive(Default)]
struct Buf(RefCell<Vec<u8>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.get_mut().extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes written so far (the writer's own buffer holds up to 8 KiB, so an
/// article's rows usually reach `Buf` in one piece, allocated at their size).
fn take_bytes(w: &mut csv::Writer<Buf>) -> csv::Result<Vec<u8>> {
    w.flush()?;
    Ok(std::mem::take(&mut *w.get_ref().0.borrow_mut()))
}

impl RowRenderer {
    /// Renders one article: its rows in order, the people found by context.
    pub fn render<'a>(
        &mut self,
        date: String,
        people: Vec<(String, String)>,
        mentions: impl IntoIterator<Item = MentionRef<'a>>,
        relations: impl IntoIterator<Item = RelationRef<'a>>,
    ) -> csv::Result<Rendered> {
        let result = self.render_inner(date, people, mentions, relations);
        if result.is_err() {
            // a failed row may have left a partial record behind: start afresh
            *self = RowRenderer::default();
        }
        result
    }

    fn render_inner<'a>(
        &mut self,
        date: String,
        people: Vec<(String, String)>,
        mentions: impl IntoIterator<Item = MentionRef<'a>>,
        relations: impl IntoIterator<Item = RelationRef<'a>>,
    ) -> csv::Result<Rendered> {
        let mut d = Digits([0; 20]);
        let mut entities: Vec<(&'a str, u64)> = Vec::new();
        let mut mention_count = 0u64;
        let rec = &mut self.rec;
        for m in mentions {
            rec.clear();
            rec.push_field(m.article.as_bytes());
            rec.push_field(d.of(m.sentence as u64));
            rec.push_field(d.of(m.start as u64));
            rec.push_field(d.of(m.end as u64));
            rec.push_field(m.text.as_bytes());
            rec.push_field(m.entity.as_bytes());
            rec.push_field(m.kind.as_bytes());
            self.m.write_byte_record(rec)?;
            mention_count += 1;
            match entities.iter_mut().rev().find(|(id, _)| *id == m.entity) {
                Some((_, n)) => *n += 1,
                None => entities.push((m.entity, 1)),
            }
        }
        let mut relation_count = 0u64;
        let mut facts = Vec::new();
        for r in relations {
            rec.clear();
            rec.push_field(r.article.as_bytes());
            rec.push_field(d.of(r.sentence as u64));
            rec.push_field(r.source.as_bytes());
            rec.push_field(r.relation.as_bytes());
            rec.push_field(r.target.as_bytes());
            rec.push_field(if r.directed { b"true" } else { b"false" });
            rec.push_field(r.modality.as_bytes());
            rec.push_field(r.cameo.as_bytes());
            rec.push_field(r.trigger.as_bytes());
            rec.push_field(r.evidence.as_bytes());
            self.r.write_byte_record(rec)?;
            relation_count += 1;
            if r.modality != "negated" {
                facts.push(Fact {
                    source: r.source.to_string(),
                    target: r.target.to_string(),
                    relation: r.relation.to_string(),
                    directed: r.directed,
                    planned: r.modality == "planned",
                    cameo: r.cameo.to_string(),
                });
            }
        }
        // few distinct entities per article: a linear tally beats sorting every mention
        entities.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let entities = entities
            .into_iter()
            .map(|(id, n)| (id.to_string(), n))
            .collect();
        let mentions_csv = take_bytes(&mut self.m)?;
        let relations_csv = take_bytes(&mut self.r)?;
        Ok(Rendered {
            facts: ArticleFacts {
                date,
                mention_count,
                relation_count,
                entities,
                facts,
                people,
            },
            mentions_hash: xxhash_rust::xxh3::xxh3_64(&mentions_csv),
            relations_hash: xxhash_rust::xxh3::xxh3_64(&relations_csv),
            mentions_csv,
            relations_csv,
        })
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

/// Nodes and edges folded from article rows (articles must arrive in order). Ids,
/// relation ids and codes are interned, so folding a fact builds no strings; the
/// outputs are sorted by the strings when written.
#[derive(Debug, Default)]
pub struct Graph {
    names: Vec<String>,
    ids: FxHashMap<String, u32>,
    nodes: FxHashMap<u32, NodeAcc>,
    edges: FxHashMap<(u32, u32, u32), EdgeAcc>,
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
        self.ids.insert(s.to_string(), i);
        i
    }

    fn node(&mut self, id: &str) -> &mut NodeAcc {
        let i = self.intern(id);
        self.nodes.entry(i).or_default()
    }

    /// Folds one article in (articles must come in output order).
    pub fn add(&mut self, a: &ArticleFacts, labels: &dyn Fn(&str) -> String) {
        self.article += 1;
        let art = self.article;
        self.mentions += a.mention_count;
        self.relations += a.relation_count;
        for (id, label) in &a.people {
            let n = self.node(id);
            if n.label.as_ref().is_none_or(|l| label < l) {
                n.label = Some(label.clone());
            }
        }
        for (id, count) in &a.entities {
            let n = self.node(id);
            n.mentions += count;
            n.articles += 1;
        }
        for f in &a.facts {
            let (s, t) = (self.intern(&f.source), self.intern(&f.target));
            self.nodes.entry(s).or_default();
            self.nodes.entry(t).or_default();
            let rel = self.intern(&f.relation);
            let code = self.intern(&f.cameo);
            let e = self.edges.entry((s, t, rel)).or_insert_with(|| EdgeAcc {
                directed: f.directed,
                label: labels(&f.relation),
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

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
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
            .nodes
            .iter()
            .map(|(&i, n)| (self.names[i as usize].as_str(), n))
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
        g.add(&Rendered::new(&a).unwrap().facts, &label);
        g.add(&Rendered::new(&b).unwrap().facts, &label);
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
            // twice: the reused buffers start empty again
            let got = renderer
                .render(
                    rows.date.clone(),
                    vec![],
                    rows.mentions.iter().map(MentionRow::view),
                    rows.relations.iter().map(RelationRow::view),
                )
                .unwrap();
            assert_eq!(got.mentions_csv, m);
            assert_eq!(got.relations_csv, r);
            assert_eq!(
                got.mentions_hash,
                xxhash_rust::xxh3::xxh3_64(&got.mentions_csv)
            );
            assert_eq!(got.facts.mention_count, tricky.len() as u64);
            assert_eq!(got.facts.facts.len(), 6);
            assert_eq!(got, Rendered::new(&rows).unwrap());
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
