-- 0002 (PostgreSQL): samples are immutable once drawn (a redraw is a new sample). Assignments may change status only.
CREATE TRIGGER samples_no_update BEFORE UPDATE ON samples
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('samples are immutable; draw a new sample instead');
CREATE TRIGGER samples_no_delete BEFORE DELETE ON samples
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('samples are immutable; draw a new sample instead');
CREATE TRIGGER sample_strata_no_update BEFORE UPDATE ON sample_strata
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('samples are immutable; draw a new sample instead');
CREATE TRIGGER sample_strata_no_delete BEFORE DELETE ON sample_strata
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('samples are immutable; draw a new sample instead');
CREATE TRIGGER sample_items_no_update BEFORE UPDATE ON sample_items
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('samples are immutable; draw a new sample instead');
CREATE TRIGGER sample_items_no_delete BEFORE DELETE ON sample_items
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('samples are immutable; draw a new sample instead');
CREATE TRIGGER assignments_fixed BEFORE UPDATE OF sample_id, clip_id, coder_id, role ON assignments
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('an assignment''s sample, clip, coder and role are fixed; only its status changes');
