"""`feeds serve-config` snippets in the real servers Debian packages: nginx, Apache httpd
and Caddy, each run in the foreground on 127.0.0.1 with a configuration of its own in
tmp_path that includes the snippet, serving a built site at the root of the host and
under a sub-path of site.url (issue #14 item 8).

These tests never skip: a missing server fails, naming the package to install. `.ci/run`
installs all three before it runs the tests.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from feeds.serve.snippets import content_type
from tests.helpers import run_feeds, write_config, write_record

MAX_AGE = 600
PAGES = ("", "rss.xml", "atom.xml", "feed.json", "feeds.opml", "power-apps/", "power-apps/rss.xml")


@dataclass(frozen=True)
class Built:
    """A site built for ``site.url`` = https://feeds.example.org + ``base``."""

    config: Path
    output: Path
    base: str
    elsewhere: Path
    """The rest of the host: an empty folder each test server's root points at."""


@pytest.fixture(scope="module", params=["/", "/powerapps/feeds/"], ids=["root", "sub-path"])
def built(request: pytest.FixtureRequest) -> Iterator[Built]:
    """Under root, nginx's workers and Apache's children run as nobody, who cannot pass
    pytest's 0700 base folder (every pytest run makes it 0700 again): the site is built
    in a temporary folder of its own that everyone may read."""
    with tempfile.TemporaryDirectory(prefix="feeds-snippets-") as name:
        folder = Path(name)
        yield build_site(folder, request.param)


def build_site(folder: Path, base: str) -> Built:
    for n in range(3):
        write_record(
            folder / "records",
            f"{n}.md",
            f"title: Story {n}\npublishedDateTime: 2026-09-0{n + 1}T10:00:00Z\n"
            f"webUrl: https://news.example.com/{n}\ntopics: [Power Apps]\n"
            f"excerpt: {'A long enough excerpt for compression to pay. ' * 6}\n",
            "Body.\n",
        )
    config = write_config(
        folder,
        f"site: {{title: Example, url: 'https://feeds.example.org{base}'}}\n"
        "sources: [../records]\noutput: ../public\n"
        f"refresh_minutes: {MAX_AGE // 60}\n"
        "topics:\n  - name: Power Apps\n    previous_slugs: [powerapps]\n",
    )
    result = run_feeds("build", "--config", config, "--now", "2026-10-01T00:00:00Z")
    assert result.returncode == 0, result.stderr
    output = folder / "public"
    (output / ".hidden.xml").write_text("<secret/>")  # like the lock or a build's temp file
    (folder / "elsewhere").mkdir()
    for path in (folder, *folder.rglob("*")):  # whatever the umask
        path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))
    return Built(config, output, base, folder / "elsewhere")


def installed(name: str, package: str) -> str:
    """The server's binary; a test fails (never skips) when the package is missing."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")
    if found is None:
        where = "in CI" if os.environ.get("CI") == "true" else "on this machine"
        pytest.fail(
            f"{name} is not installed {where}: `apt-get install {package}` "
            "(.ci/run installs it); the snippet tests never skip"
        )
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unprivileged() -> tuple[str, str] | None:
    """Under root, the user nginx's workers and Apache's children switch to (Apache
    refuses to serve as root)."""
    if os.geteuid() != 0:
        return None
    user = pwd.getpwnam("nobody")
    return user.pw_name, grp.getgrgid(user.pw_gid).gr_name


@contextmanager
def running(command: list[str], port: int, workdir: Path, env: dict[str, str]) -> Iterator[str]:
    """Run a server in the foreground until it listens on ``port``; stop it (and its
    children: its own process group) however the test ends."""
    log = workdir / "server.out"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                logs = "".join(p.read_text(errors="replace") for p in workdir.glob("*.log"))
                pytest.fail(f"{command[0]} exited {proc.returncode}: {log.read_text()}{logs}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"{command[0]} never listened on {port}"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with suppress(ProcessLookupError):  # already gone
            os.killpg(proc.pid, sig)
        try:
            proc.wait(10)
            return
        except subprocess.TimeoutExpired:
            continue


def snippet(kind: str, site: Built, workdir: Path) -> Path:
    result = run_feeds("serve-config", kind, "--config", site.config)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    path = workdir / f"feeds.{kind}.conf"
    path.write_text(result.stdout)
    return path


def nginx(site: Built, workdir: Path, port: int) -> tuple[list[str], dict[str, str]]:
    binary = installed("nginx", "nginx")
    user = unprivileged()
    conf = workdir / "nginx.conf"
    conf.write_text(
        (f"user {user[0]} {user[1]};\n" if user else "")
        + f"worker_processes 1;\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\n"
        "events { worker_connections 64; }\nhttp {\n"
        "    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        "    access_log off;\n"
        + "".join(f"    {t}_temp_path {workdir}/{t};\n" for t in ("proxy", "fastcgi", "uwsgi"))
        + f"    client_body_temp_path {workdir}/body;\n    scgi_temp_path {workdir}/scgi;\n"
        f"    server {{\n        listen 127.0.0.1:{port};\n        root {site.elsewhere};\n"
        f"        include {snippet('nginx', site, workdir)};\n    }}\n}}\n"
    )
    command = [binary, "-e", f"{workdir}/error.log", "-p", str(workdir), "-c", str(conf)]
    return [*command, "-g", "daemon off;"], dict(os.environ)


APACHE_MODULES = ("mpm_event", "authz_core", "mime", "headers", "filter", "deflate", "alias", "dir")


def apache(site: Built, workdir: Path, port: int) -> tuple[list[str], dict[str, str]]:
    binary = installed("apache2", "apache2")
    user = unprivileged()
    modules = "".join(
        f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so\n" for m in APACHE_MODULES
    )
    conf = workdir / "httpd.conf"
    conf.write_text(
        f'ServerRoot "{workdir}"\nServerName 127.0.0.1\nListen 127.0.0.1:{port}\n'
        f'PidFile "{workdir}/httpd.pid"\nDefaultRuntimeDir "{workdir}"\n'
        f'ErrorLog "{workdir}/error.log"\nMutex posixsem\n{modules}'
        "TypesConfig /etc/mime.types\n"
        + (f"User {user[0]}\nGroup {user[1]}\n" if user else "")
        + f'DocumentRoot "{site.elsewhere}"\n<Directory "{site.elsewhere}">\n'
        "    Require all granted\n</Directory>\n"
        f'Include "{snippet("apache", site, workdir)}"\n'
    )
    return [binary, "-f", str(conf), "-DFOREGROUND"], dict(os.environ)


def caddy(site: Built, workdir: Path, port: int) -> tuple[list[str], dict[str, str]]:
    binary = installed("caddy", "caddy")
    # Outside the snippet's paths Caddy would answer an empty 200: the site says 404.
    fallback = "    handle {\n        respond 404\n    }\n" if site.base != "/" else ""
    conf = workdir / "Caddyfile"
    conf.write_text(
        "{\n    admin off\n    auto_https off\n}\n"
        f"http://127.0.0.1:{port} {{\n    import {snippet('caddy', site, workdir)}\n"
        f"{fallback}}}\n"
    )
    env = {**os.environ, "HOME": str(workdir), "XDG_DATA_HOME": str(workdir)}
    env["XDG_CONFIG_HOME"] = str(workdir)
    return [binary, "run", "--config", str(conf), "--adapter", "caddyfile"], env


Server = Callable[[Built, Path, int], tuple[list[str], dict[str, str]]]


@pytest.fixture(params=[nginx, apache, caddy], ids=["nginx", "apache", "caddy"])
def served(
    request: pytest.FixtureRequest, built: Built, tmp_path: Path
) -> Iterator[tuple[str, Built]]:
    """The server serving ``built`` per its snippet: its base URL and the site."""
    make: Server = request.param
    port = free_port()
    command, env = make(built, tmp_path, port)
    with running(command, port, tmp_path, env) as url:
        yield url, built


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # no proxy between the test and 127.0.0.1
        yield session


def normalized(value: str) -> str:
    return value.replace(" ", "").lower()


@pytest.mark.parametrize("page", PAGES)
def test_files_are_served_under_the_site_path(
    served: tuple[str, Built], http: requests.Session, page: str
) -> None:
    url, site = served
    response = http.get(url + site.base + page, headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert response.status_code == 200, response.text
    name = page + "index.html" if page.endswith("/") or not page else page
    assert response.content == (site.output / name).read_bytes()
    assert normalized(response.headers["Content-Type"]) == normalized(content_type(name))
    assert response.headers["Cache-Control"] == f"max-age={MAX_AGE}"
    if len(response.content) >= 1024:  # Caddy leaves files under 512 bytes as they are
        assert response.headers.get("Content-Encoding") == "gzip"
        assert "Accept-Encoding" in response.headers.get("Vary", "")
    assert "Last-Modified" in response.headers
    again = http.get(
        response.url,
        headers={"Accept-Encoding": "identity", "If-None-Match": response.headers["ETag"]},
        timeout=10,
    )
    plain = http.get(response.url, headers={"Accept-Encoding": "identity"}, timeout=10)
    tagged = http.get(
        response.url,
        headers={"Accept-Encoding": "identity", "If-None-Match": plain.headers["ETag"]},
        timeout=10,
    )
    assert (again.status_code in (200, 304), tagged.status_code) == (True, 304)


def test_nothing_else_is_served(served: tuple[str, Built], http: requests.Session) -> None:
    url, site = served
    hidden = http.get(url + site.base + ".hidden.xml", timeout=10)
    assert hidden.status_code in (403, 404) and b"secret" not in hidden.content
    assert http.get(url + site.base + "missing.xml", timeout=10).status_code == 404
    if site.base != "/":
        for outside in ("/rss.xml", "/power-apps/rss.xml", site.base.rstrip("/") + "x/rss.xml"):
            response = http.get(url + outside, timeout=10)
            assert response.status_code == 404, outside
        bare = http.get(url + site.base.rstrip("/"), allow_redirects=False, timeout=10)
        assert bare.status_code in (301, 308)
        assert bare.headers["Location"].endswith(site.base)


def test_renamed_topic_redirects_under_the_site_path(
    served: tuple[str, Built], http: requests.Session
) -> None:
    url, site = served
    for old, new in (("powerapps/rss.xml", "power-apps/rss.xml"), ("powerapps/", "power-apps/")):
        response = http.get(url + site.base + old, allow_redirects=False, timeout=10)
        assert response.status_code == 301, old
        assert response.headers["Location"].endswith(site.base + new)
