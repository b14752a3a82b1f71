"""Every way a model call can end badly, as one typed outcome with a one-line message
and what to do about it. Nothing here includes the API key or request headers: the
server's own words are quoted with the credentials the request carried taken out (a
proxy at ANTHROPIC_BASE_URL may well echo the key it was sent)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from decomposer.text import MIN_SECRET_CHARS, redact

# Kinds. Transient ones are retried (the SDK already retried status errors before the
# stream started; these are the faults it does not retry).
AUTH = "auth"
PERMISSION = "permission"
BAD_REQUEST = "bad-request"
NOT_FOUND = "model-not-found"
TOO_LARGE = "request-too-large"
RATE_LIMITED = "rate-limited"
OVERLOADED = "overloaded"
SERVER = "server-error"
TIMEOUT = "timeout"
CONNECTION = "connection"
TRUNCATED = "truncated"
MALFORMED = "malformed-stream"
STREAM_ERROR = "stream-error"
REFUSAL = "refusal"
MAX_TOKENS = "max-tokens"
CONTEXT_WINDOW = "context-window"
NO_TOOL_CALL = "no-tool-call"
BAD_OUTPUT = "bad-output"
NO_CREDENTIALS = "no-credentials"

TRANSIENT = frozenset(
    {OVERLOADED, SERVER, TIMEOUT, CONNECTION, TRUNCATED, MALFORMED, STREAM_ERROR, RATE_LIMITED, BAD_OUTPUT}
)

CREDENTIALS_HINT = (
    "set ANTHROPIC_API_KEY (export ANTHROPIC_API_KEY=sk-ant-...), or ANTHROPIC_BASE_URL "
    "for an Anthropic-compatible local server"
)


@dataclass(frozen=True)
class CallFailure:
    kind: str
    message: str
    hint: str
    status: int | None = None

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT

    def one_line(self) -> str:
        return f"{self.message} ({self.hint})"


# Where a request carries its credentials, and where they come from.
_CREDENTIAL_HEADERS = ("x-api-key", "authorization")
_CREDENTIAL_VARIABLES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")


def _credentials(exc: BaseException) -> list[str]:
    """The secrets the failed request sent (its key, its bearer token) and those in the
    environment, longest first so that a secret holding another is replaced whole."""
    headers = getattr(getattr(exc, "request", None), "headers", None) or {}
    values = [headers.get(name) for name in _CREDENTIAL_HEADERS]
    values += [os.environ.get(name) for name in _CREDENTIAL_VARIABLES]
    found: set[str] = set()
    for value in values:
        if isinstance(value, str):
            value = value.strip()
            found.add(value)
            if value[:7].lower() == "bearer ":
                found.add(value[7:].strip())
    return sorted((v for v in found if len(v) >= MIN_SECRET_CHARS), key=len, reverse=True)


def _api_message(exc: BaseException) -> str:
    """The server's own error message, credentials taken out, kept short and on one line
    (cut after the redaction, so a cut cannot leave part of a key)."""
    body = getattr(exc, "body", None)
    message = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = error.get("message")
    if not isinstance(message, str) or not message:
        message = getattr(exc, "message", None) or str(exc)
    message = str(message)
    for secret in _credentials(exc):
        message = redact(message, secret)
    message = " ".join(message.split())
    return message if len(message) <= 300 else message[:299] + "…"


def _error_type(exc: BaseException) -> str | None:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        kind = body["error"].get("type")
        return kind if isinstance(kind, str) else None
    return None


_STATUS_KINDS = {
    400: BAD_REQUEST,
    401: AUTH,
    402: PERMISSION,
    403: PERMISSION,
    404: NOT_FOUND,
    408: TIMEOUT,
    413: TOO_LARGE,
    422: BAD_REQUEST,
    429: RATE_LIMITED,
    500: SERVER,
    502: SERVER,
    503: OVERLOADED,
    504: TIMEOUT,
    529: OVERLOADED,
}
_ERROR_TYPE_KINDS = {
    "overloaded_error": OVERLOADED,
    "api_error": SERVER,
    "rate_limit_error": RATE_LIMITED,
    "authentication_error": AUTH,
    "permission_error": PERMISSION,
    "not_found_error": NOT_FOUND,
    "invalid_request_error": BAD_REQUEST,
    "request_too_large": TOO_LARGE,
    "timeout_error": TIMEOUT,
    "billing_error": PERMISSION,
}


def from_exception(exc: BaseException, model: str, *, mid_stream: bool = False) -> CallFailure:
    """Classify an exception raised while calling or streaming. ``mid_stream``: the
    exception came from reading events, so anything unrecognised is malformed data (an
    event of the wrong shape), not a bug to re-raise."""
    import anthropic
    import httpx2

    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        error_type = _error_type(exc)
        detail = _api_message(exc)
        if status == 200:  # an `event: error` record in the middle of the stream
            kind = _ERROR_TYPE_KINDS.get(error_type or "", STREAM_ERROR)
            if kind in (OVERLOADED, SERVER, RATE_LIMITED):
                return CallFailure(
                    STREAM_ERROR,
                    f"the API stopped the reply midway: {detail}",
                    "try again in a minute; what arrived is kept as a draft",
                    status,
                )
            return CallFailure(
                STREAM_ERROR,
                f"the API sent an error midway through the reply: {detail}",
                "try again; what arrived is kept as a draft",
                status,
            )
        kind = (
            _STATUS_KINDS.get(status)
            or _ERROR_TYPE_KINDS.get(error_type or "")
            or (SERVER if status >= 500 else BAD_REQUEST)
        )
        if kind == BAD_REQUEST and "prompt is too long" in detail.lower():
            kind = CONTEXT_WINDOW
        text = {
            AUTH: ("the API key was rejected (401)", "check ANTHROPIC_API_KEY; create a key in the Claude Console"),
            PERMISSION: (
                f"the API refused access ({status}): {detail}",
                "check the key's workspace, permissions and billing",
            ),
            NOT_FOUND: (
                f'model "{model}" was not found (404): {detail}',
                "use a full model id such as claude-opus-5-5 (--model, DECOMPOSER_MODEL or the config file)",
            ),
            TOO_LARGE: (
                "the request is too large for the API (413)",
                "shorten the task, the context or attached files",
            ),
            RATE_LIMITED: (
                "rate limited (429), still after retries",
                "wait a minute and try again, or raise the limit",
            ),
            OVERLOADED: (f"the API is overloaded ({status}), still after retries", "try again in a few minutes"),
            SERVER: (f"the API had a server error ({status}), still after retries", "try again in a few minutes"),
            TIMEOUT: (f"the API timed out ({status})", "try again"),
            BAD_REQUEST: (
                f"the API rejected the request ({status}): {detail}",
                "this is likely a decomposer bug; please report it with the message",
            ),
            CONTEXT_WINDOW: (
                f"the request does not fit the model's context window ({status}): {detail}",
                "shorten the context or attached files, or split the task",
            ),
        }[kind]
        return CallFailure(kind, text[0], text[1], status)
    if isinstance(exc, (anthropic.APITimeoutError, httpx2.TimeoutException)):
        return CallFailure(TIMEOUT, "the API stopped sending (timed out)", "try again; what arrived is kept as a draft")
    if isinstance(exc, (anthropic.APIConnectionError, httpx2.TransportError)):
        return CallFailure(
            CONNECTION,
            "the connection to the API was lost",
            "check the network or ANTHROPIC_BASE_URL, then try again; what arrived is kept",
        )
    if isinstance(exc, (json.JSONDecodeError, anthropic.APIResponseValidationError, UnicodeDecodeError)):
        return CallFailure(
            MALFORMED,
            "the API sent data that is not valid JSON in the stream",
            "try again; if it repeats, check the server at ANTHROPIC_BASE_URL",
        )
    if isinstance(exc, anthropic.AnthropicError):
        return CallFailure(
            BAD_REQUEST, f"the Anthropic client failed: {_api_message(exc)}", "check the settings and try again"
        )
    if mid_stream:
        return CallFailure(
            MALFORMED,
            f"the API sent an event of an unexpected shape ({type(exc).__name__})",
            "try again; if it repeats, check the server at ANTHROPIC_BASE_URL",
        )
    raise exc


def from_stop_reason(stop_reason: str | None, stop_details: object, max_tokens: int) -> CallFailure | None:
    """A failure for a stop reason that does not deliver the tool call, else None."""
    if stop_reason is None:
        return CallFailure(
            TRUNCATED,
            "the reply ended before the API said it was complete (no stop reason)",
            "try again; what arrived is kept as a draft",
        )
    if stop_reason == "refusal":
        category = getattr(stop_details, "category", None) or "unspecified"
        explanation = getattr(stop_details, "explanation", None)
        detail = f": {' '.join(str(explanation).split())}" if explanation else ""
        return CallFailure(
            REFUSAL,
            f"Claude declined this request (category {category}){detail}",
            "rephrase the task or remove the part it declined",
        )
    if stop_reason == "max_tokens":
        return CallFailure(
            MAX_TOKENS,
            f"the reply hit the output limit of {max_tokens:,} tokens",
            "split the task into smaller tasks, or raise max_tokens in the config file",
        )
    if stop_reason == "model_context_window_exceeded":
        return CallFailure(
            CONTEXT_WINDOW,
            "the task, context and reply no longer fit the model's context window",
            "shorten the context or attached files, or split the task",
        )
    return None
