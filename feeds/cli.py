"""Terminal edge: parse the command line, run a command, print, pick the exit code.

The only module that prints or exits; everything it calls returns values or raises
``FeedsError``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TextIO

from . import __version__
from .build import build
from .config.load import DEFAULT_CONFIG, read_config
from .config.remotes import RemoteSource
from .core.children import catch_signals
from .core.errors import (
    EXIT_HELD_BACK,
    EXIT_OK,
    EXIT_REJECTED,
    FeedsError,
    Interrupted,
    UsageError,
    closest,
    plural,
)
from .core.model import Config
from .core.report import Report
from .publish.output import write_atomic

EXIT_INTERNAL = 70
"""An unexpected exception: a bug in feeds (EX_SOFTWARE from sysexits.h)."""
EXIT_INTERRUPTED = 130

TABLE_WIDTH = 100
"""Columns ``feeds topics`` fits its table into without ``--wide``."""
DEFAULT_REFRESH_MINUTES = 60
"""serve-config's max-age without ``refresh_minutes``: readers poll about hourly."""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line naming the command, and raise instead of
    exiting (``main`` prints them after ``feeds:``)."""

    commands: Mapping[str, argparse.ArgumentParser]

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("feeds").strip()
        raise UsageError(f"{command + ': ' if command else ''}{message}; see '{self.prog} --help'")

    def parse(self, argv: Sequence[str]) -> argparse.Namespace:
        """``argv`` parsed; an unknown command or option gets a "did you mean"."""
        first = next((word for word in argv if not word.startswith("-")), None)
        if first is not None and first not in self.commands:
            close = closest(first, list(self.commands))
            advice = (
                f"did you mean {close!r}?"
                if close
                else "the commands are " + ", ".join(self.commands)
            )
            raise UsageError(f"unknown command {first!r}; {advice}")
        args, extra = self.parse_known_args(argv)
        if extra:
            raise _unknown_argument(self.commands[args.command], extra[0])
        return args


def _unknown_argument(command: argparse.ArgumentParser, word: str) -> UsageError:
    """The error for the first argument ``command`` does not know."""
    name = command.prog.removeprefix("feeds ")
    see = f"see '{command.prog} --help'"
    if not word.startswith("-"):
        return UsageError(f"{name}: unexpected argument {word!r}; {see}")
    options = [option for action in command._actions for option in action.option_strings]
    close = closest(word.partition("=")[0], options)
    if close is None:
        return UsageError(f"{name}: unknown option {word!r}; {see}")
    return UsageError(f"{name}: unknown option {word!r}; did you mean {close!r}? ({see})")


def _parser() -> _Parser:
    parser = _Parser(
        prog="feeds",
        description="Publish per-topic RSS, Atom and JSON feeds from a folder of article records.",
    )
    parser.add_argument("--version", action="version", version=f"feeds {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    parser.commands = commands.choices
    b = commands.add_parser("build", help="build every feed into the output folder")
    _config(b)
    b.add_argument("--output", help="output folder (overrides 'output' in the config)")
    b.add_argument(
        "--source",
        nargs="+",
        action="extend",
        metavar="PATH",
        help="record folders or files (override 'sources' in the config)",
    )
    b.add_argument("--report", metavar="FILE", help="write a JSON report of the run to FILE")
    b.add_argument(
        "--now", metavar="ISO8601", help="the time to build at (default: the current time)"
    )
    b.add_argument("--strict", action="store_true", help="exit 1 when any record was rejected")
    b.add_argument(
        "--force",
        action="store_true",
        help="publish feeds even when they would shrink below shrink_threshold",
    )
    b.add_argument(
        "--no-cache", action="store_true", help="ignore the parse cache: read every record"
    )
    b.add_argument(
        "--lock-timeout",
        type=_seconds,
        metavar="SECONDS",
        help="wait this long for another run on the same output (overrides lock_timeout)",
    )
    noise = b.add_mutually_exclusive_group()
    noise.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors and held-back feeds"
    )
    noise.add_argument("-v", "--verbose", action="store_true", help="print a summary line")
    _debug(b)
    _add_publisher_commands(commands)
    return parser


def _config(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", default=DEFAULT_CONFIG, help=f"config file [{DEFAULT_CONFIG}]")


def _debug(command: argparse.ArgumentParser) -> None:
    command.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def _common(command: argparse.ArgumentParser) -> None:
    _config(command)
    command.add_argument(
        "--now", metavar="ISO8601", help="look as a build at this time would (default: now)"
    )
    _debug(command)


def _add_publisher_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    c = commands.add_parser(
        "check", help="validate the config and every record; write nothing (for CI)"
    )
    _common(c)
    c.add_argument("-v", "--verbose", action="store_true", help="print a summary line")
    t = commands.add_parser("topics", help="list every topic with its counts and feeds")
    _common(t)
    t.add_argument("--format", choices=("table", "json"), default="table", help="[table]")
    t.add_argument(
        "--wide", action="store_true", help="the table uncut, with feed URLs (not in 100 columns)"
    )
    p = commands.add_parser("preview", help="show what a topic's feed would hold now")
    p.add_argument(
        "topic",
        metavar="TOPIC",
        help="topic name, alias, shortname or slug; 'site' for the site-wide feed",
    )
    _common(p)
    p.add_argument(
        "-n", type=_count, metavar="N", help="show the first N entries (default: the feed's limit)"
    )
    i = commands.add_parser("init", help="write a starter config from a records folder")
    i.add_argument(
        "folder", nargs="?", default="articles", metavar="FOLDER", help="records folder [articles]"
    )
    i.add_argument(
        "--config", default=DEFAULT_CONFIG, help=f"config file to create [{DEFAULT_CONFIG}]"
    )
    _debug(i)
    _add_serve_commands(commands)


def _add_serve_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    s = commands.add_parser("serve", help="preview the output folder over HTTP (not production)")
    s.add_argument("folder", nargs="?", metavar="FOLDER", help="folder to serve (as --output)")
    _config(s)
    s.add_argument("--output", help="folder to serve (overrides 'output'; no config needed)")
    s.add_argument("--bind", default="127.0.0.1", help="address to listen on [127.0.0.1]")
    s.add_argument("--port", type=_port, default=8000, help="port to listen on (0: any) [8000]")
    s.add_argument("-q", "--quiet", action="store_true", help="log no requests")
    _debug(s)
    c = commands.add_parser(
        "serve-config", help="print a web server snippet serving the output folder"
    )
    c.add_argument("server", metavar="SERVER", help="nginx, apache or caddy")
    _config(c)
    c.add_argument("--output", help="folder to serve (overrides 'output' in the config)")
    c.add_argument(
        "--max-age",
        type=_whole,
        metavar="N",
        help="Cache-Control max-age in seconds (default: refresh_minutes, else 3600)",
    )
    _debug(c)


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def _whole(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65_535:
        raise argparse.ArgumentTypeError(f"not a port number from 0 to 65535: {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"not a number of seconds from 0 to 86400: {text!r}")
    return value


def parse_now(text: str | None) -> datetime:
    """The ``--now`` value as an aware UTC datetime (a value without a zone is UTC)."""
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _isoparse(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _isoparse(text: str) -> datetime:
    """The ISO 8601 forms datetime.fromisoformat does not read (dateutil, loaded only then)."""
    from dateutil.parser import isoparse

    try:
        return isoparse(text)
    except (ValueError, OverflowError):
        raise UsageError(
            f"--now: not an ISO 8601 date (found {text!r}); use e.g. 2024-05-01T09:30:00Z"
        ) from None


def _configure(args: argparse.Namespace) -> Config:
    config = read_config(Path(args.config))
    if args.output:
        config = dataclasses.replace(config, output=Path(args.output).absolute())
    if args.source:
        urls = [s for s in args.source if s.startswith(("http://", "https://"))]
        paths = tuple(Path(s).absolute() for s in args.source if s not in urls)
        remote = tuple(RemoteSource(url) for url in urls)
        config = dataclasses.replace(config, sources=paths, remote=remote)
    if args.no_cache:
        config = dataclasses.replace(config, cache=None)
    if args.lock_timeout is not None:
        config = dataclasses.replace(config, lock_timeout=args.lock_timeout)
    return config


class _Progress:
    """A one-line counter on a terminal, reading then rendering; the CLI makes none when
    stderr is a file or pipe (cron)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def reading(self, done: int, total: int) -> None:
        """Files read: redrawn every 200 files."""
        if done == total or done % 200 == 0:
            self._show(f"reading records: {done}/{total}")

    def rendering(self, done: int, total: int) -> None:
        """Feeds drawn: each is slower than a file."""
        self._show(f"rendering feeds: {done}/{total}")

    def _show(self, line: str) -> None:
        self.stream.write(f"\r\x1b[K{line}")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def summary(report: Report) -> str:
    """The one line ``-v`` prints."""
    c = report.counts
    unchanged = len(report.feeds) - report.written
    return (
        f"feeds: {plural(c.read, 'record')} read: {c.published} published, "
        f"{c.unpublished} unpublished, {c.scheduled} scheduled, "
        f"{plural(c.duplicates, 'duplicate')}, {c.rejected} rejected; "
        f"{plural(len(report.feeds), 'feed file')}: {report.written} written, {unchanged} unchanged"
        + (f" ({report.held_back} held back)" if report.held_back else "")
    )


def held_summary(report: Report) -> str:
    """The one line a run with held-back feeds prints, even with ``-q``: cron mails output,
    not exit codes. The line per feed comes with ``-v`` and is in the report."""
    count = report.held_back
    first = next(f for f in report.feeds if f.held_back)  # the site-wide feed comes first
    has = "" if first.previous is None else f" (it has {first.previous})"
    return (
        f"feeds: {plural(count, 'feed file')} held back, their previous versions kept: "
        f"this run read {plural(report.counts.read, 'record')} and would leave "
        f"{plural(first.entries, 'entry', 'entries')} in {first.path}{has}; check the sources, "
        "or run with --force to publish (-v lists each file)"
    )


def run_build(args: argparse.Namespace) -> int:
    """``feeds build``: the exit code follows the README's table."""
    now = parse_now(args.now)
    config = _configure(args)
    progress = _Progress(sys.stderr) if sys.stderr.isatty() and not args.quiet else None
    try:
        report = build(
            config,
            now=now,
            progress=progress.reading if progress else None,
            rendering=progress.rendering if progress else None,
            force=args.force,
        )
    finally:
        if progress is not None:
            progress.clear()
    if args.report:  # before anything is printed: a closed stdout must not cost the report
        text = json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
        write_atomic(Path(args.report).absolute(), text.encode("utf-8"))
    if not args.quiet:
        for line in report.rejection_lines():
            print(line, file=sys.stderr)
        held = {f.path for f in report.feeds if f.held_back}
        for warning in report.warnings:
            if args.verbose or warning.partition(": ")[0] not in held:
                print(warning, file=sys.stderr)
    if report.held_back:
        print(held_summary(report), file=sys.stderr)
    if args.verbose:
        for duplicate in report.duplicates:
            print(f"{duplicate.path}: duplicate of {duplicate.kept} ({duplicate.url})")
        print(summary(report))
    if report.held_back:
        return EXIT_HELD_BACK
    if args.strict and report.rejected:
        return EXIT_REJECTED
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    """``feeds check``: 0 clean, 1 with every problem on stdout (a config error is 2)."""
    from . import commands as publisher  # loaded only for these commands

    result = publisher.check(read_config(Path(args.config)), parse_now(args.now))
    for problem in result.problems:
        print(problem)
    if result.problems or args.verbose:
        print(
            f"feeds check: {plural(result.records, 'record')}, "
            f"{plural(result.feeds, 'feed file')}, {plural(len(result.problems), 'problem')}",
            file=sys.stderr,
        )
    return EXIT_REJECTED if result.problems else EXIT_OK


def run_topics(args: argparse.Namespace) -> int:
    """``feeds topics``: a table (or JSON) of every topic on stdout."""
    from . import commands as publisher  # loaded only for these commands

    rows = publisher.topics(read_config(Path(args.config)), parse_now(args.now))
    if args.format == "json":
        print(publisher.topics_json(rows))
    else:
        print(publisher.topics_table(rows, width=None if args.wide else TABLE_WIDTH))
    return EXIT_OK


def run_preview(args: argparse.Namespace) -> int:
    """``feeds preview TOPIC``: one line per entry the feed would hold."""
    from . import commands as publisher  # loaded only for these commands

    feed = publisher.preview(read_config(Path(args.config)), args.topic, parse_now(args.now))
    for record in feed.entries[: args.n]:
        print(publisher.preview_line(record))
    return EXIT_OK


def run_init(args: argparse.Namespace) -> int:
    """``feeds init [FOLDER]``: write a starter config; never overwrite one."""
    target = Path(args.config)
    if target.exists():
        raise UsageError(f"init: {target} already exists; edit it, or remove it to start again")
    folder = Path(args.folder)
    if not folder.is_dir():
        raise UsageError(
            f"init: records folder {folder} not found; pass the folder holding your records"
        )
    from .config import starter  # loaded only for this command
    from .sources.local import display_path

    starter.refuse_published_folders(target)
    written = starter.starter_config(folder, target)
    write_atomic(target.absolute(), written.text.encode("utf-8"))
    topics = written.topic_files
    found = f" (topics from {display_path(topics)})" if topics else ""
    print(f"feeds init: wrote {target}{found}; set site.title and site.url, then run 'feeds check'")
    return EXIT_OK


def _output(args: argparse.Namespace) -> tuple[Config, Path]:
    config = read_config(Path(args.config))
    return config, Path(args.output).absolute() if args.output else config.output


def _serve_target(args: argparse.Namespace) -> tuple[Path, str | None]:
    """The folder to serve and the site.url its pages link to: from the config or, for a
    folder named where there is no config file, from the folder's own feeds."""
    from .serve.links import find_site_url

    if args.folder and args.output:
        raise UsageError("serve: name the folder once, as FOLDER or with --output")
    folder = args.folder or args.output
    if folder and args.config == DEFAULT_CONFIG and not Path(args.config).exists():
        root = Path(folder).absolute()
        return root, find_site_url(root)
    config = read_config(Path(args.config))
    return (Path(folder).absolute() if folder else config.output), config.site.url


def run_serve(args: argparse.Namespace) -> int:
    """``feeds serve [FOLDER]``: the output folder on http://127.0.0.1:8000/ until Ctrl-C."""
    from .serve.server import serve

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
    return EXIT_OK


def run_serve_config(args: argparse.Namespace) -> int:
    """``feeds serve-config SERVER``: a configuration snippet on stdout."""
    from .serve.snippets import serve_config, site_path, topic_redirects

    config, root = _output(args)
    minutes = config.refresh_minutes or DEFAULT_REFRESH_MINUTES
    max_age = args.max_age if args.max_age is not None else minutes * 60
    redirects, base = topic_redirects(config), site_path(config.site.url)
    text = serve_config(args.server, root=root, max_age=max_age, redirects=redirects, base=base)
    sys.stdout.write(text)
    return EXIT_OK


_COMMANDS = {
    "build": run_build,
    "check": run_check,
    "topics": run_topics,
    "preview": run_preview,
    "init": run_init,
    "serve": run_serve,
    "serve-config": run_serve_config,
}


def _exit_now(code: int) -> NoReturn:
    """End the interrupted ``feeds`` process now, its cleanup done (temporary files
    removed, lock released, workers killed). Python's own exit would wait for the worker
    pool's thread, which a worker killed while sending a result leaves waiting for ever
    (concurrent.futures), and would print its errors."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or its reader gone
            stream.flush()
    os._exit(code)


def _mute_stdout() -> None:
    """Point stdout at /dev/null, so the rest of its buffer, flushed at exit, goes nowhere
    instead of failing again (Python's docs, signal module: "Note on SIGPIPE")."""
    with contextlib.suppress(OSError, ValueError):  # no descriptor (captured, closed)
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


def _flushed(code: int) -> int:
    """``code``, once stdout's buffer is written: the command has finished, so a reader
    that stopped reading changes nothing. Left to Python's flush at exit, the broken pipe
    would print "Exception ignored" and exit 120."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _mute_stdout()
    return code


def _stdout_reader_gone(error: BaseException) -> bool:
    """Whether ``error`` is stdout's reader going away (``| head``, ``less`` quit early),
    stdout then muted. Poll says so (POLLERR: a pipe with no reader; POLLHUP: a closed
    socket); a broken pipe elsewhere (a worker, the stat helper) stays an internal error."""
    if not isinstance(error, BrokenPipeError):
        return False
    import select  # only for this: not loaded by every cron run

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        events = poller.poll(0)
    except (AttributeError, OSError, ValueError):  # no poll (Windows), no descriptor
        return False
    if not any(mask & (select.POLLERR | select.POLLHUP) for _, mask in events):
        return False
    _mute_stdout()
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``feeds`` command; returns the exit code.

    SIGINT, SIGTERM and SIGHUP end a command with one line and exit 128 + the signal's
    number (``children.catch_signals``); the command itself (``argv`` None) keeps
    ignoring them until its process exits."""
    args: argparse.Namespace | None = None
    try:
        with catch_signals(for_good=argv is None):
            words = sys.argv[1:] if argv is None else list(argv)
            parser = _parser()
            if not words:  # a bare `feeds`: what it can do
                parser.print_help()
                return _flushed(EXIT_OK)
            args = parser.parse(words)
            return _flushed(_COMMANDS[args.command](args))
    except SystemExit:  # argparse printed --help or --version: the text may be buffered
        _flushed(EXIT_OK)
        raise
    except FeedsError as error:
        print(f"feeds: {error}", file=sys.stderr)
        return _flushed(error.exit_code)
    except Interrupted as error:
        print(f"feeds: {error}", file=sys.stderr)
        if argv is None:
            _exit_now(error.exit_code)
        return error.exit_code
    except KeyboardInterrupt:
        print("feeds: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if _stdout_reader_gone(error):  # the reader chose to stop reading: end quietly
            return EXIT_OK
        if args is not None and getattr(args, "debug", False):
            import traceback  # only for this: not loaded by every cron run

            traceback.print_exc()
        else:
            print(
                f"feeds: internal error: {type(error).__name__}: {error}; "
                "rerun with --debug and report it",
                file=sys.stderr,
            )
        return EXIT_INTERNAL
