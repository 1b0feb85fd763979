"""Topic options in config: parents, match, filters, defaults, topic files; exact errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from feeds.config.load import read_config
from feeds.core.errors import ConfigError
from feeds.core.location import SourceLocation
from feeds.core.settings import Defaults, Filters
from tests.helpers import SHARED, write_config

SITE = "site:\n  title: Example\n  url: https://example.org/feeds\n"
"""Lines 1-3 of most cases: a valid site block."""

TOPICS = SHARED / "corpus" / "powerapps" / "_data" / "topics"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def topic_file(home: Path, name: str, body: str) -> Path:
    path = home / "config" / "topics" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


BAD = [
    pytest.param(
        SITE + "topics:\n  - name: Canvas\n    parent: Power App\n  - name: Power Apps\n",
        "config/feeds.yaml:6: topics[0].parent: not a configured topic (found 'Power App'); "
        "did you mean 'Power Apps'?",
        id="unknown-parent-close",
    ),
    pytest.param(
        SITE + "topics:\n  - name: Canvas\n    parent: Zebra\n",
        "config/feeds.yaml:6: topics[0].parent: not a configured topic (found 'Zebra'); "
        "add a topic named 'Zebra' or remove the parent",
        id="unknown-parent",
    ),
    pytest.param(
        SITE + "topics:\n  - name: A\n    parent: B\n  - name: B\n    parent: C\n"
        "  - name: C\n    parent: A\n",
        "config/feeds.yaml:6: topics[0].parent: topics form a cycle (found 'A' → 'B' (line 7)"
        " → 'C' (line 9) → 'A'); remove the parent of one of them",
        id="cycle",
    ),
    pytest.param(
        SITE + "topics:\n  - name: A\n    parent: a\n",
        "config/feeds.yaml:6: topics[0].parent: topics form a cycle (found 'A' → 'A'); "
        "remove the parent of one of them",
        id="own-parent",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    related: entry\n",
        "config/feeds.yaml:6: topics[0].related: must be links, entries or none "
        "(found 'entry'); did you mean 'entries'?",
        id="related-typo",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    related: no\n",
        "config/feeds.yaml:6: topics[0].related: must be links, entries or none "
        "(found false); write links, entries or none",
        id="related-no",
    ),
    pytest.param(
        SITE + "defaults:\n  content: excerpt\n",
        "config/feeds.yaml:5: defaults.content: must be summary or full (found 'excerpt'); "
        "write summary or full",
        id="content-bad",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    formats: [rss, jsonfeed]\n",
        "config/feeds.yaml:6: topics[0].formats[1]: must be rss, atom or json (found "
        "'jsonfeed'); did you mean 'json'?",
        id="format-unknown",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    formats: []\n",
        "config/feeds.yaml:6: topics[0].formats: must be rss, atom, json or a list of them "
        "(found an empty list); write rss, atom, json or a list such as [rss, json]",
        id="formats-empty",
    ),
    pytest.param(
        SITE + "defaults:\n  min_quality: high\n",
        "config/feeds.yaml:5: defaults.min_quality: must be a number (found the text 'high'); "
        "write a number such as 10, without quotes",
        id="min-quality-text",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    max_age_days: 0\n",
        "config/feeds.yaml:6: topics[0].max_age_days: must be a positive integer (found 0); "
        "write a whole number such as 50, without quotes",
        id="max-age-zero",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    providers: [bbc.co.uk, https://cnn.com/]\n",
        "config/feeds.yaml:6: topics[0].providers[1]: must be a domain such as example.com "
        "(found 'https://cnn.com/'); write the bare host name, without https:// or a path",
        id="provider-url",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    image: logo.png\n",
        "config/feeds.yaml:6: topics[0].image: must be an http(s) URL of an image "
        "(found 'logo.png'); write the full address of the image, "
        "e.g. https://example.org/logo.png",
        id="image-relative",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    include_children: yes please\n",
        "config/feeds.yaml:6: topics[0].include_children: must be true or false "
        "(found the text 'yes please'); write true or false, without quotes",
        id="include-children-text",
    ),
    pytest.param(
        SITE + "defaults:\n  parent: AI\n",
        "config/feeds.yaml:5: defaults.parent: unknown key; allowed: limit, image, language, "
        "formats, related, content, include_children, max_bytes, min_quality, min_heat, types, "
        "categories, providers, exclude_providers, max_age_days, exclude_topics",
        id="parent-in-defaults",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    previous_slugs: [ai]\n",
        "config/feeds.yaml:6: topics[0].previous_slugs[0]: 'ai' is this topic's current "
        "slug; list only slugs it had before",
        id="previous-slug-is-current",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n  - name: ML\n    previous_slugs: ai\n",
        "config/feeds.yaml:7: topics[1].previous_slugs: 'ai' is the slug of topic 'AI' "
        "(line 5); a previous slug must not be in use",
        id="previous-slug-in-use",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    previous_slugs: [x]\n"
        "  - name: ML\n    previous_slugs: [x]\n",
        "config/feeds.yaml:8: topics[1].previous_slugs[0]: topic 'AI' (line 5) also lists "
        "'x' as a previous slug; keep it in one topic only",
        id="previous-slug-twice",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    previous_slugs: [Old AI]\n",
        "config/feeds.yaml:6: topics[0].previous_slugs[0]: not a valid slug (found 'Old AI'); "
        "use lowercase letters, digits and single hyphens, e.g. 'old-ai', or leave it out "
        "to derive it from the name",
        id="previous-slug-invalid",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n  - name: ai\n",
        "config/feeds.yaml:6: topics[1].name: topic 'ai' is already defined on line 5; "
        "keep one of the two definitions",
        id="same-name-twice",
    ),
]


@pytest.mark.parametrize(("body", "expected"), BAD)
def test_bad_topic_option_is_one_exact_line(home: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_config(write_config(home, body))
    assert str(caught.value) == expected


def test_every_option_loads(home: Path) -> None:
    body = SITE + (
        "defaults:\n"
        "  limit: 30\n  language: de\n  formats: atom\n  related: none\n  content: summary\n"
        "  include_children: false\n  min_quality: 10\n  types: article\n"
        "  exclude_providers: [Spam.example.]\n"
        "topics:\n"
        "  - name: Power Apps\n"
        "    shortname: PA\n    image: https://example.org/pa.png?size=2\n"
        "    language: en\n    formats: [rss, atom, rss]\n    related: ENTRIES\n"
        "    content: full\n    include_children: true\n    match: [Power Automate]\n"
        "    previous_slugs: [powerapps]\n    min_quality: 0.5\n    min_heat: -3\n"
        "    types: [article, video]\n    categories: []\n    providers: [microsoft.com]\n"
        "    max_age_days: 30\n    exclude_topics: Portals\n"
        "  - name: Portals\n    parent: power apps\n"
    )
    config = read_config(write_config(home, body))
    assert config.defaults == Defaults(
        image=None,
        language="de",
        limit=30,
        formats=("atom",),
        related="none",
        content="summary",
        include_children=False,
        filters=Filters(min_quality=10, types=("article",), exclude_providers=("spam.example",)),
    )
    power, portals = config.topics
    assert (power.shortname, power.image, power.language) == (
        "PA",
        "https://example.org/pa.png?size=2",
        "en",
    )
    assert (power.formats, power.related, power.content) == (("rss", "atom"), "entries", "full")
    assert (power.include_children, power.match, power.previous_slugs) == (
        True,
        ("Power Automate",),
        ("powerapps",),
    )
    assert power.filters == Filters(
        min_quality=0.5,
        min_heat=-3,
        types=("article", "video"),
        categories=(),
        providers=("microsoft.com",),
        max_age_days=30,
        exclude_topics=("Portals",),
    )
    assert (portals.parent, portals.include_children, portals.filters) == (
        "power apps",
        None,
        Filters(),
    )


# --- topic files ------------------------------------------------------------------------


def test_topic_files_merge_after_the_config_topics(home: Path) -> None:
    topic_file(home, "b.yaml", "name: Beta\nparent: Alpha\n")
    topic_file(home, "a.yml", "name: Alpha\ndescription: First\n")
    topic_file(home, "notes.txt", "not a topic")
    topic_file(home, ".hidden.yaml", "name: Hidden\n")
    config = read_config(write_config(home, SITE + "topics:\n  - name: Gamma\n"))
    assert [t.name for t in config.topics] == ["Gamma", "Alpha", "Beta"]
    assert config.topics[1].location == SourceLocation("config/topics/a.yml", 1)
    assert config.topics[2].parent == "Alpha"
    assert config.topic_files == home / "config" / "topics"


def test_duplicate_topic_across_files_names_both(home: Path) -> None:
    topic_file(home, "ai.yaml", "# AI\nname: AI\n")
    with pytest.raises(ConfigError) as caught:
        read_config(write_config(home, SITE + "topics:\n  - name: ai\n"))
    assert str(caught.value) == (
        "config/topics/ai.yaml:2: name: topic 'AI' is already defined in "
        "config/feeds.yaml:5; keep one of the two definitions"
    )


def test_duplicate_topic_in_two_topic_files(home: Path) -> None:
    topic_file(home, "1.yaml", "name: AI\n")
    topic_file(home, "2.yaml", "name: ML\naliases: [A.I., ai]\n")
    with pytest.raises(ConfigError) as caught:
        read_config(write_config(home, SITE))
    assert str(caught.value) == (
        "config/topics/2.yaml:2: aliases[1]: topic 'ML' lists 'ai', which topic 'AI' "
        "(config/topics/1.yaml:1) already uses as a name or alias; keep it in one topic only"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "",
            "config/topics/x.yaml: the topic file is empty; write one topic's keys, "
            "starting with 'name:'",
        ),
        (
            "- name: AI\n",
            "config/topics/x.yaml:1: a topic file must be a mapping of one "
            "topic's keys (found a list); start with 'name:', as in README.md",
        ),
        ("name: AI\nlimt: 3\n", "config/topics/x.yaml:2: limt: unknown key; did you mean 'limit'?"),
        (
            "name: AI\nparent: Nope\n",
            "config/topics/x.yaml:2: parent: not a configured "
            "topic (found 'Nope'); add a topic named 'Nope' or remove the parent",
        ),
        (
            "name: [AI\n",
            "config/topics/x.yaml:2: not valid YAML: did not find expected ',' "
            "or ']' (while parsing a flow sequence); check indentation, quotes and brackets",
        ),
        (
            "description: no name\n",
            "config/topics/x.yaml:1: name: required key is missing; "
            "add it (the topic's name as records write it)",
        ),
    ],
    ids=["empty", "list", "unknown-key", "unknown-parent", "bad-yaml", "no-name"],
)
def test_bad_topic_file_is_one_exact_line(home: Path, body: str, expected: str) -> None:
    topic_file(home, "x.yaml", body)
    with pytest.raises(ConfigError) as caught:
        read_config(write_config(home, SITE))
    assert str(caught.value) == expected


def test_topic_files_folder_can_be_moved_and_must_then_exist(home: Path) -> None:
    folder = home / "site" / "_data" / "topics"
    folder.mkdir(parents=True)
    (folder / "x.yaml").write_text("name: X\n", encoding="utf-8")
    config = read_config(write_config(home, SITE + "topic_files: ../site/_data/topics\n"))
    assert [t.name for t in config.topics] == ["X"]
    with pytest.raises(ConfigError) as caught:
        read_config(write_config(home, SITE + "topic_files: ../nowhere\n"))
    assert str(caught.value) == (
        "config/feeds.yaml:4: topic_files: folder not found (found '../nowhere'); "
        "create it or remove the key"
    )


@needs_shared
def test_real_data_topics_files_work_unchanged(home: Path) -> None:
    shutil.copytree(TOPICS, home / "config" / "topics")
    config = read_config(write_config(home, SITE))
    by_name = {t.name: t for t in config.topics}
    assert list(by_name) == [
        "Power Apps",
        "Canvas apps",
        "Model-driven apps",
        "Common Data Service",
        "AI Builder",
        "Portals",
        "Teams integration",
    ]
    assert by_name["Power Apps"].parent is None
    assert {t.parent for t in config.topics[1:]} == {"Power Apps"}
    assert by_name["Common Data Service"].shortname == "CDS"
    assert by_name["Canvas apps"].slug == "canvas-apps"


def test_example_topics_config_loads() -> None:
    root = Path(__file__).resolve().parents[1]
    config = read_config(root / "config" / "example-topics.yaml")
    by_name = {t.name: t for t in config.topics}
    assert by_name["Portals"].include_children is False
    assert by_name["Low code"].match == ("Power Apps", "Power Automate")
    assert config.defaults.filters.max_age_days == 365
