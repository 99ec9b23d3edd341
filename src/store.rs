//! Store: the output folder's state, kept so reruns cost only the new work.
//!
//! `.newsgraph/manifest.csv` (path, hash, size, mtime, date, first processed),
//! `.newsgraph/cache.bin` (per article, in path order: what the graph needs of it and
//! where its rows are in the committed `mentions.csv` and `relations.csv`, with their
//! xxh3-64 hashes, so a rerun copies an unchanged article's rows from the previous CSVs
//! after checking them),
//! `.newsgraph/state.csv` (the fingerprint of program and data, totals, size and mtime
//! of each committed CSV so a rerun with nothing to do still notices an edited CSV),
//! a lock file
//! with the holder's pid, and a commit journal: every run stages its complete set of
//! outputs in `.newsgraph/staging/`, fsyncs them, records the renames in
//! `.newsgraph/journal`, then renames; a run that finds a journal finishes those
//! renames first, and a staging folder without a journal is discarded. So a kill at
//! any moment leaves either the previous set or the new one, never a mix.

use crate::write::ArticleFacts;
use anyhow::{bail, Context as _, Result};
use bincode::Options as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// Bumped whenever the cache layout or extraction semantics change.
pub const CACHE_VERSION: u32 = 4;

/// Bytes between two write-back requests of a buffered [`Staged`] file, and between two
/// page releases of a [`BlockReader`].
const STEP: u64 = 8 << 20;

/// A staged output file being written, through a buffer of [`Staged::BUF`] bytes.
///
/// Asked to, and on Linux where the file system takes it, the file is opened with
/// `O_DIRECT`: each full buffer goes from our memory to the disk, never through the
/// page cache. With two jobs the writer thread shares the cores with the workers, and
/// copying 356 MB of rows into the page cache (with the cache's bookkeeping) costs it
/// CPU time: in five alternating full runs (2 jobs) its time was 0.14 s direct against
/// 0.41 s through the cache, and the runs took 3.12 s against 3.39 s. But a run that
/// reads the previous CSVs back while it writes (an incremental run) was slower with
/// direct writes: six alternating +1% reruns took 1.13 s against 0.96 s. So a run asks
/// for direct writes only when it reads nothing back. A flush writes the last partial
/// block padded with zeros and cuts the file back to its true length; the tail stays in
/// the buffer, so writing may go on after it.
///
/// Otherwise the file is written through the page cache, and every [`STEP`] bytes the
/// kernel is asked to start writing them to disk (`sync_file_range`, which does not
/// wait), so the fsync before the commit has little left to do; one step later, once
/// that range is on disk, its pages leave the cache (`posix_fadvise(DONTNEED)`), so a
/// run holds ~16 MB of each output in memory instead of all of it (on a virtual
/// machine whose host takes back free guest memory, a page touched for the first time
/// in a while costs a fault in the host).
pub struct Staged {
    file: File,
    /// Room for the buffer at a [`Staged::ALIGN`] boundary: `room[start..start + BUF]`.
    room: Vec<u8>,
    start: usize,
    /// Bytes in the buffer.
    len: usize,
    /// File offset of the buffer's first byte: everything before it is written.
    at: u64,
    /// Written with `O_DIRECT`.
    direct: bool,
    /// Direct mode: the file's length as of the last flush.
    flushed: u64,
    /// Buffered mode: bytes whose write-back has been started.
    started: u64,
    /// Buffered mode: bytes whose pages have been given back; from here to `started` is
    /// the step whose write-back started last.
    dropped: u64,
}

impl std::fmt::Debug for Staged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staged")
            .field("file", &self.file)
            .field("len", &self.len)
            .field("at", &self.at)
            .field("direct", &self.direct)
            .finish_non_exhaustive()
    }
}

impl Staged {
    /// Buffer size: a multiple of [`Staged::ALIGN`].
    const BUF: usize = 1 << 20;
    /// Offsets, lengths and memory of direct writes are multiples of this (the largest
    /// logical block size of common disks).
    const ALIGN: usize = 4096;

    /// Creates (or truncates) the file at `path`, to be written directly if `direct`
    /// and the file system allows it.
    pub fn create(path: &Path, direct: bool) -> std::io::Result<Staged> {
        #[cfg(target_os = "linux")]
        let direct = direct
            .then(|| {
                use std::os::unix::fs::OpenOptionsExt;
                OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .custom_flags(libc::O_DIRECT)
                    .open(path)
                    .ok()
            })
            .flatten();
        #[cfg(not(target_os = "linux"))]
        let direct: Option<File> = {
            let _ = direct;
            None
        };
        let (file, direct) = match direct {
            Some(f) => (f, true),
            None => (File::create(path)?, false),
        };
        let room = vec![0u8; Self::BUF + Self::ALIGN];
        let start = room.as_ptr().align_offset(Self::ALIGN);
        Ok(Staged {
            file,
            room,
            start,
            len: 0,
            at: 0,
            direct,
            flushed: 0,
            started: 0,
            dropped: 0,
        })
    }

    /// Writes the first `n` buffered bytes at `at` (in direct mode `n` is a multiple of
    /// [`Staged::ALIGN`]). A file system that opened the file with `O_DIRECT` but
    /// refuses the write gets it, and the rest of the file, through the page cache.
    fn put(&mut self, n: usize) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        let data = &self.room[self.start..self.start + n];
        if self.direct {
            match self.file.write_all_at(data, self.at) {
                Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                    self.direct = false;
                    stop_direct(&self.file)?;
                }
                done => return done,
            }
        }
        self.file.write_all_at(data, self.at)
    }

    /// Writes out the full buffer and empties it.
    fn spill(&mut self) -> std::io::Result<()> {
        self.put(self.len)?;
        self.at += self.len as u64;
        self.len = 0;
        if !self.direct && self.at - self.started >= STEP {
            self.start_write_back();
            self.started = self.at;
        }
        Ok(())
    }

    /// Flushes and returns the file, to be synced.
    pub fn finish(mut self) -> std::io::Result<File> {
        self.flush()?;
        Ok(self.file)
    }

    /// Starts the write-back of the bytes not yet started, and gives back the pages of
    /// the step before (waiting for its write-back first, which has mostly finished).
    #[cfg(target_os = "linux")]
    fn start_write_back(&mut self) {
        use std::os::fd::AsRawFd;
        let fd = self.file.as_raw_fd();
        let range =
            |from: u64, to: u64| Some((i64::try_from(from).ok()?, i64::try_from(to - from).ok()?));
        let (Some(new), Some(old)) = (
            range(self.started, self.at),
            range(self.dropped, self.started),
        ) else {
            return;
        };
        // SAFETY: plain system calls on a descriptor this struct owns; they read no
        // memory of ours. Failure only means the fsync later does all the work, or
        // that some pages stay cached.
        unsafe {
            libc::sync_file_range(fd, new.0, new.1, libc::SYNC_FILE_RANGE_WRITE);
        }
        if old.1 > 0 {
            // SAFETY: as above.
            unsafe {
                libc::sync_file_range(
                    fd,
                    old.0,
                    old.1,
                    libc::SYNC_FILE_RANGE_WAIT_BEFORE
                        | libc::SYNC_FILE_RANGE_WRITE
                        | libc::SYNC_FILE_RANGE_WAIT_AFTER,
                );
            }
            advise(&self.file, self.dropped, self.started, Advice::DontNeed);
        }
        self.dropped = self.started;
    }

    #[cfg(not(target_os = "linux"))]
    fn start_write_back(&mut self) {}
}

/// Turns `O_DIRECT` off for an open file.
#[cfg(target_os = "linux")]
fn stop_direct(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: plain fcntl calls on a descriptor the caller owns; they read no memory
    // of ours.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_DIRECT) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn stop_direct(_: &File) -> std::io::Result<()> {
    Ok(())
}

impl Write for Staged {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = data.len().min(Self::BUF - self.len);
        let to = self.start + self.len;
        self.room[to..to + n].copy_from_slice(&data[..n]);
        self.len += n;
        if self.len == Self::BUF {
            self.spill()?;
        }
        Ok(n)
    }

    /// Writes out what is buffered. In direct mode the tail is written padded to a
    /// whole block, the file cut back to its true length, and the tail kept buffered
    /// (the next flush or full buffer writes that block again). A flush with nothing
    /// new to write leaves the file alone, so its time stays what a stamp taken after
    /// the first flush recorded.
    fn flush(&mut self) -> std::io::Result<()> {
        if !self.direct {
            return self.spill();
        }
        let end = self.at + self.len as u64;
        if end == self.flushed {
            return Ok(());
        }
        let padded = self.len.next_multiple_of(Self::ALIGN);
        let (from, to) = (self.start + self.len, self.start + padded);
        self.room[from..to].fill(0);
        self.put(padded)?;
        self.file.set_len(end)?;
        self.flushed = end;
        Ok(())
    }
}

/// What the manifest knows of one article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Path relative to the input folder.
    pub path: String,
    /// xxh3-128 of the bytes, hex.
    pub hash: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime: i128,
    /// The article's date.
    pub date: String,
    /// The day the article was first processed.
    pub first_processed: String,
}

/// Paths of the state inside an output folder.
#[derive(Debug, Clone)]
pub struct Store {
    /// The output folder.
    pub out: PathBuf,
    /// `out/.newsgraph`.
    pub dir: PathBuf,
}

/// Where an article's rows are in a committed CSV.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Byte offset of the first row in the file.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
    /// xxh3-64 of those bytes.
    pub hash: u64,
}

/// One record of the cache file.
#[derive(Debug, Serialize, Deserialize)]
pub struct CacheRecord {
    /// Path relative to the input folder.
    pub path: String,
    /// Hash of the bytes the rows came from.
    pub hash: String,
    /// What the graph needs of the article.
    pub facts: ArticleFacts,
    /// Its rows in `mentions.csv`.
    pub mentions: Block,
    /// Its rows in `relations.csv`.
    pub relations: Block,
}

/// One record of the cache file, borrowed: what a run writes (encoded exactly as the
/// [`CacheRecord`] it is read back as, without copying the strings first).
#[derive(Debug, Serialize)]
pub struct CacheRecordRef<'a> {
    /// Path relative to the input folder.
    pub path: &'a str,
    /// Hash of the bytes the rows came from.
    pub hash: &'a str,
    /// What the graph needs of the article.
    pub facts: &'a ArticleFacts,
    /// Its rows in `mentions.csv`.
    pub mentions: Block,
    /// Its rows in `relations.csv`.
    pub relations: Block,
}

/// The header of `manifest.csv`.
pub const MANIFEST_COLUMNS: &[u8] = b"path,hash,size,mtime,date,first_processed\n";

/// One row of `manifest.csv`, borrowed: written field by field as the csv crate would
/// serialize the [`Entry`] it is read back as.
#[derive(Debug, Clone, Copy)]
pub struct ManifestRow<'a> {
    /// Path relative to the input folder.
    pub path: &'a str,
    /// xxh3-128 of the bytes, hex.
    pub hash: &'a str,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime: i128,
    /// The article's date.
    pub date: &'a str,
    /// The day the article was first processed.
    pub first_processed: &'a str,
}

impl ManifestRow<'_> {
    /// Appends the row, with its line end, to `out`.
    pub fn render(&self, out: &mut Vec<u8>) {
        use crate::write::{push_field, push_number, push_signed};
        push_field(out, self.path.as_bytes());
        out.push(b',');
        push_field(out, self.hash.as_bytes());
        out.push(b',');
        push_number(out, self.size);
        out.push(b',');
        push_signed(out, self.mtime);
        out.push(b',');
        push_field(out, self.date.as_bytes());
        out.push(b',');
        push_field(out, self.first_processed.as_bytes());
        out.push(b'\n');
    }
}

/// xxh3-128 of an article's bytes as the manifest and cache keep it: 32 lowercase hex
/// digits (what `format!("{:032x}")` gives, without the formatting machinery).
pub fn hex128(h: u128) -> [u8; 32] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 32];
    for (i, d) in out.iter_mut().enumerate() {
        *d = DIGITS[((h >> (124 - 4 * i)) & 15) as usize];
    }
    out
}

/// The files that make up one committed set: (staged name, final path relative to out).
pub const OUTPUTS: [(&str, &str); 7] = [
    ("mentions.csv", "mentions.csv"),
    ("relations.csv", "relations.csv"),
    ("nodes.csv", "nodes.csv"),
    ("edges.csv", "edges.csv"),
    ("cache.bin", ".newsgraph/cache.bin"),
    ("state.csv", ".newsgraph/state.csv"),
    ("manifest.csv", ".newsgraph/manifest.csv"),
];

/// Holds the output folder's lock; removes it when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    _file: File,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // removed while still locked: a run that opened this file meanwhile sees it is
        // gone and opens the new one; the kernel releases the lock when the file closes
        let _ = fs::remove_file(&self.path);
    }
}

/// `state.csv` as key -> value (empty when missing or unreadable).
fn read_state(path: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(text) = fs::read_to_string(path) else {
        return out;
    };
    for line in text.lines().skip(1) {
        if let Some((k, v)) = line.split_once(',') {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

impl Store {
    /// Prepares `out` (creating it) and its state folder.
    pub fn open(out: &Path) -> Result<Store> {
        if out.exists() && !out.is_dir() {
            bail!(
                "output path {} is a file, not a folder: choose another --output",
                out.display()
            );
        }
        let dir = out.join(".newsgraph");
        fs::create_dir_all(dir.join("staging")).with_context(|| {
            format!(
                "cannot create output folder {} (check permissions)",
                dir.display()
            )
        })?;
        Ok(Store {
            out: out.to_path_buf(),
            dir,
        })
    }

    /// Takes the lock, or explains who holds it. The lock is the kernel's (flock) on
    /// `.newsgraph/lock`, so a killed run never leaves a stale one; the file also holds
    /// the holder's pid for the message.
    pub fn lock(&self) -> Result<Lock> {
        use std::os::unix::fs::MetadataExt;
        let path = self.dir.join("lock");
        for _ in 0..10 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(|| format!("cannot create lock file {}", path.display()))?;
            match file.try_lock() {
                Ok(()) => {
                    // the previous holder may have removed the file after we opened it
                    let ours = file.metadata().map(|m| (m.dev(), m.ino())).ok();
                    let now = fs::metadata(&path).map(|m| (m.dev(), m.ino())).ok();
                    if ours.is_none() || ours != now {
                        continue;
                    }
                    file.set_len(0)?;
                    writeln!(file, "{}", std::process::id())?;
                    file.sync_all()?;
                    return Ok(Lock { path, _file: file });
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let pid = fs::read_to_string(&path)
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    bail!(
                        "another newsgraph run (pid {}) is writing to {}; wait for it to finish (lock: {})",
                        if pid.is_empty() { "unknown" } else { pid.as_str() },
                        self.out.display(),
                        path.display()
                    );
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()))
                }
            }
        }
        bail!(
            "cannot take the lock {}: it keeps being replaced",
            path.display()
        )
    }

    /// Finishes a commit that a killed run left half done, and drops unfinished staging.
    pub fn recover(&self) -> Result<bool> {
        let journal = self.dir.join("journal");
        let mut finished = false;
        if journal.exists() {
            let text = fs::read_to_string(&journal)
                .with_context(|| format!("cannot read commit journal {}", journal.display()))?;
            for line in text.lines() {
                if let Some((from, to)) = line.split_once('\t') {
                    let from = self.dir.join("staging").join(from);
                    if from.exists() {
                        fs::rename(&from, self.out.join(to)).with_context(|| {
                            format!("cannot finish commit of {}", from.display())
                        })?;
                    }
                }
            }
            sync_dir(&self.out);
            sync_dir(&self.dir);
            fs::remove_file(&journal)?;
            finished = true;
        }
        let staging = self.dir.join("staging");
        for entry in fs::read_dir(&staging)? {
            let p = entry?.path();
            fs::remove_file(&p).ok();
        }
        Ok(finished)
    }

    /// A new file in the staging folder, written directly if `direct` (see [`Staged`]).
    pub fn stage(&self, name: &str, direct: bool) -> Result<Staged> {
        let path = self.dir.join("staging").join(name);
        Staged::create(&path, direct).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Flushes staged files and fsyncs them all at once, one thread each, so the disk
    /// gets every write-back together instead of one file after another.
    pub fn seal_all(ws: Vec<Staged>) -> Result<()> {
        let mut files = Vec::with_capacity(ws.len());
        for w in ws {
            files.push(w.finish()?);
        }
        std::thread::scope(|s| {
            let syncs: Vec<_> = files.iter().map(|f| s.spawn(|| f.sync_all())).collect();
            for h in syncs {
                match h.join() {
                    Ok(r) => r?,
                    Err(_) => bail!("a thread syncing staged outputs panicked"),
                }
            }
            Ok(())
        })
    }

    /// Commits the staged set: journal, renames (manifest last), journal removed.
    pub fn commit(&self) -> Result<()> {
        let journal = self.dir.join("journal");
        let tmp = self.dir.join("journal.tmp");
        let mut text = String::new();
        for (from, to) in OUTPUTS {
            text.push_str(&format!("{from}\t{to}\n"));
        }
        {
            let mut f = File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        fs::rename(&tmp, &journal)?;
        sync_dir(&self.dir);
        self.recover()?;
        Ok(())
    }

    /// Opens the manifest for reading in path order (empty when there is none).
    pub fn manifest(&self) -> ManifestReader {
        let path = self.dir.join("manifest.csv");
        let rows = csv::Reader::from_path(&path)
            .ok()
            .map(|r| r.into_deserialize());
        ManifestReader {
            rows,
            next: None,
            seen: 0,
            matched: 0,
        }
    }

    /// Reads `state.csv` into key -> value.
    pub fn state(&self) -> BTreeMap<String, String> {
        read_state(&self.dir.join("state.csv"))
    }

    /// The fingerprint the last run into `out` recorded, read without creating or
    /// locking anything (a guess: the run checks again under the lock).
    pub fn recorded_fingerprint(out: &Path) -> Option<String> {
        read_state(&out.join(".newsgraph").join("state.csv")).remove("fingerprint")
    }

    /// Do all four CSVs exist?
    pub fn outputs_exist(&self) -> bool {
        OUTPUTS.iter().all(|(_, to)| self.out.join(to).exists())
    }

    /// Size and modification time of each committed CSV, as `state.csv` rows
    /// (`name,size mtime`), taken from the staged files (a rename keeps both).
    pub fn staged_stamps(&self) -> Result<String> {
        let mut out = String::new();
        for name in CSVS {
            let path = self.dir.join("staging").join(name);
            let st = stamp(&path).with_context(|| format!("cannot stat {}", path.display()))?;
            out.push_str(&format!("{name},{st}\n"));
        }
        Ok(out)
    }

    /// Are the committed CSVs as the last run left them (same size and time as
    /// `state` recorded)? An edited, truncated or replaced CSV fails this, and the run
    /// then rebuilds them, checking every reused block against its hash.
    pub fn outputs_untouched(&self, state: &BTreeMap<String, String>) -> bool {
        CSVS.iter().all(|name| {
            let now = stamp(&self.out.join(name));
            now.is_some() && state.get(*name) == now.as_ref()
        })
    }

    /// Opens the cache and the committed `mentions.csv` and `relations.csv` for
    /// sequential reading, if they all exist.
    pub fn reuse(&self) -> Option<Reuse> {
        let f = File::open(self.dir.join("cache.bin")).ok()?;
        Some(Reuse {
            cache: CacheReader {
                r: BufReader::with_capacity(1 << 16, f),
                next: None,
                done: false,
                buf: Vec::new(),
            },
            mentions: BlockReader::open(&self.out.join("mentions.csv"))?,
            relations: BlockReader::open(&self.out.join("relations.csv"))?,
        })
    }
}

/// The four CSVs.
const CSVS: [&str; 4] = ["mentions.csv", "relations.csv", "nodes.csv", "edges.csv"];

/// `size mtime-ns` of a file.
fn stamp(path: &Path) -> Option<String> {
    let m = fs::metadata(path).ok()?;
    let t = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!("{} {}", m.len(), t.as_nanos()))
}

fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// The previous manifest, read as a stream in path order (it is written sorted), so a
/// run over a million articles never holds it whole. Look-ups must come in path order.
pub struct ManifestReader {
    rows: Option<csv::DeserializeRecordsIntoIter<File, Entry>>,
    next: Option<Entry>,
    seen: usize,
    matched: usize,
}

impl ManifestReader {
    fn advance(&mut self) {
        self.next = match self.rows.as_mut().and_then(Iterator::next) {
            Some(Ok(e)) => {
                self.seen += 1;
                Some(e)
            }
            _ => {
                self.rows = None; // end, or an unreadable row: what follows is unknown
                None
            }
        };
    }

    /// The entry of `path`, if the previous run had one (paths asked in ascending order).
    pub fn get(&mut self, path: &str) -> Option<Entry> {
        if self.next.is_none() {
            self.advance();
        }
        while let Some(e) = &self.next {
            match e.path.as_str().cmp(path) {
                std::cmp::Ordering::Less => self.advance(),
                std::cmp::Ordering::Equal => {
                    self.matched += 1;
                    let e = self.next.take();
                    self.advance();
                    return e;
                }
                std::cmp::Ordering::Greater => return None,
            }
        }
        None
    }

    /// Reads to the end; returns (entries in the manifest, entries handed out by `get`).
    pub fn finish(mut self) -> (usize, usize) {
        while self.next.is_some() {
            self.advance();
        }
        (self.seen, self.matched)
    }
}

/// Reads cache records in path order, handing out the one for a path if present.
struct CacheReader {
    r: BufReader<File>,
    next: Option<CacheRecord>,
    done: bool,
    buf: Vec<u8>,
}

impl CacheReader {
    fn advance(&mut self) {
        self.next = None;
        if self.done {
            return;
        }
        let mut len = [0u8; 8];
        if self.r.read_exact(&mut len).is_err() {
            self.done = true;
            return;
        }
        let n = u64::from_le_bytes(len);
        self.buf.clear();
        // a damaged length cannot make us allocate more than the file holds
        match (&mut self.r).take(n).read_to_end(&mut self.buf) {
            Ok(got) if got as u64 == n => {}
            _ => {
                self.done = true;
                return;
            }
        }
        self.next = codec().deserialize(&self.buf).ok();
        if self.next.is_none() {
            self.done = true;
        }
    }

    /// The cached record of `path` if it was made from bytes with `hash`.
    fn take(&mut self, path: &str, hash: &str) -> Option<CacheRecord> {
        if self.next.is_none() && !self.done {
            self.advance();
        }
        while let Some(rec) = &self.next {
            if rec.path.as_str() < path {
                self.advance();
                continue;
            }
            if rec.path == path && rec.hash == hash {
                let rec = self.next.take();
                self.advance();
                return rec;
            }
            return None;
        }
        None
    }
}

/// A committed CSV read forward only, one article's block at a time. The file is about
/// to be replaced, so the pages it has been read through are given back every few
/// megabytes.
struct BlockReader {
    r: BufReader<File>,
    /// Offset of the next byte `r` yields.
    pos: u64,
    /// Bytes whose pages have been given back.
    dropped: u64,
    /// A read failed (file shorter than the cache says): no block is trusted after it.
    broken: bool,
}

impl BlockReader {
    fn open(path: &Path) -> Option<BlockReader> {
        let f = File::open(path).ok()?;
        advise(&f, 0, 0, Advice::Sequential);
        Some(BlockReader {
            r: BufReader::with_capacity(1 << 16, f),
            pos: 0,
            dropped: 0,
            broken: false,
        })
    }

    /// Gives back the pages read past, once there are a step's worth.
    fn drop_read(&mut self) {
        if self.pos - self.dropped >= STEP {
            advise(self.r.get_ref(), self.dropped, self.pos, Advice::DontNeed);
            self.dropped = self.pos;
        }
    }

    /// Appends the bytes of `block` to `out` if they are still what was written (length
    /// and hash); leaves `out` as it was otherwise.
    fn read_into(&mut self, block: &Block, out: &mut Vec<u8>) -> bool {
        if self.broken || block.offset < self.pos {
            return false;
        }
        let skip = block.offset - self.pos;
        if skip > 0 {
            let Ok(skip) = i64::try_from(skip) else {
                self.broken = true;
                return false;
            };
            if self.r.seek_relative(skip).is_err() {
                self.broken = true;
                return false;
            }
            self.pos = block.offset;
        }
        let from = out.len();
        let read = (&mut self.r).take(block.len).read_to_end(out);
        let got = (out.len() - from) as u64;
        self.pos += got;
        if read.is_err() || got != block.len {
            // the file ends early or cannot be read: nothing after this can be right
            self.broken = true;
            out.truncate(from);
            return false;
        }
        self.drop_read();
        if xxhash_rust::xxh3::xxh3_64(&out[from..]) != block.hash {
            out.truncate(from);
            return false;
        }
        true
    }
}

/// What [`advise`] tells the kernel about a file's pages.
#[derive(Debug, Clone, Copy)]
enum Advice {
    /// It will be read from start to end: read further ahead.
    Sequential,
    /// These pages are not needed again.
    DontNeed,
}

/// `posix_fadvise` for the bytes `from..to` of `file` (`to` 0: to the end); a hint
/// only, so a failure changes nothing but speed. Elsewhere than Linux, nothing.
#[cfg(target_os = "linux")]
fn advise(file: &File, from: u64, to: u64, advice: Advice) {
    use std::os::fd::AsRawFd;
    let (Ok(off), Ok(len)) = (i64::try_from(from), i64::try_from(to.saturating_sub(from))) else {
        return;
    };
    let advice = match advice {
        Advice::Sequential => libc::POSIX_FADV_SEQUENTIAL,
        Advice::DontNeed => libc::POSIX_FADV_DONTNEED,
    };
    // SAFETY: a plain system call on a descriptor the caller owns; it reads no memory
    // of ours.
    unsafe {
        libc::posix_fadvise(file.as_raw_fd(), off, len, advice);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_: &File, _: u64, _: u64, _: Advice) {}

/// What the previous run left for reuse: the cache and the committed CSVs its blocks
/// point into, read together in path order (memory stays flat whatever the corpus).
pub struct Reuse {
    cache: CacheReader,
    mentions: BlockReader,
    relations: BlockReader,
}

/// An article taken over from the previous run.
#[derive(Debug)]
pub struct Reused {
    /// What the graph needs of it.
    pub facts: ArticleFacts,
    /// Where its mention rows are in the batch's mentions buffer, and their hash.
    pub mentions: Block,
    /// Where its relation rows are in the batch's relations buffer, and their hash.
    pub relations: Block,
}

impl Reuse {
    /// The article `path` as the previous run rendered it from bytes with `hash`: its
    /// rows are read back from the committed CSVs and appended to `m` and `r`. `None`
    /// (and `m`, `r` unchanged) when the cache has no such record or the rows in the
    /// CSVs are not the ones written (edited, truncated, replaced): the caller extracts
    /// the article again. Paths must be asked in ascending order.
    pub fn take(
        &mut self,
        path: &str,
        hash: &str,
        m: &mut Vec<u8>,
        r: &mut Vec<u8>,
    ) -> Option<Reused> {
        let rec = self.cache.take(path, hash)?;
        let (m_at, r_at) = (m.len() as u64, r.len() as u64);
        // both blocks are read whatever the first gives, so the readers stay in step
        let m_ok = self.mentions.read_into(&rec.mentions, m);
        let r_ok = self.relations.read_into(&rec.relations, r);
        if !(m_ok && r_ok) {
            m.truncate(m_at as usize);
            r.truncate(r_at as usize);
            return None;
        }
        Some(Reused {
            facts: rec.facts,
            mentions: Block {
                offset: m_at,
                ..rec.mentions
            },
            relations: Block {
                offset: r_at,
                ..rec.relations
            },
        })
    }
}

/// The cache's encoding: bincode with variable-length integers (string lengths and
/// counts take one byte, not eight: the cache is about half the size).
fn codec() -> impl bincode::Options {
    bincode::DefaultOptions::new()
}

/// Appends one record to a cache being written; `buf` is scratch space kept between calls.
pub fn write_record<W: Write>(w: &mut W, rec: &CacheRecordRef, buf: &mut Vec<u8>) -> Result<()> {
    buf.clear();
    codec().serialize_into(&mut *buf, rec)?;
    w.write_all(&(buf.len() as u64).to_le_bytes())?;
    w.write_all(buf)?;
    Ok(())
}

/// Appends to `out` the start of an article's cache record: path, hash and facts, all
/// that is known before its rows have a place in the CSVs (a worker encodes it while
/// the facts are at hand, and the writer adds the rest).
pub fn record_head(path: &str, hash: &str, facts: &ArticleFacts, out: &mut Vec<u8>) -> Result<()> {
    // a struct is encoded as its fields one after another, so the head and the rest
    // make the same bytes as the whole record
    codec().serialize_into(&mut *out, &(path, hash, facts))?;
    Ok(())
}

/// Appends one record to a cache being written from its [`record_head`] and where its
/// rows are; `buf` is scratch space kept between calls.
pub fn write_record_with_head<W: Write>(
    w: &mut W,
    head: &[u8],
    mentions: Block,
    relations: Block,
    buf: &mut Vec<u8>,
) -> Result<()> {
    buf.clear();
    codec().serialize_into(&mut *buf, &(mentions, relations))?;
    w.write_all(&((head.len() + buf.len()) as u64).to_le_bytes())?;
    w.write_all(head)?;
    w.write_all(buf)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_what_format_gives() {
        for h in [
            0,
            1,
            0xabc,
            u128::from(u64::MAX),
            u128::MAX,
            0x0123_4567_89ab_cdef << 60,
        ] {
            assert_eq!(
                std::str::from_utf8(&hex128(h)).unwrap(),
                format!("{h:032x}")
            );
        }
    }

    /// A staged file written in odd-sized pieces over several buffers and write-back
    /// steps, directly or through the page cache, holds exactly the bytes written, also
    /// when a flush comes mid-way (the direct tail block is written twice) and when one
    /// falls exactly on a buffer's end; the write-back bookkeeping keeps up.
    #[test]
    fn staged_files_hold_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        for direct in [true, false] {
            let path = dir.path().join(format!("big-{direct}.csv"));
            let mut w = Staged::create(&path, direct).unwrap();
            let mut want = Vec::new();
            let mut k = 0u32;
            while want.len() < 3 * STEP as usize {
                let piece: Vec<u8> = (0..(k % 9973) + 1).map(|i| (i ^ k) as u8).collect();
                w.write_all(&piece).unwrap();
                want.extend_from_slice(&piece);
                if k % 1000 == 999 {
                    w.flush().unwrap();
                    assert_eq!(fs::metadata(&path).unwrap().len(), want.len() as u64);
                }
                k += 1;
            }
            let fill = Staged::BUF - want.len() % Staged::BUF;
            w.write_all(&vec![b'x'; fill]).unwrap();
            want.resize(want.len() + fill, b'x');
            w.flush().unwrap();
            assert_eq!(w.len, 0);
            if !w.direct {
                assert!(w.started >= 2 * STEP && w.started <= w.at);
                // the pages of every step but the last have left the page cache
                #[cfg(target_os = "linux")]
                assert!(w.dropped >= STEP && w.dropped < w.started);
            }
            w.write_all(b"end").unwrap();
            want.extend_from_slice(b"end");
            w.finish().unwrap().sync_all().unwrap();
            assert!(fs::read(&path).unwrap() == want, "direct {direct}");
        }
    }

    /// A manifest row written by hand reads back, byte for byte, as the csv crate
    /// writes the same entry.
    #[test]
    fn manifest_rows_match_serde() {
        let tricky = [
            "",
            "a.txt",
            "d/a,b.txt",
            "say \"hi\".txt",
            "line\nbreak",
            " sp ",
            "\u{e9}.txt",
        ];
        let mut w = crate::write::writer(Vec::new());
        let mut got = Vec::new();
        for (k, t) in tricky.iter().enumerate() {
            let e = Entry {
                path: t.to_string(),
                hash: String::from_utf8(hex128(k as u128 * 0x1234_5678_9abc).to_vec()).unwrap(),
                size: k as u64 * 1000,
                mtime: [0, -5, 1_700_000_000_123_456_789, i128::MAX][k % 4],
                date: format!("2025-01-0{k}{t}"),
                first_processed: t.to_string(),
            };
            w.serialize(&e).unwrap();
            ManifestRow {
                path: &e.path,
                hash: &e.hash,
                size: e.size,
                mtime: e.mtime,
                date: &e.date,
                first_processed: &e.first_processed,
            }
            .render(&mut got);
        }
        assert_eq!(got, w.into_inner().unwrap());
    }

    /// A record written from borrowed parts (a head, then where its rows are) is the
    /// encoding of the whole record and reads back as the owned record.
    #[test]
    fn borrowed_cache_records_read_back() {
        let rows = crate::write::ArticleRows {
            date: "2025-01-01".into(),
            people: vec![("p:x".into(), "X, Y".into())],
            ..Default::default()
        };
        let facts = crate::write::Rendered::new(&rows).facts;
        let block = Block {
            offset: 3,
            len: 300,
            hash: u64::MAX,
        };
        let mut file = Vec::new();
        let mut buf = Vec::new();
        let rec = CacheRecordRef {
            path: "d/a.txt",
            hash: "00ff",
            facts: &facts,
            mentions: block,
            relations: Block::default(),
        };
        write_record(&mut file, &rec, &mut buf).unwrap();
        let whole = codec().serialize(&rec).unwrap();
        assert_eq!(file[..8], (whole.len() as u64).to_le_bytes());
        assert_eq!(file[8..], whole);
        let mut head = Vec::new();
        record_head(rec.path, rec.hash, rec.facts, &mut head).unwrap();
        let mut parts = Vec::new();
        write_record_with_head(&mut parts, &head, rec.mentions, rec.relations, &mut buf).unwrap();
        assert_eq!(parts, file);
        let back: CacheRecord = codec().deserialize(&file[8..]).unwrap();
        assert_eq!(back.path, "d/a.txt");
        assert_eq!(back.hash, "00ff");
        assert_eq!(back.facts, facts);
        assert_eq!(back.mentions, block);
        assert_eq!(back.relations, Block::default());
    }
}
