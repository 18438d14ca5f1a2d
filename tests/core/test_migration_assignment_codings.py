"""Migration 0011 on a workspace coded under 0010: every event and review is kept, with the codebook it was coded
with; work that matches an assignment joins it (the first, for work one coder shared between two samples), the
rest stays clip-level; samples name their codebook."""

from __future__ import annotations

import sqlite3

from bwvtool.store import migrations, open_workspace

NOW = "2026-11-02T10:00:00.000Z"
CLIP = (
    "INSERT INTO clips (clip_id, incident_id, recorded_at, recorded_ts, duration_s, officer_ref, borough, row_hash,"
    " created_at, updated_at) VALUES (?, ?, ?, 1793613600, 60, 'PC1', 'Lambeth', 'h', ?, ?)"
)
EVENT = (
    "INSERT INTO events (id, clip_id, coder_id, codebook_id, track, code, actor, onset_ms, onset_frame, note,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, 'language', 'command', 'officer_1', ?, ?, ?, ?, ?)"
)


def _workspace_at_0010(path):
    """A workspace file with the schema of migrations 1 to 10 and coding in it, written as 0010 stored it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for migration in migrations.available()[:10]:
        conn.execute("BEGIN")
        for statement in migrations._statements(migration.sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {migration.number}")
        conn.execute("COMMIT")
    assert migrations.current_version(conn) == 10
    run = conn.execute
    for coder_id, name in ((1, "coder1"), (2, "coder2")):
        run("INSERT INTO coders (id, name, created_at) VALUES (?, ?, ?)", (coder_id, name, NOW))
    for book_id, key in ((1, "pioss_review"), (2, "ss_language_behaviour")):
        run("INSERT INTO codebooks (id, key, version, title, body, sha256, imported_at, locked_at)"
            " VALUES (?, ?, 1, ?, '{}', ?, ?, ?)", (book_id, key, key, f"sha{book_id}", NOW, NOW))  # fmt: skip
    for incident, clip in (("I1", "C1"), ("I2", "C2"), ("I3", "C3")):
        run("INSERT INTO incidents (incident_id, created_at) VALUES (?, ?)", (incident, NOW))
        run(CLIP, (clip, incident, NOW, NOW, NOW))
    plans = {1: "name: PIOSS weekly\nunit: incident\n", 2: "name: S&S research study\nunit: incident\n",
             3: "name: My own study\nunit: clip\n"}  # fmt: skip
    for sample_id, text in plans.items():
        run("INSERT INTO samples (id, name, plan_text, plan_sha256, seed, unit, drawn_at, drawn_by, frame_sha256,"
            " frame_size, manifest_sha256) VALUES (?, ?, ?, 'p', 1, 'clip', ?, 'lead', 'f', 3, 'm')",
            (sample_id, f"sample {sample_id}", text, NOW))  # fmt: skip
    # C1 is coder1's in the PIOSS week (assignment 1) and in the S&S study (assignment 2): under 0010 both shared
    # one coding, done with the PIOSS codebook. C2: study only, coded by coder1 and coder2. C3: coder2's own
    # plan, coded with the S&S codebook. C3 is also coded by coder1, who has no assignment for it.
    assignments = ((1, 1, "C1", 1), (2, 2, "C1", 1), (3, 2, "C2", 1), (4, 2, "C2", 2), (5, 3, "C3", 2))
    for assignment_id, sample_id, clip, coder_id in assignments:
        run("INSERT INTO assignments (id, sample_id, clip_id, coder_id, status, assigned_at)"
            " VALUES (?, ?, ?, ?, 'in_progress', ?)", (assignment_id, sample_id, clip, coder_id, NOW))  # fmt: skip
    events = [
        (1, "C1", 1, 1), (2, "C1", 1, 1),  # PIOSS codebook on C1 by coder1
        (3, "C2", 1, 2), (4, "C2", 2, 2),  # the study's double coding
        (5, "C3", 2, 2),  # coder2's own plan, which names no codebook: it takes the one its coding used
        (6, "C3", 1, 2),  # coder1, no assignment on C3: clip-level
    ]  # fmt: skip
    for event_id, clip, coder_id, book_id in events:
        run(EVENT, (event_id, clip, coder_id, book_id, 1000 * event_id, 25 * event_id, f"note {event_id}", NOW,
                    NOW))  # fmt: skip
    for review_id, clip, coder_id, book_id in ((1, "C1", 1, 1), (2, "C2", 2, 2), (3, "C3", 1, 2)):
        run("INSERT INTO clip_reviews (id, clip_id, coder_id, codebook_id, answers, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, '{\"x\": 1}', 'draft', ?, ?)", (review_id, clip, coder_id, book_id, NOW, NOW))  # fmt: skip
    before = run(
        "SELECT id, clip_id, coder_id, codebook_id, onset_ms, note FROM events ORDER BY id"
    ).fetchall()
    conn.close()
    return before


def test_0010_workspace_migrates_keeping_every_event_and_its_codebook(tmp_path):
    path = tmp_path / "old.sqlite"
    before = _workspace_at_0010(path)
    with open_workspace(path) as ws:
        conn = ws.conn
        assert ws.schema_version == len(migrations.available())
        after = conn.execute(
            "SELECT id, clip_id, coder_id, codebook_id, onset_ms, note FROM events ORDER BY id"
        ).fetchall()
        assert after == before  # nothing lost, nothing recoded
        attached = dict(conn.execute("SELECT id, assignment_id FROM events").fetchall())
        codebooks = dict(conn.execute("SELECT id, codebook FROM samples").fetchall())
        reviews = dict(conn.execute("SELECT id, assignment_id FROM clip_reviews").fetchall())
        review_rows = conn.execute("SELECT count(*) FROM clip_reviews").fetchone()[0]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert codebooks == {1: "pioss_review", 2: "ss_language_behaviour", 3: "ss_language_behaviour"}
    # The shared C1 coding (PIOSS codebook) joins the PIOSS assignment; the study's C1 assignment starts empty.
    assert attached == {1: 1, 2: 1, 3: 3, 4: 4, 5: 5, 6: None}
    assert review_rows == 3 and reviews == {1: 1, 2: 4, 3: None}


def test_reviews_per_assignment_after_the_migration(tmp_path):
    """The rebuilt review table allows one review per assignment, and still one clip-level review per coder."""
    path = tmp_path / "old.sqlite"
    _workspace_at_0010(path)
    with open_workspace(path) as ws:
        insert = (
            "INSERT INTO clip_reviews (clip_id, coder_id, codebook_id, assignment_id, answers, status, created_at,"
            " updated_at) VALUES ('C1', 1, 2, ?, '{}', 'draft', 'now', 'now')"
        )
        ws.conn.execute(insert, (2,))  # coder1's study review of C1, beside their PIOSS one
        ws.conn.execute(insert, (None,))
        try:
            ws.conn.execute(insert, (None,))
            twice = True
        except sqlite3.IntegrityError:
            twice = False
    assert not twice
