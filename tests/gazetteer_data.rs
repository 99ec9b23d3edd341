//! The shipped gazetteers: they load without collisions, meet the coverage counts, and
//! resolve the classic traps the way a reader would (on sentences written here).

#![allow(clippy::unwrap_used, clippy::expect_used)]
use newsgraph::gazetteer::Kind;
use newsgraph::pipeline::{kinds, Engine};
use std::path::Path;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("gazetteers"))
            .expect("shipped data loads")
    })
}

/// "text=entity" for every mention of a sentence.
fn tagged(text: &str) -> Vec<String> {
    let (rows, _) = engine().extract("t.txt", text.as_bytes(), "2025-01-01");
    rows.mentions
        .iter()
        .map(|m| format!("{}={}", m.text, m.entity))
        .collect()
}

#[test]
fn coverage_counts() {
    let k = kinds(&engine().gazetteer);
    assert_eq!(k[&Kind::Country], 249, "every ISO 3166-1 entry");
    assert!(k[&Kind::Person] >= 400, "people: {}", k[&Kind::Person]);
    assert!(k[&Kind::Org] >= 200, "organisations: {}", k[&Kind::Org]);
}

struct Case {
    text: &'static str,
    want: &'static [&'static str],
}

#[test]
fn classic_traps() {
    let cases = [
        Case {
            text: "The Washington Times reported it.",
            want: &["The Washington Times=washington-times"],
        },
        Case {
            text: "Floods hit New South Wales.",
            want: &[],
        },
        Case {
            text: "Equatorial Guinea and South Sudan met.",
            want: &["Equatorial Guinea=GNQ", "South Sudan=SSD"],
        },
        Case {
            text: "We ate turkey sandwiches on fine china.",
            want: &[],
        },
        Case {
            text: "Let us talk to the US and the U.S. envoy.",
            want: &["US=USA", "U.S. envoy=USA"],
        },
        Case {
            text: "Burma, Ivory Coast and Swaziland.",
            want: &["Burma=MMR", "Ivory Coast=CIV", "Swaziland=SWZ"],
        },
        Case {
            text: "Türkiye and Turkey are one.",
            want: &["Türkiye=TUR", "Turkey=TUR"],
        },
        Case {
            text: "Emirati and Filipino workers.",
            want: &["Emirati=ARE", "Filipino=PHL"],
        },
        Case {
            text: "New Delhi said Beijing agreed.",
            want: &["New Delhi=IND", "Beijing=CHN"],
        },
        Case {
            text: "The Kremlin said so.",
            want: &["Kremlin=kremlin"],
        },
        Case {
            text: "Russian President Vladimir Putin spoke.",
            want: &["Russian President Vladimir Putin=vladimir-putin"],
        },
        Case {
            text: "India's exports grew.",
            want: &["India=IND"],
        },
        Case {
            text: "India-US talks.",
            want: &["India=IND", "US=USA"],
        },
        Case {
            text: "It is IN the box.",
            want: &[],
        },
    ];
    let mut failed = Vec::new();
    for c in cases {
        let got = tagged(c.text);
        if got != c.want {
            failed.push(format!("{:?}: got {:?} want {:?}", c.text, got, c.want));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
