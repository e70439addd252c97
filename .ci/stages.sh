#!/usr/bin/env bash
# The stages of .ci/run, one per function: `bash .ci/stages.sh STAGE [ARGS]`.
# Each runs in its own process so `set -e` holds throughout (it does not inside `if`/`||`).
set -euo pipefail

cd "$CI_ROOT"
VENV_BIN="$CI_ROOT/.venv/bin"
NEWMAN="$CI_WORK/npm/node_modules/.bin/newman"
COLLECTION="$CI_SHARED/realworld/Conduit.postman_collection.json"

log() { printf '%s\n' "$*"; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- setup ---------------------------------------------------------------------------------

packages() {
    # chromium: the browser tests drive Debian's Chromium through Playwright (no download).
    # qpdf: checks the structure of the PDF exports.
    # fonts-wqy-microhei: the CJK TrueType font PDF exports embed (as in deploy/Dockerfile);
    # fonts-dejavu-core: a font without Chinese glyphs, which the PDF font tests refuse.
    # nginx: in front of the loopback cluster (make cluster, tests/cluster).
    local pkgs=(postgresql redis-server nginx make curl ca-certificates python3 python3-venv
        chromium qpdf fonts-wqy-microhei fonts-dejavu-core)
    command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
    apt-get update -qq
    # Keep the packages' own services (cluster 15/main on 5432, redis on 6379) from starting:
    # CI runs private instances on free ports instead.
    local guard=/usr/sbin/policy-rc.d
    if [[ ! -e "$guard" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$guard"
        chmod 755 "$guard"
        trap 'rm -f "$guard"' EXIT
    fi
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >"$CI_WORK/apt.log" 2>&1 || {
        tail -n 50 "$CI_WORK/apt.log"
        return 1
    }
    log "installed or present: ${pkgs[*]}"
    ls -d /usr/lib/postgresql/*/bin >/dev/null
    /usr/sbin/nginx -v
    chromium --version
}

newman() {
    log "node $(node --version), npm $(npm --version 2>/dev/null)"
    npm install --prefix "$CI_WORK/npm" --no-audit --no-fund --loglevel=error "newman@6" >/dev/null
    log "newman $("$NEWMAN" --version)"
}

services() {
    local pg_bin
    pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
    "$pg_bin/postgres" --version
    # Data, socket and log live in one directory the postgres user owns.
    local pg_dir
    pg_dir="$(dirname "$CI_PG_DATA")"
    mkdir -p "$pg_dir"
    chown postgres:postgres "$pg_dir"
    runuser -u postgres -- "$pg_bin/initdb" -D "$CI_PG_DATA" --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --username=postgres >/dev/null
    # A throwaway cluster on loopback only; durability off for speed.
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$CI_PG_DATA" -l "$pg_dir/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $CI_PG_PORT -k $pg_dir -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off" start >/dev/null || {
        cat "$pg_dir/postgres.log"
        return 1
    }
    local psql=(runuser -u postgres -- "$pg_bin/psql" -h "$pg_dir" -p "$CI_PG_PORT"
        -U postgres -v ON_ERROR_STOP=1 -q)
    "${psql[@]}" -c "CREATE ROLE inkstone LOGIN PASSWORD 'inkstone' CREATEDB"
    local db
    for db in inkstone_test inkstone_aux inkstone_migrate inkstone_conformance; do
        "${psql[@]}" -c "CREATE DATABASE $db OWNER inkstone"
    done
    log "PostgreSQL on 127.0.0.1:$CI_PG_PORT (pid $(head -n1 "$CI_PG_DATA/postmaster.pid"))"

    redis-server --version
    start_redis "$CI_REDIS_PORT" "$CI_REDIS_PIDFILE" redis
    # A second one for the PostgreSQL test run, which runs beside the SQLite one: queues, rate
    # limits and cache keys of one run must never be seen by the other's workers.
    start_redis "$CI_REDIS2_PORT" "$CI_REDIS2_PIDFILE" redis2
}

# start_redis PORT PIDFILE NAME: a throwaway redis-server on loopback, answering before we go on.
start_redis() {
    local port="$1" pidfile="$2" name="$3"
    redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes --daemonize yes \
        --pidfile "$pidfile" --dir "$CI_WORK" --save "" --appendonly no \
        --logfile "$CI_WORK/$name.log"
    local _
    for _ in $(seq 1 100); do
        if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; then
            log "Redis on 127.0.0.1:$port (pid $(cat "$pidfile"))"
            return 0
        fi
        sleep 0.1
    done
    log "redis-server on $port did not answer"
    cat "$CI_WORK/$name.log" || true
    return 1
}

# --- tests ---------------------------------------------------------------------------------

make_test() {
    log "database: ${INKSTONE_TEST_DATABASE_URL:-SQLite (default)}"
    # make exits non-zero on any pytest failure, including exit 5 (no tests collected).
    make test
}

# use_database TARGET DIR: point the app (and `flask`) at SQLite in DIR or at a PostgreSQL URL.
use_database() {
    local target="$1" dir="$2"
    rm -rf "$dir"
    mkdir -p "$dir"
    export INKSTONE_INSTANCE_PATH="$dir"
    if [[ "$target" == sqlite ]]; then
        unset DATABASE_URL INKSTONE_DATABASE_URL
    else
        export DATABASE_URL="$target"
    fi
}

# tables: print the application tables (alembic_version excluded), one per line.
tables() {
    "$VENV_BIN/python" - <<'EOF'
import sqlalchemy as sa
from inkstone import create_app
from inkstone.extensions import db

app = create_app({"LOG_REQUESTS": False})
with app.app_context():
    names = sorted(set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"})
print("\n".join(names))
EOF
}

expect_head() {
    local current
    current="$("$VENV_BIN/flask" db current 2>/dev/null)"
    log "current revision: ${current:-<base>}"
    [[ "$current" == *"(head)"* ]]
}

migrations() {
    local target="$1" name
    name="$([[ "$1" == sqlite ]] && echo sqlite || echo postgresql)"
    use_database "$target" "$CI_WORK/migrations-$name"
    log "-- upgrade"
    "$VENV_BIN/flask" db upgrade
    expect_head
    local created
    created="$(tables | wc -l)"
    log "tables after upgrade: $created"
    ((created > 0))
    log "-- downgrade base"
    "$VENV_BIN/flask" db downgrade base
    local left
    left="$(tables)"
    if [[ -n "$left" ]]; then
        log "tables left after downgrade base: $left"
        return 1
    fi
    log "-- upgrade again"
    "$VENV_BIN/flask" db upgrade
    expect_head
    [[ "$(tables | wc -l)" -eq "$created" ]]
    log "-- models match the migrations (flask db check)"
    "$VENV_BIN/flask" db check
}

# --- RealWorld conformance -----------------------------------------------------------------

run_newman() {
    local api_url="$1" report="$2" user="$3" password="$4"
    local rc=0
    "$NEWMAN" run "$COLLECTION" \
        --env-var "APIURL=$api_url" \
        --env-var "USERNAME=$user" \
        --env-var "EMAIL=$user@example.com" \
        --env-var "PASSWORD=$password" \
        --delay-request 1 \
        --timeout-request 30000 \
        --color off \
        --reporters cli,json \
        --reporter-json-export "$report" || rc=$?
    python3 "$CI_ROOT/.ci/newman_summary.py" "$report" "$api_url"
    ((rc == 0)) || {
        log "newman exited with $rc"
        return 1
    }
}

conformance() {
    local target="$1" name
    name="$([[ "$1" == sqlite ]] && echo sqlite || echo postgresql)"
    local dir="$CI_WORK/conformance-$name"
    use_database "$target" "$dir"
    "$VENV_BIN/flask" db upgrade

    local port log_file="$CI_WORK/gunicorn-$name.log"
    port="$(free_port)"
    # Exactly the web process of `make run` (Procfile), on a free loopback port.
    GUNICORN_BIND="127.0.0.1:$port" "$VENV_BIN/gunicorn" -c deploy/gunicorn.conf.py \
        inkstone.wsgi:app >"$log_file" 2>&1 &
    local pid=$!
    echo "$pid" >"$CI_WORK/gunicorn.pid"
    # shellcheck disable=SC2064  # expand now: stop this gunicorn, by PID, however we leave
    trap "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f '$CI_WORK/gunicorn.pid'" EXIT
    log "gunicorn pid $pid on 127.0.0.1:$port"

    local up=0 _
    for _ in $(seq 1 120); do
        if ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
            up=1
            break
        fi
        sleep 0.5
    done
    if ((up == 0)); then
        log "gunicorn did not become healthy; its log:"
        tail -n 80 "$log_file"
        return 1
    fi

    local password failed=0 base user
    password="$(python3 -c 'import secrets; print("Ink-" + secrets.token_urlsafe(15) + "-9z")')"
    for base in /api/v1 /api; do
        user="ci_$(date +%s)_$RANDOM$([[ "$base" == /api ]] && echo _a || echo _v1)"
        log ""
        log "-- newman against http://127.0.0.1:$port$base (user $user)"
        run_newman "http://127.0.0.1:$port$base" "$CI_WORK/newman-$name-${base//\//_}.json" \
            "$user" "$password" || failed=1
    done
    if ! kill -0 "$pid" 2>/dev/null; then
        log "gunicorn died during the run"
        failed=1
    fi
    if ((failed)); then
        log "gunicorn log (last 80 lines):"
        tail -n 80 "$log_file"
    fi
    return "$failed"
}

# --- the cluster ---------------------------------------------------------------------------

# cluster: one loopback cluster (make cluster: PostgreSQL, Redis, two gunicorn hosts, two
# workers, one beat, nginx), the RealWorld collection through its nginx, then tests/cluster
# against the same cluster (INKSTONE_CLUSTER_ROOT: the tests attach instead of starting one).
cluster() {
    local root="$CI_WORK/cluster" port
    # Below the kernel's ephemeral range (32768-60999): while PostgreSQL or Redis is stopped
    # by a fault test, a client connection could otherwise take its port as its own end.
    port="$(python3 -c '
import random, socket
for _ in range(200):
    base = random.randrange(20000, 32700)
    try:
        for p in range(base, base + 6):
            with socket.socket() as s:
                s.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(base)
    break
')"
    echo "$root" >"$CI_WORK/cluster.root"
    # shellcheck disable=SC2064  # expand now: stop this cluster, by PID, however we leave
    trap "'$VENV_BIN/python' -m deploy.cluster stop --root '$root' || true" EXIT
    local started=$SECONDS
    "$VENV_BIN/python" -m deploy.cluster start --root "$root" --port "$port" || {
        tail -n 40 "$root"/logs/*.log
        return 1
    }
    log "cluster started in $((SECONDS - started))s at http://127.0.0.1:$port"

    local failed=0 password user
    password="$(python3 -c 'import secrets; print("Ink-" + secrets.token_urlsafe(15) + "-9z")')"
    user="ci_$(date +%s)_${RANDOM}_cluster"
    log ""
    log "-- newman against http://127.0.0.1:$port/api/v1 (nginx, user $user)"
    run_newman "http://127.0.0.1:$port/api/v1" "$CI_WORK/newman-cluster.json" "$user" \
        "$password" || failed=1

    log ""
    log "-- tests/cluster"
    INKSTONE_CLUSTER_ROOT="$root" "$VENV_BIN/pytest" tests/cluster || failed=1
    if ((failed)); then
        local name
        for name in web1 web2 worker1 worker2 beat nginx-error; do
            log "--- $name.log (last 30 lines)"
            tail -n 30 "$root/logs/$name.log" 2>/dev/null || true
        done
    fi
    return "$failed"
}

"$@"
