"""Run benchmarks by name: ``python -m bench`` (the default set), ``python -m bench delivery``.

A benchmark is a module in this package with ``run(argv: list[str]) -> int`` (its own argparse
over ``argv``) and a one-line docstring. ``DEFAULT = False`` at module level keeps an expensive
one out of the default set; it still runs when named. Anything after ``--`` goes to the named
benchmark: ``python -m bench delivery -- --messages 2000``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

_SKIP = {"__main__", "__init__"}


def _discover() -> dict[str, ModuleType]:
    """Every module of this package that has a ``run`` function, by its short name."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name in _SKIP or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "run", None)):
            short = info.name.removesuffix("_bench")
            found[short] = module
    return found


def _describe(module: ModuleType) -> str:
    doc = (module.__doc__ or "").strip().splitlines()
    return doc[0] if doc else ""


def main(argv: list[str]) -> int:
    names, extra = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :])
        if "--" in argv
        else (
            argv,
            [],
        )
    )
    benches = _discover()
    if names in (["-h"], ["--help"], ["list"]):
        print("usage: python -m bench [name ...] [-- benchmark options]\n")
        for name, module in sorted(benches.items()):
            default = "" if getattr(module, "DEFAULT", True) else " (not in the default set)"
            print(f"  {name:<12} {_describe(module)}{default}")
        return 0
    unknown = [n for n in names if n not in benches]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(sorted(benches))}")
        return 2
    chosen = names or [n for n, m in sorted(benches.items()) if getattr(m, "DEFAULT", True)]
    status = 0
    for name in chosen:
        print(f"=== bench {name}: {_describe(benches[name])}", flush=True)
        status = max(status, int(benches[name].run(list(extra)) or 0))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
