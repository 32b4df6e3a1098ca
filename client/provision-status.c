/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* prov_client_get_status(): GetStatus' a{sv}, read from sd-bus into a GVariant and a ProvStatus. */
#include "provision.h"

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"

/* Each reader reads one value of its D-Bus type from inside a variant and
 * returns it as a floating GVariant. */
typedef int (*ValueReader)(sd_bus_message *message, GVariant **ret);

static int read_string(sd_bus_message *message, GVariant **ret) {
        const char *value;
        int r = sd_bus_message_read(message, "s", &value);

        if (r >= 0)
                *ret = g_variant_new_string(value);
        return r;
}

static int read_uint64(sd_bus_message *message, GVariant **ret) {
        uint64_t value;
        int r = sd_bus_message_read(message, "t", &value);

        if (r >= 0)
                *ret = g_variant_new_uint64(value);
        return r;
}

static int read_uint32(sd_bus_message *message, GVariant **ret) {
        uint32_t value;
        int r = sd_bus_message_read(message, "u", &value);

        if (r >= 0)
                *ret = g_variant_new_uint32(value);
        return r;
}

static int read_boolean(sd_bus_message *message, GVariant **ret) {
        int value; /* sd-bus reads "b" into an int */
        int r = sd_bus_message_read(message, "b", &value);

        if (r >= 0)
                *ret = g_variant_new_boolean(value);
        return r;
}

static int read_string_array(sd_bus_message *message, GVariant **ret) {
        g_auto(GStrv) values = NULL;
        int r = sd_bus_message_read_strv(message, &values);

        /* sd-bus reads an empty array as NULL */
        if (r >= 0)
                *ret = g_variant_new_strv((const char *const *) values, values != NULL ? -1 : 0);
        return r;
}

static int read_string_pair(sd_bus_message *message, GVariant **ret) {
        const char *first, *second;
        int r = sd_bus_message_read(message, "(ss)", &first, &second);

        if (r >= 0)
                *ret = g_variant_new("(ss)", first, second);
        return r;
}

static const struct {
        const char *signature;
        ValueReader read;
} value_readers[] = {
        { "s", read_string },  { "t", read_uint64 },        { "u", read_uint32 },
        { "b", read_boolean }, { "as", read_string_array }, { "(ss)", read_string_pair },
};

static ValueReader value_reader_for(const char *signature) {
        for (size_t i = 0; i < G_N_ELEMENTS(value_readers); i++)
                if (g_str_equal(value_readers[i].signature, signature))
                        return value_readers[i].read;
        return NULL;
}

/* Adds the next dictionary entry's value to @builder, unless its type is one
 * this library does not know (a newer daemon's key): that one is skipped. */
static int read_dictionary_entry(sd_bus_message *message, GVariantBuilder *builder) {
        const char *key, *signature;
        GVariant *value = NULL;
        ValueReader read;
        int r;

        r = sd_bus_message_read(message, "s", &key);
        if (r < 0)
                return r;
        r = sd_bus_message_peek_type(message, NULL, &signature);
        if (r < 0)
                return r;
        read = value_reader_for(signature);
        if (read == NULL)
                return sd_bus_message_skip(message, "v");

        r = sd_bus_message_enter_container(message, 'v', signature);
        if (r < 0)
                return r;
        r = read(message, &value);
        if (r < 0)
                return r;
        g_variant_builder_add(builder, "{sv}", key, value);
        return sd_bus_message_exit_container(message);
}

/* Reads an a{sv} of the types above from @message into a new a{sv} GVariant. */
static int read_dictionary(sd_bus_message *message, GVariant **ret) {
        g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                r = read_dictionary_entry(message, &builder);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(message);
        if (r < 0)
                return r;
        *ret = g_variant_ref_sink(g_variant_builder_end(&builder));
        return 0;
}

static char *lookup_string(GVariant *dictionary, const char *key) {
        char *value = NULL;

        if (!g_variant_lookup(dictionary, key, "s", &value))
                return g_strdup("");
        return value;
}

static guint64 lookup_uint64(GVariant *dictionary, const char *key) {
        guint64 value = 0;

        g_variant_lookup(dictionary, key, "t", &value);
        return value;
}

static guint lookup_uint32(GVariant *dictionary, const char *key) {
        guint32 value = 0;

        g_variant_lookup(dictionary, key, "u", &value);
        return value;
}

/* Missing keys get the neutral values the header documents. */
static ProvStatus *status_new_from_dictionary(GVariant *dictionary) {
        ProvStatus *status = g_new0(ProvStatus, 1);

        status->raw = g_variant_ref(dictionary);
        status->state = lookup_string(dictionary, "State");
        status->last_result = lookup_string(dictionary, "LastResult");
        if (!g_variant_lookup(dictionary, "LastError", "(ss)", &status->last_error_name,
                              &status->last_error_message)) {
                status->last_error_name = g_strdup("");
                status->last_error_message = g_strdup("");
        }
        if (!g_variant_lookup(dictionary, "LastWarnings", "^as", &status->last_warnings))
                status->last_warnings = g_new0(char *, 1);
        status->last_change = lookup_uint64(dictionary, "LastChange");
        status->settings_generation = lookup_uint64(dictionary, "SettingsGeneration");
        status->run_id = lookup_uint64(dictionary, "RunId");
        status->trigger = lookup_string(dictionary, "Trigger");
        status->url = lookup_string(dictionary, "Url");
        status->progress = lookup_uint32(dictionary, "Progress");
        status->last_run_started = lookup_uint64(dictionary, "LastRunStarted");
        status->last_run_finished = lookup_uint64(dictionary, "LastRunFinished");
        status->last_success = lookup_uint64(dictionary, "LastSuccess");
        status->files_fetched = lookup_uint32(dictionary, "FilesFetched");
        status->bytes_fetched = lookup_uint64(dictionary, "BytesFetched");
        return status;
}

ProvStatus *prov_client_get_status(ProvClient *client, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GVariant) dictionary = NULL;
        int r;

        g_return_val_if_fail(client != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        request = client_new_method_call(client, "GetStatus", error);
        if (request == NULL)
                return NULL;
        reply = client_call(client, request, error);
        if (reply == NULL)
                return NULL;
        r = read_dictionary(reply, &dictionary);
        if (r < 0) {
                client_fail(error, r, "Cannot read the reply of GetStatus");
                return NULL;
        }
        return status_new_from_dictionary(dictionary);
}

void prov_status_free(ProvStatus *status) {
        if (status == NULL)
                return;
        g_free(status->state);
        g_free(status->last_result);
        g_free(status->last_error_name);
        g_free(status->last_error_message);
        g_strfreev(status->last_warnings);
        g_free(status->trigger);
        g_free(status->url);
        g_clear_pointer(&status->raw, g_variant_unref);
        g_free(status);
}
