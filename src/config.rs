//! Config: every knob of a run, validated once and passed down as `&Config`.

use std::path::PathBuf;

/// Default `--max-bytes`: larger articles are skipped with a warning.
pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The largest `--max-bytes` (1 GiB): offsets into an article's clean text are kept in
/// 32 bits, and decoding invalid UTF-8 can make the text up to three times the file.
pub const MAX_ARTICLE_BYTES: u64 = 1 << 30;

/// Settings of one `newsgraph run`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder of `*.txt` articles, read recursively.
    pub input: PathBuf,
    /// Folder the CSVs (and `.newsgraph/` state) go to.
    pub output: PathBuf,
    /// Folder of data files (entities, rules).
    pub gazetteers: PathBuf,
    /// Ignore the cache and process every article again.
    pub full: bool,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// No progress bar (the summary line is always printed).
    pub quiet: bool,
    /// Articles larger than this are skipped with a warning; at most
    /// [`MAX_ARTICLE_BYTES`] (a larger value counts as that).
    pub max_bytes: u64,
    /// Print time spent per stage (for `make bench`).
    pub timings: bool,
    /// Today's date (YYYY-MM-DD), the date of undated articles first seen now.
    pub today: String,
}

/// Today's UTC date as YYYY-MM-DD; `NEWSGRAPH_TODAY` overrides it (tests, replays).
pub fn today() -> String {
    if let Ok(d) = std::env::var("NEWSGRAPH_TODAY") {
        if is_date(&d) {
            return d;
        }
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date((secs / 86_400) as i64)
}

/// Days since 1970-01-01 -> YYYY-MM-DD (proleptic Gregorian).
pub fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Is this a plausible YYYY-MM-DD date?
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let m: u32 = s[5..7].parse().unwrap_or(0);
    let d: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_414), "2025-11-22");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert!(is_date("2025-08-27"));
        assert!(!is_date("2025-13-01"));
        assert!(!is_date("2025-8-27"));
    }
}
