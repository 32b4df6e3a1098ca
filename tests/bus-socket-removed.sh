#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bus of a test run leaves no socket behind: runs dbus-test-runner.sh
# (what the tests run under) with a task that records the bus address, then
# checks that the socket it names is gone.
set -u

work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT

"$(dirname "$0")/dbus-test-runner.sh" --bus-type=system --keep-env --max-wait=30 \
        --task /bin/sh --parameter=-c --parameter='echo "$DBUS_SYSTEM_BUS_ADDRESS" >"$0"' \
        --parameter="$work_dir/address" >"$work_dir/log" 2>&1 || {
        echo "FAIL: dbus-test-runner.sh failed: $(cat "$work_dir/log")" >&2
        exit 1
}
address=$(cat "$work_dir/address")
socket=$(printf '%s\n' "$address" | sed -n 's/^unix:path=\([^,]*\).*/\1/p')
if [ -z "$socket" ]; then
        echo "FAIL: the bus address is not a unix:path one: $address" >&2
        exit 1
fi
case "$socket" in
/tmp/dbus-*)
        echo "FAIL: the bus listened in /tmp itself: $socket" >&2
        exit 1
        ;;
esac
if [ -e "$socket" ] || [ -e "$(dirname "$socket")" ]; then
        echo "FAIL: $socket (or its directory) is left after the run" >&2
        exit 1
fi
echo "bus-socket-removed: ok ($socket is gone)"
