/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "markers.h"

#include <stddef.h>
#include <string.h>

/* Each marker has a vendor spelling (not well-formed inside XML) and a brace
 * spelling; both stand for the same field of the device identity. */
typedef struct {
        const char *tag;
        const char *brace;
        gsize field; /* offset of the char * in DeviceIdentity */
} Marker;

static const Marker markers[] = {
        { "<MACADR>", "{mac}", offsetof(DeviceIdentity, mac) },
        { "<SERIAL>", "{serial}", offsetof(DeviceIdentity, serial) },
        { "<HWTYP>", "{type}", offsetof(DeviceIdentity, type) },
};

static gboolean starts_with(const char *data, gsize length, const char *token) {
        gsize token_length = strlen(token);

        return length >= token_length && memcmp(data, token, token_length) == 0;
}

static const char *device_field(const DeviceIdentity *device, const Marker *marker) {
        const char *value = G_STRUCT_MEMBER(const char *, device, marker->field);

        return value != NULL ? value : "";
}

/* The marker spelled at @data, with its length in @token_length; NULL if none. */
static const Marker *marker_at(const char *data, gsize length, gsize *token_length) {
        for (gsize i = 0; i < G_N_ELEMENTS(markers); i++) {
                const char *spellings[] = { markers[i].tag, markers[i].brace };
                for (gsize j = 0; j < G_N_ELEMENTS(spellings); j++) {
                        if (starts_with(data, length, spellings[j])) {
                                *token_length = strlen(spellings[j]);
                                return &markers[i];
                        }
                }
        }
        return NULL;
}

char *markers_replace(const char *url, const DeviceIdentity *device) {
        GString *replaced = g_string_sized_new(strlen(url));
        gsize length = strlen(url);

        /* One pass, so that a value is never itself searched for markers. */
        for (gsize position = 0; position < length;) {
                gsize token_length = 0;
                const Marker *marker = marker_at(url + position, length - position, &token_length);
                if (marker == NULL) {
                        g_string_append_c(replaced, url[position++]);
                        continue;
                }
                /* A serial number may hold characters with a meaning in URLs. */
                g_string_append_uri_escaped(replaced, device_field(device, marker), NULL, FALSE);
                position += token_length;
        }
        return g_string_free(replaced, FALSE);
}

static const char url_open[] = "<URL>";
static const char url_close[] = "</URL>";

static const char *find(const char *data, const char *end, const char *token) {
        gsize token_length = strlen(token);

        for (const char *at = data; at + token_length <= end; at++)
                if (memcmp(at, token, token_length) == 0)
                        return at;
        return NULL;
}

/* Appends [@start, @end) with each marker in its brace spelling (which a brace
 * spelling already is). */
static void append_escaped_tags(GByteArray *out, const char *start, const char *end) {
        for (const char *at = start; at < end;) {
                gsize token_length = 0;
                const Marker *marker = marker_at(at, end - at, &token_length);
                if (marker == NULL) {
                        g_byte_array_append(out, (const guint8 *)at++, 1);
                        continue;
                }
                g_byte_array_append(out, (const guint8 *)marker->brace, strlen(marker->brace));
                at += token_length;
        }
}

GBytes *markers_escape_in_url_elements(GBytes *data) {
        gsize length = 0;
        const char *copied = g_bytes_get_data(data, &length);
        const char *end;
        GByteArray *out;

        if (length == 0)
                return g_bytes_ref(data);
        end = copied + length;
        out = g_byte_array_sized_new(length);
        for (;;) {
                const char *open = find(copied, end, url_open);
                const char *content = open != NULL ? open + strlen(url_open) : NULL;
                const char *close = content != NULL ? find(content, end, url_close) : NULL;
                if (close == NULL)
                        break;
                g_byte_array_append(out, (const guint8 *)copied, content - copied);
                append_escaped_tags(out, content, close);
                copied = close;
        }
        g_byte_array_append(out, (const guint8 *)copied, end - copied);
        return g_byte_array_free_to_bytes(out);
}
