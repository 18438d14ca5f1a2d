"""Sampling plans: YAML or JSON text, validated by the JSON Schema and by rules the schema cannot express.

Every error names the field (as a path such as ``design.sample.allocation``) and, for YAML and JSON text, the
line it is on, so a user can go straight to the mistake.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

import yaml

from bwvtool import resources
from bwvtool.errors import UsageError
from bwvtool.safe_files import HostileInput, check_text_size, check_yaml_expansion, parse_json, read_text
from bwvtool.sampling import checks

SCHEMA = "sampling_plan.schema.json"
PLANS_DIR = "plans"


class PlanError(UsageError):
    """A plan that cannot be used: the message names the line and field."""


class _Loader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: dates stay text, as they would in JSON."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Plan:
    """A validated plan, with the exact text it came from (stored with every sample it draws)."""

    text: str
    data: dict[str, Any]
    label: str
    base_dir: Path | None = None
    lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def unit(self) -> str:
        return str(self.data["unit"])

    @property
    def take(self) -> str:
        return str(self.data.get("take", "all"))

    @property
    def frame(self) -> dict[str, Any]:
        return self.data.get("frame", {})

    @property
    def design(self) -> dict[str, Any]:
        return self.data["design"]

    @property
    def sample(self) -> dict[str, Any] | None:
        return self.design.get("sample")

    @property
    def assignment(self) -> dict[str, Any] | None:
        return self.data.get("assignment")

    @property
    def codebook(self) -> str | None:
        """The key of the codebook the plan's samples are coded with, if it names one."""
        return self.data.get("codebook")

    def with_coders(self, coders: list[str]) -> Plan:
        """The plan handing its units to ``coders`` (chosen at the draw). The text, and so the plan's hash, stay
        the file's: the sample records the coders beside it, and ``verify`` redraws with them."""
        return replace(
            self, data={**self.data, "assignment": {**(self.assignment or {}), "coders": list(coders)}}
        )

    def error(self, pointer: str, message: str) -> PlanError:
        """An error about the plan element at JSON pointer ``pointer`` (e.g. ``/design/sample/n``)."""
        return PlanError(_located(self.label, self.lines, pointer, message))


def load_plan(source: Plan | str | Path, *, label: str | None = None) -> Plan:
    """A validated plan from a :class:`Path`, a built-in plan's name, a file name, or the plan's text.

    :param source: a path; or a string that is an existing file, a built-in name (``pioss_weekly``), or YAML/JSON
        text.
    :param label: how errors name the plan (default: the file name or ``builtin:NAME``).
    :raises PlanError: the plan is unreadable or invalid; the message names the line and field.
    """
    if isinstance(source, Plan):
        return source
    if isinstance(source, Path):
        return _from_file(source, label)
    text = str(source)
    if "\n" in text or text.lstrip().startswith("{"):
        return parse_plan(text, label=label or "<text>")
    if _is_file(text):
        return _from_file(Path(text).expanduser(), label)
    builtin = _builtin_file(text)
    if builtin is not None:
        return parse_plan(resources.read_text(f"{PLANS_DIR}/{builtin}"), label=label or f"builtin:{text}")
    raise PlanError(
        f"no plan file or built-in plan called {text!r} (built-in plans: {', '.join(builtin_plans())})"
    )


def parse_plan(text: str, *, label: str = "<text>", base_dir: Path | None = None) -> Plan:
    """Parse and validate plan ``text``; see :func:`load_plan`."""
    data, lines = _parse(text, label)
    _validate_schema(data, lines, label)
    plan = Plan(text=text, data=data, label=label, base_dir=base_dir, lines=lines)
    checks.check_plan(plan)
    return plan


def builtin_plans() -> list[str]:
    """Names of the plans shipped with bwvtool."""
    return [name.removesuffix(".yaml") for name in resources.list_dir(PLANS_DIR) if name.endswith(".yaml")]


def builtin_plan_text(name: str) -> str:
    """The text of built-in plan ``name`` (for an editable copy)."""
    file = _builtin_file(name)
    if file is None:
        raise PlanError(f"no built-in plan called {name!r} (built-in plans: {', '.join(builtin_plans())})")
    return resources.read_text(f"{PLANS_DIR}/{file}")


def _is_file(text: str) -> bool:
    try:
        return Path(text).expanduser().is_file()
    except (OSError, ValueError):  # a name too long, or with a NUL, is no file of ours
        return False


def _builtin_file(name: str) -> str | None:
    wanted = name.strip().replace("-", "_").removesuffix(".yaml")
    return f"{wanted}.yaml" if wanted in builtin_plans() else None


def _from_file(path: Path, label: str | None) -> Plan:
    try:
        text = read_text(path, "sampling plan", label=f"plan {label or path.name}")
    except HostileInput as exc:
        raise PlanError(str(exc)) from None
    except OSError as exc:
        raise PlanError(f"cannot read plan {path}: {exc.strerror or exc}") from None
    return parse_plan(text, label=label or path.name, base_dir=path.resolve().parent)


# -- parsing with line numbers -----------------------------------------------------------------------------


def _parse(text: str, label: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The plan's data and a map from JSON pointer to the 1-based line of its key (or item).

    A plan named ``*.json``, or text that begins with ``{``, is JSON and parsed strictly (a trailing comma is an
    error with its line and column); its lines still come from reading it as YAML. Valid JSON has raw tabs only
    as whitespace, which YAML refuses for indentation, so they become spaces first. The text is size-capped and
    YAML aliases are bounded (:mod:`bwvtool.safe_files`).
    """
    as_json = label.lower().endswith(".json") or text.lstrip().startswith("{")
    lines: dict[str, int] = {}
    try:
        check_text_size(text, "sampling plan", f"plan {label}")
        strict = parse_json(text, f"plan {label}") if as_json else None
    except HostileInput as exc:
        raise PlanError(str(exc)) from None
    loader = _Loader(text.replace("\t", " ") if as_json else text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PlanError(f"plan {label} is empty")
        check_yaml_expansion(node, f"plan {label}")
        _mark_lines(node, "", lines, label)
        data = strict if as_json else loader.construct_document(node)
    except HostileInput as exc:
        raise PlanError(str(exc)) from None
    except RecursionError:
        raise PlanError(f"plan {label}: nested too deeply to be a plan") from None
    except yaml.YAMLError as exc:
        if as_json:  # valid JSON that YAML cannot read (rare): keep the data, lose the lines
            return _mapping(strict, label), {}
        _yaml_error(exc, label)
    finally:
        loader.dispose()
    return _mapping(data, label), lines


def _yaml_error(exc: yaml.YAMLError, label: str) -> NoReturn:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f" line {mark.line + 1}" if mark else ""
        raise PlanError(f"plan {label}{where}: not valid YAML or JSON: {exc.problem or exc}") from exc
    raise PlanError(f"plan {label}: not valid YAML or JSON: {exc}") from exc


def _mapping(data: Any, label: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PlanError(f"plan {label}: a plan is a mapping of fields (name, unit, frame, design …)")
    return data


def _mark_lines(node: yaml.Node, pointer: str, lines: dict[str, int], label: str) -> None:
    lines.setdefault(pointer, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{pointer}/{_escape(key)}"
            if key in seen:
                raise PlanError(
                    _located(
                        label,
                        lines | {child: key_node.start_mark.line + 1},
                        child,
                        f"field {key!r} is given twice",
                    )
                )
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _mark_lines(value_node, child, lines, label)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _mark_lines(item, f"{pointer}/{index}", lines, label)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def display_path(pointer: str) -> str:
    """``/design/census/0/where`` → ``design.census[0].where``."""
    out = ""
    for part in pointer.split("/")[1:]:
        part = _unescape(part)
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "(plan)"


def _located(label: str, lines: dict[str, int], pointer: str, message: str) -> str:
    probe = pointer
    while probe not in lines and probe:
        probe = probe.rsplit("/", 1)[0]
    line = lines.get(probe)
    where = f" line {line}" if line else ""
    return f"plan {label}{where}: {display_path(pointer)}: {message}"


# -- JSON Schema -------------------------------------------------------------------------------------------


def _validate_schema(data: dict[str, Any], lines: dict[str, int], label: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(resources.load_json(SCHEMA))
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    located = [_describe(error, data) for error in errors]
    located.sort(key=lambda item: (_line_of(lines, item[0]), _rank(item[0]), -len(item[0])))
    pointer, message = located[0]
    more = (
        f" (and {len(located) - 1} more problem{'s' if len(located) > 2 else ''})" if len(located) > 1 else ""
    )
    raise PlanError(_located(label, lines, pointer, message) + more)


def _rank(pointer: str) -> int:
    """On one line, name the field or operator problem before the value problem it causes."""
    return 0 if pointer.endswith(("/field", "/op")) else 1


def _line_of(lines: dict[str, int], pointer: str) -> int:
    while pointer not in lines and pointer:
        pointer = pointer.rsplit("/", 1)[0]
    return lines.get(pointer, 0)


def _at(data: Any, path: list[Any]) -> Any:
    for part in path:
        data = data[part]
    return data


def _describe(error: Any, data: dict[str, Any]) -> tuple[str, str]:
    """A JSON pointer and a plain message for one schema error."""
    pointer = "".join(f"/{_escape(str(part))}" for part in error.absolute_path)
    kind, expected = error.validator, error.validator_value
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        return f"{pointer}/{_escape(unknown[0])}", (
            f"unknown field {unknown[0]!r} (allowed here: {', '.join(allowed)})"
        )
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(expected)
        return pointer, f"missing required field {missing!r}"
    if kind == "enum":
        choices = ", ".join(str(v) for v in expected)
        if pointer.endswith("/op"):
            test = _at(data, list(error.absolute_path)[:-1])
            subject = f"field {test.get('field')!r}" if isinstance(test, dict) else "this field"
            return pointer, f"operator {error.instance!r} does not apply to {subject} (use one of: {choices})"
        if pointer.endswith("/field"):
            return pointer, f"unknown catalogue field {error.instance!r} (fields: {choices})"
        return pointer, f"{error.instance!r} is not one of: {choices}"
    if kind == "not" and isinstance(expected, dict) and "required" in expected:
        return pointer, f"{expected['required'][0]!r} is not allowed here"
    if kind == "type":
        return pointer, f"{error.instance!r} is not {_article(expected)}"
    if kind in ("minProperties", "maxProperties") and pointer.startswith("/lists/"):
        return pointer, "give either 'path' (a file of ids) or 'ids' (a list), not both"
    return pointer, error.message


def _article(expected: Any) -> str:
    names = {
        "integer": "an integer",
        "number": "a number",
        "string": "text",
        "array": "a list",
        "object": "a mapping",
        "boolean": "true or false",
    }
    if isinstance(expected, list):
        return " or ".join(names.get(e, e) for e in expected)
    return names.get(expected, str(expected))
