"""The HTTP layer under the tracker clients: JSON in and out, timeouts, and retries that
cannot create a ticket twice.

Retries: a rate limit (429; GitHub's 403 with ``Retry-After`` or an exhausted
``x-ratelimit-remaining``; an answer ``is_rate_limited`` recognises, such as Linear's
``RATELIMITED``) is retried for any request, since the server did not act on it. A 5xx or a
connection lost after the request went out is retried only for requests the caller marks
``idempotent``: retrying a create that the server may have carried out before failing
could create the ticket twice, so that failure is reported instead (``maybe_sent``). A
connection that could not be opened is retried always: nothing was sent. Waits follow
``Retry-After`` (seconds or a date) or GitHub's ``x-ratelimit-reset``, else back off
1, 2, 4 s; a wait longer than ``MAX_WAIT`` seconds is not waited out but reported.

The token lives only in the request headers. Error messages are built from the status
and the API's own message, never from headers, and pass through ``redact`` anyway.
"""

from __future__ import annotations

import email.utils
import json
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from decomposer import __version__
from decomposer.text import one_line, redact, shorten

TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10.0
RETRIES = 3  # after the first attempt
BACKOFF_SECONDS = 1.0  # doubled on each retry
MAX_WAIT = 60.0  # seconds; a server asking for longer is reported, not waited out
MESSAGE_LIMIT = 300
USER_AGENT = f"decomposer/{__version__}"


class TrackerError(Exception):
    """A tracker request failed, or its answer conflicts with the plan. The message is one
    line, safe to print (no token): what was asked, the status and the API's own words.
    ``maybe_sent``: the request may have been carried out although it failed (a create
    that timed out). ``usage``: what the user asked for does not exist (an unknown team).
    ``api``: the API failed or refused (``HttpClient.error`` sets it)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        maybe_sent: bool = False,
        usage: bool = False,
        api: bool = False,
    ):
        super().__init__(message)
        self.api = api  # the API failed or refused (else: what it answered conflicts with the plan)
        self.status = status
        self.body = body  # the API's JSON error body, for callers that accept some errors
        self.maybe_sent = maybe_sent
        self.usage = usage


LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def check_api_url(url: str) -> str:
    """``--api-url`` checked: https (http only for a server on this machine, since the token
    travels in the headers), no credentials, query or fragment. Returns it without a
    trailing slash; ``ValueError`` says what is wrong."""
    shown = one_line(shorten(url, 80))
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise ValueError(f"--api-url {shown!r} is not a URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError(f"--api-url {shown!r} is not an http(s) URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("--api-url must not carry credentials: the token comes from the environment")
    if parts.query or parts.fragment:
        raise ValueError(f"--api-url {shown!r} must not have a query or a fragment")
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise ValueError(
            f"--api-url {shown!r} must use https (http only for a server on this machine): "
            "the token would travel in clear text"
        )
    return url.rstrip("/")


def api_message(body: Any) -> str:
    """The error an API put in its JSON body: GitHub's ``message`` and ``errors``
    (``{"resource", "field", "code"}`` or ``{"message"}``), GraphQL's ``errors[].message``."""
    parts: list[str] = []
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            parts.append(body["message"])
        errors = body.get("errors")
        for error in errors[:3] if isinstance(errors, list) else []:
            if isinstance(error, str):
                parts.append(error)
            elif isinstance(error, dict):
                if isinstance(error.get("message"), str):
                    parts.append(error["message"])
                else:
                    parts.append(" ".join(str(error[k]) for k in ("resource", "field", "code") if k in error))
    return ": ".join(part for part in parts if part)


def _retry_after(response, now: Callable[[], float]) -> float | None:
    """Seconds the server asks us to wait, if it says."""
    value = response.headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                moment = email.utils.parsedate_to_datetime(value)
                return max(0.0, moment.timestamp() - now())
            except (TypeError, ValueError):
                return None
    if response.headers.get("x-ratelimit-remaining") == "0" and response.headers.get("x-ratelimit-reset"):
        try:
            return max(0.0, float(response.headers["x-ratelimit-reset"]) - now())
        except ValueError:
            return None
    return None


class HttpClient:
    """JSON requests to one API. ``name`` ("GitHub") starts error messages; ``secret`` is
    redacted from them; ``is_rate_limited(body)`` spots a rate limit in a JSON body."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        *,
        name: str,
        secret: str | None,
        is_rate_limited: Callable[[Any], bool] = lambda body: False,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ):
        import httpx2

        self._httpx = httpx2
        self.base_url = base_url.rstrip("/")
        self.name = name
        self._secret = secret
        self._is_rate_limited = is_rate_limited
        self._sleep = sleep
        self._now = now
        self.requests = 0  # requests sent, retries included
        self._client = httpx2.Client(
            headers={"User-Agent": USER_AGENT, **headers},
            timeout=httpx2.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
            follow_redirects=False,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def error(self, what: str, detail: str, **kwargs) -> TrackerError:
        """A ``TrackerError`` about this API: one line, shortened, the secret redacted."""
        text = one_line(shorten(redact(f"{self.name} {what}: {detail}", self._secret), MESSAGE_LIMIT))
        return TrackerError(text, api=True, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict | None = None,
        idempotent: bool,
        what: str | None = None,
    ) -> Any:
        """Send one request (retrying as the module docstring says) and return the JSON
        body of a 2xx answer (None when empty). ``what`` names the request in errors
        (default: method and path). Raises ``TrackerError``."""
        httpx2 = self._httpx
        what = what or f"{method} {path or '/'}"
        for attempt in range(RETRIES + 1):
            last = attempt == RETRIES
            backoff = BACKOFF_SECONDS * 2**attempt
            self.requests += 1
            try:
                response = self._client.request(method, self.base_url + path, json=json_body, params=params)
            except (httpx2.ConnectError, httpx2.ConnectTimeout) as exc:
                if not last:
                    self._sleep(backoff)
                    continue
                raise self.error(what, f"cannot connect ({type(exc).__name__}: {exc})") from None
            except httpx2.TransportError as exc:
                if idempotent and not last:
                    self._sleep(backoff)
                    continue
                raise self.error(
                    what, f"no complete answer ({type(exc).__name__}: {exc})", maybe_sent=not idempotent
                ) from None
            body = self._json(response)
            status = response.status_code
            rate_limited = (
                status == 429
                or self._is_rate_limited(body)
                or (
                    status == 403
                    and ("retry-after" in response.headers or response.headers.get("x-ratelimit-remaining") == "0")
                )
            )
            if rate_limited or (status >= 500 and idempotent):
                wait = _retry_after(response, self._now)
                wait = backoff if wait is None else wait
                if wait > MAX_WAIT:
                    raise self.error(
                        what,
                        f"rate limited; the server asks to wait {wait:.0f} s: run the same command again later",
                        status=status,
                    )
                if not last:
                    self._sleep(wait)
                    continue
            if status >= 400 or (rate_limited and last):
                detail = api_message(body) or response.reason_phrase or "error"
                raise self.error(
                    what, f"{status} {detail}", status=status, body=body, maybe_sent=status >= 500 and not idempotent
                )
            if 300 <= status < 400:
                raise self.error(
                    what,
                    f"{status}: redirected to {response.headers.get('location', '?')} "
                    "(is the API URL right? was the issue moved?)",
                    status=status,
                )
            return body
        raise AssertionError("unreachable: the last attempt returns or raises")

    @staticmethod
    def _json(response) -> Any:
        if not response.content:
            return None
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            return None
