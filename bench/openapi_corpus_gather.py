"""Put the OpenAPI corpus listed in `openapi_corpus/MANIFEST.tsv` into `openapi_corpus/docs/`.

The documents are other publishers' work and are never committed (the folder is git-ignored);
only the manifest is: which file came from which repository, path and commit, the licence the
repository states, its size and SHA-256. This script copies each document out of a local git
snapshot of its repository (by default `/work/.mirror/<owner>+<name>/repo`, where the search
tool's `fetch` puts them; any bare or normal clone works with `--mirror`), checks the size and
hash against the manifest, and reports what is missing.

    python bench/openapi_corpus_gather.py                 # copy what the snapshots hold
    python bench/openapi_corpus_gather.py --write-sizes   # (maintainers) fill size and sha256

A document that no snapshot holds (a repository too big to fetch whole, a file over the
snapshot's 4 MB limit) is listed as missing, with its repository and path, so it can be
copied by hand (e.g. the search tool's `read_file`, page by page).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "openapi_corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"
DOCS = CORPUS / "docs"
COLUMNS = ["file", "publisher", "repository", "path", "commit", "licence", "size", "sha256"]


@dataclass
class Entry:
    file: str
    publisher: str
    repository: str
    path: str
    commit: str
    licence: str
    size: str = ""
    sha256: str = ""

    def row(self) -> str:
        return "\t".join(getattr(self, c) for c in COLUMNS)


def read_manifest(path: Path = MANIFEST) -> list[Entry]:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].split("\t") != COLUMNS:
        raise SystemExit(f"{path}: the first line must be the header {COLUMNS}")
    entries = []
    for line in lines[1:]:
        if line.strip() and not line.startswith("#"):
            cells = line.split("\t")
            entries.append(Entry(*cells[: len(COLUMNS)]))
    return entries


def write_manifest(entries: list[Entry], path: Path = MANIFEST) -> None:
    text = "\t".join(COLUMNS) + "\n" + "".join(e.row() + "\n" for e in entries)
    path.write_text(text, encoding="utf-8")


def from_snapshot(mirror: Path, entry: Entry) -> bytes | None:
    gitdir = mirror / entry.repository.replace("/", "+") / "repo"
    if not gitdir.exists():
        return None
    done = subprocess.run(
        ["git", "-C", str(gitdir), "show", f"{entry.commit}:{entry.path}"],
        capture_output=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--write-sizes", action="store_true", help="record size and sha256")
    args = parser.parse_args()
    DOCS.mkdir(parents=True, exist_ok=True)
    entries = read_manifest()
    missing, mismatched = [], []
    for entry in entries:
        target = DOCS / entry.file
        data = target.read_bytes() if target.exists() else from_snapshot(args.mirror, entry)
        if data is None:
            missing.append(entry)
            continue
        digest = hashlib.sha256(data).hexdigest()
        if args.write_sizes:
            entry.size, entry.sha256 = str(len(data)), digest
        elif entry.sha256 and digest != entry.sha256:
            mismatched.append(entry)
            continue
        if not target.exists():
            target.write_bytes(data)
    if args.write_sizes:
        write_manifest(entries)
    present = len(entries) - len(missing) - len(mismatched)
    publishers = {e.publisher for e in entries if e not in missing and e not in mismatched}
    print(f"{present} of {len(entries)} documents in {DOCS} from {len(publishers)} publishers")
    for entry in missing:
        print(f"missing: {entry.file} ({entry.repository} {entry.path} @ {entry.commit[:10]})")
    for entry in mismatched:
        print(f"sha256 differs, not copied: {entry.file}")
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
