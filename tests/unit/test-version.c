/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Section versions: parsing and order, each section's history from the
 * release manifest, and detecting the version of a section without a
 * version attribute (newest former XSD that accepts it, else 0.0.0).
 */
#include <glib.h>

#include "migrate.h"
#include "provision.h"
#include "test-version-util.h"
#include "version.h"

static SchemaSet *schemas;

static void test_parse_accepts_three_numbers(void) {
        Version version;

        g_assert_true(version_parse("1.26.11", &version));
        g_assert_cmpuint(version.major, ==, 1);
        g_assert_cmpuint(version.minor, ==, 26);
        g_assert_cmpuint(version.micro, ==, 11);
        g_assert_true(version_parse("0.0.0", &version));
        g_assert_true(version_parse("4294967295.0.0", &version));
        g_assert_cmpuint(version.major, ==, G_MAXUINT32);
}

static void test_parse_refuses_anything_else(void) {
        const char *refused[] = { "", "1", "1.2", "1.2.3.4", "1.2.", ".1.2", "1..2", "a.b.c", "1.2.3 ", " 1.2.3",
                                  "+1.2.3", "-1.2.3", "1.2.3a", "4294967296.0.0", "1.10A" };

        for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
                Version version = { 7, 7, 7 };
                g_assert_false(version_parse(refused[i], &version));
                g_assert_cmpuint(version.major, ==, 7); /* untouched */
        }
        g_assert_false(version_parse(NULL, &(Version){ 0 }));
}

static void test_compare_is_numeric(void) {
        static const struct {
                const char *older;
                const char *newer;
        } pairs[] = {
                { "1.8.9", "1.8.10" }, { "1.9.0", "1.26.11" }, { "1.26.11", "1.34.0" }, { "0.0.0", "0.0.1" },
                { "1.99.99", "2.0.0" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(pairs); i++) {
                Version older, newer;
                g_assert_true(version_parse(pairs[i].older, &older));
                g_assert_true(version_parse(pairs[i].newer, &newer));
                g_assert_cmpint(version_compare(&older, &newer), <, 0);
                g_assert_cmpint(version_compare(&newer, &older), >, 0);
                g_assert_cmpint(version_compare(&older, &older), ==, 0);
        }
}

static void assert_history(const char *section, const char *const *expected) {
        const char *const *history = schema_set_section_history(schemas, section);

        g_assert_nonnull(history);
        g_assert_cmpstrv(history, expected);
}

/* The current version is last; versions two releases share appear once. */
static void test_history_comes_from_every_release(void) {
        assert_history("provisioning", (const char *const[]){ "1.22.0", "1.26.11", "1.34.0", NULL });
        assert_history("identities", (const char *const[]){ "1.20.3", "1.26.11", NULL });
        assert_history("telephony", (const char *const[]){ "1.8.8", "1.8.9", NULL });
        assert_history("keys", (const char *const[]){ "1.14.2", "1.21.0", NULL });
        assert_history("users", (const char *const[]){ "1.4.2", NULL });
        g_assert_null(schema_set_section_history(schemas, "madeUp"));
        g_assert_cmpstr(schema_set_release(schemas), ==, "2.2A");
}

static char *detect(const char *section_xml) {
        g_autoptr(xmlDoc) doc = parse_text(section_xml);
        xmlNode *section = xmlDocGetRootElement(doc);
        g_autofree char *before = xml_node_to_string(section);
        g_autofree char *after = NULL;
        const char *detected = schema_set_detect_version(schemas, section);

        /* Detecting leaves the section as it was: no version attribute added. */
        after = xml_node_to_string(section);
        g_assert_cmpstr(after, ==, before);
        return g_strdup(detected);
}

typedef struct {
        const char *name;
        const char *section;
        const char *version; /* NULL: none matches */
} DetectCase;

static const DetectCase detect_cases[] = {
        { "/version/detect/whitelist-is-only-1.26.11",
          "<provisioning><url/><sip><whitelist><whitelistEntry>pbx</whitelistEntry></whitelist></sip>"
          "<execution><useRandomDelay>true</useRandomDelay></execution></provisioning>",
          "1.26.11" },
        { "/version/detect/top-level-random-delay-is-only-1.22.0",
          "<provisioning><useRandomDelay>true</useRandomDelay><tftpFallback>false</tftpFallback></provisioning>",
          "1.22.0" },
        { "/version/detect/key-number-attribute-is-only-1.14.2",
          "<keys><phoneXtensions><key number=\"1\"/></phoneXtensions></keys>", "1.14.2" },
        { "/version/detect/auto-update-is-only-1.5.0", "<update><autoUpdate>true</autoUpdate></update>", "1.5.0" },
        { "/version/detect/dns-servers-are-only-1.7.0", "<network><dnsServer1>192.0.2.53</dnsServer1></network>",
          "1.7.0" },
        { "/version/detect/current-section-is-current",
          "<provisioning><username>p</username><sip><allowlist/></sip></provisioning>", "1.34.0" },
        { "/version/detect/old-and-new-names-mixed-match-none",
          "<provisioning><username>p</username><sip><whitelist/></sip></provisioning>", NULL },
        { "/version/detect/unknown-element-matches-none", "<telephony><fooBar/></telephony>", NULL },
        { "/version/detect/partial-identities-match-none",
          "<identities><identity><dtmfMethod>rfc2833</dtmfMethod></identity></identities>", NULL },
        /* Accepted by all three provisioning XSDs: the newest wins. */
        { "/version/detect/newest-of-several-wins",
          "<provisioning><execution><time>2:00</time></execution></provisioning>", "1.34.0" },
};

static void test_detect_case(gconstpointer data) {
        const DetectCase *detect_case = data;
        g_autofree char *detected = detect(detect_case->section);

        g_assert_cmpstr(detected, ==, detect_case->version);
}

static void test_detect_ignores_a_version_attribute(void) {
        g_autofree char *detected = detect("<keys version=\"1.21.0\"><phoneXtensions><key number=\"1\"/>"
                                           "</phoneXtensions></keys>");

        g_assert_cmpstr(detected, ==, "1.14.2");
}

/* Applies @patch_text to the factory defaults, in which execution/minimalRandomDelay is 120. */
static xmlDoc *apply_to_tuned_defaults(const char *patch_text) {
        g_autoptr(xmlDoc) working = load_source_file("data/defaults.xml");
        g_autoptr(xmlDoc) tune = parse_text("<provisioning><execution><minimalRandomDelay>120</minimalRandomDelay>"
                                            "</execution></provisioning>");
        g_autoptr(xmlDoc) patch = parse_text(patch_text);
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;

        g_assert_true(patch_apply(working, tune, schemas, result, &error));
        g_assert_true(patch_apply(working, patch, schemas, result, &error));
        g_assert_true(working_copy_validate_touched(working, schemas, result, &error));
        g_assert_no_error(error);
        return g_steal_pointer(&working);
}

static char *minimal_random_delay(xmlDoc *doc) {
        xmlNode *provisioning = document_find_section(doc, "provisioning");
        g_autoptr(XmlString) text = NULL;

        for (xmlNode *execution = xml_first_element_child(provisioning); execution != NULL;
             execution = xml_next_element(execution)) {
                if (!g_str_equal(xml_node_name(execution), "execution"))
                        continue;
                for (xmlNode *leaf = xml_first_element_child(execution); leaf != NULL; leaf = xml_next_element(leaf))
                        if (g_str_equal(xml_node_name(leaf), "minimalRandomDelay"))
                                text = xmlNodeGetContent(leaf);
        }
        return g_strdup((const char *)text);
}

/* Why newest first: a replacing section that every XSD accepts, taken as 1.22.0,
 * would get the random delay range that 1.26.11 introduced with its defaults;
 * taken as the current version (newest first), it stays as written. */
static void test_order_of_detection_matters(void) {
        g_autoptr(xmlDoc) detected = apply_to_tuned_defaults(
                "<provisioning patch=\"false\"><execution><time>2:00</time></execution></provisioning>");
        g_autoptr(xmlDoc) oldest = apply_to_tuned_defaults(
                "<provisioning patch=\"false\" version=\"1.22.0\"><execution><time>2:00</time></execution>"
                "</provisioning>");
        g_autofree char *detected_delay = minimal_random_delay(detected);
        g_autofree char *oldest_delay = minimal_random_delay(oldest);

        g_assert_null(detected_delay);
        g_assert_cmpstr(oldest_delay, ==, "60");
}

/* A merged patch gets no defaults from its migration, whatever version it is taken for:
 * what it leaves out keeps the phone's value. */
static void test_merged_patch_keeps_tuned_settings(void) {
        g_autoptr(xmlDoc) merged = apply_to_tuned_defaults(
                "<provisioning version=\"1.22.0\"><execution><time>2:00</time></execution></provisioning>");
        g_autofree char *delay = minimal_random_delay(merged);

        g_assert_cmpstr(delay, ==, "120");
}

/* No former XSD accepts a partial identities patch: every step applies (0.0.0). */
static void test_matching_none_applies_every_step(void) {
        g_autoptr(xmlDoc) doc = parse_text("<identities><identity/><identity><dtmfMethod>rfc2833</dtmfMethod>"
                                           "</identity></identities>");
        g_autoptr(GError) error = NULL;
        g_autofree char *migrated = NULL;

        g_assert_true(migrate_section(schemas, xmlDocGetRootElement(doc), MIGRATION_WHOLE, &error));
        g_assert_no_error(error);
        migrated = xml_node_to_string(xmlDocGetRootElement(doc));
        g_assert_nonnull(strstr(migrated, "<dtmfMethod>rtpPayload</dtmfMethod>"));
        g_assert_nonnull(strstr(migrated, "<identity/>")); /* the placeholder stays one */
}

int main(int argc, char *argv[]) {
        int result;

        g_test_init(&argc, &argv, NULL);
        schemas = load_source_schemas();

        g_test_add_func("/version/parse/accepts-three-numbers", test_parse_accepts_three_numbers);
        g_test_add_func("/version/parse/refuses-anything-else", test_parse_refuses_anything_else);
        g_test_add_func("/version/compare/is-numeric", test_compare_is_numeric);
        g_test_add_func("/version/history/comes-from-every-release", test_history_comes_from_every_release);
        for (gsize i = 0; i < G_N_ELEMENTS(detect_cases); i++)
                g_test_add_data_func(detect_cases[i].name, &detect_cases[i], test_detect_case);
        g_test_add_func("/version/detect/ignores-a-version-attribute", test_detect_ignores_a_version_attribute);
        g_test_add_func("/version/detect/order-matters", test_order_of_detection_matters);
        g_test_add_func("/version/merged-patch-keeps-tuned-settings", test_merged_patch_keeps_tuned_settings);
        g_test_add_func("/version/detect/matching-none-applies-every-step", test_matching_none_applies_every_step);
        result = g_test_run();
        schema_set_free(schemas);
        return result;
}
