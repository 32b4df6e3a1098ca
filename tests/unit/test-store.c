/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The settings store: first start from defaults, atomic commits, failures leave the old file. */
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>

#include "provision.h"
#include "store.h"
#include "test-util.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

#define DEFAULTS "<configuration><telephony version=\"1.8.9\"><a>1</a></telephony></configuration>"

typedef struct {
        char *state_dir;
        char *defaults_path;
        char *settings_path;
} Fixture;

static void fixture_set_up(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;

        fixture->state_dir = g_dir_make_tmp("test-store-XXXXXX", &error);
        g_assert_no_error(error);
        fixture->defaults_path = g_build_filename(fixture->state_dir, "defaults.xml", NULL);
        fixture->settings_path = g_build_filename(fixture->state_dir, STORE_SETTINGS_FILE, NULL);
        g_file_set_contents(fixture->defaults_path, DEFAULTS, -1, &error);
        g_assert_no_error(error);
}

static void fixture_tear_down(Fixture *fixture, gconstpointer data) {
        remove_tree(fixture->state_dir);
        g_free(fixture->state_dir);
        g_free(fixture->defaults_path);
        g_free(fixture->settings_path);
}

static char *read_file(const char *path) {
        g_autoptr(GError) error = NULL;
        char *contents = NULL;

        g_file_get_contents(path, &contents, NULL, &error);
        g_assert_no_error(error);
        return contents;
}

static void test_first_open_commits_defaults(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_autofree char *stored = NULL;

        g_assert_no_error(error);
        stored = read_file(fixture->settings_path);
        g_assert_nonnull(strstr(stored, "<telephony version=\"1.8.9\">"));
        g_assert_cmpuint(store_get_generation(store), ==, 1);
        g_assert_cmpuint(store_get_last_change(store), >, 0);
}

static void test_missing_defaults_fail(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = NULL;

        g_unlink(fixture->defaults_path);
        store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_assert_null(store);
        g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        g_assert_false(g_file_test(fixture->settings_path, G_FILE_TEST_EXISTS));
}

static void test_commit_persists_across_open(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_autoptr(Store) reopened = NULL;
        g_autofree char *stored = NULL;

        g_assert_true(store_commit(store, parse_text("<configuration><telephony version=\"1.8.9\"><a>2</a></telephony></configuration>"),
                                   &error));
        g_assert_no_error(error);
        g_assert_cmpuint(store_get_generation(store), ==, 2);

        reopened = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(store_get_generation(reopened), ==, 2);
        stored = read_file(fixture->settings_path);
        g_assert_nonnull(strstr(stored, "<a>2</a>"));
        g_assert_false(g_file_test(fixture->settings_path, G_FILE_TEST_IS_SYMLINK));
}

/* A write that fails half-way (file size limit) must leave the old file and memory as they were. */
static void test_failing_write_keeps_old_file(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_autofree char *before = read_file(fixture->settings_path);
        g_autofree char *after = NULL;
        g_autofree char *temp_path = g_strconcat(fixture->settings_path, ".tmp", NULL);
        g_autoptr(GString) large = g_string_new("<configuration><telephony version=\"1.8.9\"><a>");
        g_autofree char *in_memory = NULL;
        struct rlimit old_limit, small_limit = { .rlim_cur = 4096, .rlim_max = RLIM_INFINITY };
        gboolean committed;

        for (int i = 0; i < 10000; i++)
                g_string_append(large, "x");
        g_string_append(large, "</a></telephony></configuration>");

        g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &old_limit), ==, 0);
        small_limit.rlim_max = old_limit.rlim_max;
        signal(SIGXFSZ, SIG_IGN);
        g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &small_limit), ==, 0);
        committed = store_commit(store, parse_text(large->str), &error);
        g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &old_limit), ==, 0);

        g_assert_false(committed);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_STORAGE);
        after = read_file(fixture->settings_path);
        g_assert_cmpstr(after, ==, before);
        g_assert_false(g_file_test(temp_path, G_FILE_TEST_EXISTS));
        g_assert_cmpuint(store_get_generation(store), ==, 1);
        in_memory = xml_node_to_string(xmlDocGetRootElement(store_get_document(store)));
        g_assert_nonnull(strstr(in_memory, "<a>1</a>"));
}

static void test_unwritable_temp_path_keeps_old_file(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_autofree char *before = read_file(fixture->settings_path);
        g_autofree char *after = NULL;
        g_autofree char *temp_path = g_strconcat(fixture->settings_path, ".tmp", NULL);

        g_assert_cmpint(g_mkdir(temp_path, 0700), ==, 0);
        g_assert_false(store_commit(store, parse_text("<configuration/>"), &error));
        g_assert_error(error, PROV_ERROR, PROV_ERROR_STORAGE);
        after = read_file(fixture->settings_path);
        g_assert_cmpstr(after, ==, before);
}

static void test_corrupt_settings_refused(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = NULL;

        g_file_set_contents(fixture->settings_path, "<configuration><broken", -1, &error);
        g_assert_no_error(error);
        store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_assert_null(store);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
}

static void write_file(const char *path, const char *contents) {
        g_autoptr(GError) error = NULL;

        g_file_set_contents(path, contents, -1, &error);
        g_assert_no_error(error);
}

static char *state_file(const Fixture *fixture, const char *name) {
        return g_build_filename(fixture->state_dir, name, NULL);
}

/* Generation and settings are one file: a crash between writing the settings and
 * writing the counter can no longer give two settings the same generation. */
static void test_generation_is_part_of_the_settings_file(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_autofree char *meta_path = state_file(fixture, STORE_META_FILE);
        g_autofree char *stored = NULL;
        g_autofree char *expected = NULL;
        g_autofree char *in_memory = NULL;

        g_assert_no_error(error);
        g_assert_true(store_commit(
                store,
                parse_text("<configuration><telephony version=\"1.8.9\"><a>2</a></telephony></configuration>"),
                &error));
        stored = read_file(fixture->settings_path);
        expected = g_strdup_printf("<?provisiond generation=\"2\" last-change=\"%" G_GUINT64_FORMAT
                                   "\"?>\n<configuration>",
                                   store_get_last_change(store));
        g_assert_nonnull(strstr(stored, expected));
        g_assert_false(g_file_test(meta_path, G_FILE_TEST_EXISTS));
        in_memory = xml_doc_to_string(store_get_document(store), NULL);
        g_assert_null(strstr(in_memory, "<?provisiond"));
}

/* The case a kill left in release 1: settings.xml replaced, settings.meta not. */
static void test_settings_file_wins_over_stale_meta(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = NULL;
        g_autofree char *meta_path = state_file(fixture, STORE_META_FILE);

        write_file(fixture->settings_path,
                   "<?xml version=\"1.0\"?>\n<?provisiond generation=\"5\" last-change=\"500\"?>\n"
                   "<configuration><telephony version=\"1.8.9\"><a>5</a></telephony></configuration>\n");
        write_file(meta_path, "[Settings]\nGeneration=4\nLastChange=400\n");
        store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(store_get_generation(store), ==, 5);
        g_assert_cmpuint(store_get_last_change(store), ==, 500);
}

/* Release 1's settings.meta is taken over once, and gone after the next commit. */
static void test_legacy_meta_is_migrated(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = NULL;
        g_autoptr(Store) reopened = NULL;
        g_autofree char *meta_path = state_file(fixture, STORE_META_FILE);

        write_file(fixture->settings_path, DEFAULTS);
        write_file(meta_path, "[Settings]\nGeneration=7\nLastChange=700\n");
        store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(store_get_generation(store), ==, 7);
        g_assert_cmpuint(store_get_last_change(store), ==, 700);

        g_assert_true(store_commit(
                store,
                parse_text("<configuration><telephony version=\"1.8.9\"><a>8</a></telephony></configuration>"),
                &error));
        g_assert_false(g_file_test(meta_path, G_FILE_TEST_EXISTS));
        reopened = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(store_get_generation(reopened), ==, 8);
        g_assert_cmpuint(store_get_last_change(reopened), ==, store_get_last_change(store));
}

/* A document's own counters never reach the store: they are the store's alone. */
static void test_committed_document_cannot_set_the_generation(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_autoptr(Store) reopened = NULL;

        g_assert_true(store_commit(
                store, parse_text("<?provisiond generation=\"99\" last-change=\"1\"?><configuration/>"),
                &error));
        reopened = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(store_get_generation(reopened), ==, 2);
}

/* Temp files of a commit killed before its rename are removed at the next start. */
static void test_open_removes_leftover_temp_files(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_autoptr(Store) reopened = NULL;
        g_autofree char *before = read_file(fixture->settings_path);
        g_autofree char *after = NULL;
        g_autofree char *settings_temp = g_strconcat(fixture->settings_path, ".tmp", NULL);
        g_autofree char *meta_temp = state_file(fixture, STORE_META_FILE ".tmp");

        write_file(settings_temp, "<configuration><telephony version=\"1.8.9\"><a>half");
        write_file(meta_temp, "[Settings]\nGeneration=");
        reopened = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_assert_no_error(error);
        g_assert_false(g_file_test(settings_temp, G_FILE_TEST_EXISTS));
        g_assert_false(g_file_test(meta_temp, G_FILE_TEST_EXISTS));
        after = read_file(fixture->settings_path);
        g_assert_cmpstr(after, ==, before);
        g_assert_cmpuint(store_get_generation(reopened), ==, 1);
}

#define ADD(name, func) g_test_add(name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD("/store/first-open-commits-defaults", test_first_open_commits_defaults);
        ADD("/store/missing-defaults-fail", test_missing_defaults_fail);
        ADD("/store/commit-persists-across-open", test_commit_persists_across_open);
        ADD("/store/failing-write-keeps-old-file", test_failing_write_keeps_old_file);
        ADD("/store/unwritable-temp-path-keeps-old-file", test_unwritable_temp_path_keeps_old_file);
        ADD("/store/corrupt-settings-refused", test_corrupt_settings_refused);
        ADD("/store/generation-is-part-of-the-settings-file", test_generation_is_part_of_the_settings_file);
        ADD("/store/settings-file-wins-over-stale-meta", test_settings_file_wins_over_stale_meta);
        ADD("/store/legacy-meta-is-migrated", test_legacy_meta_is_migrated);
        ADD("/store/committed-document-cannot-set-the-generation",
            test_committed_document_cannot_set_the_generation);
        ADD("/store/open-removes-leftover-temp-files", test_open_removes_leftover_temp_files);
        return g_test_run();
}
