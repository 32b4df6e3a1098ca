/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ending GLib's idle worker threads before the process exits. */
#pragma once

#include <glib.h>

/**
 * worker_threads_stop_idle:
 * Asks GLib's idle pool threads to end and waits up to @timeout_usec until
 * they have. TLS handshakes run in these threads and leave GnuTLS state in
 * them; LeakSanitizer's exit-time check crashes on such a thread (gcc 12,
 * glibc 2.36: "Tracer caught signal 11"), so exits end them first.
 */
void worker_threads_stop_idle(gint64 timeout_usec);
