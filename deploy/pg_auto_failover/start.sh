#!/bin/sh
# Start one pg_auto_failover node of docker-compose.ha.yml: `start.sh monitor` or
# `start.sh postgres` (a data node; the first to register is the primary). Creates the node on
# its first start, then on every start applies the failover timing (monitor.conf, node.conf,
# network_partition_timeout: see monitor.conf for why the values are safe) and the passwords
# from the environment, then runs the keeper. Connections from the network are checked with
# scram-sha-256; the passwords are .env's:
#   PG_AUTOCTL_NODE_PASSWORD   autoctl_node, the keepers' user on the monitor
#   PG_REPLICATION_PASSWORD    pgautofailover_replicator, streaming replication and pg_rewind
#   POSTGRES_PASSWORD          postgres, the administrator `provision` connects as
# (pgautofailover_monitor, the monitor's health checks, has pg_autoctl's fixed password and may
# only connect to the `postgres` database.) Local socket connections stay trusted: pg_autoctl
# itself connects that way.
set -eu
role=$1
settings=/etc/pg_auto_failover
ready=/tmp/pgaf-ready # the healthcheck's sign that the passwords are in place
rm -f "$ready"

include_once() { # settings of ours after pg_autoctl's own include: ours win
	grep -qF "include '$1'" "$PGDATA/postgresql.conf" ||
		echo "include '$1'" >>"$PGDATA/postgresql.conf"
}

sql() { # psql DB [ARGS]: SQL from stdin on the local socket, the passwords as psql variables
	# (quoted by psql), and not logged (the monitor logs DDL).
	db=$1
	shift
	{
		echo "SET log_statement = none;"
		cat
	} | psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@" \
		-v node="${PG_AUTOCTL_NODE_PASSWORD:-}" -v replication="${PG_REPLICATION_PASSWORD:-}" \
		-v admin="${POSTGRES_PASSWORD:-}"
}

if [ "$role" = monitor ]; then
	: "${PG_AUTOCTL_NODE_PASSWORD:?}"
	if [ ! -f "$PGDATA/PG_VERSION" ]; then
		pg_autoctl create monitor --hostname "$(hostname)" --auth scram-sha-256 --ssl-self-signed
	fi
	include_once "$settings/monitor.conf"
else
	: "${PG_AUTOCTL_NODE_PASSWORD:?}" "${PG_REPLICATION_PASSWORD:?}" "${POSTGRES_PASSWORD:?}"
	monitor="postgres://autoctl_node:$PG_AUTOCTL_NODE_PASSWORD@monitor:5432/pg_auto_failover?sslmode=require"
	if [ ! -f "$PGDATA/PG_VERSION" ]; then
		# A standby's pg_basebackup connects as pgautofailover_replicator with PGPASSWORD.
		PGPASSWORD="$PG_REPLICATION_PASSWORD" pg_autoctl create postgres \
			--hostname "$(hostname)" --name "$(hostname)" --auth scram-sha-256 \
			--ssl-self-signed --pg-hba-lan --dbname "$POSTGRES_DB" --monitor "$monitor"
	fi
	pg_autoctl config set pg_autoctl.monitor "$monitor" >/dev/null
	pg_autoctl config set replication.password "$PG_REPLICATION_PASSWORD" >/dev/null
	pg_autoctl config set timeout.network_partition_timeout 2 >/dev/null
	include_once "$settings/node.conf"
	# pg_autoctl's own rules name hosts by the address they had when it wrote them, and let only
	# postgres into $POSTGRES_DB: the services' roles, and the replicator's pg_rewind (database
	# postgres), from any address of the db network, with a password.
	grep -qF "# stepwise: password rules" "$PGDATA/pg_hba.conf" || cat >>"$PGDATA/pg_hba.conf" <<-HBA
		# stepwise: password rules (deploy/pg_auto_failover/start.sh)
		host "$POSTGRES_DB" all samenet scram-sha-256
		host replication pgautofailover_replicator samenet scram-sha-256
		host postgres pgautofailover_replicator samenet scram-sha-256
	HBA
	# A primary that died: replay its WAL now, in single-user mode, so that its keeper can
	# pg_rewind it (pg_autoctl 2.0's own recovery races pg_rewind, which then fails and the
	# keeper copies the whole database instead).
	if [ ! -f "$PGDATA/standby.signal" ] &&
		LC_ALL=C pg_controldata "$PGDATA" | grep -q '^Database cluster state: *in production$' &&
		! pg_ctl status -D "$PGDATA" >/dev/null 2>&1; then
		echo "crash recovery in single-user mode before pg_autoctl run"
		postgres --single -F -D "$PGDATA" template1 </dev/null
	fi
fi

pg_autoctl run &
keeper=$!
trap 'kill -TERM "$keeper" 2>/dev/null' TERM INT

until pg_isready -q; do
	kill -0 "$keeper" 2>/dev/null || exit 1
	sleep 1
done
# The passwords, on every start (.env may have changed them): the monitor's autoctl_node; on
# the primary, the replicator's and postgres's (a standby has them from the primary).
until [ -f "$ready" ]; do
	if [ "$role" = monitor ]; then
		echo "ALTER USER autoctl_node PASSWORD :'node';" | sql pg_auto_failover && touch "$ready"
	else
		case $(echo "SELECT pg_is_in_recovery();" | sql postgres -At 2>/dev/null) in
		f) printf '%s\n' "ALTER USER pgautofailover_replicator PASSWORD :'replication';" \
			"ALTER USER postgres PASSWORD :'admin';" | sql postgres && touch "$ready" ;;
		t) touch "$ready" ;;
		esac
	fi
	[ -f "$ready" ] && break
	kill -0 "$keeper" 2>/dev/null || exit 1
	sleep 1
done
status=0
wait "$keeper" || status=$? # returns early when we are signalled: then wait for the keeper
if kill -0 "$keeper" 2>/dev/null; then wait "$keeper" || status=$?; fi
exit "$status"
