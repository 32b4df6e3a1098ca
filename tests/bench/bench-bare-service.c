/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The floor of a method round trip: a bare sd-bus service on the system bus
 * that owns BENCH_BARE_NAME and answers GetStatus with an empty a{sv}, doing
 * nothing else. bench-client compares provisiond's GetStatus with it.
 *
 * Built a second time with BENCH_LIBRARY_FLOOR (bench-library-floor): linked
 * with provisiond's libraries (GIO, libsoup, libxml2, libosip2), with libxml2's
 * parser initialised, the floor of provisiond's idle RSS: what loading those
 * libraries costs on this system. Nothing else of them is used at an idle
 * start (no HTTP session, no SIP, no network monitor before a run).
 */
#include <glib.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>
#ifdef BENCH_LIBRARY_FLOOR
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <libxml/parser.h>
#include <osipparser2/osip_parser.h>

/* Referenced, so that the linker's --as-needed keeps each library; never called. */
static void *volatile linked_libraries[] = {
        (void *) g_network_monitor_get_default,
        (void *) soup_get_major_version,
        (void *) parser_init, /* libosip2 */
};

static void load_libraries(void) {
        g_assert(linked_libraries[0] != NULL);
        xmlInitParser();
}
#endif

#define BENCH_BARE_NAME "org.provisiond.BenchBare"
#define BENCH_BARE_PATH "/org/provisiond/BenchBare"

static int method_get_status(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(message, &reply);

        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("GetStatus", "", "a{sv}", method_get_status, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int main(void) {
        sd_bus *bus = NULL;
        int r;

#ifdef BENCH_LIBRARY_FLOOR
        load_libraries();
#endif
        r = sd_bus_open_system(&bus);

        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, BENCH_BARE_PATH, BENCH_BARE_NAME, vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, BENCH_BARE_NAME, 0);
        while (r >= 0) {
                r = sd_bus_process(bus, NULL);
                if (r == 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
        }
        g_printerr("bench-bare-service: %s\n", g_strerror(-r));
        sd_bus_flush_close_unref(bus);
        return EXIT_FAILURE;
}
