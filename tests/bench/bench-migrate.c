/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Migration cost against section size. Runs a keys section of N and 8N keys
 * (1) through a step file using every step kind on every key and (2) through
 * migrate_section() without a version attribute (detection against every
 * keys XSD, then the real steps from 0.0.0), and prints the cost per key of
 * the large run relative to the small one (bench-util.h). Run by
 * `meson test --benchmark`.
 */
#include <glib.h>

#include "bench-util.h"
#include "migrate.h"
#include "migration-steps.h"
#include "test-util.h"

#define SMALL 1000

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

        for (guint i = 0; i < count; i++)
                g_string_append_printf(text,
                                       "<key number=\"%u\" label=\"Key %u\"><templateName>line</templateName>"
                                       "<legacy/><mode>old</mode><parameters><parameter name=\"identity\" "
                                       "value=\"1\"/></parameters></key>",
                                       i + 1, i + 1);
        g_string_append(text, "</phoneXtensions></keys>");
        return parse_text(text->str);
}

static double time_every_step_kind(guint count) {
        g_autoptr(xmlDoc) doc = build_keys(count);
        g_autoptr(GTimer) timer = g_timer_new();

        migration_steps_apply(every_kind, xmlDocGetRootElement(doc), MIGRATION_WHOLE);
        return g_timer_elapsed(timer, NULL);
}

static double time_detect_and_migrate(guint count) {
        g_autoptr(xmlDoc) doc = build_keys(count);
        g_autoptr(GTimer) timer = g_timer_new();

        g_assert_true(migrate_section(schemas, xmlDocGetRootElement(doc), MIGRATION_WHOLE, NULL));
        return g_timer_elapsed(timer, NULL);
}

int main(void) {
        g_autoptr(GError) error = NULL;
        gboolean linear;

        schemas = load_source_schemas();
        every_kind = load_steps_text(EVERY_KIND_STEPS, "keys", &error);
        g_assert_no_error(error);

        linear = bench_report_linearity("every step kind", "key", SMALL, time_every_step_kind);
        linear = bench_report_linearity("detect and migrate", "key", SMALL, time_detect_and_migrate) && linear;
        migration_steps_free(every_kind);
        schema_set_free(schemas);
        return linear ? 0 : 1;
}
