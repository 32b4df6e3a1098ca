/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "precondition-clock.h"
#include "precondition-reason.h"

#include <errno.h>
#include <glib-unix.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <unistd.h>

#define TIMEDATE_NAME "org.freedesktop.timedate1"
#define TIMEDATE_PATH "/org/freedesktop/timedate1"
#define TIMEDATE_INTERFACE "org.freedesktop.timedate1"
#define TIMESYNC_NAME "org.freedesktop.timesync1"
#define TIMESYNC_PATH "/org/freedesktop/timesync1"
#define TIMESYNC_INTERFACE "org.freedesktop.timesync1.Manager"
#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

/* A read of NTPSynchronized that takes longer counts as "not reachable". */
#define TIMEDATE_READ_TIMEOUT_MSEC 5000

/* The latest time a time_t holds: the timer never expires, it only wakes
 * up when the clock is set. */
#define TIME_T_MAX ((time_t) ((UINTMAX_C(1) << ((sizeof(time_t) << 3) - 1)) - 1))

struct ClockWatch {
        PreconditionsTimeSource source;
        ClockWatchFunc changed;
        gpointer user_data;
        ClockState state;
        char *reason;

        int timer_fd; /* CLOCK_REALTIME, TFD_TIMER_CANCEL_ON_SET */
        guint timer_source_id;

        /* timedated: a private connection to the system bus */
        GCancellable *cancellable;
        GDBusConnection *bus;
        gboolean connecting;
        guint pending_reads;
        guint timedate_subscription;
        guint timesync_subscription;
        guint name_watch_id;
};

gboolean clock_kernel_judge(int result, int errno_value, int status, char **reason) {
        char *why = NULL;

        if (result < 0)
                why = g_strdup_printf("kernel adjtimex: %s", g_strerror(errno_value));
        else if ((status & STA_UNSYNC) != 0)
                why = g_strdup("kernel adjtimex: STA_UNSYNC set");
        else if (result == TIME_ERROR)
                why = g_strdup_printf("kernel adjtimex: TIME_ERROR, status 0x%x", (unsigned int) status);
        return precondition_judged(why, reason);
}

/* Takes @reason (NULL when synchronized). */
static void store_state(ClockWatch *watch, ClockState state, char *reason) {
        watch->state = state;
        g_free(watch->reason);
        watch->reason = reason;
}

static void set_state(ClockWatch *watch, ClockState state, char *reason) {
        store_state(watch, state, reason);
        watch->changed(watch->user_data);
}

static void read_kernel(ClockWatch *watch, gboolean notify) {
        struct timex timex = { 0 }; /* modes 0: only reads */
        char *reason = NULL;
        int result = adjtimex(&timex);
        gboolean synchronized = clock_kernel_judge(result, errno, timex.status, &reason);
        ClockState state = synchronized ? CLOCK_STATE_SYNCHRONIZED : CLOCK_STATE_UNSYNCHRONIZED;

        if (notify)
                set_state(watch, state, reason);
        else
                store_state(watch, state, reason);
}

/* ---- timedated ---- */

static void take_ntp_synchronized(ClockWatch *watch, GVariant *value) {
        if (!g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
                set_state(watch, CLOCK_STATE_UNSYNCHRONIZED,
                          g_strdup("timedated NTPSynchronized is not a boolean"));
        else if (g_variant_get_boolean(value))
                set_state(watch, CLOCK_STATE_SYNCHRONIZED, NULL);
        else
                set_state(watch, CLOCK_STATE_UNSYNCHRONIZED, g_strdup("timedated NTPSynchronized=false"));
}

static void on_read_timedated(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
        g_autoptr(GVariant) value = NULL;
        ClockWatch *watch = user_data;

        /* Cancelled only by clock_watch_free(): @watch is gone. */
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        watch->pending_reads--;
        if (reply == NULL) {
                g_dbus_error_strip_remote_error(error);
                set_state(watch, CLOCK_STATE_UNSYNCHRONIZED,
                          g_strdup_printf("timedated not reachable: %s", error->message));
                return;
        }
        g_variant_get(reply, "(v)", &value);
        take_ntp_synchronized(watch, value);
}

/* With auto-start: on a real system the read starts timedated. */
static void read_timedated(ClockWatch *watch) {
        watch->pending_reads++;
        g_dbus_connection_call(watch->bus, TIMEDATE_NAME, TIMEDATE_PATH, PROPERTIES_INTERFACE, "Get",
                               g_variant_new("(ss)", TIMEDATE_INTERFACE, "NTPSynchronized"),
                               G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, TIMEDATE_READ_TIMEOUT_MSEC,
                               watch->cancellable, on_read_timedated, watch);
}

static void on_timedate_properties_changed(GDBusConnection *bus, const char *sender, const char *path,
                                           const char *interface, const char *signal, GVariant *parameters,
                                           gpointer user_data) {
        ClockWatch *watch = user_data;
        g_autoptr(GVariant) changed = NULL;
        g_autoptr(GVariant) value = NULL;
        g_autofree const char **invalidated = NULL;

        if (!g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv}as)")))
                return;
        g_variant_get(parameters, "(s@a{sv}^a&s)", NULL, &changed, &invalidated);
        value = g_variant_lookup_value(changed, "NTPSynchronized", NULL);
        if (value != NULL)
                take_ntp_synchronized(watch, value);
        else if (g_strv_contains(invalidated, "NTPSynchronized"))
                read_timedated(watch);
}

/* timesyncd reports each NTP exchange: the sync state may have changed. */
static void on_timesync_properties_changed(GDBusConnection *bus, const char *sender, const char *path,
                                           const char *interface, const char *signal, GVariant *parameters,
                                           gpointer user_data) {
        read_timedated(user_data);
}

static void on_timedate_appeared(GDBusConnection *bus, const char *name, const char *owner,
                                 gpointer user_data) {
        read_timedated(user_data);
}

static void watch_timedated(ClockWatch *watch) {
        watch->timedate_subscription = g_dbus_connection_signal_subscribe(
                watch->bus, TIMEDATE_NAME, PROPERTIES_INTERFACE, "PropertiesChanged", TIMEDATE_PATH,
                TIMEDATE_INTERFACE, G_DBUS_SIGNAL_FLAGS_NONE, on_timedate_properties_changed, watch, NULL);
        watch->timesync_subscription = g_dbus_connection_signal_subscribe(
                watch->bus, TIMESYNC_NAME, PROPERTIES_INTERFACE, "PropertiesChanged", TIMESYNC_PATH,
                TIMESYNC_INTERFACE, G_DBUS_SIGNAL_FLAGS_NONE, on_timesync_properties_changed, watch, NULL);
        watch->name_watch_id = g_bus_watch_name_on_connection(watch->bus, TIMEDATE_NAME,
                                                              G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                              on_timedate_appeared, NULL, watch, NULL);
        read_timedated(watch);
}

static void on_bus_connected(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GError) error = NULL;
        GDBusConnection *bus = g_dbus_connection_new_for_address_finish(result, &error);
        ClockWatch *watch = user_data;

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return; /* clock_watch_free() */
        watch->connecting = FALSE;
        if (bus == NULL) {
                set_state(watch, CLOCK_STATE_UNSYNCHRONIZED,
                          g_strdup_printf("system bus not reachable: %s", error->message));
                return;
        }
        watch->bus = bus;
        watch_timedated(watch);
}

/* A private connection: closing it on free drops every subscription, and the
 * shared one would end the process when the bus goes away. */
static void connect_bus(ClockWatch *watch, gboolean notify) {
        g_autoptr(GError) error = NULL;
        g_autofree char *address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
        char *reason;

        if (address == NULL) {
                reason = g_strdup_printf("system bus not reachable: %s", error->message);
                if (notify)
                        set_state(watch, CLOCK_STATE_UNSYNCHRONIZED, reason);
                else
                        store_state(watch, CLOCK_STATE_UNSYNCHRONIZED, reason);
                return;
        }
        watch->connecting = TRUE;
        g_dbus_connection_new_for_address(address,
                                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                          NULL, watch->cancellable, on_bus_connected, watch);
}

/* ---- the clock being set ---- */

static gboolean arm_timer(int fd, GError **error) {
        struct itimerspec spec = { .it_value.tv_sec = TIME_T_MAX };

        if (timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, NULL) < 0) {
                int saved_errno = errno;

                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno),
                            "cannot watch the clock being set: timerfd_settime: %s", g_strerror(saved_errno));
                return FALSE;
        }
        return TRUE;
}

static gboolean on_clock_set(int fd, GIOCondition condition, gpointer user_data) {
        ClockWatch *watch = user_data;
        g_autoptr(GError) error = NULL;
        guint64 expirations;

        /* Fails with ECANCELED: the clock was set. Re-arming clears that state. */
        if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != ECANCELED && errno != EAGAIN)
                g_warning("Reading the clock-set timer failed: %s", g_strerror(errno));
        if (!arm_timer(fd, &error)) {
                g_warning("%s", error->message);
                watch->timer_source_id = 0;
                return G_SOURCE_REMOVE;
        }
        clock_watch_refresh(watch);
        return G_SOURCE_CONTINUE;
}

static gboolean watch_clock_set(ClockWatch *watch, GError **error) {
        watch->timer_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
        if (watch->timer_fd < 0) {
                int saved_errno = errno;

                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno),
                            "cannot watch the clock being set: timerfd_create: %s", g_strerror(saved_errno));
                return FALSE;
        }
        if (!arm_timer(watch->timer_fd, error))
                return FALSE;
        watch->timer_source_id = g_unix_fd_add(watch->timer_fd, G_IO_IN, on_clock_set, watch);
        return TRUE;
}

/* ---- the watch ---- */

ClockWatch *clock_watch_new(PreconditionsTimeSource source, ClockWatchFunc changed, gpointer user_data,
                            GError **error) {
        g_autoptr(ClockWatch) watch = NULL;

        g_return_val_if_fail(source != PRECONDITIONS_TIME_NONE, NULL);
        watch = g_new0(ClockWatch, 1);
        watch->source = source;
        watch->changed = changed;
        watch->user_data = user_data;
        watch->timer_fd = -1;
        watch->cancellable = g_cancellable_new();
        if (!watch_clock_set(watch, error))
                return NULL;
        if (source == PRECONDITIONS_TIME_KERNEL)
                read_kernel(watch, FALSE);
        else
                connect_bus(watch, FALSE);
        return g_steal_pointer(&watch);
}

ClockState clock_watch_get_state(ClockWatch *watch) {
        return watch->state;
}

const char *clock_watch_get_reason(ClockWatch *watch) {
        if (watch->reason != NULL)
                return watch->reason;
        return watch->state == CLOCK_STATE_UNKNOWN ? "timedated has not answered yet" : "synchronized";
}

void clock_watch_refresh(ClockWatch *watch) {
        if (watch->source == PRECONDITIONS_TIME_KERNEL)
                read_kernel(watch, TRUE);
        else if (watch->bus != NULL)
                read_timedated(watch);
        else if (!watch->connecting)
                connect_bus(watch, TRUE);
}

gboolean clock_watch_is_settled(ClockWatch *watch) {
        return !watch->connecting && watch->pending_reads == 0;
}

void clock_watch_free(ClockWatch *watch) {
        if (watch == NULL)
                return;
        g_cancellable_cancel(watch->cancellable);
        g_clear_handle_id(&watch->name_watch_id, g_bus_unwatch_name);
        if (watch->bus != NULL) {
                if (watch->timedate_subscription != 0)
                        g_dbus_connection_signal_unsubscribe(watch->bus, watch->timedate_subscription);
                if (watch->timesync_subscription != 0)
                        g_dbus_connection_signal_unsubscribe(watch->bus, watch->timesync_subscription);
                g_dbus_connection_close(watch->bus, NULL, NULL, NULL);
                g_object_unref(watch->bus);
        }
        g_clear_handle_id(&watch->timer_source_id, g_source_remove);
        if (watch->timer_fd >= 0)
                close(watch->timer_fd);
        g_clear_object(&watch->cancellable);
        g_free(watch->reason);
        g_free(watch);
}
