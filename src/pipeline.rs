//! Pipeline: a folder of articles -> the four CSVs, reusing what earlier runs extracted.
//!
//! list files -> classify (new, changed, unchanged, removed) -> in chunks, in parallel,
//! each stage over a batch of articles at a time: read -> normalise -> tag -> relate ->
//! rows, cache record and manifest row, facts into the worker's graph; in order, while
//! the next chunk is extracted: stream them to the staged files -> merge the graphs ->
//! write nodes and edges -> commit the set.
//! The one place with file I/O, threads and progress.

use crate::config::{is_date, Config, MAX_ARTICLE_BYTES};
use crate::gazetteer::{Gazetteer, Kind, ScanAutomaton};
use crate::normalise::{Doc, Normaliser};
use crate::relate::{relate_all_with, Relation};
use crate::rules::Rules;
use crate::store::{self, Block, CacheRecordRef, Entry, ManifestRow, Reuse, Reused, Staged, Store};
use crate::tag::{tag_all, Tagged};
use crate::write::{
    ArticleFacts, ArticleRows, Graph, MentionRef, RelationRef, Rendered, RowRenderer, RowWriter,
    MENTION_COLUMNS, RELATION_COLUMNS,
};
use anyhow::{anyhow, bail, Context as _, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{IsTerminal, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Instant, UNIX_EPOCH};

/// Articles handled per parallel batch: bounds memory, keeps output order. 2048 ran
/// ~3% faster than 1024 (13 of 20 alternating full runs) once a chunk's parts shrank
/// at its end, for 15-20 MB more at peak.
const CHUNK: usize = 2048;

/// Articles sent to the writer at a time (a chunk is sent in parts): bounds the reused
/// rows held in memory.
const BATCH: usize = 128;

/// What a run did, for the summary line and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Articles in the input folder (readable `.txt` files).
    pub articles: usize,
    /// Not in the previous run.
    pub new: usize,
    /// Changed since the previous run.
    pub changed: usize,
    /// Same bytes as in the previous run (reused from the cache unless data changed).
    pub unchanged: usize,
    /// In the previous run, gone now.
    pub removed: usize,
    /// Mention rows.
    pub mentions: u64,
    /// Relation rows.
    pub relations: u64,
    /// Nodes.
    pub nodes: usize,
    /// Edges.
    pub edges: usize,
    /// Warnings printed.
    pub warnings: usize,
}

/// The compiled data of a run: built once, shared by every worker.
pub struct Engine {
    /// Normalisation settings.
    pub normaliser: Normaliser,
    /// Entities and the automaton.
    pub gazetteer: Gazetteer,
    /// Relation rules.
    pub rules: Rules,
    /// Hash of every data file and the program version.
    pub fingerprint: String,
}

impl Engine {
    /// Loads and compiles everything in a gazetteer folder; any bad row stops here.
    pub fn load(dir: &Path) -> Result<Engine> {
        gazetteer_folder(dir)?;
        // the gazetteer, the rules and the rest compile independently: side by side
        let (gazetteer, (rules, rest)) = rayon::join(
            || Gazetteer::load(dir),
            || {
                rayon::join(
                    || Rules::load(dir),
                    || -> Result<(Normaliser, String)> {
                        let bp = crate::datafile::DataFile::read(dir, "boilerplate.tsv")?;
                        let ab = crate::datafile::DataFile::read(dir, "abbreviations.txt")?;
                        Ok((Normaliser::new(&bp, &ab)?, fingerprint(dir)?))
                    },
                )
            },
        );
        // errors as when these ran one after another: the gazetteer's and the rules'
        // together, then the rest
        let (gazetteer, rules) = match (gazetteer, rules) {
            (Ok(g), Ok(r)) => (g, r),
            (Err(g), Err(r)) => bail!("{g}\n{r}"),
            (Err(e), _) => bail!("{e}"),
            (_, Err(e)) => bail!("{e}"),
        };
        let (normaliser, fingerprint) = rest?;
        Ok(Engine {
            normaliser,
            gazetteer,
            rules,
            fingerprint,
        })
    }

    /// The display label of a relation type, by id (the id itself if there is none).
    pub fn relation_label(&self, id: &str) -> String {
        let t = self.rules.types.iter().find(|t| t.id == id);
        t.map_or_else(|| id.to_string(), |t| t.label.clone())
    }

    /// Runs the stages on one article's bytes, returning owned rows (tests and tools;
    /// a run renders straight to CSV bytes with [`Engine::render_all`]).
    pub fn extract(&self, article: &str, raw: &[u8], fallback_date: &str) -> (ArticleRows, Doc) {
        let x = self.analyse(raw);
        let rows = ArticleRows {
            date: x.date(article, fallback_date).to_string(),
            mentions: self
                .mention_refs(article, raw, &x)
                .map(|m| m.to_row())
                .collect(),
            relations: self
                .relation_refs(article, &x)
                .map(|r| r.to_row())
                .collect(),
            people: x
                .people()
                .map(|(id, label)| (id.to_string(), label.to_string()))
                .collect(),
        };
        (rows, x.doc)
    }

    /// As [`Engine::extract`] for several articles (article, bytes, fallback date),
    /// rendering the rows straight to CSV bytes (no owned rows are built): what a run
    /// does. Same bytes as `Rendered::new` of the rows, in the order given. The facts
    /// of article `i` are only lent, to `tail(i, facts, out)`, which may append bytes
    /// after its rows (see [`RowRenderer::render_with`]).
    ///
    /// Each stage runs over all the articles before the next stage starts, so that its
    /// tables stay in the cache while it works: taken article by article, the stages
    /// pushed each other's tables out, and the same work took about 6% longer. `relate`
    /// holds relate's buffers, which a worker keeps from batch to batch.
    pub fn render_all(
        &self,
        renderer: &mut RowRenderer,
        relate: &mut crate::relate::Buffers,
        articles: &[(&str, &[u8], &str)],
        mut tail: impl FnMut(usize, &ArticleFacts, &mut Vec<u8>),
    ) -> Vec<(Rendered, Doc)> {
        let xs = self.analyse_all(articles.iter().map(|a| a.1), relate);
        articles
            .iter()
            .zip(xs)
            .enumerate()
            .map(|(i, (&(article, raw, fallback_date), x))| {
                let rendered = renderer.render_with(
                    x.date(article, fallback_date),
                    x.people(),
                    self.mention_refs(article, raw, &x),
                    self.relation_refs(article, &x),
                    |facts, out| tail(i, facts, out),
                );
                (rendered, x.doc)
            })
            .collect()
    }

    fn analyse(&self, raw: &[u8]) -> Analysed {
        let mut x = self.analyse_all(std::iter::once(raw), &mut Default::default());
        x.pop()
            .unwrap_or_else(|| unreachable!("one analysis per article"))
    }

    /// Normalises, tags and relates articles stage by stage (see [`Engine::render_all`]).
    fn analyse_all<'r>(
        &self,
        raws: impl Iterator<Item = &'r [u8]>,
        relate: &mut crate::relate::Buffers,
    ) -> Vec<Analysed> {
        let t = Instant::now();
        let docs: Vec<Doc> = raws.map(|raw| self.normaliser.normalise(raw)).collect();
        let t = lap(&TIMES.normalise, t);
        let tagged: Vec<Tagged> = tag_all(&docs, &self.gazetteer);
        let t = lap(&TIMES.tag, t);
        let relations = relate_all_with(
            docs.iter().zip(&tagged),
            &self.gazetteer,
            &self.rules,
            relate,
        );
        lap(&TIMES.relate, t);
        docs.into_iter()
            .zip(tagged)
            .zip(relations)
            .map(|((doc, tagged), relations)| Analysed {
                doc,
                tagged,
                relations,
            })
            .collect()
    }

    fn mention_refs<'a>(
        &'a self,
        article: &'a str,
        raw: &'a [u8],
        x: &'a Analysed,
    ) -> impl Iterator<Item = MentionRef<'a>> + 'a {
        let g = crate::gazetteer::Entities {
            gaz: &self.gazetteer,
            extra: &x.tagged.extra,
        };
        // the file checked once, not each mention: in a valid file (nearly all) a
        // mention's text is its slice (what lossy decoding of it would give)
        let valid = match x.tagged.mentions.is_empty() {
            true => None,
            false => std::str::from_utf8(raw).ok(),
        };
        x.tagged.mentions.iter().map(move |m| {
            let span = x.doc.original(m.start..m.end);
            let e = g.get(m.entity);
            MentionRef {
                article,
                sentence: m.sentence,
                start: span.start,
                end: span.end,
                text: match valid.and_then(|v| v.get(span.clone())) {
                    Some(t) => Cow::Borrowed(t),
                    None => String::from_utf8_lossy(&raw[span]),
                },
                entity: &e.id,
                kind: e.kind.as_str(),
            }
        })
    }

    fn relation_refs<'a>(
        &'a self,
        article: &'a str,
        x: &'a Analysed,
    ) -> impl Iterator<Item = RelationRef<'a>> + 'a {
        let g = crate::gazetteer::Entities {
            gaz: &self.gazetteer,
            extra: &x.tagged.extra,
        };
        x.relations.iter().map(move |r| {
            let t = &self.rules.types[r.relation];
            RelationRef {
                article,
                sentence: r.sentence,
                source: &g.get(r.source).id,
                relation: &t.id,
                target: &g.get(r.target).id,
                directed: t.directed,
                modality: r.modality.as_str(),
                cameo: &self.rules.rules[r.rule].cameo,
                trigger: &x.doc.text[r.trigger.clone()],
                evidence: &x.doc.text[x.doc.sentences[r.sentence].clone()],
            }
        })
    }
}

/// One article through the stages, before its rows are made.
struct Analysed {
    doc: Doc,
    tagged: Tagged,
    relations: Vec<Relation>,
}

impl Analysed {
    /// The article's date: from its text, else from its file name, else `fallback`.
    fn date<'a>(&'a self, article: &'a str, fallback: &'a str) -> &'a str {
        self.doc
            .date
            .as_deref()
            .or_else(|| date_prefix(article))
            .unwrap_or(fallback)
    }

    /// People found by context (Id, label).
    fn people(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tagged
            .extra
            .iter()
            .map(|e| (e.id.as_str(), e.label.as_str()))
    }
}

/// Time spent per stage, summed over threads, in nanoseconds.
struct Times {
    read: AtomicU64,
    normalise: AtomicU64,
    tag: AtomicU64,
    relate: AtomicU64,
    reuse: AtomicU64,
    write: AtomicU64,
    commit: AtomicU64,
    /// CPU time of the writer thread (it shares the cores with the workers).
    writer_cpu: AtomicU64,
}

static TIMES: Times = Times {
    read: AtomicU64::new(0),
    normalise: AtomicU64::new(0),
    tag: AtomicU64::new(0),
    relate: AtomicU64::new(0),
    reuse: AtomicU64::new(0),
    write: AtomicU64::new(0),
    commit: AtomicU64::new(0),
    writer_cpu: AtomicU64::new(0),
};

/// Whether stages are timed (`--timings`): a run without it reads no clocks per article.
static TIMING: AtomicBool = AtomicBool::new(false);

/// Adds the time since `since` to `counter` and returns now, when stages are timed.
fn lap(counter: &AtomicU64, since: Instant) -> Instant {
    if !TIMING.load(Ordering::Relaxed) {
        return since;
    }
    let now = Instant::now();
    counter.fetch_add((now - since).as_nanos() as u64, Ordering::Relaxed);
    now
}

/// CPU time the calling thread has used, in nanoseconds, when stages are timed (0
/// elsewhere than Linux).
fn thread_cpu() -> u64 {
    if !TIMING.load(Ordering::Relaxed) {
        return 0;
    }
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: writes only the timespec passed, which lives on this stack.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            let (s, ns) = (u64::try_from(ts.tv_sec), u64::try_from(ts.tv_nsec));
            return s.unwrap_or(0) * 1_000_000_000 + ns.unwrap_or(0);
        }
    }
    0
}

/// A `YYYY-MM-DD` at the start of the file name.
fn date_prefix(article: &str) -> Option<&str> {
    let name = article.rsplit('/').next().unwrap_or(article);
    let d = name.get(..10)?;
    is_date(d).then_some(d)
}

/// Hash of the program version and every data file of the gazetteer folder.
/// A hash of the running executable (0 if it cannot be read), so that results cached
/// by another build of the program are not reused.
fn program_hash() -> u64 {
    static HASH: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *HASH.get_or_init(|| {
        // read through one small buffer: the file is ~20 MB, and a buffer that size
        // would be fresh memory, faulted in page by page, each run
        let hash = |path: PathBuf| -> std::io::Result<u64> {
            let mut file = File::open(path)?;
            let (mut h, mut buf) = (xxhash_rust::xxh3::Xxh3::new(), vec![0u8; 1 << 16]);
            loop {
                match std::io::Read::read(&mut file, &mut buf) {
                    Ok(0) => return Ok(h.digest()),
                    Ok(n) => h.update(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        };
        std::env::current_exe().and_then(hash).unwrap_or(0)
    })
}

/// Stops with a clear message when the gazetteer folder is missing.
fn gazetteer_folder(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        bail!(
            "gazetteer folder {} does not exist (pass --gazetteers DIR)",
            dir.display()
        );
    }
    Ok(())
}

fn fingerprint(dir: &Path) -> Result<String> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&store::CACHE_VERSION.to_le_bytes());
    // a rebuilt program may extract differently even under the same version number
    h.update(&program_hash().to_le_bytes());
    for p in names {
        h.update(
            p.file_name()
                .map(|n| n.as_encoded_bytes())
                .unwrap_or_default(),
        );
        h.update(&fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?);
    }
    Ok(format!("{:032x}", h.digest128()))
}

/// An input file found by the walk: a view into [`Inputs`].
#[derive(Debug, Clone, Copy)]
struct Input<'a> {
    /// Path relative to the input folder, as written to the CSVs (`\xNN` for bytes
    /// that are not UTF-8).
    rel: &'a str,
    /// The relative path as the system has it, only when it differs from `rel`.
    os: Option<&'a std::ffi::OsStr>,
}

impl Input<'_> {
    /// The file's path under the input folder `root`.
    fn abs(&self, root: &Path) -> PathBuf {
        match self.os {
            Some(os) => root.join(os),
            None => root.join(self.rel),
        }
    }
}

/// Every input file, sorted by relative path. The list is the one thing a run holds per
/// article, so the paths share one buffer: 8 bytes and the path itself an article,
/// where a string apiece cost about 64 (peak memory grows that much slower with the
/// number of files).
#[derive(Debug, Default)]
struct Inputs {
    /// The relative paths in the order the walk found them.
    text: String,
    /// Start and length of each path in `text`, in sorted order.
    spans: Vec<(u32, u32)>,
    /// The paths whose form on disk differs (names that are not UTF-8), by start in
    /// `text` (increasing).
    os: Vec<(u32, Box<std::ffi::OsStr>)>,
}

impl Inputs {
    /// Adds a file named `folder` + `name` in the outputs (`folder` empty or ending in
    /// `/`), whose relative path on disk is `os` when that differs.
    fn push(&mut self, folder: &str, name: &str, os: Option<&std::ffi::OsStr>) -> Result<()> {
        // spans are u32: the names' total must stay below 4 GB
        let len = folder.len() + name.len();
        let span = u32::try_from(self.text.len() + len)
            .ok()
            .map(|end| (end - len as u32, len as u32));
        let Some((start, len)) = span else {
            bail!("more than 4 GB of input file names: split the input folder");
        };
        if let Some(os) = os {
            self.os.push((start, Box::from(os)));
        }
        self.text.push_str(folder);
        self.text.push_str(name);
        self.spans.push((start, len));
        Ok(())
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn rel(&self, (start, len): (u32, u32)) -> &str {
        &self.text[start as usize..(start + len) as usize]
    }

    fn get(&self, i: usize) -> Input<'_> {
        let span = self.spans[i];
        Input {
            rel: self.rel(span),
            os: self
                .os
                .binary_search_by_key(&span.0, |(s, _)| *s)
                .ok()
                .map(|k| &*self.os[k].1),
        }
    }

    fn iter(&self) -> impl Iterator<Item = Input<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Size and modification time (ns since the epoch) of a file.
type Stamp = (u64, i64);

/// What is known of a file's size and time before it is opened.
#[derive(Debug, Clone, Copy)]
enum Seen {
    /// From the stat pass.
    Stat(Stamp),
    /// The stat pass could not read them.
    Failed,
    /// Not looked at yet: no earlier run's results can be reused, so nothing is
    /// compared before reading and the open file gives them (one path look-up less).
    Later,
}

impl From<Option<Stamp>> for Seen {
    fn from(st: Option<Stamp>) -> Seen {
        st.map_or(Seen::Failed, Seen::Stat)
    }
}

/// Every `*.txt` file under `dir`, sorted by relative path; problems become warnings.
/// The articles a run of `dir` would read, in its order: every `*.txt` under it, as
/// paths (tools; a run keeps the names packed). Folders that cannot be read are left out
/// and listed in the warnings.
pub fn article_paths(dir: &Path) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let mut warnings = Vec::new();
    let inputs = walk(dir, &mut warnings)?;
    Ok((inputs.iter().map(|i| i.abs(dir)).collect(), warnings))
}

fn walk(dir: &Path, warnings: &mut Vec<String>) -> Result<Inputs> {
    let mut walk = Walk {
        out: Inputs::default(),
        seen_dirs: std::collections::HashSet::new(),
        warnings,
    };
    if let Ok(m) = fs::metadata(dir) {
        walk.seen_dirs.insert(folder_id(&m));
    }
    walk.folder(dir, "", None)?;
    Ok(walk.out)
}

/// A folder's (device, inode): the same for every path that leads to it.
fn folder_id(m: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

/// The state of [`walk`].
struct Walk<'a> {
    out: Inputs,
    /// (device, inode) of every folder listed, so a link loop lists nothing twice.
    seen_dirs: std::collections::HashSet<(u64, u64)>,
    warnings: &'a mut Vec<String>,
}

/// An entry of a folder being walked.
struct Listed {
    /// The name as written to the outputs, with a `/` after a folder's: a folder's
    /// entries sort by these keys as their whole relative paths do, so sorting each
    /// folder and taking a folder's articles at its place gives the paths' order.
    key: String,
    /// The name on disk, when it is not `key` (a name that is not UTF-8).
    os: Option<std::ffi::OsString>,
    /// A folder (or a link to one): its path and (device, inode).
    dir: Option<(PathBuf, (u64, u64))>,
}

impl Walk<'_> {
    /// Adds the articles under folder `abs`, named `rel` in the outputs (empty for the
    /// input folder, else ending in `/`) and `os` on disk under the input folder when
    /// that is not `rel`.
    fn folder(&mut self, abs: &Path, rel: &str, os: Option<&Path>) -> Result<()> {
        let entries = match fs::read_dir(abs) {
            Ok(e) => e,
            Err(e) if rel.is_empty() => {
                return Err(e)
                    .with_context(|| format!("cannot read input folder {}", abs.display()))
            }
            Err(e) => {
                self.warnings.push(format!(
                    "{}: cannot read folder ({e}); skipped",
                    abs.display()
                ));
                return Ok(());
            }
        };
        let mut list: Vec<Listed> = Vec::new();
        for entry in entries.flatten() {
            let (mut key, name_os) = match entry.file_name().into_string() {
                Ok(name) => (name, None),
                Err(name) => (file_name(&name), Some(name)),
            };
            if key.starts_with('.') {
                continue;
            }
            // a plain file needs no stat here (the folder listing gives its type, and
            // the stat for its size and time comes later, in parallel); folders and
            // links are looked at through the link
            let dir = if entry.file_type().is_ok_and(|t| t.is_file()) {
                None
            } else {
                let path = entry.path();
                match fs::metadata(&path) {
                    Ok(m) if m.is_dir() => Some((path, folder_id(&m))),
                    Ok(_) => None,
                    Err(e) => {
                        if key.ends_with(".txt") {
                            self.warnings.push(format!(
                                "{}: cannot open ({e}; a broken link?); skipped",
                                path.display()
                            ));
                        }
                        continue;
                    }
                }
            };
            match dir {
                Some(_) => key.push('/'),
                None if !key.ends_with(".txt") => continue,
                None => {}
            }
            list.push(Listed {
                key,
                os: name_os,
                dir,
            });
        }
        // two names on disk can share a name in the outputs ("\xff" escaped, and those
        // four characters): then the bytes on disk decide, so the order is total
        fn disk(e: &Listed) -> &[u8] {
            e.os.as_ref()
                .map_or(e.key.as_bytes(), |os| os.as_encoded_bytes())
        }
        list.sort_unstable_by(|a, b| a.key.cmp(&b.key).then_with(|| disk(a).cmp(disk(b))));
        for e in list {
            let name = e.key.strip_suffix('/').unwrap_or(&e.key);
            // on disk the path differs from its name in the outputs below a folder that
            // does, or where its own name is not UTF-8
            let os = match (os, &e.os) {
                (None, None) => None,
                (folder, own) => {
                    let folder = folder.unwrap_or(Path::new(rel.trim_end_matches('/')));
                    Some(folder.join(own.as_deref().unwrap_or(name.as_ref())))
                }
            };
            let Some((dir, id)) = e.dir else {
                self.out
                    .push(rel, &e.key, os.as_deref().map(Path::as_os_str))?;
                continue;
            };
            // a link back to a folder already walked would list its articles again
            if self.seen_dirs.insert(id) {
                self.folder(&dir, &format!("{rel}{}", e.key), os.as_deref())?;
            } else {
                self.warnings.push(format!(
                    "{}: folder already read (a link loop?); skipped",
                    dir.display()
                ));
            }
        }
        Ok(())
    }
}

/// A file name as UTF-8; bytes that are not UTF-8 are written `\xNN`, so two names that
/// differ only there stay two articles.
fn file_name(name: &std::ffi::OsStr) -> String {
    let bytes = name.as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// What processing one file gave. (An article taken over from the previous run keeps
/// the rest of its manifest entry, which travels beside the outcome.)
enum Outcome {
    /// Same size and time (or same hash) as in the manifest: reuse the cache (the main
    /// thread turns it into `Reused`, or extracts it again).
    Unchanged { size: u64, mtime: i128 },
    /// Taken over from the previous run: its rows are in the batch's buffers.
    Reused {
        size: u64,
        mtime: i128,
        reused: Reused,
    },
    /// Freshly extracted and rendered, and in its worker's graph; `hash` is the
    /// xxh3-128 of its bytes. After its rows come the first `head` bytes of its cache
    /// record, then its manifest row.
    Fresh {
        hash: u128,
        rendered: Rendered,
        head: usize,
        warning: Option<String>,
    },
    /// Not an article (binary, too large, unreadable): warned and left out.
    Skipped(String),
}

/// The outcomes of a chunk of articles, each beside its manifest entry from before.
type Extracted = Vec<(Option<Entry>, Outcome)>;

/// A chunk of articles on its way to the writer, in path order; the rows of reused
/// articles are in the two buffers (one allocation each per chunk, not per article).
struct Batch {
    outcomes: Vec<(Option<Entry>, Outcome)>,
    mentions: Vec<u8>,
    relations: Vec<u8>,
}

/// Buffers of reused rows that the writer is done with, for the next batches.
///
/// A batch's buffers hold its unchanged articles' rows, read back from the previous
/// CSVs (~1 MB a batch). Allocated by a pool thread for each batch and freed by the
/// writer thread, they left the allocator holding ~30 MB more at the peak of a +1%
/// rerun of the benchmark corpus (102 against 73 MB, mean of ten alternating reruns;
/// the reruns took as long either way).
#[derive(Default)]
struct Spare(std::sync::Mutex<Vec<(Vec<u8>, Vec<u8>)>>);

impl Spare {
    /// At most this many pairs wait: the batches a chunk holds, and one in hand.
    const KEEP: usize = CHUNK / BATCH + 2;

    fn take(&self) -> (Vec<u8>, Vec<u8>) {
        let mut spare = self.0.lock().unwrap_or_else(|e| e.into_inner());
        spare.pop().unwrap_or_default()
    }

    fn give(&self, mut mentions: Vec<u8>, mut relations: Vec<u8>) {
        if mentions.capacity() == 0 && relations.capacity() == 0 {
            return;
        }
        mentions.clear();
        relations.clear();
        let mut spare = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if spare.len() < Self::KEEP {
            spare.push((mentions, relations));
        }
    }
}

/// What the previous run left: whether its cache can be reused.
struct Previous {
    reusable: bool,
}

/// Runs the whole pipeline for a configuration.
pub fn run(cfg: &Config) -> Result<Summary> {
    let started = Instant::now();
    TIMING.store(cfg.timings, Ordering::Relaxed);
    if !cfg.input.is_dir() {
        bail!(
            "input folder {} does not exist or is not a folder",
            cfg.input.display()
        );
    }
    gazetteer_folder(&cfg.gazetteers)?;
    // Compiling the gazetteers is most of a no-op rerun's time. When the last run into
    // this folder used exactly this data (so it compiled) and may be reused, wait until
    // there is work, and stat the files to compare them with that run's; otherwise
    // compile now, so bad data stops the run before anything is written, and compare
    // nothing (each file's size and time come from the open file).
    // The data's fingerprint (which hashes this program's file too, ~10 ms) matters only
    // when a run into this folder recorded one and `--full` does not discard it; a full
    // or first run compiles (and so fingerprints) on the side while the walk runs.
    let recorded = (!cfg.full)
        .then(|| Store::recorded_fingerprint(&cfg.output))
        .flatten();
    let data = match recorded {
        Some(_) => Some(fingerprint(&cfg.gazetteers)?),
        None => None,
    };
    let compare = recorded.is_some() && recorded == data;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.jobs)
        .build()?;
    // the input folder is walked and stat'ed while the gazetteers compile (reading
    // writes nothing, so a data error still leaves the output untouched)
    let mut warnings = Vec::new();
    let (early, found) = std::thread::scope(|scope| {
        let load = (!compare).then(|| scope.spawn(|| Engine::load(&cfg.gazetteers)));
        let found = walk(&cfg.input, &mut warnings).map(|inputs| {
            // kept (24 bytes a file) only when compared
            let stats: Option<Vec<Option<Stamp>>> = compare.then(|| {
                pool.install(|| {
                    (0..inputs.len())
                        .into_par_iter()
                        .map(|i| stat(&inputs.get(i).abs(&cfg.input)))
                        .collect()
                })
            });
            (inputs, stats)
        });
        let early = load.map(|h| {
            h.join().unwrap_or_else(|_| {
                Err(anyhow!(
                    "compiling the gazetteers panicked (a bug: please report it)"
                ))
            })
        });
        (early.transpose(), found)
    });
    let early = early?;
    let (inputs, stats) = found?;
    let store = Store::open(&cfg.output)?;
    let _lock = store.lock()?;
    store.recover()?;
    let mut prev = Previous {
        reusable: data.is_some() && store.state().get("fingerprint") == data.as_ref(),
    };
    // what the stat pass saw of input `i`
    let seen = |i: usize| stats.as_ref().map_or(Seen::Later, |s| Seen::from(s[i]));
    if let Some(summary) = nothing_changed(&store, &prev, &inputs, seen, warnings.len()) {
        report(cfg, &warnings, &summary, started);
        return Ok(summary);
    }
    let engine = match early {
        Some(engine) => engine,
        None => Engine::load(&cfg.gazetteers)?,
    };
    // a data file edited while this run started must not reuse results of the old data
    prev.reusable &= Some(&engine.fingerprint) == data.as_ref();

    let bar = progress(cfg, inputs.len());
    let mut reuse = if prev.reusable { store.reuse() } else { None };
    // a run that reads the previous CSVs back writes through the page cache
    let mut sink = Sink::new(&store, &engine, reuse.is_none())?;
    let mut known_reader = store.manifest();
    // the rules and gazetteer are shared read-only; each pool thread keeps its own
    // scratch space, reused from article to article
    let threads = pool.current_num_threads().max(1);
    let scratches: Vec<std::sync::Mutex<Scratch>> = (0..threads)
        .map(|_| std::sync::Mutex::new(Scratch::default()))
        .collect();
    // jobs in order -> their outcomes in order: each pool thread takes the next part
    // until none is left (parts shrink towards the end, so the threads finish together)
    let work = |jobs: &[Job]| -> Vec<Outcome> {
        let parts = parts(jobs.len(), threads);
        let next = AtomicUsize::new(0);
        let done: Vec<OnceLock<Vec<Outcome>>> = parts.iter().map(|_| OnceLock::new()).collect();
        pool.install(|| {
            (0..threads).into_par_iter().for_each(|_| {
                let slot = rayon::current_thread_index().unwrap_or(0) % scratches.len();
                let mut scratch = scratches[slot].lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(part) = parts.get(i) else { break };
                    let outcomes = process(&engine, &mut scratch, cfg, &jobs[part.clone()]);
                    // each part is taken once, so its cell is still empty
                    let _ = done[i].set(outcomes);
                }
            })
        });
        done.into_iter()
            .flat_map(|d| {
                d.into_inner()
                    .unwrap_or_else(|| unreachable!("every part is taken"))
            })
            .collect()
    };
    // the buffers of reused rows go back from the writer (see `Spare`)
    let spare = Spare::default();
    std::thread::scope(|scope| -> Result<()> {
        // room for a chunk's batches (four chunks' were no faster, and a +1% rerun's
        // reused rows took 30-50 MB more)
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(CHUNK / BATCH);
        let spare_ref = &spare;
        let inputs_ref = &inputs;
        let sink_ref = &mut sink;
        let bar_ref = &bar;
        let writer = scope.spawn(move || -> Result<()> {
            let mut at = 0;
            for batch in rx {
                let t = Instant::now();
                for (known, outcome) in batch.outcomes {
                    let bufs = (&batch.mentions[..], &batch.relations[..]);
                    sink_ref.take(inputs_ref.get(at), known, outcome, bufs)?;
                    at += 1;
                    bar_ref.inc(1);
                }
                spare_ref.give(batch.mentions, batch.relations);
                lap(&TIMES.write, t);
            }
            TIMES.writer_cpu.store(thread_cpu(), Ordering::Relaxed);
            Ok(())
        });
        // a chunk's outcomes to the writer, in batches: unchanged articles take their
        // rows from the previous CSVs (read in path order); those whose rows are not
        // there intact are extracted again. Small batches keep few reused rows in
        // memory at once. False when the writer stopped (its join() says why).
        let deliver =
            |chunk: Range<usize>, outcomes: Extracted, reuse: &mut Option<Reuse>| -> bool {
                let mut outcomes = outcomes.into_iter();
                for part in chunk.clone().step_by(BATCH) {
                    let part = part..(part + BATCH).min(chunk.end);
                    let t = Instant::now();
                    let (mentions, relations) = spare.take();
                    let mut batch = Batch {
                        outcomes: outcomes.by_ref().take(part.len()).collect(),
                        mentions,
                        relations,
                    };
                    let redo = reuse_unchanged(reuse.as_mut(), &mut batch, &cfg.today);
                    lap(&TIMES.reuse, t);
                    if !redo.is_empty() {
                        let jobs: Vec<Job> = redo
                            .iter()
                            .map(|(k, first)| {
                                let input = inputs.get(part.start + k);
                                let seen = Seen::from(stat(&input.abs(&cfg.input)));
                                Job {
                                    input,
                                    seen,
                                    shortcut: None,
                                    first,
                                }
                            })
                            .collect();
                        for ((k, _), outcome) in redo.iter().zip(work(&jobs)) {
                            batch.outcomes[*k].1 = outcome;
                        }
                    }
                    if tx.send(batch).is_err() {
                        return false;
                    }
                }
                true
            };
        // the pool extracts one chunk while the chunk before goes to the writer, so
        // neither core waits for the other's step between chunks
        let mut extracted: Option<(Range<usize>, Extracted)> = None;
        let starts = (0..inputs.len()).step_by(CHUNK).map(Some);
        for start in starts.chain([None]) {
            let chunk = start.map_or(0..0, |s| s..(s + CHUNK).min(inputs.len()));
            let known: Vec<Option<Entry>> = chunk
                .clone()
                .map(|i| known_reader.get(inputs.get(i).rel))
                .collect();
            let jobs: Vec<Job> = chunk
                .clone()
                .zip(&known)
                .map(|(i, known)| Job {
                    input: inputs.get(i),
                    seen: seen(i),
                    shortcut: known.as_ref().filter(|_| prev.reusable),
                    first: known
                        .as_ref()
                        .map_or(cfg.today.as_str(), |e| e.first_processed.as_str()),
                })
                .collect();
            let before = extracted.take();
            let reuse = &mut reuse;
            let (outcomes, delivered) = pool.install(|| {
                rayon::join(
                    || work(&jobs),
                    || before.is_none_or(|(c, o)| deliver(c, o, reuse)),
                )
            });
            if !delivered {
                break;
            }
            drop(jobs);
            extracted = Some((chunk, known.into_iter().zip(outcomes).collect()));
        }
        drop(tx);
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?
    })?;
    bar.finish_and_clear();
    // the workers' graphs join the writer's (of the reused articles)
    for scratch in &scratches {
        let mut scratch = scratch.lock().unwrap_or_else(|e| e.into_inner());
        sink.graph.merge(std::mem::take(&mut scratch.graph));
    }

    let t = Instant::now();
    let (previous, matched) = known_reader.finish();
    let mut summary = sink.finish(&store, previous - matched)?;
    lap(&TIMES.commit, t);
    warnings.append(&mut summary.1);
    let mut summary = summary.0;
    summary.warnings = warnings.len();
    report(cfg, &warnings, &summary, started);
    Ok(summary)
}

/// Replaces each `Unchanged` outcome by the previous run's rendering of it, read back
/// from the committed CSVs into the batch's buffers and checked against the hashes in
/// the cache. Returns the
/// indices (and first-processed dates) of those that must be extracted again.
fn reuse_unchanged(
    mut reuse: Option<&mut Reuse>,
    batch: &mut Batch,
    today: &str,
) -> Vec<(usize, String)> {
    let mut redo = Vec::new();
    for (k, (known, outcome)) in batch.outcomes.iter_mut().enumerate() {
        let Outcome::Unchanged { size, mtime } = *outcome else {
            continue;
        };
        // an article is only unchanged against the entry it was compared with
        let Some(known) = known else {
            redo.push((k, today.to_string()));
            continue;
        };
        let (m, r) = (&mut batch.mentions, &mut batch.relations);
        match reuse
            .as_deref_mut()
            .and_then(|u| u.take(&known.path, &known.hash, m, r))
        {
            Some(reused) => {
                *outcome = Outcome::Reused {
                    size,
                    mtime,
                    reused,
                }
            }
            // the cache lost it or its rows were edited: extract again (it still
            // counts as unchanged)
            None => redo.push((k, known.first_processed.clone())),
        }
    }
    redo
}

/// The fast path: every file has the size and time the last complete run saw, with the
/// same program and data. Then the outputs are already right.
fn nothing_changed(
    store: &Store,
    prev: &Previous,
    inputs: &Inputs,
    seen: impl Fn(usize) -> Seen,
    warnings: usize,
) -> Option<Summary> {
    if !prev.reusable || !store.outputs_exist() {
        return None;
    }
    let mut manifest = store.manifest();
    let same = inputs.iter().enumerate().all(|(k, i)| {
        manifest.get(i.rel).is_some_and(|e| {
            matches!(seen(k), Seen::Stat((size, mtime)) if e.size == size && e.mtime == i128::from(mtime))
        })
    });
    if !same || manifest.finish().0 != inputs.len() {
        return None;
    }
    let st = store.state();
    if !store.outputs_untouched(&st) {
        return None;
    }
    let num = |k: &str| st.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
    Some(Summary {
        articles: inputs.len(),
        unchanged: inputs.len(),
        mentions: num("mentions"),
        relations: num("relations"),
        nodes: num("nodes") as usize,
        edges: num("edges") as usize,
        warnings,
        ..Summary::default()
    })
}

/// Receives articles in output order: streams their rows, cache records and manifest
/// rows to the staged files. Fresh articles come with their record's head and manifest
/// row encoded, and are in the workers' graphs already; reused ones are folded into
/// this graph here.
struct Sink<'e> {
    engine: &'e Engine,
    rows: RowWriter<Staged>,
    /// Offsets in the staged mentions.csv and relations.csv where the next rows go.
    at: (u64, u64),
    cache_out: Staged,
    /// Scratch space for a cache record or a manifest row.
    buf: Vec<u8>,
    graph: Graph,
    manifest: Staged,
    summary: Summary,
    warnings: Vec<String>,
}

impl<'e> Sink<'e> {
    /// `direct`: write the large outputs directly (see [`Staged`]).
    fn new(store: &Store, engine: &'e Engine, direct: bool) -> Result<Sink<'e>> {
        Ok(Sink {
            engine,
            rows: RowWriter::new(
                store.stage("mentions.csv", direct)?,
                store.stage("relations.csv", direct)?,
            )?,
            at: (MENTION_COLUMNS.len() as u64, RELATION_COLUMNS.len() as u64),
            cache_out: store.stage("cache.bin", direct)?,
            buf: Vec::new(),
            graph: Graph::default(),
            manifest: {
                let mut w = store.stage("manifest.csv", direct)?;
                w.write_all(store::MANIFEST_COLUMNS)?;
                w
            },
            summary: Summary::default(),
            warnings: Vec::new(),
        })
    }

    /// Takes one article's outcome (articles arrive in path order); `known` is its
    /// previous manifest entry, `bufs` are its batch's buffers of reused rows.
    fn take(
        &mut self,
        input: Input,
        known: Option<Entry>,
        outcome: Outcome,
        bufs: (&[u8], &[u8]),
    ) -> Result<()> {
        match outcome {
            Outcome::Fresh {
                hash,
                rendered,
                head,
                warning,
            } => {
                self.warnings.extend(warning);
                let (m, r) = (rendered.mentions_csv(), rendered.relations_csv());
                self.rows.add(m, r)?;
                let Some((head, manifest_row)) = rendered.tail().split_at_checked(head) else {
                    bail!("internal: {} came without its cache record", input.rel);
                };
                let hex = store::hex128(hash);
                self.count(known.as_ref(), &hex);
                let (mentions, relations) = self.blocks(
                    (m.len() as u64, rendered.mentions_hash),
                    (r.len() as u64, rendered.relations_hash),
                );
                store::write_record_with_head(
                    &mut self.cache_out,
                    head,
                    mentions,
                    relations,
                    &mut self.buf,
                )?;
                self.manifest.write_all(manifest_row)?;
                Ok(())
            }
            Outcome::Reused {
                size,
                mtime,
                reused,
            } => {
                let Some(old) = &known else {
                    bail!("internal: {} reused without an entry", input.rel);
                };
                let slice = |buf: &[u8], b: &Block| -> Result<std::ops::Range<usize>> {
                    let from = usize::try_from(b.offset)?;
                    let to = from + usize::try_from(b.len)?;
                    if to > buf.len() {
                        bail!("internal: reused rows of {} out of range", input.rel);
                    }
                    Ok(from..to)
                };
                let (mr, rr) = (
                    slice(bufs.0, &reused.mentions)?,
                    slice(bufs.1, &reused.relations)?,
                );
                self.rows.add(&bufs.0[mr], &bufs.1[rr])?;
                self.count(Some(old), old.hash.as_bytes());
                let (m, r) = (&reused.mentions, &reused.relations);
                let (mentions, relations) = self.blocks((m.len, m.hash), (r.len, r.hash));
                let engine = self.engine;
                self.graph
                    .add(&reused.facts, &|id: &str| engine.relation_label(id));
                let record = CacheRecordRef {
                    path: input.rel,
                    hash: &old.hash,
                    facts: &reused.facts,
                    mentions,
                    relations,
                };
                store::write_record(&mut self.cache_out, &record, &mut self.buf)?;
                self.buf.clear();
                ManifestRow {
                    path: input.rel,
                    hash: &old.hash,
                    size,
                    mtime,
                    date: &old.date,
                    first_processed: &old.first_processed,
                }
                .render(&mut self.buf);
                self.manifest.write_all(&self.buf)?;
                Ok(())
            }
            Outcome::Skipped(w) => {
                self.warnings.push(w);
                Ok(())
            }
            Outcome::Unchanged { .. } => {
                bail!("internal: {} left unresolved", input.rel)
            }
        }
    }

    /// Counts an article written with bytes of hash `hash` (hex) as new, changed or
    /// unchanged against its previous entry.
    fn count(&mut self, known: Option<&Entry>, hash: &[u8]) {
        match known {
            None => self.summary.new += 1,
            Some(old) if old.hash.as_bytes() == hash => self.summary.unchanged += 1,
            Some(_) => self.summary.changed += 1,
        }
        self.summary.articles += 1;
    }

    /// The places of an article's mention rows and relation rows (length, xxh3-64 of
    /// each) in the staged CSVs, where they were just written.
    fn blocks(&mut self, mentions: (u64, u64), relations: (u64, u64)) -> (Block, Block) {
        let block = |at: &mut u64, (len, hash): (u64, u64)| {
            let b = Block {
                offset: *at,
                len,
                hash,
            };
            *at += len;
            b
        };
        (
            block(&mut self.at.0, mentions),
            block(&mut self.at.1, relations),
        )
    }

    /// Writes nodes, edges, manifest and state, and commits the whole set. `removed` is
    /// the number of previous articles that are gone.
    fn finish(self, store: &Store, removed: usize) -> Result<(Summary, Vec<String>)> {
        let engine = self.engine;
        let (m, r) = self.rows.finish();
        let manifest = self.manifest;
        let mut nodes = store.stage("nodes.csv", false)?;
        self.graph.write_nodes(&mut nodes, &engine.gazetteer)?;
        let mut edges = store.stage("edges.csv", false)?;
        self.graph.write_edges(&mut edges)?;
        let mut sealed = vec![m, r, self.cache_out, manifest, nodes, edges];
        for w in &mut sealed {
            w.flush()?; // the stamps below need the final sizes
        }
        let mut summary = self.summary;
        summary.removed = removed;
        summary.mentions = self.graph.mentions;
        summary.relations = self.graph.relations;
        summary.nodes = self.graph.node_count();
        summary.edges = self.graph.edge_count();
        let mut state = store.stage("state.csv", false)?;
        write!(
            state,
            "key,value\nfingerprint,{}\narticles,{}\nmentions,{}\nrelations,{}\nnodes,{}\nedges,{}\n{}",
            engine.fingerprint,
            summary.articles,
            summary.mentions,
            summary.relations,
            summary.nodes,
            summary.edges,
            store.staged_stamps()?
        )?;
        sealed.push(state);
        Store::seal_all(sealed)?;
        store.commit()?;
        Ok((summary, self.warnings))
    }
}

/// Size and modification time (ns) of a file.
fn stat(path: &Path) -> Option<Stamp> {
    stamp(&fs::metadata(path).ok()?)
}

/// Size and modification time (ns) from a file's metadata.
fn stamp(m: &fs::Metadata) -> Option<Stamp> {
    let mtime = m
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    Some((m.len(), mtime))
}

/// What a worker thread reuses from one article to the next.
#[derive(Default)]
struct Scratch {
    renderer: RowRenderer,
    /// The graph of the articles this worker extracted.
    graph: Graph,
    /// Relate's buffers, reused from batch to batch.
    relate: crate::relate::Buffers,
    /// Holds the bytes of the articles waiting for the stages, one after another;
    /// grows to the largest batch read and stays initialised, so reading allocates
    /// nothing.
    raws: Vec<u8>,
}

/// Reads a whole open file into `buf` from byte `at` on, returning its length. Unlike
/// `fs::read` it neither allocates (once `buf` is large enough) nor asks for the size
/// again: `size` (from a stat) is only where the reading starts from.
fn read_into(mut file: File, size: u64, buf: &mut Vec<u8>, at: usize) -> std::io::Result<usize> {
    use std::io::Read;
    // one byte to spare, so that the read that finds the end needs no room of its own
    let want = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .saturating_add(1)
        .saturating_add(at);
    if buf.len() < want {
        buf.resize(want, 0);
    }
    let mut len = 0;
    loop {
        if at + len == buf.len() {
            // the file grew since it was stat'ed
            buf.resize(2 * buf.len(), 0);
        }
        let room = buf.len() - at - len;
        match file.read(&mut buf[at + len..]) {
            Ok(0) => return Ok(len),
            Ok(n) => {
                len += n;
                // the bytes the stat promised, from a read that stopped short of the
                // room it had: the end of a regular file, and no read more is needed
                // to find it (one system call fewer an article; a file that changes
                // meanwhile is read as its stat describes it, and the next run sees
                // the change)
                if len as u64 == size && n < room {
                    return Ok(len);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// One article for [`process`]: the file, what the stat pass saw of it, the previous
/// run's entry when its cache may be reused, and its first-processed date.
struct Job<'a> {
    input: Input<'a>,
    seen: Seen,
    shortcut: Option<&'a Entry>,
    first: &'a str,
}

/// An article read and waiting in [`Scratch::raws`] for the stages.
struct Pending {
    /// Index among the jobs.
    job: usize,
    /// Where its bytes are in [`Scratch::raws`].
    bytes: Range<usize>,
    hash: u128,
    size: u64,
    mtime: i128,
}

/// Articles read before the stages run over them together, at most (by count and by
/// bytes: a few large files make a batch of their own, so memory stays flat). 128 ran
/// 3% faster than 64 once a chunk's last parts shrank (with parts all of one size,
/// the longer wait at a chunk's end cancelled the gain); 256 was no faster than 128.
const STAGED_ARTICLES: usize = 128;
const STAGED_BYTES: usize = 1 << 20;

/// The smallest part [`parts`] cuts.
const MIN_PART: usize = 4;

/// Cuts `n` jobs into the parts that `threads` pool threads take in turn: parts of
/// [`STAGED_ARTICLES`] while much is left, then smaller ones (what is left over twice
/// the threads), so that no thread waits long at a chunk's end for another's last part.
/// Equal parts left one of two cores idle for ~7% of a run, most of it at chunk ends.
/// A lone thread waits for no one: its parts stay whole.
fn parts(n: usize, threads: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < n {
        let left = n - at;
        let share = if threads > 1 {
            left / (2 * threads)
        } else {
            left
        };
        let size = share.clamp(MIN_PART, STAGED_ARTICLES).min(left);
        out.push(at..at + size);
        at += size;
    }
    out
}

/// Classifies and, if needed, reads, extracts and renders articles; one outcome per
/// job, in order. The articles to extract are read first and then go through the
/// stages together (see [`Engine::render_all`]), some at a time.
fn process(engine: &Engine, scratch: &mut Scratch, cfg: &Config, jobs: &[Job]) -> Vec<Outcome> {
    let mut out: Vec<Option<Outcome>> = jobs.iter().map(|_| None).collect();
    let mut pending: Vec<Pending> = Vec::new();
    let mut used = 0;
    for (k, job) in jobs.iter().enumerate() {
        match read(scratch, cfg, job, used) {
            Ok((hash, size, mtime, len)) => {
                pending.push(Pending {
                    job: k,
                    bytes: used..used + len,
                    hash,
                    size,
                    mtime,
                });
                used += len;
            }
            Err(outcome) => out[k] = Some(outcome),
        }
        if pending.len() == STAGED_ARTICLES || used >= STAGED_BYTES || k + 1 == jobs.len() {
            extract_pending(engine, scratch, cfg, jobs, &pending, &mut out);
            pending.clear();
            used = 0;
        }
    }
    out.into_iter()
        .map(|o| o.unwrap_or_else(|| unreachable!("every job has an outcome")))
        .collect()
}

/// The first steps of [`process`] for one article: classifies it and, when it needs
/// extracting, reads it into `scratch.raws` at `at`. Returns its hash, size, time and
/// length, or the outcome that settles it without extracting (moved once per article:
/// its size does not matter).
#[allow(clippy::result_large_err)]
fn read(
    scratch: &mut Scratch,
    cfg: &Config,
    job: &Job,
    at: usize,
) -> Result<(u128, u64, i128, usize), Outcome> {
    let abs = job.input.abs(&cfg.input);
    let name = abs.display();
    let skip = |why: String| Outcome::Skipped(format!("{name}: {why}; skipped"));
    let t = Instant::now();
    // without a stat from before, the file is opened first and gives its size and time
    let (opened, (size, mtime)) = match job.seen {
        Seen::Stat(st) => (None, st),
        Seen::Failed => return Err(skip("cannot read file metadata".into())),
        Seen::Later => match File::open(&abs) {
            Ok(file) => match file.metadata().ok().as_ref().and_then(stamp) {
                Some(st) => (Some(file), st),
                None => return Err(skip("cannot read file metadata".into())),
            },
            Err(e) => return Err(skip(format!("cannot read ({e})"))),
        },
    };
    let mtime = i128::from(mtime);
    let shortcut = job.shortcut;
    if shortcut.is_some_and(|p| p.size == size && p.mtime == mtime) {
        return Err(Outcome::Unchanged { size, mtime });
    }
    let max_bytes = cfg.max_bytes.min(MAX_ARTICLE_BYTES);
    if size > max_bytes {
        return Err(skip(format!(
            "{size} bytes is over --max-bytes {max_bytes}"
        )));
    }
    let file = opened.map_or_else(|| File::open(&abs), Ok);
    let raw = match file.and_then(|f| read_into(f, size, &mut scratch.raws, at)) {
        Ok(len) => &scratch.raws[at..at + len],
        Err(e) => return Err(skip(format!("cannot read ({e})"))),
    };
    let hash = xxhash_rust::xxh3::xxh3_128(raw);
    lap(&TIMES.read, t);
    if shortcut.is_some_and(|p| p.hash.as_bytes() == store::hex128(hash)) {
        return Err(Outcome::Unchanged { size, mtime });
    }
    if let Some(at) = memchr::memchr(0, raw) {
        return Err(Outcome::Skipped(format!(
            "{name}: binary file (NUL byte at offset {at}); skipped"
        )));
    }
    Ok((hash, size, mtime, raw.len()))
}

/// The last steps of [`process`]: the pending articles through the stages, together.
fn extract_pending(
    engine: &Engine,
    scratch: &mut Scratch,
    cfg: &Config,
    jobs: &[Job],
    pending: &[Pending],
    out: &mut [Option<Outcome>],
) {
    if pending.is_empty() {
        return;
    }
    let Scratch {
        renderer,
        graph,
        relate,
        raws,
    } = scratch;
    let articles: Vec<(&str, &[u8], &str)> = pending
        .iter()
        .map(|p| {
            let job = &jobs[p.job];
            (job.input.rel, &raws[p.bytes.clone()], job.first)
        })
        .collect();
    // Each article's facts go into the graph here, where they are at hand, and the
    // start of its cache record and its manifest row are encoded after its rows: the
    // writer thread, which shares the cores with the workers, then only copies bytes.
    let labels = |id: &str| engine.relation_label(id);
    let mut heads = Vec::with_capacity(pending.len());
    let done = engine.render_all(renderer, relate, &articles, |i, facts, out| {
        let (p, job) = (&pending[i], &jobs[pending[i].job]);
        let hex = store::hex128(p.hash);
        let hash = std::str::from_utf8(&hex).unwrap_or_default(); // hex digits: UTF-8
        let from = out.len();
        let head = store::record_head(job.input.rel, hash, facts, out);
        if head.is_ok() {
            graph.add(facts, &labels);
        }
        heads.push(head.map(|()| out.len() - from));
        ManifestRow {
            path: job.input.rel,
            hash,
            size: p.size,
            mtime: p.mtime,
            date: &facts.date,
            first_processed: job.first,
        }
        .render(out);
    });
    for (((p, (rendered, doc)), (_, raw, _)), head) in
        pending.iter().zip(done).zip(&articles).zip(heads)
    {
        let name = || jobs[p.job].input.abs(&cfg.input).display().to_string();
        let warning = if raw.iter().all(u8::is_ascii_whitespace) {
            Some(format!("{}: empty article; no rows", name()))
        } else if doc.lossy {
            Some(format!(
                "{}: not valid UTF-8; decoded with replacement characters",
                name()
            ))
        } else {
            None
        };
        out[p.job] = Some(match head {
            Ok(head) => Outcome::Fresh {
                hash: p.hash,
                rendered,
                head,
                warning,
            },
            Err(e) => Outcome::Skipped(format!(
                "{}: cannot encode its cache record ({e}); skipped",
                name()
            )),
        });
    }
}

fn progress(cfg: &Config, n: usize) -> ProgressBar {
    if cfg.quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(n as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} articles {per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

fn report(cfg: &Config, warnings: &[String], s: &Summary, started: Instant) {
    for w in warnings {
        eprintln!("newsgraph: warning: {w}");
    }
    if cfg.timings {
        let ms = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64 / 1e6;
        eprintln!(
            // the first five numbers keep their meaning (scripts/bench.sh reads them by
            // position): write is streaming plus commit, as it always was
            "newsgraph: stage cpu-ms read+hash {:.0}, normalise {:.0}, tag {:.0}, relate {:.0}; wall-ms write {:.0} (of which commit {:.0}), reuse of old rows {:.0}; writer thread cpu-ms {:.0}",
            ms(&TIMES.read),
            ms(&TIMES.normalise),
            ms(&TIMES.tag),
            ms(&TIMES.relate),
            ms(&TIMES.write) + ms(&TIMES.commit),
            ms(&TIMES.commit),
            ms(&TIMES.reuse),
            ms(&TIMES.writer_cpu)
        );
    }
    // the summary line is always printed: --quiet only hides the progress bar
    let warn = match s.warnings {
        0 => String::new(),
        1 => ", 1 warning".to_string(),
        n => format!(", {n} warnings"),
    };
    eprintln!(
        "newsgraph: {} articles ({} new, {} changed, {} unchanged, {} removed), {} mentions, {} relations, {} nodes, {} edges in {:.2}s{}",
        s.articles,
        s.new,
        s.changed,
        s.unchanged,
        s.removed,
        s.mentions,
        s.relations,
        s.nodes,
        s.edges,
        started.elapsed().as_secs_f64(),
        warn
    );
}

/// Counts of what `newsgraph check` verified.
pub fn check(dir: &Path) -> Result<String> {
    let engine = Engine::load(dir)?;
    let (c, p, o, a) = engine.gazetteer.stats();
    Ok(format!(
        "newsgraph check: {} ok: {c} countries, {p} people, {o} organisations, {a} aliases; {} relation types, {} rules",
        dir.display(),
        engine.rules.types.len(),
        engine.rules.rules.len()
    ))
}

/// Every alias, one a line (for `rg -f` and `make bench`).
pub fn aliases(dir: &Path) -> Result<String> {
    let engine = Engine::load(dir)?;
    let mut out = String::new();
    for (alias, id) in engine.gazetteer.aliases() {
        if id.is_some() {
            out.push_str(alias);
            out.push('\n');
        }
    }
    Ok(out)
}

/// The bare dictionary scan `make bench` compares against: parallel read + an
/// automaton over the run's aliases, counting matches and nothing else. `dfa` picks a
/// DFA, else a contiguous NFA (the automaton the run searches with where its tagger
/// cannot walk its trie anchored at word starts). Only the aliases are loaded:
/// the scan builds nothing it does not use. Returns bytes, matches, files and the
/// automaton's name.
pub fn scan(
    input: &Path,
    gazetteers: &Path,
    jobs: usize,
    dfa: bool,
) -> Result<(u64, u64, usize, &'static str)> {
    gazetteer_folder(gazetteers)?;
    let patterns = Gazetteer::load_patterns(gazetteers)?;
    let ac = ScanAutomaton::build(patterns.iter().map(String::as_str), dfa)
        .map_err(|e| anyhow!("automaton: {e}"))?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    let mut warnings = Vec::new();
    let inputs = walk(input, &mut warnings)?;
    let (bytes, matches) = pool.install(|| {
        (0..inputs.len())
            .into_par_iter()
            .map(|i| match fs::read(inputs.get(i).abs(input)) {
                Ok(raw) => (raw.len() as u64, ac.count(&raw) as u64),
                Err(_) => (0, 0),
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    Ok((bytes, matches, inputs.len(), ac.name()))
}

/// Entities of each kind, for tests of the shipped data.
pub fn kinds(g: &Gazetteer) -> BTreeMap<Kind, usize> {
    let mut out = BTreeMap::new();
    for e in &g.entities {
        *out.entry(e.kind).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_lists_articles_in_path_order_with_their_form_on_disk() {
        use std::os::unix::ffi::OsStrExt;
        let Ok(dir) = tempfile::tempdir() else {
            panic!("no temporary folder");
        };
        let root = dir.path();
        // names whose order as whole paths differs from a plain sort of each folder's
        // names: '-' < '/' < '0' < '_', a folder named like a file, names not UTF-8 (in a
        // file's name and in a folder's), and what the walk leaves out
        let files: [&[u8]; 14] = [
            b"b/2.txt",
            b"b-1.txt",
            b"b0.txt",
            b"b_/x.txt",
            b"b.txt",
            b"a\\xff.txt",
            b"a\xff.txt",
            b"a.txt",
            b"a.txt.d/y.txt",
            b"c\xfe/d/z.txt",
            b"c\xfe/e.txt",
            b"c/.hidden.txt",
            b".skip/w.txt",
            b"notes.md",
        ];
        for f in files {
            let path = root.join(std::ffi::OsStr::from_bytes(f));
            if let Some(parent) = path.parent() {
                assert!(fs::create_dir_all(parent).is_ok());
            }
            assert!(fs::write(&path, "x").is_ok());
        }
        let mut warnings = Vec::new();
        let inputs = match walk(root, &mut warnings) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        assert!(warnings.is_empty(), "{warnings:?}");
        let got: Vec<(&str, Option<&[u8]>)> = inputs
            .iter()
            .map(|i| (i.rel, i.os.map(|os| os.as_bytes())))
            .collect();
        let mut want: Vec<(&str, Option<&[u8]>)> = vec![
            ("a.txt", None),
            ("a.txt.d/y.txt", None),
            ("a\\xff.txt", None),
            ("a\\xff.txt", Some(b"a\xff.txt")),
            ("b-1.txt", None),
            ("b.txt", None),
            ("b/2.txt", None),
            ("b0.txt", None),
            ("b_/x.txt", None),
            ("c\\xfe/d/z.txt", Some(b"c\xfe/d/z.txt")),
            ("c\\xfe/e.txt", Some(b"c\xfe/e.txt")),
        ];
        // the order of whole paths, by bytes (the two "a\\xff.txt" are one name in the
        // outputs and two on disk: the one whose name on disk is that text comes first)
        want.sort();
        assert_eq!(got, want);
        for i in inputs.iter() {
            let on_disk = i.abs(root);
            assert!(on_disk.is_file(), "{}", on_disk.display());
        }
    }

    /// The shipped engine, a temporary input folder and a full run's configuration of it.
    fn engine_in_temp(max_bytes: u64) -> (Engine, tempfile::TempDir, Config) {
        let gazetteers = Path::new(env!("CARGO_MANIFEST_DIR")).join("gazetteers");
        let engine = match Engine::load(&gazetteers) {
            Ok(e) => e,
            Err(e) => panic!("{e}"),
        };
        let Ok(dir) = tempfile::tempdir() else {
            panic!("no temporary folder");
        };
        let cfg = Config {
            input: dir.path().to_path_buf(),
            output: dir.path().join("out"),
            gazetteers,
            full: true,
            jobs: 1,
            quiet: true,
            max_bytes,
            timings: false,
            today: "2025-03-02".to_string(),
        };
        (engine, dir, cfg)
    }

    #[test]
    fn a_file_is_read_with_what_is_known_of_it_or_skipped_with_why() {
        let (engine, dir, cfg) = engine_in_temp(1 << 20);
        let text = "Date: 2025-03-01\n\nFrance and Germany signed a trade deal on Monday.\n";
        assert!(fs::write(dir.path().join("a.txt"), text).is_ok());
        let mut inputs = Inputs::default();
        for rel in ["a.txt", "gone.txt"] {
            assert!(inputs.push("", rel, None).is_ok());
        }
        let Some(stamp) = stat(&dir.path().join("a.txt")) else {
            panic!("cannot stat a.txt");
        };
        // (input, what the stat pass left, the skip warning's words or None for rows)
        let cases = [
            (0, Seen::Later, None),
            (0, Seen::Stat(stamp), None),
            (0, Seen::Failed, Some("cannot read file metadata; skipped")),
            (1, Seen::Later, Some("cannot read (")),
            (1, Seen::Stat(stamp), Some("cannot read (")),
        ];
        let mut scratch = Scratch::default();
        // all in one call: settled and extracted outcomes come back in the jobs' order
        let jobs: Vec<Job> = cases
            .iter()
            .map(|&(i, seen, _)| Job {
                input: inputs.get(i),
                seen,
                shortcut: None,
                first: "2025-03-02",
            })
            .collect();
        let outcomes = process(&engine, &mut scratch, &cfg, &jobs);
        assert_eq!(outcomes.len(), cases.len());
        for ((i, seen, skipped), got) in cases.into_iter().zip(outcomes) {
            let input = inputs.get(i);
            match (got, skipped) {
                (Outcome::Fresh { rendered, head, .. }, None) => {
                    // its manifest row follows its cache record's head
                    let row = String::from_utf8_lossy(&rendered.tail()[head..]).into_owned();
                    let want = format!(",{},{},2025-03-01,2025-03-02\n", stamp.0, stamp.1);
                    assert!(
                        row.starts_with("a.txt,") && row.ends_with(&want),
                        "{seen:?}: {row}"
                    );
                }
                (Outcome::Skipped(w), Some(why)) => {
                    assert!(w.contains(input.rel) && w.contains(why), "{seen:?}: {w}");
                }
                (_, want) => panic!("{} with {seen:?}: not {want:?}", input.rel),
            }
        }
    }

    /// A file is read whole after the bytes already in the buffer, whether its size is
    /// what the stat said (one read then), or it grew or shrank since.
    #[test]
    fn files_are_read_whole_whatever_their_stat_said() {
        let dir = tempfile::tempdir().unwrap();
        // (bytes in the file, the size the stat gave)
        let cases = [
            (0, 0),
            (1, 1),
            (4095, 4095),
            (4096, 4096),
            (100_000, 100_000),
            (5000, 10),
            (5000, 0),
            (10, 5000),
            (0, 3),
        ];
        for (len, size) in cases {
            let want: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let path = dir.path().join(format!("{len}-{size}.txt"));
            fs::write(&path, &want).unwrap();
            for at in [0, 7] {
                let mut buf = vec![b'x'; at];
                let got = read_into(File::open(&path).unwrap(), size, &mut buf, at).unwrap();
                assert_eq!(got, len as usize, "{len} bytes, stat {size}, at {at}");
                assert!(buf[..at].iter().all(|&b| b == b'x'));
                assert!(
                    buf[at..at + got] == want[..],
                    "{len} bytes, stat {size}, at {at}"
                );
            }
        }
    }

    #[test]
    fn parts_cover_the_jobs_in_order_and_shrink_at_the_end() {
        // (jobs, threads, the sizes of the first parts)
        let cases: [(usize, usize, &[usize]); 7] = [
            (0, 2, &[]),
            (3, 2, &[3]),
            (10, 1, &[10]),
            (150, 1, &[128, 22]),
            (40, 2, &[10, 7, 5, 4, 4, 4, 4, 2]),
            (
                300,
                2,
                &[75, 56, 42, 31, 24, 18, 13, 10, 7, 6, 4, 4, 4, 4, 2],
            ),
            (1024, 2, &[128, 128, 128, 128, 128, 96, 72]),
        ];
        for (n, threads, want) in cases {
            let got = parts(n, threads);
            let mut at = 0;
            for p in &got {
                assert_eq!(p.start, at, "{n} jobs: a gap or an overlap at {p:?}");
                assert!(!p.is_empty() && p.len() <= STAGED_ARTICLES, "{n}: {p:?}");
                at = p.end;
            }
            assert_eq!(at, n, "{n} jobs, {threads} threads: {got:?}");
            let sizes: Vec<usize> = got.iter().map(Range::len).collect();
            assert_eq!(&sizes[..want.len().min(sizes.len())], want, "{n} jobs");
        }
        // parts never grow, and a chunk ends in parts of the smallest size
        let sizes: Vec<usize> = parts(1024, 2).iter().map(Range::len).collect();
        assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
        assert!(
            sizes.iter().rev().take(4).all(|&k| k <= MIN_PART),
            "{sizes:?}"
        );
    }

    #[test]
    fn staged_batches_render_as_single_articles() {
        let (engine, dir, cfg) = engine_in_temp(1 << 22);
        // more articles than a staged batch holds, a few past its byte bound, and files
        // that are skipped between them
        let sentences = [
            "France and Germany signed a trade deal on Monday.",
            "India imposed tariffs on Chinese steel.",
            "Japan's prime minister visited Brazil.",
        ];
        let mut inputs = Inputs::default();
        let n = 2 * STAGED_ARTICLES + 7;
        for k in 0..n {
            let rel = format!("a{k:03}.txt");
            let body = match k % 31 {
                5 => b"binary\0file".to_vec(),
                9 => sentences[k % 3].repeat(STAGED_BYTES / 40).into_bytes(),
                _ => format!("Story {k}. {}\n", sentences[k % 3]).into_bytes(),
            };
            assert!(fs::write(dir.path().join(&rel), body).is_ok());
            assert!(inputs.push("", &rel, None).is_ok());
        }
        let jobs: Vec<Job> = (0..n)
            .map(|i| Job {
                input: inputs.get(i),
                seen: Seen::Later,
                shortcut: None,
                first: "2025-03-02",
            })
            .collect();
        let mut scratch = Scratch::default();
        let together = process(&engine, &mut scratch, &cfg, &jobs);
        assert_eq!(together.len(), n);
        let (mut fresh, mut skipped) = (0, 0);
        for (job, got) in jobs.chunks(1).zip(together) {
            let alone = process(&engine, &mut Scratch::default(), &cfg, job);
            match (got, alone.as_slice()) {
                (Outcome::Fresh { rendered: a, .. }, [Outcome::Fresh { rendered: b, .. }]) => {
                    assert_eq!(&a, b, "{}", job[0].input.rel);
                    assert!(!a.csv.is_empty(), "{}", job[0].input.rel);
                    fresh += 1;
                }
                (Outcome::Skipped(a), [Outcome::Skipped(b)]) => {
                    assert_eq!(&a, b);
                    skipped += 1;
                }
                _ => panic!("{}: outcomes differ", job[0].input.rel),
            }
        }
        let binary = (0..n).filter(|k| k % 31 == 5).count();
        assert_eq!((fresh, skipped), (n - binary, binary));
    }

    #[test]
    fn the_program_is_part_of_the_fingerprint() {
        // the test binary is readable, so the fallback (0) must not be what we get
        assert_ne!(program_hash(), 0);
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("gazetteers");
        assert_eq!(fingerprint(&dir).ok(), fingerprint(&dir).ok());
    }
}
