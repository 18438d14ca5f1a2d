"""Reading files that come from outside: capped in size, UTF-8 with the line at fault, YAML whose aliases
cannot explode, strict JSON with line and column, XML without DTDs or entities.

Every parser of a user's file goes through here (codebooks, sampling plans, debrief narratives, key files, ELAN
files, catalogue lines), so a hostile or mistaken file is refused quickly with one plain sentence instead of
eating memory for minutes or surfacing a codec error. The limits (:data:`CAPS`, :data:`MAX_YAML_VALUES`,
:data:`MAX_DEPTH`) are documented in docs/guarantees.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bwvtool.errors import UsageError

MB = 1024 * 1024
# Largest file accepted per kind, in bytes: far above any real one (the shipped codebooks are ~20 KB).
CAPS: dict[str, int] = {
    "codebook": 5 * MB,
    "sampling plan": 5 * MB,
    "debrief narrative": 1 * MB,
    "key file": 64 * 1024,
    "ELAN file": 50 * MB,
    "catalogue line": 1 * MB,  # one JSON Lines record
    "transcript": 20 * MB,  # a day of captions is a few MB
    "suggestion rules": 1 * MB,
    "id list": 64 * MB,  # a plan's named list: one clip or incident id a line
}
# YAML anchors and aliases may repeat a value; expanded, a document may hold at most this many values. A
# "billion laughs" file (aliases of aliases of aliases …) passes the size cap but would expand to billions.
MAX_YAML_VALUES = 200_000
MAX_DEPTH = 100  # nesting of mappings and lists


class HostileInput(UsageError):
    """A file refused before parsing: too large, not UTF-8, exploding aliases, DTDs in XML."""


def size_words(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"


def too_large(label: str, kind: str, size: int | None = None) -> HostileInput:
    cap = CAPS[kind]
    actual = f" ({size_words(size)})" if size is not None else ""
    return HostileInput(
        f"{label} is too large{actual} for a {kind}: the limit is {size_words(cap)}; is it the right file?"
    )


def read_bytes(path: str | Path, kind: str, label: str | None = None) -> bytes:
    """The bytes of ``path``, refused (:class:`HostileInput`) when larger than the cap of ``kind``.

    The size is checked before reading, and reading stops one byte past the cap (a growing file, a pipe).

    :raises FileNotFoundError, OSError: as opening the file raises them (callers word those themselves).
    """
    path = Path(path)
    label = label or str(path)
    cap = CAPS[kind]
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > cap:
            raise too_large(label, kind, size)
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise too_large(label, kind)
    return data


def decode_utf8(data: bytes, label: str) -> str:
    """``data`` as text; :class:`HostileInput` naming the line and saying "save it as UTF-8" otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        width = "UTF-32" if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) else "UTF-16"
        raise HostileInput(f"{label}: line 1: the file is saved as {width}; save it as UTF-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte order mark (Windows editors add one)
    nul = data.find(b"\x00")
    if nul >= 0:  # never in UTF-8 text; every other byte of UTF-16 text
        line = data.count(b"\n", 0, nul) + 1
        raise HostileInput(
            f"{label}: line {line}: the file holds NUL characters (UTF-16 without a byte order mark?);"
            " save it as UTF-8"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        guess = " (it looks like Latin-1 or Windows-1252)" if byte >= 0x80 else ""
        raise HostileInput(
            f"{label}: line {line}: byte 0x{byte:02X} is not UTF-8{guess}; save it as UTF-8"
        ) from None
    return text


def read_text(path: str | Path, kind: str, label: str | None = None) -> str:
    """The UTF-8 text of ``path`` (size-capped for ``kind``, see :func:`read_bytes` and :func:`decode_utf8`)."""
    label = label or str(path)
    return decode_utf8(read_bytes(path, kind, label), label)


def check_text_size(text: str, kind: str, label: str) -> None:
    """Text handed over directly (not read from a file) meets the same cap."""
    if len(text) > CAPS[kind] or len(text.encode("utf-8", "surrogatepass")) > CAPS[kind]:
        raise too_large(label, kind)


# -- YAML --------------------------------------------------------------------------------------------------
def check_yaml_expansion(root: Any, label: str) -> None:
    """Refuse a composed YAML document whose aliases expand past :data:`MAX_YAML_VALUES` values, that nests
    deeper than :data:`MAX_DEPTH`, or whose alias refers to a value containing it.

    ``root`` is PyYAML's node tree (an alias is the very node object it names, so the tree is a graph): the
    expanded size is counted over the graph with each node's size computed once, in time linear in the file.
    """
    import yaml

    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            if total > MAX_YAML_VALUES:
                raise HostileInput(
                    f"{label}: line {node.start_mark.line + 1}: YAML aliases here expand to more than"
                    f" {MAX_YAML_VALUES:,} values (a 'billion laughs' file?); write the values out instead"
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise HostileInput(
                f"{label}: line {node.start_mark.line + 1}: a YAML alias refers to a value that contains it"
            )
        if depth > MAX_DEPTH:
            raise HostileInput(
                f"{label}: line {node.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep"
            )
        on_path.add(key)
        stack.append((node, depth, True))
        if not isinstance(node, yaml.ScalarNode):
            stack.extend((child, depth + 1, False) for child in _children(node))


def load_yaml(text: str, label: str, loader_class: Any = None) -> Any:
    """The data of YAML text (JSON is YAML too), its aliases checked by :func:`check_yaml_expansion` first.

    :raises yaml.YAMLError: the text is not YAML (callers word it with the line from its mark).
    """
    import yaml

    loader = (loader_class or getattr(yaml, "CSafeLoader", yaml.SafeLoader))(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_yaml_expansion(node, label)
        return loader.construct_document(node)
    except RecursionError:
        raise HostileInput(f"{label}: nested too deeply to be a bwvtool file") from None
    finally:
        loader.dispose()


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


# -- JSON --------------------------------------------------------------------------------------------------
def parse_json(text: str, label: str) -> Any:
    """Strict JSON (no trailing commas, no comments); :class:`HostileInput` with line and column otherwise."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise HostileInput(f"{label}: line {exc.lineno}, column {exc.colno}: {json_problem(exc)}") from None
    except RecursionError:
        raise HostileInput(f"{label}: nested too deeply to be a bwvtool file") from None


def json_problem(exc: json.JSONDecodeError) -> str:
    """The JSON error in words; a trailing comma (valid in YAML and JavaScript, not in JSON) is named."""
    before = exc.doc[: exc.pos].rstrip()
    after = exc.doc[exc.pos : exc.pos + 1]
    if before.endswith(",") and after in "]}" and after:
        return f"not valid JSON: a trailing comma before {after!r} (JSON allows none)"
    return f"not valid JSON: {exc.msg}"


# -- XML ---------------------------------------------------------------------------------------------------
def parse_xml(data: bytes, label: str) -> Any:
    """An ElementTree root parsed from ``data`` with DTDs, entities and external references refused.

    :raises HostileInput: the document declares a DTD or entities.
    :raises xml.etree.ElementTree.ParseError: it is not well-formed XML.
    """
    import defusedxml
    from defusedxml import ElementTree as SafeET

    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise HostileInput(
            f"{label}: the XML declares a DTD or entities, which bwvtool does not read (ELAN never writes them)"
        ) from None
