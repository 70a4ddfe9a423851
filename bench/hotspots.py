"""Name the hot spots in a py-spy raw profile (collapsed stacks) of the backend workers.

    python bench/hotspots.py profile.txt [--top 25]

Prints the functions with the most samples on the stack (inclusive) among our own code
(backend/app), and the leaf functions with the most samples (self) anywhere. Idle samples
(the event loop waiting) are left out so percentages are of busy time.
"""

from __future__ import annotations

import argparse
import collections
import re
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]+?)(?::(?P<line>\d+))?\)$")
IDLE = (
    "select (selectors.py",
    "_run_once (asyncio/base_events.py",
    "Runner.run (asyncio/runners.py",
)


def parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for raw in path.read_text().splitlines():
        body, _, count = raw.rpartition(" ")
        if not body or not count.isdigit():
            continue
        stacks.append((body.split(";"), int(count)))
    return stacks


def short(frame: str) -> str:
    """`func (path/to/file.py:12)` -> `func (file.py)`, dropping the line for grouping."""
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    file = match["file"]
    for marker in ("site-packages/", "backend/", "python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{match['func']} ({file})"


def busy(frames: list[str]) -> bool:
    leaf = frames[-1] if frames else ""
    return not any(marker in leaf for marker in IDLE) and "(idle)" not in leaf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    stacks = [(frames, n) for frames, n in parse(args.profile) if busy(frames)]
    total = sum(n for _, n in stacks) or 1
    inclusive: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    for frames, n in stacks:
        names = [short(f) for f in frames]
        for name in set(names):
            inclusive[name] += n
        leaf[names[-1]] += n
    print(f"{total} busy samples\n\nour code, inclusive:")
    ours = [(k, v) for k, v in inclusive.most_common() if "(app/" in k]
    for name, n in ours[: args.top]:
        print(f"{100 * n / total:6.1f}%  {name}")
    print("\nanywhere, inclusive:")
    anywhere = [(k, v) for k, v in inclusive.most_common() if not k.startswith("process ")]
    for name, n in anywhere[: args.top]:
        print(f"{100 * n / total:6.1f}%  {name}")
    print("\nleaf (self):")
    for name, n in leaf.most_common(args.top):
        print(f"{100 * n / total:6.1f}%  {name}")


if __name__ == "__main__":
    main()
