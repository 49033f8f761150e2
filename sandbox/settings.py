"""One immutable `Settings`, resolved as: flag > `SANDBOX_*` environment > config file > default.

`OPTIONS` is the single table of settings: the CLI builds its flags from it, the environment and
the config file are read by its names, and each option's parser turns text (flag, env) or YAML
data (config file) into the value, raising `ValueError` with a reason. Every failure becomes a
`SettingsError` whose message names where the bad value came from.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sandbox.clock import parse_instant
from sandbox.merchant_kinds import MerchantKind
from sandbox.merchants import MerchantBook, MerchantConfig, select_kinds
from sandbox.yamlsource import YamlDocument, YamlError, load_yaml


class SettingsError(ValueError):
    """A bad setting; the message names the flag, variable or file:line and the reason."""


@dataclass(frozen=True)
class Option:
    name: str  # attribute of Settings and key in the config file
    parse: Callable[[Any], Any]
    default: Any
    help: str
    metavar: str = "VALUE"
    repeatable: bool = False  # flag may be given more than once; env/config take a list
    details: str = ""  # the longer meaning for docs/settings.md (generated); `help` when empty

    @property
    def env(self) -> str:
        return "SANDBOX_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


# -- value parsers: accept flag/env text or the matching YAML type ------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"{value!r} is not a single value")
    return str(value).strip()


def _optional_text(value: Any) -> str | None:
    return _text(value) or None


def _host(value: Any) -> str:
    text = _text(value)
    if not text or any(c.isspace() for c in text):
        raise ValueError(f"{value!r} is not a host name or address")
    return text


def _port(value: Any) -> int:
    text = _text(value)
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise ValueError(f"{value!r} is not a port number (0-65535; 0 picks a free port)")
    return int(text)


def _positive_int(value: Any) -> int:
    text = _text(value)
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{value!r} is not a whole number of at least 1")
    return int(text)


def _seed(value: Any) -> int | None:
    text = _text(value)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None


def _seconds(value: Any) -> float:
    return _positive(value, "a positive number of seconds")


def _scale(value: Any) -> float:
    return _positive(value, "a positive number (60 = one minute per second)")


def _positive(value: Any, what: str) -> float:
    text = _text(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite() or number <= 0:
        raise ValueError(f"{value!r} must be {what}")
    return float(number)


def _choice(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value).lower()
        if text not in choices:
            raise ValueError(f"{value!r} is not one of: {', '.join(choices)}")
        return text

    return parse


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):  # YAML reads unquoted timestamps itself
        return parse_instant(value.isoformat())
    text = _text(value)
    if not text:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 time like 2026-03-12T08:30:00Z") from None


def _url(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an absolute http:// or https:// URL")
    return text.rstrip("/")


def _origin(value: Any) -> str | None:
    text = _url(value)
    if text is not None and urlsplit(text).path not in ("", "/"):
        raise ValueError(f"{value!r} must be scheme://host:port only, without a path")
    return text


def _names(value: Any) -> tuple[str, ...]:
    """A list (config file, repeated flag) or comma-separated text (env, one flag)."""
    items = value if isinstance(value, list | tuple) else [value]
    names: list[str] = []
    for item in items:
        names.extend(part.strip() for part in _text(item).split(",") if part.strip())
    return tuple(names)


OPTIONS: tuple[Option, ...] = (
    Option("host", _host, "127.0.0.1", "listen address (the container uses 0.0.0.0)", "HOST"),
    Option("port", _port, 8080, "listen port", "PORT", details="listen port; `0` picks a free one"),
    Option(
        "db",
        _text,
        ":memory:",
        "SQLite file, or a postgresql:// URL, that keeps state across restarts",
        "PATH|URL",
        details=(
            "where state lives: a SQLite file (or `sqlite:///path`) keeps state, the clock and "
            "pending callbacks across restarts; a `postgresql://user:pass@host/db` URL uses "
            "PostgreSQL (the `postgres` extra)"
        ),
    ),
    Option(
        "gateways",
        _names,
        (),
        "serve only these gateways (default: every installed one)",
        "NAMES",
        repeatable=True,
        details=(
            "serve only these gateways, e.g. `trustpay,ezpay` (default: every installed one, the "
            "built-in three and any registered under the `sandbox.gateways` entry point); the "
            "others answer 404 and are absent from `/`; an unknown name stops the start-up"
        ),
    ),
    Option("scenarios", _names, (), "extra scenario files or folders", "PATH", repeatable=True),
    Option("scenario", _names, (), "scenario(s) active at start", "NAME", repeatable=True),
    Option(
        "public_url",
        _url,
        None,
        "base of links handed out (hosted pages, reports)",
        "URL",
        details="base of links handed out (hosted pages, report downloads); default: the "
        "request's own host",
    ),
    Option("callback_url", _url, None, "send every callback to this URL instead", "URL"),
    Option(
        "callback_origin",
        _origin,
        None,
        "keep each callback's path, replace scheme://host:port",
        "ORIGIN",
    ),
    Option(
        "time_scale",
        _scale,
        1.0,
        "sandbox seconds per real second in real mode",
        "N",
        details="in `real` mode, sandbox seconds per real second (60: a 60 s retry takes 1 s)",
    ),
    Option(
        "clock",
        _choice("real", "manual"),
        "real",
        "clock mode: real or manual",
        "MODE",
        details="`real` or `manual` (time moves only by `POST /_sandbox/clock/advance`)",
    ),
    Option(
        "clock_start",
        _instant,
        None,
        "sandbox time at first start (ISO 8601)",
        "TIME",
        details="ISO 8601 sandbox time at first start; default: now",
    ),
    Option(
        "admin_token",
        _optional_text,
        None,
        "require this Bearer token on /_sandbox/*",
        "TOKEN",
        details="require `Authorization: Bearer <token>` on `/_sandbox/*`; `off` turns it off; "
        "generated when listening beyond loopback (see Docker and security)",
    ),
    Option("delivery_concurrency", _positive_int, 64, "callback attempts in flight at once", "N"),
    Option(
        "journal_limit",
        _positive_int,
        10000,
        "journal entries and callbacks kept",
        "N",
        details="request-journal entries and finished callbacks kept",
    ),
    Option(
        "lease_seconds",
        _seconds,
        30.0,
        "replicas on one database: how long a claimed callback or timer is held",
        "S",
        details="PostgreSQL replicas only: how long (wall seconds) a replica holds a due callback "
        "or timer it claimed; when a replica dies, another takes its work over after this",
    ),
    Option(
        "seed",
        _seed,
        None,
        "seed for generated ids and data (same seed, same data)",
        "N",
        details="seeds generated ids and data: same seed on a fresh database, same data; a file "
        "database counts its starts, so a restart continues instead of replaying ids it "
        "already holds; default: random",
    ),
    Option(
        "log_format",
        _choice("text", "json"),
        "text",
        "log format: text or json",
        "FORMAT",
        details="`text` or `json` (one object per line), for the transaction log and the banner",
    ),
    Option(
        "log_level",
        _choice("debug", "info", "warning", "error"),
        "info",
        "log level: debug, info, warning or error",
        "LEVEL",
        details="`info` logs a line per gateway request and per callback attempt; `warning` "
        "keeps only problems",
    ),
    Option(
        "allowed_hosts",
        _names,
        (),
        "Host header names served, comma-separated, * = any (default: local names)",
        "HOSTS",
        details="`Host` header names served, with or without a port; `*` = any; default "
        "`localhost,127.0.0.1,[::1]` plus the bound name",
    ),
    Option(
        "callback_allow",
        _names,
        (),
        "hosts or CIDRs callbacks may be sent to, comma-separated (default: any)",
        "TARGETS",
        details="hosts or CIDRs callbacks may be sent to, comma-separated; default: any target",
    ),
    Option(
        "page_links",
        _choice("auto", "plain", "keyed"),
        "auto",
        "hosted-page links with guessable ids: keyed adds an unguessable ?key= "
        "(auto: keyed when listening beyond loopback)",
        "MODE",
    ),
)

OPTION_NAMES = frozenset(o.name for o in OPTIONS)
CONFIG_ONLY_KEYS = frozenset({"merchants", "replace_demo_merchants"})


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    db: str = ":memory:"
    gateways: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()
    scenario: tuple[str, ...] = ()
    public_url: str | None = None
    callback_url: str | None = None
    callback_origin: str | None = None
    time_scale: float = 1.0
    clock: str = "real"
    clock_start: datetime | None = None
    admin_token: str | None = None
    delivery_concurrency: int = 64
    journal_limit: int = 10000
    lease_seconds: float = 30.0
    seed: int | None = None
    log_format: str = "text"
    log_level: str = "info"
    allowed_hosts: tuple[str, ...] = ()
    callback_allow: tuple[str, ...] = ()
    page_links: str = "auto"
    config: str | None = None
    # The merchants of the gateways `resolve_settings` was given and `gateways` selects (the
    # config file checked against them); a sandbox builds its own from `merchant_config` for the
    # gateways it is handed.
    merchants: MerchantBook = field(default_factory=lambda: MerchantConfig().book(()))
    merchant_config: MerchantConfig = field(default_factory=MerchantConfig)


def resolve_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    kinds: Sequence[MerchantKind] = (),
) -> Settings:
    """Settings from CLI flags (name → value, None/empty = not given), environment and config.

    `kinds`: the merchant kinds of the installed gateways (from the gateway list); the config
    file's `merchants:` section may name only those gateways."""
    flags = flags or {}
    environ = os.environ if environ is None else environ

    config_path = flags.get("config") or environ.get("SANDBOX_CONFIG") or None
    file_values: Mapping[str, Any] = {}
    document: YamlDocument | None = None
    if config_path:
        document = read_config_file(config_path)
        file_values = document.data or {}

    values: dict[str, Any] = {}
    for option in OPTIONS:
        given = flags.get(option.name)
        if given not in (None, "", [], ()):
            raw, source = given, option.flag
        elif environ.get(option.env, "").strip():
            raw, source = environ[option.env], option.env
        elif option.name in file_values and document is not None:
            raw = file_values[option.name]
            line = document.line_of((option.name,))
            source = f"{document.file}:{line} {option.name}"
        else:
            values[option.name] = option.default
            continue
        try:
            values[option.name] = option.parse(raw)
        except ValueError as exc:
            raise SettingsError(f"{source}: {exc}") from None

    try:
        replace_demo = file_values.get("replace_demo_merchants", False)
        if not isinstance(replace_demo, bool) and document is not None:
            raise document.error(("replace_demo_merchants",), "must be true or false")
        merchant_config = MerchantConfig(
            file_values.get("merchants"),
            document,
            bool(replace_demo),
            frozenset(kind.gateway for kind in kinds),
        )
        merchants = merchant_config.book(select_kinds(kinds, values["gateways"]))
    except YamlError as exc:
        raise SettingsError(str(exc)) from None
    return Settings(
        **values, config=config_path, merchants=merchants, merchant_config=merchant_config
    )


def read_config_file(path: str) -> YamlDocument:
    """The config file as a document whose top-level keys are all known."""
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(f"config file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"config file {path}: cannot be read ({exc})") from None
    try:
        document = load_yaml(text, path)
    except YamlError as exc:
        raise SettingsError(str(exc)) from None
    data = document.data
    if data is None:
        return document
    if not isinstance(data, dict):
        raise SettingsError(str(document.error((), "the config file must be a mapping of keys")))
    for key in data:
        if key == "config":
            raise SettingsError(str(document.error((key,), "a config file cannot name another")))
        if key not in OPTION_NAMES and key not in CONFIG_ONLY_KEYS:
            known = ", ".join(sorted(OPTION_NAMES | CONFIG_ONLY_KEYS))
            raise SettingsError(
                str(document.error((str(key),), f"unknown key {key!r} (known keys: {known})"))
            )
    return document
