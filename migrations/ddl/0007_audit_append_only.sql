-- The audit trail is append-only: an event, once written, never changes.
-- The hash chain makes tampering evident; this makes the application unable
-- to do it by mistake. Deleting stays possible, for the platform's own jobs
-- that remove a whole tenant from a database (a move's source, offboarding).

CREATE FUNCTION refuse_audit_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (event % of tenant %)', OLD.seq, OLD.tenant_id
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE ON audit_event
    FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW)
    EXECUTE FUNCTION refuse_audit_update();
