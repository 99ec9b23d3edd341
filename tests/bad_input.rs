//! Bad articles are warned about (naming the file) and the run goes on; bad setups stop
//! the run with exit 1 and a message naming the culprit, before anything is written;
//! bad usage exits 2.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

/// One odd file in the input folder.
struct Case {
    name: &'static str,
    /// Creates the file(s) under the input folder.
    setup: fn(&Path),
    /// The path (relative to the input) the warning must name, and a phrase of it.
    warning: Option<(&'static str, &'static str)>,
    /// The article (relative path, '/'-separated) whose rows must be present.
    rows: Option<&'static str>,
    /// A relative path that must have no rows.
    no_rows: Option<&'static str>,
}

const MAX_BYTES: usize = 4000;

fn invalid_utf8() -> Vec<u8> {
    let text = String::from_utf8(sample(1)).unwrap();
    let mut b = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        match i % 4 {
            1 => {
                b.extend_from_slice(b"\xff\xfe ");
                b.extend_from_slice(line.as_bytes());
            }
            2 => {
                // a Latin-1 byte glued to the first word, a lone continuation byte later
                let (w, rest) = line.split_at(line.find(' ').unwrap_or(0));
                b.extend_from_slice(w.as_bytes());
                b.extend_from_slice(b"\xe9");
                b.extend_from_slice(rest.as_bytes());
                b.extend_from_slice(b"\x80");
            }
            _ => b.extend_from_slice(line.as_bytes()),
        }
    }
    b.extend_from_slice(b"India and Japan \xc3\xa9\xc3 signed a deal.\n\xe2\x80");
    b
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "control article",
            setup: |i| {
                write_file(i, "good.txt", &sample(0));
            },
            warning: None,
            rows: Some("good.txt"),
            no_rows: None,
        },
        Case {
            name: "invalid UTF-8",
            setup: |i| {
                write_file(i, "latin1.txt", &invalid_utf8());
            },
            warning: Some(("latin1.txt", "not valid UTF-8")),
            rows: Some("latin1.txt"),
            no_rows: None,
        },
        Case {
            name: "binary file with NUL bytes",
            setup: |i| {
                let mut b = sample(2);
                b.splice(100..100, *b"\0\0\x01\x02\0");
                write_file(i, "binary.txt", &b);
            },
            warning: Some(("binary.txt", "binary file")),
            rows: None,
            no_rows: Some("binary.txt"),
        },
        Case {
            name: "empty file",
            setup: |i| {
                write_file(i, "empty.txt", b"");
            },
            warning: Some(("empty.txt", "empty")),
            rows: None,
            no_rows: Some("empty.txt"),
        },
        Case {
            name: "white space only",
            setup: |i| {
                write_file(i, "blank.txt", b" \n\t\r\n\n");
            },
            warning: Some(("blank.txt", "empty")),
            rows: None,
            no_rows: Some("blank.txt"),
        },
        Case {
            name: "over --max-bytes",
            setup: |i| {
                let mut b = Vec::new();
                while b.len() <= MAX_BYTES {
                    b.extend_from_slice(&sample(3));
                }
                write_file(i, "huge.txt", &b);
            },
            warning: Some(("huge.txt", "--max-bytes")),
            rows: None,
            no_rows: Some("huge.txt"),
        },
        Case {
            name: "broken symlink",
            setup: |i| symlink("missing", i.join("dangling.txt")).unwrap(),
            warning: Some(("dangling.txt", "cannot open")),
            rows: None,
            no_rows: Some("dangling.txt"),
        },
        Case {
            name: "a folder named like an article",
            setup: |i| {
                write_file(i, "folder.txt/inner.txt", &sample(4));
            },
            warning: None,
            rows: Some("folder.txt/inner.txt"),
            no_rows: None,
        },
        Case {
            name: "spaces and non-ASCII in names",
            setup: |i| {
                write_file(i, "with space/Ünïcödé — name.txt", &sample(5));
            },
            warning: None,
            rows: Some("with space/Ünïcödé — name.txt"),
            no_rows: None,
        },
        Case {
            name: "CRLF line ends and a BOM",
            setup: |i| {
                let mut b = b"\xef\xbb\xbf".to_vec();
                for &c in &sample(6) {
                    if c == b'\n' {
                        b.push(b'\r');
                    }
                    b.push(c);
                }
                write_file(i, "windows.txt", &b);
            },
            warning: None,
            rows: Some("windows.txt"),
            no_rows: None,
        },
        Case {
            name: "not .txt, or hidden",
            setup: |i| {
                write_file(i, "notes.md", &sample(7));
                write_file(i, ".hidden.txt", &sample(7));
                write_file(i, ".git/x.txt", &sample(7));
            },
            warning: None,
            rows: None,
            no_rows: Some("notes.md"),
        },
    ]
}

/// Every odd file at once in one input folder, next to good articles.
#[test]
fn odd_files_are_warned_and_the_run_goes_on() {
    let t = tmp();
    let (input, out) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    let cases = cases();
    for c in &cases {
        (c.setup)(&input);
    }
    // an unreadable file; root reads it anyway
    let secret = write_file(&input, "secret.txt", &sample(8));
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    let readable = fs::File::open(&secret).is_ok();

    let max = MAX_BYTES.to_string();
    let r = run(&input, &out, &["--max-bytes", &max]);
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);

    let rows = articles_in_rows(&out);
    let all = mentions(&out);
    check_spans(&input, &all);
    let mut warned = 0;
    for c in &cases {
        if let Some((file, phrase)) = c.warning {
            let w = r.warning_about(&input.join(file).display().to_string());
            assert!(
                w.contains(phrase),
                "{}: warning {w:?} lacks {phrase:?}",
                c.name
            );
            warned += 1;
        }
        if let Some(a) = c.rows {
            assert!(
                rows.contains(a),
                "{}: no rows for {a:?} in {rows:?}",
                c.name
            );
            assert!(
                !r.warnings().iter().any(|w| w.contains(a)) || c.warning.is_some(),
                "{}: unexpected warning\n{}",
                c.name,
                r.stderr
            );
        }
        if let Some(a) = c.no_rows {
            assert!(!rows.contains(a), "{}: rows for {a:?}", c.name);
        }
    }
    if readable {
        println!(
            "note: running as root, chmod 000 does not stop reads; unreadable-file check skipped"
        );
        assert!(rows.contains("secret.txt"));
    } else {
        let w = r.warning_about(&secret.display().to_string());
        assert!(w.contains("cannot read"), "{w}");
        assert!(!rows.contains("secret.txt"));
        warned += 1;
    }
    assert_eq!(
        r.warnings().len(),
        warned,
        "one warning per odd file:\n{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!(", {warned} warnings")),
        "the summary counts the warnings:\n{}",
        r.stderr
    );

    // the invalid-UTF-8 article still has mentions, each a valid span (checked above)
    let lossy: Vec<&Mention> = all.iter().filter(|m| m.article == "latin1.txt").collect();
    assert!(
        lossy.len() >= 5,
        "too few mentions in the lossy article: {lossy:?}"
    );
    // CRLF + BOM: the same relations as the plain sample (dates included)
    let plain = t.path().join("plain");
    write_file(&plain, "windows.txt", &sample(6));
    let pout = t.path().join("pout");
    run(&plain, &pout, &[]).ok();
    assert_eq!(
        fs::read(pout.join("relations.csv")).unwrap(),
        relations_of(&out, "windows.txt"),
        "CRLF + BOM changed the relations"
    );

    // a rerun reuses what was extracted and gives the same bytes
    let before = read_csvs(&out);
    let r2 = run(&input, &out, &["--max-bytes", &max]).ok();
    let c = r2.counts();
    assert_eq!((c.new, c.changed, c.removed), (0, 0, 0), "{}", r2.stderr);
    assert_same(&read_csvs(&out), &before, "rerun with odd files");
}

/// relations.csv of `out` restricted to one article (with the header).
fn relations_of(out: &Path, article: &str) -> Vec<u8> {
    let text = fs::read_to_string(out.join("relations.csv")).unwrap();
    let mut res = String::new();
    for line in text.lines() {
        if line.starts_with("article,") || line.starts_with(&format!("{article},")) {
            res.push_str(line);
            res.push('\n');
        }
    }
    res.into_bytes()
}

/// A folder symlink to an ancestor must not make the walk list every article again
/// under ever longer paths (until ELOOP, about 40 levels deep).
#[test]
fn symlink_loop_does_not_duplicate_articles() {
    let t = tmp();
    let (input, out) = (t.path().join("in"), t.path().join("out"));
    write_file(&input, "sub/a.txt", &sample(0));
    symlink("..", input.join("sub/loop")).unwrap();
    let r = run(&input, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = articles_in_rows(&out);
    assert_eq!(
        r.counts().articles,
        1,
        "{}",
        r.stderr.lines().last().unwrap()
    );
    assert_eq!(rows.len(), 1, "articles in rows: {:?}", rows.iter().take(3));
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(dir)
}

/// The first data line (1-based) of a data file.
fn first_data_line(text: &str) -> usize {
    text.lines()
        .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .unwrap()
        + 1
}

/// Copies the gazetteers and removes the first TAB of countries.tsv's first data row;
/// returns the line number.
fn broken_gazetteers(dir: &Path) -> usize {
    copy_dir(&gazetteers(), dir);
    let p = dir.join("countries.tsv");
    let text = fs::read_to_string(&p).unwrap();
    let n = first_data_line(&text);
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == n {
                l.replacen('\t', " ", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    fs::write(&p, broken.join("\n") + "\n").unwrap();
    n
}

/// Fatal setups: exit 1, a message naming the culprit, and the output folder left as
/// it was (not created when it did not exist).
#[test]
fn fatal_setups_exit_1_and_write_nothing() {
    let t = tmp();
    let good = t.path().join("good");
    write_file(&good, "a.txt", &sample(0));
    let bad_gaz = t.path().join("badgaz");
    let line = broken_gazetteers(&bad_gaz);
    let existing = t.path().join("existing");
    run(&good, &existing, &[]).ok();
    let a_file = write_file(t.path(), "file-not-folder", b"keep me\n");
    let missing = t.path().join("no such input");

    let gaz = gazetteers();
    let fresh_out = |n: &str| t.path().join(n);
    // (name, input, output, gazetteers, phrase the message must contain)
    let cases: Vec<(&str, &Path, std::path::PathBuf, &Path, String)> = vec![
        (
            "missing input folder",
            &missing,
            fresh_out("o1"),
            &gaz,
            missing.display().to_string(),
        ),
        (
            "input is a file",
            &a_file,
            fresh_out("o2"),
            &gaz,
            a_file.display().to_string(),
        ),
        (
            "output is a file",
            &good,
            a_file.clone(),
            &gaz,
            a_file.display().to_string(),
        ),
        (
            "malformed gazetteer row, new output",
            &good,
            fresh_out("o3"),
            &bad_gaz,
            format!("countries.tsv:{line}:"),
        ),
        (
            "malformed gazetteer row, existing output",
            &good,
            existing.clone(),
            &bad_gaz,
            format!("countries.tsv:{line}:"),
        ),
        (
            "missing gazetteer folder",
            &good,
            fresh_out("o4"),
            &missing,
            missing.display().to_string(),
        ),
    ];
    for (name, input, output, g, phrase) in &cases {
        let before = output.exists().then(|| {
            if output.is_dir() {
                tree(output)
            } else {
                vec![(String::new(), fs::read(output).unwrap())]
            }
        });
        let r = run_gaz(input, output, g, &[]);
        assert_eq!(r.code, 1, "{name}: exit code\n{}", r.stderr);
        assert!(
            r.stderr.contains("newsgraph: error: ") && r.stderr.contains(phrase.as_str()),
            "{name}: message lacks {phrase:?}:\n{}",
            r.stderr
        );
        match before {
            None => assert!(!output.exists(), "{name}: output folder was created"),
            Some(b) if output.is_dir() => {
                assert_eq!(tree(output), b, "{name}: output folder changed")
            }
            Some(b) => assert_eq!(fs::read(output).unwrap(), b[0].1, "{name}: file changed"),
        }
    }
}

/// Bad usage exits 2 and says what is wrong.
#[test]
fn bad_usage_exits_2() {
    let t = tmp();
    let (i, o) = (t.path().join("in"), t.path().join("out"));
    write_file(&i, "a.txt", b"India.\n");
    let (i, o) = (i.to_str().unwrap(), o.to_str().unwrap());
    let cases: &[(&str, &[&str])] = &[
        (
            "unknown flag",
            &["run", "--input", i, "--output", o, "--frobnicate"],
        ),
        ("unknown subcommand", &["frobnicate"]),
        ("no subcommand", &[]),
        ("missing --output", &["run", "--input", i]),
        (
            "--jobs not a number",
            &["run", "--input", i, "--output", o, "--jobs", "many"],
        ),
        (
            "--max-bytes negative",
            &["run", "--input", i, "--output", o, "--max-bytes", "-1"],
        ),
        (
            "--max-bytes over 1 GiB",
            &[
                "run",
                "--input",
                i,
                "--output",
                o,
                "--max-bytes",
                "1073741825",
            ],
        ),
    ];
    for (name, args) in cases {
        let r = newsgraph(*args);
        assert_eq!(r.code, 2, "{name}: exit code\n{}", r.stderr);
        let e = r.stderr.to_lowercase();
        assert!(
            e.contains("error") || e.contains("usage"),
            "{name}:\n{}",
            r.stderr
        );
        assert!(!Path::new(o).exists(), "{name}: output created");
    }
}

/// Two file names that differ only in bytes that are not UTF-8 are two articles: they
/// must not share one `article` path (or the cache, which then never settles).
#[test]
fn non_utf8_names_do_not_collide() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let t = tmp();
    let (input, out) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join(OsStr::from_bytes(b"a\xff.txt")), sample(1)).unwrap();
    fs::write(input.join(OsStr::from_bytes(b"a\xfe.txt")), sample(8)).unwrap();
    run(&input, &out, &[]).ok();
    let r = run(&input, &out, &[]).ok();
    assert_eq!(r.counts(), Counts::of(2, 0, 0, 2, 0), "{}", r.stderr);
    assert_eq!(articles_in_rows(&out).len(), 2, "two articles, two names");
}
