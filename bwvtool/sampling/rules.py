"""Evaluating a plan's rules (all / any / not over field tests) on catalogue columns: one boolean per row.

List fields are tested on their bit masks, so a rule over a million clips is a handful of vectorised integer
operations. ``only`` needs a non-empty list: a clip with no assault types recorded is not "spitting or biting only".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from bwvtool.catalogue import vocab
from bwvtool.sampling import fields
from bwvtool.sampling.window import midnight

if TYPE_CHECKING:
    import numpy as np

    from bwvtool.sampling.columns import Columns

DEFAULT_RETENTION_DAYS = 31
DAY = 86_400


@dataclass(frozen=True)
class Context:
    """What rules need besides the columns: the draw date and the plan's named lists."""

    as_of: date
    lists: dict[str, frozenset[str]] = field(default_factory=dict)


def evaluate(rule: dict[str, Any] | None, cols: Columns, ctx: Context) -> np.ndarray:
    """The rows where ``rule`` holds (every row when there is no rule)."""
    import numpy as np

    if rule is None:
        return np.ones(cols.size, dtype=bool)
    if "all" in rule:
        out = np.ones(cols.size, dtype=bool)
        for sub in rule["all"]:
            out &= evaluate(sub, cols, ctx)
        return out
    if "any" in rule:
        out = np.zeros(cols.size, dtype=bool)
        for sub in rule["any"]:
            out |= evaluate(sub, cols, ctx)
        return out
    if "not" in rule:
        return ~evaluate(rule["not"], cols, ctx)
    return _test(rule, cols, ctx)


def _test(rule: dict[str, Any], cols: Columns, ctx: Context) -> np.ndarray:
    name, op, value = rule["field"], rule["op"], rule.get("value")
    kind = fields.field(name).kind
    if kind == fields.LIST:
        return _list_test(cols.masks[name], op, vocab.mask_of(value or [], vocab.LIST_FIELDS[name][0]))
    if kind in (fields.CHOICE, fields.TEXT):
        return _coded_test(cols, name, op, value, ctx)
    if kind == fields.MEDIA:
        present = cols.flags[name]
        return present.copy() if op == "present" else ~present
    if kind == fields.RETENTION:
        return _retention_test(cols, op, value or {}, ctx)
    return _number_test(cols.number(name), op, value)


def _list_test(masks: np.ndarray, op: str, bits: int) -> np.ndarray:
    if op == "contains_any":
        return (masks & bits) != 0
    if op == "contains_all":
        return (masks & bits) == bits
    if op == "only":
        return (masks != 0) & ((masks & ~bits) == 0)
    return masks == 0 if op == "missing" else masks != 0


def _coded_test(cols: Columns, name: str, op: str, value: Any, ctx: Context) -> np.ndarray:
    import numpy as np

    column = cols.text(name)
    if op == "missing":
        return column.codes == -1
    if op == "present":
        return column.codes >= 0
    if op == "equals":
        return column.codes == column.code_of(str(value))
    wanted = sorted(ctx.lists[value]) if op == "in_list" else [str(v) for v in value]
    codes = [c for c in (column.code_of(v) for v in wanted) if c >= 0]
    return np.isin(column.codes, np.asarray(codes, dtype=column.codes.dtype))


def _number_test(values: np.ndarray, op: str, value: Any) -> np.ndarray:
    import numpy as np

    if op == "missing":
        return np.isnan(values)
    if op == "present":
        return ~np.isnan(values)
    if op == "equals":
        return values == float(value)
    out = ~np.isnan(values)
    if "min" in value:
        out &= values >= float(value["min"])
    if "max" in value:
        out &= values <= float(value["max"])
    return out


def _retention_test(cols: Columns, op: str, value: dict[str, Any], ctx: Context) -> np.ndarray:
    """``not_passed``: still kept on the draw date (plus ``margin_days``); unknown dates default from recording."""
    import numpy as np

    until = cols.numbers["retention_until"]
    if op == "missing":
        return np.isnan(until)
    if op == "present":
        return ~np.isnan(until)
    default_days = int(value.get("default_days", DEFAULT_RETENTION_DAYS))
    effective = np.where(np.isnan(until), cols.recorded_ts + default_days * DAY, until)
    threshold = midnight(ctx.as_of + timedelta(days=int(value.get("margin_days", 0)))).timestamp()
    return effective >= threshold
