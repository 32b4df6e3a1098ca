/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Is the network usable? Usable means: a default route leaves through a
 * non-loopback interface that is up, has carrier, and has an address that is
 * neither loopback nor link-local (issue "zero-touch discovery", flow point 1).
 *
 * GNetworkMonitor alone is not enough: its "network-available" is TRUE for any
 * default route, also one through lo, one on an interface without an address,
 * and one whose link is down (checked with GLib 2.74's netlink monitor). So it
 * serves as the event source only (it emits "network-changed" on every route
 * change, link up/down included), and each event re-runs the check below: the
 * kernel's own route lookup toward a documentation address (RFC 5737
 * 192.0.2.1, RFC 3849 2001:db8::1; a connected UDP socket sends nothing) gives
 * the source address it would use, and getifaddrs(3) the interface that owns it.
 */
#pragma once

#include <gio/gio.h>

typedef struct NetworkWatch NetworkWatch;
typedef void (*NetworkWatchFunc)(gpointer user_data);

/**
 * network_usable_check:
 * Asks the kernel now. Returns TRUE when IPv4 or IPv6 is usable; otherwise
 * FALSE and, when @reason is not NULL, a newly allocated text naming what each
 * family lacks, e.g. "IPv4: no default route; IPv6: no default route".
 */
gboolean network_usable_check(char **reason);

/**
 * network_judge_source:
 * The pure part of the check, for one family: @source is the address the
 * kernel chose for the default route (the unspecified address when the
 * route's interface has none), @interface_name and @interface_flags (IFF_* of
 * <net/if.h>) describe the interface owning it, or @interface_name is NULL
 * when no interface owns it. Returns TRUE when usable, else FALSE with a newly
 * allocated @reason, e.g. "the default route leaves through the loopback
 * interface lo".
 */
gboolean network_judge_source(GInetAddress *source, const char *interface_name, unsigned int interface_flags,
                              char **reason);

/**
 * network_watch_new:
 * Calls @changed with @user_data whenever the routes or links may have
 * changed (GNetworkMonitor "network-changed"), in the thread-default main
 * context of the first caller of g_network_monitor_get_default().
 */
NetworkWatch *network_watch_new(NetworkWatchFunc changed, gpointer user_data);

/** network_watch_free: stops watching; @changed is not called afterwards. NULL is fine. */
void network_watch_free(NetworkWatch *watch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NetworkWatch, network_watch_free)
