/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Operations documents against the real schemas and factory defaults: each kind, per-section discarding. */
#include <glib.h>

#include "operations.h"
#include "patch.h"
#include "provision.h"
#include "schema.h"
#include "test-util.h"
#include "working-copy.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

static SchemaSet *schemas;

static xmlDoc *load_defaults(void) {
        return load_source_file("data/defaults.xml");
}

/* Applies the operations @text to @working and expects it to be well-formed. */
static void apply_operations(xmlDoc *working, const char *text, ApplyResult *result) {
        g_autoptr(xmlDoc) operations = parse_text(text);
        g_autoptr(GError) error = NULL;

        operations_apply(working, operations, schemas, result, &error);
        g_assert_no_error(error);
}

static void assert_only_discarded(const ApplyResult *result, const char *section, const char *reason_part) {
        const char *entry;
        g_autofree char *prefix = g_strdup_printf("%s: ", section);

        g_assert_cmpuint(result->discarded->len, ==, 1);
        entry = g_ptr_array_index(result->discarded, 0);
        g_assert_true(g_str_has_prefix(entry, prefix));
        g_assert_nonnull(strstr(entry, reason_part));
        g_assert_false(g_hash_table_contains(result->touched, section));
        g_assert_cmpuint(result->warnings->len, ==, 1);
}

/* The section @name of @working is exactly what it is in the factory defaults. */
static void assert_section_as_in_defaults(xmlDoc *working, const char *name) {
        g_autoptr(xmlDoc) defaults = load_defaults();
        g_autofree char *expected = section_text(defaults, name);
        g_autofree char *actual = section_text(working, name);

        g_assert_cmpstr(actual, ==, expected);
}

static void assert_fails_for_section(const char *text, const char *section, const char *reason_part) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(ApplyResult) result = apply_result_new();

        apply_operations(working, text, result);
        assert_only_discarded(result, section, reason_part);
        assert_section_as_in_defaults(working, section);
}

static void assert_invalid_file(const char *text) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(xmlDoc) operations = parse_text(text);
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;

        g_assert_false(operations_apply(working, operations, schemas, result, &error));
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
        /* Nothing of a malformed document is applied, not even the operations before the fault. */
        assert_section_as_in_defaults(working, "keys");
        assert_section_as_in_defaults(working, "templates");
        g_assert_cmpuint(g_hash_table_size(result->touched), ==, 0);
}

static void test_seed_example_as_written(void) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(xmlDoc) patch = parse_text("<templates><template name=\"Test\"><prio>99</prio><label>Test</label>"
                                        "</template></templates>");
        g_autoptr(xmlDoc) operations = load_source_file("tests/data/operations/seed-example.xml");
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        const char *key3 = "/configuration/keys/phoneXtensions/key[@keyNumber='3']/parameters";

        /* The factory defaults have no template "Test"; a patch adds it first. */
        patch_apply(working, patch, schemas, result, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(count_nodes(working, "/configuration/templates/template[@name='Test']"), ==, 1);

        operations_apply(working, operations, schemas, result, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(count_nodes(working, "/configuration/templates/template[@name='Test']"), ==, 0);
        g_assert_cmpuint(count_nodes(working, "/configuration/templates/template[@name='line']"), ==, 1);
        g_assert_cmpuint(count_nodes(working, "/configuration/keys/phoneXtensions/key[@keyNumber='3']/parameters/"
                                              "parameter[@name='identity'][@value='2']"),
                         ==, 1);
        g_assert_cmpuint(count_nodes(working, "/configuration/keys/phoneXtensions/key[@keyNumber='3']/parameters/"
                                              "parameter[@name='foo'][@value='bar']"),
                         ==, 1);
        g_assert_cmpuint(count_nodes(working, "/configuration/keys/phoneXtensions/key[@keyNumber='3']/parameters/"
                                              "parameter[last()][@name='foo']"),
                         ==, 1);
        g_assert_cmpuint(count_nodes(working, key3), ==, 1);
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "templates"), ==, "operations");
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "keys"), ==, "operations");
        g_assert_cmpuint(result->discarded->len, ==, 0);
        g_assert_cmpuint(result->warnings->len, ==, 0);
}

static void test_delete_removes_selected(void) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(ApplyResult) result = apply_result_new();

        apply_operations(working,
                         "<operations><delete path=\"/keys/phoneXtensions/key[@keyNumber &gt; 2]\"/></operations>",
                         result);
        g_assert_cmpuint(count_nodes(working, "/configuration/keys/phoneXtensions/key"), ==, 2);
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "keys"), ==, "operations");
}

static void test_delete_nested_selection(void) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(ApplyResult) result = apply_result_new();

        /* A key and its own parameters: the inner one goes with the outer one. */
        apply_operations(working,
                         "<operations><delete path=\"/keys/phoneXtensions/key[@keyNumber='1'] | "
                         "/keys/phoneXtensions/key[@keyNumber='1']/parameters\"/></operations>",
                         result);
        g_assert_cmpuint(count_nodes(working, "/configuration/keys/phoneXtensions/key[@keyNumber='1']"), ==, 0);
        g_assert_cmpuint(count_nodes(working, "/configuration/keys/phoneXtensions/key"), ==, 3);
        g_assert_cmpuint(result->discarded->len, ==, 0);
}

static void test_replace_replaces_each_selected(void) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(ApplyResult) result = apply_result_new();

        apply_operations(working,
                         "<operations><replace path=\"/keys/phoneXtensions/key/parameters/parameter[@name='identity']\">"
                         "<parameter name=\"identity\" value=\"3\"/></replace></operations>",
                         result);
        g_assert_cmpuint(count_nodes(working, "//key/parameters/parameter[@name='identity'][@value='3']"), ==, 3);
        g_assert_cmpuint(count_nodes(working, "//key/parameters/parameter[@name='identity'][@value!='3']"), ==, 0);
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "keys"), ==, "operations");
}

static void test_add_appends_children_to_section(void) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(ApplyResult) result = apply_result_new();
        guint templates = count_nodes(working, "/configuration/templates/template");

        apply_operations(working,
                         "<operations><add path=\"/templates\">"
                         "<template name=\"first\"><prio>1</prio></template>"
                         "<template name=\"second\"><prio>2</prio></template></add></operations>",
                         result);
        g_assert_cmpuint(count_nodes(working, "/configuration/templates/template"), ==, templates + 2);
        g_assert_cmpuint(count_nodes(working, "/configuration/templates/template[last()][@name='second']"), ==, 1);
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "templates"), ==, "operations");
}

static void test_trailing_slash_tolerated(void) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(ApplyResult) result = apply_result_new();

        apply_operations(working,
                         "<operations><add path=\"/keys/phoneXtensions/key[@keyNumber='4']/\">"
                         "<parameters><parameter name=\"x\" value=\"y\"/></parameters></add></operations>",
                         result);
        g_assert_cmpuint(count_nodes(working, "//key[@keyNumber='4']/parameters/parameter[@name='x']"), ==, 1);
        g_assert_cmpuint(result->discarded->len, ==, 0);
}

static void test_selects_nothing_discards_section(void) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(xmlDoc) operations = load_source_file("tests/data/operations/selects-nothing.xml");
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;

        operations_apply(working, operations, schemas, result, &error);
        g_assert_no_error(error);
        /* The earlier templates operation is undone, the later one not applied. */
        assert_section_as_in_defaults(working, "templates");
        assert_only_discarded(result, "templates", "selects nothing");
        /* The keys operation is kept. */
        g_assert_cmpuint(count_nodes(working, "//key[@keyNumber='4']"), ==, 0);
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "keys"), ==, "operations");
}

static void test_attribute_path_fails(void) {
        assert_fails_for_section("<operations><delete path=\"/keys/phoneXtensions/key[@keyNumber='3']/@label\"/>"
                                 "</operations>",
                                 "keys", "an attribute");
}

static void test_text_path_fails(void) {
        assert_fails_for_section("<operations><delete path=\"/keys/phoneXtensions/key[1]/templateName/text()\"/>"
                                 "</operations>",
                                 "keys", "text");
}

static void test_non_compiling_path_fails(void) {
        assert_fails_for_section("<operations><delete path=\"/keys/phoneXtensions/key[\"/></operations>", "keys",
                                 "does not compile");
}

static void test_non_node_set_path_fails(void) {
        assert_fails_for_section("<operations><delete path=\"/keys/phoneXtensions/key[1]/@keyNumber + 1\"/>"
                                 "</operations>",
                                 "keys", "does not select elements");
}

static void test_path_outside_section_fails(void) {
        assert_fails_for_section("<operations><delete path=\"/keys/../templates/template\"/></operations>", "keys",
                                 "outside the section");
}

static void test_section_itself_not_deleted(void) {
        assert_fails_for_section("<operations><delete path=\"/templates/\"/></operations>", "templates",
                                 "the section itself");
}

static void test_unknown_section_fails(void) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(ApplyResult) result = apply_result_new();

        apply_operations(working,
                         "<operations><delete path=\"/fooBar/x\"/>"
                         "<delete path=\"/keys/phoneXtensions/key[@keyNumber='4']\"/></operations>",
                         result);
        assert_only_discarded(result, "fooBar", "not a settings section");
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "keys"), ==, "operations");
}

static void test_invalid_result_discards_only_its_section(void) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(xmlDoc) operations = load_source_file("tests/data/operations/invalid-result.xml");
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;

        operations_apply(working, operations, schemas, result, &error);
        g_assert_no_error(error);
        assert_only_discarded(result, "identities", "registrarPort");
        assert_section_as_in_defaults(working, "identities");
        g_assert_cmpuint(count_nodes(working, "/configuration/telephony/callWaiting/active[.='false']"), ==, 1);
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "telephony"), ==, "operations");
}

static void test_unknown_operation_is_invalid_file(void) {
        assert_invalid_file("<operations><delete path=\"/keys/phoneXtensions/key[@keyNumber='4']\"/>"
                            "<move path=\"/templates/template\"/></operations>");
}

static void test_missing_path_is_invalid_file(void) {
        assert_invalid_file("<operations><delete path=\"/keys/phoneXtensions/key[@keyNumber='4']\"/>"
                            "<delete/></operations>");
}

static void test_path_without_section_is_invalid_file(void) {
        assert_invalid_file("<operations><delete path=\"//key\"/></operations>");
}

static void test_too_many_operations_is_invalid_file(void) {
        g_autoptr(GString) text = g_string_new("<operations>");

        for (guint i = 0; i <= OPERATIONS_MAX; i++)
                g_string_append_printf(text, "<delete path=\"/section%u/x\"/>", i);
        g_string_append(text, "</operations>");
        assert_invalid_file(text->str);
}

static void test_replace_needs_one_child(void) {
        assert_invalid_file("<operations><replace path=\"/keys/phoneXtensions/key[@keyNumber='4']\"/></operations>");
        assert_invalid_file("<operations><replace path=\"/keys/phoneXtensions/key[@keyNumber='4']\">"
                            "<key keyNumber=\"4\"/><key keyNumber=\"5\"/></replace></operations>");
}

static void test_add_needs_children(void) {
        assert_invalid_file("<operations><add path=\"/templates\"/></operations>");
}

static void test_unchanged_section_not_reported(void) {
        g_autoptr(xmlDoc) before = load_defaults();
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GPtrArray) changes = NULL;

        apply_operations(working,
                         "<operations><replace path=\"/keys/phoneXtensions/key[@keyNumber='3']/parameters/"
                         "parameter[@name='identity']\"><parameter name=\"identity\" value=\"1\"/></replace>"
                         "</operations>",
                         result);
        changes = working_copy_changed_sections(before, working, result);
        g_assert_cmpuint(changes->len, ==, 0);
        g_assert_cmpuint(result->discarded->len, ==, 0);
}

static void test_unchanged_section_keeps_earlier_how(void) {
        g_autoptr(xmlDoc) working = load_defaults();
        g_autoptr(xmlDoc) patch = parse_text("<keys><phoneXtensions><key keyNumber=\"9\"/></phoneXtensions></keys>");
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;

        patch_apply(working, patch, schemas, result, &error);
        g_assert_no_error(error);
        apply_operations(working,
                         "<operations><replace path=\"/keys/phoneXtensions/key[@keyNumber='9']\">"
                         "<key keyNumber=\"9\"/></replace></operations>",
                         result);
        g_assert_cmpstr(g_hash_table_lookup(result->touched, "keys"), ==, "merge");
}

int main(int argc, char *argv[]) {
        int result;

        g_test_init(&argc, &argv, NULL);
        schemas = load_source_schemas();

        g_test_add_func("/operations/seed-example-as-written", test_seed_example_as_written);
        g_test_add_func("/operations/delete-removes-selected", test_delete_removes_selected);
        g_test_add_func("/operations/delete-nested-selection", test_delete_nested_selection);
        g_test_add_func("/operations/replace-replaces-each-selected", test_replace_replaces_each_selected);
        g_test_add_func("/operations/add-appends-children-to-section", test_add_appends_children_to_section);
        g_test_add_func("/operations/trailing-slash-tolerated", test_trailing_slash_tolerated);
        g_test_add_func("/operations/selects-nothing-discards-section", test_selects_nothing_discards_section);
        g_test_add_func("/operations/attribute-path-fails", test_attribute_path_fails);
        g_test_add_func("/operations/text-path-fails", test_text_path_fails);
        g_test_add_func("/operations/non-compiling-path-fails", test_non_compiling_path_fails);
        g_test_add_func("/operations/non-node-set-path-fails", test_non_node_set_path_fails);
        g_test_add_func("/operations/path-outside-section-fails", test_path_outside_section_fails);
        g_test_add_func("/operations/section-itself-not-deleted", test_section_itself_not_deleted);
        g_test_add_func("/operations/unknown-section-fails", test_unknown_section_fails);
        g_test_add_func("/operations/invalid-result-discards-only-its-section",
                        test_invalid_result_discards_only_its_section);
        g_test_add_func("/operations/unknown-operation-is-invalid-file", test_unknown_operation_is_invalid_file);
        g_test_add_func("/operations/missing-path-is-invalid-file", test_missing_path_is_invalid_file);
        g_test_add_func("/operations/path-without-section-is-invalid-file", test_path_without_section_is_invalid_file);
        g_test_add_func("/operations/too-many-operations-is-invalid-file", test_too_many_operations_is_invalid_file);
        g_test_add_func("/operations/replace-needs-one-child", test_replace_needs_one_child);
        g_test_add_func("/operations/add-needs-children", test_add_needs_children);
        g_test_add_func("/operations/unchanged-section-not-reported", test_unchanged_section_not_reported);
        g_test_add_func("/operations/unchanged-section-keeps-earlier-how", test_unchanged_section_keeps_earlier_how);
        result = g_test_run();
        schema_set_free(schemas);
        return result;
}
