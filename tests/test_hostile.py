"""Hostile records against whole builds: nothing they hold gets into the feeds as markup,
runs, hangs the build or stops the good records beside them."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import lxml.html
from lxml import etree

from tests.helpers import run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def site(tmp_path: Path) -> Path:
    return write_config(
        tmp_path,
        "site: {title: T, url: 'https://feeds.example.org/'}\n"
        "sources: [../records]\noutput: ../public\n",
    )


def good(tmp_path: Path) -> None:
    write_record(
        tmp_path / "records",
        "good.md",
        "title: The good one\npublishedDateTime: 2026-09-01T00:00:00Z\n"
        "webUrl: https://news.example.com/good\ntopics: [AI]\n",
    )


def build(tmp_path: Path) -> tuple[int, list[str]]:
    result = run_feeds("build", "--config", site(tmp_path), "--now", NOW, cwd=tmp_path)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr.splitlines()


def html_fragments(feed: bytes) -> list[str]:
    """Every HTML payload of a feed: RSS descriptions and content, Atom summary and content."""
    tree = etree.fromstring(feed)
    tags = {"description", "{http://purl.org/rss/1.0/modules/content/}encoded"}
    tags |= {"{http://www.w3.org/2005/Atom}summary", "{http://www.w3.org/2005/Atom}content"}
    return [e.text for e in tree.iter() if e.tag in tags and e.text]


def test_markup_and_unsafe_urls_never_reach_the_feeds(tmp_path: Path) -> None:
    record = {
        "title": "</title><script>alert(1)</script>\ud800 lone \udfff surrogates",
        "excerpt": (
            '<a href="javascript:alert(1)">j</a><a href=" JaVaScRiPt:alert(2)">k</a>'
            '<img src="data:image/png;base64,AAAA"><iframe src="https://evil.example/">'
            '</iframe><p onclick="steal()" style="x">styled</p><style>p{}</style>'
            '<a href="https://ok.example/">fine</a>'
        ),
        "publishedDateTime": "2026-09-02T00:00:00Z",
        "webUrl": "https://news.example.com/evil",
        "topics": ["AI"],
        "provider": {"name": "<b>Evil</b> & co", "domain": 'evil.example"><x'},
        "images": [{"url": "javascript:alert(3)"}, {"url": "data:image/png,AA"}],
        "related": [
            {"title": "<script>x</script>", "webUrl": "vbscript:msgbox"},
            {"title": "ok <i>", "webUrl": "https://other.example/r"},
        ],
    }
    (tmp_path / "records").mkdir()
    text = json.dumps({"value": [record]}, ensure_ascii=True)  # \ud800 escapes: lone surrogates
    (tmp_path / "records" / "evil.json").write_text(text, encoding="utf-8")
    write_record(
        tmp_path / "records",
        "body.md",
        "title: Body\npublishedDateTime: 2026-09-01T00:00:00Z\n"
        "webUrl: https://news.example.com/body\ntopics: [AI]\n",
        body="[click](javascript:alert(1)) <script>alert(2)</script>\n\n![x](data:a)\n",
    )
    code, stderr = build(tmp_path)
    assert (code, stderr) == (0, [])
    for path in sorted((tmp_path / "public").rglob("*.xml")):
        data = path.read_bytes()
        tree = etree.fromstring(data)  # strict
        parsed = feedparser.parse(data)
        assert not parsed.bozo, path
        titles = {e.title for e in parsed.entries}
        assert "</title><script>alert(1)</script> lone surrogates" in titles
        for element in tree.iter():
            for name, value in element.attrib.items():
                if name in ("href", "url", "src"):
                    assert value.startswith(SAFE_SCHEMES), (path, name, value)
        for fragment in html_fragments(data):
            doc = lxml.html.fragment_fromstring(fragment, create_parent="div")
            assert not doc.xpath("//script | //iframe | //style | //*[@onclick] | //*[@style]")
            for node in doc.xpath("//*[@href or @src]"):
                value = node.get("href") or node.get("src")
                assert value.startswith(SAFE_SCHEMES), (path, value)


def test_deep_nesting_and_absurd_types_are_rejected_one_by_one(tmp_path: Path) -> None:
    good(tmp_path)
    folder = tmp_path / "records"
    (folder / "deep.md").write_text(
        "---\ntitle: x\nnested: " + "[" * 5000 + "]" * 5000 + "\n---\n", encoding="utf-8"
    )
    (folder / "deep.json").write_text(
        '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8"
    )
    topics = ", ".join(f"t{n}" for n in range(5000))
    write_record(
        folder,
        "topics.md",
        f"title: Many\npublishedDateTime: 2026-09-01T00:00:00Z\n"
        f"webUrl: https://news.example.com/many\ntopics: [{topics}]\n",
    )
    write_record(
        folder,
        "types.md",
        "title: {a: 1}\npublishedDateTime: [2026]\nwebUrl: 42\n",
    )
    write_record(
        folder,
        "range.md",
        "title: Far\npublishedDateTime: '99999-01-01T00:00:00Z'\nwebUrl: https://x.example/\n",
    )
    code, stderr = build(tmp_path)
    assert code == 0
    assert sorted(line.split(":")[0] for line in stderr) == [
        "records/deep.json",
        "records/deep.md",
        "records/range.md",
        "records/topics.md",
        "records/types.md",
    ]
    assert "topics: has 5000 names; at most 100 topics fit one record" in stderr[3]
    parsed = feedparser.parse((tmp_path / "public" / "ai" / "rss.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["The good one"]


def test_alias_bomb_finishes_and_is_rejected_or_read_without_blowing_up(tmp_path: Path) -> None:
    good(tmp_path)
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 40)
    ]
    write_record(
        tmp_path / "records",
        "bomb.md",
        "title: Bomb\npublishedDateTime: 2026-09-02T00:00:00Z\n"
        "webUrl: https://news.example.com/bomb\n" + "\n".join(lines) + "\ntopics: *a39\n",
    )
    code, stderr = build(tmp_path)  # run_feeds' timeout would fail a hang
    assert code == 0
    # An alias points at its anchor's node: the line is where the value is defined (a38).
    assert stderr == [
        "records/bomb.md:43: topics[0]: must be text (found a list); write it as one line"
    ]


def test_links_leaving_the_source_and_odd_names(tmp_path: Path) -> None:
    good(tmp_path)
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: outside\n---\n", encoding="utf-8")
    (tmp_path / "records" / "leak.md").symlink_to(outside)
    (tmp_path / "records" / "loop").symlink_to(tmp_path / "records")
    write_record(
        tmp_path / "records" / "sub dir",
        "ünïcödé name.md",
        "title: Odd name\npublishedDateTime: 2026-09-03T00:00:00Z\n"
        "webUrl: https://news.example.com/odd\ntopics: [AI]\n",
    )
    code, stderr = build(tmp_path)
    assert code == 0
    assert stderr == [f"records/leak.md: skipped a link that leads outside {tmp_path / 'records'}"]
    parsed = feedparser.parse((tmp_path / "public" / "ai" / "rss.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["Odd name", "The good one"]
