/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "discover.h"

static void on_discovered(GObject *source_object, GAsyncResult *async_result, gpointer user_data) {
        g_autoptr(GTask) task = user_data;
        g_autoptr(GError) error = NULL;
        DiscoveryResult *result = discovery_find_finish(async_result, &error);

        if (result == NULL)
                g_task_return_error(task, g_steal_pointer(&error));
        else
                g_task_return_pointer(task, result, (GDestroyNotify) discovery_result_free);
}

static void on_preconditions_met(GObject *source_object, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GTask) task = user_data;
        g_autoptr(GError) error = NULL;
        const DiscoveryContext *context = g_task_get_task_data(task);
        GCancellable *cancellable = g_task_get_cancellable(task);

        if (!preconditions_wait_finish(result, &error)) {
                g_task_return_error(task, g_steal_pointer(&error));
                return;
        }
        discovery_find_async(context, cancellable, NULL, on_discovered, g_steal_pointer(&task));
}

void discover_async(const PreconditionsConfig *preconditions, const DiscoveryContext *context,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data) {
        GTask *task = g_task_new(NULL, cancellable, callback, user_data);

        g_task_set_source_tag(task, discover_async);
        g_task_set_task_data(task, g_memdup2(context, sizeof(*context)), g_free);
        preconditions_wait_async(preconditions, cancellable, NULL, on_preconditions_met, task);
}

DiscoveryResult *discover_finish(GAsyncResult *result, GError **error) {
        g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
        g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == discover_async, NULL);

        return g_task_propagate_pointer(G_TASK(result), error);
}
