/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-status.h"

#include <errno.h>
#include <glib.h>

#include "bus-history.h"

typedef enum {
        FIELD_STRING,      /* const char * or char * */
        FIELD_STRV,        /* GStrv */
        FIELD_UINT64,      /* guint64, bus type t */
        FIELD_UINT64_AS_U, /* guint64 that the bus shows as u */
        FIELD_ERROR,       /* LastError: name and message */
        FIELD_CHECK_SYNC,  /* LastCheckSync: sender, time, accepted, reason */
        FIELD_PAIRS,       /* GStrv of key, value, …: bus type a{ss} */
        FIELD_SOURCE_STATS, /* SourceStats: from the run history, not from Status */
} FieldKind;

/* One row per property: the bus name, its type and where the value lives in Status. GetStatus
 * answers every row but the run history's (history_only): the status screen polls GetStatus, and
 * SourceStats, 7 entries for each of 6 sources, was two thirds of its cost (docs/dbus-api.md). */
static const struct {
        const char *name;
        const char *signature;
        FieldKind kind;
        gsize offset;
        gboolean history_only;
} status_properties[] = {
        { STATUS_STATE, "s", FIELD_STRING, G_STRUCT_OFFSET(Status, state) },
        { STATUS_LAST_RESULT, "s", FIELD_STRING, G_STRUCT_OFFSET(Status, last_result) },
        { STATUS_LAST_ERROR, "(ss)", FIELD_ERROR, 0 },
        { STATUS_LAST_WARNINGS, "as", FIELD_STRV, G_STRUCT_OFFSET(Status, last_warnings) },
        { STATUS_LAST_CHANGE, "t", FIELD_UINT64, G_STRUCT_OFFSET(Status, last_change) },
        { STATUS_SETTINGS_GENERATION, "t", FIELD_UINT64, G_STRUCT_OFFSET(Status, settings_generation) },
        { STATUS_RUN_ID, "t", FIELD_UINT64, G_STRUCT_OFFSET(Status, run_id) },
        { STATUS_TRIGGER, "s", FIELD_STRING, G_STRUCT_OFFSET(Status, trigger) },
        { STATUS_URL, "s", FIELD_STRING, G_STRUCT_OFFSET(Status, url) },
        { STATUS_PROGRESS, "u", FIELD_UINT64_AS_U, G_STRUCT_OFFSET(Status, progress) },
        { STATUS_LAST_RUN_STARTED, "t", FIELD_UINT64, G_STRUCT_OFFSET(Status, last_run_started) },
        { STATUS_LAST_RUN_FINISHED, "t", FIELD_UINT64, G_STRUCT_OFFSET(Status, last_run_finished) },
        { STATUS_LAST_SUCCESS, "t", FIELD_UINT64, G_STRUCT_OFFSET(Status, last_success) },
        { STATUS_FILES_FETCHED, "u", FIELD_UINT64_AS_U, G_STRUCT_OFFSET(Status, files_fetched) },
        { STATUS_BYTES_FETCHED, "t", FIELD_UINT64, G_STRUCT_OFFSET(Status, bytes_fetched) },
        { STATUS_VERSION, "s", FIELD_STRING, G_STRUCT_OFFSET(Status, version) },
        { STATUS_NEXT_RUN, "t", FIELD_UINT64, G_STRUCT_OFFSET(Status, next_run) },
        { STATUS_LAST_CHECK_SYNC, "(stbs)", FIELD_CHECK_SYNC, 0 },
        { STATUS_SOURCE, "s", FIELD_STRING, G_STRUCT_OFFSET(Status, source) },
        { STATUS_DISCOVERY, "a{ss}", FIELD_PAIRS, G_STRUCT_OFFSET(Status, discovery) },
        { STATUS_SOURCE_STATS, "a{sa{sv}}", FIELD_SOURCE_STATS, 0, TRUE },
};

static int append_pairs(sd_bus_message *reply, char **pairs) {
        int r = sd_bus_message_open_container(reply, 'a', "{ss}");

        for (gsize i = 0; r >= 0 && pairs[i] != NULL && pairs[i + 1] != NULL; i += 2)
                r = sd_bus_message_append(reply, "{ss}", pairs[i], pairs[i + 1]);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int append_value(sd_bus_message *reply, const Engine *engine, gsize index) {
        const Status *status = engine_get_status(engine);
        gsize offset = status_properties[index].offset;

        switch (status_properties[index].kind) {
        case FIELD_STRING:
                return sd_bus_message_append_basic(reply, 's', G_STRUCT_MEMBER(const char *, status, offset));
        case FIELD_STRV:
                return sd_bus_message_append_strv(reply, G_STRUCT_MEMBER(char **, status, offset));
        case FIELD_UINT64:
                return sd_bus_message_append_basic(reply, 't', &G_STRUCT_MEMBER(guint64, status, offset));
        case FIELD_UINT64_AS_U: {
                uint32_t value = (uint32_t) MIN(G_STRUCT_MEMBER(guint64, status, offset), G_MAXUINT32);
                return sd_bus_message_append_basic(reply, 'u', &value);
        }
        case FIELD_PAIRS:
                return append_pairs(reply, G_STRUCT_MEMBER(char **, status, offset));
        case FIELD_ERROR:
                return sd_bus_message_append(reply, "(ss)", status->last_error_name, status->last_error_message);
        case FIELD_CHECK_SYNC:
                return sd_bus_message_append(reply, "(stbs)", status->check_sync_sender, status->check_sync_time,
                                             status->check_sync_accepted, status->check_sync_reason);
        case FIELD_SOURCE_STATS:
                return bus_history_append_source_stats(reply, engine);
        }
        return -EINVAL;
}

int bus_status_get_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        for (gsize i = 0; i < G_N_ELEMENTS(status_properties); i++)
                if (g_str_equal(status_properties[i].name, property))
                        return append_value(reply, userdata, i);
        return -ENOENT;
}

int bus_status_append_all(sd_bus_message *reply, const Engine *engine) {
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        for (gsize i = 0; i < G_N_ELEMENTS(status_properties); i++) {
                if (status_properties[i].history_only)
                        continue;
                r = sd_bus_message_open_container(reply, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append_basic(reply, 's', status_properties[i].name);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', status_properties[i].signature);
                if (r >= 0)
                        r = append_value(reply, engine, i);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}
