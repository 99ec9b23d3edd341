//! The `newsgraph` command line: parse arguments, run, choose the exit code.
//!
//! Exit codes: 0 the run completed (perhaps with warnings), 1 a fatal error (the
//! message says what to do), 2 bad usage.

use clap::{Parser, Subcommand};
use newsgraph::config::{today, Config, DEFAULT_MAX_BYTES, MAX_ARTICLE_BYTES};
use newsgraph::pipeline;
use std::path::PathBuf;
use std::process::ExitCode;

/// Turns a folder of news articles into a network of who did what to whom.
#[derive(Parser)]
#[command(name = "newsgraph", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract entities and relations from every *.txt under --input into CSVs in --output.
    Run {
        /// Folder of articles (read recursively).
        #[arg(long)]
        input: PathBuf,
        /// Folder for nodes.csv, edges.csv, mentions.csv, relations.csv.
        #[arg(long)]
        output: PathBuf,
        /// Folder of gazetteers and relation rules.
        #[arg(long, default_value = "gazetteers")]
        gazetteers: PathBuf,
        /// Process every article again, ignoring the cache.
        #[arg(long)]
        full: bool,
        /// Worker threads (default: one per core).
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// No progress bar (the one-line summary is always printed).
        #[arg(long)]
        quiet: bool,
        /// Skip (with a warning) articles larger than this many bytes (at most 1 GiB).
        #[arg(long, default_value_t = DEFAULT_MAX_BYTES,
              value_parser = clap::value_parser!(u64).range(0..=MAX_ARTICLE_BYTES))]
        max_bytes: u64,
        /// Print the CPU time of each stage, and the writer thread's wall and CPU time.
        #[arg(long, hide = true)]
        timings: bool,
    },
    /// Validate the gazetteers and rules; report every bad or colliding row with file:line.
    Check {
        /// Folder of gazetteers and relation rules.
        #[arg(long, default_value = "gazetteers")]
        gazetteers: PathBuf,
    },
    /// Print every alias of the gazetteer, one a line.
    Aliases {
        /// Folder of gazetteers and relation rules.
        #[arg(long, default_value = "gazetteers")]
        gazetteers: PathBuf,
    },
    /// The bare dictionary scan the benchmark compares with: read + automaton + count.
    Scan {
        /// Folder of articles.
        input: PathBuf,
        /// Folder of gazetteers.
        #[arg(long, default_value = "gazetteers")]
        gazetteers: PathBuf,
        /// Worker threads (default: one per core).
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// Scan with a contiguous NFA (the automaton the run searches with where it
        /// cannot walk its trie anchored at word starts) instead of a DFA.
        #[arg(long)]
        own: bool,
    },
}

/// mimalloc instead of the system allocator: an article makes a few hundred short-lived
/// allocations, and the writer thread frees buffers the workers allocated; glibc's
/// arenas made both cost about a tenth of a run (measured with `make bench`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            input,
            output,
            gazetteers,
            full,
            jobs,
            quiet,
            max_bytes,
            timings,
        } => {
            let cfg = Config {
                input,
                output,
                gazetteers,
                full,
                jobs,
                quiet,
                max_bytes,
                timings,
                today: today(),
            };
            pipeline::run(&cfg).map(|_| ())
        }
        Command::Check { gazetteers } => pipeline::check(&gazetteers).map(|s| println!("{s}")),
        Command::Aliases { gazetteers } => pipeline::aliases(&gazetteers).map(|s| print!("{s}")),
        Command::Scan {
            input,
            gazetteers,
            jobs,
            own,
        } => {
            let t = std::time::Instant::now();
            pipeline::scan(&input, &gazetteers, jobs, !own).map(|(bytes, matches, files, ac)| {
                let s = t.elapsed().as_secs_f64();
                println!(
                    "scan: {files} files, {bytes} bytes, {matches} matches in {s:.2}s ({:.1} MB/s, {ac})",
                    bytes as f64 / 1e6 / s
                );
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("newsgraph: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
