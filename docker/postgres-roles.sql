-- Contact Policy's two PostgreSQL roles: an owner that runs migrations and an app role that owns
-- nothing, so the running app cannot lift the contact log's append-only triggers (only a
-- table's owner may ALTER TABLE ... DISABLE TRIGGER or DROP TRIGGER).
--
-- Run once per database, as a superuser, connected to the app's database, after setting:
--   SET contactpolicy.owner_role = 'contactpolicy_owner';
--   SET contactpolicy.owner_password = '...';
--   SET contactpolicy.app_role = 'contactpolicy_app';
--   SET contactpolicy.app_password = '...';
-- (docker/postgres-init.sh does this from the environment.) Then run `manage.py migrate` as
-- the owner: it creates the tables, and after every migrate it revokes UPDATE, DELETE and
-- TRUNCATE on the log from every role but the owner, whatever the defaults below grant.
DO $roles$
DECLARE
    owner_role text := current_setting('contactpolicy.owner_role');
    app_role text := current_setting('contactpolicy.app_role');
    owner_password text := nullif(current_setting('contactpolicy.owner_password', true), '');
    app_password text := nullif(current_setting('contactpolicy.app_password', true), '');
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = owner_role) THEN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', owner_role);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app_role) THEN
        EXECUTE format(
            'CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', app_role
        );
    END IF;
    IF owner_password IS NOT NULL THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', owner_role, owner_password);
    END IF;
    IF app_password IS NOT NULL THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', app_role, app_password);
    END IF;

    -- Only the two roles connect; the owner owns the schema the tables are created in.
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I', current_database(), owner_role,
                   app_role);
    EXECUTE format('ALTER SCHEMA public OWNER TO %I', owner_role);
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app_role);

    -- The app reads and writes the other tables and uses their id sequences. Tables the owner
    -- creates later (every migration) get the same rights by default.
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I',
                   app_role);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', app_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public'
                   ' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', owner_role, app_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public'
                   ' GRANT USAGE, SELECT ON SEQUENCES TO %I', owner_role, app_role);

    -- The contact log: SELECT and INSERT only. (Also done after every migrate, for tables that
    -- do not exist yet when this runs.)
    IF to_regclass('public.messaging_contactevent') IS NOT NULL THEN
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'
                       ' ON messaging_contactevent FROM %I', app_role);
    END IF;
END
$roles$;
