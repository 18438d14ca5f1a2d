-- 0017 (PostgreSQL): a key press's server work made smaller; as ../0017_key_press_path.sql.
--
-- The functions row security calls (who is asking, is the clip theirs, is it double-coded, is
-- the pool row theirs) in PL/pgSQL, with the same meaning as before. A SQL function that cannot be inlined (these
-- cannot: they are security definers) plans its query again at every call; PL/pgSQL keeps the plan for the
-- session. A reviewer's insert of an event calls bwv_me() twice and bwv_assigned() once in its policy check: in
-- SQL that was a third of the server's work for a key press (0.43 ms to 0.29 ms for the whole press, measured on
-- a quiet local server).
CREATE OR REPLACE FUNCTION bwv_me() RETURNS bigint LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public AS $$
BEGIN
    RETURN (SELECT id FROM coders WHERE name = session_user);
END
$$;

CREATE OR REPLACE FUNCTION bwv_assigned(clip text) RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM assignments WHERE clip_id = clip AND coder_id = bwv_me());
END
$$;

CREATE OR REPLACE FUNCTION bwv_double_coded(clip text) RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM assignments a WHERE a.clip_id = clip AND a.role = 'reliability'
                   AND NOT EXISTS (SELECT 1 FROM sample_unblinding u WHERE u.sample_id = a.sample_id));
END
$$;

CREATE OR REPLACE FUNCTION bwv_claimed(sample bigint, clip text, what text) RETURNS boolean LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = public AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM queue_pool WHERE sample_id = sample AND clip_id = clip AND role = what
                   AND claimed_by = bwv_me());
END
$$;

-- The audit chain's trigger as in 0001, with one addition: a row with a negative id is a rehearsal
-- (bwvtool.store.events.ready_to_code, as a coding opens): the trigger runs as for a real append, so that the
-- session's first real one finds the function compiled and its plans made (5-10 ms otherwise, paid by a key
-- press), but it takes neither the chain's lock nor a number from the sequence, and the row is not inserted
-- (a BEFORE trigger returning NULL skips it). Real rows have positive ids, so nothing else changes.
CREATE OR REPLACE FUNCTION bwv_audit_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
DECLARE
    last_id   bigint;
    last_hash text;
    rehearsal boolean := NEW.id < 0;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit rows must be appended in a READ COMMITTED transaction';
    END IF;
    IF NEW.actor IS DISTINCT FROM session_user
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
       AND (pg_has_role(session_user, 'bwvtool_reviewer', 'MEMBER')
            OR pg_has_role(session_user, 'bwvtool_researcher', 'MEMBER')
            OR pg_has_role(session_user, 'bwvtool_supervisor', 'MEMBER')
            OR pg_has_role(session_user, 'bwvtool_admin', 'MEMBER')) THEN
        RAISE EXCEPTION 'audit actor "%" is not the logged-in user "%"', NEW.actor, session_user;
    END IF;
    IF rehearsal IS NOT TRUE THEN
        PERFORM pg_advisory_xact_lock(hashtext('bwvtool.audit_log'));
    END IF;
    SELECT a.id, a.hash INTO last_id, last_hash FROM audit_log a ORDER BY a.id DESC LIMIT 1;
    IF rehearsal THEN
        NULL;
    ELSIF NEW.id IS NULL THEN
        NEW.id := nextval('audit_log_id_seq');
    ELSE
        PERFORM setval('audit_log_id_seq', greatest(NEW.id, (SELECT last_value FROM audit_log_id_seq)));
    END IF;
    IF rehearsal IS NOT TRUE AND last_id IS NOT NULL AND NEW.id <= last_id THEN
        RAISE EXCEPTION 'audit row % would not follow row %', NEW.id, last_id;
    END IF;
    NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
    NEW.hash := encode(sha256(convert_to(
        NEW.prev_hash || '[' || to_json(NEW.at)::text || ',' || to_json(NEW.actor)::text || ','
        || to_json(NEW.action)::text || ',' || to_json(NEW.entity)::text || ','
        || coalesce(to_json(NEW.entity_id)::text, 'null') || ',' || to_json(NEW.detail)::text || ']',
        'UTF8')), 'hex');
    IF rehearsal THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;
