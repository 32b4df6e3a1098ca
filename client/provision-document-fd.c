/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A provisioning document's file descriptor as ApplyFile takes it: regular files as they are, anything
 * else (a pipe, terminal or socket) read to its end into a sealed memfd. */
#define _GNU_SOURCE /* memfd_create(), F_ADD_SEALS */
#include "provision.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provision-client-private.h"

/* Bytes read from a pipe into a memfd at most: far above any MaxFileSize a
 * phone sets, but a runaway producer must not fill the RAM. */
#define PIPE_COPY_MAX_BYTES (64 * 1024 * 1024)

static gboolean fail_with_errno(GError **error, int saved_errno, const char *what) {
        g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED, "%s: %s", what, g_strerror(saved_errno));
        return FALSE;
}

static gboolean write_all(int fd, const char *data, size_t length, GError **error) {
        while (length > 0) {
                ssize_t written = write(fd, data, length);

                if (written < 0 && errno == EINTR)
                        continue;
                if (written < 0)
                        return fail_with_errno(error, errno, "Cannot copy the document");
                data += written;
                length -= (size_t) written;
        }
        return TRUE;
}

/* Reads @fd to its end into @memfd. */
static gboolean copy_to_end(int fd, int memfd, GError **error) {
        char buffer[65536];
        size_t total = 0;

        for (;;) {
                ssize_t got = read(fd, buffer, sizeof(buffer));

                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0)
                        return fail_with_errno(error, errno, "Cannot read the document");
                if (got == 0)
                        return TRUE;
                total += (size_t) got;
                if (total > PIPE_COPY_MAX_BYTES) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED, "Document larger than %d bytes",
                                    PIPE_COPY_MAX_BYTES);
                        return FALSE;
                }
                if (!write_all(memfd, buffer, (size_t) got, error))
                        return FALSE;
        }
}

/* The daemon takes only regular files: it needs the size, and content that cannot change under it. */
int client_document_fd(int fd, int *copy, GError **error) {
        const unsigned seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
        struct stat st;
        int memfd;

        if (fstat(fd, &st) < 0) {
                fail_with_errno(error, errno, "Cannot inspect the document's file descriptor");
                return -1;
        }
        if (S_ISREG(st.st_mode))
                return fd;
        if (S_ISDIR(st.st_mode)) {
                g_set_error_literal(error, PROV_ERROR, PROV_ERROR_FAILED, "Is a directory");
                return -1;
        }
        memfd = memfd_create("provisioning-document", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (memfd < 0) {
                fail_with_errno(error, errno, "Cannot create a memory file for the document");
                return -1;
        }
        if (!copy_to_end(fd, memfd, error)) {
                close(memfd);
                return -1;
        }
        if (lseek(memfd, 0, SEEK_SET) < 0 || fcntl(memfd, F_ADD_SEALS, seals) < 0) {
                fail_with_errno(error, errno, "Cannot seal the memory file of the document");
                close(memfd);
                return -1;
        }
        *copy = memfd;
        return memfd;
}
