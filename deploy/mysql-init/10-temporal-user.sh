#!/bin/bash
# Runs once, when the mysql service initialises an empty data volume (the official
# image runs /docker-entrypoint-initdb.d/* after creating the root account, the
# `ccflow` database and the `ccflow` user from MYSQL_DATABASE/MYSQL_USER).
#
# It gives Temporal its own account, limited to Temporal's two databases, so the
# application account cannot touch workflow state and Temporal cannot touch
# application data. temporalio/auto-setup then creates the two databases and
# their schema with this account.
#
# Changing TEMPORAL_DB_PASSWORD later has no effect on an existing volume:
# change it in MySQL too, or `docker compose down -v` to start over.
# No `set -u`: without the executable bit the image *sources* this file, and the
# option would leak into its entrypoint. A missing password still stops init.
: "${TEMPORAL_DB_USER:=temporal}"
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD must be set}"

# During initialisation the server listens on its socket only.
mysql --protocol=socket -uroot -p"${MYSQL_ROOT_PASSWORD}" <<-EOSQL
	CREATE USER IF NOT EXISTS '${TEMPORAL_DB_USER}'@'%' IDENTIFIED BY '${TEMPORAL_DB_PASSWORD}';
	GRANT ALL PRIVILEGES ON \`temporal\`.* TO '${TEMPORAL_DB_USER}'@'%';
	GRANT ALL PRIVILEGES ON \`temporal_visibility\`.* TO '${TEMPORAL_DB_USER}'@'%';
	FLUSH PRIVILEGES;
EOSQL
