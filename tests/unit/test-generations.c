/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Settings generations: what a commit keeps on disk, pruning, and the differences between two settings. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "generations.h"
#include "provision.h"
#include "settings-diff.h"
#include "store.h"
#include "test-util.h"
#include "xml-cleanup.h"

#define DEFAULTS "<configuration><telephony version=\"1.8.9\"><a>1</a></telephony></configuration>"

typedef struct {
        char *state_dir;
        char *defaults_path;
        Store *store;
        Generations *generations;
} Fixture;

static void fixture_set_up(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;

        fixture->state_dir = g_dir_make_tmp("test-generations-XXXXXX", &error);
        g_assert_no_error(error);
        fixture->defaults_path = g_build_filename(fixture->state_dir, "defaults.xml", NULL);
        g_file_set_contents(fixture->defaults_path, DEFAULTS, -1, &error);
        g_assert_no_error(error);
        fixture->store = store_open(fixture->state_dir, fixture->defaults_path, &error);
        g_assert_no_error(error);
        fixture->generations = generations_open(fixture->state_dir, fixture->store, 3, G_MAXUINT64);
}

static void fixture_tear_down(Fixture *fixture, gconstpointer data) {
        g_clear_pointer(&fixture->generations, generations_free);
        g_clear_pointer(&fixture->store, store_free);
        remove_tree(fixture->state_dir);
        g_free(fixture->state_dir);
        g_free(fixture->defaults_path);
}

static char *generation_path(const Fixture *fixture, guint64 generation, const char *suffix) {
        g_autofree char *name = g_strdup_printf("%" G_GUINT64_FORMAT "%s", generation, suffix);

        return g_build_filename(fixture->state_dir, GENERATIONS_DIR, name, NULL);
}

static void commit_value(Fixture *fixture, const char *value, const char *trigger) {
        g_autoptr(GError) error = NULL;
        g_autoptr(CommitInfo) info = commit_info_new(trigger, "file", "", 0);
        g_autofree char *text = g_strdup_printf(
                "<configuration><telephony version=\"1.8.9\"><a>%s</a></telephony></configuration>", value);

        g_assert_true(store_commit_with_info(fixture->store, parse_text(text), info, &error));
        g_assert_no_error(error);
}

static GPtrArray *numbers(Fixture *fixture) {
        g_autoptr(GPtrArray) list = generations_list(fixture->generations);
        GPtrArray *result = g_ptr_array_new();

        for (guint i = 0; i < list->len; i++)
                g_ptr_array_add(result,
                                GSIZE_TO_POINTER(((GenerationInfo *) g_ptr_array_index(list, i))->generation));
        return result;
}

static void test_first_start_keeps_the_defaults(Fixture *fixture, gconstpointer data) {
        g_autoptr(GPtrArray) list = generations_list(fixture->generations);
        const GenerationInfo *first;

        g_assert_cmpuint(list->len, ==, 1);
        first = g_ptr_array_index(list, 0);
        g_assert_cmpuint(first->generation, ==, 1);
        g_assert_cmpstr(first->info->trigger, ==, COMMIT_TRIGGER_DEFAULTS);
        g_assert_cmpstr(first->info->sections[0], ==, "telephony");
        g_assert_cmpuint(first->time, ==, store_get_last_change(fixture->store));
}

/* A hard link: the generation is the very file that became settings.xml, and stays it. */
static void test_commit_links_the_committed_file(Fixture *fixture, gconstpointer data) {
        g_autofree char *kept = generation_path(fixture, 2, ".xml");
        GStatBuf settings_stat, kept_stat;

        commit_value(fixture, "2", "apply");
        g_assert_cmpint(g_stat(store_get_path(fixture->store), &settings_stat), ==, 0);
        g_assert_cmpint(g_stat(kept, &kept_stat), ==, 0);
        g_assert_cmpuint(settings_stat.st_ino, ==, kept_stat.st_ino);

        commit_value(fixture, "3", "apply");
        g_assert_cmpint(g_stat(kept, &kept_stat), ==, 0);
        g_assert_cmpuint(settings_stat.st_ino, ==, kept_stat.st_ino);
        g_assert_cmpint(g_stat(store_get_path(fixture->store), &settings_stat), ==, 0);
        g_assert_cmpuint(settings_stat.st_ino, !=, kept_stat.st_ino);
}

static void test_load_gives_the_settings_of_that_generation(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) second = NULL;
        g_autoptr(xmlDoc) missing = NULL;

        commit_value(fixture, "2", "apply");
        commit_value(fixture, "3", "apply");
        second = generations_load(fixture->generations, 2, &error);
        g_assert_no_error(error);
        assert_leaf(second, "/configuration/telephony/a", "2");
        g_assert_null(second->children->type == XML_PI_NODE ? second->children : NULL);

        missing = generations_load(fixture->generations, 9, &error);
        g_assert_null(missing);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_UNKNOWN_GENERATION);
}

/* A kept file that is not the generation its name says, or is gone: a storage error, not other settings. */
static void test_load_of_a_wrong_or_missing_file_is_storage(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *second = generation_path(fixture, 2, ".xml");
        g_autofree char *third = generation_path(fixture, 3, ".xml");
        g_autofree char *contents = NULL;
        g_autoptr(xmlDoc) wrong = NULL;
        g_autoptr(xmlDoc) missing = NULL;

        commit_value(fixture, "2", "apply");
        commit_value(fixture, "3", "apply");
        g_file_get_contents(third, &contents, NULL, &error);
        g_assert_no_error(error);
        /* replaced through a rename: 3.xml and settings.xml (one inode) stay as they are */
        g_file_set_contents(second, contents, -1, &error);
        g_assert_no_error(error);
        wrong = generations_load(fixture->generations, 2, &error);
        g_assert_null(wrong);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_STORAGE);
        g_assert_nonnull(strstr(error->message, "holds generation 3, not 2"));
        g_clear_error(&error);

        g_assert_cmpint(g_unlink(second), ==, 0);
        missing = generations_load(fixture->generations, 2, &error);
        g_assert_null(missing);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_STORAGE);
}

static void test_keep_prunes_the_oldest_and_their_files(Fixture *fixture, gconstpointer data) {
        g_autoptr(GPtrArray) kept = NULL;
        g_autofree char *oldest_xml = generation_path(fixture, 2, ".xml");
        g_autofree char *oldest_meta = generation_path(fixture, 2, ".meta");

        for (int i = 2; i <= 5; i++) {
                g_autofree char *value = g_strdup_printf("%d", i);
                commit_value(fixture, value, "apply");
        }
        kept = numbers(fixture);
        g_assert_cmpuint(kept->len, ==, 3);
        g_assert_cmpuint(GPOINTER_TO_SIZE(g_ptr_array_index(kept, 0)), ==, 3);
        g_assert_cmpuint(GPOINTER_TO_SIZE(g_ptr_array_index(kept, 2)), ==, 5);
        g_assert_false(g_file_test(oldest_xml, G_FILE_TEST_EXISTS));
        g_assert_false(g_file_test(oldest_meta, G_FILE_TEST_EXISTS));
}

/* A commit whose rename fails keeps no generation: only committed settings are offered. */
static void test_failed_commit_keeps_no_generation(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) kept = NULL;
        g_autofree char *blocker = g_build_filename(store_get_path(fixture->store), "x", NULL);
        g_autofree char *settings = g_strdup(store_get_path(fixture->store));
        g_autofree char *moved = g_strconcat(settings, ".moved", NULL);
        g_autofree char *pending = generation_path(fixture, 2, ".xml");

        /* settings.xml a non-empty directory: the rename over it fails after the generation is prepared. */
        g_assert_cmpint(g_rename(settings, moved), ==, 0);
        g_assert_cmpint(g_mkdir(settings, 0700), ==, 0);
        g_file_set_contents(blocker, "", -1, &error);
        g_assert_no_error(error);

        g_assert_false(store_commit_with_info(fixture->store, parse_text(DEFAULTS), NULL, &error));
        g_assert_error(error, PROV_ERROR, PROV_ERROR_STORAGE);
        kept = numbers(fixture);
        g_assert_cmpuint(kept->len, ==, 1);
        g_assert_false(g_file_test(pending, G_FILE_TEST_EXISTS));
}

static void test_diff_paths_secrets_and_order(void) {
        g_autoptr(xmlDoc) old_doc = parse_text(
                "<configuration><users><user name=\"a\"><password>x</password><role>1</role></user>"
                "<user name=\"b\"><role>2</role></user></users>"
                "<identities><identity><displayname>A</displayname></identity><identity/></identities>"
                "<gone><v>1</v></gone></configuration>");
        g_autoptr(xmlDoc) new_doc = parse_text(
                "<configuration><users><user name=\"b\"><role>2</role></user>"
                "<user name=\"a\"><password>y</password><role>1</role></user></users>"
                "<identities><identity><displayname>B</displayname></identity><identity><x>n</x></identity>"
                "</identities></configuration>");
        g_autoptr(GPtrArray) differences = settings_diff(old_doc, new_doc);
        const char *expected[][4] = {
                { "/users/user[@name='a']/password", SETTING_SECRET, "", "" },
                { "/identities/identity[1]/displayname", SETTING_CHANGED, "A", "B" },
                { "/identities/identity[2]/x", SETTING_ADDED, "", "n" },
                { "/identities/identity[2]", SETTING_REMOVED, "", "" },
                { "/gone/v", SETTING_REMOVED, "1", "" },
        };

        g_assert_cmpuint(differences->len, ==, G_N_ELEMENTS(expected));
        for (guint i = 0; i < differences->len; i++) {
                const SettingDifference *difference = g_ptr_array_index(differences, i);
                g_assert_cmpstr(difference->path, ==, expected[i][0]);
                g_assert_cmpstr(difference->change, ==, expected[i][1]);
                g_assert_cmpstr(difference->old_value, ==, expected[i][2]);
                g_assert_cmpstr(difference->new_value, ==, expected[i][3]);
        }
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
        ADD("/generations/first-start-keeps-the-defaults", test_first_start_keeps_the_defaults);
        ADD("/generations/commit-links-the-committed-file", test_commit_links_the_committed_file);
        ADD("/generations/load-gives-the-settings-of-that-generation",
            test_load_gives_the_settings_of_that_generation);
        ADD("/generations/load-of-a-wrong-or-missing-file-is-storage",
            test_load_of_a_wrong_or_missing_file_is_storage);
        ADD("/generations/keep-prunes-the-oldest-and-their-files",
            test_keep_prunes_the_oldest_and_their_files);
        ADD("/generations/failed-commit-keeps-no-generation", test_failed_commit_keeps_no_generation);
#undef ADD
        g_test_add_func("/settings-diff/paths-secrets-and-order", test_diff_paths_secrets_and_order);
        return g_test_run();
}
