#!/bin/bash
# Runs a test program as the phone on a LAN of its own: a fresh network namespace
# with a bridge "lan" (10.250.0.1/24, multicast routed to it) and two PBX
# namespaces on it (10.250.0.2 and 10.250.0.3) where the test starts sipp.
#
#   run-in-netns.sh PROGRAM [ARGS...]
#
# Needs root (CI runs as root); skips (exit 77, the reason on stdout) where
# network namespaces cannot be created. Removes the PBX namespaces on exit.
set -euo pipefail

skip() {
        echo "SKIP: $1"
        exit 77
}

if [[ "${1:-}" != --inside ]]; then
        ((EUID == 0)) || skip "creating network namespaces needs root"
        command -v sipp >/dev/null || skip "sipp (Debian sip-tester) is not installed"
        unshare -n true 2>/dev/null || skip "cannot create a network namespace (unshare -n)"
        exec unshare -n "$0" --inside "$@"
fi
shift

pbx_a="prov-sip-a-$$"
pbx_b="prov-sip-b-$$"
cleanup() {
        local netns pid

        for netns in "$pbx_a" "$pbx_b"; do
                # sipp a failed test left behind: only processes in our own namespaces.
                for pid in $(ip netns pids "$netns" 2>/dev/null); do
                        kill "$pid" 2>/dev/null || true
                done
                ip netns delete "$netns" 2>/dev/null || true
        done
}
trap cleanup EXIT

ip link set lo up
ip link add lan type bridge
# Without snooping the bridge floods multicast to every port, like a plain switch.
ip link set lan type bridge mcast_snooping 0
ip address add 10.250.0.1/24 dev lan
ip link set lan up
ip route add 224.0.0.0/4 dev lan

host=2
for netns in "$pbx_a" "$pbx_b"; do
        ip netns add "$netns"
        ip link add "port$host" type veth peer name pbx
        ip link set pbx netns "$netns"
        ip link set "port$host" master lan
        ip link set "port$host" up
        ip -n "$netns" link set lo up
        ip -n "$netns" address add "10.250.0.$host/24" dev pbx
        ip -n "$netns" link set pbx up
        # A PnP server joins the group; sipp does not, so the address does it for sipp.
        ip -n "$netns" address add 224.0.1.75/32 dev pbx autojoin
        host=$((host + 1))
done

export PROVISIOND_TEST_MCAST_IF=lan PROVISIOND_TEST_PBX_A="$pbx_a" PROVISIOND_TEST_PBX_B="$pbx_b"
"$@"
