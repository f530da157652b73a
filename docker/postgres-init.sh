#!/bin/sh
# Run by the postgres image on a new data directory (/docker-entrypoint-initdb.d): creates the
# owner and app roles of docker/postgres-roles.sql in the app's database.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
SET contactpolicy.owner_role = '${CONTACTPOLICY_OWNER_ROLE}';
SET contactpolicy.owner_password = '${CONTACTPOLICY_OWNER_PASSWORD}';
SET contactpolicy.app_role = '${CONTACTPOLICY_APP_ROLE}';
SET contactpolicy.app_password = '${CONTACTPOLICY_APP_PASSWORD}';
\i /contactpolicy/postgres-roles.sql
SQL
