"""A remote source whose URL cannot even be split (an unclosed IPv6 bracket, a port that is
no number) is a config error naming the source, never an internal error, and its message
still leaves the URL's credentials out."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.core.errors import ConfigError
from feeds.sources.remote import RemoteSource
from tests.helpers import run_feeds

BROKEN = [
    "http://[::1/index.json",
    "http://reader:s3cret@[::1/index.json",
    "http://reader:s3cret@example.com:99999/index.json",
    "http://reader:s3cret@example.com:port/index.json",
]


@pytest.mark.parametrize("url", BROKEN)
def test_an_unsplittable_url_is_a_config_error_without_its_credentials(url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        RemoteSource(url)
    message = str(raised.value)
    assert message.startswith("remote source http")
    assert "s3cret" not in message and "reader" not in message
    assert "\n" not in message


def test_build_with_an_unsplittable_source_url_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()
    assert run_feeds("init", "records", cwd=tmp_path).returncode == 0
    result = run_feeds(
        "build", "--source", "http://[::1/index.json", "--output", "out", cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("feeds: remote source http://"), lines
    assert "internal error" not in result.stderr
    assert not (tmp_path / "out" / "rss.xml").exists()
