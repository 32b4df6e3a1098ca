/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Patch documents against the real schemas and factory defaults: modes, roots, stripping, validation. */
#include <glib.h>

#include "document.h"
#include "patch.h"
#include "provision.h"
#include "schema.h"
#include "test-util.h"
#include "working-copy.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

static SchemaSet *schemas;

/* Applies @patch_text to the factory defaults; returns the working copy and the result. */
static xmlDoc *apply_to_defaults(const char *patch_text, ApplyResult *result, GError **error) {
        g_autoptr(xmlDoc) working = load_source_file("data/defaults.xml");
        g_autoptr(xmlDoc) patch = parse_text(patch_text);

        if (!patch_apply(working, patch, schemas, result, error) ||
            !working_copy_validate_touched(working, schemas, result, error))
                return NULL;
        return g_steal_pointer(&working);
}

static void test_factory_defaults_are_valid(void) {
        const char *documents[] = { "data/defaults.xml", "data/examples/backup.xml" };

        for (gsize d = 0; d < G_N_ELEMENTS(documents); d++) {
                g_autoptr(xmlDoc) doc = load_source_file(documents[d]);
                for (const char *const *name = schema_set_sections(schemas); *name != NULL; name++) {
                        g_autoptr(GError) error = NULL;
                        xmlNode *section = document_find_section(doc, *name);
                        g_assert_nonnull(section);
                        schema_set_validate_section(schemas, section, &error);
                        g_assert_no_error(error);
                }
        }
}

static void test_patch_default_merges(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<configuration><telephony><callWaiting><active>false</active></callWaiting></telephony></configuration>",
                result, &error);

        g_assert_no_error(error);
        assert_leaf(working, "/configuration/telephony/callWaiting/active", "false");
        /* Siblings of the patched leaf survive a merge. */
        g_assert_cmpuint(count_nodes(working, "/configuration/telephony/callForwarding"), ==, 1);
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "telephony"), ==, "merge");
}

static void test_patch_default_false_replaces(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<configuration patchDefault=\"false\"><telephony><callWaiting><active>false</active></callWaiting>"
                "</telephony></configuration>",
                result, &error);

        g_assert_no_error(error);
        g_assert_cmpuint(count_nodes(working, "/configuration/telephony/*"), ==, 1);
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "telephony"), ==, "replace");
}

static void test_section_patch_overrides_default(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<configuration patchDefault=\"false\">"
                "<telephony patch=\"true\"><callWaiting><active>false</active></callWaiting></telephony>"
                "<time><timezone>Europe/Berlin</timezone></time></configuration>",
                result, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "telephony"), ==, "merge");
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "time"), ==, "replace");
        g_assert_cmpuint(count_nodes(working, "/configuration/time/*"), ==, 1);
        /* The patch attribute is not stored. */
        g_assert_cmpuint(count_nodes(working, "//@patch"), ==, 0);
}

static void test_section_patch_false_replaces(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<configuration><telephony patch=\"false\"><callWaiting><active>false</active></callWaiting>"
                "</telephony></configuration>",
                result, &error);

        g_assert_no_error(error);
        g_assert_cmpuint(count_nodes(working, "/configuration/telephony/*"), ==, 1);
}

static void test_bare_section_root(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<telephony><callWaiting><tone>false</tone></callWaiting></telephony>", result, &error);

        g_assert_no_error(error);
        assert_leaf(working, "/configuration/telephony/callWaiting/tone", "false");
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "telephony"), ==, "merge");
}

static void test_version_set_to_current(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<telephony version=\"1.0.0\"><callWaiting><tone>false</tone></callWaiting></telephony>", result,
                &error);

        g_assert_no_error(error);
        g_assert_cmpuint(count_nodes(working, "/configuration/telephony[@version='1.0.0']"), ==, 0);
        assert_leaf(working, "/configuration/telephony/@version", schema_set_section_version(schemas, "telephony"));
}

static void test_strip_unknown_reported(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<configuration><telephony><callWaiting><fooBar>1</fooBar><active>false</active></callWaiting>"
                "</telephony><madeUpSection/></configuration>",
                result, &error);

        g_assert_no_error(error);
        g_assert_cmpuint(count_nodes(working, "//fooBar"), ==, 0);
        g_assert_cmpuint(count_nodes(working, "//madeUpSection"), ==, 0);
        assert_leaf(working, "/configuration/telephony/callWaiting/active", "false");
        g_assert_cmpuint(result->warnings->len, ==, 2);
        g_assert_cmpstr(g_ptr_array_index(result->warnings, 0), ==, "stripped unknown section /madeUpSection");
        g_assert_cmpstr(g_ptr_array_index(result->warnings, 1), ==,
                        "stripped unknown element /telephony/callWaiting/fooBar");
}

static void test_strip_unknown_attribute(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<users><user name=\"admin\" colour=\"red\"><role>admin</role></user></users>", result, &error);

        g_assert_no_error(error);
        g_assert_cmpuint(count_nodes(working, "//@colour"), ==, 0);
        g_assert_cmpuint(result->warnings->len, ==, 1);
}

/* A versionless partial patch that no former schema accepts (here: a vendor extension) is
 * migrated from 0.0.0; defaults of the migration must not overwrite what it leaves out. */
static void test_partial_patch_keeps_settings_it_leaves_out(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = load_source_file("data/defaults.xml");
        g_autoptr(xmlDoc) tuned = parse_text("<provisioning version=\"1.34.0\"><execution>"
                                             "<useRandomDelay>false</useRandomDelay>"
                                             "<minimalRandomDelay>120</minimalRandomDelay></execution></provisioning>");
        g_autoptr(xmlDoc) partial = parse_text("<provisioning><execution><time>4:00</time></execution>"
                                               "<vendorExtension>1</vendorExtension></provisioning>");

        g_assert_true(patch_apply(working, tuned, schemas, result, &error));
        g_assert_true(patch_apply(working, partial, schemas, result, &error));
        g_assert_no_error(error);
        assert_leaf(working, "/configuration/provisioning/execution/time", "4:00");
        assert_leaf(working, "/configuration/provisioning/execution/useRandomDelay", "false");
        assert_leaf(working, "/configuration/provisioning/execution/minimalRandomDelay", "120");
}

static void test_invalid_section_refused(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<identities><identity><registrarPort>70000</registrarPort></identity></identities>", result, &error);

        g_assert_null(working);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_VALIDATION);
        g_assert_nonnull(strstr(error->message, "'identities'"));
        g_assert_nonnull(strstr(error->message, "registrarPort"));
}

static void test_invalid_password_not_repeated(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<users><user name=\"admin\"><password>plain-Secret1</password></user></users>", result, &error);

        g_assert_null(working);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_VALIDATION);
        g_assert_nonnull(strstr(error->message, "password"));
        g_assert_null(strstr(error->message, "plain-Secret1"));
}

static void test_patch_attribute_must_be_boolean(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) working = apply_to_defaults("<configuration patchDefault=\"maybe\"/>", result, &error);

        g_assert_null(working);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
}

static void test_unchanged_section_not_reported(void) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) before = load_source_file("data/defaults.xml");
        g_autoptr(xmlDoc) working = apply_to_defaults(
                "<configuration><telephony><callWaiting><tone>false</tone></callWaiting></telephony>"
                "<keys/></configuration>",
                result, &error);
        g_autoptr(GPtrArray) changes = NULL;

        g_assert_no_error(error);
        changes = working_copy_changed_sections(before, working, result);
        g_assert_cmpuint(g_hash_table_size(result->touched), ==, 2);
        g_assert_cmpuint(changes->len, ==, 1);
        g_assert_cmpstr(((SectionChange *)g_ptr_array_index(changes, 0))->section, ==, "telephony");
}

static void test_classify_roots(void) {
        static const struct {
                const char *text;
                DocumentType type;
        } roots[] = {
                { "<configuration/>", DOCUMENT_PATCH },
                { "<keys/>", DOCUMENT_PATCH },
                { "<referencedSettings><URL>http://127.0.0.1/a.xml</URL></referencedSettings>", DOCUMENT_REFERENCE },
                { "<operations/>", DOCUMENT_OPERATIONS },
        };
        g_autoptr(xmlDoc) html = parse_text("<html/>");
        g_autoptr(GError) error = NULL;
        DocumentType type;

        for (gsize i = 0; i < G_N_ELEMENTS(roots); i++) {
                g_autoptr(xmlDoc) doc = parse_text(roots[i].text);
                g_assert_true(document_classify(doc, schemas, &type, NULL));
                g_assert_cmpint(type, ==, roots[i].type);
        }
        g_assert_false(document_classify(html, schemas, &type, &error));
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
}

int main(int argc, char *argv[]) {
        int result;

        g_test_init(&argc, &argv, NULL);
        schemas = load_source_schemas();

        g_test_add_func("/apply/factory-defaults-are-valid", test_factory_defaults_are_valid);
        g_test_add_func("/apply/patch-default-merges", test_patch_default_merges);
        g_test_add_func("/apply/patch-default-false-replaces", test_patch_default_false_replaces);
        g_test_add_func("/apply/section-patch-overrides-default", test_section_patch_overrides_default);
        g_test_add_func("/apply/section-patch-false-replaces", test_section_patch_false_replaces);
        g_test_add_func("/apply/bare-section-root", test_bare_section_root);
        g_test_add_func("/apply/version-set-to-current", test_version_set_to_current);
        g_test_add_func("/apply/strip-unknown-reported", test_strip_unknown_reported);
        g_test_add_func("/apply/strip-unknown-attribute", test_strip_unknown_attribute);
        g_test_add_func("/apply/partial-patch-keeps-settings-it-leaves-out", test_partial_patch_keeps_settings_it_leaves_out);
        g_test_add_func("/apply/invalid-section-refused", test_invalid_section_refused);
        g_test_add_func("/apply/invalid-password-not-repeated", test_invalid_password_not_repeated);
        g_test_add_func("/apply/patch-attribute-must-be-boolean", test_patch_attribute_must_be_boolean);
        g_test_add_func("/apply/unchanged-section-not-reported", test_unchanged_section_not_reported);
        g_test_add_func("/apply/classify-roots", test_classify_roots);
        result = g_test_run();
        schema_set_free(schemas);
        return result;
}
