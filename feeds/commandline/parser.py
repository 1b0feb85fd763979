"""The command line's grammar: every command, option and help text; usage errors as one
line (``UsageError``); no I/O.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import NoReturn

from .. import __version__
from ..config.load import DEFAULT_CONFIG
from ..core.errors import UsageError, closest


class Parser(argparse.ArgumentParser):
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


def command_parser() -> Parser:
    """The parser of ``feeds`` and each of its commands."""
    parser = Parser(
        prog="feeds",
        description="Publish per-topic RSS, Atom and JSON feeds from a folder of article records.",
    )
    parser.add_argument("--version", action="version", version=f"feeds {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=Parser, metavar="COMMAND"
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


def _add_publisher_commands(commands: argparse._SubParsersAction[Parser]) -> None:
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


def _add_serve_commands(commands: argparse._SubParsersAction[Parser]) -> None:
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
