-- 0015: a clip of the unit's pool is given back only with its assignment. Unclaiming a row whose assignment still
-- exists would let a second person claim the clip while the first keeps it (bwvtool.store.pool deletes the
-- assignment first; the foreign key then clears assignment_id). Refused for everyone, on both engines.
CREATE TRIGGER queue_pool_keeps_claim BEFORE UPDATE OF claimed_by ON queue_pool
WHEN NEW.claimed_by IS NOT OLD.claimed_by AND EXISTS (SELECT 1 FROM assignments WHERE id = OLD.assignment_id)
BEGIN SELECT RAISE(ABORT, 'this clip is claimed with an assignment; give it back with bwvtool queue release'); END;
