/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl's JSON output: strings, GVariant values, and the objects several commands print. */
#include <math.h>

#include <glib.h>

#include "provisionctl.h"

void append_json_string(GString *json, const char *value) {
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
void append_json_value(GString *json, GVariant *value) {
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

/* [{"section": "telephony", "version": "1.8.9", "how": "merge"}, ...] of ProvSectionChange */
void append_json_section_changes(GString *json, GPtrArray *changes) {
        g_string_append_c(json, '[');
        for (guint i = 0; i < changes->len; i++) {
                const ProvSectionChange *change = g_ptr_array_index(changes, i);

                g_string_append(json, i > 0 ? ", {\"section\": " : "{\"section\": ");
                append_json_string(json, change->section);
                g_string_append(json, ", \"version\": ");
                append_json_string(json, change->version);
                g_string_append(json, ", \"how\": ");
                append_json_string(json, change->how);
                g_string_append_c(json, '}');
        }
        g_string_append_c(json, ']');
}

void append_json_strv(GString *json, const char *const *strings) {
        g_string_append_c(json, '[');
        for (size_t i = 0; strings != NULL && strings[i] != NULL; i++) {
                if (i > 0)
                        g_string_append(json, ", ");
                append_json_string(json, strings[i]);
        }
        g_string_append_c(json, ']');
}

/* {"name": "org...Error.X", "message": "..."} */
void append_json_error(GString *json, const char *name, const char *message) {
        g_string_append(json, "{\"name\": ");
        append_json_string(json, name);
        g_string_append(json, ", \"message\": ");
        append_json_string(json, message);
        g_string_append_c(json, '}');
}
