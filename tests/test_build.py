"""Whole builds on a real temporary disk: layout, safety of names, failures, secrets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
from lxml import etree

from tests.helpers import run_counted, run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"


def record(folder: Path, slug: str, topics: str, date: str = "2026-09-01T10:00:00Z") -> None:
    write_record(
        folder / "records",
        f"{slug}.md",
        f"title: Story {slug}\npublishedDateTime: {date}\n"
        f"webUrl: https://news.example.com/{slug}\ntopics: {topics}\n"
        "secured: 'TOP-SECRET-BLOB=='\n",
    )


def config(folder: Path, extra: str = "") -> Path:
    return write_config(
        folder,
        "site: {title: T, url: 'https://feeds.example.org/'}\n"
        "sources: [../records]\noutput: ../public\n" + extra,
    )


def feed_files(out: Path) -> dict[str, bytes]:
    """Every file below ``out`` but the run lock."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name != ".feeds.lock"
    }


def test_layout_and_hostile_topic_names_stay_inside_the_output(tmp_path: Path) -> None:
    record(tmp_path, "a", '["../../escape", "C/C++", "/etc/passwd", "🚀", "Café Society"]')
    result = run_feeds("build", "--config", config(tmp_path), "--now", NOW)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "public"
    folders = {"", "escape", "c-c-plus-plus", "etc-passwd", "cafe-society"}
    emoji = [p.name for p in out.iterdir() if p.name.startswith("topic-")]
    assert len(emoji) == 1
    assert set(feed_files(out)) == {
        f"{folder}/{name}".lstrip("/")
        for folder in folders | set(emoji)
        for name in ("rss.xml", "atom.xml", "feed.json", "index.html")
    } - {"index.html"} | {"index.html", "feeds.opml"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "public", "records"]


def test_secured_is_never_emitted(tmp_path: Path) -> None:
    record(tmp_path, "a", "[AI]")
    assert run_feeds("build", "--config", config(tmp_path), "--now", NOW).returncode == 0
    for data in feed_files(tmp_path / "public").values():
        assert b"TOP-SECRET-BLOB" not in data
        assert b"secured" not in data


def test_topics_match_names_and_aliases_ignoring_case_and_spaces(tmp_path: Path) -> None:
    record(tmp_path, "a", '["artificial   INTELLIGENCE"]')
    record(tmp_path, "b", '["  ai "]', date="2026-09-02T10:00:00Z")
    record(tmp_path, "c", "[Space]", date="2026-09-03T10:00:00Z")
    cfg = config(
        tmp_path, "discover: false\ntopics:\n  - {name: AI, aliases: [Artificial Intelligence]}\n"
    )
    assert run_feeds("build", "--config", cfg, "--now", NOW).returncode == 0
    out = tmp_path / "public"
    ai = feedparser.parse((out / "ai" / "atom.xml").read_bytes())
    assert [e.title for e in ai.entries] == ["Story b", "Story a"]
    assert {t.term for e in ai.entries for t in e.tags} == {"AI"}
    assert not (out / "space").exists()  # discover: false
    site = feedparser.parse((out / "rss.xml").read_bytes())
    assert [e.title for e in site.entries] == ["Story c", "Story b", "Story a"]


def test_duplicate_stories_are_one_entry_the_newest_copy(tmp_path: Path) -> None:
    for name, updated in (("old", "2026-09-01T12:00:00Z"), ("new", "2026-09-05T12:00:00Z")):
        write_record(
            tmp_path / "records",
            f"{name}.md",
            f"title: Copy {name}\npublishedDateTime: 2026-09-01T10:00:00Z\n"
            f"updatedDateTime: {updated}\nwebUrl: https://mirror-{name}.example/s\n"
            "originalUrl: https://origin.example/s?utm_source=feed\ntopics: [AI]\n",
        )
    result = run_feeds("build", "--config", config(tmp_path), "--now", NOW, "-v")
    assert result.returncode == 0
    assert "records/old.md:1: duplicate of " in result.stdout
    parsed = feedparser.parse((tmp_path / "public" / "ai" / "atom.xml").read_bytes())
    assert [(e.title, e.id) for e in parsed.entries] == [("Copy new", "https://origin.example/s")]


def test_entry_ids_are_the_same_across_topics_formats_and_runs(tmp_path: Path) -> None:
    record(tmp_path, "a", "[AI, Space]")
    cfg = config(tmp_path)
    assert run_feeds("build", "--config", cfg, "--now", NOW).returncode == 0
    out = tmp_path / "public"
    ids = set()
    for path in ("atom.xml", "rss.xml", "ai/atom.xml", "ai/rss.xml", "space/rss.xml"):
        (entry,) = feedparser.parse((out / path).read_bytes()).entries
        ids.add(entry.id)
    assert ids == {"https://news.example.com/a"}


def test_channel_date_is_the_newest_entry_not_the_clock(tmp_path: Path) -> None:
    record(tmp_path, "a", "[AI]", date="2026-09-01T10:00:00+02:00")
    assert run_feeds("build", "--config", config(tmp_path)).returncode == 0  # real clock
    tree = etree.fromstring((tmp_path / "public" / "ai" / "atom.xml").read_bytes())
    updated = tree.findtext("{http://www.w3.org/2005/Atom}updated")
    assert datetime.fromisoformat(updated) == datetime(2026, 9, 1, 8, tzinfo=UTC)


def test_failed_write_exits_3_and_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    record(tmp_path, "a", "[AI, Zebra]")
    cfg = config(tmp_path)
    assert run_feeds("build", "--config", cfg, "--now", NOW).returncode == 0
    out = tmp_path / "public"
    old = feed_files(out)
    record(tmp_path, "b", "[AI, Zebra]", date="2026-09-02T10:00:00Z")
    (out / "zebra" / "rss.xml").unlink()
    (out / "zebra" / "rss.xml").mkdir()  # this one cannot be replaced
    result = run_feeds("build", "--config", cfg, "--now", NOW)
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "zebra/rss.xml" in result.stderr
    assert "Traceback" not in result.stderr
    for name, data in feed_files(out).items():
        if not name.endswith(".xml"):
            continue  # JSON Feed, pages and OPML are checked elsewhere
        entries = feedparser.parse(data).entries
        assert not feedparser.parse(data).bozo
        assert data == old[name] or len(entries) == 2, name
    assert not [p for p in out.rglob("*") if p.name.endswith(".feeds-tmp")]


def test_renamed_topic_writes_redirect_maps_and_removing_it_empties_them(tmp_path: Path) -> None:
    record(tmp_path, "a", "[AI]")
    cfg = config(tmp_path, "topics:\n  - {name: AI, slug: ai, previous_slugs: [artificial]}\n")
    assert run_feeds("build", "--config", cfg, "--now", NOW).returncode == 0
    out = tmp_path / "public"
    nginx = (out / "redirects.nginx.conf").read_text(encoding="utf-8")
    apache = (out / "redirects.apache.conf").read_text(encoding="utf-8")
    assert (
        'location = "/artificial/rss.xml" { return 301 "https://feeds.example.org/ai/rss.xml"; }'
        in nginx
    )
    assert '"/artificial/atom.xml" "https://feeds.example.org/ai/atom.xml"' in apache
    cfg.write_text(cfg.read_text().replace(", previous_slugs: [artificial]", ""))
    assert run_feeds("build", "--config", cfg, "--now", NOW).returncode == 0
    assert "artificial" not in (out / "redirects.nginx.conf").read_text(encoding="utf-8")
    assert "artificial" not in (out / "redirects.apache.conf").read_text(encoding="utf-8")


def test_topic_image_becomes_rss_image_and_atom_logo(tmp_path: Path) -> None:
    record(tmp_path, "a", "[AI]")
    cfg = config(tmp_path, "topics:\n  - {name: AI, image: 'https://img.example/ai.png'}\n")
    assert run_feeds("build", "--config", cfg, "--now", NOW).returncode == 0
    rss = etree.fromstring((tmp_path / "public" / "ai" / "rss.xml").read_bytes())
    assert rss.findtext("channel/image/url") == "https://img.example/ai.png"
    assert rss.findtext("channel/image/link") == "https://feeds.example.org/ai/"
    assert rss.findtext("channel/link") == "https://feeds.example.org/ai/"  # its page
    atom = feedparser.parse((tmp_path / "public" / "ai" / "atom.xml").read_bytes())
    assert atom.feed.logo == "https://img.example/ai.png"


def test_max_age_follows_the_clock_even_when_no_file_changes(tmp_path: Path) -> None:
    record(tmp_path, "a", "[AI]", date="2026-09-01T10:00:00Z")
    record(tmp_path, "b", "[AI]", date="2026-09-04T10:00:00Z")
    cfg = config(tmp_path, "defaults: {max_age_days: 10}\n")
    assert run_feeds("build", "--config", cfg, "--now", "2026-09-05T00:00:00Z").returncode == 0
    site = tmp_path / "public" / "rss.xml"
    assert b"Story a" in site.read_bytes()
    # Nothing changed on disk, but 'a' is now 12 days old: the no-change shortcut must
    # not keep it.
    later, counts = run_counted("build", "--config", cfg, "--now", "2026-09-13T00:00:00Z")
    assert (later.returncode, later.stderr, counts["shortcut"]) == (0, "", 0)
    assert b"Story a" not in site.read_bytes()
    assert b"Story b" in site.read_bytes()


def test_records_sharing_a_line_each_get_their_own_full_entry(tmp_path: Path) -> None:
    # A JSON listing written on one line: every record starts on line 1, and each entry
    # must still be completed from its own record (title, excerpt), not a neighbour's.
    import json

    stories = [
        {
            "title": f"Story {n}",
            "excerpt": f"<p>Summary of story {n}</p>",
            "publishedDateTime": f"2026-09-0{n}T10:00:00Z",
            "webUrl": f"https://news.example.com/{n}",
            "topics": ["AI"],
        }
        for n in (1, 2, 3)
    ]
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "page.json").write_text(json.dumps({"value": stories}))
    assert run_feeds("build", "--config", config(tmp_path)).returncode == 0
    parsed = feedparser.parse((tmp_path / "public" / "ai" / "atom.xml").read_bytes())
    got = {e.link: (e.title, e.summary) for e in parsed.entries}
    assert got == {
        f"https://news.example.com/{n}": (f"Story {n}", f"<p>Summary of story {n}</p>")
        for n in (1, 2, 3)
    }
