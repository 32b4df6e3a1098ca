/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl apply and backup: settings documents into and out of the daemon. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "provisionctl.h"

static char *arg_output;

const GOptionEntry backup_options[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &arg_output, "Write the backup to FILE instead of stdout",
          "FILE" },
        { NULL },
};

int command_apply(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) changes = NULL;

        if (!prov_client_apply_file(client, args[0], &changes, &error))
                return report_error(error);
        if (changes->len == 0)
                g_print("no changes\n");
        for (guint i = 0; i < changes->len; i++) {
                const ProvSectionChange *change = g_ptr_array_index(changes, i);
                print_section_change(change->section, change->version, change->how);
        }
        print_last_warnings(client);
        return EXIT_OK;
}

static gboolean write_all(int fd, const char *data, size_t length, GError **error) {
        while (length > 0) {
                ssize_t written = write(fd, data, length);

                if (written < 0 && errno == EINTR)
                        continue;
                if (written < 0) {
                        int saved_errno = errno;
                        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno), "%s",
                                    g_strerror(saved_errno));
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
                int saved_errno = errno;
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                            "Cannot create %s: %s", temp_path, g_strerror(saved_errno));
                return FALSE;
        }
        written = write_all(fd, contents, strlen(contents), error) && fsync(fd) == 0;
        if (close(fd) < 0 || !written || rename(temp_path, path) < 0) {
                int saved_errno = errno;
                if (error != NULL && *error == NULL)
                        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                                    "Cannot write %s: %s", path, g_strerror(saved_errno));
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
        if (!write_file_atomically(arg_output, xml, &error)) {
                g_printerr("%s: %s\n", g_get_prgname(), error->message);
                return EXIT_REFUSED;
        }
        return EXIT_OK;
}
