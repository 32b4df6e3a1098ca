/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fd-read.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provision-error.h"

static void close_fd(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

GBytes *fd_read_document(int fd, guint64 max_size, GError **error) {
        __attribute__((cleanup(close_fd))) int own_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        g_autoptr(GByteArray) contents = NULL;
        struct stat info;
        guint8 buffer[16384];

        if (own_fd < 0 || fstat(own_fd, &info) < 0) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "cannot read the file descriptor: %s", g_strerror(errno));
                return NULL;
        }
        if (!S_ISREG(info.st_mode)) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "not a regular file");
                return NULL;
        }
        if ((guint64)info.st_size > max_size) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "the file has %" G_GUINT64_FORMAT " bytes, more than the limit of %" G_GUINT64_FORMAT,
                                 (guint64)info.st_size, max_size);
                return NULL;
        }

        /* The size may change while reading; the cap holds for what is read. */
        contents = g_byte_array_sized_new((guint)info.st_size);
        for (;;) {
                ssize_t got = read(own_fd, buffer, sizeof(buffer));
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "cannot read the file: %s", g_strerror(errno));
                        return NULL;
                }
                if (got == 0)
                        break;
                if (contents->len + (guint64)got > max_size) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "the file grew past the limit of %" G_GUINT64_FORMAT " bytes",
                                         max_size);
                        return NULL;
                }
                g_byte_array_append(contents, buffer, (guint)got);
        }
        return g_byte_array_free_to_bytes(g_steal_pointer(&contents));
}
