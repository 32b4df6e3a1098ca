#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs "$@" against a fresh provisiond on the system bus (the one dbus-test-runner
# started): starts the daemon with an empty state dir, an empty configuration
# file (an installed provisiond.conf must not change the results) and the source
# tree's defaults and schemas, waits for its bus name, runs the command, then
# stops the daemon with SIGTERM. Fails if the command fails or the daemon does
# not exit 0. SIGTERM or SIGINT stop the command and the daemon and fail.
set -u

: "${PROVISIOND:?PROVISIOND must name the provisiond binary}"
: "${PROVISIOND_SOURCE_ROOT:?PROVISIOND_SOURCE_ROOT must name the source tree}"

BUS_NAME=org.provisiond.Provisioning1
STARTUP_TIMEOUT_TENTHS=100

work_dir=$(mktemp -d)
state_dir="$work_dir/state"
config_file="$work_dir/provisiond.conf"
daemon_pid=
command_pid=

cleanup() {
        if [ -n "$command_pid" ]; then
                # TERM, not KILL: the command (e.g. with-http-server.sh) cleans up after itself.
                kill -TERM "$command_pid" 2>/dev/null
                wait "$command_pid"
        fi
        if [ -n "$daemon_pid" ]; then
                kill -KILL "$daemon_pid" 2>/dev/null
                wait "$daemon_pid"
        fi
        rm -rf "$work_dir"
}
trap cleanup EXIT
# A signal fails the test; exit runs the EXIT trap.
trap 'exit 143' TERM
trap 'exit 130' INT

mkdir "$state_dir" "$work_dir/run"
# No wait for a network or a clock, no SIP multicast PnP on the host's LAN.
printf '[Preconditions]\nNetwork=false\nTime=none\n[Multicast]\nEnabled=false\n' >"$config_file"
# A fake boot id that the boot marker already holds: a restart within the same
# boot, so no boot run (docs/triggers.md).
echo run-with-daemon >"$work_dir/boot_id"
cp "$work_dir/boot_id" "$work_dir/run/boot-id"
# Local time about 15:00: the default schedule (at night) is hours away.
hour=$(date -u +%H)
tz_offset=$(( (${hour#0} - 15 + 36) % 24 - 12 ))

name_has_owner() {
        busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
                NameHasOwner s "$BUS_NAME" 2>/dev/null | grep -q '^b true$'
}

TZ="TST$tz_offset" "$PROVISIOND" --system --state-dir "$state_dir" --config "$config_file" \
        --defaults "$PROVISIOND_SOURCE_ROOT/data/defaults.xml" \
        --schemas-dir "$PROVISIOND_SOURCE_ROOT/schemas" \
        --runtime-dir "$work_dir/run" --boot-id-file "$work_dir/boot_id" &
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

# In the background (stdin is /dev/null then): a shell runs its traps only
# once the foreground command has ended.
"$@" &
command_pid=$!
wait "$command_pid"
command_status=$?
command_pid=

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
