"""The README's TrustPay examples run as written against a real server."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

from support.server import run_sandbox

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## TrustPay\n", 1)[1].split("<!-- end of TrustPay section -->", 1)[0]


def example(name: str) -> str:
    match = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", SECTION, flags=re.DOTALL)
    assert match, f"the TrustPay section has no example {name}"
    return match.group(1)


def test_python_example_creates_and_queries_a_cashier_payin() -> None:
    code = example("trustpay-python")
    with run_sandbox({"clock": "manual"}) as running:
        source = code.replace('BASE = "http://127.0.0.1:8080"', f'BASE = "{running.url}"')
        assert source != code
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(source, "README.md", "exec"), {"__name__": "readme"})
        lines = printed.getvalue().splitlines()
        assert lines[0].startswith("880001 0.48 " + running.url + "/_sandbox/pay/trustpay/")
        assert lines[1] == "1"
        page = running.client.get(lines[0].split()[-1])
        assert page.status_code == 200 and "README-0001" in page.text


def test_curl_example_answers_what_the_readme_shows() -> None:
    lines = example("trustpay-curl").splitlines()
    command = next(line for line in lines if line.startswith("curl "))
    expected = next(line for line in lines if line.startswith("# -> ")).removeprefix("# -> ")
    argv = shlex.split(command)
    url = next(a for a in argv if a.startswith("http://"))
    headers = dict(argv[i + 1].split(": ", 1) for i, a in enumerate(argv) if a == "-H")
    body = argv[argv.index("-d") + 1]
    with run_sandbox({"clock": "manual"}) as running:
        path = url.removeprefix("http://127.0.0.1:8080")
        response = running.client.post(path, content=body.encode(), headers=headers)
        assert response.text == expected
