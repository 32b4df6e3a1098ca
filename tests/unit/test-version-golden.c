/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whole documents across releases: backups written by releases 1.10A and 2.0C
 * applied to the factory defaults give the checked-in current documents; a
 * 1.10A store is migrated once; the throw-away fixture release 2.4A (one
 * renamed setting, tests/data/versions/release-2.4A) works without C changes.
 *
 * PROVISIOND_REGENERATE_GOLDEN=1 rewrites the expected files instead of
 * comparing: review the result with git diff before committing it.
 */
#include <glib.h>

#include "migrate.h"
#include "provision.h"
#include "test-version-util.h"

#define VERSIONS_DATA "tests/data/versions/"

static SchemaSet *schemas;

static xmlDoc *apply_documents(const SchemaSet *set, xmlDoc *working, const char *const *paths) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;

        for (const char *const *path = paths; *path != NULL; path++) {
                g_autoptr(xmlDoc) patch = load_source_file(*path);
                g_assert_true(patch_apply(working, patch, set, result, &error));
                g_assert_no_error(error);
        }
        g_assert_true(working_copy_validate_touched(working, set, result, &error));
        g_assert_no_error(error);
        return working;
}

static void regenerate(xmlDoc *doc, const char *expected_path, const char *backup_path) {
        g_autofree char *path = source_path(expected_path);
        g_autofree char *comment = g_strdup_printf(
                " Expected result of %s applied to data/defaults.xml\n"
                "     (test-version-golden; written with PROVISIOND_REGENERATE_GOLDEN=1, reviewed by hand). ",
                backup_path);
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;
        xmlNode *node = doc->children;
        gsize length = 0;

        while (node != NULL) {
                xmlNode *next = node->next;
                if (node->type == XML_COMMENT_NODE) {
                        xmlUnlinkNode(node);
                        xmlFreeNode(node);
                }
                node = next;
        }
        xmlAddPrevSibling(xmlDocGetRootElement(doc), xmlNewDocComment(doc, (const xmlChar *)comment));
        text = xml_doc_to_string(doc, &length);
        g_file_set_contents(path, text, (gssize)length, &error);
        g_assert_no_error(error);
}

typedef struct {
        const char *name;
        const char *backup;
        const char *expected;
} GoldenCase;

static const GoldenCase golden_cases[] = {
        { "/versions/golden/backup-of-1.10A", VERSIONS_DATA "backup-1.10A.xml", VERSIONS_DATA "expected-from-1.10A.xml" },
        { "/versions/golden/backup-of-2.0C", VERSIONS_DATA "backup-2.0C.xml", VERSIONS_DATA "expected-from-2.0C.xml" },
};

/* Every section of the old backup is valid for the release it claims, so the fixture is honest. */
static void assert_valid_for_its_release(xmlDoc *backup) {
        for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(backup)); section != NULL;
             section = xml_next_element(section)) {
                g_autoptr(XmlString) version = xmlGetProp(section, (const xmlChar *)"version");
                g_autoptr(GError) error = NULL;
                schema_set_validate_section_as(schemas, section, (const char *)version, &error);
                g_assert_no_error(error);
        }
}

static void test_golden_case(gconstpointer data) {
        const GoldenCase *golden = data;
        const char *paths[] = { golden->backup, NULL };
        g_autoptr(xmlDoc) backup = load_source_file(golden->backup);
        g_autoptr(xmlDoc) working = apply_documents(schemas, load_source_file("data/defaults.xml"), paths);
        g_autoptr(xmlDoc) expected = NULL;

        assert_valid_for_its_release(backup);
        if (g_getenv("PROVISIOND_REGENERATE_GOLDEN") != NULL)
                regenerate(working, golden->expected, golden->backup);
        expected = load_source_file(golden->expected);
        /* Both ways round: every section, none missing, none extra. */
        assert_sections_equal(expected, working);
        assert_sections_equal(working, expected);
}

/* Applying the old backup again, or the migrated result, changes nothing. */
static void test_golden_is_idempotent(gconstpointer data) {
        const GoldenCase *golden = data;
        const char *paths[] = { golden->backup, golden->backup, golden->expected, NULL };
        g_autoptr(xmlDoc) expected = load_source_file(golden->expected);
        g_autoptr(xmlDoc) working = apply_documents(schemas, load_source_file("data/defaults.xml"), paths);

        assert_sections_equal(expected, working);
}

/* ---- the stored settings -------------------------------------------------------- */

static void test_store_of_1_10A_is_migrated(void) {
        g_autoptr(xmlDoc) store = load_source_file(VERSIONS_DATA "store-1.10A.xml");
        g_autoptr(xmlDoc) expected = load_source_file(VERSIONS_DATA "expected-from-1.10A.xml");
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        gboolean changed = migrate_store_document(store, schemas, warnings);

        g_assert_true(changed);
        g_assert_cmpuint(warnings->len, ==, 0);
        assert_sections_equal(expected, store);
        assert_sections_equal(store, expected);

        /* Once migrated, there is nothing left to do. */
        changed = migrate_store_document(store, schemas, warnings);
        g_assert_false(changed);
}

static void test_current_store_is_left_alone(void) {
        g_autoptr(xmlDoc) store = load_source_file("data/defaults.xml");
        g_autofree char *before = xml_doc_to_string(store, NULL);
        g_autofree char *after = NULL;
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        gboolean changed = migrate_store_document(store, schemas, warnings);

        g_assert_false(changed);
        after = xml_doc_to_string(store, NULL);
        g_assert_cmpstr(after, ==, before);
}

static void test_store_strips_what_no_step_handles(void) {
        g_autoptr(xmlDoc) store = parse_text("<configuration><time version=\"1.3.0\"/>"
                                             "<users version=\"1.4.2\"><user name=\"a\"><shell/></user></users>"
                                             "<telephony version=\"1.8.8\"><autoAnswer/><oldFeature/></telephony>"
                                             "<madeUp version=\"1.0.0\"><x/></madeUp></configuration>");
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *telephony = NULL;
        g_autofree char *users = NULL;

        g_assert_true(migrate_store_document(store, schemas, warnings));
        telephony = section_text(store, "telephony");
        g_assert_cmpstr(telephony, ==, "<telephony version=\"1.8.9\">\n  <autoAnswer>\n    <beep>true</beep>\n  "
                                       "</autoAnswer>\n</telephony>");
        g_assert_cmpuint(warnings->len, ==, 1);
        g_assert_cmpstr(g_ptr_array_index(warnings, 0), ==, "stripped unknown element /telephony/oldFeature");
        /* Sections at the current version are not touched, sections of no release are kept. */
        users = section_text(store, "users");
        g_assert_nonnull(strstr(users, "<shell/>"));
        g_assert_nonnull(document_find_section(store, "madeUp"));
}

/* After a downgrade: the newer section is kept as it is, the older ones are still migrated. */
static void test_newer_section_of_the_store_is_kept(void) {
        g_autoptr(xmlDoc) store = parse_text("<configuration><time version=\"1.4.0\"><future/></time>"
                                             "<update version=\"1.5.0\"><autoUpdate>true</autoUpdate></update>"
                                             "</configuration>");
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *time = NULL;
        g_autofree char *update = NULL;

        g_assert_true(migrate_store_document(store, schemas, warnings));
        time = section_text(store, "time");
        update = section_text(store, "update");
        g_assert_nonnull(strstr(time, "version=\"1.4.0\""));
        g_assert_nonnull(strstr(time, "<future/>"));
        g_assert_nonnull(strstr(update, "<autoInstall>true</autoInstall>"));
        g_assert_cmpuint(warnings->len, >=, 1);
        g_assert_nonnull(strstr(g_ptr_array_index(warnings, 0), "kept as it is"));
}

/* ---- the throw-away release 2.4A ------------------------------------------------- */

typedef struct {
        char *schemas_dir;
        SchemaSet *schemas;
} Release24Fixture;

static void release_2_4A_set_up(Release24Fixture *fixture, gconstpointer data) {
        fixture->schemas_dir = make_schemas_dir(VERSIONS_DATA "release-2.4A");
        fixture->schemas = load_schemas(fixture->schemas_dir);
}

static void release_2_4A_tear_down(Release24Fixture *fixture, gconstpointer data) {
        schema_set_free(fixture->schemas);
        remove_tree(fixture->schemas_dir);
        g_free(fixture->schemas_dir);
}

static void test_release_2_4A_is_current(Release24Fixture *fixture, gconstpointer data) {
        g_assert_cmpstr(schema_set_release(fixture->schemas), ==, "2.4A");
        g_assert_cmpstr(schema_set_section_version(fixture->schemas, "telephony"), ==, "1.9.0");
        g_assert_cmpstrv(schema_set_section_history(fixture->schemas, "telephony"),
                         ((const char *const[]){ "1.8.8", "1.8.9", "1.9.0", NULL }));
        /* The fixture lists the same sections as the real current release: it has not drifted. */
        g_assert_cmpstrv(schema_set_sections(fixture->schemas), schema_set_sections(schemas));
}

static void assert_telephony_renamed(xmlDoc *doc, const char *timeout) {
        g_autofree char *telephony = section_text(doc, "telephony");
        g_autofree char *leaf = g_strdup_printf("<interDigitTimeout>%s</interDigitTimeout>", timeout);

        g_assert_nonnull(strstr(telephony, "version=\"1.9.0\""));
        g_assert_nonnull(strstr(telephony, leaf));
        g_assert_null(strstr(telephony, "dialTimeout"));
}

static void test_release_2_4A_migrates_2_2A_files(Release24Fixture *fixture, gconstpointer data) {
        const char *paths[] = { "data/examples/backup.xml", NULL };
        g_autoptr(xmlDoc) working = apply_documents(fixture->schemas, load_source_file("data/defaults.xml"), paths);

        assert_telephony_renamed(working, "4");
}

static void test_release_2_4A_migrates_1_10A_files(Release24Fixture *fixture, gconstpointer data) {
        const char *paths[] = { VERSIONS_DATA "backup-1.10A.xml", NULL };
        g_autoptr(xmlDoc) working = apply_documents(fixture->schemas, load_source_file("data/defaults.xml"), paths);
        g_autofree char *telephony = section_text(working, "telephony");

        assert_telephony_renamed(working, "4");
        g_assert_nonnull(strstr(telephony, "<beep>true</beep>")); /* the 1.8.9 step ran first */
}

static void test_release_2_4A_migrates_a_2_2A_store(Release24Fixture *fixture, gconstpointer data) {
        g_autoptr(xmlDoc) store = load_source_file("data/defaults.xml");
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        gboolean changed = migrate_store_document(store, fixture->schemas, warnings);

        g_assert_true(changed);
        assert_telephony_renamed(store, "5");
        schema_set_validate_section(fixture->schemas, document_find_section(store, "telephony"), &error);
        g_assert_no_error(error);
}

/* Steps that do not start from the version before theirs are refused when loading. */
static void test_steps_must_lead_from_the_previous_version(void) {
        g_autofree char *schemas_dir = make_schemas_dir(VERSIONS_DATA "broken-chain");
        g_autoptr(GError) error = NULL;
        g_autoptr(SchemaSet) broken = schema_set_load(schemas_dir, &error);

        g_assert_null(broken);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_FAILED);
        g_assert_nonnull(strstr(error->message, "the steps lead from 1.8.7 to 1.8.9, but the version before 1.8.9 is 1.8.8"));
        remove_tree(schemas_dir);
}

int main(int argc, char *argv[]) {
        int result;

        g_test_init(&argc, &argv, NULL);
        schemas = load_source_schemas();

        for (gsize i = 0; i < G_N_ELEMENTS(golden_cases); i++) {
                g_autofree char *idempotent = g_strconcat(golden_cases[i].name, "/is-idempotent", NULL);
                g_test_add_data_func(golden_cases[i].name, &golden_cases[i], test_golden_case);
                g_test_add_data_func(idempotent, &golden_cases[i], test_golden_is_idempotent);
        }
        g_test_add_func("/versions/store/1.10A-is-migrated", test_store_of_1_10A_is_migrated);
        g_test_add_func("/versions/store/current-is-left-alone", test_current_store_is_left_alone);
        g_test_add_func("/versions/store/strips-what-no-step-handles", test_store_strips_what_no_step_handles);
        g_test_add_func("/versions/store/newer-section-is-kept", test_newer_section_of_the_store_is_kept);
        g_test_add("/versions/release-2.4A/is-current", Release24Fixture, NULL, release_2_4A_set_up,
                   test_release_2_4A_is_current, release_2_4A_tear_down);
        g_test_add("/versions/release-2.4A/migrates-2.2A-files", Release24Fixture, NULL, release_2_4A_set_up,
                   test_release_2_4A_migrates_2_2A_files, release_2_4A_tear_down);
        g_test_add("/versions/release-2.4A/migrates-1.10A-files", Release24Fixture, NULL, release_2_4A_set_up,
                   test_release_2_4A_migrates_1_10A_files, release_2_4A_tear_down);
        g_test_add("/versions/release-2.4A/migrates-a-2.2A-store", Release24Fixture, NULL, release_2_4A_set_up,
                   test_release_2_4A_migrates_a_2_2A_store, release_2_4A_tear_down);
        g_test_add_func("/versions/load/steps-must-lead-from-the-previous-version",
                        test_steps_must_lead_from_the_previous_version);
        result = g_test_run();
        schema_set_free(schemas);
        return result;
}
