# shellcheck shell=bash
# Shared functions for scripts/run, scripts/test, scripts/bench and the
# end-to-end tests (tests/e2e/conftest.py calls render_site, make_cert,
# start_nginx and stop_nginx through `bash -c 'source scripts/lib.sh; ...'`).
#
# Sourcing this file has no side effects besides defining functions and
# PORTAL_ROOT. Everything works as root or as a user with password-less sudo,
# with no prompt and no standard input (CI=true).

PORTAL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages the portal needs to build, run and test.
PORTAL_PACKAGES=(
    nginx python3 libfcgi-dev libfcgi-bin libargon2-dev libsqlite3-dev libcmark-gfm-dev
    libcmark-gfm-extensions-dev libxml2
    pkg-config openssl ca-certificates curl sqlite3 logrotate
    libcurl4-openssl-dev # curl/curl.h for CLazyLibraries (libcurl itself is loaded at run time, by audit webhooks)
)

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# as_root CMD...: run CMD as root (directly, or through password-less sudo).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "need root or password-less sudo to run: $*"
    fi
}

_pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

_APT_UPDATED=0
# apt_install PKG...: apt-get install without prompts (runs apt-get update once).
apt_install() {
    [ "$#" -gt 0 ] || return 0
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand (Debian 12 expected)"
    if [ "$_APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
        _APT_UPDATED=1
    fi
    log "installing: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" </dev/null >&2 ||
        die "apt-get install $* failed"
}

# ensure_packages [PKG...]: install the missing ones of PKG... (default: the
# portal's packages, PORTAL_PACKAGES). Any nginx flavour counts as nginx.
ensure_packages() {
    local want=("$@") missing=() p
    [ "${#want[@]}" -gt 0 ] || want=("${PORTAL_PACKAGES[@]}")
    for p in "${want[@]}"; do
        case $p in
        nginx | nginx-light)
            if [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1; then continue; fi
            ;;
        python3)
            if command -v python3 >/dev/null 2>&1; then continue; fi
            ;;
        esac
        _pkg_installed "$p" || missing+=("$p")
    done
    apt_install "${missing[@]}"
}

# ensure_python_test_deps: pytest and requests for the python3 on PATH (a
# pyenv/venv python gets them from pip, Debian's own python3 from apt), then
# schemathesis (ensure_schemathesis).
ensure_python_test_deps() {
    command -v python3 >/dev/null 2>&1 || apt_install python3
    if ! python3 -c 'import pytest, requests' >/dev/null 2>&1; then
        local py
        py=$(command -v python3)
        if [ "$(readlink -f "$py")" = /usr/bin/python3 ] || [ "$(dirname "$(readlink -f "$py")")" = /usr/bin ]; then
            apt_install python3-pytest python3-requests
        else
            log "pip install pytest requests (for $py)"
            python3 -m pip install -q --disable-pip-version-check pytest requests </dev/null >&2 ||
                die "pip install pytest requests failed"
        fi
        python3 -c 'import pytest, requests' >/dev/null 2>&1 || die "python3 still cannot import pytest and requests"
    fi
    ensure_schemathesis
}

# The schemathesis version tests/e2e/test_schemathesis.py runs (from PyPI; Debian has none).
# 4.32.5 works with Python 3.11 and keeps pytest 9 (it needs pytest >= 8.4, < 10).
SCHEMATHESIS_VERSION=4.32.5

# ensure_schemathesis: schemathesis==$SCHEMATHESIS_VERSION for the python3 on PATH, from pip
# (Debian's own python3 gets python3-pip first and installs past PEP 668's marker).
ensure_schemathesis() {
    # jsonschema and PyYAML: the management-API tests validate replies against the v2 spec file.
    local check="import importlib.metadata as m, sys, jsonschema, yaml; sys.exit(m.version('schemathesis') != '$SCHEMATHESIS_VERSION')"
    if python3 -c "$check" >/dev/null 2>&1; then
        return 0
    fi
    local py flags=()
    py=$(command -v python3)
    if [ "$(dirname "$(readlink -f "$py")")" = /usr/bin ]; then
        python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
        flags+=(--break-system-packages)
    fi
    log "pip install schemathesis==$SCHEMATHESIS_VERSION (for $py)"
    python3 -m pip install -q --disable-pip-version-check "${flags[@]}" "schemathesis==$SCHEMATHESIS_VERSION" \
        jsonschema pyyaml </dev/null >&2 || die "pip install schemathesis==$SCHEMATHESIS_VERSION jsonschema pyyaml failed"
    python3 -c "$check" >/dev/null 2>&1 || die "python3 still cannot import schemathesis $SCHEMATHESIS_VERSION"
    python3 -c 'import pytest, requests' >/dev/null 2>&1 || die "python3 cannot import pytest and requests after installing schemathesis"
}

# The browser tests (tests/e2e/browser): Debian's Chromium and its driver drive the HTML pages through
# selenium, from PyPI; axe-core's JS (4.4.3) for the WCAG 2.1 AA checks comes from PyPI's axe-core-python,
# which bundles it and needs nothing else. (axe-selenium-python 2.1.6, the last for Python < 3.12, bundles
# axe-core 3.1.1, which has no `wcag21a` rules and refuses that tag; its 3.0.0 needs Python >= 3.12.)
# Both pinned to versions checked to install and drive Debian 12's chromium here.
BROWSER_PACKAGES=(chromium chromium-driver)
SELENIUM_VERSION=4.51.0
AXE_CORE_PYTHON_VERSION=0.1.0

# ensure_browser_test_deps: chromium and chromium-driver from apt, selenium==$SELENIUM_VERSION and
# axe-core-python==$AXE_CORE_PYTHON_VERSION from pip for the python3 on PATH (Debian's own python3 gets
# python3-pip first and installs past PEP 668's marker), each only when missing.
ensure_browser_test_deps() {
    ensure_packages "${BROWSER_PACKAGES[@]}"
    [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] ||
        die "chromium and chromium-driver installed no /usr/bin/chromium and /usr/bin/chromedriver"
    command -v python3 >/dev/null 2>&1 || apt_install python3
    local check="import importlib.metadata as m, sys, selenium, axe_core_python; sys.exit(m.version('selenium') != '$SELENIUM_VERSION' or m.version('axe-core-python') != '$AXE_CORE_PYTHON_VERSION')"
    if python3 -c "$check" >/dev/null 2>&1; then
        return 0
    fi
    local py flags=()
    py=$(command -v python3)
    if [ "$(dirname "$(readlink -f "$py")")" = /usr/bin ]; then
        python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
        flags+=(--break-system-packages)
    fi
    log "pip install selenium==$SELENIUM_VERSION axe-core-python==$AXE_CORE_PYTHON_VERSION (for $py)"
    python3 -m pip install -q --disable-pip-version-check "${flags[@]}" "selenium==$SELENIUM_VERSION" \
        "axe-core-python==$AXE_CORE_PYTHON_VERSION" </dev/null >&2 ||
        die "pip install selenium==$SELENIUM_VERSION axe-core-python==$AXE_CORE_PYTHON_VERSION failed"
    python3 -c "$check" >/dev/null 2>&1 ||
        die "python3 still cannot import selenium $SELENIUM_VERSION and axe-core-python $AXE_CORE_PYTHON_VERSION"
    python3 -c 'import pytest, requests' >/dev/null 2>&1 || die "python3 cannot import pytest and requests after installing selenium"
}

# ensure_swift: put Swift on PATH (/opt/swift/usr/bin if present), or fail.
ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="$PATH:/opt/swift/usr/bin"
    fi
    command -v swift >/dev/null 2>&1 ||
        die "Swift toolchain not found: install Swift 6.3 at /opt/swift (or put swift on PATH)"
}

nginx_bin() {
    if command -v nginx >/dev/null 2>&1; then
        command -v nginx
    elif [ -x /usr/sbin/nginx ]; then
        echo /usr/sbin/nginx
    else
        die "nginx not found (ensure_packages installs it)"
    fi
}

# build_release: release build of portal-fcgi with the Swift stdlib linked
# statically; build output goes to stderr, the binary's path to stdout.
build_release() {
    ensure_swift
    local flags=(-c release --static-swift-stdlib)
    log "swift build ${flags[*]} --product portal-fcgi"
    (cd "$PORTAL_ROOT" && swift build "${flags[@]}" --product portal-fcgi </dev/null >&2) ||
        die "release build failed"
    local bindir
    bindir=$(cd "$PORTAL_ROOT" && swift build "${flags[@]}" --show-bin-path </dev/null | tail -n 1)
    [ -x "$bindir/portal-fcgi" ] || die "release build produced no $bindir/portal-fcgi"
    printf '%s\n' "$bindir/portal-fcgi"
}

# make_cert DIR: self-signed certificate for localhost (DIR/cert.pem,
# DIR/key.pem), SAN DNS:localhost and IP:127.0.0.1; kept if already there.
make_cert() {
    local dir=$1
    mkdir -p "$dir"
    if [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ]; then
        return 0
    fi
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 825 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,digitalSignature,keyCertSign" \
        -addext "extendedKeyUsage=serverAuth" </dev/null >/dev/null 2>&1 ||
        die "openssl could not make a certificate in $dir"
    chmod 600 "$dir/key.pem"
}

# _sed_escape VALUE: escape VALUE for the replacement side of s|...|...|.
_sed_escape() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }

# render_site_text HTTPS_PORT HTTP_PORT SOCKET SERVER_NAME CERT KEY RATE BURST
# [WRITE_RATE WRITE_BURST ACCESS_LOG CACHE_DIR]: nginx/portal.conf with its
# placeholders filled, on stdout (the redirect leaves out the port when it is 443).
# WRITE_RATE/WRITE_BURST default to 10r/s/40, ACCESS_LOG to
# /var/log/nginx/portal-access.log, CACHE_DIR (the /assets/ micro-cache) to
# /var/lib/nginx/portal-assets. The status socket (/status, /metrics) is
# $PORTAL_STATUS_SOCKET, by default portal-status.sock beside SOCKET (the
# default of status_socket_path).
render_site_text() {
    sed -e "s|@HTTPS_PORT@|$(_sed_escape "$1")|g" \
        -e "s|@HTTP_PORT@|$(_sed_escape "$2")|g" \
        -e "s|@SOCKET@|$(_sed_escape "$3")|g" \
        -e "s|@STATUS_SOCKET@|$(_sed_escape "${PORTAL_STATUS_SOCKET:-$(dirname "$3")/portal-status.sock}")|g" \
        -e "s|@SERVER_NAME@|$(_sed_escape "$4")|g" \
        -e "s|@CERT@|$(_sed_escape "$5")|g" \
        -e "s|@KEY@|$(_sed_escape "$6")|g" \
        -e "s|@AUTH_RATE@|$(_sed_escape "$7")|g" \
        -e "s|@AUTH_BURST@|$(_sed_escape "$8")|g" \
        -e "s|@WRITE_RATE@|$(_sed_escape "${9:-10r/s}")|g" \
        -e "s|@WRITE_BURST@|$(_sed_escape "${10:-40}")|g" \
        -e "s|@ACCESS_LOG@|$(_sed_escape "${11:-/var/log/nginx/portal-access.log}")|g" \
        -e "s|@CACHE_DIR@|$(_sed_escape "${12:-/var/lib/nginx/portal-assets}")|g" \
        -e 's|https://\$host:443\$request_uri|https://$host$request_uri|' \
        "$PORTAL_ROOT/nginx/portal.conf"
}

# render_site VAR HTTPS_PORT HTTP_PORT SOCKET SERVER_NAME: write
# VAR/portal-site.conf (from nginx/portal.conf) and VAR/nginx.conf (from
# nginx/nginx.conf.in). Environment: PORTAL_CERT and PORTAL_KEY (default
# VAR/tls/{cert,key}.pem), PORTAL_AUTH_RATE (10r/s), PORTAL_AUTH_BURST (20),
# PORTAL_WRITE_RATE (10r/s), PORTAL_WRITE_BURST (40), PORTAL_NGINX_WORKERS (1).
# The site logs to VAR/log/nginx-access.log (tokens redacted) and keeps its
# /assets/ micro-cache in VAR/cache/assets (owned by nginx's workers).
render_site() {
    local var=$1 https_port=$2 http_port=$3 socket=$4 server_name=${5:-localhost}
    local cert=${PORTAL_CERT:-$var/tls/cert.pem} key=${PORTAL_KEY:-$var/tls/key.pem}
    local rate=${PORTAL_AUTH_RATE:-10r/s} burst=${PORTAL_AUTH_BURST:-20}
    local write_rate=${PORTAL_WRITE_RATE:-10r/s} write_burst=${PORTAL_WRITE_BURST:-40}
    local workers=${PORTAL_NGINX_WORKERS:-1} user_directive=""
    mkdir -p "$var/log" "$var/nginx-tmp" "$var/cache/assets"
    if [ "$(id -u)" -eq 0 ]; then
        # Never root: nginx's workers run as www-data, the group the pool gives its 0660 socket.
        user_directive="user ${PORTAL_NGINX_USER:-www-data} ${PORTAL_NGINX_GROUP:-www-data};"
        chown "${PORTAL_NGINX_USER:-www-data}" "$var/cache/assets"
    fi
    render_site_text "$https_port" "$http_port" "$socket" "$server_name" "$cert" "$key" "$rate" "$burst" \
        "$write_rate" "$write_burst" "$var/log/nginx-access.log" "$var/cache/assets" >"$var/portal-site.conf"
    sed -e "s|@VAR@|$(_sed_escape "$var")|g" \
        -e "s|@USER_DIRECTIVE@|$(_sed_escape "$user_directive")|g" \
        -e "s|@WORKER_PROCESSES@|$(_sed_escape "$workers")|g" \
        "$PORTAL_ROOT/nginx/nginx.conf.in" >"$var/nginx.conf"
}

# ensure_pool_user NAME: as root, create the system account NAME (no login, no
# home) the pool runs as, if it does not exist. Nothing to do when not root.
ensure_pool_user() {
    local name=$1
    [ "$(id -u)" -eq 0 ] || return 0
    id -u "$name" >/dev/null 2>&1 && return 0
    log "creating system user $name for the pool"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$name" ||
        die "useradd $name failed"
}

# own_data_dir VAR USER: as root, give USER the directory that holds the
# database (the pool writes its WAL and slot files there) and the database files.
own_data_dir() {
    local var=$1 user=$2
    [ "$(id -u)" -eq 0 ] || return 0
    chown "$user:$user" "$var"
    chmod 0755 "$var" # nginx's workers pass through it to the socket
    find "$var" -maxdepth 1 -name 'portal.sqlite*' -exec chown -R "$user:$user" {} +
}

# write_config VAR [HTTPS_PORT]: write VAR/portal.json for scripts/run and
# scripts/bench (paths inside it are relative to VAR; mail links use
# https://localhost:HTTPS_PORT). Environment: PORTAL_WORKERS (cores),
# PORTAL_THREADS (4), PORTAL_SOCKET_MODE (0660), PORTAL_LOG_LEVEL (info),
# PORTAL_SMTP_PORT (2525: the local mail sink scripts/run starts, see scripts/smtp-sink.py),
# PORTAL_POOL_USER (portal: the account the pool runs as when started as root).
write_config() {
    local var=$1 https_port=${2:-443}
    local workers=${PORTAL_WORKERS:-$(nproc 2>/dev/null || echo 2)}
    local identity=""
    if [ "$(id -u)" -eq 0 ]; then
        # Started as root, the pool switches to this account; nginx's workers (www-data) reach
        # the socket through its group.
        identity="\"user\": \"${PORTAL_POOL_USER:-portal}\", \"group\": \"${PORTAL_POOL_USER:-portal}\", \"socket_group\": \"www-data\","
    fi
    mkdir -p "$var/run" "$var/log"
    cat >"$var/portal.json" <<EOF
{
  $identity
  "public_port": $https_port,
  "socket_path": "run/portal.sock",
  "socket_mode": "${PORTAL_SOCKET_MODE:-0660}",
  "database_path": "portal.sqlite",
  "pid_file": "run/portal.pid",
  "workers": $workers,
  "threads_per_worker": ${PORTAL_THREADS:-4},
  "max_requests": 10000,
  "graceful_timeout_seconds": 30,
  "max_body_bytes": 1048576,
  "log_level": "${PORTAL_LOG_LEVEL:-info}",
  "argon2": {"memory_kib": 19456, "iterations": 2, "parallelism": 1},
  "session": {"idle_timeout_seconds": 7200, "absolute_timeout_seconds": 604800},
  "default_portal": {"name": "Developer Portal", "domain": "localhost"},
  "smtp": {"host": "127.0.0.1", "port": ${PORTAL_SMTP_PORT:-2525}, "from": "portal@localhost"}
}
EOF
}

# pid_alive PID: true if PID is a live process (not a zombie).
pid_alive() {
    local pid=$1 state
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
    [ "$state" != Z ]
}

# pid_from_file FILE: the pid in FILE if that process is alive, else nothing
# (and status 1).
pid_from_file() {
    local pid
    [ -s "$1" ] || return 1
    pid=$(tr -dc 0-9 <"$1")
    pid_alive "$pid" || return 1
    printf '%s\n' "$pid"
}

# stop_pid PID TIMEOUT [SIGNAL]: send SIGNAL (TERM) and wait up to TIMEOUT
# seconds for PID to exit, then SIGKILL it.
stop_pid() {
    local pid=$1 timeout=${2:-10} sig=${3:-TERM} i
    pid_alive "$pid" || return 0
    kill "-$sig" "$pid" 2>/dev/null || return 0
    for ((i = 0; i < timeout * 10; i++)); do
        pid_alive "$pid" || return 0
        sleep 0.1
    done
    warn "pid $pid did not exit within ${timeout}s of SIG$sig: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        pid_alive "$pid" || return 0
        sleep 0.1
    done
    return 1
}

# check_tls_file KIND FILE: fail, saying how to fix it, unless FILE (the site's
# TLS certificate or key, KIND "certificate" or "key") exists and is not empty.
# nginx would refuse the whole configuration with a less direct message.
check_tls_file() {
    local kind=$1 file=$2
    [ -s "$file" ] && return 0
    die "TLS $kind $file is missing: create it (certbot certonly --standalone -d <server name> writes /etc/letsencrypt/live/<server name>/{fullchain,privkey}.pem; until then Debian's ssl-cert pair does: --cert /etc/ssl/certs/ssl-cert-snakeoil.pem --key /etc/ssl/private/ssl-cert-snakeoil.key; on a test host: source scripts/lib.sh; make_cert DIR), or point the site at the right file (scripts/install --cert/--key, scripts/run: PORTAL_CERT/PORTAL_KEY)"
}

# check_site_tls_files CONF...: check_tls_file for every ssl_certificate and
# ssl_certificate_key the nginx files CONF... name.
check_site_tls_files() {
    local directive file
    while read -r directive file; do
        [ -n "$file" ] || continue
        case $directive in
        ssl_certificate) check_tls_file certificate "$file" ;;
        ssl_certificate_key) check_tls_file key "$file" ;;
        esac
    done < <(awk '$1 == "ssl_certificate" || $1 == "ssl_certificate_key" { sub(/;$/, "", $2); print $1, $2 }' "$@")
}

# start_nginx VAR: check and start nginx with VAR/nginx.conf (as a daemon,
# pid in VAR/nginx.pid); fails if it does not come up, or, before that, if a
# TLS certificate or key the site files in VAR (VAR/*.conf) name is missing.
start_nginx() {
    local var=$1 nginx i pid
    nginx=$(nginx_bin)
    mkdir -p "$var/log" "$var/nginx-tmp"
    local confs=("$var"/*.conf)
    [ ! -e "${confs[0]}" ] || check_site_tls_files "${confs[@]}"
    if pid=$(pid_from_file "$var/nginx.pid"); then
        die "nginx for $var is already running (pid $pid)"
    fi
    rm -f "$var/nginx.pid"
    "$nginx" -t -q -p "$var" -e "$var/log/nginx-error.log" -c "$var/nginx.conf" </dev/null ||
        die "nginx rejected $var/nginx.conf (see above and $var/log/nginx-error.log)"
    "$nginx" -p "$var" -e "$var/log/nginx-error.log" -c "$var/nginx.conf" </dev/null ||
        die "nginx did not start (see $var/log/nginx-error.log)"
    for ((i = 0; i < 50; i++)); do
        if pid_from_file "$var/nginx.pid" >/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    tail -n 20 "$var/log/nginx-error.log" >&2 2>/dev/null || true
    die "nginx did not write $var/nginx.pid"
}

# stop_nginx VAR: stop the nginx started by start_nginx VAR (if running).
stop_nginx() {
    local var=$1 pid
    if pid=$(pid_from_file "$var/nginx.pid"); then
        stop_pid "$pid" 10 TERM
    fi
    rm -f "$var/nginx.pid"
}

# wait_for_socket PATH TIMEOUT [PID]: wait until the unix socket PATH exists;
# fails early if PID (the pool) exits meanwhile.
wait_for_socket() {
    local path=$1 timeout=${2:-30} pid=${3:-} i
    for ((i = 0; i < timeout * 10; i++)); do
        [ -S "$path" ] && return 0
        if [ -n "$pid" ] && ! pid_alive "$pid"; then
            printf 'error: the pool (pid %s) exited before creating %s\n' "$pid" "$path" >&2
            return 1
        fi
        sleep 0.1
    done
    printf 'error: no socket at %s after %ss\n' "$path" "$timeout" >&2
    return 1
}

# wait_for_health URL CACERT TIMEOUT: wait until URL answers 200.
wait_for_health() {
    local url=$1 cacert=$2 timeout=${3:-15} i
    for ((i = 0; i < timeout * 10; i++)); do
        if curl -fsS -o /dev/null --max-time 2 --cacert "$cacert" "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    curl -sS --max-time 2 --cacert "$cacert" -i "$url" >&2 || true
    return 1
}

# free_port: print a TCP port that is free right now on all interfaces.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("", 0))
print(s.getsockname()[1])
s.close()'
}

# port_in_use PORT: true if something listens on TCP PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
