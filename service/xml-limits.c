/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1 /* memmem() */
#include "xml-limits.h"

#include <string.h>

#include "provision-error.h"

/* The position just after @terminator at or after @from, or @end when there is none. */
static const char *skip_past(const char *from, const char *end, const char *terminator) {
        gsize length = strlen(terminator);
        const char *found = memmem(from, end - from, terminator, length);

        return found != NULL ? found + length : end;
}

static gboolean starts_with(const char *at, const char *end, const char *prefix) {
        gsize length = strlen(prefix);

        return (gsize) (end - at) >= length && memcmp(at, prefix, length) == 0;
}

/* Counts the '=' of the start tag at @tag up to its '>'; returns where the tag ends. */
static const char *count_attributes(const char *tag, const char *end, guint *count) {
        char quote = '\0';
        const char *at = tag;

        *count = 0;
        for (; at < end; at++) {
                if (quote != '\0') {
                        if (*at == quote)
                                quote = '\0';
                } else if (*at == '"' || *at == '\'') {
                        quote = *at;
                } else if (*at == '=') {
                        (*count)++;
                } else if (*at == '>') {
                        return at + 1;
                }
        }
        return end;
}

gboolean xml_limits_check_attributes(const char *data, gsize size, const char *what, GError **error) {
        const char *end = data + size;
        const char *at = data;

        while (at < end) {
                const char *open = memchr(at, '<', end - at);
                guint count;

                if (open == NULL)
                        break;
                if (starts_with(open, end, "<!--"))
                        at = skip_past(open + 4, end, "-->");
                else if (starts_with(open, end, "<![CDATA["))
                        at = skip_past(open + 9, end, "]]>");
                else if (starts_with(open, end, "<?"))
                        at = skip_past(open + 2, end, "?>");
                else if (starts_with(open, end, "<!") || starts_with(open, end, "</"))
                        at = skip_past(open + 2, end, ">");
                else {
                        at = count_attributes(open + 1, end, &count);
                        if (count > XML_LIMITS_MAX_ATTRIBUTES) {
                                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                                            "%s has an element with more than %u attributes", what,
                                            XML_LIMITS_MAX_ATTRIBUTES);
                                return FALSE;
                        }
                }
        }
        return TRUE;
}
