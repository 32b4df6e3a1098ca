/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1 /* memmem() */
#include "xml-limits.h"

#include <string.h>

#include "provision-error.h"

/* The position just after @terminator at or after @from, or @end when there is none. */
static const char *skip_past(const char *from, const char *end, const char *terminator) {
        gsize length = strlen(terminator);
        const char *found = length == 1 ? memchr(from, terminator[0], end - from) :
                                          memmem(from, end - from, terminator, length);

        return found != NULL ? found + length : end;
}

static gboolean starts_with(const char *at, const char *end, const char *prefix) {
        gsize length = strlen(prefix);

        return (gsize) (end - at) >= length && memcmp(at, prefix, length) == 0;
}

/* Counts the '=' of the start tag at @tag up to its '>'; returns where the tag ends. A quoted
 * value is skipped whole with memchr(): values are most of a tag's bytes. */
static const char *count_attributes(const char *tag, const char *end, guint *count) {
        const char *at = tag;

        *count = 0;
        while (at < end) {
                const char *closing;
                switch (*at) {
                case '"':
                case '\'':
                        closing = memchr(at + 1, *at, end - at - 1);
                        if (closing == NULL)
                                return end;
                        at = closing + 1;
                        continue;
                case '=':
                        (*count)++;
                        break;
                case '>':
                        return at + 1;
                default:
                        break;
                }
                at++;
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
                /* By the byte after '<' first: most tags are start or end tags. */
                if (open + 1 < end && open[1] == '/')
                        at = skip_past(open + 2, end, ">");
                else if (starts_with(open, end, "<!--"))
                        at = skip_past(open + 4, end, "-->");
                else if (starts_with(open, end, "<![CDATA["))
                        at = skip_past(open + 9, end, "]]>");
                else if (starts_with(open, end, "<?"))
                        at = skip_past(open + 2, end, "?>");
                else if (starts_with(open, end, "<!"))
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
