#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs "$@" with http-server.py serving the source tree's data/examples on
# 127.0.0.1, and exports
#   PROVISION_TEST_HTTP_URL    http://127.0.0.1:PORT (e.g. .../backup.xml, .../slow/backup.xml)
#   PROVISION_TEST_CLOSED_URL  http://127.0.0.1:PORT of a port that refuses connections
# Stops the server afterwards and exits with the command's status. SIGTERM or
# SIGINT stop the command and the server and fail.
set -u

: "${PROVISIOND_SOURCE_ROOT:?PROVISIOND_SOURCE_ROOT must name the source tree}"

PYTHON=/usr/bin/python3
STARTUP_TIMEOUT_TENTHS=100

work_dir=$(mktemp -d)
server_pid=
command_pid=
cleanup() {
        if [ -n "$command_pid" ]; then
                kill -TERM "$command_pid" 2>/dev/null
                wait "$command_pid"
        fi
        if [ -n "$server_pid" ]; then
                kill -TERM "$server_pid" 2>/dev/null
                wait "$server_pid" 2>/dev/null
        fi
        rm -rf "$work_dir"
}
trap cleanup EXIT
# A signal fails the test; exit runs the EXIT trap.
trap 'exit 143' TERM
trap 'exit 130' INT

"$PYTHON" "$(dirname "$0")/http-server.py" "$PROVISIOND_SOURCE_ROOT/data/examples" >"$work_dir/ports" &
server_pid=$!

tenths=0
until [ -s "$work_dir/ports" ]; do
        if ! kill -0 "$server_pid" 2>/dev/null; then
                echo "with-http-server: the HTTP server exited before it was ready" >&2
                server_pid=
                exit 1
        fi
        tenths=$((tenths + 1))
        if [ "$tenths" -ge "$STARTUP_TIMEOUT_TENTHS" ]; then
                echo "with-http-server: the HTTP server was not ready in time" >&2
                exit 1
        fi
        sleep 0.1
done
read -r port closed_port <"$work_dir/ports"
export PROVISION_TEST_HTTP_URL="http://127.0.0.1:$port"
export PROVISION_TEST_CLOSED_URL="http://127.0.0.1:$closed_port"

# In the background so that a signal reaches the traps at once (see run-with-daemon.sh).
"$@" &
command_pid=$!
wait "$command_pid"
command_status=$?
command_pid=
exit "$command_status"
