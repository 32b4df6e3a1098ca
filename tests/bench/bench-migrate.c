/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Migration cost against section size. Runs a keys section of N and 8N keys
 * (1) through a step file using every step kind on every key and (2) through
 * migrate_section() without a version attribute (detection against every
 * keys XSD, then the real steps from 0.0.0), and prints the cost per key of
 * the large run relative to the small one: about 1.0 for linear, about 8 for
 * quadratic. Run by `meson test --benchmark`; never a pass/fail timing, except that
 * a ratio above 4 (clearly not linear) fails the benchmark.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "migrate.h"
#include "migration-steps.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

#define SMALL 1000
#define FACTOR 8
#define ROUNDS 5

/* Every step kind, each acting on every key. */
#define EVERY_KIND_STEPS                                                                    \
        "<migration section=\"keys\" from=\"1.0.0\" to=\"2.0.0\">"                           \
        "<renameAttribute path=\"*/key\" from=\"number\" to=\"keyNumber\"/>"                 \
        "<rename path=\"*/key/templateName\" to=\"template\"/>"                               \
        "<move path=\"*/key/mode\" to=\"settings\"/>"                                         \
        "<setDefault path=\"*/key/settings/beep\" value=\"true\"/>"                           \
        "<mapValue path=\"*/key/settings/mode\" from=\"old\" to=\"new\"/>"                    \
        "<remove path=\"*/key/legacy\"/>"                                                     \
        "</migration>"

static SchemaSet *schemas;
static MigrationSteps *every_kind;

static xmlDoc *build_keys(guint count) {
        g_autoptr(GString) text = g_string_new("<keys><phoneXtensions>");
        xmlDoc *doc;

        for (guint i = 0; i < count; i++)
                g_string_append_printf(text,
                                       "<key number=\"%u\" label=\"Key %u\"><templateName>line</templateName>"
                                       "<legacy/><mode>old</mode><parameters><parameter name=\"identity\" "
                                       "value=\"1\"/></parameters></key>",
                                       i + 1, i + 1);
        g_string_append(text, "</phoneXtensions></keys>");
        doc = xml_parse_untrusted(text->str, text->len, "bench", NULL);
        g_assert_nonnull(doc);
        return doc;
}

static void run_every_kind(xmlNode *section) {
        migration_steps_apply(every_kind, section);
}

static void run_detect_and_migrate(xmlNode *section) {
        g_assert_true(migrate_section(schemas, section, NULL));
}

typedef void (*MigrateFunc)(xmlNode *section);

/* Best of ROUNDS, in seconds per key. */
static double seconds_per_key(MigrateFunc migrate, guint count) {
        double best = G_MAXDOUBLE;

        for (int round = 0; round < ROUNDS; round++) {
                g_autoptr(xmlDoc) doc = build_keys(count);
                g_autoptr(GTimer) timer = g_timer_new();

                migrate(xmlDocGetRootElement(doc));
                best = MIN(best, g_timer_elapsed(timer, NULL) / count);
        }
        return best;
}

static gboolean report(const char *name, MigrateFunc migrate) {
        double small = seconds_per_key(migrate, SMALL);
        double large = seconds_per_key(migrate, SMALL * FACTOR);
        double ratio = large / small;

        g_print("%-20s %6u keys: %.3f µs/key; %6u keys: %.3f µs/key; ratio %.2f (1 = linear, %d = quadratic)\n",
                name, SMALL, small * 1e6, SMALL * FACTOR, large * 1e6, ratio, FACTOR);
        return ratio < FACTOR / 2.0;
}

static MigrationSteps *load_every_kind(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = NULL;
        int fd = g_file_open_tmp("bench-migrate-XXXXXX.xml", &path, &error);
        MigrationSteps *steps;

        g_assert_no_error(error);
        close(fd);
        g_file_set_contents(path, EVERY_KIND_STEPS, -1, &error);
        g_assert_no_error(error);
        steps = migration_steps_load(path, "keys", &error);
        g_assert_no_error(error);
        g_unlink(path);
        return steps;
}

int main(void) {
        g_autoptr(GError) error = NULL;
        gboolean linear;

        schemas = schema_set_load(SCHEMAS_DIR, &error);
        g_assert_no_error(error);
        every_kind = load_every_kind();

        linear = report("every step kind", run_every_kind);
        linear = report("detect and migrate", run_detect_and_migrate) && linear;
        migration_steps_free(every_kind);
        schema_set_free(schemas);
        return linear ? 0 : 1;
}
