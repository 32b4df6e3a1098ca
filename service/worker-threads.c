/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "worker-threads.h"

/* GLib names its pool threads "pool-N" (the spawner "pool-spawner"). */
static guint count_pool_threads(void) {
        g_autoptr(GDir) tasks = g_dir_open("/proc/self/task", 0, NULL);
        const char *task;
        guint count = 0;

        while (tasks != NULL && (task = g_dir_read_name(tasks)) != NULL) {
                g_autofree char *path = g_build_filename("/proc/self/task", task, "comm", NULL);
                g_autofree char *name = NULL;
                if (g_file_get_contents(path, &name, NULL, NULL) && g_str_has_prefix(name, "pool-") &&
                    !g_str_has_prefix(name, "pool-spawner"))
                        count++;
        }
        return count;
}

void worker_threads_stop_idle(gint64 timeout_usec) {
        gint64 deadline = g_get_monotonic_time() + timeout_usec;

        g_thread_pool_set_max_unused_threads(0);
        while (count_pool_threads() > 0 && g_get_monotonic_time() < deadline) {
                g_thread_pool_stop_unused_threads();
                g_usleep(20 * 1000);
        }
}
