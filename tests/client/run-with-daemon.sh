#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs "$@" against a fresh provisiond on the system bus (the one dbus-test-runner
# started): starts the daemon with an empty state dir and the source tree's
# defaults and schemas, waits for its bus name, runs the command, then stops the
# daemon with SIGTERM. Fails if the command fails or the daemon does not exit 0.
set -u

: "${PROVISIOND:?PROVISIOND must name the provisiond binary}"
: "${PROVISIOND_SOURCE_ROOT:?PROVISIOND_SOURCE_ROOT must name the source tree}"

BUS_NAME=org.provisiond.Provisioning1
STARTUP_TIMEOUT_TENTHS=100

state_dir=$(mktemp -d)
daemon_pid=

cleanup() {
        if [ -n "$daemon_pid" ]; then
                kill -KILL "$daemon_pid" 2>/dev/null
        fi
        rm -rf "$state_dir"
}
trap cleanup EXIT

name_has_owner() {
        busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
                NameHasOwner s "$BUS_NAME" 2>/dev/null | grep -q '^b true$'
}

"$PROVISIOND" --system --state-dir "$state_dir" \
        --defaults "$PROVISIOND_SOURCE_ROOT/data/defaults.xml" \
        --schemas-dir "$PROVISIOND_SOURCE_ROOT/schemas" &
daemon_pid=$!

tenths=0
until name_has_owner; do
        if ! kill -0 "$daemon_pid" 2>/dev/null; then
                wait "$daemon_pid"
                echo "run-with-daemon: provisiond exited (status $?) before owning $BUS_NAME" >&2
                daemon_pid=
                exit 1
        fi
        tenths=$((tenths + 1))
        if [ "$tenths" -ge "$STARTUP_TIMEOUT_TENTHS" ]; then
                echo "run-with-daemon: provisiond did not own $BUS_NAME in time" >&2
                exit 1
        fi
        sleep 0.1
done

"$@"
command_status=$?

kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_status=$?
daemon_pid=

if [ "$daemon_status" -ne 0 ]; then
        echo "run-with-daemon: provisiond exited with status $daemon_status after SIGTERM" >&2
        exit 1
fi
if [ "$command_status" -ne 0 ]; then
        echo "run-with-daemon: $1 exited with status $command_status" >&2
fi
exit "$command_status"
