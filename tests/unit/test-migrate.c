/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Migration steps: each step kind on its own, step files that are refused,
 * migrating a section from its declared version, and that migrating is
 * idempotent and harmless on current settings.
 */
#include <glib.h>

#include "migrate.h"
#include "migration-steps.h"
#include "provision.h"
#include "test-version-util.h"

static SchemaSet *schemas;

/* Applies the steps in @steps_xml (the children of <migration>) to @section_xml; returns the result. */
static char *migrate_text(const char *steps_xml, const char *section_xml) {
        g_autofree char *file = g_strdup_printf("<migration section=\"s\" from=\"1.0.0\" to=\"1.1.0\">%s</migration>",
                                                steps_xml);
        g_autoptr(GError) error = NULL;
        g_autoptr(MigrationSteps) steps = load_steps_text(file, "s", &error);
        g_autoptr(xmlDoc) doc = parse_text(section_xml);

        g_assert_no_error(error);
        migration_steps_apply(steps, xmlDocGetRootElement(doc), MIGRATION_WHOLE);
        return xml_node_to_string(xmlDocGetRootElement(doc));
}

/* Serializes @xml the way migrate_text() does, so that results compare as strings. */
static char *normalized(const char *xml) {
        g_autoptr(xmlDoc) doc = parse_text(xml);

        return xml_node_to_string(xmlDocGetRootElement(doc));
}

typedef struct {
        const char *name;
        const char *steps;
        const char *section;
        const char *expected;
} StepCase;

/* One rule per case, named after it. */
static const StepCase step_cases[] = {
        { "/migrate/rename/renames-every-match",
          "<rename path=\"sip/whitelist/whitelistEntry\" to=\"allowlistEntry\"/>",
          "<s><sip><whitelist><whitelistEntry>a</whitelistEntry><whitelistEntry>b</whitelistEntry></whitelist></sip></s>",
          "<s><sip><whitelist><allowlistEntry>a</allowlistEntry><allowlistEntry>b</allowlistEntry></whitelist></sip></s>" },
        { "/migrate/rename/wildcard-matches-any-parent",
          "<rename path=\"*/key\" to=\"button\"/>",
          "<s><a><key/></a><b><key/><other/></b><key/></s>",
          "<s><a><button/></a><b><button/><other/></b><key/></s>" },
        { "/migrate/rename/no-match-changes-nothing",
          "<rename path=\"sip/whitelist\" to=\"allowlist\"/>",
          "<s><sip><allowlist/></sip></s>",
          "<s><sip><allowlist/></sip></s>" },
        { "/migrate/move/creates-the-destination",
          "<move path=\"useRandomDelay\" to=\"execution\"/>",
          "<s><useRandomDelay>true</useRandomDelay><url/></s>",
          "<s><url/><execution><useRandomDelay>true</useRandomDelay></execution></s>" },
        { "/migrate/move/appends-to-an-existing-destination",
          "<move path=\"useRandomDelay\" to=\"execution\"/>",
          "<s><execution><time>3:00</time></execution><useRandomDelay>false</useRandomDelay></s>",
          "<s><execution><time>3:00</time><useRandomDelay>false</useRandomDelay></execution></s>" },
        { "/migrate/move/keeps-the-order-of-moved-siblings",
          "<move path=\"entry\" to=\"list/inner\"/>",
          "<s><entry>1</entry><x/><entry>2</entry><entry>3</entry></s>",
          "<s><x/><list><inner><entry>1</entry><entry>2</entry><entry>3</entry></inner></list></s>" },
        { "/migrate/move/destination-is-relative-to-each-parent",
          "<move path=\"identity/stun\" to=\"nat\"/>",
          "<s><identity><stun>a</stun></identity><identity/><identity><stun>c</stun></identity></s>",
          "<s><identity><nat><stun>a</stun></nat></identity><identity/><identity><nat><stun>c</stun></nat></identity></s>" },
        { "/migrate/move/never-into-itself",
          "<move path=\"a\" to=\"a/b\"/>",
          "<s><a>1</a></s>",
          "<s><a>1<b/></a></s>" },
        { "/migrate/set-default/adds-a-missing-element",
          "<setDefault path=\"execution/minimalRandomDelay\" value=\"60\"/>",
          "<s><execution><time>3:00</time></execution></s>",
          "<s><execution><time>3:00</time><minimalRandomDelay>60</minimalRandomDelay></execution></s>" },
        { "/migrate/set-default/keeps-an-existing-element",
          "<setDefault path=\"execution/minimalRandomDelay\" value=\"60\"/>",
          "<s><execution><minimalRandomDelay>120</minimalRandomDelay></execution></s>",
          "<s><execution><minimalRandomDelay>120</minimalRandomDelay></execution></s>" },
        { "/migrate/set-default/never-creates-the-parent",
          "<setDefault path=\"execution/minimalRandomDelay\" value=\"60\"/>",
          "<s><url/></s>",
          "<s><url/></s>" },
        { "/migrate/set-default/applies-to-every-parent",
          "<setDefault path=\"*/beep\" value=\"true\"/>",
          "<s><a/><b><beep>false</beep></b></s>",
          "<s><a><beep>true</beep></a><b><beep>false</beep></b></s>" },
        { "/migrate/set-default/empty-value-is-an-empty-element",
          "<setDefault path=\"username\" value=\"\"/>",
          "<s/>",
          "<s><username/></s>" },
        { "/migrate/set-default/value-is-text-not-markup",
          "<setDefault path=\"label\" value=\"a &amp; &lt;b&gt;\"/>",
          "<s/>",
          "<s><label>a &amp; &lt;b&gt;</label></s>" },
        { "/migrate/remove/removes-every-match-with-its-content",
          "<remove path=\"*/legacy\"/>",
          "<s><a><legacy><deep>1</deep></legacy><keep/></a><b><legacy/></b><legacy/></s>",
          "<s><a><keep/></a><b/><legacy/></s>" },
        { "/migrate/map-value/maps-a-matching-leaf",
          "<mapValue path=\"identity/dtmfMethod\" from=\"rfc2833\" to=\"rtpPayload\"/>",
          "<s><identity><dtmfMethod> rfc2833 </dtmfMethod></identity><identity><dtmfMethod>inband</dtmfMethod></identity></s>",
          "<s><identity><dtmfMethod>rtpPayload</dtmfMethod></identity><identity><dtmfMethod>inband</dtmfMethod></identity></s>" },
        { "/migrate/map-value/leaves-containers-alone",
          "<mapValue path=\"a\" from=\"x\" to=\"y\"/>",
          "<s><a>x<b/></a></s>",
          "<s><a>x<b/></a></s>" },
        { "/migrate/rename-attribute/renames-in-place",
          "<renameAttribute path=\"*/key\" from=\"number\" to=\"keyNumber\"/>",
          "<s><m1><key number=\"1\" label=\"a\"/></m1><m2><key label=\"b\" number=\"2\"/></m2></s>",
          "<s><m1><key keyNumber=\"1\" label=\"a\"/></m1><m2><key label=\"b\" keyNumber=\"2\"/></m2></s>" },
        { "/migrate/rename-attribute/existing-new-name-wins",
          "<renameAttribute path=\"key\" from=\"number\" to=\"keyNumber\"/>",
          "<s><key number=\"1\" keyNumber=\"7\"/><key/></s>",
          "<s><key keyNumber=\"7\"/><key/></s>" },
        { "/migrate/steps/run-in-file-order",
          "<move path=\"dnsServer1\" to=\"dns\"/><rename path=\"dns/dnsServer1\" to=\"primary\"/>",
          "<s><dnsServer1>192.0.2.53</dnsServer1></s>",
          "<s><dns><primary>192.0.2.53</primary></dns></s>" },
};

static void test_step_case(gconstpointer data) {
        const StepCase *step_case = data;
        g_autofree char *actual = migrate_text(step_case->steps, step_case->section);
        g_autofree char *expected = normalized(step_case->expected);

        g_assert_cmpstr(actual, ==, expected);
}

typedef struct {
        const char *name;
        const char *file;
        const char *reason; /* part of the error message */
} RefusedCase;

static const RefusedCase refused_cases[] = {
        { "/migrate/load/refuses-an-unknown-step",
          "<migration section=\"s\" from=\"1.0.0\" to=\"1.1.0\"><renameElement path=\"a\" to=\"b\"/></migration>",
          "unknown step (known: rename, move, setDefault, remove, mapValue, renameAttribute)" },
        { "/migrate/load/refuses-a-missing-argument",
          "<migration section=\"s\" from=\"1.0.0\" to=\"1.1.0\"><rename path=\"a\"/></migration>",
          "attribute 'to' is missing or malformed" },
        { "/migrate/load/refuses-an-unknown-attribute",
          "<migration section=\"s\" from=\"1.0.0\" to=\"1.1.0\"><setDefault path=\"a\" vaule=\"1\"/></migration>",
          "unknown attribute 'vaule'" },
        { "/migrate/load/refuses-a-path-with-empty-segments",
          "<migration section=\"s\" from=\"1.0.0\" to=\"1.1.0\"><remove path=\"a//b\"/></migration>",
          "'path' must be element names" },
        { "/migrate/load/refuses-an-xpath",
          "<migration section=\"s\" from=\"1.0.0\" to=\"1.1.0\"><remove path=\"/s/a[1]\"/></migration>",
          "'path' must be element names" },
        { "/migrate/load/refuses-a-rename-to-a-path",
          "<migration section=\"s\" from=\"1.0.0\" to=\"1.1.0\"><rename path=\"a\" to=\"b/c\"/></migration>",
          "attribute 'to' is missing or malformed" },
        { "/migrate/load/refuses-a-default-for-any-name",
          "<migration section=\"s\" from=\"1.0.0\" to=\"1.1.0\"><setDefault path=\"a/*\" value=\"1\"/></migration>",
          "the last element of 'path' must be a name" },
        { "/migrate/load/refuses-another-section",
          "<migration section=\"t\" from=\"1.0.0\" to=\"1.1.0\"/>",
          "attribute 'section' must be 's'" },
        { "/migrate/load/refuses-a-malformed-version",
          "<migration section=\"s\" from=\"1.0\" to=\"1.1.0\"/>",
          "attribute 'from' must be a version x.y.z" },
        { "/migrate/load/refuses-another-root",
          "<migrations section=\"s\" from=\"1.0.0\" to=\"1.1.0\"/>",
          "expected the root element <migration>" },
};

static void test_refused_case(gconstpointer data) {
        const RefusedCase *refused = data;
        g_autoptr(GError) error = NULL;
        g_autoptr(MigrationSteps) steps = load_steps_text(refused->file, "s", &error);

        g_assert_null(steps);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_FAILED);
        if (strstr(error->message, refused->reason) == NULL)
                g_error("message \"%s\" lacks \"%s\"", error->message, refused->reason);
        /* The message names the line, for the engineer who wrote the file. */
        g_assert_nonnull(strstr(error->message, ":1: <"));
}

/* A patch to merge gets no defaults: what it leaves out stays as stored. */
static void test_set_default_skipped_for_a_partial_patch(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(MigrationSteps) steps = load_steps_text(
                "<migration section=\"s\" from=\"1.0.0\" to=\"1.1.0\">"
                "<setDefault path=\"execution/minimalRandomDelay\" value=\"60\"/>"
                "<rename path=\"old\" to=\"new\"/></migration>",
                "s", &error);
        g_autoptr(xmlDoc) doc = parse_text("<s><execution/><old>1</old></s>");
        g_autofree char *migrated = NULL;

        g_assert_no_error(error);
        migration_steps_apply(steps, xmlDocGetRootElement(doc), MIGRATION_PARTIAL);
        migrated = xml_node_to_string(xmlDocGetRootElement(doc));
        g_assert_null(strstr(migrated, "minimalRandomDelay"));
        g_assert_nonnull(strstr(migrated, "<new>1</new>"));
}

/* ---- migrating a section from its declared version -------------------------------- */

static char *migrated_section(const char *section_xml, GError **error) {
        g_autoptr(xmlDoc) doc = parse_text(section_xml);

        if (!migrate_section(schemas, xmlDocGetRootElement(doc), MIGRATION_WHOLE, error))
                return NULL;
        return xml_node_to_string(xmlDocGetRootElement(doc));
}

/* Migrating @section_xml from its declared version succeeds and gives @expected_xml. */
static void assert_migrates_to(const char *section_xml, const char *expected_xml) {
        g_autoptr(GError) error = NULL;
        g_autofree char *actual = migrated_section(section_xml, &error);
        g_autofree char *expected = normalized(expected_xml);

        g_assert_no_error(error);
        g_assert_cmpstr(actual, ==, expected);
}

static void test_declared_version_is_migrated(void) {
        assert_migrates_to(
                "<provisioning version=\"1.22.0\"><sip><whitelist><whitelistEntry>pbx</whitelistEntry></whitelist>"
                "</sip><useRandomDelay>true</useRandomDelay><tftpFallback>true</tftpFallback></provisioning>",
                "<provisioning version=\"1.34.0\"><sip><allowlist><allowlistEntry>pbx</allowlistEntry></allowlist>"
                "</sip><execution><useRandomDelay>true</useRandomDelay></execution></provisioning>");
}

static void test_only_newer_steps_apply(void) {
        /* 1.26.11 already has the range: the 1.22.0 -> 1.26.11 defaults must not be added again. */
        assert_migrates_to(
                "<provisioning version=\"1.26.11\"><execution><time>1:00</time></execution>"
                "<sip><whitelist/></sip></provisioning>",
                "<provisioning version=\"1.34.0\"><execution><time>1:00</time></execution>"
                "<sip><allowlist/></sip></provisioning>");
}

/* Older than every known version (0.0.0, or a firmware before 1.10A): every step applies. */
static void test_version_older_than_history_applies_every_step(void) {
        const char *versions[] = { "0.0.0", "1.2.0", "1.14.1" };

        for (gsize i = 0; i < G_N_ELEMENTS(versions); i++) {
                g_autoptr(GError) error = NULL;
                g_autofree char *section = g_strdup_printf(
                        "<keys version=\"%s\"><phoneXtensions><key number=\"1\"/></phoneXtensions></keys>", versions[i]);
                g_autofree char *actual = migrated_section(section, &error);

                g_assert_no_error(error);
                g_assert_nonnull(strstr(actual, "<key keyNumber=\"1\"/>"));
                g_assert_nonnull(strstr(actual, "version=\"1.21.0\""));
        }
}

typedef struct {
        const char *name;
        const char *section;
        const char *message;
} UnsupportedCase;

static const UnsupportedCase unsupported_cases[] = {
        { "/migrate/version/newer-than-current-is-refused", "<keys version=\"9.0.0\"/>",
          "section 'keys' has version 9.0.0, newer than this firmware's 1.21.0 (release 2.2A knows 1.14.2, 1.21.0)" },
        { "/migrate/version/unknown-version-is-refused", "<keys version=\"1.17.0\"/>",
          "section 'keys' has version 1.17.0, which no release of this firmware pins (release 2.2A knows 1.14.2, "
          "1.21.0)" },
        { "/migrate/version/malformed-version-is-refused", "<keys version=\"1.21\"/>",
          "section 'keys' has version 1.21, which is not a version x.y.z" },
};

static void test_unsupported_case(gconstpointer data) {
        const UnsupportedCase *unsupported = data;
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) doc = parse_text(unsupported->section);
        g_autofree char *before = xml_node_to_string(xmlDocGetRootElement(doc));
        g_autofree char *after = NULL;

        g_assert_false(migrate_section(schemas, xmlDocGetRootElement(doc), MIGRATION_WHOLE, &error));
        g_assert_error(error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_VERSION);
        if (!g_str_has_prefix(error->message, unsupported->message))
                g_error("message \"%s\" does not start with \"%s\"", error->message, unsupported->message);
        after = xml_node_to_string(xmlDocGetRootElement(doc));
        g_assert_cmpstr(after, ==, before);
}

/* A newer section anywhere in the document refuses all of it, before anything is applied. */
static void test_newer_section_refuses_the_document(void) {
        g_autoptr(xmlDoc) working = load_source_file("data/defaults.xml");
        g_autoptr(xmlDoc) patch = parse_text("<configuration><time version=\"1.3.0\"><useNtp>false</useNtp></time>"
                                             "<users version=\"2.0.0\"/></configuration>");
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autofree char *before = xml_doc_to_string(working, NULL);
        g_autofree char *after = NULL;

        g_assert_false(patch_apply(working, patch, schemas, result, &error));
        g_assert_error(error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_VERSION);
        after = xml_doc_to_string(working, NULL);
        g_assert_cmpstr(after, ==, before);
}

/* ---- idempotence ------------------------------------------------------------------ */

/* Sections without a version that no former XSD accepts go through every step
 * from 0.0.0, so every step must leave current settings alone. */
static void test_steps_leave_current_settings_alone(void) {
        const char *documents[] = { "data/defaults.xml", "data/examples/backup.xml" };

        for (gsize d = 0; d < G_N_ELEMENTS(documents); d++) {
                g_autoptr(xmlDoc) doc = load_source_file(documents[d]);
                for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(doc)); section != NULL;
                     section = xml_next_element(section)) {
                        g_autofree char *before = xml_node_to_string(section);
                        g_autofree char *after = NULL;
                        schema_set_migrate_section(schemas, section, &VERSION_OLDEST, MIGRATION_WHOLE);
                        after = xml_node_to_string(section);
                        g_assert_cmpstr(after, ==, before);
                }
        }
}

/* A migrated section, migrated again (with or without its new version attribute), stays the same. */
static void test_migrating_is_idempotent(void) {
        const char *backups[] = { "tests/data/versions/backup-1.10A.xml", "tests/data/versions/backup-2.0C.xml" };

        for (gsize b = 0; b < G_N_ELEMENTS(backups); b++) {
                g_autoptr(xmlDoc) doc = load_source_file(backups[b]);
                for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(doc)); section != NULL;
                     section = xml_next_element(section)) {
                        g_autoptr(GError) error = NULL;
                        g_autofree char *once = NULL;
                        g_autofree char *twice = NULL;
                        g_autofree char *without_version = NULL;

                        g_assert_true(migrate_section(schemas, section, MIGRATION_WHOLE, &error));
                        once = xml_node_to_string(section);
                        g_assert_true(migrate_section(schemas, section, MIGRATION_WHOLE, &error));
                        twice = xml_node_to_string(section);
                        g_assert_cmpstr(twice, ==, once);
                        xmlUnsetProp(section, (const xmlChar *)"version");
                        g_assert_true(migrate_section(schemas, section, MIGRATION_WHOLE, &error));
                        g_assert_no_error(error);
                        without_version = xml_node_to_string(section);
                        g_assert_cmpstr(without_version, ==, once);
                }
        }
}

int main(int argc, char *argv[]) {
        int result;

        g_test_init(&argc, &argv, NULL);
        schemas = load_source_schemas();

        for (gsize i = 0; i < G_N_ELEMENTS(step_cases); i++)
                g_test_add_data_func(step_cases[i].name, &step_cases[i], test_step_case);
        for (gsize i = 0; i < G_N_ELEMENTS(refused_cases); i++)
                g_test_add_data_func(refused_cases[i].name, &refused_cases[i], test_refused_case);
        for (gsize i = 0; i < G_N_ELEMENTS(unsupported_cases); i++)
                g_test_add_data_func(unsupported_cases[i].name, &unsupported_cases[i], test_unsupported_case);
        g_test_add_func("/migrate/version/declared-version-is-migrated", test_declared_version_is_migrated);
        g_test_add_func("/migrate/version/only-newer-steps-apply", test_only_newer_steps_apply);
        g_test_add_func("/migrate/version/older-than-history-applies-every-step",
                        test_version_older_than_history_applies_every_step);
        g_test_add_func("/migrate/version/newer-section-refuses-the-document", test_newer_section_refuses_the_document);
        g_test_add_func("/migrate/steps-leave-current-settings-alone", test_steps_leave_current_settings_alone);
        g_test_add_func("/migrate/migrating-is-idempotent", test_migrating_is_idempotent);
        g_test_add_func("/migrate/set-default/skipped-for-a-partial-patch", test_set_default_skipped_for_a_partial_patch);
        result = g_test_run();
        schema_set_free(schemas);
        return result;
}
