/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "precondition-network.h"
#include "precondition-reason.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

struct NetworkWatch {
        GNetworkMonitor *monitor;
        gulong handler_id;
        NetworkWatchFunc changed;
        gpointer user_data;
};

/* Addresses that no network routes (RFC 5737 TEST-NET-1, RFC 3849): only a
 * default route covers them. The port is never used: connect() on a UDP
 * socket only looks up the route, it sends nothing. */
static const struct {
        GSocketFamily family;
        const char *name;
        const char *probe;
} families[] = {
        { G_SOCKET_FAMILY_IPV4, "IPv4", "192.0.2.1" },
        { G_SOCKET_FAMILY_IPV6, "IPv6", "2001:db8::1" },
};

#define PROBE_PORT 9 /* discard */

gboolean network_judge_source(GInetAddress *source, const char *interface_name, unsigned int interface_flags,
                              char **reason) {
        g_autofree char *text = g_inet_address_to_string(source);
        char *why = NULL;

        if (g_inet_address_get_is_any(source))
                why = g_strdup("the default route's interface has no usable address");
        else if (interface_name == NULL)
                why = g_strdup_printf("the source address %s is on no interface", text);
        else if (g_inet_address_get_is_loopback(source) || (interface_flags & IFF_LOOPBACK) != 0)
                why = g_strdup_printf("the default route leaves through the loopback interface %s",
                                      interface_name);
        else if ((interface_flags & IFF_UP) == 0)
                why = g_strdup_printf("%s is down", interface_name);
        else if ((interface_flags & IFF_RUNNING) == 0)
                why = g_strdup_printf("%s has no carrier", interface_name);
        else if (g_inet_address_get_is_link_local(source))
                why = g_strdup_printf("only the link-local address %s on %s", text, interface_name);
        return precondition_judged(why, reason);
}

static gboolean same_address(GInetAddress *address, const struct sockaddr *native) {
        const void *bytes;

        if (native->sa_family == AF_INET && g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4)
                bytes = &((const struct sockaddr_in *) (const void *) native)->sin_addr;
        else if (native->sa_family == AF_INET6 && g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6)
                bytes = &((const struct sockaddr_in6 *) (const void *) native)->sin6_addr;
        else
                return FALSE;
        return memcmp(bytes, g_inet_address_to_bytes(address), g_inet_address_get_native_size(address)) == 0;
}

/* The interface that owns @address: its name (newly allocated) and IFF_* flags. */
static char *find_interface(GInetAddress *address, unsigned int *flags) {
        struct ifaddrs *list = NULL;
        char *name = NULL;

        if (getifaddrs(&list) < 0)
                return NULL;
        for (struct ifaddrs *entry = list; entry != NULL && name == NULL; entry = entry->ifa_next)
                if (entry->ifa_addr != NULL && same_address(address, entry->ifa_addr)) {
                        name = g_strdup(entry->ifa_name);
                        *flags = entry->ifa_flags;
                }
        freeifaddrs(list);
        return name;
}

/* The source address the kernel would use for the default route of @family. */
static GInetAddress *default_route_source(gsize index, char **reason) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GSocket) socket = NULL;
        g_autoptr(GSocketAddress) probe = NULL;
        g_autoptr(GSocketAddress) local = NULL;

        socket = g_socket_new(families[index].family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
        if (socket == NULL) {
                *reason = g_strdup_printf("not available (%s)", error->message);
                return NULL;
        }
        probe = g_inet_socket_address_new_from_string(families[index].probe, PROBE_PORT);
        if (!g_socket_connect(socket, probe, NULL, &error)) {
                if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
                    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
                        *reason = g_strdup("no default route");
                else
                        *reason = g_strdup_printf("no route (%s)", error->message);
                return NULL;
        }
        local = g_socket_get_local_address(socket, &error);
        if (local == NULL) {
                *reason = g_strdup_printf("no source address (%s)", error->message);
                return NULL;
        }
        return g_object_ref(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local)));
}

static gboolean family_usable(gsize index, char **reason) {
        g_autoptr(GInetAddress) source = default_route_source(index, reason);
        g_autofree char *interface_name = NULL;
        unsigned int flags = 0;

        if (source == NULL)
                return FALSE;
        interface_name = find_interface(source, &flags);
        return network_judge_source(source, interface_name, flags, reason);
}

gboolean network_usable_check(char **reason) {
        g_autoptr(GString) reasons = g_string_new(NULL);

        for (gsize i = 0; i < G_N_ELEMENTS(families); i++) {
                g_autofree char *why = NULL;

                if (family_usable(i, &why))
                        return TRUE;
                g_string_append_printf(reasons, "%s%s: %s", reasons->len > 0 ? "; " : "", families[i].name,
                                       why);
        }
        if (reason != NULL)
                *reason = g_string_free(g_steal_pointer(&reasons), FALSE);
        return FALSE;
}

static void on_network_changed(GNetworkMonitor *monitor, gboolean available, gpointer user_data) {
        NetworkWatch *watch = user_data;

        watch->changed(watch->user_data);
}

NetworkWatch *network_watch_new(NetworkWatchFunc changed, gpointer user_data) {
        NetworkWatch *watch = g_new0(NetworkWatch, 1);

        watch->changed = changed;
        watch->user_data = user_data;
        watch->monitor = g_object_ref(g_network_monitor_get_default());
        watch->handler_id = g_signal_connect(watch->monitor, "network-changed",
                                             G_CALLBACK(on_network_changed), watch);
        return watch;
}

void network_watch_free(NetworkWatch *watch) {
        if (watch == NULL)
                return;
        g_clear_signal_handler(&watch->handler_id, watch->monitor);
        g_clear_object(&watch->monitor);
        g_free(watch);
}
