//! Incremental runs give the same bytes as a fresh `--full` run, whatever changed in
//! between, however many threads, and whatever the gazetteers did.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The sample whose text names Japan (used for a same-size edit).
fn japan_sample() -> Vec<u8> {
    let s = samples()
        .into_iter()
        .find(|(n, _)| n.contains("japan"))
        .unwrap();
    s.1
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    fs::write(path, text.replace(from, to)).unwrap();
}

fn set_mtime(path: &Path, t: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

/// One step of the incremental scenario.
struct Step {
    name: &'static str,
    change: fn(&Path),
    /// Extra arguments of the run.
    args: &'static [&'static str],
    /// Did the step change what a fresh run would output? (If not, the previous fresh
    /// run's bytes are reused to save a run.)
    content: bool,
    want: Counts,
}

/// After every step: exact summary counts, CSVs equal to a fresh `--full` run, and a
/// manifest that records each input file's size and mtime.
#[test]
fn every_step_matches_a_fresh_full_run() {
    let steps = [
        Step {
            name: "run 1: three articles",
            change: |i| {
                write_file(i, "b-first.txt", &sample(0));
                write_file(i, "d-second.txt", &japan_sample());
                write_file(i, "f/third.txt", &sample(5));
            },
            args: &[],
            content: true,
            want: Counts::of(3, 3, 0, 0, 0),
        },
        Step {
            name: "run 2: two added, sorting between the old ones",
            change: |i| {
                write_file(i, "a-new.txt", &sample(2));
                write_file(i, "e/zz-new.txt", &sample(8));
            },
            args: &[],
            content: true,
            want: Counts::of(5, 2, 0, 3, 0),
        },
        Step {
            name: "run 3: one changed, same size",
            change: |i| {
                let p = i.join("d-second.txt");
                let size = fs::metadata(&p).unwrap().len();
                replace_in(&p, "Japan", "China");
                assert_eq!(fs::metadata(&p).unwrap().len(), size);
            },
            args: &[],
            content: true,
            want: Counts::of(5, 0, 1, 4, 0),
        },
        Step {
            name: "run 4: one removed",
            change: |i| fs::remove_file(i.join("b-first.txt")).unwrap(),
            args: &[],
            content: true,
            want: Counts::of(4, 0, 0, 4, 1),
        },
        Step {
            name: "run 5: nothing changed",
            change: |_| {},
            args: &[],
            content: false,
            want: Counts::of(4, 0, 0, 4, 0),
        },
        Step {
            name: "run 6: touched (mtime only)",
            change: |i| {
                let t = UNIX_EPOCH + Duration::from_secs(1_600_000_000);
                set_mtime(&i.join("a-new.txt"), t);
            },
            args: &[],
            content: false,
            want: Counts::of(4, 0, 0, 4, 0),
        },
        Step {
            name: "run 7: one renamed (a removal and an addition)",
            change: |i| {
                fs::create_dir_all(i.join("g")).unwrap();
                fs::rename(i.join("e/zz-new.txt"), i.join("g/renamed.txt")).unwrap();
            },
            args: &[],
            content: true,
            want: Counts::of(4, 1, 0, 3, 1),
        },
        Step {
            name: "run 8: --full on the existing output",
            change: |_| {},
            args: &["--full"],
            content: false,
            want: Counts::of(4, 0, 0, 4, 0),
        },
        Step {
            name: "run 9: the cache written by --full serves the next run",
            change: |i| {
                let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
                set_mtime(&i.join("g/renamed.txt"), t);
            },
            args: &[],
            content: false,
            want: Counts::of(4, 0, 0, 4, 0),
        },
    ];
    let t = tmp();
    let input = t.path().join("in");
    let out = t.path().join("out");
    fs::create_dir_all(&input).unwrap();
    let mut fresh: Option<Csvs> = None;
    for step in &steps {
        let name = step.name;
        (step.change)(&input);
        let previous = fresh.clone();
        let before = fs::metadata(out.join("mentions.csv")).ok();
        let r = if step.content || fresh.is_none() {
            let (r, f) = run_and_fresh(&input, &out, &gazetteers(), step.args);
            fresh = Some(f);
            r
        } else {
            run(&input, &out, step.args)
        };
        let r = r.ok();
        let fresh = fresh.as_ref().unwrap();
        assert_eq!(
            r.counts(),
            step.want,
            "{name}: summary counts\n{}",
            r.stderr
        );
        assert!(r.warnings().is_empty(), "{name}: {}", r.stderr);
        assert_same(&read_csvs(&out), fresh, name);
        assert_eq!(manifest(&out), input_stats(&input), "{name}: manifest");
        assert_one_header(&out, name);
        if name.contains("nothing changed") {
            // the shortcut: the outputs are left as they are, not rewritten
            use std::os::unix::fs::MetadataExt;
            let after = fs::metadata(out.join("mentions.csv")).unwrap();
            let before = before.unwrap();
            assert_eq!(
                (before.ino(), before.mtime_nsec()),
                (after.ino(), after.mtime_nsec()),
                "{name}: mentions.csv was rewritten"
            );
        }
        if name.contains("same size") {
            let prev = previous.as_ref().unwrap();
            assert_ne!(
                &prev[2], &fresh[2],
                "{name}: the edit should change mentions"
            );
        }
    }
}

/// 40 articles in subfolders: the bytes do not depend on --jobs.
#[test]
fn same_bytes_whatever_jobs() {
    let t = tmp();
    let input = t.path().join("in");
    for (k, (name, bytes)) in samples().into_iter().enumerate() {
        write_file(&input, &name, &bytes);
        write_file(&input, &format!("copies/{k:02}-{name}"), &bytes);
        let mut other = bytes.clone();
        other.extend_from_slice(format!("\nCopy {k} was filed again.\n").as_bytes());
        write_file(&input, &format!("deep/er/{name}"), &other);
        if k < 4 {
            write_file(&input, &format!("x y/{k}.txt"), &bytes[bytes.len() / 2..]);
        }
    }
    let jobs = ["1", "2", "4"];
    let outs: Vec<_> = jobs
        .iter()
        .map(|j| t.path().join(format!("out-{j}")))
        .collect();
    let extra: Vec<[&str; 2]> = jobs.iter().map(|j| ["--jobs", *j]).collect();
    let gaz = gazetteers();
    let runs: Vec<(&Path, &Path, &Path, &[&str])> = outs
        .iter()
        .zip(&extra)
        .map(|(o, e)| (input.as_path(), o.as_path(), gaz.as_path(), &e[..]))
        .collect();
    for r in run_all(&runs) {
        let r = r.ok();
        assert_eq!(r.counts(), Counts::of(40, 40, 0, 0, 0), "{}", r.stderr);
    }
    let first = read_csvs(&outs[0]);
    for (j, o) in jobs.iter().zip(&outs).skip(1) {
        assert_same(&read_csvs(o), &first, &format!("--jobs {j} vs --jobs 1"));
    }
}

const PERSON: &str =
    "zorblax-quintero\tZorblax Quintero\tUSA\tTest envoy\t-\t-\tQuintero\t2026-11-23\n";

fn gazetteer_input(input: &Path) {
    for k in 0..3 {
        write_file(input, &format!("s{k}.txt"), &sample(k * 3));
    }
    write_file(
        input,
        "envoy.txt",
        b"Date: 2025-02-02\n\nZorblax Quintero met Narendra Modi in New Delhi.\nIndia and Japan signed a trade deal.\n",
    );
}

/// Editing any data file invalidates the cache: every article is extracted again (a
/// new gazetteer entry shows up in old articles) and the outputs equal a fresh run with
/// the edited data. The counts still compare articles with the previous run.
#[test]
fn gazetteer_change_reprocesses_everything() {
    // (edit, data file, line appended, article removed with it, counts)
    let edits: &[(&str, &str, &str, Option<&str>, Counts)] = &[
        (
            "comment line",
            "countries.tsv",
            "# a harmless comment\n",
            None,
            Counts::of(4, 0, 0, 4, 0),
        ),
        (
            "new person",
            "people.tsv",
            PERSON,
            Some("s0.txt"),
            Counts::of(3, 0, 0, 3, 1),
        ),
    ];
    let t = tmp();
    let (input, out, gaz) = (
        t.path().join("in"),
        t.path().join("out"),
        t.path().join("g"),
    );
    copy_dir(&gazetteers(), &gaz);
    gazetteer_input(&input);
    let r = run_gaz(&input, &out, &gaz, &[]).ok();
    assert_eq!(r.counts(), Counts::of(4, 4, 0, 0, 0), "first run");
    for (what, file, line, remove, want) in edits {
        let before = read_csvs(&out);
        let state_before = fs::read_to_string(out.join(".newsgraph/state.csv")).unwrap();
        let mut text = fs::read_to_string(gaz.join(file)).unwrap();
        text.push_str(line);
        fs::write(gaz.join(file), text).unwrap();
        if let Some(a) = remove {
            fs::remove_file(input.join(a)).unwrap();
        }

        let (r, fresh) = run_and_fresh(&input, &out, &gaz, &[]);
        let r = r.ok();
        assert_eq!(r.counts(), *want, "{what}: {}", r.stderr);
        assert_same(&read_csvs(&out), &fresh, what);
        let state = fs::read_to_string(out.join(".newsgraph/state.csv")).unwrap();
        assert_ne!(state, state_before, "{what}: the fingerprint must change");
        let quintero = mentions(&out)
            .iter()
            .any(|m| m.entity == "zorblax-quintero" && m.article == "envoy.txt");
        if *what == "new person" {
            assert!(
                quintero,
                "{what}: old article not re-tagged with the new entry"
            );
            assert_ne!(before[2], fresh[2]);
        } else {
            assert!(!quintero);
            assert_same(&fresh, &before, what);
        }
    }
    // and the next run reuses the cache again
    let r = run_gaz(&input, &out, &gaz, &[]).ok();
    assert_eq!(r.counts(), Counts::of(3, 0, 0, 3, 0), "after the edits");
}

/// `--full` counts changes against the previous run like an incremental run does.
#[test]
fn full_counts_changed_articles() {
    let t = tmp();
    let (input, out) = (t.path().join("in"), t.path().join("out"));
    for k in 0..4 {
        write_file(&input, &format!("a{k}.txt"), &sample(k));
    }
    run(&input, &out, &[]).ok();
    let p = input.join("a1.txt");
    let mut b = fs::read(&p).unwrap();
    b.extend_from_slice(b"\nCanada imposed tariffs on Mexico.\n");
    fs::write(&p, b).unwrap();
    fs::remove_file(input.join("a3.txt")).unwrap();
    let r = run(&input, &out, &["--full"]).ok();
    assert_eq!(r.counts(), Counts::of(3, 0, 1, 2, 1), "{}", r.stderr);
}

/// Each CSV has exactly one header row.
#[track_caller]
fn assert_one_header(out: &Path, context: &str) {
    for (name, bytes) in CSV_NAMES.iter().zip(read_csvs(out)) {
        let text = String::from_utf8(bytes).unwrap();
        let header = text.lines().next().unwrap_or_default();
        let n = text.lines().filter(|l| *l == header).count();
        assert_eq!(
            n, 1,
            "{context}: {name}: header {header:?} appears {n} times"
        );
    }
}

/// The line of `text` at `at` (0-based), as a byte range without its `\n`.
fn line_range(text: &[u8], at: usize) -> std::ops::Range<usize> {
    let mut start = 0;
    for _ in 0..at {
        start += text[start..].iter().position(|&b| b == b'\n').unwrap() + 1;
    }
    let len = text[start..].iter().position(|&b| b == b'\n').unwrap();
    start..start + len
}

/// Rewrites an output CSV and gives it an mtime of its own (an edit within the same
/// timestamp tick as the commit, with the same size, would look untouched).
fn edit_csv(out: &Path, name: &str, f: impl FnOnce(&mut Vec<u8>)) {
    let p = out.join(name);
    let mut bytes = fs::read(&p).unwrap();
    f(&mut bytes);
    fs::write(&p, bytes).unwrap();
    set_mtime(&p, UNIX_EPOCH + Duration::from_secs(1_650_000_000));
}

/// A rerun copies unchanged articles' rows from the previous mentions.csv and
/// relations.csv after checking their hashes. A user who edits, truncates, replaces or
/// removes an output CSV between runs still gets the bytes of a fresh `--full` run.
#[test]
fn edited_output_csvs_are_repaired() {
    type Edit = fn(&Path, &Path, &Path);
    let edits: &[(&str, Edit, Counts)] = &[
        (
            "one digit of a mention row changed (same size), inputs untouched",
            |_, out, _| {
                edit_csv(out, "mentions.csv", |b| {
                    let n = b.iter().filter(|&&c| c == b'\n').count();
                    let row = line_range(b, n / 2);
                    let digit = row.start + b[row].iter().position(u8::is_ascii_digit).unwrap();
                    b[digit] = if b[digit] == b'1' { b'2' } else { b'1' };
                })
            },
            Counts::of(6, 0, 0, 6, 0),
        ),
        (
            "mentions.csv truncated to half, one article added",
            |input, out, _| {
                edit_csv(out, "mentions.csv", |b| b.truncate(b.len() / 2));
                write_file(input, "c-added.txt", &sample(7));
            },
            Counts::of(7, 1, 0, 6, 0),
        ),
        (
            "a relation row made longer in the middle of relations.csv",
            |_, out, _| {
                edit_csv(out, "relations.csv", |b| {
                    let n = b.iter().filter(|&&c| c == b'\n').count();
                    let row = line_range(b, n / 2);
                    b.splice(row.end..row.end, *b" (edited)");
                })
            },
            Counts::of(7, 0, 0, 7, 0),
        ),
        (
            "mentions.csv replaced by an older run's, an article removed",
            |input, out, keep| {
                fs::copy(keep.join("mentions.csv"), out.join("mentions.csv")).unwrap();
                fs::remove_file(input.join("a0.txt")).unwrap();
            },
            Counts::of(6, 0, 0, 6, 1),
        ),
        (
            "relations.csv removed, nodes.csv and edges.csv emptied",
            |_, out, _| {
                fs::remove_file(out.join("relations.csv")).unwrap();
                edit_csv(out, "nodes.csv", Vec::clear);
                edit_csv(out, "edges.csv", Vec::clear);
            },
            Counts::of(6, 0, 0, 6, 0),
        ),
    ];
    let t = tmp();
    let (input, out, keep) = (
        t.path().join("in"),
        t.path().join("out"),
        t.path().join("first"),
    );
    for k in 0..6 {
        write_file(
            &input,
            &format!("{}{k}.txt", ["a", "d/b"][k % 2]),
            &sample(k),
        );
    }
    run(&input, &out, &[]).ok();
    fs::create_dir_all(&keep).unwrap();
    fs::copy(out.join("mentions.csv"), keep.join("mentions.csv")).unwrap();
    for (what, edit, want) in edits {
        let before = read_csvs(&out);
        edit(&input, &out, &keep);
        assert_ne!(
            try_read_csvs(&out).map(Option::unwrap_or_default),
            before,
            "{what}: the edit changed nothing"
        );
        let (r, fresh) = run_and_fresh(&input, &out, &gazetteers(), &[]);
        let r = r.ok();
        assert_eq!(r.counts(), *want, "{what}\n{}", r.stderr);
        assert!(r.warnings().is_empty(), "{what}: {}", r.stderr);
        assert_same(&read_csvs(&out), &fresh, what);
        // and the repaired set serves the next run as usual
        let r = run(&input, &out, &[]).ok();
        assert_eq!(r.counts().unchanged, want.articles, "{what}: next run");
        assert_same(&read_csvs(&out), &fresh, &format!("{what}: next run"));
    }
}
