"""How well suggestion rules find what a coder would code: precision and recall per code, against utterances a
person has labelled (a hit counts when its rule's code was labelled on the same utterance)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bwvtool.transcripts.rules import RuleSet
from bwvtool.transcripts.suggest import find


@dataclass(frozen=True)
class Score:
    code: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "tp": self.true_positives, "fp": self.false_positives,
                "fn": self.false_negatives, "precision": round(self.precision, 3), "recall": round(self.recall, 3)}  # fmt: skip


def score(rules: RuleSet, encounters: list[tuple[list[Any], set[tuple[int, str]]]]) -> list[Score]:
    """Scores per code and overall (code ``"all"``) for ``(utterances, labels)`` pairs, labels being
    ``(utterance index, code)``; an opening rule (a pattern over the first words) is scored under its own id."""
    counts: Counter[tuple[str, str]] = Counter()
    for utterances, labels in encounters:
        found = {(h.utterance_index, h.rule.id if h.rule.kind == "opening" else h.rule.code)
                 for h in find(rules, utterances)}  # fmt: skip
        for pair in found:
            counts[(pair[1], "tp" if pair in labels else "fp")] += 1
        for pair in labels - found:
            counts[(pair[1], "fn")] += 1
    codes = sorted({code for code, _ in counts})
    scores = [Score(c, counts[(c, "tp")], counts[(c, "fp")], counts[(c, "fn")]) for c in codes]
    total = Score(
        "all",
        *(
            sum(getattr(s, f) for s in scores)
            for f in ("true_positives", "false_positives", "false_negatives")
        ),
    )
    return [*scores, total]
