/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libprovision: the kept settings generations (ListGenerations, Rollback, DiffGenerations). */
#include <errno.h>

#include <glib.h>

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"
#include "provision.h"

void prov_generation_free(ProvGeneration *generation) {
        if (generation == NULL)
                return;
        g_free(generation->trigger);
        g_free(generation->source);
        g_free(generation->url);
        g_strfreev(generation->sections);
        g_clear_pointer(&generation->raw, g_variant_unref);
        g_free(generation);
}

void prov_setting_difference_free(ProvSettingDifference *difference) {
        if (difference == NULL)
                return;
        g_free(difference->path);
        g_free(difference->change);
        g_free(difference->old_value);
        g_free(difference->new_value);
        g_free(difference);
}

/* Missing keys get the neutral values the header documents. */
static ProvGeneration *generation_new(guint64 number, GVariant *dictionary) {
        ProvGeneration *generation = g_new0(ProvGeneration, 1);

        generation->generation = number;
        generation->raw = g_variant_ref(dictionary);
        g_variant_lookup(dictionary, "time", "t", &generation->time);
        generation->trigger = client_lookup_string(dictionary, "trigger");
        generation->source = client_lookup_string(dictionary, "source");
        generation->url = client_lookup_string(dictionary, "url");
        g_variant_lookup(dictionary, "run_id", "t", &generation->run_id);
        if (!g_variant_lookup(dictionary, "sections", "^as", &generation->sections))
                generation->sections = g_new0(char *, 1);
        g_variant_lookup(dictionary, "restored", "t", &generation->restored);
        return generation;
}

static int read_generations(sd_bus_message *reply, GPtrArray *generations) {
        int r = sd_bus_message_enter_container(reply, 'a', "(ta{sv})");

        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "ta{sv}")) > 0) {
                g_autoptr(GVariant) dictionary = NULL;
                guint64 number = 0;

                r = sd_bus_message_read(reply, "t", &number);
                if (r >= 0)
                        r = client_read_value(reply, &dictionary);
                if (r >= 0 && !g_variant_is_of_type(dictionary, G_VARIANT_TYPE_VARDICT))
                        r = -EBADMSG;
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        g_ptr_array_add(generations, generation_new(number, dictionary));
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

GPtrArray *prov_client_list_generations(ProvClient *client, GError **error) {
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GPtrArray) generations = NULL;
        int r;

        g_return_val_if_fail(client != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        reply = client_call_without_arguments(client, "ListGenerations", error);
        if (reply == NULL)
                return NULL;
        generations = g_ptr_array_new_with_free_func((GDestroyNotify) prov_generation_free);
        r = read_generations(reply, generations);
        if (r < 0) {
                client_fail(error, r, "Cannot read the reply of ListGenerations");
                return NULL;
        }
        return g_steal_pointer(&generations);
}

gboolean prov_client_rollback(ProvClient *client, guint64 generation, GPtrArray **changes, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        int r;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        request = client_new_method_call(client, "Rollback", error);
        if (request == NULL)
                return FALSE;
        /* No option keys are defined yet: an empty dictionary. */
        r = sd_bus_message_append(request, "ta{sv}", generation, 0);
        if (r < 0)
                return client_fail(error, r, "Cannot append the arguments of Rollback");
        return client_call_for_section_changes(client, request, changes, error);
}

static int read_differences(sd_bus_message *reply, GPtrArray *differences) {
        const char *path, *change, *old_value, *new_value;
        int r = sd_bus_message_enter_container(reply, 'a', "(ssss)");

        while (r >= 0 &&
               (r = sd_bus_message_read(reply, "(ssss)", &path, &change, &old_value, &new_value)) > 0) {
                ProvSettingDifference *difference = g_new0(ProvSettingDifference, 1);

                difference->path = g_strdup(path);
                difference->change = g_strdup(change);
                difference->old_value = g_strdup(old_value);
                difference->new_value = g_strdup(new_value);
                g_ptr_array_add(differences, difference);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

GPtrArray *prov_client_diff_generations(ProvClient *client, guint64 from, guint64 to, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GPtrArray) differences = NULL;
        int r;

        g_return_val_if_fail(client != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        request = client_new_method_call(client, "DiffGenerations", error);
        if (request == NULL)
                return NULL;
        r = sd_bus_message_append(request, "tt", from, to);
        if (r < 0) {
                client_fail(error, r, "Cannot append the arguments of DiffGenerations");
                return NULL;
        }
        reply = client_call(client, request, error);
        if (reply == NULL)
                return NULL;
        differences = g_ptr_array_new_with_free_func((GDestroyNotify) prov_setting_difference_free);
        r = read_differences(reply, differences);
        if (r < 0) {
                client_fail(error, r, "Cannot read the reply of DiffGenerations");
                return NULL;
        }
        return g_steal_pointer(&differences);
}
