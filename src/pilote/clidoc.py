"""Writes docs/cli.md from the parser itself, so the reference and ``--help`` never disagree.

    python -m pilote.clidoc > docs/cli.md

A test regenerates it and compares (tests/cli/test_cli_reference.py).
"""

from __future__ import annotations

import argparse
import os
import sys

from .cli import build_parser

INTRO = """# `pilote` command reference

Generated from the commands' own `--help` by `python -m pilote.clidoc > docs/cli.md`;
a test fails when the two disagree. Every command accepts `--help`.

Conventions: with a single organisation in the database no command needs `--org`.
Errors are printed on standard error, one line per field path (for example
`objectives[1].key_results[0].target: must differ from baseline`), and the exit
status is 1; a usage error (an unknown option, a value of the wrong type) exits with 2.
"""


def _walk(parser: argparse.ArgumentParser, path: list[str]):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, path + [name])


def reference() -> str:
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal: fix it for a stable text
    parts = [INTRO]
    for path, parser in _walk(build_parser(), ["pilote"]):
        parts.append(f"\n## `{' '.join(path)}`\n\n```text\n{parser.format_help().rstrip()}\n```\n")
    return "".join(parts)


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(reference())
