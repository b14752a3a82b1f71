"""Settings for the Claude engine: which model, how many tokens, where the API is.

The model comes from ``--model``, else ``DECOMPOSER_MODEL``, else the config file
(``config.toml`` in the user's config directory), else ``DEFAULT_MODEL``. The key and
the endpoint come only from the environment (``ANTHROPIC_API_KEY`` or
``ANTHROPIC_AUTH_TOKEN``, ``ANTHROPIC_BASE_URL``): never from a file we write."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import anthropic
    import httpx2

DEFAULT_MODEL = "claude-opus-5-5"
DEFAULT_MAX_TOKENS = 16_000
# After a reply hits max_tokens, one retry with this budget.
DEFAULT_RETRY_MAX_TOKENS = 48_000
CONFIG_FILE = "config.toml"
APP_NAME = "decomposer"


class ConfigError(Exception):
    """The config file exists but cannot be used; the message says which key and why."""


def config_dir() -> Path:
    override = os.environ.get("DECOMPOSER_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


def read_config(path: Path | None = None) -> dict[str, Any]:
    """The config file as a dict ({} when there is none)."""
    path = path or config_path()
    if not path.is_file():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            config: dict[str, Any] = tomllib.load(handle)
            return config
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read as TOML ({exc})") from None


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    max_tokens: int = DEFAULT_MAX_TOKENS
    retry_max_tokens: int = DEFAULT_RETRY_MAX_TOKENS
    # Pause before retrying a reply that failed midway (the SDK backs off only before
    # a stream starts).
    stream_retry_delay: float = 2.0
    model_source: str = "default"  # where the model came from: flag, env, config or default

    @classmethod
    def resolve(
        cls, model_flag: str | None = None, env: Mapping[str, str] | None = None, config: dict[str, Any] | None = None
    ) -> Settings:
        env = os.environ if env is None else env
        config = read_config() if config is None else config
        claude = config.get("claude", {}) if isinstance(config.get("claude", {}), dict) else {}
        if model_flag:
            model, source = model_flag, "--model"
        elif env.get("DECOMPOSER_MODEL"):
            model, source = env["DECOMPOSER_MODEL"], "DECOMPOSER_MODEL"
        elif claude.get("model"):
            model, source = claude["model"], str(config_path())
        else:
            model, source = DEFAULT_MODEL, "default"
        if not isinstance(model, str) or not model.strip():
            raise ConfigError(f"the model must be a non-empty string (from {source})")
        values = {}
        for key, default in (("max_tokens", DEFAULT_MAX_TOKENS), ("retry_max_tokens", DEFAULT_RETRY_MAX_TOKENS)):
            value = claude.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1_000_000:
                raise ConfigError(f"claude.{key} in {config_path()} must be a whole number from 1 to 1,000,000")
            values[key] = value
        if values["retry_max_tokens"] < values["max_tokens"]:
            raise ConfigError(
                f"claude.retry_max_tokens in {config_path()} must be at least claude.max_tokens "
                f"({values['max_tokens']:,}); it is the budget of the retry after a reply hits max_tokens"
            )
        return cls(model=model.strip(), model_source=source, **values)


def has_credentials(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return bool(env.get("ANTHROPIC_API_KEY") or env.get("ANTHROPIC_AUTH_TOKEN") or env.get("ANTHROPIC_BASE_URL"))


def check_base_url(env: Mapping[str, str] | None = None) -> str | None:
    """Why ANTHROPIC_BASE_URL cannot be used, or None."""
    env = os.environ if env is None else env
    base_url = env.get("ANTHROPIC_BASE_URL")
    if not base_url:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        return f"ANTHROPIC_BASE_URL is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "ANTHROPIC_BASE_URL must be an http:// or https:// URL with a host"
    return None


def make_client(
    http_client: httpx2.AsyncClient | None = None, env: Mapping[str, str] | None = None, max_retries: int = 2
) -> anthropic.AsyncAnthropic:
    """An AsyncAnthropic client from the environment. ``http_client`` (an
    ``httpx2.AsyncClient``) is for tests and for proxies. Without a key but with a base
    URL (a local server that takes none), a placeholder key is sent."""
    import anthropic
    import httpx2

    env = os.environ if env is None else env
    key = env.get("ANTHROPIC_API_KEY")
    token = env.get("ANTHROPIC_AUTH_TOKEN")
    base_url = env.get("ANTHROPIC_BASE_URL") or None
    if not (key or token) and base_url:
        key = "no-key-for-local-server"
    return anthropic.AsyncAnthropic(
        api_key=key or None,
        auth_token=token or None,
        base_url=base_url,
        http_client=http_client,
        max_retries=max_retries,
        # A stalled stream fails after two minutes instead of the SDK's ten.
        timeout=httpx2.Timeout(120.0, connect=10.0),
    )
