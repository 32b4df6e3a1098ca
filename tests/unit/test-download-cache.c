/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* download-cache.c: entries written after a successful run, read back, damaged ones ignored,
 * the size cap, pruning, and when a run counts as unchanged. */
#include <glib/gstdio.h>

#include "download-cache.h"
#include "test-util.h"

#define STAMP "2.2A/1.0"

typedef struct {
        char *state_dir;
        char *cache_dir;
} Fixture;

static void fixture_set_up(Fixture *fixture, gconstpointer data) {
        fixture->state_dir = g_dir_make_tmp("test-download-cache-XXXXXX", NULL);
        g_assert_nonnull(fixture->state_dir);
        fixture->cache_dir = g_build_filename(fixture->state_dir, DOWNLOAD_CACHE_SUBDIR, NULL);
}

static void fixture_tear_down(Fixture *fixture, gconstpointer data) {
        remove_tree(fixture->state_dir);
        g_free(fixture->state_dir);
        g_free(fixture->cache_dir);
}

static DownloadedFile *new_file(const char *url, const char *body, const char *etag) {
        DownloadedFile *file = g_new0(DownloadedFile, 1);

        file->url = g_strdup(url);
        file->final_url = g_strdup(url);
        file->status = 200;
        file->etag = g_strdup(etag);
        file->content_type = g_strdup("application/xml");
        file->body = g_bytes_new(body, strlen(body));
        file->hash = download_cache_hash(file->body);
        file->type_known = TRUE;
        file->type = DOCUMENT_PATCH;
        return file;
}

static GPtrArray *files_of(DownloadedFile *first, ...) {
        GPtrArray *files = g_ptr_array_new_with_free_func((GDestroyNotify) downloaded_file_free);
        va_list args;

        va_start(args, first);
        for (DownloadedFile *file = first; file != NULL; file = va_arg(args, DownloadedFile *))
                g_ptr_array_add(files, file);
        va_end(args);
        return files;
}

/* Whether the cache holds an entry for @url. */
static gboolean holds(const DownloadCache *cache, const char *url) {
        g_autoptr(DownloadedFile) file = download_cache_lookup(cache, url);

        return file != NULL;
}

static guint count_entries(const Fixture *fixture) {
        g_autoptr(GDir) directory = g_dir_open(fixture->cache_dir, 0, NULL);
        const char *name;
        guint count = 0;

        while (directory != NULL && (name = g_dir_read_name(directory)) != NULL)
                count += g_str_has_suffix(name, ".entry");
        return count;
}

static void test_round_trip(Fixture *fixture, gconstpointer data) {
        g_autoptr(DownloadCache) cache = download_cache_new(fixture->state_dir, 1024, STAMP);
        g_autoptr(GPtrArray) files = files_of(new_file("http://u:pw@h/a.xml", "<a/>", "\"1\""), NULL);
        g_autoptr(DownloadedFile) cached = NULL;

        g_assert_false(holds(cache, "http://u:pw@h/a.xml"));
        download_cache_remember_run(cache, files, 7);

        cached = download_cache_lookup(cache, "http://u:pw@h/a.xml");
        g_assert_nonnull(cached);
        g_assert_cmpuint(cached->status, ==, 304);
        g_assert_cmpstr(cached->etag, ==, "\"1\"");
        g_assert_null(cached->last_modified);
        g_assert_cmpstr(cached->final_url, ==, "http://h/a.xml");
        g_assert_true(cached->type_known);
        g_assert_cmpmem(g_bytes_get_data(cached->body, NULL), g_bytes_get_size(cached->body), "<a/>", 4);
        /* Another URL (other credentials) is another entry. */
        g_assert_false(holds(cache, "http://h/a.xml"));
}

/* A 304's validators replace the cached ones (RFC 9111 §4.3.4) and are written at the end of the run;
 * a 304 without new ones leaves the entry untouched. */
static void test_a_304_freshens_the_validators(Fixture *fixture, gconstpointer data) {
        g_autoptr(DownloadCache) cache = download_cache_new(fixture->state_dir, 1024, STAMP);
        g_autoptr(GPtrArray) first = files_of(new_file("http://h/a.xml", "<a/>", "\"1\""), NULL);
        g_autoptr(GPtrArray) second = g_ptr_array_new_with_free_func((GDestroyNotify) downloaded_file_free);
        g_autoptr(GPtrArray) third = g_ptr_array_new_with_free_func((GDestroyNotify) downloaded_file_free);
        g_autoptr(DownloadedFile) reread = NULL;
        DownloadedFile *cached;

        download_cache_remember_run(cache, first, 7);
        cached = download_cache_lookup(cache, "http://h/a.xml");
        downloaded_file_freshen(cached, "\"1\"", NULL);
        g_assert_false(cached->freshened);
        downloaded_file_freshen(cached, "\"2\"", "Tue, 01 Dec 2026 08:00:00 GMT");
        g_assert_true(cached->freshened);
        g_ptr_array_add(second, cached);
        download_cache_remember_run(cache, second, 7);

        cached = download_cache_lookup(cache, "http://h/a.xml");
        g_assert_cmpstr(cached->etag, ==, "\"2\"");
        g_assert_cmpstr(cached->last_modified, ==, "Tue, 01 Dec 2026 08:00:00 GMT");
        /* Only a Last-Modified: the ETag stays. */
        downloaded_file_freshen(cached, NULL, "Wed, 02 Dec 2026 08:00:00 GMT");
        g_ptr_array_add(third, cached);
        download_cache_remember_run(cache, third, 7);
        reread = download_cache_lookup(cache, "http://h/a.xml");
        g_assert_cmpstr(reread->etag, ==, "\"2\"");
        g_assert_cmpstr(reread->last_modified, ==, "Wed, 02 Dec 2026 08:00:00 GMT");
        g_assert_cmpmem(g_bytes_get_data(reread->body, NULL), g_bytes_get_size(reread->body), "<a/>", 4);
}

static void test_unchanged_needs_same_files_generation_and_stamp(Fixture *fixture, gconstpointer data) {
        g_autoptr(DownloadCache) cache = download_cache_new(fixture->state_dir, 1024, STAMP);
        g_autoptr(DownloadCache) other_release = download_cache_new(fixture->state_dir, 1024, "2.3A/1.0");
        g_autoptr(GPtrArray) files = files_of(new_file("http://h/a.xml", "<a/>", "\"1\""),
                                              new_file("http://h/b.xml", "<b/>", NULL), NULL);
        g_autoptr(GPtrArray) changed = files_of(new_file("http://h/a.xml", "<a/>", "\"1\""),
                                                new_file("http://h/b.xml", "<c/>", NULL), NULL);
        g_autoptr(GPtrArray) reordered = files_of(new_file("http://h/b.xml", "<b/>", NULL),
                                                  new_file("http://h/a.xml", "<a/>", "\"1\""), NULL);
        g_autoptr(DownloadedFile) reread = NULL;

        g_assert_false(download_cache_run_unchanged(cache, files, 7));
        download_cache_remember_run(cache, files, 7);

        g_assert_true(download_cache_run_unchanged(cache, files, 7));
        g_assert_false(download_cache_run_unchanged(cache, files, 8));
        g_assert_false(download_cache_run_unchanged(cache, changed, 7));
        g_assert_false(download_cache_run_unchanged(cache, reordered, 7));
        g_assert_false(download_cache_run_unchanged(other_release, files, 7));
        /* Without a validator the body is not kept, but its hash counts. */
        g_assert_cmpuint(count_entries(fixture), ==, 1);
        /* A type classified by another release is not trusted. */
        reread = download_cache_lookup(other_release, "http://h/a.xml");
        g_assert_nonnull(reread);
        g_assert_false(reread->type_known);
}

static void test_damaged_entries_are_no_entries(Fixture *fixture, gconstpointer data) {
        g_autoptr(DownloadCache) cache = download_cache_new(fixture->state_dir, 1024, STAMP);
        g_autoptr(GPtrArray) files = files_of(new_file("http://h/a.xml", "<a>some body</a>", "\"1\""), NULL);
        g_autoptr(GDir) directory = NULL;
        g_autofree char *path = NULL;
        g_autofree char *contents = NULL;
        const char *name;
        gsize length = 0;

        download_cache_remember_run(cache, files, 1);
        directory = g_dir_open(fixture->cache_dir, 0, NULL);
        while ((name = g_dir_read_name(directory)) != NULL)
                if (g_str_has_suffix(name, ".entry"))
                        path = g_build_filename(fixture->cache_dir, name, NULL);
        g_assert_nonnull(path);
        g_assert_true(g_file_get_contents(path, &contents, &length, NULL));

        /* A body that does not match its hash. */
        contents[length - 3] ^= 0x20;
        g_assert_true(g_file_set_contents(path, contents, (gssize) length, NULL));
        g_assert_false(holds(cache, "http://h/a.xml"));
        /* Cut short, as a torn write would leave it (the rename makes that impossible; still). */
        g_assert_true(g_file_set_contents(path, contents, (gssize) length / 2, NULL));
        g_assert_false(holds(cache, "http://h/a.xml"));
        /* Garbage and an empty file. */
        g_assert_true(g_file_set_contents(path, "\xff\x00garbage", 9, NULL));
        g_assert_false(holds(cache, "http://h/a.xml"));
        g_assert_true(g_file_set_contents(path, "", 0, NULL));
        g_assert_false(holds(cache, "http://h/a.xml"));
}

static void test_size_cap_and_pruning(Fixture *fixture, gconstpointer data) {
        g_autoptr(DownloadCache) cache = download_cache_new(fixture->state_dir, 10, STAMP);
        g_autoptr(GPtrArray) first = files_of(new_file("http://h/a.xml", "<aaaa/>", "\"a\""),
                                              new_file("http://h/b.xml", "<bbbb/>", "\"b\""), NULL);
        g_autoptr(GPtrArray) second = files_of(new_file("http://h/c.xml", "<c/>", "\"c\""), NULL);
        g_autofree char *leftover = g_build_filename(fixture->cache_dir, "x.entry.tmp", NULL);

        download_cache_remember_run(cache, first, 1);
        /* 7 + 7 bytes > 10: only the first is kept. */
        g_assert_true(holds(cache, "http://h/a.xml"));
        g_assert_false(holds(cache, "http://h/b.xml"));

        g_assert_true(g_file_set_contents(leftover, "torn", -1, NULL));
        download_cache_remember_run(cache, second, 2);
        g_assert_false(holds(cache, "http://h/a.xml"));
        g_assert_true(holds(cache, "http://h/c.xml"));
        g_assert_cmpuint(count_entries(fixture), ==, 1);
        g_assert_false(g_file_test(leftover, G_FILE_TEST_EXISTS));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add("/download-cache/round-trip", Fixture, NULL, fixture_set_up, test_round_trip,
                   fixture_tear_down);
        g_test_add("/download-cache/a-304-freshens-the-validators", Fixture, NULL, fixture_set_up,
                   test_a_304_freshens_the_validators, fixture_tear_down);
        g_test_add("/download-cache/unchanged-needs-same-files-generation-and-stamp", Fixture, NULL,
                   fixture_set_up, test_unchanged_needs_same_files_generation_and_stamp, fixture_tear_down);
        g_test_add("/download-cache/damaged-entries-are-no-entries", Fixture, NULL, fixture_set_up,
                   test_damaged_entries_are_no_entries, fixture_tear_down);
        g_test_add("/download-cache/size-cap-and-pruning", Fixture, NULL, fixture_set_up,
                   test_size_cap_and_pruning, fixture_tear_down);
        return g_test_run();
}
