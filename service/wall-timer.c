/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "wall-timer.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct WallTimer {
        int fd;
        GSource *source;
        WallTimerFunc func;
        gpointer user_data;
};

static gboolean on_readable(int fd, GIOCondition condition, gpointer user_data) {
        WallTimer *timer = user_data;
        uint64_t expirations = 0;
        ssize_t n = read(fd, &expirations, sizeof(expirations));

        if (n == sizeof(expirations)) {
                timer->func(FALSE, timer->user_data);
        } else if (n < 0 && errno == ECANCELED) {
                /* TFD_TIMER_CANCEL_ON_SET: the wall clock was set. */
                timer->func(TRUE, timer->user_data);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                g_warning("schedule timer: %s", g_strerror(errno));
        }
        return G_SOURCE_CONTINUE;
}

WallTimer *wall_timer_new(WallTimerFunc func, gpointer user_data, GError **error) {
        g_autoptr(WallTimer) timer = g_new0(WallTimer, 1);

        timer->func = func;
        timer->user_data = user_data;
        timer->fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
        if (timer->fd < 0) {
                int saved = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "timerfd_create: %s",
                            g_strerror(saved));
                return NULL;
        }
        timer->source = g_unix_fd_source_new(timer->fd, G_IO_IN);
        g_source_set_callback(timer->source, G_SOURCE_FUNC(on_readable), timer, NULL);
        g_source_set_static_name(timer->source, "provisiond schedule timer");
        g_source_attach(timer->source, g_main_context_get_thread_default());
        return g_steal_pointer(&timer);
}

void wall_timer_free(WallTimer *timer) {
        if (timer == NULL)
                return;
        if (timer->source != NULL) {
                g_source_destroy(timer->source);
                g_source_unref(timer->source);
        }
        if (timer->fd >= 0)
                close(timer->fd);
        g_free(timer);
}

void wall_timer_arm(WallTimer *timer, gint64 instant) {
        struct itimerspec spec = { 0 };
        int flags = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;

        if (instant > 0) {
                spec.it_value.tv_sec = instant / G_USEC_PER_SEC;
                spec.it_value.tv_nsec = (instant % G_USEC_PER_SEC) * 1000;
        }
        if (instant <= 0)
                flags = 0; /* it_value 0 disarms */
        if (timerfd_settime(timer->fd, flags, &spec, NULL) < 0)
                g_warning("schedule timer: cannot arm: %s", g_strerror(errno));
}
