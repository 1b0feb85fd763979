"""Every exit code is in one table (``ExitCode``) and every error states its own."""

from __future__ import annotations

import importlib
import pkgutil
import signal
import threading
from collections.abc import Iterator

import pytest

import feeds
from feeds.core.children import SIGNALS, catch_signals
from feeds.core.errors import ExitCode, FeedsError, Interrupted


def _subclasses(cls: type[FeedsError]) -> Iterator[type[FeedsError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _every_error() -> list[type[FeedsError]]:
    """Every FeedsError subclass in the package, each module imported first."""
    for module in pkgutil.walk_packages(feeds.__path__, "feeds."):
        importlib.import_module(module.name)
    return sorted(set(_subclasses(FeedsError)), key=lambda cls: cls.__qualname__)


def test_the_base_error_does_not_default_to_a_code() -> None:
    assert not hasattr(FeedsError, "exit_code")


def test_every_error_states_its_exit_code_from_the_table() -> None:
    errors = _every_error()
    assert len(errors) >= 6  # usage, config, record, render, output, lock at least
    for error in errors:
        assert isinstance(getattr(error, "exit_code", None), ExitCode), error


def test_an_error_without_an_exit_code_is_refused_where_it_is_defined() -> None:
    with pytest.raises(TypeError, match="Unstated states no exit_code"):

        class Unstated(FeedsError):
            pass


@pytest.mark.parametrize("signum", SIGNALS, ids=[signal.Signals(s).name for s in SIGNALS])
def test_each_caught_signal_exits_with_its_code_from_the_table(signum: int) -> None:
    code = Interrupted(signum).exit_code
    assert code is ExitCode.for_signal(signum)
    assert code == 128 + signum
    assert code.name == signal.Signals(signum).name


def test_signals_are_caught_in_the_main_thread_only() -> None:
    # Only the main thread can set handlers: elsewhere the block runs with them untouched.
    before = {signum: signal.getsignal(signum) for signum in SIGNALS}
    seen: list[dict[int, object]] = []

    def elsewhere() -> None:
        with catch_signals():
            seen.append({signum: signal.getsignal(signum) for signum in SIGNALS})

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert seen == [before]
    caught = [signum for signum in SIGNALS if before[signum] != signal.SIG_IGN]
    assert caught  # a run under nohup still catches SIGINT and SIGTERM
    with catch_signals():
        assert all(signal.getsignal(signum) != before[signum] for signum in caught)
    assert {signum: signal.getsignal(signum) for signum in SIGNALS} == before
