"""The `sandbox` command: serve, sign, verify, keys, scenarios, trigger, check.

Exit codes: 0 ok, 1 failure (a signature that does not verify, a server that could not start),
2 usage (bad flags, bad settings or config file).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sandbox import __version__
from sandbox.merchants import MerchantBook
from sandbox.scenarios.cli import (
    SCENARIO_BANNER_HINT,
    SCENARIO_SELECTION_HELP,
    add_scenario_commands,
)
from sandbox.settings import OPTIONS, Settings, SettingsError, resolve_settings

if TYPE_CHECKING:
    from sandbox.gateways.plug import GatewayPlug
    from sandbox.scenarios.vocabulary import Vocabularies

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
COMMANDS = ("serve", "trigger", "tail", "check", "sign", "verify", "keys", "scenarios")


class UsageError(Exception):
    """Bad command-line input that argparse itself could not catch."""


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    # Only the chosen command's parser is built, so `serve` never imports `check`'s modules.
    chosen = next((item for item in given if not item.startswith("-")), None)
    parser = build_parser(chosen if chosen in COMMANDS else None)
    args, extra = parser.parse_known_args(argv)
    # `key=value` fields may come before or after the options of sign/verify.
    if extra and hasattr(args, "fields") and not any(item.startswith("-") for item in extra):
        args.fields = [*args.fields, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    from sandbox.gateways.installed import GatewayListError, installed_gateways

    try:
        # The one gateway list, built here and handed to the command (nothing registers it);
        # `serve` looks up only what it serves.
        if args.handler is not run_serve:
            args.installed = installed_gateways()
        code: int = args.handler(args)
        return code
    except (SettingsError, UsageError, GatewayListError) as exc:
        print(f"sandbox: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_FAILURE


def _scenario_sources(args: argparse.Namespace) -> tuple[Vocabularies, tuple[str, ...]]:
    """For `sandbox scenarios`: what the gateways `--gateways` (else `SANDBOX_GATEWAYS`, else
    every installed one) selects know, and the scenario folders they ship."""
    from sandbox.gateways.installed import plug_scenario_paths, select_gateways
    from sandbox.runtime import scenario_terms

    given = args.gateways or [os.environ.get("SANDBOX_GATEWAYS", "")]
    selected = select_gateways(args.installed, ",".join(given).split(","))
    return scenario_terms(selected), plug_scenario_paths(selected)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (`command`) the top level with only that command."""
    parser = argparse.ArgumentParser(
        prog="sandbox",
        description=(
            "Payment Gateway Sandbox: local stand-ins for the TrustPay, EzPay and GoldenPay "
            "merchant APIs, with correctly signed callbacks and scripted failure scenarios."
        ),
        epilog="Run 'sandbox COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"sandbox {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    if command in (None, "serve"):
        _add_serve_command(commands)
    if command in (None, "trigger"):
        from sandbox.trigger_cli import add_trigger_command

        add_trigger_command(commands)
    if command in (None, "tail"):
        from sandbox.tail_cli import add_tail_command

        add_tail_command(commands)
    if command in (None, "check"):
        from sandbox.check.cli import add_check_command

        add_check_command(commands)
    if command in (None, "sign"):
        _add_sign_command(commands)
    if command in (None, "verify"):
        _add_verify_command(commands)
    if command in (None, "keys", "scenarios"):
        # `keys` came first in the listing, its sub-commands after `scenarios`.
        keys = commands.add_parser(
            "keys",
            help="show or generate EzPay RSA keys",
            description="EzPay RSA key pairs: the shipped TEST-ONLY demo keys, or fresh ones.",
        )
        add_scenario_commands(commands, _scenario_sources)
        _add_key_commands(keys)
    return parser


def _add_serve_command(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the sandbox HTTP server",
        description=(
            "Serve every gateway at its real paths, the admin API under /_sandbox/ and the "
            "hosted payment pages. Each option can also be set with the SANDBOX_* environment "
            "variable shown, or in the config file; a flag wins over the environment, which "
            "wins over the file."
        ),
        epilog=SCENARIO_SELECTION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--config", metavar="FILE", help="YAML config file: merchants and settings [SANDBOX_CONFIG]"
    )
    for option in OPTIONS:
        default = "" if option.default in (None, ()) else f"; default {option.default}"
        serve.add_argument(
            option.flag,
            dest=option.name,
            metavar=option.metavar,
            action="append" if option.repeatable else "store",
            help=f"{option.help} [{option.env}{default}]",
        )
    serve.add_argument(
        "--ready-file",
        metavar="PATH",
        help='once ready, write {"url", "port", "pid"} as JSON to this file (removed on exit)',
    )
    serve.set_defaults(handler=run_serve)


def _add_sign_command(commands: Any) -> None:
    sign = commands.add_parser(
        "sign",
        help="compute a signature exactly as the gateway would",
        description=(
            "Print the signature a gateway expects. TrustPay and GoldenPay: give the fields as "
            "key=value arguments or a JSON body with --json (numbers keep their exact text, as "
            "the gateway signs them). EzPay: give the exact param string with --param."
        ),
        epilog=(
            "examples:\n"
            "  sandbox sign trustpay --secret tp_test_secret_9f8e7d6c currency_id=USD\n"
            "  sandbox sign goldenpay --secret gp_test_token_5e6f7a8b --json "
            '\'{"mch_id":10001,"amount":"100.00"}\'\n'
            '  sandbox sign ezpay --demo --param \'{"countryCode":"PH","timestamp":1700000000}\''
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _signature_arguments(sign, verifying=False)
    sign.set_defaults(handler=run_sign)


def _add_verify_command(commands: Any) -> None:
    verify = commands.add_parser(
        "verify",
        help="check a signature exactly as the gateway would",
        description=(
            "Check a signature. Exit 0 when it verifies, 1 when it does not. TrustPay and "
            "GoldenPay read `sign` from the fields; EzPay takes --param and --sign (or --body "
            "with a whole request or notification)."
        ),
        epilog=(
            "examples:\n"
            "  sandbox verify trustpay --secret tp_test_secret_9f8e7d6c currency_id=USD "
            "sign=f8dcedeafcf22554088e4749617d70c1\n"
            '  sandbox verify ezpay --demo-platform --body "$(cat notification.json)"'
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _signature_arguments(verify, verifying=True)
    verify.set_defaults(handler=run_verify)


def _add_key_commands(keys: argparse.ArgumentParser) -> None:
    key_commands = keys.add_subparsers(title="commands", metavar="COMMAND")
    show = key_commands.add_parser(
        "show",
        help="print the demo merchant and platform key pairs",
        description="Print the four TEST-ONLY demo keys as PEM and as single-line Base64 DER.",
    )
    show.add_argument("gateway", choices=["ezpay"], help="only EzPay uses key pairs")
    show.set_defaults(handler=run_keys_show)
    generate = key_commands.add_parser(
        "generate",
        help="make fresh merchant and platform key pairs",
        description=(
            "Generate a fresh RSA-2048 merchant key pair and platform key pair, printed with a "
            "config-file snippet that registers them. --out DIR also writes them as PEM files."
        ),
    )
    generate.add_argument("gateway", choices=["ezpay"], help="only EzPay uses key pairs")
    generate.add_argument("--out", metavar="DIR", help="also write the four PEM files here")
    generate.set_defaults(handler=run_keys_generate)
    keys.set_defaults(handler=lambda args: _help_of(keys))


def _help_of(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_USAGE


def _signature_arguments(parser: argparse.ArgumentParser, *, verifying: bool) -> None:
    parser.add_argument("gateway", choices=["trustpay", "ezpay", "goldenpay"])
    parser.add_argument(
        "fields", nargs="*", metavar="key=value", help="fields to sign (TrustPay, GoldenPay)"
    )
    parser.add_argument(
        "--secret", help="TrustPay merchant secret, or GoldenPay api_token (alias --token)"
    )
    parser.add_argument("--token", dest="secret", help=argparse.SUPPRESS)
    parser.add_argument(
        "--json", metavar="BODY", help="the fields as a JSON object, nested values too (or @file)"
    )
    parser.add_argument("--query", metavar="QUERY", help="GoldenPay GET query string to sign")
    parser.add_argument("--param", metavar="TEXT", help="EzPay: the exact param string (or @file)")
    parser.add_argument(
        "--explain",
        action="store_true",
        help=(
            "also print the string that is signed (stderr); verify: when the signature does "
            "not match, what was expected and which common mistake reproduces it"
        ),
    )
    if verifying:
        parser.add_argument("--sign", help="EzPay: the Base64 signature to check")
        parser.add_argument(
            "--body", metavar="JSON", help="EzPay: a whole request or notification body (or @file)"
        )
        parser.add_argument(
            "--key", metavar="PUBLIC_KEY", help="EzPay: public key, PEM or Base64 DER (or @file)"
        )
        parser.add_argument(
            "--demo",
            action="store_true",
            help="EzPay: use the demo merchant public key (checks a request)",
        )
        parser.add_argument(
            "--demo-platform",
            action="store_true",
            help="EzPay: use the demo platform public key (checks a notification)",
        )
        parser.add_argument(
            "--lenient", action="store_true", help="lenient mode, as signature_mode: lenient"
        )
    else:
        parser.add_argument(
            "--key", metavar="PRIVATE_KEY", help="EzPay: private key, PEM or Base64 DER (or @file)"
        )
        parser.add_argument(
            "--demo", action="store_true", help="EzPay: sign with the demo merchant private key"
        )
        parser.add_argument(
            "--demo-platform",
            action="store_true",
            help="EzPay: sign with the demo platform private key (as a notification)",
        )


# -- serve ---------------------------------------------------------------------------------------


def run_serve(args: argparse.Namespace) -> int:
    # Start-up makes few cycles but many objects: no collection until it is done, then one
    # (`freeze_startup_heap`, which turns the collector back on; so does any early return).
    gc.disable()
    try:
        return _serve(args)
    finally:
        gc.enable()


def _serve(args: argparse.Namespace) -> int:

    from sandbox.app import create_app
    from sandbox.logs import configure_logging, log_banner
    from sandbox.readiness import AnnouncingServer
    from sandbox.runtime import open_sandbox
    from sandbox.security import with_generated_token
    from sandbox.serving import server_config
    from sandbox.store import StoreError

    flags = {option.name: getattr(args, option.name) for option in OPTIONS}
    flags["config"] = args.config
    settings, gateways = _served_settings(flags)
    settings, token_generated = with_generated_token(settings)
    configure_logging(settings.log_format, settings.log_level)
    try:
        sandbox = open_sandbox(settings, gateways)
    except StoreError as exc:
        raise SettingsError(f"SANDBOX_DB: {exc}") from None
    try:
        listener = _bind(settings.host, settings.port)
    except OSError as exc:
        print(
            f"sandbox: error: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
            file=sys.stderr,
        )
        sandbox.store.close()
        return EXIT_FAILURE
    port = listener.getsockname()[1]
    shown = banner(settings, port, token_generated, sandbox.merchants)
    if settings.log_format == "json":
        log_banner(shown, base_url(settings.host, port))
    else:
        print(shown, flush=True)
    app = create_app(settings, sandbox, gateways=gateways)
    config = server_config(app)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal; a requested
    # stop is a clean exit (0), also for `docker stop`.
    signal.signal(signal.SIGTERM, _stop_requested)
    with contextlib.suppress(KeyboardInterrupt, _StopRequested):
        ready_file = Path(args.ready_file) if args.ready_file else None
        url = base_url(settings.host, port)
        AnnouncingServer(config, url, port, ready_file).run(sockets=[listener])
    return EXIT_OK


def _served_settings(flags: dict[str, Any]) -> tuple[Settings, tuple[GatewayPlug, ...]]:
    """The settings and the gateways they select. Settings that select built-in gateways only
    and name no other in the config file need no plug package: the entry points are looked up
    (and every plug loaded) only otherwise."""
    from sandbox.gateways.installed import (
        BUILTIN,
        GatewayListError,
        installed_gateways,
        only_builtin,
        select_gateways,
    )

    try:
        with contextlib.suppress(SettingsError):  # e.g. merchants of a plug's gateway
            settings = resolve_settings(flags, os.environ, [plug.merchants for plug in BUILTIN])
            if only_builtin(settings.gateways):
                return settings, select_gateways(BUILTIN, settings.gateways)
        installed = installed_gateways()
        settings = resolve_settings(flags, os.environ, [plug.merchants for plug in installed])
        return settings, select_gateways(installed, settings.gateways)
    except GatewayListError as exc:
        raise SettingsError(str(exc)) from None


class _StopRequested(Exception):
    pass


def _stop_requested(signum: int, frame: object) -> None:
    raise _StopRequested


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError:
        listener.close()
        raise
    listener.set_inheritable(True)
    return listener


def base_url(host: str, port: int) -> str:
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def banner(
    settings: Settings,
    port: int,
    token_generated: bool = False,
    merchants: MerchantBook | None = None,
) -> str:
    """The start-up text; `merchants`: the served ones (default: the settings' whole book)."""
    from sandbox.store.database import shown_target

    url = base_url(settings.host, port)
    listen = " (listening on all interfaces)" if settings.host in ("0.0.0.0", "::") else ""
    clock = settings.clock if settings.clock == "manual" else f"real, x{settings.time_scale:g}"
    lines = [
        f"Payment Gateway Sandbox {__version__}",
        f"  URL        {url}{listen}",
        f"  admin      {url}/_sandbox/  (health: {url}/_sandbox/health)",
        f"  database   {shown_target(settings.db)}",
        f"  clock      {clock}",
        "  scenarios  " + (", ".join(settings.scenario) or "each gateway's default"),
        f"             {SCENARIO_BANNER_HINT}",
    ]
    if token_generated:
        lines.append(f"  admin API  needs Authorization: Bearer {settings.admin_token}")
        lines.append("             (generated: listening beyond loopback; set SANDBOX_ADMIN_TOKEN)")
    elif settings.admin_token and settings.admin_token.lower() == "off":
        lines.append("  admin API  open to anyone who can connect (SANDBOX_ADMIN_TOKEN=off)")
    elif settings.admin_token:
        lines.append("  admin API  needs Authorization: Bearer <SANDBOX_ADMIN_TOKEN>")
    if settings.callback_url:
        lines.append(f"  callbacks  all sent to {settings.callback_url}")
    elif settings.callback_origin:
        lines.append(f"  callbacks  sent to {settings.callback_origin} (path kept)")
    lines.append("Merchants (test credentials):")
    for kind, merchant in (merchants or settings.merchants).all():
        shown = []
        keys_hidden = False
        for key in kind.credential_keys:
            value = str(getattr(merchant, key))
            if "-----BEGIN" in value:
                keys_hidden = True  # keys are long: `sandbox keys show ezpay` prints them
                continue
            # Only the demo merchants' published test values; a config file's are secrets.
            public = key == kind.id_key or value == str(kind.demo.get(key))
            shown.append(f"{key}={value}" if public else f"{key}=(from the config file)")
        if keys_hidden:
            shown.append(f"keys: sandbox keys show {kind.gateway}")
        lines.append(f"  {kind.gateway:<10} " + "  ".join(shown))
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


# -- sign / verify --------------------------------------------------------------------------------


def _read_arg(value: str) -> str:
    """`@path` reads a file; anything else is the value itself."""
    if value.startswith("@"):
        try:
            return Path(value[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {value[1:]}: {exc.strerror}") from None
    return value


def _md5_fields(args: argparse.Namespace) -> dict[str, Any]:
    from sandbox.signing import DuplicateKeyError, parse_json, parse_query

    if args.secret is None:
        raise UsageError(f"{args.gateway} needs --secret")
    sources = [bool(args.fields), args.json is not None, args.query is not None]
    if sum(sources) != 1:
        raise UsageError("give the fields as key=value arguments, or --json BODY, or --query QUERY")
    if args.query is not None:
        if args.gateway != "goldenpay":
            raise UsageError("--query is for GoldenPay GET requests")
        try:
            return dict(parse_query(args.query))
        except DuplicateKeyError as exc:
            raise UsageError(f"--query: parameter {exc.key!r} is repeated") from None
    if args.json is not None:
        try:
            data = parse_json(_read_arg(args.json))
        except ValueError as exc:
            raise UsageError(f"--json: not a valid JSON object ({exc})") from None
        if not isinstance(data, dict):
            raise UsageError("--json: must be a JSON object")
        # A whole GoldenPay answer, `{"code":200,"payload":{…}}`: its payload is what is signed
        # (nested values such as `meta` are signed as compact JSON).
        envelope = args.gateway == "goldenpay" and set(data) == {"code", "payload"}
        if envelope and isinstance(data["payload"], dict):
            return dict(data["payload"])
        return data
    fields: dict[str, Any] = {}
    for item in args.fields:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{item!r} is not key=value")
        if key in fields:
            raise UsageError(f"field {key!r} is given twice")
        fields[key] = value
    return fields


def run_sign(args: argparse.Namespace) -> int:
    from sandbox.signing import (
        goldenpay_sign,
        goldenpay_string_to_sign,
        trustpay_sign,
        trustpay_string_to_sign,
    )

    if args.gateway == "ezpay":
        private_key = _ezpay_key(args, private=True)
        param = _ezpay_param(args)
        from sandbox.signing.rsa import sign_param

        if args.explain:
            print(param, file=sys.stderr)
        print(sign_param(private_key, param))
        return EXIT_OK
    fields = _md5_fields(args)
    fields.pop("sign", None)
    if args.gateway == "trustpay":
        text, digest = (
            trustpay_string_to_sign(fields, args.secret),
            trustpay_sign(fields, args.secret),
        )
    else:
        text = goldenpay_string_to_sign(fields, args.secret)
        digest = goldenpay_sign(fields, args.secret)
    if args.explain:
        print(text, file=sys.stderr)
    print(digest)
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from sandbox.signing import goldenpay_verify, trustpay_verify
    from sandbox.signing.rsa import verify_param

    mode = "lenient" if args.lenient else "strict"
    if args.gateway == "ezpay":
        public_key = _ezpay_key(args, private=False)
        param, sign = _ezpay_param_and_sign(args)
        verdict = verify_param(public_key, param, sign, mode)
    else:
        fields = _md5_fields(args)
        if "sign" not in fields:
            raise UsageError("give the signature to check as the field sign=...")
        check = trustpay_verify if args.gateway == "trustpay" else goldenpay_verify
        verdict = check(fields, args.secret, mode)
    if verdict.ok:
        print(f"valid ({verdict.form})")
        return EXIT_OK
    print("invalid: the signature does not match", file=sys.stderr)
    if args.explain:
        for line in _explain_refusal(args).lines():
            print(line)
    return EXIT_FAILURE


def _explain_refusal(args: argparse.Namespace) -> Any:
    """The explanation the sandbox journals for the same refusal (demo keys as the other keys)."""
    from sandbox.gateways.plug import find_gateway
    from sandbox.signing import demo_keys
    from sandbox.signing.explain import explain_goldenpay, explain_rsa, explain_trustpay
    from sandbox.signing.rsa import sign_param, signature_checker

    if args.gateway == "ezpay":
        param, sign = _ezpay_param_and_sign(args)
        public_key = _ezpay_key(args, private=False)
        demos = [
            ("the demo merchant", demo_keys.EZPAY_DEMO_MERCHANT_PUBLIC_KEY),
            ("the demo platform (notifications)", demo_keys.EZPAY_DEMO_PLATFORM_PUBLIC_KEY),
        ]
        own = public_key.public_numbers()
        pairs = {
            demo_keys.EZPAY_DEMO_MERCHANT_PUBLIC_KEY: demo_keys.EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
            demo_keys.EZPAY_DEMO_PLATFORM_PUBLIC_KEY: demo_keys.EZPAY_DEMO_PLATFORM_PRIVATE_KEY,
        }
        # The demo pairs' private halves ship with the sandbox: their signature is known.
        private = next((pairs[text] for text in pairs if _numbers(text) == own), None)
        expected = None if private is None else sign_param(private, param)
        others = [(who, signature_checker(text)) for who, text in demos if _numbers(text) != own]
        return explain_rsa(
            param, sign, signature_checker(public_key), expected=expected, other_keys=others
        )
    fields = _md5_fields(args)
    key = "secret" if args.gateway == "trustpay" else "api_token"
    plug = find_gateway(args.installed, args.gateway)
    demo = [] if plug is None else [("the demo merchant", str(plug.merchants.demo[key]))]
    explain = explain_trustpay if args.gateway == "trustpay" else explain_goldenpay
    return explain(fields, args.secret, demo)


def _numbers(text: str) -> Any:
    from sandbox.signing.rsa import load_public_key

    return load_public_key(text).public_numbers()


def _ezpay_key(args: argparse.Namespace, *, private: bool) -> Any:
    from sandbox.signing import demo_keys
    from sandbox.signing.rsa import KeyMaterialError, load_private_key, load_public_key

    chosen = [args.key is not None, args.demo, args.demo_platform]
    if sum(chosen) != 1:
        raise UsageError("ezpay needs exactly one of --key, --demo, --demo-platform")
    if args.key is not None:
        text = _read_arg(args.key)
    elif args.demo:
        text = (
            demo_keys.EZPAY_DEMO_MERCHANT_PRIVATE_KEY
            if private
            else demo_keys.EZPAY_DEMO_MERCHANT_PUBLIC_KEY
        )
    else:
        text = (
            demo_keys.EZPAY_DEMO_PLATFORM_PRIVATE_KEY
            if private
            else demo_keys.EZPAY_DEMO_PLATFORM_PUBLIC_KEY
        )
    try:
        return load_private_key(text) if private else load_public_key(text)
    except KeyMaterialError as exc:
        raise UsageError(f"--key: {exc}") from None


def _ezpay_param(args: argparse.Namespace) -> str:
    if args.param is None:
        raise UsageError("ezpay needs --param with the exact param string")
    text = _read_arg(args.param)
    return text[:-1] if args.param.startswith("@") and text.endswith("\n") else text


def _ezpay_param_and_sign(args: argparse.Namespace) -> tuple[str, str]:
    if args.body is not None:
        try:
            body = json.loads(_read_arg(args.body))
        except ValueError as exc:
            raise UsageError(f"--body: not valid JSON ({exc})") from None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("param"), str)
            or not isinstance(body.get("sign"), str)
        ):
            raise UsageError('--body: must be a JSON object with string "param" and "sign"')
        return body["param"], body["sign"]
    if args.sign is None:
        raise UsageError("ezpay needs --param and --sign, or --body")
    return _ezpay_param(args), args.sign


# -- keys ---------------------------------------------------------------------------------------


def _print_key(title: str, pem: str) -> None:
    from sandbox.signing.rsa import pem_to_base64_der

    print(f"# {title}")
    print(pem.strip())
    print(f"# {title}, single-line Base64 DER")
    print(pem_to_base64_der(pem))
    print()


def run_keys_show(args: argparse.Namespace) -> int:
    from sandbox.signing import demo_keys

    print("# TEST-ONLY demo keys, published with the sandbox: never use them for real money.")
    print("# The merchant signs requests with its private key; the sandbox verifies them with")
    print("# the merchant public key. Notifications are signed with the platform private key;")
    print("# merchants verify them with the platform public key.\n")
    _print_key(
        "EzPay demo merchant private key (PKCS#8)", demo_keys.EZPAY_DEMO_MERCHANT_PRIVATE_KEY
    )
    _print_key("EzPay demo merchant public key", demo_keys.EZPAY_DEMO_MERCHANT_PUBLIC_KEY)
    _print_key(
        "EzPay demo platform private key (PKCS#8)", demo_keys.EZPAY_DEMO_PLATFORM_PRIVATE_KEY
    )
    _print_key("EzPay demo platform public key", demo_keys.EZPAY_DEMO_PLATFORM_PUBLIC_KEY)
    return EXIT_OK


def run_keys_generate(args: argparse.Namespace) -> int:
    from sandbox.signing.rsa import generate_key_pair, pem_to_base64_der

    merchant_private, merchant_public = generate_key_pair()
    platform_private, platform_public = generate_key_pair()
    pairs = {
        "merchant_private.pem": merchant_private,
        "merchant_public.pem": merchant_public,
        "platform_private.pem": platform_private,
        "platform_public.pem": platform_public,
    }
    if args.out:
        folder = Path(args.out)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, pem in pairs.items():
                (folder / name).write_text(pem, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--out: cannot write to {folder}: {exc.strerror}") from None
        print(f"# wrote {', '.join(pairs)} to {folder}", file=sys.stderr)
    _print_key("merchant private key: keep it in your integration", merchant_private)
    _print_key("merchant public key: register it with the sandbox", merchant_public)
    _print_key("platform private key: the sandbox signs notifications with it", platform_private)
    _print_key("platform public key: your integration verifies notifications", platform_public)
    print("# config-file entry (SANDBOX_CONFIG) registering these keys:")
    print("merchants:\n  ezpay:\n    - app_id: <32 lower-case hex characters>")
    print(f'      merchant_public_key: "{pem_to_base64_der(merchant_public)}"')
    print(f'      platform_private_key: "{pem_to_base64_der(platform_private)}"')
    print(f'      platform_public_key: "{pem_to_base64_der(platform_public)}"')
    return EXIT_OK
