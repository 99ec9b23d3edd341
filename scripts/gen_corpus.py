#!/usr/bin/env python3
"""Deterministic benchmark corpus for `make bench`.

usage: gen_corpus.py SOURCE_DIR OUT_DIR [TARGET_MB=200]

Recombines the sentences of the sample articles under SOURCE_DIR (every *.txt,
recursively; the `Date:` line and the headline are skipped, paragraphs are split
into sentences on '. ') into articles of 5 to 40 sentences, each with a
`Date: YYYY-MM-DD` first line (a random day of 2025) and a headline made from the
first words of a random sentence. Files go into subfolders of 1,000 (d0000/,
d0001/, ...) until TARGET_MB megabytes (10^6 bytes) are written.

Seeded with random.Random(42): the same sources and target give the same bytes.
When done it writes OUT_DIR/.complete with the parameters; if that marker already
holds the same parameters the script does nothing (the corpus is cached). The
marker starts with a dot, so newsgraph's folder walk ignores it.
"""

import datetime
import hashlib
import os
import shutil
import sys
import random

SEED = 42
FILES_PER_DIR = 1000
FORMAT_VERSION = 1
MARKER = ".complete"
IN_PROGRESS = ".generating"


def sources(src):
    """Sorted *.txt paths under src (recursive, hidden entries skipped)."""
    out = []
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in files:
            if f.endswith(".txt") and not f.startswith("."):
                out.append(os.path.join(root, f))
    return sorted(out)


def sentences(paths):
    """Body sentences of every article, in file order, each ending in punctuation."""
    out = []
    for p in paths:
        with open(p, encoding="utf-8", errors="replace") as fh:
            lines = [line.strip() for line in fh.read().splitlines()]
        lines = [line for line in lines if line]
        if lines and lines[0].startswith("Date:"):
            lines = lines[1:]
        lines = lines[1:]  # the headline
        for para in lines:
            for s in para.split(". "):
                s = s.strip()
                if not s:
                    continue
                if s[-1] not in ".!?\"'”’)":
                    s += "."
                out.append(s)
    return out


def digest(paths):
    h = hashlib.sha256()
    for p in paths:
        h.update(p.encode())
        h.update(b"\0")
        with open(p, "rb") as fh:
            h.update(fh.read())
        h.update(b"\0")
    return h.hexdigest()[:16]


def prepare(out):
    """Empties out, refusing to delete a non-empty folder this script did not make."""
    if os.path.isdir(out):
        entries = os.listdir(out)
        ours = MARKER in entries or IN_PROGRESS in entries
        if entries and not ours:
            sys.exit(
                f"gen_corpus: {out} is not empty and has no {MARKER}; "
                "refusing to overwrite it (pick another folder)"
            )
        if entries:
            shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, IN_PROGRESS), "w") as fh:
        fh.write("generating\n")


def generate(out, sents, target_bytes):
    rng = random.Random(SEED)
    start = datetime.date(2025, 1, 1)
    n_sents = len(sents)
    total = 0
    i = 0
    cur_dir = None
    while total < target_bytes:
        d = i // FILES_PER_DIR
        if d != cur_dir:
            cur_dir = d
            dir_path = os.path.join(out, f"d{d:04d}")
            os.makedirs(dir_path, exist_ok=True)
        date = (start + datetime.timedelta(days=rng.randrange(365))).isoformat()
        words = sents[rng.randrange(n_sents)].rstrip(".!?").split()
        headline = " ".join(words[: rng.randint(4, 10)])
        n = rng.randint(5, 40)
        body = [sents[rng.randrange(n_sents)] for _ in range(n)]
        paras = []
        k = 0
        while k < n:
            step = rng.randint(1, 4)
            paras.append(" ".join(body[k : k + step]))
            k += step
        text = f"Date: {date}\n\n{headline}\n\n" + "\n".join(paras) + "\n"
        data = text.encode("utf-8")
        with open(os.path.join(dir_path, f"{date}-{i:06d}.txt"), "wb") as fh:
            fh.write(data)
        total += len(data)
        i += 1
    return i, total


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit("usage: gen_corpus.py SOURCE_DIR OUT_DIR [TARGET_MB=200]")
    src, out = argv[1], argv[2]
    mb = float(argv[3]) if len(argv) == 4 else 200.0
    if mb <= 0:
        sys.exit("gen_corpus: TARGET_MB must be positive")
    paths = sources(src)
    sents = sentences(paths)
    if not sents:
        sys.exit(f"gen_corpus: no sentences found in *.txt under {src}")
    params = (
        f"version={FORMAT_VERSION} seed={SEED} target_mb={mb:g} "
        f"files_per_dir={FILES_PER_DIR} sources={len(paths)} source_digest={digest(paths)}"
    )
    marker = os.path.join(out, MARKER)
    try:
        with open(marker) as fh:
            if fh.readline().strip() == params:
                print(f"gen_corpus: {out} up to date ({params})")
                return
    except OSError:
        pass
    prepare(out)
    files, total = generate(out, sents, int(mb * 1e6))
    with open(marker, "w") as fh:
        fh.write(params + "\n")
        fh.write(f"files={files} bytes={total}\n")
    os.remove(os.path.join(out, IN_PROGRESS))
    print(f"gen_corpus: wrote {files} files, {total} bytes to {out} ({params})")


if __name__ == "__main__":
    main(sys.argv)
