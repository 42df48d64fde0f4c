#!/usr/bin/env bash
# Set up a PostgreSQL database for SafeLog on a school's or trust's server, least privilege:
#
#   - an owner role that owns the tables and runs SafeLog's schema upgrades
#     (`safelog db upgrade --database-url postgresql://OWNER@SERVER/DATABASE`), and nothing else;
#   - an app role, the login every SafeLog PC uses: it reads and writes rows, and may not
#     create, alter or drop tables, nor read or write anything outside SafeLog's schema;
#   - neither is a superuser, nor may create databases or roles; PUBLIC gets nothing.
#
# Run it once, as a PostgreSQL superuser (for example `sudo -u postgres`), then require TLS
# for both roles in pg_hba.conf (the lines are printed at the end) and reload the server.
#
#   ADMIN_URL=postgresql://postgres@localhost/postgres \
#   SAFELOG_DB=ravens_wood SAFELOG_OWNER=safelog_owner SAFELOG_APP=safelog_app \
#   SAFELOG_OWNER_PASSWORD=... SAFELOG_APP_PASSWORD=... \
#   packaging/server/setup-postgres.sh
#
# Idempotent: run again, it changes nothing that is already as it should be.
set -euo pipefail

: "${ADMIN_URL:?the URL of a superuser connection, e.g. postgresql://postgres@localhost/postgres}"
db=${SAFELOG_DB:-safelog}
owner=${SAFELOG_OWNER:-safelog_owner}
app=${SAFELOG_APP:-safelog_app}
: "${SAFELOG_OWNER_PASSWORD:?a password for the owner role}"
: "${SAFELOG_APP_PASSWORD:?a password for the app role}"

for name in "$db" "$owner" "$app"; do
  if ! [[ $name =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
    echo "setup-postgres: '$name' is not a plain lower-case name" >&2
    exit 2
  fi
done

psql_admin() { psql "$ADMIN_URL" -v ON_ERROR_STOP=1 -q -X "$@"; }

psql_admin -v owner="$owner" -v app="$app" \
  -v owner_pw="$SAFELOG_OWNER_PASSWORD" -v app_pw="$SAFELOG_APP_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'owner_pw';
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  NOINHERIT PASSWORD :'app_pw';
SQL

exists=$(psql_admin -tA -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")
if [ "$exists" = 0 ]; then
  psql_admin -c "CREATE DATABASE \"$db\" OWNER \"$owner\" ENCODING 'UTF8' TEMPLATE template0"
fi

db_url=$(python3 - "$ADMIN_URL" "$db" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
parts = urlsplit(sys.argv[1])
print(urlunsplit(parts._replace(path="/" + sys.argv[2])))
PY
)
psql "$db_url" -v ON_ERROR_STOP=1 -q -X -v db="$db" -v owner="$owner" -v app="$app" <<'SQL'
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"owner";
GRANT CONNECT ON DATABASE :"db" TO :"app";
CREATE SCHEMA IF NOT EXISTS safelog AUTHORIZATION :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON SCHEMA safelog FROM PUBLIC;
GRANT USAGE ON SCHEMA safelog TO :"app";
ALTER ROLE :"owner" IN DATABASE :"db" SET search_path = safelog;
ALTER ROLE :"app" IN DATABASE :"db" SET search_path = safelog;
-- What the owner makes (SafeLog's tables, by `safelog db upgrade`), the app may use rows of.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA safelog
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA safelog
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"app";
-- Tables made before this script ran (run again after an upgrade made by hand).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA safelog TO :"app";
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA safelog TO :"app";
SQL

cat <<EOF2
SafeLog's database "$db" is ready: owner role "$owner", app role "$app".
Next:
  1. Require TLS for both roles: in pg_hba.conf, before any other line for this database,
       hostssl $db $owner,$app 0.0.0.0/0 scram-sha-256
       hostssl $db $owner,$app ::/0      scram-sha-256
       host    $db all        all       reject
     with ssl = on and a certificate in postgresql.conf; then reload the server.
  2. Create SafeLog's tables, as the owner:
       safelog db upgrade --database-url "postgresql://$owner@SERVER/$db?sslmode=verify-full"
  3. On the first PC, as the DSL, with the app role:
       safelog init --school "..." --name "..." \\
         --database-url "postgresql://$app@SERVER/$db?sslmode=verify-full"
EOF2
