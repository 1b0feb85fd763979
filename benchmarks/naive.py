"""The baseline of issue 7: a plain script with PyYAML's C loader and feedgen.

Reads every record, keeps the published ones, sorts them newest first and writes RSS and
Atom of the newest 50 per topic. Deliberately written the obvious way, without caches,
processes or early pruning.

    python benchmarks/naive.py RECORDS OUT [--limit 50]
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from feedgen.feed import FeedGenerator

SITE = "https://feeds.example.org/"


def read_records(folder: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(folder.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, front, _body = text.split("---\n", 2)
        data = yaml.load(front, Loader=yaml.CSafeLoader)
        records.append(data)
    return records


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def write_feeds(topic: str, entries: list[dict[str, Any]], out: Path) -> None:
    feed = FeedGenerator()
    feed.id(f"{SITE}{slug(topic)}/")
    feed.title(f"Benchmark Feeds: {topic}")
    feed.link(href=f"{SITE}{slug(topic)}/", rel="alternate")
    feed.description(f"Latest {topic} stories")
    feed.updated(entries[0]["publishedDateTime"])
    for data in entries:
        entry = feed.add_entry(order="append")
        entry.id(data["originalUrl"])
        entry.title(data["title"])
        entry.link(href=data.get("webUrl") or data["originalUrl"])
        entry.description(data.get("excerpt", ""))
        entry.published(data["publishedDateTime"])
        entry.updated(data["publishedDateTime"])
    folder = out / slug(topic)
    folder.mkdir(parents=True, exist_ok=True)
    feed.rss_file(str(folder / "rss.xml"))
    feed.atom_file(str(folder / "atom.xml"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    records = [r for r in read_records(args.records) if r.get("published", True) is not False]
    records.sort(key=lambda r: r["publishedDateTime"], reverse=True)
    by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for data in records:
        for topic in data.get("topics") or []:
            by_topic[topic].append(data)
    by_topic["All"] = records
    for topic, entries in by_topic.items():
        write_feeds(topic, entries[: args.limit], args.out)
    print(f"{len(records)} published records, {len(by_topic)} topics at {datetime.now(UTC)}")


if __name__ == "__main__":
    main()
