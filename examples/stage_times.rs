//! Times the tag and relate stages alone, for comparing two builds on a noisy host.
//!
//! `make bench` times whole runs, and on a shared VM those move by 10-30% between runs of
//! the same binary, so a change worth a few percent cannot be seen there. This tool
//! normalises and tags every `*.txt` under a folder once, keeps it all in memory, then
//! times relate and tag over all of it in rounds. It prints the fastest, first-quartile
//! and median round of each, and the median of relate/tag per round: tag is the same
//! work in both builds when only relate changed, so the ratio cancels most of the
//! host's drift (about 3% apart between runs of the same build, where the whole-run
//! timings were 10-30%).
//!
//! ```text
//! cargo build --release --example stage_times
//! taskset -c 1 target/release/examples/stage_times DIR [ROUNDS] [GAZETTEERS]
//! ```

use anyhow::{bail, Context, Result};
use newsgraph::pipeline::{article_paths, Engine};
use newsgraph::relate::relate;
use newsgraph::tag::tag;
use std::path::Path;
use std::time::Instant;

// the allocator of the `newsgraph` binary, so allocation costs the same as in a run
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The fastest, first-quartile and median of `xs`.
fn spread(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[0], xs[xs.len() / 4], xs[xs.len() / 2])
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        bail!("usage: stage_times DIR [ROUNDS] [GAZETTEERS]");
    };
    let rounds: usize = match args.get(1) {
        Some(n) => n
            .parse()
            .with_context(|| format!("ROUNDS: not a number: {n}"))?,
        None => 15,
    };
    if rounds == 0 {
        bail!("ROUNDS must be at least 1");
    }
    let gazetteers = args.get(2).map_or("gazetteers", String::as_str);
    let engine = Engine::load(Path::new(gazetteers))?;
    let (paths, warnings) = article_paths(Path::new(dir))?;
    warnings.iter().for_each(|w| eprintln!("stage_times: {w}"));
    if paths.is_empty() {
        bail!("no *.txt under {dir}");
    }
    let mut docs = Vec::with_capacity(paths.len());
    for p in &paths {
        let raw = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
        docs.push(engine.normaliser.normalise(&raw));
    }
    let tagged: Vec<_> = docs.iter().map(|d| tag(d, &engine.gazetteer)).collect();
    let (mut relate_ms, mut tag_ms, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    // summed and printed, so neither loop's work can be optimised away
    let mut found = 0usize;
    for _ in 0..rounds {
        let t = Instant::now();
        for (doc, x) in docs.iter().zip(&tagged) {
            found += relate(doc, x, &engine.gazetteer, &engine.rules).len();
        }
        let r = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        for doc in &docs {
            found += tag(doc, &engine.gazetteer).mentions.len();
        }
        let g = t.elapsed().as_secs_f64() * 1e3;
        relate_ms.push(r);
        tag_ms.push(g);
        ratio.push(r / g);
    }
    let (r0, r1, r2) = spread(relate_ms);
    let (g0, g1, g2) = spread(tag_ms);
    let (_, q1, med) = spread(ratio);
    println!(
        "{} articles, {rounds} rounds: relate ms {r0:.1} / {r1:.1} / {r2:.1}, tag ms {g0:.1} / {g1:.1} / {g2:.1} (fastest / first quartile / median); relate/tag {q1:.3} / {med:.3} (first quartile / median); {found} mentions and relations",
        docs.len()
    );
    Ok(())
}
