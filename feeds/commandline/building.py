"""``feeds build`` at the terminal: the config with the command line's overrides, a
progress line, the report file, the lines printed and the exit code.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import TextIO

from ..build import build
from ..config.load import read_config
from ..core.errors import ExitCode, plural
from ..core.report import Report
from ..core.settings import Config
from ..core.sources import RemoteSource
from ..publish.output import write_atomic
from .parser import parse_now


def run_build(args: argparse.Namespace) -> ExitCode:
    """``feeds build``: the exit code follows the README's table."""
    now = parse_now(args.now)
    config = configure(args)
    progress = Progress(sys.stderr) if sys.stderr.isatty() and not args.quiet else None
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
    _print_outcome(report, args)
    if report.held_back:
        return ExitCode.HELD_BACK
    if args.strict and report.rejected:
        return ExitCode.REJECTED
    return ExitCode.OK


def configure(args: argparse.Namespace) -> Config:
    """The config file's settings, with the command line's overrides."""
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


def _print_outcome(report: Report, args: argparse.Namespace) -> None:
    """Rejections and warnings on stderr (not with ``-q``), the held-back line (always),
    and with ``-v`` the duplicates and the summary on stdout."""
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


class Progress:
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
        """Wipe the line, if one was shown, before anything else is printed."""
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
