"""``--set KEY=VALUE``: one TrainConfig field changed on top of a benchmark's settings.

The benchmarks that train (``mode_collapse.py``, ``time_to_quality.py``,
``epoch_extras.py``) take such changes to measure a candidate setting without editing the
presets; the label a run's rows carry names the changes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json


def parse_change(text: str) -> tuple[str, object]:
    """``"ema=0.99"`` -> ``("ema", 0.99)``: the value is JSON (``null``, ``true``, ``[256, 256]``), else a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--set takes KEY=VALUE, e.g. ema=0.99; got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def add_set_argument(parser: argparse.ArgumentParser, whose: str, example: str) -> None:
    """The repeatable ``--set KEY=VALUE`` option, gathered as ``args.changes``, a list of ``(key, value)``.

    ``whose`` says which config a change lands on ("the preset", "every
    run"); ``example`` shows a change or two.
    """
    parser.add_argument(
        "--set", dest="changes", type=parse_change, action="append", default=[], metavar="KEY=VALUE",
        help=f"change a TrainConfig field of {whose} (JSON value, e.g. {example}); repeatable",
    )


def apply_changes(config, changes: dict | None):
    """``config`` (a ``TrainConfig``) with ``changes`` on top, validated by the dataclass itself.

    Raises:
        ValueError: a key that is no field of the config, listing the valid
            ones, or a value the config refuses.
    """
    fields = {field.name for field in dataclasses.fields(config)}
    unknown = sorted(set(changes or {}) - fields)
    if unknown:
        raise ValueError(f"unknown TrainConfig field(s) {', '.join(unknown)} in --set; valid: {', '.join(sorted(fields))}")
    return dataclasses.replace(config, **(changes or {}))


def variant_label(setting: str, changes: dict | None) -> str:
    """The name of a setting with changes, as rows and tables show it: ``"recommended ema=0.99"``."""
    if not changes:
        return setting
    return setting + " " + ",".join(f"{key}={json.dumps(value)}" for key, value in sorted(changes.items()))
