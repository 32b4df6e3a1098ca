# shellcheck shell=bash
# What provisiond needs on a Debian 12 machine to build, test and demo it.
# Sourced by tools/test and tools/demo.

provisiond_packages=(
        # build
        meson ninja-build pkg-config gcc libc6-dev
        libsystemd-dev libxml2-dev libsoup-3.0-dev libglib2.0-dev
        # tests: a real bus, Python's D-Bus tooling (Debian's /usr/bin/python3)
        dbus-daemon dbus-test-runner
        python3 python3-gi gir1.2-glib-2.0 python3-dbusmock
        libxml2-utils valgrind openssl
        # tools/fuzz: libFuzzer
        clang libclang-rt-14-dev
        # setpriv (policy test), busctl and systemd-analyze (unit check, demo)
        util-linux systemd
        # SIP multicast PnP: libosip2 parses and builds, sipp plays the PBX in tests
        libosip2-dev sip-tester iproute2
        # DHCP hooks test: a DHCP server and the real clients in network namespaces
        dnsmasq-base isc-dhcp-client udhcpc dhcpcd-base
        # man pages (scdoc, checked with man), bash completion
        scdoc man-db bash-completion
)

package_installed() {
        [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# Installs the packages above that are missing; silent when none is.
install_missing_packages() {
        local package missing=()

        for package in "${provisiond_packages[@]}"; do
                package_installed "$package" || missing+=("$package")
        done
        ((${#missing[@]} == 0)) && return 0

        if ((EUID != 0)); then
                echo "Missing Debian packages (install them as root): ${missing[*]}" >&2
                return 1
        fi
        echo "Installing missing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get -qq update
        apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
}

# Members of this group may change the settings over D-Bus (policy/); the
# policy test needs it to exist. sysusers.d creates it on a real system.
ensure_provisioning_group() {
        getent group provisioning >/dev/null && return 0
        if ((EUID != 0)); then
                echo "Group 'provisioning' is missing; the policy test will be skipped." >&2
                return 0
        fi
        groupadd --system provisioning
}
