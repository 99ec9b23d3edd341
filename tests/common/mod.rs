//! Shared helpers of the integration tests: run the `newsgraph` binary, read the four
//! CSVs as bytes, parse the summary line and warnings, build input folders.
//!
//! Every run sets `NEWSGRAPH_TODAY` so undated articles get the same date in every run.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

/// The date every test run pretends it is.
pub const TODAY: &str = "2025-01-01";

/// The four CSVs of an output folder, in a fixed order.
pub const CSV_NAMES: [&str; 4] = ["nodes.csv", "edges.csv", "mentions.csv", "relations.csv"];

/// The bytes of the four CSVs, in [`CSV_NAMES`] order.
pub type Csvs = [Vec<u8>; 4];

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_newsgraph")
}

/// The shipped gazetteer folder.
pub fn shipped_gazetteers() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/gazetteers"))
}

/// A copy of the shipped gazetteer folder taken once per test process, so an edit of
/// `gazetteers/` while the tests run cannot change the data between two runs of a test
/// (which would invalidate the cache and make it fail for the wrong reason). Copies left
/// by finished test processes are removed.
pub fn gazetteers() -> PathBuf {
    static SNAPSHOT: OnceLock<PathBuf> = OnceLock::new();
    SNAPSHOT
        .get_or_init(|| {
            let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
            fs::create_dir_all(base).unwrap();
            for e in fs::read_dir(base).unwrap().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix("gazetteers-") {
                    if !Path::new("/proc").join(pid).exists() {
                        let _ = fs::remove_dir_all(e.path());
                    }
                }
            }
            let dir = base.join(format!("gazetteers-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            copy_dir(&shipped_gazetteers(), &dir);
            dir
        })
        .clone()
}

/// The sample articles of the repository (ours to copy).
pub fn articles_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/articles"))
}

/// A fresh temporary folder, removed when dropped.
pub fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("newsgraph-test-")
        .tempdir()
        .unwrap()
}

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// Exit code; -1 when killed by a signal.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error (warnings, summary, errors).
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with the stderr unless the run exited 0.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "run failed:\n{}", self.stderr);
        self
    }

    /// The `newsgraph: warning: ...` lines.
    pub fn warnings(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter_map(|l| l.strip_prefix("newsgraph: warning: "))
            .collect()
    }

    /// The one warning that mentions `needle`; panics if there is none.
    #[track_caller]
    pub fn warning_about(&self, needle: &str) -> &str {
        let found: Vec<&str> = self
            .warnings()
            .into_iter()
            .filter(|w| w.contains(needle))
            .collect();
        assert!(
            !found.is_empty(),
            "no warning mentions {needle:?}; stderr:\n{}",
            self.stderr
        );
        found[0]
    }

    /// The counts of the summary line.
    #[track_caller]
    pub fn counts(&self) -> Counts {
        parse_counts(&self.stderr)
    }
}

/// The article counts of the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub articles: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub removed: u64,
}

impl Counts {
    /// Counts written as `(articles, new, changed, unchanged, removed)`.
    pub const fn of(articles: u64, new: u64, changed: u64, unchanged: u64, removed: u64) -> Self {
        Counts {
            articles,
            new,
            changed,
            unchanged,
            removed,
        }
    }
}

/// Parses `newsgraph: N articles (N new, N changed, N unchanged, N removed), ...`.
#[track_caller]
pub fn parse_counts(stderr: &str) -> Counts {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("newsgraph: ") && l.contains(" articles ("))
        .unwrap_or_else(|| panic!("no summary line in stderr:\n{stderr}"));
    let rest = &line["newsgraph: ".len()..];
    let (articles, rest) = rest.split_once(" articles (").unwrap();
    let (inner, _) = rest.split_once(')').unwrap();
    let mut n = [0u64; 4];
    let words = ["new", "changed", "unchanged", "removed"];
    for (i, part) in inner.split(", ").enumerate() {
        let (num, word) = part.split_once(' ').unwrap();
        assert_eq!(word, words[i], "unexpected summary line {line:?}");
        n[i] = num.parse().unwrap();
    }
    Counts {
        articles: articles.parse().unwrap(),
        new: n[0],
        changed: n[1],
        unchanged: n[2],
        removed: n[3],
    }
}

/// A command for the binary with the test environment set.
pub fn command<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = Command::new(bin());
    c.args(args)
        .env("NEWSGRAPH_TODAY", TODAY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs the binary with these arguments and waits.
pub fn newsgraph<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Run::from(command(args).output().unwrap())
}

fn run_args(input: &Path, output: &Path, gaz: &Path, extra: &[&str]) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec!["run".into(), "--input".into()];
    args.push(input.into());
    args.push("--output".into());
    args.push(output.into());
    args.push("--gazetteers".into());
    args.push(gaz.into());
    args.extend(extra.iter().map(Into::into));
    args
}

/// `newsgraph run --input I --output O --gazetteers <shipped> EXTRA...`
pub fn run(input: &Path, output: &Path, extra: &[&str]) -> Run {
    run_gaz(input, output, &gazetteers(), extra)
}

/// `newsgraph run` with another gazetteer folder.
pub fn run_gaz(input: &Path, output: &Path, gaz: &Path, extra: &[&str]) -> Run {
    newsgraph(run_args(input, output, gaz, extra))
}

/// Starts `newsgraph run` without waiting.
pub fn spawn_run(input: &Path, output: &Path, gaz: &Path, extra: &[&str]) -> Child {
    command(run_args(input, output, gaz, extra))
        .spawn()
        .unwrap()
}

/// Waits for a spawned run.
pub fn wait(child: Child) -> Run {
    Run::from(child.wait_with_output().unwrap())
}

/// Runs several `newsgraph run`s at once (they must use different output folders).
pub fn run_all(runs: &[(&Path, &Path, &Path, &[&str])]) -> Vec<Run> {
    let children: Vec<Child> = runs
        .iter()
        .map(|(i, o, g, e)| spawn_run(i, o, g, e))
        .collect();
    children.into_iter().map(wait).collect()
}

/// The four CSVs of an output folder; panics if one is missing.
#[track_caller]
pub fn read_csvs(out: &Path) -> Csvs {
    CSV_NAMES.map(|n| {
        let p = out.join(n);
        fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    })
}

/// The four CSVs of an output folder, each if present.
pub fn try_read_csvs(out: &Path) -> [Option<Vec<u8>>; 4] {
    CSV_NAMES.map(|n| fs::read(out.join(n)).ok())
}

/// The CSVs of a `--full` run on a fresh output folder (removed afterwards).
#[track_caller]
pub fn fresh_full(input: &Path, gaz: &Path) -> Csvs {
    let t = tmp();
    let out = t.path().join("fresh");
    run_gaz(input, &out, gaz, &["--full"]).ok();
    read_csvs(&out)
}

/// Runs `run` on `output` and a `--full` run on a fresh folder at the same time;
/// returns the incremental run and the fresh set.
#[track_caller]
pub fn run_and_fresh(input: &Path, output: &Path, gaz: &Path, extra: &[&str]) -> (Run, Csvs) {
    let t = tmp();
    let fresh = t.path().join("fresh");
    let mut runs = run_all(&[
        (input, output, gaz, extra),
        (input, &fresh, gaz, &["--full"]),
    ])
    .into_iter();
    let r = runs.next().unwrap();
    runs.next().unwrap().ok();
    (r, read_csvs(&fresh))
}

/// Asserts two sets of CSVs are byte-identical, naming the first differing line.
#[track_caller]
pub fn assert_same(got: &Csvs, want: &Csvs, context: &str) {
    let mut msg = String::new();
    for (i, name) in CSV_NAMES.iter().enumerate() {
        if got[i] != want[i] {
            let g = String::from_utf8_lossy(&got[i]);
            let w = String::from_utf8_lossy(&want[i]);
            let (gl, wl): (Vec<&str>, Vec<&str>) = (g.lines().collect(), w.lines().collect());
            let at = gl
                .iter()
                .zip(&wl)
                .position(|(a, b)| a != b)
                .unwrap_or(gl.len().min(wl.len()));
            let _ = writeln!(
                msg,
                "{name} differs ({} vs {} lines); first difference at line {}:\n  got:  {:?}\n  want: {:?}",
                gl.len(),
                wl.len(),
                at + 1,
                gl.get(at),
                wl.get(at)
            );
        }
    }
    assert!(msg.is_empty(), "{context}:\n{msg}");
}

/// Writes `bytes` to `root/rel`, creating folders.
pub fn write_file(root: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let p = root.join(rel);
    if let Some(d) = p.parent() {
        fs::create_dir_all(d).unwrap();
    }
    fs::write(&p, bytes).unwrap();
    p
}

/// Copies a folder tree (files and folders only).
pub fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for e in fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// Every file under a folder as (relative path with '/', bytes), sorted by path.
pub fn files_under(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &r, out);
            } else {
                out.push((r, fs::read(e.path()).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    if root.exists() {
        walk(root, "", &mut out);
    }
    out.sort();
    out
}

/// The sample articles: (file name without folders, bytes), sorted by name.
pub fn samples() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = files_under(&articles_dir())
        .into_iter()
        .filter(|(p, _)| p.ends_with(".txt"))
        .map(|(p, b)| (p.rsplit('/').next().unwrap().to_string(), b))
        .collect();
    v.sort();
    assert!(v.len() >= 10, "expected the sample articles in articles/");
    v
}

/// The `n`th sample article's bytes (cycling).
pub fn sample(n: usize) -> Vec<u8> {
    let s = samples();
    s[n % s.len()].1.clone()
}

/// Short lines naming entities (cheap to process).
const NAMES: [&str; 10] = [
    "India, Japan and Tokyo.",
    "Donald Trump of the United States.",
    "Russia, China and Beijing.",
    "Canada and Mexico.",
    "The European Union and Russia.",
    "Narendra Modi and Vladimir Putin.",
    "South Korea and Seoul.",
    "China and Germany.",
    "Britain and India.",
    "Rosneft and Lukoil.",
];

/// Short sentences with a relation (costlier to process, so used in 1 article of 8).
const DEEDS: [&str; 8] = [
    "India and Japan signed a trade deal in Tokyo.",
    "President Donald Trump imposed tariffs on China.",
    "Canada halted trade talks with the United States.",
    "The European Union imposed sanctions on Russia.",
    "Narendra Modi met Vladimir Putin in New Delhi.",
    "South Korea agreed to invest in the United States.",
    "Britain and India signed a free trade agreement.",
    "The United States sanctioned Rosneft and Lukoil.",
];

/// A short dated article, different for every `i`, cheap to process.
pub fn small_article(i: usize) -> Vec<u8> {
    let mut s = format!(
        "Date: 2025-{:02}-{:02}\n\nDispatch {i}.\n{}\n{}\n",
        i % 12 + 1,
        i % 28 + 1,
        NAMES[i % NAMES.len()],
        NAMES[(i / NAMES.len() + 3) % NAMES.len()]
    );
    if i.is_multiple_of(8) {
        s.push_str(DEEDS[(i / 8) % DEEDS.len()]);
        s.push('\n');
    }
    s.into_bytes()
}

/// One row of `mentions.csv` (the library's own row type).
pub use newsgraph::write::MentionRow as Mention;

/// Parses `mentions.csv` of an output folder (a repeated header row fails to parse).
pub fn mentions(out: &Path) -> Vec<Mention> {
    let mut r = csv::Reader::from_path(out.join("mentions.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["article", "sentence", "start", "end", "text", "entity", "kind"]
    );
    r.deserialize().map(|m| m.unwrap()).collect()
}

/// The distinct values of the `article` column of mentions.csv and relations.csv.
pub fn articles_in_rows(out: &Path) -> std::collections::BTreeSet<String> {
    let mut set: std::collections::BTreeSet<String> =
        mentions(out).into_iter().map(|m| m.article).collect();
    let mut r = csv::Reader::from_path(out.join("relations.csv")).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        if &rec[0] != "article" {
            set.insert(rec[0].to_string());
        }
    }
    set
}

/// Checks every mention is a valid byte span of its article file under `input` and
/// that its `text` is that span decoded lossily.
#[track_caller]
pub fn check_spans(input: &Path, rows: &[Mention]) {
    for m in rows {
        let raw = fs::read(input.join(&m.article))
            .unwrap_or_else(|e| panic!("mention of {:?}: cannot read article: {e}", m.article));
        assert!(
            m.start < m.end && m.end <= raw.len(),
            "mention {m:?} is not a byte span of a {}-byte file",
            raw.len()
        );
        assert_eq!(
            m.text,
            String::from_utf8_lossy(&raw[m.start..m.end]),
            "mention {m:?}: text is not the lossy decoding of its span"
        );
    }
}

/// (path, size, mtime-ns) of every row of the output folder's manifest.
pub fn manifest(out: &Path) -> Vec<(String, u64, i128)> {
    let mut r = csv::Reader::from_path(out.join(".newsgraph/manifest.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (p, s, m) = (col("path"), col("size"), col("mtime"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[p].to_string(),
                rec[s].parse().unwrap(),
                rec[m].parse().unwrap(),
            )
        })
        .collect()
}

/// (relative path, size, mtime-ns) of every `*.txt` file under `input`, sorted.
pub fn input_stats(input: &Path) -> Vec<(String, u64, i128)> {
    let mut v: Vec<(String, u64, i128)> = files_under(input)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".txt"))
        .map(|(p, _)| {
            let m = fs::metadata(input.join(&p)).unwrap();
            let t = m
                .modified()
                .unwrap()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as i128;
            (p, m.len(), t)
        })
        .collect();
    v.sort();
    v
}
