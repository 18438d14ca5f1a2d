-- 0002: samples are immutable once drawn (a redraw is a new sample). Assignments may change status only.
CREATE TRIGGER samples_no_update BEFORE UPDATE ON samples
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;
CREATE TRIGGER samples_no_delete BEFORE DELETE ON samples
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;
CREATE TRIGGER sample_strata_no_update BEFORE UPDATE ON sample_strata
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;
CREATE TRIGGER sample_strata_no_delete BEFORE DELETE ON sample_strata
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;
CREATE TRIGGER sample_items_no_update BEFORE UPDATE ON sample_items
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;
CREATE TRIGGER sample_items_no_delete BEFORE DELETE ON sample_items
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;
CREATE TRIGGER assignments_fixed BEFORE UPDATE OF sample_id, clip_id, coder_id, role ON assignments
BEGIN SELECT RAISE(ABORT, 'an assignment''s sample, clip, coder and role are fixed; only its status changes'); END;
