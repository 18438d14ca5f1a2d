"""Storing codebooks: import, idempotent re-import, versions, locking, audit rows, shipped defaults."""

from __future__ import annotations

import pytest

from bwvtool.codebook import CodebookInvalid, load_default_codebook, parse_codebook
from bwvtool.store import audit
from bwvtool.store.codebooks import (
    CodebookLocked,
    ensure_default_codebooks,
    get_codebook,
    get_codebook_by_id,
    import_codebook,
    import_codebook_file,
    is_in_use,
    latest_version,
    list_codebooks,
    lock_if_unlocked,
)
from tests.core.test_codebook_load import MINIMAL

# The store's behaviour is the same on both engines (tests/pg.py starts the PostgreSQL one).
pytestmark = pytest.mark.both_engines


def _audit_actions(ws):
    return [row["action"] for row in reversed(audit.recent(ws.conn, 1000, "codebook"))]


def _edited(title: str = "Mini, edited"):
    return parse_codebook(MINIMAL.replace("title: Mini", f"title: {title}"))


def test_import_read_back_and_idempotent_reimport(workspace):
    cb = parse_codebook(MINIMAL)
    first = import_codebook(workspace, cb, actor="alice", source="mini.yaml")
    assert first.status == "imported" and first.version == 1
    stored = get_codebook(workspace.conn, "mini")
    assert stored.id == first.id and stored.sha256 == cb.sha256 and stored.codebook == cb
    assert stored.locked_at is None and get_codebook_by_id(workspace.conn, first.id).codebook == cb
    audit_rows = workspace.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]

    again = import_codebook(workspace, parse_codebook(MINIMAL), actor="bob")
    assert again.status == "unchanged" and again.id == first.id
    assert workspace.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_rows
    row = audit.recent(workspace.conn, 1, "codebook")[0]
    assert row["action"] == "codebook.import" and row["actor"] == "alice" and row["entity_id"] == "mini@1"
    assert row["detail"]["sha256"] == cb.sha256 and row["detail"]["source"] == "mini.yaml"
    assert workspace.verify_audit().ok


def test_unlocked_version_is_replaced_and_audited(workspace):
    import_codebook(workspace, parse_codebook(MINIMAL))
    result = import_codebook(workspace, _edited())
    assert result.status == "replaced" and result.version == 1
    assert get_codebook(workspace.conn, "mini").title == "Mini, edited"
    assert _audit_actions(workspace) == ["codebook.import", "codebook.replace"]


def test_locked_version_refuses_changes_and_new_version_bumps(workspace):
    first = import_codebook(workspace, parse_codebook(MINIMAL))
    with workspace.transaction("alice") as tx:
        assert lock_if_unlocked(tx, first.id) is True
    with workspace.transaction("alice") as tx:
        assert lock_if_unlocked(tx, first.id) is False  # already locked: no second audit row
    assert get_codebook(workspace.conn, "mini").locked

    with pytest.raises(CodebookLocked, match=r"locked .*--new-version .*v2"):
        import_codebook(workspace, _edited())
    assert get_codebook(workspace.conn, "mini").codebook.title == "Mini"  # nothing changed

    assert import_codebook(workspace, parse_codebook(MINIMAL)).status == "unchanged"
    bumped = import_codebook(workspace, _edited(), new_version=True)
    assert (bumped.status, bumped.version, bumped.requested_version) == ("new_version", 2, 1)
    stored = get_codebook(workspace.conn, "mini")
    assert stored.version == 2 and stored.codebook.version == 2 and not stored.locked
    assert get_codebook(workspace.conn, "mini", 1).codebook.title == "Mini"
    assert latest_version(workspace.conn, "mini") == 2

    # The same --new-version import again finds v2 and stores nothing.
    again = import_codebook(workspace, _edited(), new_version=True)
    assert (again.status, again.version) == ("unchanged", 2)
    third = import_codebook(workspace, _edited("Mini 3"), new_version=True)
    assert third.version == 3
    assert [s.version for s in list_codebooks(workspace.conn)] == [1, 2, 3]
    assert _audit_actions(workspace) == [
        "codebook.import",
        "codebook.lock",
        "codebook.import",
        "codebook.import",
    ]
    assert workspace.verify_audit().ok


def test_a_version_in_use_counts_as_locked_even_before_locked_at(workspace):
    """Defence in depth: an event written without lock_if_unlocked still protects its codebook."""
    first = import_codebook(workspace, parse_codebook(MINIMAL))
    with workspace.transaction("alice") as tx:
        coder = workspace.coder_id(tx, "alice")
        tx.execute("INSERT INTO incidents (incident_id, created_at) VALUES ('I1', ?)", (tx.at,))
        tx.execute(
            "INSERT INTO clips (clip_id, incident_id, recorded_at, recorded_ts, duration_s, officer_ref, borough,"
            " row_hash, created_at, updated_at) VALUES ('C1', 'I1', ?, 0, 10, 'PC1', 'Camden', 'h', ?, ?)",
            (tx.at, tx.at, tx.at),
        )
        tx.execute(
            "INSERT INTO events (clip_id, coder_id, codebook_id, track, code, actor, onset_ms, onset_frame,"
            " created_at, updated_at) VALUES ('C1', ?, ?, 'lang', 'command', 'officer1', 0, 0, ?, ?)",
            (coder, first.id, tx.at, tx.at),
        )
    assert is_in_use(workspace.conn, first.id)
    with pytest.raises(CodebookLocked):
        import_codebook(workspace, _edited())


def test_missing_codebooks_are_clear_errors(workspace):
    from bwvtool.errors import UsageError

    with pytest.raises(UsageError, match="no codebook 'nope'"):
        get_codebook(workspace.conn, "nope")
    import_codebook(workspace, parse_codebook(MINIMAL))
    with pytest.raises(UsageError, match="version 7"):
        get_codebook(workspace.conn, "mini", 7)
    with pytest.raises(UsageError, match="id 99"):
        get_codebook_by_id(workspace.conn, 99)


def test_import_file_refuses_invalid_and_stores_nothing(workspace, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(MINIMAL.replace("shortcut: r", "shortcut: k"))
    with pytest.raises(CodebookInvalid) as raised:
        import_codebook_file(workspace, path)
    assert raised.value.issues[0].line == 20
    assert list_codebooks(workspace.conn) == []


def test_ensure_default_codebooks_once(workspace):
    results = ensure_default_codebooks(workspace, actor="demo")
    assert [(r.key, r.status) for r in results] == [
        ("pioss_review", "imported"),
        ("ss_language_behaviour", "imported"),
    ]
    assert [r.status for r in ensure_default_codebooks(workspace)] == ["present", "present"]
    stored = get_codebook(workspace.conn, "pioss_review")
    assert stored.sha256 == load_default_codebook("pioss_review.yaml").sha256
    assert len(_audit_actions(workspace)) == 2


def test_altered_body_is_detected(workspace):
    from bwvtool.errors import StoreError

    first = import_codebook(workspace, parse_codebook(MINIMAL))
    workspace.conn.execute(
        "UPDATE codebooks SET body = replace(body, 'Mini', 'Maxi') WHERE id = ?", (first.id,)
    )
    with pytest.raises(StoreError, match="does not match its SHA-256"):
        get_codebook(workspace.conn, "mini")
