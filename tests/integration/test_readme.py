"""The README and the reference pages it moved to: the config files load, the commands print what
the page says, the EzPay client runs."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from support.gateways import installed_kinds

from sandbox.settings import resolve_settings

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {
    "config-trustpay": "docs/configuration.md",
    "config-ezpay": "docs/configuration.md",
    "config-goldenpay": "docs/configuration.md",
    "cli": "docs/cli.md",
    "ezpay-client": "docs/gateways/ezpay.md",
}


def example(name: str) -> str:
    text = (ROOT / PAGES[name]).read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", text, flags=re.DOTALL)
    assert match, f"{PAGES[name]} has no example {name}"
    return match.group(1)


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


@pytest.mark.parametrize(
    ("name", "gateway", "merchant_id"),
    [
        ("config-trustpay", "trustpay", "8820250900042"),
        ("config-ezpay", "ezpay", "0123456789abcdef0123456789abcdef"),
        ("config-goldenpay", "goldenpay", "10002"),
    ],
)
def test_config_examples_load(tmp_path: Path, name: str, gateway: str, merchant_id: str) -> None:
    config = tmp_path / f"{name}.yaml"
    config.write_text(example(name), encoding="utf-8")
    settings = resolve_settings({"config": str(config)}, {}, installed_kinds())
    merchant = settings.merchants.find(gateway, merchant_id)
    assert merchant is not None
    assert settings.merchants.by_gateway[gateway][0] is not merchant  # the demo one stays too


def test_cli_examples_print_what_the_readme_says() -> None:
    lines = example("cli").splitlines()
    checked = 0
    for index, line in enumerate(lines):
        if not line.startswith("sandbox "):
            continue
        argv = shlex.split(line)[1:]
        result = subprocess.run(
            [sys.executable, "-m", "sandbox", *argv], capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, (line, result.stderr)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if following.startswith("# -> "):
            assert result.stdout.strip() == following.removeprefix("# -> "), line
            checked += 1
    assert checked == 4


def test_library_table_lists_every_scenario_file() -> None:
    page = (ROOT / "docs/scenario-library.md").read_text(encoding="utf-8")
    table = page.split("<!-- generated: scenario-library -->\n", 1)[1].split("\n\n", 1)[0]
    listed = set(re.findall(r"^\| \[`([a-z0-9-]+)`\]", table, flags=re.MULTILINE))
    library = Path(__file__).parents[2] / "scenarios"
    files = {path.stem for path in library.glob("*/*.yaml")}
    assert listed == files


def ezpay_example() -> str:
    return example("ezpay-client")


def test_ezpay_example_signs_a_request_and_verifies_a_notification(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_flags: dict[str, str]
) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from support.ezpay import OK_REPLY, wait_callbacks
    from support.receiver import Reply, run_receiver
    from support.server import run_sandbox

    with (
        run_receiver(Reply(200, OK_REPLY)) as receiver,
        run_sandbox({**db_flags, "clock": "manual"}) as server,
    ):
        monkeypatch.setenv("EZPAY_BASE_URL", server.url)
        monkeypatch.setenv("EZPAY_NOTIFY_URL", receiver.url + "/ezpay/notify")
        namespace: dict[str, object] = {}
        exec(compile(ezpay_example(), "docs/gateways/ezpay.md (EzPay example)", "exec"), namespace)
        printed = capsys.readouterr().out
        assert "'balance': '1000000.00'" in printed
        assert "/_sandbox/pay/ezpay/C" in printed
        server.advance(3)
        wait_callbacks(server, 1)
        verify = namespace["verify_notification"]
        assert callable(verify)
        param = verify(receiver.requests[0].body)
        assert param["eventName"] == "order.payment.success" and param["amount"] == 10099
        forged = receiver.requests[0].body.replace(b"10099", b"10098")
        with pytest.raises(ValueError, match="forged"):
            verify(forged)
