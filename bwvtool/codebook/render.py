"""An editable YAML copy of a codebook: fields in a readable order, short lists on one line."""

from __future__ import annotations

import json
from typing import Any

import yaml

from bwvtool.codebook.model import Codebook

# Reading order of fields wherever they appear; anything not listed follows in alphabetical order.
FIELD_ORDER: tuple[str, ...] = (
    "$schema",
    "key",
    "version",
    "title",
    "id",
    "label",
    "track",
    "type",
    "shortcut",
    "section",
    "required",
    "description",
    "help",
    "kinds",
    "colour",
    "exclusive",
    "actors",
    "default_actor",
    "starrable",
    "escalation",
    "links_cause",
    "turning_point",
    "min",
    "max",
    "integer",
    "unit",
    "default",
    "options",
    "exclusive_options",
    "anchors",
    "modifiers",
    "tracks",
    "codes",
    "review_items",
)
_RANK = {name: index for index, name in enumerate(FIELD_ORDER)}


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (_RANK.get(k, len(_RANK)), k))
        return {k: _ordered(value[k]) for k in keys}
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Lists of plain values (actors, kinds, options as ids) on one line, everything else in block style."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write YAML by hand.
        super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flat = all(isinstance(v, str | int | float | bool) for v in data) and len(json.dumps(data)) <= 80
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _represent_list)


def to_yaml(codebook: Codebook, header: str = "") -> str:
    """The codebook as YAML that validates back to the same body (same SHA-256), after an optional comment."""
    text = yaml.dump(
        _ordered(codebook.data()), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110
    )
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comment + text


def to_json(codebook: Codebook) -> str:
    """The codebook as indented JSON in reading order."""
    return json.dumps(_ordered(codebook.data()), indent=2, ensure_ascii=False) + "\n"
