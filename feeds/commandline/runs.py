"""The commands besides ``build``, each run and printed: ``check``, ``topics``,
``preview``, ``init``, ``serve`` and ``serve-config``; ``COMMANDS`` names them all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..config.load import DEFAULT_CONFIG, read_config
from ..core.errors import ExitCode, UsageError, plural
from ..core.settings import Config
from ..publish.output import write_atomic
from .building import run_build
from .parser import parse_now

TABLE_WIDTH = 100
"""Columns ``feeds topics`` fits its table into without ``--wide``."""
DEFAULT_REFRESH_MINUTES = 60
"""serve-config's max-age without ``refresh_minutes``: readers poll about hourly."""


def run_check(args: argparse.Namespace) -> ExitCode:
    """``feeds check``: 0 clean, 1 with every problem on stdout (a config error is 2)."""
    from .. import commands as publisher  # loaded only for these commands

    result = publisher.check(read_config(Path(args.config)), parse_now(args.now))
    for problem in result.problems:
        print(problem)
    if result.problems or args.verbose:
        print(
            f"feeds check: {plural(result.records, 'record')}, "
            f"{plural(result.feeds, 'feed file')}, {plural(len(result.problems), 'problem')}",
            file=sys.stderr,
        )
    return ExitCode.REJECTED if result.problems else ExitCode.OK


def run_topics(args: argparse.Namespace) -> ExitCode:
    """``feeds topics``: a table (or JSON) of every topic on stdout."""
    from .. import commands as publisher  # loaded only for these commands
    from .tables import topics_json, topics_table

    rows = publisher.topics(read_config(Path(args.config)), parse_now(args.now))
    if args.format == "json":
        print(topics_json(rows))
    else:
        print(topics_table(rows, width=None if args.wide else TABLE_WIDTH))
    return ExitCode.OK


def run_preview(args: argparse.Namespace) -> ExitCode:
    """``feeds preview TOPIC``: one line per entry the feed would hold."""
    from .. import commands as publisher  # loaded only for these commands

    feed = publisher.preview(read_config(Path(args.config)), args.topic, parse_now(args.now))
    for record in feed.entries[: args.n]:
        print(publisher.preview_line(record))
    return ExitCode.OK


def run_init(args: argparse.Namespace) -> ExitCode:
    """``feeds init [FOLDER]``: write a starter config; never overwrite one."""
    target = Path(args.config)
    if target.exists():
        raise UsageError(f"init: {target} already exists; edit it, or remove it to start again")
    folder = Path(args.folder)
    if not folder.is_dir():
        raise UsageError(
            f"init: records folder {folder} not found; pass the folder holding your records"
        )
    from ..config import starter  # loaded only for this command
    from ..sources.local import display_path

    starter.refuse_published_folders(target)
    written = starter.starter_config(folder, target)
    write_atomic(target.absolute(), written.text.encode("utf-8"))
    topics = written.topic_files
    found = f" (topics from {display_path(topics)})" if topics else ""
    print(f"feeds init: wrote {target}{found}; set site.title and site.url, then run 'feeds check'")
    return ExitCode.OK


def _output(args: argparse.Namespace) -> tuple[Config, Path]:
    config = read_config(Path(args.config))
    return config, Path(args.output).absolute() if args.output else config.output


def _serve_target(args: argparse.Namespace) -> tuple[Path, str | None]:
    """The folder to serve and the site.url its pages link to: from the config or, for a
    folder named where there is no config file, from the folder's own feeds."""
    from ..serve.links import find_site_url

    if args.folder and args.output:
        raise UsageError("serve: name the folder once, as FOLDER or with --output")
    folder = args.folder or args.output
    if folder and args.config == DEFAULT_CONFIG and not Path(args.config).exists():
        root = Path(folder).absolute()
        return root, find_site_url(root)
    config = read_config(Path(args.config))
    return (Path(folder).absolute() if folder else config.output), config.site.url


def run_serve(args: argparse.Namespace) -> ExitCode:
    """``feeds serve [FOLDER]``: the output folder on http://127.0.0.1:8000/ until Ctrl-C."""
    from ..serve.server import serve

    root, site_url = _serve_target(args)
    if site_url is None:
        notice = f"feeds serve: no feed in {root} names its site.url; links are served as built"
        print(notice, file=sys.stderr)

    def log(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    def ready(url: str) -> None:
        print(f"feeds serve: {root} on {url} (a preview; press Ctrl-C to stop)", flush=True)

    serve(root, args.bind, args.port, log=log, ready=ready, site_url=site_url)
    return ExitCode.OK


def run_serve_config(args: argparse.Namespace) -> ExitCode:
    """``feeds serve-config SERVER``: a configuration snippet on stdout."""
    from ..serve.snippets import serve_config, site_path, topic_redirects

    config, root = _output(args)
    minutes = config.refresh_minutes or DEFAULT_REFRESH_MINUTES
    max_age = args.max_age if args.max_age is not None else minutes * 60
    redirects, base = topic_redirects(config), site_path(config.site.url)
    text = serve_config(args.server, root=root, max_age=max_age, redirects=redirects, base=base)
    sys.stdout.write(text)
    return ExitCode.OK


COMMANDS: dict[str, Callable[[argparse.Namespace], ExitCode]] = {
    "build": run_build,
    "check": run_check,
    "topics": run_topics,
    "preview": run_preview,
    "init": run_init,
    "serve": run_serve,
    "serve-config": run_serve_config,
}
"""Each command's run: its arguments in, its exit code out."""
