from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from support.gateways import installed_kinds

from sandbox.settings import Settings, SettingsError, resolve_settings


def resolve(flags: dict[str, Any], environ: dict[str, str]) -> Settings:
    """Settings as `sandbox serve` resolves them: against the installed gateways' merchants."""
    return resolve_settings(flags, environ, installed_kinds())


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sandbox.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_and_demo_merchants() -> None:
    # The built-in gateways (the test environment also has DemoPay installed).
    settings = resolve({"gateways": "trustpay,ezpay,goldenpay"}, {})
    assert (settings.host, settings.port, settings.db) == ("127.0.0.1", 8080, ":memory:")
    assert settings.clock == "real" and settings.time_scale == 1.0
    assert settings.delivery_concurrency == 64 and settings.journal_limit == 10000
    ids = [(k.gateway, k.merchant_id(m)) for k, m in settings.merchants.all()]
    assert ids == [
        ("trustpay", "8820250900009"),
        ("ezpay", "8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c"),
        ("goldenpay", "10001"),
    ]
    trustpay = settings.merchants.find("trustpay", "8820250900009")
    assert trustpay.api_key == "tp_test_0b1c2d3e4f5a6b7c"
    assert trustpay.secret == "tp_test_secret_9f8e7d6c"
    assert trustpay.payin["USD"].fee_rate == Decimal("3.5")
    assert settings.merchants.find("goldenpay", "10001").api_token == "gp_test_token_5e6f7a8b"


def test_flag_beats_env_beats_file_beats_default(tmp_path: Path) -> None:
    config = write(tmp_path, "port: 7000\ntime_scale: 60\nclock: manual\n")
    settings = resolve(
        {"config": config, "port": "9000"}, {"SANDBOX_PORT": "8000", "SANDBOX_TIME_SCALE": "10"}
    )
    assert settings.port == 9000  # flag
    assert settings.time_scale == 10.0  # env over file
    assert settings.clock == "manual"  # file over default
    assert settings.config == config


def test_config_file_from_env_and_lists(tmp_path: Path) -> None:
    config = write(tmp_path, "scenario: [happy-path, duplicate-callbacks]\n")
    settings = resolve({}, {"SANDBOX_CONFIG": config})
    assert settings.scenario == ("happy-path", "duplicate-callbacks")
    settings = resolve({"scenario": ["a,b", "c"]}, {"SANDBOX_SCENARIO": "x"})
    assert settings.scenario == ("a", "b", "c")


def test_clock_start_and_urls() -> None:
    settings = resolve(
        {"clock_start": "2026-03-12T08:30:00+08:00", "callback_origin": "http://host:3000/"}, {}
    )
    assert settings.clock_start == datetime(2026, 3, 12, 0, 30, tzinfo=UTC)
    assert settings.callback_origin == "http://host:3000"


@pytest.mark.parametrize(
    ("flags", "environ", "expected"),
    [
        ({"port": "abc"}, {}, "--port: 'abc' is not a port number"),
        ({}, {"SANDBOX_PORT": "70000"}, "SANDBOX_PORT: '70000' is not a port number"),
        ({}, {"SANDBOX_CLOCK": "sundial"}, "SANDBOX_CLOCK: 'sundial' is not one of: real, manual"),
        ({"time_scale": "0"}, {}, "--time-scale: '0' must be a positive number"),
        (
            {},
            {"SANDBOX_CLOCK_START": "yesterday"},
            "SANDBOX_CLOCK_START: 'yesterday' is not an ISO",
        ),
        ({"callback_url": "ftp://x"}, {}, "--callback-url: 'ftp://x' is not an absolute http"),
        ({"callback_origin": "http://h:1/p"}, {}, "must be scheme://host:port only"),
        ({"delivery_concurrency": "0"}, {}, "--delivery-concurrency: '0' is not a whole number"),
        ({"log_format": "xml"}, {}, "--log-format: 'xml' is not one of: text, json"),
        ({"config": "/nonexistent/sandbox.yaml"}, {}, "config file /nonexistent/sandbox.yaml"),
    ],
)
def test_bad_values_name_the_setting(flags: dict, environ: dict, expected: str) -> None:
    with pytest.raises(SettingsError) as error:
        resolve(flags, environ)
    assert expected in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("colour: blue\n", ":1 colour: unknown key 'colour'"),
        ("port: 8080\nport: 9090\n", ":2: duplicate key 'port'"),
        ("port: [1\n", ":2: not valid YAML"),
        ("- a\n- b\n", ":1: the config file must be a mapping"),
        ("clock: manual\nport: nope\n", ":2 port: 'nope' is not a port number"),
        ("merchants:\n  paypal: []\n", ":2 merchants.paypal: unknown gateway"),
        (
            "merchants:\n  trustpay:\n    - merchant_id: 1\n      api_key: k\n      secret: s\n"
            "      colour: red\n",
            ":6 merchants.trustpay[0].colour: unknown key 'colour'",
        ),
        (
            "merchants:\n  trustpay:\n    - merchant_id: 1\n      api_key: k\n",
            ":3 merchants.trustpay[0]: missing required key 'secret'",
        ),
        (
            "merchants:\n  trustpay:\n    - {merchant_id: 1, api_key: k, secret: s,"
            " signature_mode: loose}\n",
            "merchants.trustpay[0].signature_mode: must be 'strict' or 'lenient'",
        ),
        (
            "merchants:\n  trustpay:\n    - merchant_id: 1\n      api_key: k\n      secret: s\n"
            "      limits: {daily_count: many}\n",
            ":6 merchants.trustpay[0].limits.daily_count: must be a whole number",
        ),
        (
            "merchants:\n  ezpay:\n    - app_id: 0123456789abcdef0123456789abcdef\n"
            "      merchant_public_key: not-a-key\n",
            ":4 merchants.ezpay[0].merchant_public_key:",
        ),
        (
            "merchants:\n  ezpay:\n    - app_id: XYZ\n      merchant_public_key: k\n",
            ":3 merchants.ezpay[0].app_id: 'XYZ' is not 32 lower-case hex",
        ),
        (
            "merchants:\n  goldenpay:\n    - {mch_id: 5, api_token: t}\n"
            "    - {mch_id: 5, api_token: u}\n",
            ":4 merchants.goldenpay[1].mch_id: duplicate merchant 5",
        ),
        (
            "merchants:\n  goldenpay:\n    - {mch_id: 5, api_token: t, balances: {usd: 1}}\n",
            "merchants.goldenpay[0].balances: 'usd' is not a currency code",
        ),
        ("replace_demo_merchants: maybe\n", "replace_demo_merchants: must be true or false"),
    ],
)
def test_bad_config_files_name_file_line_and_path(tmp_path: Path, text: str, expected: str) -> None:
    config = write(tmp_path, text)
    with pytest.raises(SettingsError) as error:
        resolve({"config": config}, {})
    message = str(error.value)
    assert message.startswith(config)
    assert expected in message


def test_config_merchants_add_override_and_replace(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        """
merchants:
  trustpay:
    - merchant_id: 8820250900009          # the demo merchant: change one setting
      api_key: tp_test_0b1c2d3e4f5a6b7c
      secret: tp_test_secret_9f8e7d6c
      signature_mode: lenient
    - merchant_id: 42
      api_key: key-42
      secret: secret-42
      balances: {USD: {balance: "12.50"}}
  goldenpay:
    - {mch_id: 20002, api_token: other, time_zone: "+08:00"}
""",
    )
    settings = resolve({"config": config}, {})
    demo = settings.merchants.find("trustpay", "8820250900009")
    assert demo.signature_mode == "lenient"
    extra = settings.merchants.find("trustpay", "42")
    assert extra.balances["USD"].balance == Decimal("12.50")
    assert extra.signature_mode == "strict"
    assert [m.mch_id for m in settings.merchants.by_gateway["goldenpay"]] == [10001, 20002]

    only = write(
        tmp_path,
        "replace_demo_merchants: true\nmerchants:\n  goldenpay:\n    - {mch_id: 7, api_token: t}\n",
    )
    settings = resolve({"config": only}, {})
    assert settings.merchants.by_gateway["trustpay"] == ()
    assert [m.mch_id for m in settings.merchants.by_gateway["goldenpay"]] == [7]


def test_money_in_config_is_decimal_from_text(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        "merchants:\n  goldenpay:\n    - {mch_id: 9, api_token: t, collect_ratio: 0.1,"
        " balances: {PHP: 0.30}}\n",
    )
    merchant = resolve({"config": config}, {}).merchants.find("goldenpay", "9")
    assert merchant.collect_ratio == Decimal("0.1")
    assert str(merchant.balances["PHP"]) == "0.30"


def test_shipped_demo_merchants_pass_every_field_check() -> None:
    # Start-up skips the checks for the shipped demo entries (they would load cryptography);
    # this proves those entries are valid, EzPay key material included.
    from sandbox.schema import parse_dataclass
    from sandbox.yamlsource import YamlDocument

    for kind in installed_kinds():
        merchant = parse_dataclass(kind.model, kind.demo, YamlDocument("<demo>", None), ())
        assert kind.merchant_id(merchant) == str(kind.demo[kind.id_key])
