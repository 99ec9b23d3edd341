//! Crashes and concurrent runs: the lock, kill -9 at any moment, and a commit cut
//! between its renames. After a kill the four CSVs are the previous set or the new one;
//! only a kill between the commit's renames leaves files of both, and then the commit
//! journal is there for the next run to finish. The next run repairs whatever a killed
//! run left and gives the bytes of a fresh run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use newsgraph::store::OUTPUTS;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn state_dir(out: &Path) -> std::path::PathBuf {
    out.join(".newsgraph")
}

/// The state folder is clean: no journal, no staged file, no lock.
#[track_caller]
fn assert_clean(out: &Path, context: &str) {
    let d = state_dir(out);
    assert!(
        !d.join("journal").exists(),
        "{context}: journal left behind"
    );
    assert!(!d.join("lock").exists(), "{context}: lock left behind");
    let staged: Vec<_> = fs::read_dir(d.join("staging"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        staged.is_empty(),
        "{context}: staging not emptied: {staged:?}"
    );
}

/// A pid no process has.
fn dead_pid() -> String {
    (999_999u32..)
        .find(|p| !Path::new("/proc").join(p.to_string()).exists())
        .unwrap()
        .to_string()
}

/// A lock held by a live process stops the run (exit 1, naming the pid); a stale lock
/// (dead pid, or empty) is taken over.
#[test]
fn lock_blocks_live_holder_and_is_taken_over_when_stale() {
    let t = tmp();
    let (input, out) = (t.path().join("in"), t.path().join("out"));
    write_file(&input, "a.txt", &sample(0));
    fs::create_dir_all(state_dir(&out)).unwrap();
    let lock = state_dir(&out).join("lock");

    // a live holder: flock(1) holds the kernel lock newsgraph takes, and the file names
    // the holder's pid as a run would write it
    let mut sleeper = Command::new("flock")
        .arg("--close") // the lock stays with flock itself, so killing it releases the lock
        .arg(&lock)
        .args(["sleep", "30"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = sleeper.id().to_string();
    fs::write(&lock, format!("{pid}\n")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let r = run(&input, &out, &[]);
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("another newsgraph run") && r.stderr.contains(&format!("pid {pid}")),
        "{}",
        r.stderr
    );
    assert_eq!(
        fs::read_to_string(&lock).unwrap(),
        format!("{pid}\n"),
        "lock touched"
    );
    assert!(
        !out.join("mentions.csv").exists(),
        "outputs written despite the lock"
    );

    let stale = [
        ("dead pid", format!("{}\n", dead_pid())),
        ("empty lock (killed before writing its pid)", String::new()),
    ];
    for (what, content) in stale {
        fs::write(&lock, content).unwrap();
        let r = run(&input, &out, &[]);
        assert_eq!(r.code, 0, "{what}: {}", r.stderr);
        assert!(out.join("mentions.csv").exists(), "{what}");
        assert_clean(&out, what);
    }
}

/// Three runs started at once on one output folder: each either completes or stops
/// with the lock message, at least one completes, and the result is a complete set.
#[test]
fn concurrent_runs_do_not_interleave() {
    let t = tmp();
    let (input, out) = (t.path().join("in"), t.path().join("out"));
    write_file(&input, "a.txt", &sample(3));
    write_file(&input, "b/c.txt", &sample(4));
    let gaz = gazetteers();
    let fresh = t.path().join("fresh");
    let runs = run_all(&[
        (&input, &out, &gaz, &[]),
        (&input, &out, &gaz, &[]),
        (&input, &out, &gaz, &[]),
        (&input, &fresh, &gaz, &["--full"]),
    ]);
    let mut completed = 0;
    for r in &runs[..3] {
        match r.code {
            0 => completed += 1,
            1 => assert!(r.stderr.contains("another newsgraph run"), "{}", r.stderr),
            _ => panic!("unexpected exit:\n{}", r.stderr),
        }
    }
    assert!(completed >= 1, "no run completed");
    assert_eq!(runs[3].code, 0);
    assert_same(
        &read_csvs(&out),
        &read_csvs(&fresh),
        "after concurrent runs",
    );
    assert_clean(&out, "after concurrent runs");
}

/// `n` small articles, numbered from `from`, spread over 30 subfolders.
fn corpus(dir: &Path, from: usize, n: usize) {
    for i in from..from + n {
        write_file(dir, &format!("d{:02}/n{i}.txt", i % 30), &small_article(i));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// The previous complete set.
    Old,
    /// The new complete set.
    New,
    /// The commit journal is there: the next run finishes the renames. The CSVs are
    /// the old set, the new set, or (cut between renames) each file old or new.
    CommitPending,
}

/// What a reader finds in the output folder right after a kill.
#[track_caller]
fn seen(out: &Path, old: &Csvs, new: &Csvs, context: &str) -> Seen {
    let pending = state_dir(out).join("journal").exists();
    let got = try_read_csvs(out);
    let got: Vec<Vec<u8>> = got
        .into_iter()
        .zip(CSV_NAMES)
        .map(|(g, n)| g.unwrap_or_else(|| panic!("{context}: {n} is missing")))
        .collect();
    if got[..] == old[..] {
        return if pending {
            Seen::CommitPending
        } else {
            Seen::Old
        };
    }
    if got[..] == new[..] {
        return if pending {
            Seen::CommitPending
        } else {
            Seen::New
        };
    }
    let each: Vec<&str> = (0..4)
        .map(|i| {
            if got[i] == old[i] {
                "old"
            } else if got[i] == new[i] {
                "new"
            } else {
                "neither"
            }
        })
        .collect();
    assert!(
        pending && !each.contains(&"neither"),
        "{context}: the CSVs are a mix ({:?}) with no commit journal to finish it",
        CSV_NAMES.iter().zip(&each).collect::<Vec<_>>()
    );
    println!("{context}: kill landed between commit renames ({each:?}); the journal finishes it");
    Seen::CommitPending
}

/// kill -9 at many moments of a run that adds 1,000 articles to 3,000: the CSVs are the
/// old set or the new set, and the next run gives the bytes of a fresh --full run.
#[test]
fn kill_9_at_any_moment_leaves_a_complete_set() {
    let t = tmp();
    let input = t.path().join("in");
    let template = t.path().join("template");
    let gaz = gazetteers();
    corpus(&input, 0, 3000);
    // the complete new set comes from a fresh --full run on a copy of the final input,
    // made while the baseline runs
    let all = t.path().join("all");
    corpus(&all, 0, 4000);
    let fresh = t.path().join("fresh");
    let mut runs = run_all(&[
        (&input, &template, &gaz, &[]),
        (&all, &fresh, &gaz, &["--full"]),
    ])
    .into_iter();
    let r = runs.next().unwrap().ok();
    assert_eq!(r.counts(), Counts::of(3000, 3000, 0, 0, 0));
    runs.next().unwrap().ok();
    let (old, new) = (read_csvs(&template), read_csvs(&fresh));
    assert_ne!(old, new);
    corpus(&input, 3000, 1000);

    // An uninterrupted incremental run, timed from the moment it takes the lock (its
    // gazetteers are loaded then; in debug builds loading is most of the run).
    let timed = t.path().join("timed");
    copy_dir(&template, &timed);
    let mut child = spawn_run(&input, &timed, &gaz, &[]);
    let locked = wait_for_lock(&mut child, &timed);
    let r = wait(child);
    let window = locked.elapsed();
    let r = r.ok();
    assert_eq!(
        r.counts(),
        Counts::of(4000, 1000, 0, 3000, 0),
        "{}",
        r.stderr
    );
    assert_same(&read_csvs(&timed), &new, "uninterrupted run");

    // When to kill: while loading; at fractions of the time from lock to exit; and as
    // soon as the commit journal appears.
    #[derive(Debug, Clone, Copy)]
    enum When {
        Loading,
        After(f64),
        Journal,
    }
    let whens = [
        When::Loading,
        When::After(0.3),
        When::After(0.7),
        When::After(0.95),
        When::Journal,
    ];
    let mut outcomes = Vec::new();
    for (k, when) in whens.into_iter().enumerate() {
        let out = t.path().join(format!("killed-{k}"));
        copy_dir(&template, &out);
        let mut child = spawn_run(&input, &out, &gaz, &[]);
        let started = Instant::now();
        match when {
            When::Loading => std::thread::sleep(Duration::from_millis(30)),
            When::After(f) => {
                wait_for_lock(&mut child, &out);
                std::thread::sleep(window.mul_f64(f));
            }
            When::Journal => {
                let journal = state_dir(&out).join("journal");
                wait_for_lock(&mut child, &out);
                std::thread::sleep(window.mul_f64(0.5));
                while !journal.exists() && child.try_wait().unwrap().is_none() {
                    std::hint::spin_loop();
                }
            }
        }
        let _ = child.kill(); // it may have finished already
        let status = child.wait().unwrap();
        let at = started.elapsed();
        let context = format!("kill {when:?} after {at:?} ({status})");
        let s = seen(&out, &old, &new, &context);
        outcomes.push((when, s));

        let r = run(&input, &out, &[]).ok();
        let want = match s {
            Seen::Old => Counts::of(4000, 1000, 0, 3000, 0),
            Seen::New | Seen::CommitPending => Counts::of(4000, 0, 0, 4000, 0),
        };
        assert_eq!(r.counts(), want, "{context}: rerun\n{}", r.stderr);
        assert_same(&read_csvs(&out), &new, &format!("{context}: rerun"));
        assert_clean(&out, &context);
        fs::remove_dir_all(&out).unwrap();
    }
    println!("from lock to exit: {window:?}; kills: {outcomes:?}");
}

/// Waits until a run holds the output folder's lock (or has exited); returns when.
fn wait_for_lock(child: &mut std::process::Child, out: &Path) -> Instant {
    let lock = state_dir(out).join("lock");
    // the copied template has no lock; a fresh lock file means the run got this far
    while !lock.exists() && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(1));
    }
    Instant::now()
}

/// Copies a complete set of outputs of `from` into `to`'s staging folder.
fn stage_from(from: &Path, to: &Path) {
    for (staged, dest) in OUTPUTS {
        fs::copy(from.join(dest), state_dir(to).join("staging").join(staged)).unwrap();
    }
}

fn journal_text() -> String {
    OUTPUTS.iter().map(|(f, t)| format!("{f}\t{t}\n")).collect()
}

/// A commit cut after k of its renames (as a kill would leave it) is finished by the
/// next run; staging without a journal (a kill before the commit) is thrown away.
#[test]
fn cut_commit_is_finished_or_discarded_by_the_next_run() {
    let t = tmp();
    let input = t.path().join("in");
    let (old_out, new_out) = (t.path().join("old"), t.path().join("new"));
    for k in 0..3 {
        write_file(&input, &format!("a{k}.txt"), &sample(k));
    }
    run(&input, &old_out, &[]).ok();
    write_file(&input, "b/late.txt", &sample(7));
    write_file(&input, "0-early.txt", &sample(9));
    run(&input, &new_out, &[]).ok();
    let (old, new) = (read_csvs(&old_out), read_csvs(&new_out));

    // (case, renames done before the "kill"; None: no journal was written)
    let cases: &[(&str, Option<usize>)] = &[
        ("journal written, no rename yet", Some(0)),
        ("cut after two renames", Some(2)),
        ("cut after five renames (CSVs done, manifest not)", Some(5)),
        ("all renamed, journal not yet removed", Some(OUTPUTS.len())),
        ("staged but no journal", None),
    ];
    for (case, renamed) in cases {
        let out = t.path().join(format!("cut-{}", renamed.map_or(99, |k| k)));
        copy_dir(&old_out, &out);
        stage_from(&new_out, &out);
        let d = state_dir(&out);
        match renamed {
            Some(k) => {
                fs::write(d.join("journal"), journal_text()).unwrap();
                for (staged, dest) in &OUTPUTS[..*k] {
                    fs::rename(d.join("staging").join(staged), out.join(dest)).unwrap();
                }
            }
            None => fs::write(d.join("journal.tmp"), journal_text()).unwrap(),
        }
        let before = try_read_csvs(&out);
        let from = |set: &Csvs| {
            (0..4)
                .filter(|&i| old[i] != new[i] && before[i].as_deref() == Some(&set[i][..]))
                .count()
        };
        if from(&old) > 0 && from(&new) > 0 {
            println!("{case}: until the next run the CSVs on disk are a mix of two runs");
        }
        let r = run(&input, &out, &[]).ok();
        let want = match renamed {
            Some(_) => Counts::of(5, 0, 0, 5, 0),
            None => Counts::of(5, 2, 0, 3, 0),
        };
        assert_eq!(r.counts(), want, "{case}\n{}", r.stderr);
        assert_same(&read_csvs(&out), &new, case);
        assert_ne!(old, new);
        assert_clean(&out, case);
    }
}
