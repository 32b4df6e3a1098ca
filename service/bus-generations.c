/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-generations.h"

#include <errno.h>
#include <glib.h>

#include "apply-result.h"
#include "bus-error.h"
#include "bus-service.h"
#include "bus-reply.h"
#include "generations.h"
#include "prov-sd-bus-cleanup.h"
#include "provision-error.h"
#include "settings-diff.h"
#include "text-limit.h"

static int append_string_entry(sd_bus_message *reply, const char *key, const char *value) {
        g_autofree char *shown = text_limit(value, TEXT_LIMIT_BYTES);

        return sd_bus_message_append(reply, "{sv}", key, "s", shown);
}

static int append_sections_entry(sd_bus_message *reply, char **sections) {
        int r = sd_bus_message_open_container(reply, 'e', "sv");

        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "sections");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, sections);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

/* (generation, {time, trigger, source, url, run_id, sections[, restored]}) */
static int append_generation(sd_bus_message *reply, const GenerationInfo *generation) {
        const CommitInfo *info = generation->info;
        int r = sd_bus_message_open_container(reply, 'r', "ta{sv}");

        if (r >= 0)
                r = sd_bus_message_append(reply, "t", generation->generation);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "time", "t", generation->time);
        if (r >= 0)
                r = append_string_entry(reply, "trigger", info->trigger);
        if (r >= 0)
                r = append_string_entry(reply, "source", info->source);
        if (r >= 0)
                r = append_string_entry(reply, "url", info->url);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "run_id", "t", info->run_id);
        if (r >= 0)
                r = append_sections_entry(reply, info->sections);
        if (r >= 0 && info->restored != 0)
                r = sd_bus_message_append(reply, "{sv}", "restored", "t", info->restored);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int method_list_generations(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        g_autoptr(GPtrArray) generations = engine_list_generations(userdata);
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ta{sv})");
        for (guint i = 0; r >= 0 && i < generations->len; i++)
                r = append_generation(reply, g_ptr_array_index(generations, i));
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The engine's answer to a Rollback, on the main thread: the reply goes out now. */
static void on_rolled_back(GPtrArray *changes, const GError *failure, gpointer user_data) {
        bus_reply_section_changes(user_data, changes, failure, "Rollback");
}

/* Replies later (on_rolled_back): the rollback is an apply job in the worker thread. */
static int method_rollback(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        g_autoptr(GError) local_error = NULL;
        guint64 generation;
        int r;

        r = sd_bus_message_read(message, "t", &generation);
        if (r < 0)
                return r;
        r = bus_read_no_options(message, &local_error);
        if (local_error != NULL)
                return bus_error_set_from_gerror(error, local_error);
        if (r < 0)
                return r;
        engine_rollback_async(userdata, generation, on_rolled_back, sd_bus_message_ref(message));
        return 1;
}

static int method_diff_generations(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GPtrArray) differences = NULL;
        g_autoptr(GError) local_error = NULL;
        guint64 from, to;
        int r;

        r = sd_bus_message_read(message, "tt", &from, &to);
        if (r < 0)
                return r;
        differences = engine_diff_generations(userdata, from, to, &local_error);
        if (differences == NULL)
                return bus_error_set_from_gerror(error, local_error);
        r = sd_bus_message_new_method_return(message, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssss)");
        for (guint i = 0; r >= 0 && i < differences->len; i++) {
                const SettingDifference *difference = g_ptr_array_index(differences, i);
                g_autofree char *old_value = text_limit(difference->old_value, TEXT_LIMIT_BYTES);
                g_autofree char *new_value = text_limit(difference->new_value, TEXT_LIMIT_BYTES);

                r = sd_bus_message_append(reply, "(ssss)", difference->path, difference->change, old_value,
                                          new_value);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable generations_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("ListGenerations", "", , "a(ta{sv})", SD_BUS_PARAM(generations),
                                 method_list_generations, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Rollback", "ta{sv}", SD_BUS_PARAM(generation) SD_BUS_PARAM(options), "a(sss)",
                                 SD_BUS_PARAM(sections), method_rollback, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("DiffGenerations", "tt", SD_BUS_PARAM(from) SD_BUS_PARAM(to), "a(ssss)",
                                 SD_BUS_PARAM(differences), method_diff_generations,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_generations_add(sd_bus *bus, Engine *engine, sd_bus_slot **ret_slot) {
        return sd_bus_add_object_vtable(bus, ret_slot, BUS_PATH, BUS_INTERFACE, generations_vtable, engine);
}
