/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What happened when: per URL source (manual, configured, dhcp, redirect,
 * multicast, check-sync) the number of runs, successes and failures, the last
 * result, HTTP status and URL; and the last RUN_HISTORY_MAX_RUNS runs (trigger,
 * source, URL, files, bytes, 304s, duration, result). Kept across restarts in
 * STATE_DIR/runs/history, a key file replaced whole through a temp file and a
 * rename after each run (store_write_file_atomic()); a missing or unreadable
 * file starts an empty history (logged). URLs are stored redacted
 * (url_redact()): the history is for everyone to read.
 */
#pragma once

#include <glib.h>

#include "run.h"
#include "status.h"

#define RUN_HISTORY_SUBDIR "runs"
#define RUN_HISTORY_FILE "history"
#define RUN_HISTORY_MAX_RUNS 50

/** RunRecord: one run that ended. Strings owned. */
typedef struct {
        guint64 number; /* counts the runs over the history's life, across restarts; from 1 */
        guint64 run_id; /* the run's id in its daemon's life (ids restart at 1) */
        char *trigger;
        char *source;       /* run_source_name() */
        char *url;          /* redacted; "" when the run had none */
        char *result;       /* "success", "failed" or "cancelled" */
        char *error_name;   /* D-Bus error name; "" on success */
        guint files;        /* files fetched, references and 304s included */
        guint64 bytes;      /* body bytes received (a 304 counts 0) */
        guint not_modified; /* answers 304: the body came from the cache */
        guint http_status;  /* of the run's last response; 0: none */
        guint sections_changed;
        guint64 started;  /* µs since the epoch */
        guint64 duration; /* µs */
} RunRecord;

void run_record_free(RunRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RunRecord, run_record_free)

/** SourceStats: the runs from one source. Strings owned. */
typedef struct {
        char *source;
        guint64 runs;
        guint64 successes;
        guint64 failures;  /* failed or cancelled */
        char *last_result; /* "none" before the first run */
        guint last_http_status;
        char *last_url;   /* redacted; "" when none */
        guint64 last_run; /* µs since the epoch the last run ended; 0: never */
} SourceStats;

typedef struct RunHistory RunHistory;

/** run_history_open: loads @state_dir/runs/history (or starts empty) keeping at most @max_runs runs. */
RunHistory *run_history_open(const char *state_dir, guint max_runs);

void run_history_free(RunHistory *history);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RunHistory, run_history_free)

/**
 * run_history_record_run:
 * Records the end of @run: its request, the @status of the run as the
 * engine shows it (trigger, URL, files, bytes, start), @failure (NULL:
 * success) and @sections_changed. Writes the file; a failure to write is
 * logged, the history in memory is kept.
 */
void run_history_record_run(RunHistory *history, Run *run, const Status *status, const GError *failure,
                            guint sections_changed);

/** run_history_get_runs: the kept runs (RunRecord*, owned by @history), oldest first. */
GPtrArray *run_history_get_runs(const RunHistory *history);

/** run_history_get_sources: SourceStats* (owned by @history) of every known source, in a fixed order. */
GPtrArray *run_history_get_sources(const RunHistory *history);
