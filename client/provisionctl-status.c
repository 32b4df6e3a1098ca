/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl status: the daemon's status as aligned lines, or as JSON with --json. */
#include <math.h>

#include <glib.h>

#include "provisionctl.h"

static gboolean arg_json;

const GOptionEntry status_options[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &arg_json, "Print the status dictionary as a JSON object", NULL },
        { NULL },
};

static char *format_timestamp(guint64 usec_since_epoch) {
        g_autoptr(GDateTime) time = NULL;

        if (usec_since_epoch == 0)
                return g_strdup("never");
        time = g_date_time_new_from_unix_local((gint64) (usec_since_epoch / G_USEC_PER_SEC));
        if (time == NULL)
                return g_strdup_printf("%" G_GUINT64_FORMAT " µs since the epoch", usec_since_epoch);
        return g_date_time_format(time, "%FT%T%:z");
}

#define LABEL_FORMAT "%19s: "

static const char *string_or_none(const char *value) {
        return value[0] != '\0' ? value : "none";
}

/* The active run, or the last one. */
static void print_run_lines(const ProvStatus *status) {
        if (status->run_id == 0)
                g_print(LABEL_FORMAT "none\n", "Run id");
        else
                g_print(LABEL_FORMAT "%" G_GUINT64_FORMAT "\n", "Run id", status->run_id);
        g_print(LABEL_FORMAT "%s\n", "Trigger", string_or_none(status->trigger));
        g_print(LABEL_FORMAT "%s\n", "Url", string_or_none(status->url));
        g_print(LABEL_FORMAT "%u%%\n", "Progress", status->progress);
        g_print(LABEL_FORMAT "%u\n", "Files fetched", status->files_fetched);
        g_print(LABEL_FORMAT "%" G_GUINT64_FORMAT "\n", "Bytes fetched", status->bytes_fetched);
}

static void print_run_times(const ProvStatus *status) {
        g_autofree char *last_run_started = format_timestamp(status->last_run_started);
        g_autofree char *last_run_finished = format_timestamp(status->last_run_finished);
        g_autofree char *last_success = format_timestamp(status->last_success);

        g_print(LABEL_FORMAT "%s\n", "Last run started", last_run_started);
        g_print(LABEL_FORMAT "%s\n", "Last run finished", last_run_finished);
        g_print(LABEL_FORMAT "%s\n", "Last success", last_success);
}

/* "accepted from 10.0.0.1 at TIME: run 3 started", "refused from … at TIME: NotAllowed: …", or "none". */
static void print_check_sync_line(const ProvStatus *status) {
        g_autofree char *when = NULL;

        if (status->last_check_sync_time == 0) {
                g_print(LABEL_FORMAT "none\n", "Last check-sync");
                return;
        }
        when = format_timestamp(status->last_check_sync_time);
        g_print(LABEL_FORMAT "%s from %s at %s: %s\n", "Last check-sync",
                status->last_check_sync_accepted ? "accepted" : "refused", status->last_check_sync_sender, when,
                status->last_check_sync_reason);
}

static void print_status_lines(const ProvStatus *status) {
        g_autofree char *last_change = format_timestamp(status->last_change);

        g_print(LABEL_FORMAT "%s\n", "State", status->state);
        print_run_lines(status);
        g_print(LABEL_FORMAT "%s\n", "Last result", status->last_result);
        if (status->last_error_name[0] == '\0')
                g_print(LABEL_FORMAT "none\n", "Last error");
        else
                g_print(LABEL_FORMAT "%s: %s\n", "Last error", status->last_error_name,
                        status->last_error_message);
        if (status->last_warnings[0] == NULL)
                g_print(LABEL_FORMAT "none\n", "Warnings");
        for (size_t i = 0; status->last_warnings[i] != NULL; i++)
                if (i == 0)
                        g_print(LABEL_FORMAT "%s\n", "Warnings", status->last_warnings[i]);
                else
                        g_print("%21s%s\n", "", status->last_warnings[i]); /* under the first one */
        print_run_times(status);
        g_print(LABEL_FORMAT "%s\n", "Last change", last_change);
        g_print(LABEL_FORMAT "%" G_GUINT64_FORMAT "\n", "Settings generation", status->settings_generation);
        print_check_sync_line(status);
}

static void append_json_string(GString *json, const char *value) {
        g_string_append_c(json, '"');
        for (const char *p = value; *p != '\0'; p++) {
                unsigned char c = (unsigned char) *p;

                if (c == '"' || c == '\\')
                        g_string_append_printf(json, "\\%c", c);
                else if (c == '\n')
                        g_string_append(json, "\\n");
                else if (c == '\t')
                        g_string_append(json, "\\t");
                else if (c < 0x20 || c == 0x7f)
                        g_string_append_printf(json, "\\u%04x", c);
                else
                        g_string_append_c(json, (char) c); /* D-Bus strings are valid UTF-8 */
        }
        g_string_append_c(json, '"');
}

static void append_json_value(GString *json, GVariant *value);

/* A JSON object key: strings as they are, other basic types as GVariant prints them. */
static void append_json_key(GString *json, GVariant *key) {
        g_autofree char *printed = NULL;

        if (g_variant_is_of_type(key, G_VARIANT_TYPE_STRING) ||
            g_variant_is_of_type(key, G_VARIANT_TYPE_OBJECT_PATH) ||
            g_variant_is_of_type(key, G_VARIANT_TYPE_SIGNATURE)) {
                append_json_string(json, g_variant_get_string(key, NULL));
                return;
        }
        printed = g_variant_print(key, FALSE);
        append_json_string(json, printed);
}

/* Arrays and structs become JSON arrays, dictionaries JSON objects. */
static void append_json_children(GString *json, GVariant *container) {
        gboolean dictionary = g_variant_is_of_type(container, G_VARIANT_TYPE_DICTIONARY);
        gsize count = g_variant_n_children(container);

        g_string_append_c(json, dictionary ? '{' : '[');
        for (gsize i = 0; i < count; i++) {
                g_autoptr(GVariant) child = g_variant_get_child_value(container, i);

                if (i > 0)
                        g_string_append(json, ", ");
                if (dictionary) {
                        g_autoptr(GVariant) key = g_variant_get_child_value(child, 0);
                        g_autoptr(GVariant) entry_value = g_variant_get_child_value(child, 1);

                        append_json_key(json, key);
                        g_string_append(json, ": ");
                        append_json_value(json, entry_value);
                } else {
                        append_json_value(json, child);
                }
        }
        g_string_append_c(json, dictionary ? '}' : ']');
}

/* Numbers of every width; the ones that do not fit a double still print exactly. */
static void append_json_number(GString *json, GVariant *value) {
        switch (g_variant_classify(value)) {
        case G_VARIANT_CLASS_BYTE:
                g_string_append_printf(json, "%u", g_variant_get_byte(value));
                break;
        case G_VARIANT_CLASS_INT16:
                g_string_append_printf(json, "%d", g_variant_get_int16(value));
                break;
        case G_VARIANT_CLASS_UINT16:
                g_string_append_printf(json, "%u", g_variant_get_uint16(value));
                break;
        case G_VARIANT_CLASS_INT32:
                g_string_append_printf(json, "%d", g_variant_get_int32(value));
                break;
        case G_VARIANT_CLASS_HANDLE:
                g_string_append_printf(json, "%d", g_variant_get_handle(value));
                break;
        case G_VARIANT_CLASS_UINT32:
                g_string_append_printf(json, "%" G_GUINT32_FORMAT, g_variant_get_uint32(value));
                break;
        case G_VARIANT_CLASS_INT64:
                g_string_append_printf(json, "%" G_GINT64_FORMAT, g_variant_get_int64(value));
                break;
        case G_VARIANT_CLASS_UINT64:
                g_string_append_printf(json, "%" G_GUINT64_FORMAT, g_variant_get_uint64(value));
                break;
        case G_VARIANT_CLASS_DOUBLE:
                /* JSON has no NaN or infinity */
                if (isfinite(g_variant_get_double(value)))
                        g_string_append_printf(json, "%.17g", g_variant_get_double(value));
                else
                        g_string_append(json, "null");
                break;
        default:
                g_assert_not_reached();
        }
}

/* LastCheckSync: {"sender": …, "time": µs, "accepted": bool, "reason": …} */
static void append_json_check_sync(GString *json, GVariant *value) {
        const char *sender, *reason;
        guint64 time;
        gboolean accepted;

        g_variant_get(value, "(&stb&s)", &sender, &time, &accepted, &reason);
        g_string_append(json, "{\"sender\": ");
        append_json_string(json, sender);
        g_string_append_printf(json, ", \"time\": %" G_GUINT64_FORMAT ", \"accepted\": %s, \"reason\": ", time,
                               accepted ? "true" : "false");
        append_json_string(json, reason);
        g_string_append_c(json, '}');
}

/* Any value: GetStatus' keys, and keys newer than this provisionctl. */
static void append_json_value(GString *json, GVariant *value) {
        if (g_variant_is_of_type(value, G_VARIANT_TYPE("(stbs)"))) {
                append_json_check_sync(json, value);
                return;
        }
        if (g_variant_is_of_type(value, G_VARIANT_TYPE("(ss)"))) {
                /* LastError: an error name and its message */
                const char *name, *message;

                g_variant_get(value, "(&s&s)", &name, &message);
                g_string_append(json, "{\"name\": ");
                append_json_string(json, name);
                g_string_append(json, ", \"message\": ");
                append_json_string(json, message);
                g_string_append_c(json, '}');
                return;
        }
        switch (g_variant_classify(value)) {
        case G_VARIANT_CLASS_STRING:
        case G_VARIANT_CLASS_OBJECT_PATH:
        case G_VARIANT_CLASS_SIGNATURE:
                append_json_string(json, g_variant_get_string(value, NULL));
                break;
        case G_VARIANT_CLASS_BOOLEAN:
                g_string_append(json, g_variant_get_boolean(value) ? "true" : "false");
                break;
        case G_VARIANT_CLASS_VARIANT: {
                g_autoptr(GVariant) inner = g_variant_get_variant(value);

                append_json_value(json, inner);
                break;
        }
        case G_VARIANT_CLASS_ARRAY:
        case G_VARIANT_CLASS_TUPLE:
                append_json_children(json, value);
                break;
        case G_VARIANT_CLASS_MAYBE:      /* not a D-Bus type */
        case G_VARIANT_CLASS_DICT_ENTRY: /* only inside a dictionary */
                g_string_append(json, "null");
                break;
        default:
                append_json_number(json, value);
                break;
        }
}

static void print_status_json(const ProvStatus *status) {
        g_autoptr(GString) json = g_string_new("{");
        GVariantIter iter;
        const char *key;
        GVariant *value;
        gboolean first = TRUE;

        g_variant_iter_init(&iter, status->raw);
        while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
                g_string_append(json, first ? "\n  " : ",\n  ");
                append_json_string(json, key);
                g_string_append(json, ": ");
                append_json_value(json, value);
                first = FALSE;
        }
        g_string_append(json, "\n}\n");
        print_raw(json->str);
}

int command_status(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvStatus) status = prov_client_get_status(client, &error);

        if (status == NULL)
                return report_error(error);
        if (arg_json)
                print_status_json(status);
        else
                print_status_lines(status);
        return EXIT_OK;
}
