"""Write a deterministic corpus of real-shaped records for the benchmarks.

Each record is a Markdown file with YAML front matter shaped like the powerapps corpus
(title, excerpt, publishedDateTime, originalUrl, webUrl, provider with images, topics,
images, related coverage, a `secured` blob), spread over year/month folders.

    python benchmarks/generate.py OUT [--records 100000] [--seed 7] [--config FILE]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

TOPICS = [
    "Power Apps",
    "Power Automate",
    "Power BI",
    "Dynamics 365",
    "Azure",
    "AI",
    "Copilot",
    "Microsoft Teams",
    "SharePoint",
    "Dataverse",
    "Low Code",
    "Security",
    "Open Source",
    "Cloud",
    "DevOps",
    "Python",
    "JavaScript",
    "Kubernetes",
    "Databases",
    "Analytics",
    "Machine Learning",
    "Climate",
    "Space",
    "Energy",
    "Health",
    "Finance",
    "Startups",
    "Mobile",
    "Windows",
    "Linux",
    "Gaming",
    "Robotics",
    "Quantum",
    "Networking",
    "Privacy",
    "Policy",
    "Education",
    "Retail",
    "Manufacturing",
    "Automotive",
    "Biotech",
    "Chips",
    "Cybersecurity",
    "Web",
    "Design",
    "Accessibility",
    "Open Data",
    "Research",
    "Careers",
    "Events",
]
PROVIDERS = [
    ("Microsoft", "microsoft.com"),
    ("TechCrunch", "techcrunch.com"),
    ("The Verge", "theverge.com"),
    ("Ars Technica", "arstechnica.com"),
    ("ZDNet", "zdnet.com"),
    ("Wired", "wired.com"),
    ("InfoWorld", "infoworld.com"),
    ("The Register", "theregister.com"),
    ("CNN", "cnn.com"),
    ("Forbes", "forbes.com"),
    ("Engadget", "engadget.com"),
    ("VentureBeat", "venturebeat.com"),
    ("Business Insider", "businessinsider.com"),
    ("Reuters", "reuters.com"),
    ("BBC", "bbc.co.uk"),
]
WORDS = [
    "cloud",
    "data",
    "model",
    "platform",
    "release",
    "update",
    "preview",
    "team",
    "build",
    "app",
    "flow",
    "agent",
    "report",
    "security",
    "customer",
    "partner",
    "feature",
    "wave",
    "portal",
    "insight",
    "studio",
    "service",
    "developer",
    "analytics",
    "automation",
    "governance",
    "performance",
    "migration",
    "connector",
    "license",
    "region",
    "announces",
    "launches",
    "expands",
    "improves",
    "adds",
    "brings",
    "introduces",
    "delivers",
    "new",
    "faster",
]
START = datetime(2015, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime(2025, 12, 31, tzinfo=UTC) - START).total_seconds())


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are a subset of YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize()


def record(rng: random.Random, number: int, topic_weights: list[float]) -> tuple[str, str]:
    """(relative path, file text) of record ``number``."""
    moment = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
    title = f"{sentence(rng, 4, 10)} #{number}"
    slug = "-".join(title.lower().replace("#", "").split())[:60]
    provider, domain = rng.choice(PROVIDERS)
    url = f"https://{domain}/{moment:%Y/%m}/{slug}-{number}"
    video = rng.random() < 0.05
    count = rng.choices([1, 2, 3, 4], weights=[50, 30, 15, 5])[0]
    topics = sorted(set(rng.choices(TOPICS, weights=topic_weights, k=count)))
    lines = [
        "---",
        "category: news",
        f"title: {quoted(title)}",
        f"excerpt: {quoted(sentence(rng, 25, 50) + '.')}",
        f"publishedDateTime: {stamp(moment)}",
        f"originalUrl: {quoted(url)}",
        f"webUrl: {quoted(url + '?utm_source=feed')}",
        f"type: {'video' if video else 'article'}",
        f"quality: {rng.randint(1, 200)}",
        f"heat: {rng.randint(1, 200)}",
        f"published: {'true' if rng.random() < 0.65 else 'false'}",
        "",
    ]
    if video:
        frame = f'<iframe src="https://www.youtube.com/embed/v{number}" allowfullscreen></iframe>'
        lines += [f"featuredContent: {quoted(frame)}", ""]
    lines += [
        "provider:",
        f"  name: {provider}",
        f"  domain: {domain}",
        "  images:",
        f'    - url: "https://cdn.example.org/organizations/{domain}-50x50.jpg"',
        "      width: 50",
        "      height: 50",
        "",
        "topics:",
        *(f"  - {topic}" for topic in topics),
        "",
        "images:",
        f'  - url: "https://cdn.example.org/{moment:%Y/%m}/{number}.jpg"',
        f"    width: {rng.choice([640, 1024, 1280])}",
        f"    height: {rng.choice([360, 576, 720])}",
        "    isCached: true",
        "",
    ]
    related = rng.choices([0, 1, 2, 3], weights=[40, 30, 20, 10])[0]
    if related:
        lines.append("related:")
        for index in range(related):
            other, other_domain = rng.choice(PROVIDERS)
            when = moment - timedelta(hours=rng.randint(1, 72))
            lines += [
                f"  - title: {quoted(sentence(rng, 4, 9))}",
                f"    excerpt: {quoted(sentence(rng, 10, 20) + '.')}",
                f"    publishedDateTime: {stamp(when)}",
                f'    webUrl: "https://{other_domain}/{when:%Y/%m}/r{number}-{index}"',
                "    type: article",
                "    provider:",
                f"      name: {other}",
                f"      domain: {other_domain}",
            ]
        lines.append("")
    blob = base64.b64encode(rng.randbytes(rng.randint(400, 520))).decode("ascii")
    lines += [f"secured: {quoted(blob)}", "---", "", sentence(rng, 20, 60) + ".", ""]
    return f"{moment:%Y/%m}/{moment:%Y-%m-%d}-{slug}.md", "\n".join(lines)


def generate(out: Path, records: int, seed: int = 7) -> list[Path]:
    """Write ``records`` files under ``out``; the same seed always gives the same bytes."""
    rng = random.Random(seed)
    # A skewed topic distribution: a few topics are in most records, many are rare.
    topic_weights = [1 / (rank + 1) ** 1.1 for rank in range(len(TOPICS))]
    paths: list[Path] = []
    made: set[Path] = set()
    for number in range(records):
        relative, text = record(rng, number, topic_weights)
        path = out / relative
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def write_config(path: Path, sources: Path, output: Path, cache: Path | None = None) -> None:
    """A feeds config over the generated records: limit 50, discovered topics."""
    lines = [
        "site:",
        "  title: Benchmark Feeds",
        "  url: https://feeds.example.org/",
        f"sources: [{quoted(str(sources))}]",
        f"output: {quoted(str(output))}",
        "limit: 50",
        "discover: true",
    ]
    if cache is not None:
        lines.append(f"cache: {quoted(str(cache))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the records into")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--config", type=Path, help="also write a feeds config here")
    parser.add_argument("--output", type=Path, help="the config's output folder [OUT/../public]")
    args = parser.parse_args()
    generate(args.out, args.records, args.seed)
    if args.config:
        output = args.output or args.out.resolve().parent / "public"
        write_config(args.config, args.out.resolve(), output.resolve())
    print(f"wrote {args.records} records to {args.out}")


if __name__ == "__main__":
    main()
