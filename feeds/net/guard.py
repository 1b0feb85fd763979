"""Network edge for image lookups: HTTP requests that reach public addresses only, each
within a deadline.

Does I/O (DNS and sockets). The address check is made where the connection is made: the
host is resolved here, every address it resolves to is checked, and the socket goes to one
of those very addresses, so a name cannot resolve to a public address for the check and to
a private one for the connection. Every new connection (each redirect hop) is checked
again. Proxies are never used: a proxy would connect on our behalf, unchecked.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from .limits import BoundedAdapter, BoundedPool, BoundedTLSPool, CutOff, Deadline

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*", re.ASCII)


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, as the system resolver reads it, or None for a name.

    Besides dotted quads, resolvers accept what ``inet_aton`` does: ``2130706433``,
    ``0x7f000001``, ``0177.0.0.1`` (octal), ``127.1`` (the last part fills the rest).
    """
    host = host.strip("[]")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.fullmatch(p) for p in parts):
        return None
    values = [
        int(p, 16) if p[:2].lower() == "0x" else int(p, 8 if p[:1] == "0" else 10) for p in parts
    ]
    *leading, last = values
    if any(v > 255 for v in leading) or last >= 256 ** (5 - len(parts)):
        return None
    number = last
    for shift, value in enumerate(reversed(leading), start=5 - len(parts)):
        number |= value << (8 * shift)
    return ipaddress.IPv4Address(number)


def address_problem(address: IPAddress) -> str | None:
    """Why an image lookup may not connect to ``address``, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        inner = address_problem(embedded) if embedded is not None else None
        if inner is not None:
            return inner
    for problem, test in (
        ("an unspecified address", address.is_unspecified),
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("a unique-local address", address in _UNIQUE_LOCAL),
        ("a reserved address", address.is_reserved),
        ("a private address", address.is_private),
    ):
        if test:
            return problem
    return None if address.is_global else "a reserved address"


@dataclass(frozen=True, slots=True)
class Reach:
    """Where requests may connect: public addresses, and these others."""

    private: bool = False
    """Every address (the ``private_images`` setting)."""
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    """Only these non-public networks."""

    def problem(self, address: IPAddress) -> str | None:
        """Why ``address`` may not be connected to, or None."""
        if self.private or any(address in network for network in self.networks):
            return None
        return address_problem(address)


PUBLIC = Reach()


@dataclass(slots=True)
class _Attempt:
    """One request under way: its address policy, and why a connection was refused."""

    reach: Reach
    refused: str | None = None


_CURRENT: ContextVar[_Attempt | None] = ContextVar("feeds_netguard_attempt", default=None)


def _connect(conn: HTTPConnection) -> socket.socket:
    """Resolve, check every address, then connect to a checked one (urllib3's hook)."""
    attempt = _CURRENT.get()
    host = conn.host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, conn.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as failure:
        raise NameResolutionError(conn.host, conn, socket.gaierror(str(failure))) from failure
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    reach = PUBLIC if attempt is None else attempt.reach
    for address in addresses:
        problem = reach.problem(address)
        if problem is not None:
            shown = "" if str(address) == host else f" (resolved to {address})"
            refused = f"{host}{shown} is {problem}"
            if attempt is not None:
                attempt.refused = refused
            raise NewConnectionError(conn, "refused: " + refused)
    timeout = conn.timeout if isinstance(conn.timeout, int | float) else None
    failed: OSError = OSError("no address")
    for address in dict.fromkeys(addresses):
        try:
            sock = socket.create_connection((str(address), conn.port), timeout, conn.source_address)
        except TimeoutError as failure:
            raise ConnectTimeoutError(conn, "connect timed out") from failure
        except OSError as failure:
            failed = failure
            continue
        for option in conn.socket_options or ():
            sock.setsockopt(*option)
        return sock
    raise NewConnectionError(conn, f"cannot connect ({type(failed).__name__})") from failed


class _HTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self)


class _HTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self)


# Bounded pools: the running ``Deadline`` (``httplimits``) shuts each connection down when
# the request's time is up, however slowly the server drips its answer.
class _HTTPPool(BoundedPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(BoundedTLSPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(BoundedAdapter):
    pools = {"http": _HTTPPool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        # A proxy would connect on our behalf, to an address never checked.
        raise requests.exceptions.InvalidProxyURL("image lookups never use a proxy")


@contextlib.contextmanager
def guarded_session() -> Iterator[requests.Session]:
    """A session whose connections go only where ``head`` allows, never through a proxy."""
    with requests.Session() as session:
        session.trust_env = False  # no proxy, no .netrc: connect to the checked address
        session.mount("http://", _Adapter())
        session.mount("https://", _Adapter())
        yield session


class GuardError(Exception):
    """A request refused or failed; ``problem`` is a short phrase without the URL."""

    def __init__(
        self, problem: str, *, refused: bool = False, cut_off: bool = False, malformed: bool = False
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.refused = refused
        """The address is not allowed: nothing was sent."""
        self.cut_off = cut_off
        """The request ran past its ``seconds``."""
        self.malformed = malformed
        """The server's answer could not be read."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What a HEAD answered: status and headers (values untrusted, as the server sent them)."""

    status: int
    headers: Mapping[str, str]


def head(
    session: requests.Session,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
    seconds: float,
    reach: Reach = PUBLIC,
) -> Reply:
    """HEAD ``url`` (no redirect followed) through a ``guarded_session``, cut off after
    ``seconds`` in all; raises GuardError."""
    attempt = _Attempt(reach)
    token = _CURRENT.set(attempt)
    try:
        request = session.prepare_request(requests.Request("HEAD", url, headers=dict(headers)))
        # The adapter, not session.send: the session parses a redirect's Location even when
        # not following it, and raises ValueError on a malformed one (``http://[::1``).
        with (
            Deadline(max(seconds, 0.0)),
            session.get_adapter(url).send(request, timeout=timeout) as response,
        ):
            return Reply(response.status_code, response.headers)
    except (requests.RequestException, ValueError, OSError, CutOff) as error:
        if attempt.refused is not None:
            raise GuardError(attempt.refused, refused=True) from None
        if isinstance(error, CutOff):
            raise GuardError(f"took longer than {seconds:.3g} s; cut off", cut_off=True) from None
        if isinstance(error, requests.Timeout):
            raise GuardError("timed out") from None
        # Never the exception's text: it may quote URLs or headers at length.
        odd = not isinstance(error, requests.RequestException | OSError)
        raise GuardError(f"request failed ({type(error).__name__})", malformed=odd) from None
    finally:
        _CURRENT.reset(token)
        session.close()  # no connection outlives its attempt (and its deadline)
