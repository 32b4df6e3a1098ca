/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus side of the run history (run-history.h): ListRuns and the SourceStats property. */
#pragma once

#include <systemd/sd-bus.h>

#include "engine.h"

/**
 * bus_history_append_source_stats:
 * Appends SourceStats, a{sa{sv}}: source name -> Runs (t), Successes (t),
 * Failures (t), LastResult (s), LastHttpStatus (u), LastUrl (s, redacted),
 * LastRun (t, µs since the epoch).
 */
int bus_history_append_source_stats(sd_bus_message *reply, const Engine *engine);

/**
 * bus_history_method_list_runs:
 * ListRuns() -> a(ta{sv}): the kept runs, oldest first, each as its number
 * (counting across restarts) and RunId (t), Trigger, Source, Url (redacted),
 * Result, Error (s), Files, NotModified, HttpStatus, SectionsChanged (u),
 * Bytes, Started, Duration (t, µs). userdata is the Engine.
 */
int bus_history_method_list_runs(sd_bus_message *message, void *userdata, sd_bus_error *error);
