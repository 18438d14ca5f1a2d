-- 0015 (PostgreSQL): a claimed pool row keeps its claimer while its assignment exists; as
-- ../0015_pool_claim_guard.sql. The check reads assignments past the caller's row security (security definer).
CREATE FUNCTION bwv_pool_keeps_claim() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF NEW.claimed_by IS DISTINCT FROM OLD.claimed_by
       AND EXISTS (SELECT 1 FROM assignments WHERE id = OLD.assignment_id) THEN
        RAISE EXCEPTION 'this clip is claimed with an assignment; give it back with bwvtool queue release';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER queue_pool_keeps_claim BEFORE UPDATE OF claimed_by ON queue_pool
FOR EACH ROW EXECUTE FUNCTION bwv_pool_keeps_claim();
