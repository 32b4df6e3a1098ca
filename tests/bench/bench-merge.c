/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Merge cost against list size. Merges a patch that replaces every element of
 * a keyed list (and of a keyless list) of N and 8N elements, and prints the
 * cost per element of the large run relative to the small one (bench-util.h).
 * Run by `meson benchmark`.
 */
#include <glib.h>

#include "bench-util.h"
#include "merge.h"
#include "test-util.h"

#define SMALL 2000

static xmlDoc *build_template(guint count, const char *value) {
        g_autoptr(GString) text = g_string_new("<templates><template name=\"t\"><parameters>");

        for (guint i = 0; i < count; i++)
                g_string_append_printf(text, "<parameter name=\"p%u\" value=\"%s\"/>", i, value);
        g_string_append(text, "</parameters></template></templates>");
        return parse_text(text->str);
}

static xmlDoc *build_allowlist(guint count, const char *host) {
        g_autoptr(GString) text = g_string_new("<provisioning><sip><allowlist>");

        for (guint i = 0; i < count; i++)
                g_string_append_printf(text, "<allowlistEntry>%s%u</allowlistEntry>", host, i);
        g_string_append(text, "</allowlist></sip></provisioning>");
        return parse_text(text->str);
}

typedef xmlDoc *(*BuildFunc)(guint count, const char *value);

/* Seconds to merge a patch of @count new elements into @count old ones. */
static double time_merge(BuildFunc build, guint count) {
        g_autoptr(xmlDoc) current = build(count, "old");
        g_autoptr(xmlDoc) patch = build(count, "new");
        g_autoptr(GTimer) timer = g_timer_new();

        merge_section(xmlDocGetRootElement(current), xmlDocGetRootElement(patch));
        return g_timer_elapsed(timer, NULL);
}

static double merge_keyed_list(guint count) {
        return time_merge(build_template, count);
}

static double merge_keyless_list(guint count) {
        return time_merge(build_allowlist, count);
}

int main(void) {
        gboolean linear = bench_report_linearity("keyed list", "element", SMALL, merge_keyed_list);

        linear = bench_report_linearity("keyless list", "element", SMALL, merge_keyless_list) && linear;
        return linear ? 0 : 1;
}
