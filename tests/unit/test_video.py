"""Unit tests for feeds.records.video: embeds recognised, URLs rebuilt, hostile input refused."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from feeds.core.media import Video
from feeds.records.sanitize import sanitize_html
from feeds.records.video import video_at, video_html, video_of
from tests.helpers import SHARED

CORPUS_NEWS = SHARED / "corpus" / "powerapps" / "_news"

YT = "WJk-Y8LQlfE"
IFRAME = (
    '<iframe width="800" height="500" frameborder="0" '
    f'src="https://www.youtube.com/embed/{YT}" '
    'allow="accelerometer; autoplay; encrypted-media; gyroscope; picture-in-picture" '
    "allowfullscreen></iframe>"
)


def youtube(video_id: str = YT) -> tuple[str, str, str, str]:
    return (
        f"https://www.youtube.com/watch?v={video_id}",
        f"https://www.youtube-nocookie.com/embed/{video_id}",
        f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg",
        "youtube",
    )


def urls(video: Video | None) -> tuple[str, str, str | None, str] | None:
    if video is None:
        return None
    return (video.watch_url, video.player_url, video.thumbnail_url, video.provider)


def test_the_corpus_iframe() -> None:
    video = video_of(IFRAME, "https://powerapps.microsoft.com/blog/some-post/")
    assert urls(video) == youtube()
    assert video is not None
    assert (video.width, video.height) == (800, 500)
    assert video.provider_name == "YouTube"


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/embed/{YT}",
        f"https://youtube.com/embed/{YT}?autoplay=1&rel=0",
        f"http://www.youtube.com/watch?v={YT}",
        f"https://www.youtube.com/watch?feature=share&v={YT}&t=42",
        f"https://m.youtube.com/watch?v={YT}",
        f"https://youtu.be/{YT}",
        f"https://youtu.be/{YT}?t=10",
        f"https://www.youtube-nocookie.com/embed/{YT}",
        f"https://youtube-nocookie.com/embed/{YT}",
        f"//www.youtube.com/embed/{YT}",
        f"https://WWW.YouTube.COM/embed/{YT}",
        f"https://www.youtube.com:443/embed/{YT}",
        f"https://www.youtube.com/shorts/{YT}",
        f"  https://www.youtube.com/embed/{YT}  ",
    ],
)
def test_youtube_urls(url: str) -> None:
    assert urls(video_at(url)) == youtube()


@pytest.mark.parametrize(
    ("url", "watch", "player"),
    [
        ("https://vimeo.com/76979871", "https://vimeo.com/76979871",
         "https://player.vimeo.com/video/76979871"),
        ("https://player.vimeo.com/video/76979871?title=0&byline=0", "https://vimeo.com/76979871",
         "https://player.vimeo.com/video/76979871"),
        ("https://vimeo.com/76979871/a1b2c3d4e5", "https://vimeo.com/76979871/a1b2c3d4e5",
         "https://player.vimeo.com/video/76979871?h=a1b2c3d4e5"),
        ("https://player.vimeo.com/video/76979871?h=a1b2c3d4e5",
         "https://vimeo.com/76979871/a1b2c3d4e5",
         "https://player.vimeo.com/video/76979871?h=a1b2c3d4e5"),
    ],
)  # fmt: skip
def test_vimeo_urls(url: str, watch: str, player: str) -> None:
    assert urls(video_at(url)) == (watch, player, None, "vimeo")


def test_vimeo_iframe() -> None:
    embed = (
        '<iframe src="https://player.vimeo.com/video/76979871" width="640" height="360" '
        'frameborder="0" allow="autoplay; fullscreen" allowfullscreen></iframe>'
    )
    video = video_of(embed, None)
    assert video is not None
    assert (video.watch_url, video.width, video.height) == ("https://vimeo.com/76979871", 640, 360)
    assert video.provider_name == "Vimeo"


@pytest.mark.parametrize(
    "value",
    [
        f"javascript:alert(1)//https://www.youtube.com/embed/{YT}",
        f"javascript://www.youtube.com/embed/{YT}",
        f"data:text/html,https://www.youtube.com/embed/{YT}",
        f"ftp://www.youtube.com/embed/{YT}",
        f"https://www.youtube.com.evil.example/embed/{YT}",
        f"https://evil.example/www.youtube.com/embed/{YT}",
        f"https://evil.example/?u=https://youtu.be/{YT}",
        f"https://user:pw@www.youtube.com/embed/{YT}",
        f"https://www.youtube.com@evil.example/embed/{YT}",
        f"https://www.youtube.com:8080/embed/{YT}",
        "https://www.youtube.com/embed/short",
        f"https://www.youtube.com/embed/{YT}x",
        'https://www.youtube.com/embed/WJk-Y8LQl"><',
        "https://www.youtube.com/embed/WJk-Y8LQ%22E",
        f"https://www.youtube.com/embed/{YT}/extra",
        "https://www.youtube.com/watch",
        "https://www.youtube.com/watch?v=",
        f"https://www.youtube-nocookie.com/watch?v={YT}",
        f"https://youtu.be/{YT}/x",
        "https://www.youtube.com/",
        "https://vimeo.com/about",
        "https://vimeo.com/76979871/<script>",
        "https://player.vimeo.com/video/abc",
        "https://vimeo.com/channels/staffpicks/76979871",
        "https://vimeo.evil.example/76979871",
        "https://[::1/embed/x",
        "",
        "   ",
        "not a url",
    ],
)
def test_hostile_or_unknown_urls(value: str) -> None:
    assert video_at(value) is None
    assert video_of(value, None) is None
    assert video_of(None, value) is None


@pytest.mark.parametrize(
    "content",
    [
        f'<iframe src="javascript:alert(1)" data-x="https://youtu.be/{YT}"></iframe>',
        f'<iframe src="data:text/html;base64,PHNjcmlwdD4=">https://youtu.be/{YT}</iframe>',
        f'<iframe src="https://evil.example/embed/{YT}"></iframe>',
        f'<img src="https://www.youtube.com/embed/{YT}">',
        f'<script>var u = "https://youtu.be/{YT}";</script>',
        "<iframe></iframe>",
        "<iframe src=",
        "<p>No video here</p>",
    ],
)
def test_hostile_or_videoless_embeds(content: str) -> None:
    assert video_of(content, None) is None
    assert video_of(content, "https://news.example.org/story") is None


def test_entity_encoded_src_is_decoded_once() -> None:
    embed = f'<iframe src="https://www.youtube.com/watch?feature=x&amp;v={YT}"></iframe>'
    assert urls(video_of(embed, None)) == youtube()


def test_first_video_wins_and_bad_dimensions_are_dropped() -> None:
    other = "dQw4w9WgXcQ"
    embed = (
        '<iframe src="https://evil.example/x"></iframe>'
        f'<iframe width="100%" height="-5" src="https://youtu.be/{YT}"></iframe>'
        f'<iframe src="https://youtu.be/{other}"></iframe>'
    )
    video = video_of(embed, None)
    assert urls(video) == youtube()
    assert video is not None
    assert (video.width, video.height) == (None, None)


def test_falls_back_to_the_record_url() -> None:
    assert urls(video_of(None, f"https://youtu.be/{YT}")) == youtube()
    assert urls(video_of("<p>text</p>", f"https://youtu.be/{YT}")) == youtube()
    assert video_of(None, None) is None
    assert video_of("", "https://news.example.org/") is None


def test_a_bare_url_as_featured_content() -> None:
    assert urls(video_of(f"https://www.youtube.com/watch?v={YT}", None)) == youtube()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_video_html_is_a_plain_safe_link() -> None:
    video = video_of(IFRAME, None)
    assert video is not None
    title = 'Tom & "Jerry" <script>alert(1)</script>'
    html = video_html(video, title)
    assert "iframe" not in html
    assert "<script>" not in html
    parser = _Tags()
    parser.feed(html)
    assert parser.tags == [
        ("p", {}),
        ("a", {"href": f"https://www.youtube.com/watch?v={YT}"}),
        ("img", {"src": f"https://i.ytimg.com/vi/{YT}/hqdefault.jpg", "alt": f"Video: {title}"}),
        ("p", {}),
        ("a", {"href": f"https://www.youtube.com/watch?v={YT}"}),
    ]
    assert "on YouTube" in html
    # The allow-list sanitizer keeps it as it is: nothing in it needs cleaning.
    assert sanitize_html(html).count("<a ") == 2
    assert "<img " in sanitize_html(html)


def test_video_html_without_thumbnail() -> None:
    video = video_at("https://vimeo.com/76979871")
    assert video is not None
    html = video_html(video, "A talk")
    assert html == '<p><a href="https://vimeo.com/76979871">Watch “A talk” on Vimeo</a></p>'


def _front_matter(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\r?\n(.*?)\r?\n---", text, re.DOTALL)
    assert match is not None, path
    data = yaml.safe_load(match.group(1))
    assert isinstance(data, dict)
    return data


@pytest.mark.skipif(not CORPUS_NEWS.is_dir(), reason="the shared corpus is not present")
def test_every_corpus_iframe_is_recognised() -> None:
    featured = []
    for path in sorted(CORPUS_NEWS.glob("*.md")):
        data = _front_matter(path)
        content = data.get("featuredContent")
        if isinstance(content, str) and content.strip():
            url = data.get("webUrl") or data.get("originalUrl")
            featured.append((path.name, content, url if isinstance(url, str) else None))
    assert len(featured) == 13
    for name, content, url in featured:
        video = video_of(content, url)
        assert video is not None, name
        assert video.provider == "youtube", name
        video_id = re.search(r"/embed/([A-Za-z0-9_-]{11})", content)
        assert video_id is not None, name
        assert urls(video) == youtube(video_id.group(1)), name
        assert "<iframe" not in video_html(video, name)
