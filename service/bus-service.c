/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-service.h"

#include <errno.h>
#include <glib.h>

#include "apply-result.h"
#include "bus-caller.h"
#include "bus-check-sync.h"
#include "bus-error.h"
#include "bus-reply.h"
#include "bus-history.h"
#include "bus-generations.h"
#include "bus-status.h"
#include "fd-read.h"
#include "prov-sd-bus-cleanup.h"
#include "provision-error.h"
#include "text-limit.h"

struct BusService {
        sd_bus *bus;
        sd_bus_slot *vtable_slot;
        sd_bus_slot *check_sync_slot; /* CheckSync and LastCheckSync (bus-check-sync.c) */
        sd_bus_slot *generations_slot; /* ListGenerations, Rollback, DiffGenerations (bus-generations.c) */
        Engine *engine;
};

/* A string option of a method and where its value goes. */
typedef struct {
        const char *key;
        char **value;
} StringOption;

/* Reads an a{sv} of string options, refusing any other key or type, and values
 * longer than TEXT_LIMIT_URL_OPTION_BYTES, with -EINVAL and PROV_ERROR_INVALID_ARGS in @error. */
static int read_string_options(sd_bus_message *message, const StringOption *options, gsize n_options,
                               GError **error) {
        const char *key, *value;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                const StringOption *option = NULL;

                r = sd_bus_message_read(message, "s", &key);
                if (r < 0)
                        return r;
                for (gsize i = 0; i < n_options && option == NULL; i++)
                        if (g_str_equal(options[i].key, key))
                                option = &options[i];
                if (option == NULL) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS, "unknown option '%s'", key);
                        return -EINVAL;
                }
                if (sd_bus_message_read(message, "v", "s", &value) < 0) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS,
                                    "option '%s' must be a string", key);
                        return -EINVAL;
                }
                if (strlen(value) > TEXT_LIMIT_URL_OPTION_BYTES) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS,
                                    "option '%s' is longer than %u bytes", key, TEXT_LIMIT_URL_OPTION_BYTES);
                        return -EINVAL;
                }
                g_free(*option->value);
                *option->value = g_strdup(value);
                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(message);
}

/* The engine's answer to an ApplyFile, on the main thread: the reply goes out now. */
static void on_document_applied(GPtrArray *changes, const GError *failure, gpointer user_data) {
        bus_reply_section_changes(user_data, changes, failure, "ApplyFile");
}

/* Replies later (on_document_applied): the work runs in a worker thread while the bus is served. */
static int method_apply_file(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Engine *engine = userdata;
        g_autoptr(GBytes) document = NULL;
        g_autoptr(GError) local_error = NULL;
        int fd, r;

        r = sd_bus_message_read(message, "h", &fd);
        if (r < 0)
                return r;
        r = bus_read_no_options(message, &local_error);
        if (r < 0 && local_error == NULL)
                return r;
        if (local_error == NULL)
                document = fd_read_document(fd, engine_get_max_file_size(engine), &local_error);
        if (document == NULL) {
                /* Refused before the engine saw a document: still the result of this apply. */
                engine_record_failure(engine, local_error);
                return bus_error_set_from_gerror(error, local_error);
        }
        engine_apply_document_async(engine, document, on_document_applied, sd_bus_message_ref(message));
        return 1;
}

static int method_start_provisioning(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        g_autofree char *url = NULL;
        g_autofree char *trigger = NULL;
        g_autoptr(RunRequest) request = NULL;
        g_autoptr(GError) local_error = NULL;
        guint64 run_id = 0;
        int r;

        const StringOption options[] = { { "url", &url }, { "trigger", &trigger } };

        r = read_string_options(message, options, G_N_ELEMENTS(options), &local_error);
        if (local_error != NULL)
                return bus_error_set_from_gerror(error, local_error);
        if (r < 0)
                return r;
        request = run_request_new(trigger, url, RUN_SOURCE_MANUAL);
        if (!engine_start_run(userdata, request, &run_id, &local_error))
                return bus_error_set_from_gerror(error, local_error);
        return sd_bus_reply_method_return(message, "t", run_id);
}

static int method_cancel(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        g_autoptr(GError) local_error = NULL;

        if (!engine_cancel_run(userdata, &local_error))
                return bus_error_set_from_gerror(error, local_error);
        return sd_bus_reply_method_return(message, NULL);
}

/* Reads Backup's as, refusing more names than there are sections before reading them
 * all: sd_bus_message_read_strv() costs time quadratic in the number of names. */
static int read_section_names(sd_bus_message *message, guint max_names, GStrv *ret, GError **error) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *name;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read_basic(message, 's', &name)) > 0) {
                if (names->len >= max_names) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS,
                                    "more section names than the %u sections there are", max_names);
                        return -EINVAL;
                }
                g_ptr_array_add(names, g_strdup(name));
        }
        if (r < 0)
                return r;
        g_ptr_array_add(names, NULL);
        *ret = (GStrv)g_ptr_array_steal(names, NULL);
        return sd_bus_message_exit_container(message);
}

static int method_backup(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        g_auto(GStrv) sections = NULL;
        g_autoptr(GError) local_error = NULL;
        g_autofree char *xml = NULL;
        int privileged, r;

        r = read_section_names(message, engine_count_sections(userdata), &sections, &local_error);
        if (local_error != NULL)
                return bus_error_set_from_gerror(error, local_error);
        if (r < 0)
                return r;
        /* Everyone may back up; only who may restore gets the passwords. */
        privileged = bus_caller_may_change_settings(message);
        if (privileged < 0)
                return privileged;
        xml = engine_backup(userdata, (const char *const *) sections, privileged > 0, &local_error);
        if (xml == NULL)
                return bus_error_set_from_gerror(error, local_error);
        return sd_bus_reply_method_return(message, "s", xml);
}

static int method_get_status(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r >= 0)
                r = bus_status_append_all(reply, userdata);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

#define STATUS_PROPERTY(name, signature) \
        SD_BUS_PROPERTY(name, signature, bus_status_get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable provisioning_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("StartProvisioning", "a{sv}", SD_BUS_PARAM(options), "t",
                                 SD_BUS_PARAM(run_id), method_start_provisioning, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Cancel", "", "", method_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ApplyFile", "ha{sv}", SD_BUS_PARAM(fd) SD_BUS_PARAM(options), "a(sss)",
                                 SD_BUS_PARAM(sections), method_apply_file, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Backup", "as", SD_BUS_PARAM(sections), "s", SD_BUS_PARAM(xml),
                                 method_backup, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetStatus", "", , "a{sv}", SD_BUS_PARAM(status), method_get_status,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListRuns", "", , "a(ta{sv})", SD_BUS_PARAM(runs), bus_history_method_list_runs,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES(
                "SectionApplied", "tsss",
                SD_BUS_PARAM(run_id) SD_BUS_PARAM(section) SD_BUS_PARAM(version) SD_BUS_PARAM(how), 0),
        SD_BUS_SIGNAL_WITH_NAMES(
                "Progress", "tsus",
                SD_BUS_PARAM(run_id) SD_BUS_PARAM(stage) SD_BUS_PARAM(percent) SD_BUS_PARAM(detail), 0),
        SD_BUS_SIGNAL_WITH_NAMES("Failed", "tss",
                                 SD_BUS_PARAM(run_id) SD_BUS_PARAM(error_name) SD_BUS_PARAM(message), 0),
        SD_BUS_SIGNAL_WITH_NAMES("Finished", "tu", SD_BUS_PARAM(run_id) SD_BUS_PARAM(sections_changed), 0),
        STATUS_PROPERTY(STATUS_STATE, "s"),
        STATUS_PROPERTY(STATUS_LAST_RESULT, "s"),
        STATUS_PROPERTY(STATUS_LAST_ERROR, "(ss)"),
        STATUS_PROPERTY(STATUS_LAST_WARNINGS, "as"),
        STATUS_PROPERTY(STATUS_RUN_ID, "t"),
        STATUS_PROPERTY(STATUS_TRIGGER, "s"),
        STATUS_PROPERTY(STATUS_URL, "s"),
        STATUS_PROPERTY(STATUS_PROGRESS, "u"),
        STATUS_PROPERTY(STATUS_LAST_RUN_STARTED, "t"),
        STATUS_PROPERTY(STATUS_LAST_RUN_FINISHED, "t"),
        STATUS_PROPERTY(STATUS_LAST_SUCCESS, "t"),
        STATUS_PROPERTY(STATUS_FILES_FETCHED, "u"),
        STATUS_PROPERTY(STATUS_BYTES_FETCHED, "t"),
        STATUS_PROPERTY(STATUS_LAST_CHANGE, "t"),
        STATUS_PROPERTY(STATUS_SETTINGS_GENERATION, "t"),
        STATUS_PROPERTY(STATUS_NEXT_RUN, "t"),
        SD_BUS_PROPERTY(STATUS_VERSION, "s", bus_status_get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        STATUS_PROPERTY(STATUS_SOURCE, "s"),
        STATUS_PROPERTY(STATUS_DISCOVERY, "a{ss}"),
        STATUS_PROPERTY(STATUS_SOURCE_STATS, "a{sa{sv}}"),
        SD_BUS_VTABLE_END,
};

static void emit_signal(BusService *service, const char *member, const char *signature, ...) {
        va_list args;
        int r;

        va_start(args, signature);
        r = sd_bus_emit_signalv(service->bus, BUS_PATH, BUS_INTERFACE, member, signature, args);
        va_end(args);
        if (r < 0)
                g_warning("cannot emit %s: %s", member, g_strerror(-r));
}

static void on_section_applied(guint64 run_id, const char *section, const char *version, const char *how,
                               gpointer user_data) {
        emit_signal(user_data, "SectionApplied", "tsss", run_id, section, version, how);
}

static void on_progress(guint64 run_id, const char *stage, guint percent, const char *detail,
                        gpointer user_data) {
        g_autofree char *shown = text_limit(detail, TEXT_LIMIT_BYTES);

        emit_signal(user_data, "Progress", "tsus", run_id, stage, percent, shown);
}

static void on_failed(guint64 run_id, const GError *error, gpointer user_data) {
        g_autofree char *shown = text_limit(error->message, TEXT_LIMIT_BYTES);

        emit_signal(user_data, "Failed", "tss", run_id, prov_error_get_dbus_name(error), shown);
}

static void on_finished(guint64 run_id, guint sections_changed, gpointer user_data) {
        emit_signal(user_data, "Finished", "tu", run_id, sections_changed);
}

static void on_status_changed(const char *const *names, gpointer user_data) {
        BusService *service = user_data;
        int r;

        r = sd_bus_emit_properties_changed_strv(service->bus, BUS_PATH, BUS_INTERFACE, (char **) names);
        if (r < 0)
                g_warning("cannot emit PropertiesChanged: %s", g_strerror(-r));
}

int bus_service_new(sd_bus *bus, Engine *engine, BusService **ret) {
        static const EngineCallbacks callbacks = {
                .section_applied = on_section_applied,
                .status_changed = on_status_changed,
                .progress = on_progress,
                .failed = on_failed,
                .finished = on_finished,
        };
        g_autofree BusService *service = g_new0(BusService, 1);
        int r;

        r = sd_bus_add_object_vtable(bus, &service->vtable_slot, BUS_PATH, BUS_INTERFACE,
                                     provisioning_vtable, engine);
        if (r < 0)
                return r;
        service->bus = sd_bus_ref(bus);
        service->engine = engine;
        engine_set_callbacks(engine, &callbacks, service);
        r = bus_check_sync_add(bus, engine, &service->check_sync_slot);
        if (r >= 0)
                r = bus_generations_add(bus, engine, &service->generations_slot);
        if (r < 0) {
                bus_service_free(g_steal_pointer(&service));
                return r;
        }

        r = sd_bus_request_name(bus, BUS_NAME, 0);
        if (r < 0) {
                bus_service_free(g_steal_pointer(&service));
                return r;
        }
        *ret = g_steal_pointer(&service);
        return 0;
}

void bus_service_free(BusService *service) {
        static const EngineCallbacks no_callbacks = { 0 };

        if (service == NULL)
                return;
        engine_set_callbacks(service->engine, &no_callbacks, NULL);
        sd_bus_slot_unref(service->check_sync_slot);
        sd_bus_slot_unref(service->generations_slot);
        sd_bus_slot_unref(service->vtable_slot);
        sd_bus_unref(service->bus);
        g_free(service);
}
