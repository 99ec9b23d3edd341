//! End-to-end: run the real binary on each `tests/cases/<name>/input` folder and compare
//! the four CSVs with `tests/cases/<name>/expected/`. Set `NEWSGRAPH_BLESS=1` to rewrite
//! the expected files after a deliberate change (then review the diff).

#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::fs;
use std::path::Path;
use std::process::Command;

const CSVS: [&str; 4] = ["nodes.csv", "edges.csv", "mentions.csv", "relations.csv"];

fn run_case(name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let case = root.join("tests/cases").join(name);
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_newsgraph"))
        .args(["run", "--quiet", "--input"])
        .arg(case.join("input"))
        .arg("--output")
        .arg(out.path())
        .arg("--gazetteers")
        .arg(root.join("gazetteers"))
        .env("NEWSGRAPH_TODAY", "2025-01-01")
        .status()
        .unwrap();
    assert!(status.success(), "newsgraph failed on case {name}");
    let expected = case.join("expected");
    let bless = std::env::var_os("NEWSGRAPH_BLESS").is_some();
    let mut diffs = Vec::new();
    for csv in CSVS {
        let got = fs::read_to_string(out.path().join(csv)).unwrap();
        if bless {
            fs::create_dir_all(&expected).unwrap();
            fs::write(expected.join(csv), &got).unwrap();
            continue;
        }
        let want = fs::read_to_string(expected.join(csv)).unwrap_or_default();
        if got != want {
            diffs.push(format!("--- {name}/{csv}\nexpected:\n{want}\ngot:\n{got}"));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[test]
fn basic_case_matches_expected_csvs() {
    run_case("basic");
}

#[test]
fn headers_are_exactly_the_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let expected = root.join("tests/cases/basic/expected");
    let first = |f: &str| {
        let text = fs::read_to_string(expected.join(f)).unwrap();
        text.lines().next().unwrap_or_default().to_string()
    };
    assert!(first("nodes.csv").starts_with("Id,Label,kind,country,mentions,articles"));
    assert!(first("edges.csv")
        .starts_with("Source,Target,Type,Kind,Label,Weight,cameo,articles,first_seen,last_seen"));
    assert_eq!(
        first("mentions.csv"),
        "article,sentence,start,end,text,entity,kind"
    );
    assert!(first("relations.csv").starts_with(
        "article,sentence,source,relation,target,directed,modality,cameo,trigger,evidence"
    ));
}
