-- Up Migration

-- The leadership role `viewer` (领导: reads SLA figures and incidents, changes nothing) joins the
-- built-in roles an account holds at most one of (三员分立): the partial unique index of 0001 over
-- the three admin roles now covers all four, so the database itself refuses a viewer role on an
-- admin account and an admin role on a viewer. Same name, rebuilt inside this migration's
-- transaction, so the rule holds throughout. Idempotent: rebuilding it again changes nothing.
DROP INDEX IF EXISTS role_assignments_one_admin_role;
CREATE UNIQUE INDEX IF NOT EXISTS role_assignments_one_admin_role
  ON role_assignments (user_id) WHERE role IN ('sysadmin', 'secadmin', 'auditadmin', 'viewer');

-- Down Migration
DELETE FROM role_assignments WHERE role = 'viewer';
DROP INDEX IF EXISTS role_assignments_one_admin_role;
CREATE UNIQUE INDEX IF NOT EXISTS role_assignments_one_admin_role
  ON role_assignments (user_id) WHERE role IN ('sysadmin', 'secadmin', 'auditadmin');
