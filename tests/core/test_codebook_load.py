"""Codebook files: the shipped defaults, lookups, and every class of error reported at its exact place."""

from __future__ import annotations

import json

import pytest

from bwvtool.catalogue import vocab
from bwvtool.codebook import (
    PLAYER_KEYS,
    CodebookInvalid,
    check_text,
    default_codebook_files,
    load_codebook,
    load_default_codebook,
    parse_codebook,
    reserved_by,
)
from bwvtool.codebook.render import to_json, to_yaml
from tests.conftest import REPO

# A small valid codebook; the tests below break one line at a time. Line numbers matter: see LINES.
MINIMAL = """\
key: mini
version: 1
title: Mini
tracks:
  - id: lang
    label: Language
    kinds: [point]
  - id: subj
    label: Subject
codes:
  - id: command
    label: Command
    track: lang
    type: point
    shortcut: c
  - id: resist
    label: Resists
    track: subj
    type: state
    shortcut: r
    actors: [subject]
    modifiers:
      - id: level
        label: Level
        type: single
        options: [low, high]
        default: low
review_items:
  - id: outcome
    label: Outcome
    type: choice
    options: [no_action, support_offered]
    required: true
"""


def _issues(text: str, filename: str = "cb.yaml"):
    codebook, issues = check_text(text, filename)
    assert codebook is None, "expected the codebook to be invalid"
    return issues


def _edit(old: str, new: str, text: str = MINIMAL) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _only(issues, path: str):
    found = [i for i in issues if i.path == path]
    assert found, f"no issue at {path}: {[str(i) for i in issues]}"
    return found[0]


# -- the shipped codebooks ---------------------------------------------------------------------------------
def test_both_default_codebooks_validate():
    assert default_codebook_files() == ["pioss_review.yaml", "ss_language_behaviour.yaml"]
    for name in default_codebook_files():
        text = (REPO / "schemas" / "codebooks" / name).read_text()
        codebook, issues = check_text(text, name)
        assert issues == [], [str(i) for i in issues]
        assert codebook.description and codebook.codes and codebook.review_items
        # Every code has a shortcut, none is a player key, and no two share one.
        keys = [c.shortcut.casefold() for c in codebook.codes]
        assert all(keys) and len(set(keys)) == len(keys)
        assert not any(reserved_by(k) for k in keys)


def test_pioss_covers_every_home_office_tactic_exactly_once():
    cb = load_default_codebook("pioss_review.yaml")
    force = cb.codes_in_track("officer_force")
    labels = [o.label for c in force for m in c.modifiers for o in m.options]
    labels += [c.label for c in force if not c.modifiers]
    labels = [{"Spit guard applied": "Spit guard"}.get(label, label) for label in labels]
    assert sorted(labels) == sorted(vocab.UOF_TACTICS)
    outcome = cb.review_item("outcome")
    assert outcome.required and outcome.choices == (
        "no_action",
        "support_offered",
        "learning_identified",
        "referral_professional_standards",
    )


def test_ss_codebook_has_gowisely_procedural_justice_and_escalation():
    cb = load_default_codebook("ss_language_behaviour.yaml")
    gowisely = [i for i in cb.review_items if i.id.startswith("gowisely_")]
    assert [i.label[0] for i in gowisely] == list("GOWISELY")
    assert all(i.choices == ("given", "partial", "not_given", "not_applicable") for i in gowisely)
    pj = [i for i in cb.review_items if i.id.startswith("pj_")]
    assert len(pj) == 4 and all(i.type == "scale_0_4" and len(i.anchors) == 5 for i in pj)
    up = cb.code("escalation_up")
    assert up.escalation == "up" and up.links_cause
    assert cb.code("turning_point").turning_point
    for phrase in ("Voigt", "Prabhakaran", "Rho", "Todak", "PACE Code A"):
        assert phrase in cb.description


# -- the model and its lookups -----------------------------------------------------------------------------
def test_lookups_defaults_and_immutability():
    cb = parse_codebook(MINIMAL, "mini.yaml")
    assert cb.code_for_shortcut("C").id == "command" and cb.code_for_shortcut("c").id == "command"
    assert cb.code_for_shortcut("x") is None
    assert cb.code("resist").actors == ("subject",) and cb.code("resist").default_actor == "subject"
    assert cb.code("command").actors == ("officer", "subject", "third_party")
    assert cb.track("subj").exclusive and cb.exclusive_states("subj") == (cb.code("resist"),)
    assert cb.exclusive_states("lang") == ()
    with pytest.raises(KeyError):
        cb.code("nope")
    with pytest.raises(AttributeError):
        cb.key = "other"  # type: ignore[misc]
    level = cb.code("resist").modifiers[0]
    assert level.default == "low" and level.option_ids == ("low", "high")
    assert cb.code("resist").modifier_problems({"level": "high"}) == []
    assert cb.code("resist").modifier_problems({"level": "mid", "x": 1}) != []
    assert cb.review_problems({"outcome": "no_action"}, complete=True) == []
    assert cb.review_problems({}, complete=True) == ["Outcome: an answer is required"]
    assert cb.review_problems({"outcome": "maybe"}) != []


def test_track_exclusivity_can_be_switched_off():
    cb = parse_codebook(_edit("    label: Subject\n", "    label: Subject\n    exclusive: false\n"))
    assert cb.exclusive_states("subj") == ()


def test_same_content_same_sha_whatever_the_format(tmp_path):
    cb = parse_codebook(MINIMAL)
    reordered = json.dumps(json.loads(cb.body), indent=4)
    assert parse_codebook(reordered, "x.json").sha256 == cb.sha256
    for name in default_codebook_files():
        shipped = load_default_codebook(name)
        assert parse_codebook(to_yaml(shipped, "header"), "copy.yaml").sha256 == shipped.sha256
        assert parse_codebook(to_json(shipped), "copy.json").sha256 == shipped.sha256
    path = tmp_path / "mini.json"
    path.write_text(reordered)
    assert load_codebook(path).sha256 == cb.sha256


# -- errors, each with its line, column and JSON path ------------------------------------------------------
def test_unknown_field_points_at_the_field_name_and_suggests():
    issue = _only(
        _issues(_edit("    kinds: [point]\n", "    kinds: [point]\n    colur: '#ff0000'\n")),
        "$.tracks[0].colur",
    )
    assert (issue.line, issue.column) == (8, 5)
    assert "unknown field 'colur'" in issue.message and "did you mean 'colour'" in issue.message
    assert str(issue).startswith("cb.yaml:8:5: $.tracks[0].colur: ")


def test_bad_type_and_bad_enum():
    issues = _issues(_edit("version: 1", "version: one"))
    issue = _only(issues, "$.version")
    assert (issue.line, issue.column) == (2, 10) and "whole number" in issue.message
    issue = _only(_issues(_edit("    type: state", "    type: stat")), "$.codes[1].type")
    assert issue.line == 19 and "did you mean 'state'" in issue.message


def test_unquoted_yes_no_gets_a_yaml_hint():
    issue = _only(
        _issues(_edit("options: [low, high]", "options: [yes, no]")), "$.codes[1].modifiers[0].options[0]"
    )
    assert issue.line == 26 and "quotes" in issue.message


def test_missing_required_field_points_at_its_object():
    issue = _only(_issues(_edit("    label: Command\n", "")), "$.codes[0]")
    assert issue.line == 11 and "missing required field 'label'" in issue.message


def test_duplicate_ids_name_the_first_use():
    issue = _only(_issues(_edit("  - id: subj", "  - id: lang")), "$.tracks[1].id")
    assert issue.line == 8 and "duplicate track id 'lang'" in issue.message and "line 5" in issue.message
    issue = _only(_issues(_edit("  - id: resist", "  - id: command")), "$.codes[1].id")
    assert issue.line == 16 and "line 11" in issue.message


def test_conflicting_shortcuts_are_case_insensitive():
    issue = _only(_issues(_edit("    shortcut: r", "    shortcut: C")), "$.codes[1].shortcut")
    assert (issue.line, issue.column) == (20, 15)
    assert "already used by code 'command'" in issue.message and "line 15" in issue.message


@pytest.mark.parametrize("key", ["j", "K", "l", " ", ",", ".", "0", "7", "[", "]", "+", "-"])
def test_player_keys_are_refused(key):
    issue = _only(
        _issues(_edit("    shortcut: c", f"    shortcut: {json.dumps(key)}")), "$.codes[0].shortcut"
    )
    assert issue.line == 15 and "player key" in issue.message


@pytest.mark.parametrize("name", ["Delete", "Backspace", "Escape", "Enter", "Tab", "Space", "Left", "Up"])
def test_named_player_keys_are_refused_by_name(name):
    issue = _only(_issues(_edit("    shortcut: c", f"    shortcut: {name}")), "$.codes[0].shortcut")
    assert f"player key ({name}" in issue.message


def test_player_key_list_has_the_documented_keys():
    names = {k.name for k in PLAYER_KEYS}
    assert {
        "Space",
        "J",
        "K",
        "L",
        "Left",
        "Right",
        "Up",
        "Down",
        "Comma",
        "Period",
        "Delete",
        "Backspace",
        "Escape",
        "Enter",
        "Tab",
        "BracketLeft",
        "BracketRight",
        "Plus",
        "Minus",
    } <= names
    assert {str(d) for d in range(10)} <= names


def test_code_with_unknown_track_and_wrong_kind():
    issue = _only(_issues(_edit("    track: subj", "    track: subject")), "$.codes[1].track")
    assert issue.line == 18 and "unknown track 'subject'" in issue.message
    issue = _only(_issues(_edit("    type: point", "    type: state")), "$.codes[0].type")
    assert "holds only point" in issue.message


def test_modifier_default_must_be_an_option():
    issue = _only(_issues(_edit("default: low", "default: medium")), "$.codes[1].modifiers[0].default")
    assert (issue.line, issue.column) == (27, 18) and "not among the options" in issue.message


def test_number_modifier_needs_min_max_and_a_default_within():
    number = "        type: number\n        min: 5\n        max: 1\n        default: 9\n"
    text = _edit("        type: single\n        options: [low, high]\n        default: low\n", number)
    issues = _issues(text)
    assert "greater than max" in _only(issues, "$.codes[1].modifiers[0].min").message
    assert "outside" in _only(issues, "$.codes[1].modifiers[0].default").message
    text = _edit(
        "        type: single\n        options: [low, high]\n        default: low\n", "        type: number\n"
    )
    assert "missing required field 'min'" in _only(_issues(text), "$.codes[1].modifiers[0]").message


def test_review_item_rules():
    issue = _only(_issues(_edit("    options: [no_action, support_offered]\n", "")), "$.review_items[0]")
    assert "missing required field 'options'" in issue.message
    issue = _only(_issues(_edit("    type: choice", "    type: yes_no")), "$.review_items[0].options")
    assert issue.line == 32 and "only for choice" in issue.message


THEMES_ITEM = """\
  - id: themes
    label: Themes
    type: multiple
    required: true
    options: [reasons, welfare, none]
    exclusive_options: [none]
"""


def test_multiple_review_item_answers_are_sorted_lists_and_none_stands_alone():
    cb = parse_codebook(MINIMAL + THEMES_ITEM)
    item = cb.review_item("themes")
    assert (item.type, item.choices, item.exclusive_options) == (
        "multiple",
        ("reasons", "welfare", "none"),
        ("none",),
    )
    assert item.problem(["welfare", "reasons"]) is None and item.problem(["none"]) is None
    assert "'none' cannot be combined" in item.problem(["none", "welfare"])
    assert "'maybe' is not an option" in item.problem(["maybe"])
    assert "expected a list" in item.problem("welfare") and "expected a list" in item.problem([1])
    assert "chosen twice" in item.problem(["welfare", "welfare"])
    assert item.problem([]) is None and item.problem(None) is None  # unanswered, not wrong
    assert (
        item.normalise(("welfare", "reasons", "welfare")) == ["reasons", "welfare"]
        and item.normalise([]) is None
    )
    assert item.parse(" welfare, reasons ,") == ["reasons", "welfare"] and item.parse("") is None
    # Ticking "none" clears the themes; ticking a theme clears "none"; unticking the last one: unanswered.
    assert item.toggle(["reasons", "welfare"], "none") == ["none"]
    assert item.toggle(["none"], "welfare") == ["welfare"] and item.toggle(["welfare"], "welfare") is None
    assert item.answer_text(["welfare", "reasons"]) == "reasons, welfare"  # labels, in option order
    # Required means at least one option.
    assert cb.review_problems({"outcome": "no_action", "themes": []}, complete=True) == [
        "Themes: an answer is required"
    ]
    assert cb.review_problems({"outcome": "no_action", "themes": ["welfare"]}, complete=True) == []
    # Other kinds of item parse as before.
    assert cb.review_item("outcome").parse("no_action") == "no_action"


def test_multiple_review_item_rules():
    issue = _only(_issues(MINIMAL + THEMES_ITEM.replace("    options: [reasons, welfare, none]\n", "")),
                  "$.review_items[1]")  # fmt: skip
    assert "missing required field 'options'" in issue.message
    issue = _only(
        _issues(MINIMAL + THEMES_ITEM.replace("[none]", "[nothing]")),
        "$.review_items[1].exclusive_options[0]",
    )
    assert (issue.line, issue.column) == (
        39,
        25,
    ) and "exclusive option 'nothing' is not among" in issue.message
    text = _edit("    required: true\n", "    required: true\n    exclusive_options: [no_action]\n")
    issue = _only(_issues(text), "$.review_items[0].exclusive_options")
    assert "only for multiple items, not choice" in issue.message
    text = MINIMAL + THEMES_ITEM + "    anchors: [a, b, c, d, e]\n"
    assert "only for scale_0_4" in _only(_issues(text), "$.review_items[1].anchors").message
    issue = _only(
        _issues(MINIMAL + THEMES_ITEM.replace("type: multiple", "type: multi")), "$.review_items[1].type"
    )
    assert "did you mean 'multiple'" in issue.message


def test_multiple_review_item_round_trips_through_yaml_and_json():
    cb = parse_codebook(MINIMAL + THEMES_ITEM)
    text = to_yaml(cb)
    assert "exclusive_options: [none]" in text and "type: multiple" in text
    assert (
        parse_codebook(text).sha256 == cb.sha256 and parse_codebook(to_json(cb), "x.json").sha256 == cb.sha256
    )


def test_both_default_codebooks_ask_for_coded_learning_themes():
    for name in default_codebook_files():
        item = load_default_codebook(name).review_item("learning_themes")
        assert item.type == "multiple" and item.required and item.section == "Learning"
        assert item.exclusive_options == ("none",) and item.choices[-1] == "none" and len(item.choices) == 10
        assert all(o.label != o.id and o.description for o in item.options)


def test_default_actor_must_be_allowed():
    issue = _only(
        _issues(_edit("    actors: [subject]\n", "    actors: [subject]\n    default_actor: officer\n")),
        "$.codes[1].default_actor",
    )
    assert issue.line == 22


def test_every_problem_is_listed_in_file_order():
    text = _edit("version: 1", "version: 0")
    text = _edit("    shortcut: r", "    shortcut: j", text)
    text = _edit("default: low", "default: mid", text)
    issues = _issues(text)
    assert [i.path for i in issues] == ["$.version", "$.codes[1].shortcut", "$.codes[1].modifiers[0].default"]
    with pytest.raises(CodebookInvalid) as raised:
        parse_codebook(text, "cb.yaml")
    assert len(raised.value.issues) == 3 and "and 2 more" in str(raised.value)


def test_syntax_errors_duplicate_keys_and_empty_files():
    issue = _issues("key: x\n  version: 1\n")[0]
    assert (issue.line, issue.path) == (2, "$") and "not valid YAML" in issue.message
    issue = _issues('{"key": "x",\n "version": 1,,}', "cb.json")[0]
    assert (issue.line, issue.column) == (2, 15) and "not valid JSON" in issue.message
    issue = _only(_issues(_edit("title: Mini\n", "title: Mini\ntitle: Maxi\n")), "$.title")
    assert issue.line == 4 and "given twice" in issue.message
    assert "empty" in _issues("")[0].message
    assert "a mapping" in _issues("- a\n- b\n")[0].message


def test_json_files_get_lines_too():
    data = json.loads(parse_codebook(MINIMAL).body)
    data["codes"][1]["shortcut"] = "c"
    text = json.dumps(data, indent=2)
    issue = _only(_issues(text, "cb.json"), "$.codes[1].shortcut")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"shortcut": "c"' in row and n > 20)
    assert issue.line == line and issue.file == "cb.json"


def test_yaml_merge_keys_are_followed_for_places():
    text = MINIMAL + "  - <<: {type: choice, options: [a, b]}\n    id: outcome\n    label: Again\n"
    issue = _only(_issues(text), "$.review_items[1].id")
    assert issue.line == 35 and "duplicate review item id" in issue.message


def test_places_are_the_same_with_the_pure_python_yaml_loader(monkeypatch):
    import yaml

    from bwvtool.codebook import load

    fast = [(i.line, i.column, i.path) for i in _issues(_edit("    shortcut: r", "    shortcut: C"))]
    monkeypatch.setattr(load, "_LOADER", yaml.SafeLoader)
    slow = [(i.line, i.column, i.path) for i in _issues(_edit("    shortcut: r", "    shortcut: C"))]
    assert fast == slow == [(20, 15, "$.codes[1].shortcut")]
