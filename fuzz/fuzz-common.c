/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "patch.h"
#include "working-copy.h"
#include "document.h"
#include "operations.h"
#include "provision.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

void fuzz_fail(const char *format, ...) {
        va_list arguments;

        va_start(arguments, format);
        vfprintf(stderr, format, arguments);
        va_end(arguments);
        fputc('\n', stderr);
        abort();
}

/* Messages and debug output only slow the fuzzer down; warnings are still
 * shown, and criticals and errors abort (a GLib precondition failed: a finding). */
static GLogWriterOutput quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                     gpointer user_data) {
        if ((level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) != 0)
                return G_LOG_WRITER_HANDLED;
        g_log_writer_standard_streams(level, fields, n_fields, user_data);
        if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0)
                abort();
        return G_LOG_WRITER_HANDLED;
}

static void fuzz_init(void) {
        static gsize initialized = 0;

        if (g_once_init_enter(&initialized)) {
                g_log_set_writer_func(quiet_writer, NULL, NULL);
                g_once_init_leave(&initialized, 1);
        }
}

const SchemaSet *fuzz_schemas(void) {
        static SchemaSet *schemas = NULL;

        if (schemas == NULL) {
                g_autofree char *dir = g_build_filename(FUZZ_SOURCE_ROOT, "schemas", NULL);
                g_autoptr(GError) error = NULL;

                fuzz_init();
                schemas = schema_set_load(dir, &error);
                if (schemas == NULL)
                        fuzz_fail("cannot load the schemas: %s", error->message);
        }
        return schemas;
}

xmlDoc *fuzz_defaults(void) {
        static xmlDoc *defaults = NULL;

        if (defaults == NULL) {
                g_autofree char *path = g_build_filename(FUZZ_SOURCE_ROOT, "data", "defaults.xml", NULL);
                g_autofree char *contents = NULL;
                g_autoptr(GError) error = NULL;
                gsize length = 0;

                fuzz_init();
                if (!g_file_get_contents(path, &contents, &length, &error) ||
                    (defaults = xml_parse_untrusted(contents, length, path, &error)) == NULL)
                        fuzz_fail("cannot load the defaults: %s", error->message);
        }
        return defaults;
}

static void assert_provisioning_error(const GError *error) {
        fuzz_assert(error != NULL, "a failure without an error");
        fuzz_assert(error->domain == PROV_ERROR, "an error outside the provisioning domain");
        fuzz_assert(error->message != NULL && error->message[0] != '\0', "an error without a message");
}

/* What the store would write and read back on the next start. */
static void assert_loads_again(xmlDoc *working) {
        g_autoptr(GError) error = NULL;
        g_autofree char *written = NULL;
        g_autofree char *rewritten = NULL;
        g_autoptr(xmlDoc) loaded = NULL;
        gsize length = 0;

        written = xml_doc_to_string(working, &length);
        loaded = xml_parse_untrusted(written, length, "settings.xml", &error);
        if (loaded == NULL)
                fuzz_fail("the result does not load again: %s", error->message);
        rewritten = xml_doc_to_string(loaded, NULL);
        fuzz_assert(g_str_equal(written, rewritten), "the result changes when it is loaded again");
        for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(loaded)); section != NULL;
             section = xml_next_element(section)) {
                if (schema_set_section_version(fuzz_schemas(), xml_node_name(section)) == NULL)
                        continue;
                if (!schema_set_validate_section(fuzz_schemas(), section, &error))
                        fuzz_fail("section %s is invalid once loaded again: %s", xml_node_name(section),
                                  error->message);
        }
}

static gboolean apply_document(xmlDoc *working, xmlDoc *doc, DocumentType type, ApplyResult *result,
                               GError **error) {
        switch (type) {
        case DOCUMENT_PATCH:
                return patch_apply(working, doc, fuzz_schemas(), result, error);
        case DOCUMENT_OPERATIONS:
                return operations_apply(working, doc, fuzz_schemas(), result, error);
        case DOCUMENT_REFERENCE:
                break;
        }
        g_set_error(error, PROV_ERROR, PROV_ERROR_REFERENCE_NOT_ALLOWED, "a reference document");
        return FALSE;
}

void fuzz_apply_and_check(const char *data, gsize size) {
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(xmlDoc) working = NULL;
        g_autoptr(ApplyResult) result = NULL;
        g_autoptr(GPtrArray) changes = NULL;
        DocumentType type;

        doc = document_parse(data, size, "the document", fuzz_schemas(), &type, &error);
        if (doc == NULL) {
                assert_provisioning_error(error);
                return;
        }
        working = xmlCopyDoc(fuzz_defaults(), 1);
        result = apply_result_new();
        if (!apply_document(working, doc, type, result, &error) ||
            !working_copy_validate_touched(working, fuzz_schemas(), result, &error)) {
                assert_provisioning_error(error);
                return;
        }
        changes = working_copy_changed_sections(fuzz_defaults(), working, result);
        assert_loads_again(working);
}
