//! Write: article rows -> the four CSVs (mentions, relations, nodes, edges).
//!
//! Rows of each article arrive in article order and are streamed to `mentions.csv`
//! and `relations.csv`; [`Graph`] folds them into nodes and edges, written at the end
//! sorted by a total key. All CSVs are UTF-8 without BOM, `\n`-terminated, with a
//! header row; `pipeline` writes them into a staging folder and commits the set.

use crate::gazetteer::Gazetteer;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
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
    last_article: usize,
}

#[derive(Debug, Default)]
struct EdgeAcc {
    directed: bool,
    label: String,
    sentences: BTreeSet<(usize, usize)>,
    planned: BTreeSet<(usize, usize)>,
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
    /// Folds one article's rows in.
    pub fn add(&mut self, rows: &ArticleRows, labels: &dyn Fn(&str) -> String) {
        self.article += 1;
        let art = self.article;
        self.mentions += rows.mentions.len() as u64;
        self.relations += rows.relations.len() as u64;
        for (id, label) in &rows.people {
            let n = self.nodes.entry(id.clone()).or_default();
            if n.label.as_ref().is_none_or(|l| label < l) {
                n.label = Some(label.clone());
            }
        }
        for m in &rows.mentions {
            let n = self.nodes.entry(m.entity.clone()).or_default();
            n.mentions += 1;
            if n.last_article != art {
                n.last_article = art;
                n.articles += 1;
            }
        }
        for r in rows.relations.iter().filter(|r| r.modality != "negated") {
            for id in [&r.source, &r.target] {
                self.nodes.entry(id.clone()).or_default();
            }
            let key = (r.source.clone(), r.target.clone(), r.relation.clone());
            let e = self.edges.entry(key).or_insert_with(|| EdgeAcc {
                directed: r.directed,
                label: labels(&r.relation),
                first_seen: rows.date.clone(),
                last_seen: rows.date.clone(),
                ..EdgeAcc::default()
            });
            let fresh = e.sentences.insert((art, r.sentence));
            if r.modality == "planned" {
                e.planned.insert((art, r.sentence));
            } else {
                e.planned.remove(&(art, r.sentence));
            }
            if fresh {
                *e.cameo.entry(r.cameo.clone()).or_default() += 1;
            }
            if e.last_article != art {
                e.last_article = art;
                e.articles += 1;
            }
            if rows.date < e.first_seen {
                e.first_seen = rows.date.clone();
            }
            if rows.date > e.last_seen {
                e.last_seen = rows.date.clone();
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
                weight: e.sentences.len() as u64,
                cameo,
                articles: e.articles,
                first_seen: &e.first_seen,
                last_seen: &e.last_seen,
                planned: e.planned.len() as u64,
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

/// Streams mention and relation rows of articles, in order, to two CSV writers.
pub struct RowWriter<W: Write> {
    mentions: csv::Writer<W>,
    relations: csv::Writer<W>,
    headers: bool,
}

impl<W: Write> RowWriter<W> {
    /// Wraps the two outputs.
    pub fn new(mentions: W, relations: W) -> RowWriter<W> {
        RowWriter {
            mentions: writer(mentions),
            relations: writer(relations),
            headers: false,
        }
    }

    /// Writes one article's rows (the header rows come before the first).
    pub fn add(&mut self, rows: &ArticleRows) -> csv::Result<()> {
        self.ensure_headers()?;
        for m in &rows.mentions {
            self.mentions.serialize(m)?;
        }
        for r in &rows.relations {
            self.relations.serialize(r)?;
        }
        Ok(())
    }

    fn ensure_headers(&mut self) -> csv::Result<()> {
        if !self.headers {
            self.headers = true;
            self.mentions.write_record([
                "article", "sentence", "start", "end", "text", "entity", "kind",
            ])?;
            self.relations.write_record([
                "article", "sentence", "source", "relation", "target", "directed", "modality",
                "cameo", "trigger", "evidence",
            ])?;
        }
        Ok(())
    }

    /// Flushes and returns the two outputs.
    pub fn finish(mut self) -> std::io::Result<(W, W)> {
        self.ensure_headers()?;
        let m = self.mentions.into_inner().map_err(|e| e.into_error())?;
        let r = self.relations.into_inner().map_err(|e| e.into_error())?;
        Ok((m, r))
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
        g.add(&a, &label);
        g.add(&b, &label);
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
        let w = RowWriter::new(Vec::new(), Vec::new());
        let (m, r) = w.finish().unwrap();
        assert_eq!(
            String::from_utf8(m).unwrap(),
            "article,sentence,start,end,text,entity,kind\n"
        );
        assert!(String::from_utf8(r).unwrap().starts_with(
            "article,sentence,source,relation,target,directed,modality,cameo,trigger,evidence\n"
        ));
    }
}
