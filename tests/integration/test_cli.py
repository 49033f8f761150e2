"""The `sandbox` command: sign/verify/keys in process, serve as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sandbox.cli import main
from sandbox.signing import demo_keys
from sandbox.signing.rsa import verify_param

pytestmark = pytest.mark.postgres

SANDBOX = [sys.executable, "-m", "sandbox"]
TP_SECRET = "tp_test_secret_9f8e7d6c"
GP_TOKEN = "gp_test_token_5e6f7a8b"
R1 = '{"countryCode":"PH","timestamp":1700000000}'


def health_once_listening(url: str) -> int:
    """Status of GET /_sandbox/health, retried while the just-started server is not listening."""
    for _ in range(250):
        try:
            return httpx.get(f"{url}/_sandbox/health", timeout=1).status_code
        except httpx.TransportError:
            time.sleep(0.02)  # the process is starting (not a callback wait)
    raise AssertionError(f"{url} never started listening")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sign_trustpay_key_value_matches_spec_vector(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sign", "trustpay", "--secret", TP_SECRET, "currency_id=USD")
    assert (code, out) == (0, "f8dcedeafcf22554088e4749617d70c1\n")


def test_sign_trustpay_json_keeps_number_text(capsys: pytest.CaptureFixture[str]) -> None:
    body = (
        '{"merchant_id":8820250900009,"order_no":"ORD-20260312-0001","order_amount":5.00,'
        '"currency":"USD","notify_url":"https://merchant.example.com/trustpay/notify"}'
    )
    code, out, err = run(
        capsys, "sign", "trustpay", "--secret", TP_SECRET, "--json", body, "--explain"
    )
    assert code == 0
    assert out == "9f39fd79ea7e4bf47bb12e1dda5ebbeb\n"
    assert "order_amount=5.00&order_no=ORD-20260312-0001&secret=" in err


def test_sign_goldenpay_query_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    query = "id=ORDER-10001&mch_id=10001&nonce=Qm7%2BTr2%2FWx&timestamp=1777864000"
    code, out, _ = run(capsys, "sign", "goldenpay", "--token", GP_TOKEN, "--query", query)
    assert (code, out) == (0, "1cea5dd52f3bab98dee9c07919ff3024\n")
    code, out, _ = run(
        capsys,
        "sign",
        "goldenpay",
        "--secret",
        GP_TOKEN,
        "mch_id=10001",
        "currency=THB",
        "nonce=b8Kq2Lx9",
        "timestamp=1777863900",
    )
    assert (code, out) == (0, "967bc3672481bffda504cc9a7c041d73\n")


def test_verify_md5_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    good = ["verify", "trustpay", "--secret", TP_SECRET, "currency_id=USD"]
    code, out, _ = run(capsys, *good, "sign=f8dcedeafcf22554088e4749617d70c1")
    assert (code, out) == (0, "valid (raw)\n")
    code, _, err = run(capsys, *good, "sign=f8dcedeafcf22554088e4749617d70c2")
    assert code == 1 and "does not match" in err
    upper = "sign=F8DCEDEAFCF22554088E4749617D70C1"
    assert run(capsys, *good, upper)[0] == 1
    assert run(capsys, *good, upper, "--lenient")[1] == "valid (uppercase)\n"


def test_ezpay_sign_and_verify_with_demo_keys(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "sign", "ezpay", "--demo", "--param", R1)
    signature = out.strip()
    assert code == 0 and len(signature) == 344 and signature.endswith("==")
    assert verify_param(demo_keys.EZPAY_DEMO_MERCHANT_PUBLIC_KEY, R1, signature).ok
    code, out, _ = run(capsys, "verify", "ezpay", "--demo", "--param", R1, "--sign", signature)
    assert (code, out) == (0, "valid (sha256)\n")
    tampered = R1.replace("1700000000", "1700000001")
    assert (
        run(capsys, "verify", "ezpay", "--demo", "--param", tampered, "--sign", signature)[0] == 1
    )

    # A notification body checked with the platform key, read from a file.
    code, out, _ = run(capsys, "sign", "ezpay", "--demo-platform", "--param", R1)
    body = tmp_path / "notification.json"
    body.write_text(json.dumps({"sign": out.strip(), "param": R1}))
    code, out, _ = run(capsys, "verify", "ezpay", "--demo-platform", "--body", f"@{body}")
    assert (code, out) == (0, "valid (sha256)\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sign", "trustpay", "currency_id=USD"], "trustpay needs --secret"),
        (["sign", "trustpay", "--secret", "s", "novalue"], "'novalue' is not key=value"),
        (["sign", "trustpay", "--secret", "s", "--json", "[1]"], "--json: must be a JSON object"),
        (["sign", "trustpay", "--secret", "s", "--json", '{"a":1,"a":2}'], "--json: not a valid"),
        (["sign", "trustpay", "--secret", "s", "--query", "a=1"], "--query is for GoldenPay"),
        (["sign", "ezpay", "--param", "{}"], "exactly one of --key, --demo, --demo-platform"),
        (["sign", "ezpay", "--key", "garbage", "--param", "{}"], "--key:"),
        (["verify", "trustpay", "--secret", "s", "a=1"], "sign=..."),
        (["verify", "ezpay", "--demo", "--body", '{"param": 1}'], 'string "param" and "sign"'),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err


def test_keys_show_prints_four_keys_in_both_forms(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "keys", "show", "ezpay")
    assert code == 0
    assert "TEST-ONLY" in out
    assert out.count("-----BEGIN PRIVATE KEY-----") == 2
    assert out.count("-----BEGIN PUBLIC KEY-----") == 2
    singles = re.findall(r"^(MII[A-Za-z0-9+/=]{65,})$", out, flags=re.MULTILINE)
    assert len(singles) == 4
    assert sum(s.startswith("MIIEv") for s in singles) == 2
    assert sum(s.startswith("MIIBIj") for s in singles) == 2


def test_keys_generate_makes_fresh_working_pairs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "keys", "generate", "ezpay", "--out", str(tmp_path))
    assert code == 0
    assert "merchant_public_key:" in out
    private = (tmp_path / "merchant_private.pem").read_text()
    public = (tmp_path / "merchant_public.pem").read_text()
    assert private != demo_keys.EZPAY_DEMO_MERCHANT_PRIVATE_KEY
    code, sig, _ = run(
        capsys, "sign", "ezpay", "--key", f"@{tmp_path / 'merchant_private.pem'}", "--param", R1
    )
    assert verify_param(public, R1, sig.strip()).ok


@pytest.mark.parametrize(
    "argv", [[], ["serve"], ["sign"], ["verify"], ["keys"], ["keys", "show"], ["keys", "generate"]]
)
def test_help_everywhere(argv: list[str]) -> None:
    result = subprocess.run([*SANDBOX, *argv, "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: sandbox")


def test_version() -> None:
    result = subprocess.run([*SANDBOX, "--version"], capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout) == (0, "sandbox 0.1.0\n")


def test_no_command_prints_help_and_exits_2() -> None:
    result = subprocess.run(SANDBOX, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "commands:" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "http"], {}, "--port: 'http' is not a port number"),
        ([], {"SANDBOX_CLOCK": "lunar"}, "SANDBOX_CLOCK: 'lunar' is not one of: real, manual"),
        (["--db", "/no/such/folder/s.db"], {}, "SANDBOX_DB: database /no/such/folder/s.db"),
    ],
)
def test_serve_with_bad_settings_exits_2_naming_the_setting(
    args: list[str], env: dict[str, str], message: str
) -> None:
    result = subprocess.run(
        [*SANDBOX, "serve", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **env},
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_serve_with_bad_config_file_exits_2_with_file_line(tmp_path: Path) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text("merchants:\n  trustpay:\n    - {merchant_id: x, api_key: k, secret: s}\n")
    result = subprocess.run(
        [*SANDBOX, "serve", "--config", str(config)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert f"{config}:3 merchants.trustpay[0].merchant_id: must be a whole number" in result.stderr


def test_serve_prints_banner_and_serves(tmp_path: Path, db_args: list[str]) -> None:
    process = subprocess.Popen(
        [
            *SANDBOX,
            "serve",
            "--port",
            "0",
            "--clock",
            "manual",
            "--scenario",
            "happy-path",
            *db_args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Press Ctrl+C"):
            line = process.stdout.readline()
            assert line, "".join(lines)  # the banner ends with the Ctrl+C hint
            lines.append(line)
        text = "".join(lines)
        url = re.search(r"URL\s+(http://127\.0\.0\.1:\d+)", text)
        assert url, text
        assert "clock      manual" in text
        assert "scenarios  happy-path" in text
        assert "api_key=tp_test_0b1c2d3e4f5a6b7c" in text
        assert "api_token=gp_test_token_5e6f7a8b" in text
        assert "app_id=8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c" in text
        assert health_once_listening(url.group(1)) == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
    assert process.returncode == 0


def test_port_in_use_exits_1() -> None:
    from support.server import free_socket

    taken = free_socket()
    taken.listen()
    port = taken.getsockname()[1]
    try:
        result = subprocess.run(
            [*SANDBOX, "serve", "--port", str(port)], capture_output=True, text=True, timeout=30
        )
    finally:
        taken.close()
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_make_run_serves_health(db_env: dict[str, str]) -> None:
    """The README's first command: `make run` (here on a free port) serves /_sandbox/health."""
    repo = Path(__file__).parents[2]
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", "ARGS=--port 0"],
        cwd=repo,
        env={**os.environ, **db_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # make's child (the server) is stopped with the whole group
    )
    try:
        assert process.stdout is not None
        url = None
        for _ in range(200):  # make may print its own lines (or install) before the banner
            line = process.stdout.readline()
            assert line, "make run ended before the banner"
            found = re.search(r"URL\s+(http://127\.0\.0\.1:\d+)", line)
            if found:
                url = found.group(1)
                break
        assert url is not None
        assert health_once_listening(url) == 200
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=20)
