#!/usr/bin/env bash
# `make bench`: throughput, scaling, memory and incremental reruns of `newsgraph run`
# on a generated corpus, compared with the bare dictionary scan (and ripgrep if present).
#
# Builds nothing (the Makefile's `bench: build` does). Run from anywhere; works in the
# repository root. Prints one labelled line per measurement and a PASS/FAIL verdict
# against the targets; exits 0 whatever the verdict, non-zero only if a step crashed.
#
# Environment:
#   BENCH_MB=200      corpus size in MB (10^6 bytes); smaller for quick tries
#   BENCH_SCALE=1     also generate a 5x corpus (target/bench/corpus5x) and compare peak RSS
#   BENCH_KEEP=1      keep the output folders under target/bench/ (default: removed)
#   GAZETTEERS=DIR    gazetteer folder (default gazetteers)
#   BENCH_REWARM_S=25 seconds between re-reads of the corpus during a measurement
#   BENCH_REPEAT=3    rounds of the full runs and scans (a round runs them all back to
#                     back); each one's fastest run is reported (a shared host's noise
#                     only ever adds time)
#
# Every measurement is taken with a hot page cache: the corpus is read with cat first
# and re-read in the background while a measurement runs. Logs: target/bench/log/.
# Timings on a shared machine are only as good as its idle cores: the full-run lines
# print the cores the run actually got, and a note says when that fell short.
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${BENCH_MB:-200}
REPEAT=${BENCH_REPEAT:-3}
SCALE=${BENCH_SCALE:-0}
KEEP=${BENCH_KEEP:-0}
GAZ=${GAZETTEERS:-gazetteers}
SRC=articles
ROOT=target/bench
CORPUS=$ROOT/corpus
TIME=/usr/bin/time
JOBS_PAR=2

# Targets for the verdict line.
MAX_SCAN_RATIO=2.5
MIN_SPEEDUP=1.7
MAX_RSS_MB=256
MAX_NOOP_PCT=10
MAX_RSS_SCALE=1.5

die() {
  echo "bench: $*" >&2
  exit 1
}

[ -x target/release/newsgraph ] || die "target/release/newsgraph is missing: run \`make bench\` (it builds first)"
[ -x "$TIME" ] || die "$TIME is missing: apt-get install time"
command -v python3 >/dev/null || die "python3 is needed to generate the corpus"
[ -d "$GAZ" ] || die "gazetteer folder $GAZ does not exist (set GAZETTEERS=DIR)"

mkdir -p "$ROOT"
# Private copies, so a rebuild by someone else during the run cannot mix two binaries.
BIN=$ROOT/newsgraph
cp -f target/release/newsgraph "$BIN"
# Likewise the gazetteers: an edit during the run would change the fingerprint and
# turn the no-op rerun into a full one.
rm -rf "$ROOT/gazetteers"
cp -r "$GAZ" "$ROOT/gazetteers"
GAZ=$ROOT/gazetteers
LOG=$ROOT/log
rm -rf "$LOG"
mkdir -p "$LOG"

NEWDIR=$CORPUS/dnew
cleanup() {
  keepwarm_stop
  rm -rf "$NEWDIR"
  if [ "$KEEP" != 1 ]; then
    rm -rf "$ROOT"/out-*
  fi
}
trap cleanup EXIT

# --- helpers -----------------------------------------------------------------------

# calc FORMAT EXPR: awk arithmetic, printf-formatted.
calc() { awk "BEGIN { printf \"$1\", ($2) }"; }

# Read every article once so the measurement starts with a hot page cache, and the
# program and data files too (the host pages out what sat idle, the binary included:
# perf showed page faults reading its code back from disk).
warm() {
  find "$1" -type f -name '*.txt' -print0 | xargs -0 cat >/dev/null
  find "$BIN" "$GAZ" -type f -print0 | xargs -0 cat >/dev/null
}

# While a long measurement runs, re-read the corpus every $REWARM_S seconds: the host
# may page out page-cache pages idle for about a minute (DAMON pageout here), which
# turned late reads of a 2-minute run into disk reads. Costs ~1 s of sys time a pass.
REWARM_S=${BENCH_REWARM_S:-25}
KW_PID=
keepwarm_start() { # CORPUS
  rm -f "$LOG/.stop-warm"
  (
    while :; do
      for _ in $(seq "$REWARM_S"); do
        [ -e "$LOG/.stop-warm" ] && exit 0
        sleep 1
      done
      warm "$1"
    done
  ) &
  KW_PID=$!
}
keepwarm_stop() {
  if [ -n "$KW_PID" ]; then
    touch "$LOG/.stop-warm"
    wait "$KW_PID" || true
    KW_PID=
  fi
}

# timed NAME CORPUS CMD...: warms CORPUS, runs CMD (keeping CORPUS warm) with stdout and
# stderr in $LOG/NAME.{out,err}; sets SECS (wall, microsecond clock), RSS (peak, MB) and
# CORES ((user+sys)/wall) and KERNEL (sys seconds). Stops the benchmark if CMD fails.
timed() {
  local name=$1 corpus=$2
  shift 2
  local t0 t1 u s kb
  warm "$corpus"
  keepwarm_start "$corpus"
  t0=$EPOCHREALTIME
  if ! "$TIME" -o "$LOG/$name.time" -f '%e %M %U %S' "$@" >"$LOG/$name.out" 2>"$LOG/$name.err"; then
    keepwarm_stop
    echo "bench: $name failed: $*" >&2
    tail -n 5 "$LOG/$name.err" >&2
    exit 1
  fi
  t1=$EPOCHREALTIME
  keepwarm_stop
  read -r _ kb u s <<<"$(tail -n 1 "$LOG/$name.time")"
  SECS=$(calc '%.3f' "$t1 - $t0")
  RSS=$(calc '%.0f' "$kb / 1024")
  CORES=$(calc '%.2f' "($u + $s) / $SECS")
  KERNEL=$(calc '%.2f' "$s")
}

# run_full NAME CORPUS OUT JOBS [ARGS]: a fresh --full run, page cache warm.
run_full() {
  local name=$1 corpus=$2 out=$3 jobs=$4
  shift 4
  rm -rf "$out"
  timed "$name" "$corpus" "$BIN" run --input "$corpus" --output "$out" --gazetteers "$GAZ" \
    --full --quiet --jobs "$jobs" "$@"
  # Fewer busy cores than jobs: other processes competed (or the run waited on I/O).
  if [ "$(calc '%d' "$CORES < 0.85 * $jobs")" = 1 ]; then
    CONTENDED="${CONTENDED:+$CONTENDED, }$name used $CORES of $jobs cores"
  fi
}

# core_speeds: times one fixed Python loop pinned to each core and prints the seconds,
# "cpu0=0.52 cpu1=0.61". A VM's cores need not be equal: here one core ran the same loop
# 10-35% slower than the other for an hour, which caps what a second job can add (empty
# when taskset is missing).
LOOP='x = 0
for i in range(1500000): x += i * i'
core_speeds() {
  command -v taskset >/dev/null || return 0
  local c t0 t1 out=
  for c in $(seq 0 $(($(nproc) - 1))); do
    t0=$EPOCHREALTIME
    taskset -c "$c" python3 -c "$LOOP" || return 0
    t1=$EPOCHREALTIME
    out="${out:+$out }cpu$c=$(calc '%.2f' "$t1 - $t0")"
  done
  echo "$out"
}

# The same loop on every core at once: its seconds. Cores of a virtual machine can slow
# each other down (hyperthreads of one physical core, a busy host), which caps what a
# second job can add however little the jobs share.
all_cores() {
  command -v taskset >/dev/null || return 0
  local c t0 t1 pids=()
  t0=$EPOCHREALTIME
  for c in $(seq 0 $(($(nproc) - 1))); do
    taskset -c "$c" python3 -c "$LOOP" &
    pids+=("$!")
  done
  wait "${pids[@]}" || return 0
  t1=$EPOCHREALTIME
  calc '%.2f' "$t1 - $t0"
}

# counts NAME: "(N new, N changed, N unchanged, N removed)" from a summary line.
counts() { grep -o '([0-9]* new, [^)]*)' "$LOG/$1.err" | tail -n 1 || echo "(no summary line)"; }

# --- corpus ------------------------------------------------------------------------

rm -rf "$NEWDIR" # a leftover of an interrupted run
python3 scripts/gen_corpus.py "$SRC" "$CORPUS" "$MB" >"$LOG/gen.out"
FILES=$(sed -n 's/^files=\([0-9]*\) bytes=.*/\1/p' "$CORPUS/.complete")
BYTES=$(sed -n 's/^files=[0-9]* bytes=\([0-9]*\)$/\1/p' "$CORPUS/.complete")
[ -n "$FILES" ] && [ -n "$BYTES" ] || die "cannot read files=/bytes= from $CORPUS/.complete"
CMB=$(calc '%.1f' "$BYTES / 1e6")
echo "corpus: $FILES articles, $CMB MB in $CORPUS ($(nproc) cores, load avg $(cut -d' ' -f1 /proc/loadavg)); full runs and scans: best of $REPEAT rounds"

# --- full runs -----------------------------------------------------------------------

# The kernel's share is printed because it is the part that moves most between hosts:
# on a freshly booted VM the first touch of guest memory (page cache for ~350 MB of
# CSV a run) cost up to ~1 s of kernel time in a run, against ~0.45 s once the memory
# had been used (README, Benchmark).
line_full() { # JOBS SECS RSS CORES KERNEL
  printf 'full  jobs=%s: %s s  %s MB/s  %s articles/s  peak RSS %s MB  cpu %s cores (kernel %s s)' "$1" \
    "$(calc '%.2f' "$2")" "$(calc '%.1f' "$BYTES / 1e6 / $2")" \
    "$(calc '%.0f' "$FILES / $2")" "$3" "$4" "$5"
}

# The full runs and both scans are taken in rounds, each round running all four back to
# back: a shared host drifts by a quarter over a minute, and drift should touch the two
# sides of a ratio alike, not one side only. Each is reported by its fastest run (with
# that run's cores) and its highest peak RSS.
declare -A BEST_S BEST_C BEST_K BEST_R
keep() { # NAME: folds the run just timed (SECS, CORES, KERNEL, RSS) into NAME's best
  local n=$1
  if [ -z "${BEST_S[$n]:-}" ] || [ "$(calc '%d' "$SECS < ${BEST_S[$n]}")" = 1 ]; then
    BEST_S[$n]=$SECS
    BEST_C[$n]=$CORES
    BEST_K[$n]=$KERNEL
  fi
  if [ -z "${BEST_R[$n]:-}" ] || [ "$RSS" -gt "${BEST_R[$n]}" ]; then
    BEST_R[$n]=$RSS
  fi
}
best_of() { # NAME: sets SECS, CORES, KERNEL and RSS to NAME's best
  SECS=${BEST_S[$1]}
  CORES=${BEST_C[$1]}
  KERNEL=${BEST_K[$1]}
  RSS=${BEST_R[$1]}
}

CORES_START=$(core_speeds)
ALL_START=$(all_cores)

OUT=$ROOT/out-j$JOBS_PAR
# a first scan, outside the rounds, so no round pays for a first run
timed scan-cold "$CORPUS" "$BIN" scan "$CORPUS" --gazetteers "$GAZ" --jobs "$JOBS_PAR"
for _ in $(seq "$REPEAT"); do
  run_full full-j1 "$CORPUS" "$ROOT/out-j1" 1
  keep full-j1
  run_full full-j$JOBS_PAR "$CORPUS" "$OUT" "$JOBS_PAR"
  keep full-j$JOBS_PAR
  # the bare scans: see "bare scan" below
  timed scan "$CORPUS" "$BIN" scan "$CORPUS" --gazetteers "$GAZ" --jobs "$JOBS_PAR"
  keep scan
  timed scan-own "$CORPUS" "$BIN" scan "$CORPUS" --gazetteers "$GAZ" --jobs "$JOBS_PAR" --own
  keep scan-own
done
rm -rf "$ROOT/out-j1"

best_of full-j1
S1=$SECS
R1=$RSS
echo "$(line_full 1 "$S1" "$R1" "$CORES" "$KERNEL")"

best_of full-j$JOBS_PAR
S2=$SECS
R2=$RSS
SPEEDUP=$(calc '%.2f' "$S1 / $S2")
echo "$(line_full "$JOBS_PAR" "$S2" "$R2" "$CORES" "$KERNEL")  speed-up ${SPEEDUP}x"
PEAK=$R1
PEAK_AT="jobs=1"
[ "$R2" -gt "$PEAK" ] && PEAK=$R2 && PEAK_AT="jobs=$JOBS_PAR"

nwarn=$(grep -c 'newsgraph: warning' "$LOG/full-j$JOBS_PAR.err" || true)
[ "$nwarn" -eq 0 ] || echo "note: $nwarn warnings in the full run (see $LOG/full-j$JOBS_PAR.err)"

# --- stage breakdown (the --timings line; printed with --quiet too) ----------------

# one more full run, with --timings: the timed runs above read no clocks per article
run_full full-stages "$CORPUS" "$OUT" "$JOBS_PAR" --timings
[ "$RSS" -gt "$PEAK" ] && PEAK=$RSS && PEAK_AT="jobs=$JOBS_PAR with --timings"
TL=$(grep 'stage cpu-ms' "$LOG/full-stages.err" | tail -n 1 || true)
if [ -n "$TL" ]; then
  read -r T_READ T_NORM T_TAG T_REL T_WRITE _ <<<"$(echo "$TL" | grep -o '[0-9][0-9.]*' | tr '\n' ' ')"
  CPU=$(calc '%.3f' "$T_READ + $T_NORM + $T_TAG + $T_REL")
  pct() { calc '%.0f' "100 * $1 / ($CPU > 0 ? $CPU : 1)"; }
  printf 'stages jobs=%s: cpu-s read+hash %s (%s%%), normalise %s (%s%%), tag %s (%s%%), relate %s (%s%%); wall-s write %s (%s%% of run)\n' \
    "$JOBS_PAR" \
    "$(calc '%.2f' "$T_READ / 1000")" "$(pct "$T_READ")" \
    "$(calc '%.2f' "$T_NORM / 1000")" "$(pct "$T_NORM")" \
    "$(calc '%.2f' "$T_TAG / 1000")" "$(pct "$T_TAG")" \
    "$(calc '%.2f' "$T_REL / 1000")" "$(pct "$T_REL")" \
    "$(calc '%.2f' "$T_WRITE / 1000")" "$(calc '%.0f' "100 * $T_WRITE / 1000 / $S2")"
  # The stages do not cover loading, walking, stat and rendering rows; the writer
  # thread runs alongside the workers, so its time is not added to theirs.
  T_WCPU=$(echo "$TL" | grep -o 'writer thread cpu-ms [0-9]*' | grep -o '[0-9]*$' || echo 0)
  echo "stages jobs=$JOBS_PAR: cpu in stages / $JOBS_PAR jobs = $(calc '%.2f' "$CPU / 1000 / $JOBS_PAR") s of $(calc '%.2f' "$S2") s wall (the writer thread, $(calc '%.2f' "$T_WRITE / 1000") s wall and $(calc '%.2f' "${T_WCPU:-0} / 1000") s cpu, runs alongside)"
else
  echo "stages: no 'stage cpu-ms' line on stderr (is --timings still supported?)"
fi

# --- incremental reruns (same output folder, no --full) -----------------------------

timed noop "$CORPUS" "$BIN" run --input "$CORPUS" --output "$OUT" --gazetteers "$GAZ" --jobs "$JOBS_PAR"
SN=$SECS
NOOP_PCT=$(calc '%.1f' "100 * $SN / $S2")
echo "no-op rerun: $(calc '%.3f' "$SN") s  ${NOOP_PCT}% of full jobs=$JOBS_PAR  peak RSS $RSS MB  $(counts noop)"
[ "$RSS" -gt "$PEAK" ] && PEAK=$RSS && PEAK_AT="no-op rerun"

# 1% new articles: copies of every 100th file with another first line (so other bytes).
NNEW=$(python3 - "$CORPUS" "$NEWDIR" <<'EOF'
import os, sys
src, dst = sys.argv[1], sys.argv[2]
files = sorted(
    os.path.join(r, f)
    for r, ds, fs in os.walk(src)
    for f in fs
    if f.endswith(".txt") and not f.startswith(".")
)
pick = files[::100] if len(files) >= 100 else files[:1]
os.makedirs(dst)
for i, p in enumerate(pick):
    with open(p, "rb") as fh:
        data = fh.read()
    rest = data.split(b"\n", 1)[1] if b"\n" in data else b""
    with open(os.path.join(dst, f"new-{i:06d}.txt"), "wb") as fh:
        fh.write(b"Date: 2026-01-01\n" + rest)
print(len(pick))
EOF
)
timed new1pct "$CORPUS" "$BIN" run --input "$CORPUS" --output "$OUT" --gazetteers "$GAZ" --jobs "$JOBS_PAR"
SNEW=$SECS
echo "+1% rerun ($NNEW new): $(calc '%.2f' "$SNEW") s  $(calc '%.1f' "100 * $SNEW / $S2")% of full jobs=$JOBS_PAR  peak RSS $RSS MB  $(counts new1pct)"
[ "$RSS" -gt "$PEAK" ] && PEAK=$RSS && PEAK_AT="+1% rerun"
rm -rf "$NEWDIR"
[ "$KEEP" = 1 ] || rm -rf "$OUT"

# --- bare scan -----------------------------------------------------------------------

# The reference is the faster of two bare scans of the same aliases, both aho-corasick
# automatons searched over every byte: a DFA (one table look-up per byte) and a
# contiguous NFA (whose prefilter skips most bytes). The run's tagger walks a trie of
# the aliases anchored at word starts instead; no scan of every byte can use that.
# (both were timed in the rounds above, alongside the full runs)
scan_line() { # NAME LABEL: prints scan NAME's best (self-timed: its last run)
  local own
  own=$(grep -o 'in [0-9.]*s' "$LOG/$1.out" | head -n 1 | tr -d 'ins ' || true)
  best_of "$1"
  echo "bare scan jobs=$JOBS_PAR, $2: $(calc '%.2f' "$SECS") s  $(calc '%.1f' "$BYTES / 1e6 / $SECS") MB/s  (self-timed ${own:-?} s)  peak RSS $RSS MB; full/scan $(calc '%.2f' "$S2 / $SECS")x"
}
scan_line scan "DFA"
SS=$SECS
scan_line scan-own "contiguous NFA"
[ "$(calc '%d' "$SECS < $SS")" = 1 ] && SS=$SECS
SCAN_RATIO=$(calc '%.2f' "$S2 / $SS")
echo "full/scan against the faster scan ($(calc '%.2f' "$SS") s): ${SCAN_RATIO}x"

# --- ripgrep -------------------------------------------------------------------------

if command -v rg >/dev/null; then
  "$BIN" aliases --gazetteers "$GAZ" >"$ROOT/aliases.txt"
  NAL=$(wc -l <"$ROOT/aliases.txt")
  # rg exits 1 when nothing matched: only >1 is a failure.
  timed rg "$CORPUS" bash -c 'rg -j "$1" -c -i -w -F -f "$2" "$3"; rc=$?; [ "$rc" -le 1 ]' \
    rg "$JOBS_PAR" "$ROOT/aliases.txt" "$CORPUS"
  SR=$SECS
  # its speed with thousands of patterns and -w depends much on the version
  # (its first line without `| head`: with SIGPIPE ignored, as in a job started in the
  # background, rg reports the closed pipe as an error and pipefail ended the benchmark)
  RGV=$(rg --version)
  RGV=${RGV%%$'\n'*}
  echo "ripgrep: $(calc '%.2f' "$SR") s  $(calc '%.1f' "$BYTES / 1e6 / $SR") MB/s  ($NAL aliases, rg -j $JOBS_PAR -c -i -w -F, $RGV); full/rg $(calc '%.2f' "$S2 / $SR")x"
else
  echo "ripgrep: not installed (apt-get install ripgrep), skipped"
fi

# --- memory scaling (optional) ---------------------------------------------------------

if [ "$SCALE" = 1 ]; then
  C5=$ROOT/corpus5x
  MB5=$(calc '%g' "5 * $MB")
  python3 scripts/gen_corpus.py "$SRC" "$C5" "$MB5" >"$LOG/gen5x.out"
  B5=$(sed -n 's/^files=[0-9]* bytes=\([0-9]*\)$/\1/p' "$C5/.complete")
  run_full full-5x "$C5" "$ROOT/out-5x" "$JOBS_PAR"
  RSS5_RATIO=$(calc '%.2f' "$RSS / $R2")
  echo "scale 5x ($(calc '%.0f' "$B5 / 1e6") MB) jobs=$JOBS_PAR: $(calc '%.2f' "$SECS") s  $(calc '%.1f' "$B5 / 1e6 / $SECS") MB/s  peak RSS $RSS MB = ${RSS5_RATIO}x the ${CMB} MB run"
  [ "$RSS" -gt "$PEAK" ] && PEAK=$RSS && PEAK_AT="5x corpus"
  rm -rf "$ROOT/out-5x"
fi

# --- verdict ---------------------------------------------------------------------------

verdict=PASS
check() { # LABEL OK(1/0): prints "LABEL PASS|FAIL"
  if [ "$2" = 1 ]; then printf '%s PASS' "$1"; else printf '%s FAIL' "$1"; fi
}
c1=$(check "full/scan ${SCAN_RATIO}x<=${MAX_SCAN_RATIO}" "$(calc '%d' "$SCAN_RATIO <= $MAX_SCAN_RATIO")")
[[ $c1 == *FAIL ]] && verdict=FAIL
c2=$(check "speed-up ${SPEEDUP}x>=${MIN_SPEEDUP}" "$(calc '%d' "$SPEEDUP >= $MIN_SPEEDUP")")
[[ $c2 == *FAIL ]] && verdict=FAIL
c3=$(check "peak RSS ${PEAK}MB ($PEAK_AT)<=${MAX_RSS_MB}" "$(calc '%d' "$PEAK <= $MAX_RSS_MB")")
[[ $c3 == *FAIL ]] && verdict=FAIL
c4=$(check "no-op ${NOOP_PCT}%<=${MAX_NOOP_PCT}%" "$(calc '%d' "$NOOP_PCT <= $MAX_NOOP_PCT")")
[[ $c4 == *FAIL ]] && verdict=FAIL
if [ -n "${RSS5_RATIO:-}" ]; then
  c4="$c4; $(check "5x corpus RSS ${RSS5_RATIO}x<=${MAX_RSS_SCALE}" "$(calc '%d' "$RSS5_RATIO <= $MAX_RSS_SCALE")")"
  [[ $c4 == *FAIL ]] && verdict=FAIL
else
  c4="$c4; 5x corpus RSS not measured (BENCH_SCALE=1)"
fi
# The same loop again: with unequal cores, a second job adds at most the slower core's
# speed relative to the faster one: the ceiling is 1 + (faster core's seconds / slower
# core's seconds), each averaged over the start and the end.
CORES_END=$(core_speeds)
ALL_END=$(all_cores)
if [ -n "$CORES_START" ] && [ -n "$CORES_END" ]; then
  HOST="host: a fixed loop per core took $CORES_START s at the start, $CORES_END s at the end"
  if [ "$(nproc)" = 2 ] && [ "$JOBS_PAR" = 2 ]; then
    read -r A0 A1 B0 B1 <<<"$(echo "$CORES_START $CORES_END" | grep -o '=[0-9.]*' | tr -d '=' | tr '\n' ' ')"
    F0=$(calc '%.3f' "($A0 + $B0) / 2")
    F1=$(calc '%.3f' "($A1 + $B1) / 2")
    HOST="$HOST; 2 jobs on these cores can be at most $(calc '%.2f' "1 + ($F0 < $F1 ? $F0 / $F1 : $F1 / $F0)")x faster than 1"
    # run on both cores at once, the loop shows how much busy cores slow each other (an
    # interpreter loop: a rough gauge, not a ceiling for other work)
    if [ -n "$ALL_START" ] && [ -n "$ALL_END" ]; then
      HOST="$HOST; on both cores at once it took $ALL_START s and $ALL_END s ($(calc '%+.0f' "100 * (($ALL_START + $ALL_END) / ($F0 + $F1) - 1)")% against one core at a time)"
    fi
  fi
  echo "$HOST"
fi
if [ -n "${CONTENDED:-}" ]; then
  echo "note: $CONTENDED (load avg now $(cut -d' ' -f1 /proc/loadavg)): other processes competed; timings are unreliable"
fi
echo "targets: $c1; $c2; $c3; $c4 => $verdict"
exit 0
