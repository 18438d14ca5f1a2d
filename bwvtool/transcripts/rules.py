"""Suggestion rules: read the YAML file (the shipped ``suggestion_rules.yaml`` or a user's own) and check it.

See the shipped file for the format. Problems name the file, the rule and the field.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bwvtool import resources, safe_files
from bwvtool.errors import BwvError

SHIPPED = "suggestion_rules.yaml"
_SPEAKERS = ("officer", "other", "any")


class RulesError(BwvError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    id: str
    code: str
    reason: str
    target: str = "code"  # code or review_item
    kind: str = "match"  # match or opening
    speaker: str = "officer"
    patterns: tuple[re.Pattern, ...] = ()
    exclude: tuple[re.Pattern, ...] = ()
    first: str | None = None  # opening rules: the rule whose match must come first ...
    before: str | None = None  # ... before any match of this rule ...
    within_words: int = 45  # ... within the officer's first words


@dataclass(frozen=True)
class RuleSet:
    name: str
    sha256: str
    rules: tuple[Rule, ...]
    officer_speakers: tuple[re.Pattern, ...] = field(default=())

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def is_officer(self, speaker: str | None) -> bool:
        return speaker is None or any(p.search(speaker.strip().lower()) for p in self.officer_speakers)


def load(path: str | Path | None = None) -> RuleSet:
    """The rules in ``path``, or the shipped rules. :raises RulesError: unreadable or invalid file."""
    if path is None:
        name, text = SHIPPED, resources.read_text(SHIPPED)
    else:
        path = Path(path)
        name = path.name
        if not path.is_file():
            raise RulesError(f"{path}: no such file")
        try:
            text = safe_files.read_text(path, "suggestion rules", name)
        except safe_files.HostileInput as exc:
            raise RulesError(str(exc)) from None
    return parse(text, name)


def _compile(name: str, rule_id: str, key: str, values: object) -> tuple[re.Pattern, ...]:
    if values is None:
        return ()
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RulesError(f"{name}: rule {rule_id}: {key} must be a list of regular expressions")
    compiled = []
    for value in values:
        try:
            compiled.append(re.compile(value, re.IGNORECASE))
        except re.error as exc:
            raise RulesError(
                f"{name}: rule {rule_id}: {key} {value!r} is not a regular expression ({exc})"
            ) from None
    return tuple(compiled)


def parse(text: str, name: str = "rules") -> RuleSet:
    try:
        data = safe_files.load_yaml(text, name)  # aliases bounded: a "billion laughs" file is refused
    except safe_files.HostileInput as exc:
        raise RulesError(str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise RulesError(f"{name}{where}: not valid YAML") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RulesError(f"{name}: expected a mapping with a 'rules' list")
    rules: list[Rule] = []
    for number, raw in enumerate(data["rules"], start=1):
        rules.append(_rule(name, number, raw))
    ids = [r.id for r in rules]
    if dup := next((i for i in ids if ids.count(i) > 1), None):
        raise RulesError(f"{name}: rule id {dup!r} is used twice")
    for rule in (r for r in rules if r.kind == "opening"):
        for ref in (rule.first, rule.before):
            if ref not in ids:
                raise RulesError(f"{name}: rule {rule.id}: no rule {ref!r} to refer to")
    speakers = _compile(name, "officer_speakers", "officer_speakers", data.get("officer_speakers", []))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return RuleSet(name, digest, tuple(rules), speakers)


def _rule(name: str, number: int, raw: object) -> Rule:
    if not isinstance(raw, dict):
        raise RulesError(f"{name}: rule {number} is not a mapping")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RulesError(f"{name}: rule {number} has no id")
    for key in ("code", "reason"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise RulesError(f"{name}: rule {rule_id}: {key} is required")
    kind, target, speaker = raw.get("kind", "match"), raw.get("target", "code"), raw.get("speaker", "officer")
    if kind not in ("match", "opening"):
        raise RulesError(f"{name}: rule {rule_id}: kind must be match or opening, not {kind!r}")
    if target not in ("code", "review_item"):
        raise RulesError(f"{name}: rule {rule_id}: target must be code or review_item, not {target!r}")
    if speaker not in _SPEAKERS:
        raise RulesError(f"{name}: rule {rule_id}: speaker must be one of {', '.join(_SPEAKERS)}")
    patterns = _compile(name, rule_id, "patterns", raw.get("patterns"))
    if kind == "match" and not patterns:
        raise RulesError(f"{name}: rule {rule_id}: patterns are required")
    within = raw.get("within_words", 45)
    if kind == "opening" and (
        not isinstance(within, int) or within < 1 or not raw.get("first") or not raw.get("before")
    ):
        raise RulesError(
            f"{name}: rule {rule_id}: an opening rule needs first, before and within_words (>= 1)"
        )
    return Rule(
        id=rule_id, code=raw["code"], reason=raw["reason"], target=target, kind=kind, speaker=speaker,
        patterns=patterns, exclude=_compile(name, rule_id, "exclude", raw.get("exclude")),
        first=raw.get("first"), before=raw.get("before"), within_words=within,
    )  # fmt: skip
