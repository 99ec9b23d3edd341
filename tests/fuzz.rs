//! Property test: arbitrary bytes through normalise, tag and relate never panic, and
//! every mention points at a valid span of the original bytes whose lossy text is the
//! `text` column. Inputs mix random bytes with pieces that reach deep into the stages
//! (entity names, triggers, curly quotes, invalid UTF-8, NUL, odd whitespace).

#![allow(clippy::unwrap_used, clippy::expect_used)]
use newsgraph::pipeline::Engine;
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("gazetteers");
        Engine::load(&dir).expect("shipped gazetteers load")
    })
}

const PIECES: &[&[u8]] = &[
    b"India",
    b"US",
    b"U.S.",
    b"Russia",
    b"Russian President Vladimir Putin",
    b"Modi",
    b" imposed tariffs on ",
    b" visited ",
    b" met ",
    b" and ",
    b" signed a deal with ",
    b" did not ",
    b" will ",
    b"They",
    b" the two countries ",
    b"It ",
    b"'s ",
    "\u{2019}s ".as_bytes(),
    "\u{201C}".as_bytes(),
    "\u{2014}".as_bytes(),
    "\u{00A0}".as_bytes(),
    "\u{200B}".as_bytes(),
    "\u{2026}".as_bytes(),
    b". ",
    b"\n",
    b"\r\n",
    b"\n\n",
    b"\t",
    b"\xff",
    b"\xe2\x80",
    b"\xc3",
    b"\0",
    b"Date: 2025-01-02\n",
    b"Pinterest LinkedIn Tumblr\n",
    b"professor Jane Doe said ",
    b"Mr. ",
    b"-",
    b"Washington",
    "T\u{00FC}rkiye".as_bytes(),
];

fn input() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => prop::sample::select(PIECES).prop_map(|p| p.to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..12),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

fn check(raw: &[u8]) {
    let (rows, doc) = engine().extract("fuzz.txt", raw, "2025-01-01");
    for m in &rows.mentions {
        assert!(
            m.start <= m.end && m.end <= raw.len(),
            "span {}..{} out of {}",
            m.start,
            m.end,
            raw.len()
        );
        assert_eq!(
            m.text,
            String::from_utf8_lossy(&raw[m.start..m.end]),
            "text of {}..{}",
            m.start,
            m.end
        );
        assert!(m.sentence < doc.sentences.len());
    }
    for r in &rows.relations {
        assert!(r.sentence < doc.sentences.len());
        assert_ne!(r.source, r.target);
    }
    for s in &doc.sentences {
        assert!(s.start < s.end && s.end <= doc.text.len());
        let o = doc.original(s.clone());
        assert!(o.start <= o.end && o.end <= raw.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_give_valid_spans(raw in input()) {
        check(&raw);
    }

    #[test]
    fn raw_random_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        check(&raw);
    }
}

#[test]
fn hostile_shapes() {
    let long_line = "India imposed tariffs on China and ".repeat(3000);
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xff; 10_000],
        b"\n".repeat(10_000),
        "\u{2019}".repeat(5000).into_bytes(),
        long_line.into_bytes(),
        b"...........".repeat(1000),
        b"U.S. U.S. U.S.".repeat(500),
    ];
    for c in cases {
        check(&c);
    }
}
