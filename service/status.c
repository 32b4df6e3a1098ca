/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "status.h"

#include <string.h>

#include "provision-error.h"
#include "text-limit.h"

void status_init(Status *status) {
        *status = (Status){
                .state = "idle",
                .version = PROVISIOND_VERSION,
                .last_result = "none",
                .last_error_name = g_strdup(""),
                .last_error_message = g_strdup(""),
                .last_warnings = g_new0(char *, 1),
                .trigger = g_strdup(""),
                .url = g_strdup(""),
                .check_sync_sender = g_strdup(""),
                .check_sync_reason = g_strdup(""),
                .source = g_strdup(""),
                .discovery = g_new0(char *, 1),
                .changed = g_ptr_array_new(),
        };
}

void status_clear(Status *status) {
        g_free(status->last_error_name);
        g_free(status->last_error_message);
        g_strfreev(status->last_warnings);
        g_free(status->trigger);
        g_free(status->url);
        g_free(status->check_sync_sender);
        g_free(status->check_sync_reason);
        g_free(status->source);
        g_strfreev(status->discovery);
        g_clear_pointer(&status->changed, g_ptr_array_unref);
}

void status_changed(Status *status, const char *property) {
        for (guint i = 0; i < status->changed->len; i++)
                if (g_str_equal(g_ptr_array_index(status->changed, i), property))
                        return;
        g_ptr_array_add(status->changed, (gpointer)property);
}

void status_set_string(Status *status, char **field, const char *value, const char *property) {
        g_autofree char *shown = text_limit(value, TEXT_LIMIT_BYTES);

        if (g_strcmp0(*field, shown) == 0)
                return;
        g_free(*field);
        *field = g_steal_pointer(&shown);
        status_changed(status, property);
}

void status_set_number(Status *status, guint64 *field, guint64 value, const char *property) {
        if (*field == value)
                return;
        *field = value;
        status_changed(status, property);
}

/* At most STATUS_MAX_WARNINGS entries of TEXT_LIMIT_BYTES each and TEXT_LIMIT_WARNINGS_BYTES in all. */
static GStrv warnings_capped(GPtrArray *warnings) {
        guint limit = MIN(warnings->len, STATUS_MAX_WARNINGS);
        GStrv result = g_new0(char *, limit + 2);
        gsize total = 0;
        guint kept = 0;

        for (; kept < limit; kept++) {
                char *shown = text_limit(g_ptr_array_index(warnings, kept), TEXT_LIMIT_BYTES);
                total += strlen(shown);
                if (total > TEXT_LIMIT_WARNINGS_BYTES) {
                        g_free(shown);
                        break;
                }
                result[kept] = shown;
        }
        if (warnings->len > kept)
                result[kept] = g_strdup_printf("… and %u more warnings", warnings->len - kept);
        return result;
}

void status_set_result(Status *status, const GError *failure, GPtrArray *warnings) {
        const char *result = failure == NULL ? "success" : "failed";
        const char *error_name = failure != NULL ? prov_error_get_dbus_name(failure) : NULL;
        const char *message = failure != NULL ? failure->message : NULL;

        /* Cancel (or a stopping daemon) ended it: not a failure of the run itself. */
        if (g_strcmp0(error_name, prov_error_to_dbus_name(PROV_ERROR_CANCELLED)) == 0)
                result = "cancelled";

        if (!g_str_equal(status->last_result, result)) {
                status->last_result = result;
                status_changed(status, STATUS_LAST_RESULT);
        }
        status_set_string(status, &status->last_error_name, error_name != NULL ? error_name : "", STATUS_LAST_ERROR);
        status_set_string(status, &status->last_error_message, error_name != NULL ? message : "", STATUS_LAST_ERROR);

        g_auto(GStrv) kept = warnings_capped(warnings);

        if (g_strv_equal((const char *const *)kept, (const char *const *)status->last_warnings))
                return;
        g_strfreev(status->last_warnings);
        status->last_warnings = g_steal_pointer(&kept);
        status_changed(status, STATUS_LAST_WARNINGS);
}

void status_set_check_sync(Status *status, const char *sender, gboolean accepted, const char *reason) {
        g_free(status->check_sync_sender);
        status->check_sync_sender = text_limit(sender, TEXT_LIMIT_BYTES);
        g_free(status->check_sync_reason);
        status->check_sync_reason = text_limit(reason, TEXT_LIMIT_BYTES);
        status->check_sync_accepted = accepted;
        status->check_sync_time = (guint64) g_get_real_time();
        status_changed(status, STATUS_LAST_CHECK_SYNC);
}

void status_set_pairs(Status *status, GStrv *field, const char *const *pairs, const char *property) {
        g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
        g_auto(GStrv) shown = NULL;

        for (gsize i = 0; pairs != NULL && pairs[i] != NULL; i++) {
                g_autofree char *shown_pair = text_limit(pairs[i], TEXT_LIMIT_BYTES);
                g_strv_builder_add(builder, shown_pair);
        }
        shown = g_strv_builder_end(builder);
        if (g_strv_equal((const char *const *) shown, (const char *const *) *field))
                return;
        g_strfreev(*field);
        *field = g_steal_pointer(&shown);
        status_changed(status, property);
}

GStrv status_take_changed(Status *status) {
        GStrv names;

        if (status->changed->len == 0)
                return NULL;
        names = g_new0(char *, status->changed->len + 1);
        for (guint i = 0; i < status->changed->len; i++)
                names[i] = g_strdup(g_ptr_array_index(status->changed, i));
        g_ptr_array_set_size(status->changed, 0);
        return names;
}
