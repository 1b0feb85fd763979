"""Terminal edge: parse the command line, run the command, map its outcome to an exit code.

Only this module and ``commandline`` print or exit; everything they call returns values
or raises ``FeedsError``. The exit codes are ``core.errors.ExitCode``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .commandline.parser import command_parser
from .commandline.runs import COMMANDS as _COMMANDS
from .commandline.streams import exit_now, flushed, stdout_reader_gone
from .core.children import catch_signals
from .core.errors import ExitCode, FeedsError, Interrupted


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``feeds`` command; returns the exit code.

    SIGINT, SIGTERM and SIGHUP end a command with one line and exit 128 + the signal's
    number (``children.catch_signals``); the command itself (``argv`` None) keeps
    ignoring them until its process exits."""
    args: argparse.Namespace | None = None
    try:
        with catch_signals(for_good=argv is None):
            words = sys.argv[1:] if argv is None else list(argv)
            parser = command_parser()
            if not words:  # a bare `feeds`: what it can do
                parser.print_help()
                return flushed(ExitCode.OK)
            args = parser.parse(words)
            return flushed(_COMMANDS[args.command](args))
    except SystemExit:  # argparse printed --help or --version: the text may be buffered
        flushed(ExitCode.OK)
        raise
    except FeedsError as error:
        print(f"feeds: {error}", file=sys.stderr)
        return flushed(error.exit_code)
    except Interrupted as error:
        print(f"feeds: {error}", file=sys.stderr)
        if argv is None:
            exit_now(error.exit_code)
        return error.exit_code
    except KeyboardInterrupt:
        print("feeds: interrupted", file=sys.stderr)
        return ExitCode.SIGINT
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if stdout_reader_gone(error):  # the reader chose to stop reading: end quietly
            return ExitCode.OK
        return _internal_error(error, debug=args is not None and getattr(args, "debug", False))


def _internal_error(error: Exception, *, debug: bool) -> ExitCode:
    """A bug in feeds: one line on stderr, or with ``--debug`` the traceback."""
    if debug:
        import traceback  # only for this: not loaded by every cron run

        traceback.print_exc()
    else:
        print(
            f"feeds: internal error: {type(error).__name__}: {error}; "
            "rerun with --debug and report it",
            file=sys.stderr,
        )
    return ExitCode.INTERNAL
