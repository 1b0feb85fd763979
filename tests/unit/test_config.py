"""config.py: every way a config file can be wrong gives one exact line; good ones load."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.config.load import KEYS, Mark, read_config, validate_config
from feeds.core.errors import ConfigError
from feeds.core.location import SourceLocation
from feeds.core.settings import Config
from tests.helpers import ROOT, write_config

SITE = "site:\n  title: Example\n  url: https://example.org/feeds\n"
"""Lines 1-3 of most cases: a valid site block."""

BAD = [
    pytest.param(
        SITE + "limt: 5\n",
        "config/feeds.yaml:4: limt: unknown key; did you mean 'limit'?",
        id="unknown-top-level-key",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n  - name: Space\n    lmit: 3\n",
        "config/feeds.yaml:7: topics[1].lmit: unknown key; did you mean 'limit'?",
        id="unknown-topic-key",
    ),
    pytest.param(
        SITE + "colour: red\n",
        "config/feeds.yaml:4: colour: unknown key; "
        "allowed: site, sources, output, limit, discover, max_file_size, cache, lock_timeout, "
        "shrink_threshold, topics, topic_files, websub, refresh_minutes, images, private_images, "
        "opml, defaults",
        id="unknown-key-no-close-match",
    ),
    pytest.param(
        SITE + "limit: ten\n",
        "config/feeds.yaml:4: limit: must be a positive integer (found the text 'ten'); "
        "write a whole number such as 50, without quotes",
        id="limit-text",
    ),
    pytest.param(
        SITE + "limit: true\n",
        "config/feeds.yaml:4: limit: must be a positive integer (found true); "
        "write a whole number such as 50, without quotes",
        id="limit-bool",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    limit: 0\n",
        "config/feeds.yaml:6: topics[0].limit: must be a positive integer (found 0); "
        "write a whole number such as 50, without quotes",
        id="topic-limit-zero",
    ),
    pytest.param(
        SITE + 'discover: "yes"\n',
        "config/feeds.yaml:4: discover: must be true or false (found the text 'yes'); "
        "write true or false, without quotes",
        id="discover-quoted-yes",
    ),
    pytest.param(
        "site:\n  title: Example\n  url: example.org/feeds/\n",
        "config/feeds.yaml:3: site.url: must be an absolute http(s) URL without query or "
        "fragment (found 'example.org/feeds/'); write the full address, "
        "e.g. https://example.org/feeds/",
        id="relative-url",
    ),
    pytest.param(
        "site:\n  title: Example\n  url: ftp://example.org/feeds/\n",
        "config/feeds.yaml:3: site.url: must be an absolute http(s) URL without query or "
        "fragment (found 'ftp://example.org/feeds/'); write the full address, "
        "e.g. https://example.org/feeds/",
        id="ftp-url",
    ),
    pytest.param(
        "site:\n  url: https://example.org/\n",
        "config/feeds.yaml:1: site.title: required key is missing; "
        "add it (site-wide feed title, author of every feed)",
        id="missing-site-title",
    ),
    pytest.param(
        "site:\n  title: ' '\n  url: https://example.org/\n",
        "config/feeds.yaml:2: site.title: must not be blank (found ' '); "
        "give the site-wide feed title, author of every feed",
        id="blank-site-title",
    ),
    pytest.param(
        "limit: 5\n",
        "config/feeds.yaml:1: site: required key is missing; "
        "add it (channel facts shared by every feed)",
        id="missing-site",
    ),
    pytest.param(
        SITE + "topics:\n  - name: C++\n  - name: C plus plus\n",
        "config/feeds.yaml:6: topics[1].name: topic 'C plus plus' and topic 'C++' (line 5) "
        "would both write c-plus-plus/rss.xml and c-plus-plus/atom.xml; "
        "give one of them a different slug",
        id="same-derived-slug",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n  - name: Machine learning\n    slug: ai\n",
        "config/feeds.yaml:7: topics[1].slug: topic 'Machine learning' and topic 'AI' "
        "(line 5) would both write ai/rss.xml and ai/atom.xml; "
        "give one of them a different slug",
        id="same-explicit-slug",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    aliases: [Artificial Intelligence]\n"
        "  - name: ML\n    aliases: [Machine learning, artificial  intelligence]\n",
        "config/feeds.yaml:8: topics[1].aliases[1]: topic 'ML' lists "
        "'artificial  intelligence', which topic 'AI' (line 5) already uses as a name or "
        "alias; keep it in one topic only",
        id="alias-clash",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n  - name: ML\n    aliases: ai\n",
        "config/feeds.yaml:7: topics[1].aliases: topic 'ML' lists 'ai', which topic 'AI' "
        "(line 5) already uses as a name or alias; keep it in one topic only",
        id="alias-equals-other-name",
    ),
    pytest.param(
        SITE + "topics:\n  - name: Open Source\n    slug: Open Source\n",
        "config/feeds.yaml:6: topics[0].slug: not a valid slug (found 'Open Source'); use "
        "lowercase letters, digits and single hyphens, e.g. 'open-source', or leave it out "
        "to derive it from the name",
        id="invalid-slug",
    ),
    pytest.param(
        SITE + "topics:\n  - name: 'AI\n    limit: 3\n",
        "config/feeds.yaml:5: not valid YAML: found unexpected end of stream "
        "(while scanning a quoted scalar); check indentation, quotes and brackets",
        id="yaml-unclosed-quote",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    description: 2024-13-45\n",
        "config/feeds.yaml:6: not a valid value (found 2024-13-45, which YAML reads as a date: "
        'month must be in 1..12); fix it, or quote it to keep it as text: "2024-13-45"',
        id="yaml-impossible-date",
    ),
    pytest.param(
        "site:\n  title: Café ☕\n  url: https://example.org/\nlimit: 3\x01\n",
        "config/feeds.yaml:4: not valid YAML: control character #x0001 is not allowed; remove it",
        id="control-character-after-non-ascii",
    ),
    pytest.param(
        "",
        "config/feeds.yaml: the config file is empty; start from the example in README.md",
        id="empty-file",
    ),
    pytest.param(
        "# only a comment\n",
        "config/feeds.yaml: the config file is empty; start from the example in README.md",
        id="only-comments",
    ),
    pytest.param(
        "- site\n- topics\n",
        "config/feeds.yaml:1: the config file must be a mapping of keys such as 'site:' and "
        "'topics:' (found a list); start from the example in README.md",
        id="not-a-mapping",
    ),
    pytest.param(
        SITE + "topics:\n  - name: no\n",
        "config/feeds.yaml:5: topics[0].name: must be text (found no, which YAML reads as "
        'false); quote it: "no"',
        id="topic-named-no",
    ),
    pytest.param(
        SITE + "topics:\n  - name: AI\n    aliases: [A.I., ON]\n",
        "config/feeds.yaml:6: topics[0].aliases[1]: must be text (found ON, which YAML reads "
        'as true); quote it: "ON"',
        id="alias-on",
    ),
    pytest.param(
        SITE + "topics:\n  - name: 1.10\n",
        "config/feeds.yaml:5: topics[0].name: must be text (found 1.10, which YAML reads as "
        'the number 1.1); quote it: "1.10"',
        id="topic-named-float",
    ),
    pytest.param(
        SITE + "topics:\n  - AI\n",
        "config/feeds.yaml:5: topics[0]: must be a mapping (found 'AI'); "
        "start each topic with '- name:', as in README.md",
        id="topic-not-a-mapping",
    ),
    pytest.param(
        SITE + "limit: 3\nlimit: 4\n",
        "config/feeds.yaml:5: limit: duplicate key (also on line 4); keep only one",
        id="duplicate-key",
    ),
    pytest.param(
        SITE + "sources: []\n",
        "config/feeds.yaml:4: sources: must be a folder, file or URL, or a list of them "
        "(found an empty list); write a folder, a file or an http(s) URL, or a list of them",
        id="no-sources",
    ),
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding config/feeds.yaml, so errors name it relatively."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(home: Path, body: str) -> Config:
    return read_config(write_config(home, body))


@pytest.mark.parametrize(("body", "expected"), BAD)
def test_invalid_config_is_one_exact_line(home: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(home, body)
    assert str(caught.value) == expected


def test_missing_file(home: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        read_config(Path("config/feeds.yaml"))
    assert str(caught.value) == (
        "config file config/feeds.yaml not found; run 'feeds init RECORDS_FOLDER' to write one, "
        "or pass --config FILE"
    )


def test_not_utf8(home: Path) -> None:
    path = write_config(home, "")
    path.write_bytes(SITE.encode() + b"limit: \xff\n")
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert str(caught.value) == (
        "config/feeds.yaml:4: not UTF-8 text (found byte 0xff); save the file as UTF-8"
    )


def test_outside_working_folder_is_named_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    path = write_config(tmp_path, SITE + "limit: 0\n")
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert caught.value.location == SourceLocation(str(path), 4)


def test_bundled_config_loads() -> None:
    config = read_config(ROOT / "config" / "feeds.yaml")
    assert config.path == ROOT / "config" / "feeds.yaml"
    assert config.site.title == "Example Feeds"
    assert config.site.url == "https://feeds.example.org/"
    assert config.site.language == "en"
    assert config.sources == (ROOT / "samples" / "articles",)
    assert config.output == ROOT / "public"
    assert (config.limit, config.discover, config.max_file_size) == (50, True, 1048576)
    assert [(t.name, t.slug) for t in config.topics] == [
        ("AI", "ai"),
        ("Climate", "climate"),
        ("Space", "space"),
        ("Open Source", "open-source"),
    ]
    ai, climate, space, _ = config.topics
    assert ai.aliases == ("Artificial Intelligence", "A.I.")
    assert climate.limit == 20
    assert space.title == "Example Feeds: Space and astronomy"


def test_defaults_paths_and_trailing_slash(home: Path) -> None:
    config = load(home, SITE + "topics:\n  - name: Open Source\n")
    folder = home / "config"
    assert config.site.url == "https://example.org/feeds/"
    assert (config.site.description, config.site.language) == ("", None)
    assert config.sources == (folder / "articles",)
    assert config.output == folder / "public"
    assert (config.limit, config.discover, config.max_file_size) == (50, True, 1048576)
    (topic,) = config.topics
    assert (topic.slug, topic.aliases, topic.title, topic.description, topic.limit) == (
        "open-source",
        (),
        None,
        None,
        None,
    )
    assert topic.location == SourceLocation("config/feeds.yaml", 5)


def test_defaults_match_the_model(home: Path) -> None:
    """KEYS' documented defaults are the ones the model would use on its own."""
    config = load(home, SITE)
    plain = Config(path=config.path, site=config.site, sources=(), output=Path())
    assert (config.limit, config.discover, config.max_file_size, config.topics) == (
        plain.limit,
        plain.discover,
        plain.max_file_size,
        plain.topics,
    )


def test_relative_paths_resolve_against_the_config_folder(home: Path) -> None:
    body = SITE + "sources: [../records, one.md, /srv/abs]\noutput: ../out/./feeds\n"
    config = load(home, body)
    assert config.sources == (home / "records", home / "config" / "one.md", Path("/srv/abs"))
    assert config.output == home / "out" / "feeds"
    assert load(home, SITE + "sources: ../records\n").sources == (home / "records",)


def test_validate_config_is_pure() -> None:
    data = {"site": {"title": "T", "url": "http://example.org"}, "limit": "5"}
    marks = {"": Mark(1), "site": Mark(1), "limit": Mark(4, "'5'")}
    config = validate_config({"site": data["site"]}, marks, Path("/etc/feeds/feeds.yaml"))
    assert config.sources == (Path("/etc/feeds/articles"),)
    with pytest.raises(ConfigError) as caught:
        validate_config(data, marks, Path("/etc/feeds/feeds.yaml"), "feeds.yaml")
    assert str(caught.value).startswith("feeds.yaml:4: limit: must be a positive integer")


def test_keys_are_unique_and_nested_under_known_parents() -> None:
    names = [key.name for key in KEYS]
    assert len(names) == len(set(names))
    for name in names:
        parent = name.rsplit(".", 1)[0].removesuffix("[]") if "." in name else None
        assert parent is None or parent in names
