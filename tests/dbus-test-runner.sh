#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# dbus-test-runner with its bus socket in a directory of its own, removed
# afterwards. Its default configuration listens on "unix:tmpdir=/tmp", and the
# dbus-daemon it stops leaves that socket behind: one dead /tmp/dbus-XXXXXXXXXX
# per test run. Arguments are dbus-test-runner's.
set -u

DBUS_TEST_RUNNER=${DBUS_TEST_RUNNER:-dbus-test-runner}
SESSION_CONFIG=/usr/share/dbus-test-runner/session.conf

runner_pid=
bus_dir=$(mktemp -d -t provisiond-bus.XXXXXX) || exit 1
cleanup() {
        if [ -n "$runner_pid" ]; then
                # It stops its bus and tasks itself.
                kill -TERM "$runner_pid" 2>/dev/null
                wait "$runner_pid"
        fi
        rm -rf "$bus_dir"
}
trap cleanup EXIT
# A signal (meson's timeout) ends the run; exit runs the EXIT trap.
trap 'exit 143' TERM
trap 'exit 130' INT

# Its own configuration, with only the listen address changed.
sed "s|<listen>unix:tmpdir=/tmp</listen>|<listen>unix:dir=$bus_dir</listen>|" "$SESSION_CONFIG" \
        >"$bus_dir/bus.conf" || exit 1
grep -q "unix:dir=$bus_dir" "$bus_dir/bus.conf" || {
        echo "dbus-test-runner.sh: no unix:tmpdir=/tmp listen address in $SESSION_CONFIG" >&2
        exit 1
}

# In the background: the shell runs its traps only once the foreground command has ended.
"$DBUS_TEST_RUNNER" --dbus-config="$bus_dir/bus.conf" "$@" &
runner_pid=$!
wait "$runner_pid"
status=$?
runner_pid=
exit "$status"
