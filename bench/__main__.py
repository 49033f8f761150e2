"""`python -m bench` runs every benchmark; `python -m bench NAME [OPTIONS]` runs one.

Exit status: 0 when every target is met, 1 when one is missed, 2 for an unknown benchmark. The
figures (and each benchmark's exit status) go to bench-results.json (bench/results.py).
To add a benchmark, write a module with `main(argv) -> int` and list it in BENCHES.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from bench import (
    delivery,
    ezpay,
    goldenpay,
    instructions,
    replicas,
    soak,
    startup,
    trustpay,
    trustpay_cards,
)
from bench.results import record_exit

BENCHES: dict[str, Callable[[Sequence[str]], int]] = {
    "startup": startup.main,
    "delivery": delivery.main,
    "trustpay": trustpay.main,
    "goldenpay": goldenpay.main,
    "ezpay": ezpay.main,
    "trustpay-cards": trustpay_cards.main,
    "soak": soak.main,
    "replicas": replicas.main,
    "instructions": instructions.main,
}


def main(argv: Sequence[str]) -> int:
    if not argv:
        codes = [run(name, []) for name in BENCHES]
        return max(codes, default=0)
    name, *rest = argv
    if name not in BENCHES:
        print(f"usage: python -m bench [{'|'.join(BENCHES)}] [OPTIONS]", file=sys.stderr)
        return 0 if name in ("-h", "--help") else 2
    return run(name, rest)


def run(name: str, argv: Sequence[str]) -> int:
    """One benchmark; its exit status joins its figures in the results file."""
    status = BENCHES[name](argv)
    record_exit(name, status)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
