"""Reading a codebook file: YAML or JSON → JSON Schema → semantic checks → an immutable Codebook.

Every problem is reported with its exact place. The document is parsed twice from the same text: once into
plain data, once into PyYAML's node tree, whose marks give the line and column of any JSON path (for JSON
files too, since JSON is YAML's flow style). jsonschema's error paths are then looked up in that tree.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bwvtool import resources
from bwvtool.codebook import checks
from bwvtool.codebook.issues import CodebookInvalid, Issue, json_path
from bwvtool.codebook.keys import reserved_by
from bwvtool.codebook.model import Codebook, from_data
from bwvtool.errors import UsageError
from bwvtool.safe_files import check_text_size, check_yaml_expansion, json_problem, read_text

SCHEMA_FILE = "codebook.schema.json"
DEFAULTS_DIR = "codebooks"
# Plain YAML 1.1 scalars PyYAML reads as booleans: a common surprise in option lists ("yes", "no").
# libyaml's loader is ten times faster and gives the same marks; the pure-Python one is the fallback.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_BOOLEAN_WORDS = {"yes", "no", "on", "off", "true", "false", "y", "n"}


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = resources.load_json(SCHEMA_FILE)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


# -- the node tree: where a path is in the file ------------------------------------------------------------
def _node_at(root: Node | None, parts: Sequence[str | int], at_key: bool = False) -> Node | None:
    """The node of ``parts`` (its key's node with ``at_key``), or the deepest existing node on the way."""
    node = root
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, MappingNode):
            found = _mapping_entry(node, str(part))
            if found is None:
                return node
            node = found[0] if (at_key and last) else found[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _mapping_entry(node: MappingNode, key: str) -> tuple[Node, Node] | None:
    """(key node, value node) of ``key`` in a mapping, following YAML merge keys (``<<: *anchor``)."""
    merged: list[Node] = []
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode):
            if key_node.value == key:
                return key_node, value_node
            if key_node.value == "<<":
                merged += value_node.value if isinstance(value_node, SequenceNode) else [value_node]
    for source in merged:
        if isinstance(source, MappingNode) and (found := _mapping_entry(source, key)) is not None:
            return found
    return None


def _duplicate_keys(node: Node | None, path: tuple[str | int, ...] = ()) -> list[tuple[tuple, Node, str]]:
    """Mapping keys written twice (YAML and JSON parsers silently keep the last one)."""
    found: list[tuple[tuple, Node, str]] = []
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                if key_node.value in seen and key_node.value != "<<":
                    found.append(
                        ((*path, key_node.value), key_node, f"field {key_node.value!r} is given twice")
                    )
                seen.add(key_node.value)
                found += _duplicate_keys(value_node, (*path, key_node.value))
    elif isinstance(node, SequenceNode):
        for index, child in enumerate(node.value):
            found += _duplicate_keys(child, (*path, index))
    return found


class _Located:
    """Turns paths into issues with line and column, for one file."""

    def __init__(self, filename: str, root: Node | None) -> None:
        self.filename = filename
        self.root = root

    def issue(self, parts: Sequence[str | int], message: str, at_key: bool = False) -> Issue:
        return self.issue_at(_node_at(self.root, parts, at_key), parts, message)

    def issue_at(self, node: Node | None, parts: Sequence[str | int], message: str) -> Issue:
        if node is None:
            return Issue(self.filename, None, None, json_path(parts), message)
        mark = node.start_mark
        return Issue(self.filename, mark.line + 1, mark.column + 1, json_path(parts), message)

    def line_of(self, parts: Sequence[str | int]) -> str:
        node = _node_at(self.root, parts)
        return f"line {node.start_mark.line + 1}" if node is not None else json_path(parts)

    def scalar_text(self, parts: Sequence[str | int]) -> str | None:
        node = _node_at(self.root, parts)
        if isinstance(node, ScalarNode) and not node.style:  # plain (unquoted) scalars only
            return node.value
        return None


# -- parsing -----------------------------------------------------------------------------------------------
def _parse(text: str, filename: str, as_json: bool) -> tuple[Any, Node | None, list[Issue]]:
    """(data, node tree, syntax issues). JSON data come from :mod:`json` (strict), the marks from YAML.

    The text is size-capped, and the node tree checked for exploding aliases before any data is built from it
    (:mod:`bwvtool.safe_files`).
    """
    check_text_size(text, "codebook", filename)
    data: Any = None
    if as_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return None, None, [Issue(filename, exc.lineno, exc.colno, "$", json_problem(exc))]
        except RecursionError:
            return None, None, [Issue(filename, None, None, "$", "nested too deeply to be a codebook")]
    try:
        # Composed on its own: constructing the data rewrites merge keys in the tree it is given.
        root = yaml.compose(text, Loader=_LOADER)
        check_yaml_expansion(root, filename)
        if not as_json:
            data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        if as_json:  # valid JSON that PyYAML cannot read (rare): keep the data, lose the positions
            return data, None, []
        mark = exc.problem_mark or exc.context_mark
        message = f"not valid YAML: {exc.problem or exc.context}"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        return None, None, [Issue(filename, line, column, "$", message)]
    except yaml.YAMLError as exc:
        return None, None, [Issue(filename, None, None, "$", f"not valid YAML: {exc}")]
    return data, root, []


# -- schema errors in words --------------------------------------------------------------------------------
_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


def _describe(value: Any) -> str:
    kind = {bool: "boolean", int: "number", float: "number", str: "text", list: "list", dict: "mapping"}
    return f"{kind.get(type(value), type(value).__name__)} {json.dumps(value, default=str)[:60]}"


def _suggest(word: Any, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _pattern_message(parts: Sequence[str | int], value: Any) -> str:
    field = next((p for p in reversed(parts) if isinstance(p, str)), "")
    if field == "shortcut":
        player = reserved_by(str(value))
        if player is not None:
            return f"{value!r} is a player key ({player.name}: {player.purpose}); use one other character"
        return f"a shortcut is one key, a single character such as 'a' (got {value!r})"
    if field == "colour":
        return f"expected a colour as #rrggbb, e.g. '#1f77b4' (got {value!r})"
    return f"{value!r} is not a valid id: lower-case letters, digits and _, starting with a letter (max 48)"


def _message(error: Any, parts: list[str | int], where: _Located) -> str:
    """A jsonschema error in the words of someone editing a YAML file."""
    validator, value = error.validator, error.instance
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required field {missing!r}"
    if validator == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else expected
        message = f"expected {' or '.join(_TYPE_WORDS.get(t, t) for t in expected)}, got {_describe(value)}"
    elif validator == "enum":
        choices = [str(c) for c in error.validator_value]
        message = f"{value!r} is not one of: {', '.join(choices)}{_suggest(value, choices)}"
    elif validator == "pattern":
        message = _pattern_message(parts, value)
    else:
        return error.message
    plain = where.scalar_text(parts)
    if isinstance(value, bool) and plain and plain.lower() in _YAML_BOOLEAN_WORDS:
        message += f" (YAML reads an unquoted {plain} as true/false; write '{plain}' in quotes)"
    return message


def _schema_issues(data: Any, where: _Located) -> list[Issue]:
    issues: list[Issue] = []
    for error in _validator().iter_errors(data):
        parts = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            # One issue per unknown field, placed on the field's name rather than on its object.
            allowed = list(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - set(allowed), key=str):
                message = f"unknown field {extra!r}{_suggest(extra, allowed)} (allowed: {', '.join(allowed)})"
                issues.append(where.issue([*parts, extra], message, at_key=True))
        else:
            issues.append(where.issue(parts, _message(error, parts, where)))
    return issues


# -- public API --------------------------------------------------------------------------------------------
def check_text(text: str, filename: str = "<codebook>") -> tuple[Codebook | None, list[Issue]]:
    """Validate codebook ``text``: (the codebook, []) when valid, else (None, every issue in file order).

    JSON is expected when ``filename`` ends in ``.json``; anything else is read as YAML.
    """
    data, root, issues = _parse(text, filename, filename.lower().endswith(".json"))
    if issues:
        return None, issues
    where = _Located(filename, root)
    if data is None:
        empty = "the file is empty; a codebook is a mapping with key, version, title, tracks and codes"
        return None, [Issue(filename, None, None, "$", empty)]
    issues += [where.issue_at(node, path, message) for path, node, message in _duplicate_keys(root)]
    issues += _schema_issues(data, where)
    findings = checks.semantic_findings(data, where.line_of)
    issues += [where.issue(f.path, f.message, f.at_key) for f in findings]
    if issues:
        unique = dict.fromkeys(issues)  # same problem found twice (schema and checks): report it once
        return None, sorted(unique, key=lambda i: (i.line or 0, i.column or 0, i.path))
    return from_data(data), []


def parse_codebook(text: str, filename: str = "<codebook>") -> Codebook:
    """The codebook in ``text``; raises :class:`CodebookInvalid` listing every problem."""
    codebook, issues = check_text(text, filename)
    if codebook is None:
        raise CodebookInvalid(issues)
    return codebook


def read_codebook_file(path: str | Path) -> str:
    """The text of a codebook file, or a clear error if it cannot be read."""
    path = Path(path)
    try:
        return read_text(path, "codebook")
    except FileNotFoundError:
        raise UsageError(f"no codebook file at {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read codebook {path}: {exc.strerror or exc}") from None


def check_file(path: str | Path) -> tuple[Codebook | None, list[Issue]]:
    """Like :func:`check_text` for a file on disk; issues name the file as given."""
    return check_text(read_codebook_file(path), str(path))


def load_codebook(path: str | Path) -> Codebook:
    """The codebook in the YAML or JSON file ``path``; raises CodebookInvalid listing every problem."""
    return parse_codebook(read_codebook_file(path), str(path))


def default_codebook_files() -> list[str]:
    """Names of the codebooks shipped with bwvtool (``schemas/codebooks/*.yaml``)."""
    return [name for name in resources.list_dir(DEFAULTS_DIR) if name.endswith((".yaml", ".yml", ".json"))]


def load_default_codebook(name: str) -> Codebook:
    """A shipped codebook by file name, e.g. ``pioss_review.yaml``."""
    relative = f"{DEFAULTS_DIR}/{name}"
    return parse_codebook(resources.read_text(relative), relative)
