/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "prov-bus-source.h"

#include <poll.h>

#define MAX_MESSAGES_PER_DISPATCH 64

typedef struct {
        GSource source;
        sd_bus *bus;
        gpointer fd_tag;
        GIOCondition condition; /* what fd_tag currently waits for */
} BusSource;

static GIOCondition condition_from_poll_events(int events) {
        GIOCondition condition = G_IO_ERR | G_IO_HUP;

        if (events & POLLIN)
                condition |= G_IO_IN;
        if (events & POLLOUT)
                condition |= G_IO_OUT;
        return condition;
}

static gboolean bus_source_prepare(GSource *source, gint *timeout) {
        BusSource *bus_source = (BusSource *)source;
        uint64_t deadline_usec = UINT64_MAX;
        int events;

        *timeout = -1;

        /* Changing the fd's condition on every prepare wakes the loop each
         * time (a busy idle daemon), so touch it only when sd-bus wants
         * something else than before. */
        events = sd_bus_get_events(bus_source->bus);
        if (events >= 0) {
                GIOCondition condition = condition_from_poll_events(events);
                if (condition != bus_source->condition) {
                        g_source_modify_unix_fd(source, bus_source->fd_tag, condition);
                        bus_source->condition = condition;
                }
        }

        /* sd-bus reports an absolute CLOCK_MONOTONIC deadline, the same clock
         * as g_source_set_ready_time(); 0 means "messages are queued". */
        if (sd_bus_get_timeout(bus_source->bus, &deadline_usec) < 0 || deadline_usec == UINT64_MAX)
                g_source_set_ready_time(source, -1);
        else
                g_source_set_ready_time(source, (gint64)MIN(deadline_usec, (uint64_t)G_MAXINT64));

        return FALSE;
}

static gboolean bus_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data) {
        BusSource *bus_source = (BusSource *)source;
        int r;

        /* A bounded batch: a flood of calls must not starve the other sources (downloads,
         * timers); what is left is still queued, so the next prepare makes us ready at once. */
        for (guint processed = 0; processed < MAX_MESSAGES_PER_DISPATCH; processed++) {
                r = sd_bus_process(bus_source->bus, NULL);
                if (r <= 0)
                        break;
        }

        if (r < 0) {
                g_debug("bus processing stopped: %s", g_strerror(-r));
                if (callback != NULL)
                        callback(user_data);
                return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
}

static void bus_source_finalize(GSource *source) {
        BusSource *bus_source = (BusSource *)source;

        sd_bus_unref(bus_source->bus);
}

static GSourceFuncs bus_source_funcs = {
        .prepare = bus_source_prepare,
        .dispatch = bus_source_dispatch,
        .finalize = bus_source_finalize,
};

GSource *prov_bus_source_new(sd_bus *bus) {
        GSource *source;
        BusSource *bus_source;
        int fd;

        g_return_val_if_fail(bus != NULL, NULL);

        fd = sd_bus_get_fd(bus);
        g_return_val_if_fail(fd >= 0, NULL);

        source = g_source_new(&bus_source_funcs, sizeof(BusSource));
        g_source_set_name(source, "sd-bus");
        bus_source = (BusSource *)source;
        bus_source->bus = sd_bus_ref(bus);
        bus_source->condition = G_IO_IN | G_IO_ERR | G_IO_HUP;
        bus_source->fd_tag = g_source_add_unix_fd(source, fd, bus_source->condition);
        return source;
}
