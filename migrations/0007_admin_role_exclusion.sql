-- Up Migration

-- 三员分立 held by the database as well as the services: an account with one of the three admin
-- roles never holds a scoped-admin grant in force, and a grant is never made to such an account.
-- The grants service refuses the second with a 409 (ADMIN_NOT_GRANTABLE); no API assigns an admin
-- role to an existing account, so the first can only be attempted in SQL — both are refused here.
-- Each trigger locks the account's users row first, so a role assignment and a grant racing for
-- the same account are serialised and the second one sees the first.

CREATE OR REPLACE FUNCTION tianshu_refuse_admin_role_with_grants() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.role IN ('sysadmin', 'secadmin', 'auditadmin') THEN
    PERFORM 1 FROM users WHERE id = NEW.user_id FOR UPDATE;
    IF EXISTS (
      SELECT 1 FROM scoped_admins g
      WHERE g.user_id = NEW.user_id AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > now())
    ) THEN
      RAISE EXCEPTION 'account % holds scoped-admin grants in force: revoke them before assigning the % role',
        NEW.user_id, NEW.role
        USING ERRCODE = 'check_violation', CONSTRAINT = 'admin_role_without_scoped_grants';
    END IF;
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS role_assignments_admin_without_grants ON role_assignments;
CREATE TRIGGER role_assignments_admin_without_grants
  BEFORE INSERT OR UPDATE OF role, user_id ON role_assignments
  FOR EACH ROW EXECUTE FUNCTION tianshu_refuse_admin_role_with_grants();

CREATE OR REPLACE FUNCTION tianshu_refuse_grant_to_admin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM users WHERE id = NEW.user_id FOR UPDATE;
  IF EXISTS (
    SELECT 1 FROM role_assignments r
    WHERE r.user_id = NEW.user_id AND r.role IN ('sysadmin', 'secadmin', 'auditadmin')
  ) THEN
    RAISE EXCEPTION 'account % holds an admin role: the three admin roles are never scoped admins', NEW.user_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'scoped_grant_not_to_admin';
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS scoped_admins_not_to_admin ON scoped_admins;
CREATE TRIGGER scoped_admins_not_to_admin
  BEFORE INSERT OR UPDATE OF user_id ON scoped_admins
  FOR EACH ROW EXECUTE FUNCTION tianshu_refuse_grant_to_admin();

-- Down Migration
DROP TRIGGER IF EXISTS scoped_admins_not_to_admin ON scoped_admins;
DROP FUNCTION IF EXISTS tianshu_refuse_grant_to_admin();
DROP TRIGGER IF EXISTS role_assignments_admin_without_grants ON role_assignments;
DROP FUNCTION IF EXISTS tianshu_refuse_admin_role_with_grants();
