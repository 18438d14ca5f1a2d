-- 0012: a coder can be deactivated (left the unit, on leave): never offered for new assignments or at the identity
-- prompt, their coding and audit rows kept as they are. Login names never change (the audit log names them).
ALTER TABLE coders ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
