"""`feeds init`'s starter config reads topic files as the config loader does."""

from __future__ import annotations

from pathlib import Path

from feeds.config.limits import MAX_BYTES
from feeds.config.starter import site_topic_files, starter_config
from tests.helpers import write_record


def site_with_topics(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """A Jekyll site with two records (topics AI and Climate) and these topic files."""
    site = tmp_path / "site"
    topics = site / "_data" / "topics"
    topics.mkdir(parents=True)
    (site / "_config.yml").write_text("title: A site\n", encoding="utf-8")
    for name, text in files.items():
        (topics / name).write_text(text, encoding="utf-8")
    posts = site / "_posts"
    for slug, names in (("a", "[AI, Climate]"), ("b", "[Climate]")):
        write_record(
            posts,
            f"{slug}.md",
            f"title: Story {slug}\npublishedDateTime: 2026-09-01T10:00:00Z\n"
            f"webUrl: https://example.org/{slug}\ntopics: {names}\n",
        )
    return posts, tmp_path / "work" / "config" / "feeds.yaml"


def test_topic_files_the_loader_skips_define_no_topic(tmp_path: Path) -> None:
    posts, config = site_with_topics(
        tmp_path,
        {
            "ai.yml": "name: AI\n",
            ".climate.yml": "name: Climate\n",  # hidden: feeds check never reads it
            "big.yaml": "name: Climate\n# " + "x" * MAX_BYTES + "\n",  # over the limit
        },
    )
    text = starter_config(posts, config).text
    assert text.endswith("# Climate: 2 of 2 records, not in the topic files\n")


def test_a_folder_of_hidden_topic_files_is_not_the_sites_topics(tmp_path: Path) -> None:
    posts, _ = site_with_topics(tmp_path, {".ai.yml": "name: AI\n"})
    assert site_topic_files(posts) is None
    (posts.parent / "_data" / "topics" / "ai.yml").write_text("name: AI\n", encoding="utf-8")
    assert site_topic_files(posts) == posts.parent / "_data" / "topics"
