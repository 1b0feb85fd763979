"""Front-matter parse cost per record: feeds.records.fastyaml against PyYAML's C loader.

Both read the same front matter blocks in memory (no I/O), alternating, several times;
prints the medians. Default folder: the real powerapps corpus in ../shared.

    python benchmarks/parse.py [FOLDER] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from feeds.records.fastyaml import parse  # noqa: E402

CORPUS = PROJECT.parent / "shared" / "corpus" / "powerapps" / "_news"


def front_matters(folder: Path) -> list[str]:
    blocks = []
    for path in sorted(folder.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---\n") and (end := text.find("\n---", 3)) != -1:
            blocks.append(text[4 : end + 1])
    return blocks


def per_record(load: Callable[[str], Any], blocks: list[str]) -> float:
    start = time.perf_counter()
    for block in blocks:
        load(block)
    return (time.perf_counter() - start) / len(blocks) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=CORPUS)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    blocks = front_matters(args.folder)
    fast = [parse(block) for block in blocks]
    handled = sum(result is not None for result in fast)
    agree = sum(
        result == yaml.load(block, Loader=yaml.CSafeLoader)
        for result, block in zip(fast, blocks, strict=True)
        if result is not None
    )

    def c_loader(block: str) -> Any:
        return yaml.load(block, Loader=yaml.CSafeLoader)

    fast_times, c_times = [], []
    for _ in range(args.repeat):
        fast_times.append(per_record(parse, blocks))
        c_times.append(per_record(c_loader, blocks))
    fast_us, c_us = statistics.median(fast_times), statistics.median(c_times)
    print(f"{len(blocks)} records; fast path took {handled}, agreeing with PyYAML on {agree}")
    print(f"fastyaml.parse   {fast_us:7.1f} µs/record (median of {args.repeat})")
    print(f"CSafeLoader      {c_us:7.1f} µs/record ({c_us / fast_us:.1f}× slower)")


if __name__ == "__main__":
    main()
