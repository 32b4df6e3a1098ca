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

gsize markers_length_at(const char *text, gsize length) {
        gsize token_length = 0;

        return marker_at(text, length, &token_length) != NULL ? token_length : 0;
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

#define URL_ELEMENT "URL"

static gboolean is_xml_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static gboolean is_name_char(char c) {
        return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || (guchar) c >= 0x80;
}

/* The end of the tag that starts at @at ('<'): the byte after its '>', quoted values skipped; NULL if none. */
static const char *tag_end(const char *at, const char *end) {
        char quote = '\0';

        for (const char *p = at + 1; p < end; p++) {
                if (quote != '\0') {
                        if (*p == quote)
                                quote = '\0';
                } else if (*p == '"' || *p == '\'') {
                        quote = *p;
                } else if (*p == '>') {
                        return p + 1;
                }
        }
        return NULL;
}

/* The element name of the tag at @at ("<name" or "</name"): start in @name, length returned (0: no tag). */
static gsize tag_name(const char *at, const char *end, const char **name) {
        const char *p = at + 1;

        if (p < end && *p == '/')
                p++;
        *name = p;
        while (p < end && is_name_char(*p))
                p++;
        if (p == *name || (p < end && !is_xml_space(*p) && *p != '>' && *p != '/'))
                return 0;
        return p - *name;
}

/* Whether the name [@name, +@length) is URL, with or without a namespace prefix. */
static gboolean is_url_name(const char *name, gsize length) {
        const char *colon = memchr(name, ':', length);
        const char *local = colon != NULL ? colon + 1 : name;
        gsize local_length = length - (local - name);

        return local_length == strlen(URL_ELEMENT) && memcmp(local, URL_ELEMENT, local_length) == 0;
}

/* The start tag of a <URL> with content at @at: the byte after its '>'; NULL if it is none. */
static const char *url_start_tag(const char *at, const char *end) {
        const char *name = NULL;
        gsize length;
        const char *after = NULL;

        if (at + 1 < end && at[1] == '/')
                return NULL; /* an end tag: about half of all tags, not worth reading its name */
        length = tag_name(at, end, &name);
        if (length == 0 || !is_url_name(name, length))
                return NULL;
        after = tag_end(at, end);
        if (after == NULL || after[-2] == '/')
                return NULL; /* unfinished, or <URL/> */
        return after;
}

/* The next end tag of <URL> from @at, or NULL. */
static const char *find_url_end_tag(const char *at, const char *end) {
        for (; at < end; at++) {
                const char *name = NULL;
                gsize length;

                if (*at != '<' || at + 1 >= end || at[1] != '/')
                        continue;
                length = tag_name(at, end, &name);
                if (length > 0 && is_url_name(name, length))
                        return at;
        }
        return NULL;
}

/* Appends [@start, @end) with each marker in its brace spelling (which a brace
 * spelling already is). */
static void append_escaped_tags(GString *out, const char *start, const char *end) {
        for (const char *at = start; at < end;) {
                gsize token_length = 0;
                const Marker *marker = marker_at(at, end - at, &token_length);
                if (marker == NULL) {
                        g_string_append_c(out, *at++);
                        continue;
                }
                g_string_append(out, marker->brace);
                at += token_length;
        }
}

char *markers_escape_in_url_elements(const char *text, gsize length, gsize *escaped_length) {
        const char *end = text + length;
        const char *copied = text;
        GString *out = g_string_sized_new(length);

        for (const char *at = memchr(text, '<', length); at != NULL; at = memchr(at, '<', end - at)) {
                const char *content = url_start_tag(at, end);
                const char *close = content != NULL ? find_url_end_tag(content, end) : NULL;
                if (close == NULL) {
                        at++;
                        continue;
                }
                g_string_append_len(out, copied, content - copied);
                append_escaped_tags(out, content, close);
                copied = at = close;
        }
        g_string_append_len(out, copied, end - copied);
        *escaped_length = out->len;
        return g_string_free(out, FALSE);
}

/* Whether an end tag of @marker's element follows @after: then it is an element, not a marker. */
static gboolean has_end_tag(const Marker *marker, const char *after, const char *end) {
        g_autofree char *end_tag = g_strconcat("</", marker->tag + 1, NULL);

        end_tag[strlen(end_tag) - 1] = '\0'; /* "</MACADR", the '>' may follow after blanks */
        return g_strstr_len(after, end - after, end_tag) != NULL;
}

static guint count_lines(const char *text, const char *at) {
        guint line = 1;

        for (const char *p = text; p < at; p++)
                if (*p == '\n')
                        line++;
        return line;
}

char *markers_describe_unescaped(const char *text, gsize length) {
        const char *end = text + length;
        g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func(g_free);

        for (const char *at = memchr(text, '<', length); at != NULL && at < end;
             at = memchr(at, '<', end - at)) {
                gsize token_length = 0;
                const Marker *marker = marker_at(at, end - at, &token_length);
                const char *name = NULL;
                gsize name_length;
                const char *after;

                if (marker != NULL && marker->tag[0] == '<' && token_length == strlen(marker->tag) &&
                    !has_end_tag(marker, at + token_length, end)) {
                        const char *element = open->len > 0 ? g_ptr_array_index(open, open->len - 1) : NULL;
                        return g_strdup_printf(
                                "line %u: unescaped marker %s in %s%s%s; write %s there (or "
                                "&lt;%.*s&gt;), only <URL> accepts it unescaped",
                                count_lines(text, at), marker->tag, element != NULL ? "<" : "",
                                element != NULL ? element : "the document", element != NULL ? ">" : "",
                                marker->brace, (int) strlen(marker->tag) - 2, marker->tag + 1);
                }
                if (at + 4 <= end && memcmp(at, "<!--", 4) == 0) {
                        after = g_strstr_len(at, end - at, "-->");
                        at = after != NULL ? after + 3 : end;
                        continue;
                }
                if (at + 9 <= end && memcmp(at, "<![CDATA[", 9) == 0) {
                        after = g_strstr_len(at, end - at, "]]>");
                        at = after != NULL ? after + 3 : end;
                        continue;
                }
                after = tag_end(at, end);
                name_length = tag_name(at, end, &name);
                if (after == NULL)
                        break;
                if (name_length > 0 && at[1] == '/' && open->len > 0)
                        g_ptr_array_remove_index(open, open->len - 1);
                else if (name_length > 0 && at[1] != '/' && after[-2] != '/')
                        g_ptr_array_add(open, g_strndup(name, name_length));
                at = after;
        }
        return NULL;
}
