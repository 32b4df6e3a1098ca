/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl apply and backup: settings documents into and out of the daemon. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "provisionctl.h"

static char *arg_output;

const GOptionEntry backup_options[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &arg_output, "Write the backup to FILE instead of stdout",
          "FILE" },
        { NULL },
};

/* "section version how" per changed section, or "no changes"; the warnings on stderr. */
static void print_changes(ProvClient *client, GPtrArray *changes) {
        if (changes->len == 0)
                g_print("no changes\n");
        for (guint i = 0; i < changes->len; i++) {
                const ProvSectionChange *change = g_ptr_array_index(changes, i);
                print_section_change(change->section, change->version, change->how);
        }
        print_last_warnings(client);
}

/* {"changed": [{"section": …, "version": …, "how": …}, …], "warnings": […]} */
static void print_changes_json(ProvClient *client, GPtrArray *changes) {
        g_autoptr(GString) json = g_string_new("{\"changed\": ");
        g_auto(GStrv) warnings = get_last_warnings(client);

        append_json_section_changes(json, changes);
        g_string_append(json, ", \"warnings\": ");
        append_json_strv(json, (const char *const *) warnings);
        g_string_append(json, "}\n");
        print_raw(json->str);
}

void print_applied_changes(ProvClient *client, GPtrArray *changes) {
        if (arg_json)
                print_changes_json(client, changes);
        else
                print_changes(client, changes);
}

/* Opens the document to apply (@label: "stdin" for "-") into *@fd. A failure
 * here is ours, not the daemon's: reported, and its exit code returned. */
static int open_document(const char *path, const char *label, int *fd) {
        struct stat st;

        if (g_str_equal(path, "-")) {
                *fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
                if (*fd < 0)
                        return report_local_error(label, EXIT_REFUSED, "cannot read stdin: %s",
                                                  g_strerror(errno));
                return EXIT_OK;
        }
        *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (*fd < 0)
                return report_local_error(label, EXIT_REFUSED, "cannot open %s: %s", path, g_strerror(errno));
        if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode)) {
                close(*fd);
                return report_local_error(label, EXIT_REFUSED, "cannot apply %s: %s", path,
                                          g_strerror(EISDIR));
        }
        return EXIT_OK;
}

int command_apply(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) changes = NULL;
        const char *label = g_str_equal(args[0], "-") ? "stdin" : args[0];
        gboolean applied;
        int fd;
        int r;

        r = open_document(args[0], label, &fd);
        if (r != EXIT_OK)
                return r;
        /* libprovision copies a pipe (stdin, "<(…)") into a memfd: the daemon takes regular files only. */
        applied = prov_client_apply_fd(client, fd, &changes, &error);
        close(fd);
        if (!applied)
                return report_file_error(label, error);
        if (arg_json)
                print_changes_json(client, changes);
        else
                print_changes(client, changes);
        return EXIT_OK;
}

static gboolean write_all(int fd, const char *path, const char *data, size_t length, GError **error) {
        while (length > 0) {
                ssize_t written = write(fd, data, length);

                if (written < 0 && errno == EINTR)
                        continue;
                if (written < 0) {
                        int saved_errno = errno;
                        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                                    "cannot write %s: %s", path, g_strerror(saved_errno));
                        return FALSE;
                }
                data += written;
                length -= (size_t) written;
        }
        return TRUE;
}

/* Writes FILE.tmp and renames it, so that FILE is never half written. The mode
 * is 0600: a backup holds the account passwords. */
static gboolean write_file_atomically(const char *path, const char *contents, GError **error) {
        g_autofree char *temp_path = g_strconcat(path, ".tmp", NULL);
        gboolean written;
        int fd;

        fd = open(temp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
                /* Name the file the user gave, not our temporary one. */
                int saved_errno = errno;
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno), "cannot write %s: %s",
                            path, g_strerror(saved_errno));
                return FALSE;
        }
        written = write_all(fd, path, contents, strlen(contents), error) && fsync(fd) == 0;
        if (close(fd) < 0 || !written || rename(temp_path, path) < 0) {
                int saved_errno = errno;
                if (error != NULL && *error == NULL)
                        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                                    "cannot write %s: %s", path, g_strerror(saved_errno));
                unlink(temp_path);
                return FALSE;
        }
        return TRUE;
}

int command_backup(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = prov_client_backup(client, (const char *const *) args, &error);

        if (xml == NULL)
                return report_error(error);
        if (arg_output == NULL) {
                print_raw(xml);
                if (!g_str_has_suffix(xml, "\n"))
                        print_raw("\n");
                return EXIT_OK;
        }
        if (!write_file_atomically(arg_output, xml, &error))
                return report_local_error(NULL, EXIT_REFUSED, "%s", error->message);
        return EXIT_OK;
}
