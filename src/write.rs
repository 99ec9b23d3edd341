//! Write: article rows -> the four CSVs (mentions, relations, nodes, edges).
//!
//! Rows of each article arrive in article order and are streamed to `mentions.csv`
//! and `relations.csv`; [`Graph`] folds them into nodes and edges, written at the end
//! sorted by a total key. All CSVs are UTF-8 without BOM, `\n`-terminated, with a
//! header row; `pipeline` writes them into a staging folder and commits the set.

use crate::gazetteer::Gazetteer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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

/// Everything extracted from one article: what the cache keeps and the writers read.
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

/// One article ready to write: its CSV rows rendered, and the facts the graph needs.
/// This is what the cache keeps, so a rerun copies bytes instead of re-rendering rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// Article date, YYYY-MM-DD.
    pub date: String,
    /// Its rows of mentions.csv, without header.
    pub mentions_csv: Vec<u8>,
    /// Its rows of relations.csv, without header.
    pub relations_csv: Vec<u8>,
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

impl Rendered {
    /// Renders an article's rows.
    pub fn new(rows: &ArticleRows) -> csv::Result<Rendered> {
        let mut m = writer(Vec::with_capacity(rows.mentions.len() * 80));
        for row in &rows.mentions {
            m.serialize(row)?;
        }
        let mut r = writer(Vec::with_capacity(rows.relations.len() * 200));
        for row in &rows.relations {
            r.serialize(row)?;
        }
        let mut entities: BTreeMap<&str, u64> = BTreeMap::new();
        for row in &rows.mentions {
            *entities.entry(&row.entity).or_default() += 1;
        }
        let facts = rows
            .relations
            .iter()
            .filter(|r| r.modality != "negated")
            .map(|r| Fact {
                source: r.source.clone(),
                target: r.target.clone(),
                relation: r.relation.clone(),
                directed: r.directed,
                planned: r.modality == "planned",
                cameo: r.cameo.clone(),
            })
            .collect();
        Ok(Rendered {
            date: rows.date.clone(),
            mentions_csv: m.into_inner().map_err(|e| e.into_error())?,
            relations_csv: r.into_inner().map_err(|e| e.into_error())?,
            mention_count: rows.mentions.len() as u64,
            relation_count: rows.relations.len() as u64,
            entities: entities
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            facts,
            people: rows.people.clone(),
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
    cameo: BTreeMap<String, u64>,
}

/// Nodes and edges folded from article rows (articles must arrive in order).
#[derive(Debug, Default)]
pub struct Graph {
    nodes: BTreeMap<String, NodeAcc>,
    edges: BTreeMap<(String, String, String), EdgeAcc>,
    article: usize,
    /// Totals for the summary line.
    pub mentions: u64,
    /// Totals for the summary line.
    pub relations: u64,
}

impl Graph {
    /// Folds one article in (articles must come in output order).
    pub fn add(&mut self, a: &Rendered, labels: &dyn Fn(&str) -> String) {
        self.article += 1;
        let art = self.article;
        self.mentions += a.mention_count;
        self.relations += a.relation_count;
        for (id, label) in &a.people {
            let n = self.nodes.entry(id.clone()).or_default();
            if n.label.as_ref().is_none_or(|l| label < l) {
                n.label = Some(label.clone());
            }
        }
        for (id, count) in &a.entities {
            let n = self.nodes.entry(id.clone()).or_default();
            n.mentions += count;
            n.articles += 1;
        }
        for f in &a.facts {
            for id in [&f.source, &f.target] {
                self.nodes.entry(id.clone()).or_default();
            }
            let key = (f.source.clone(), f.target.clone(), f.relation.clone());
            let e = self.edges.entry(key).or_insert_with(|| EdgeAcc {
                directed: f.directed,
                label: labels(&f.relation),
                first_seen: a.date.clone(),
                last_seen: a.date.clone(),
                ..EdgeAcc::default()
            });
            // relate keeps one row per pair and relation in a sentence: a row is a sentence
            e.weight += 1;
            e.planned += u64::from(f.planned);
            *e.cameo.entry(f.cameo.clone()).or_default() += 1;
            if e.last_article != art {
                e.last_article = art;
                e.articles += 1;
            }
            if a.date < e.first_seen {
                e.first_seen = a.date.clone();
            }
            if a.date > e.last_seen {
                e.last_seen = a.date.clone();
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
        for (id, n) in &self.nodes {
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
        for ((s, t, rel), e) in &self.edges {
            // most frequent code; ties go to the smallest
            let cameo = e
                .cameo
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or("", |(c, _)| c.as_str());
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

    /// Appends one article's rows.
    pub fn add(&mut self, a: &Rendered) -> std::io::Result<()> {
        self.mentions.write_all(&a.mentions_csv)?;
        self.relations.write_all(&a.relations_csv)
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
        g.add(&Rendered::new(&a).unwrap(), &label);
        g.add(&Rendered::new(&b).unwrap(), &label);
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
