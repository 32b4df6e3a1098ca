/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "version.h"

/* One decimal component up to the next '.' (or the end); advances *text. */
static gboolean parse_component(const char **text, guint32 *value) {
        guint64 number = 0;
        const char *start = *text;

        while (g_ascii_isdigit(**text)) {
                number = number * 10 + (guint64)(**text - '0');
                if (number > G_MAXUINT32)
                        return FALSE;
                (*text)++;
        }
        if (*text == start)
                return FALSE;
        *value = (guint32)number;
        return TRUE;
}

gboolean version_parse(const char *text, Version *version) {
        Version parsed;

        if (text == NULL || !parse_component(&text, &parsed.major) || *text++ != '.' ||
            !parse_component(&text, &parsed.minor) || *text++ != '.' || !parse_component(&text, &parsed.micro) ||
            *text != '\0')
                return FALSE;
        *version = parsed;
        return TRUE;
}

static int compare_component(guint32 a, guint32 b) {
        return a < b ? -1 : a > b ? 1 : 0;
}

int version_compare(const Version *a, const Version *b) {
        int order = compare_component(a->major, b->major);

        if (order == 0)
                order = compare_component(a->minor, b->minor);
        if (order == 0)
                order = compare_component(a->micro, b->micro);
        return order;
}
