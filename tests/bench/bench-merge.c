/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Merge cost against list size. Merges a patch that replaces every element of
 * a keyed list (and of a keyless list) of N and 8N elements, and prints the
 * cost per element of the large run relative to the small one: about 1.0 for
 * linear, about 8 for quadratic. Run by `meson benchmark`; never a pass/fail
 * timing, except that a ratio above 4 (clearly not linear) fails the benchmark.
 */
#include <glib.h>

#include "merge.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

#define SMALL 2000
#define FACTOR 8
#define ROUNDS 5

static xmlDoc *build_template(guint count, const char *value) {
        g_autoptr(GString) text = g_string_new("<templates><template name=\"t\"><parameters>");
        xmlDoc *doc;

        for (guint i = 0; i < count; i++)
                g_string_append_printf(text, "<parameter name=\"p%u\" value=\"%s\"/>", i, value);
        g_string_append(text, "</parameters></template></templates>");
        doc = xml_parse_untrusted(text->str, text->len, "bench", NULL);
        g_assert_nonnull(doc);
        return doc;
}

static xmlDoc *build_allowlist(guint count, const char *host) {
        g_autoptr(GString) text = g_string_new("<provisioning><sip><allowlist>");
        xmlDoc *doc;

        for (guint i = 0; i < count; i++)
                g_string_append_printf(text, "<allowlistEntry>%s%u</allowlistEntry>", host, i);
        g_string_append(text, "</allowlist></sip></provisioning>");
        doc = xml_parse_untrusted(text->str, text->len, "bench", NULL);
        g_assert_nonnull(doc);
        return doc;
}

typedef xmlDoc *(*BuildFunc)(guint count, const char *value);

/* Best of ROUNDS, in seconds per list element. */
static double seconds_per_element(BuildFunc build, guint count) {
        double best = G_MAXDOUBLE;

        for (int round = 0; round < ROUNDS; round++) {
                g_autoptr(xmlDoc) current = build(count, "old");
                g_autoptr(xmlDoc) patch = build(count, "new");
                g_autoptr(GTimer) timer = g_timer_new();

                merge_section(xmlDocGetRootElement(current), xmlDocGetRootElement(patch));
                best = MIN(best, g_timer_elapsed(timer, NULL) / count);
        }
        return best;
}

static gboolean report(const char *name, BuildFunc build) {
        double small = seconds_per_element(build, SMALL);
        double large = seconds_per_element(build, SMALL * FACTOR);
        double ratio = large / small;

        g_print("%-16s %6u elements: %.3f µs/element; %6u elements: %.3f µs/element; ratio %.2f (1 = linear, %d = quadratic)\n",
                name, SMALL, small * 1e6, SMALL * FACTOR, large * 1e6, ratio, FACTOR);
        return ratio < FACTOR / 2.0;
}

int main(void) {
        gboolean linear = report("keyed list", build_template);

        linear = report("keyless list", build_allowlist) && linear;
        return linear ? 0 : 1;
}
