/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The merge rules of a patch section, one case per rule (docs/architecture.md, "Merge rules"). */
#include <glib.h>

#include "merge.h"
#include "test-util.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

typedef struct {
        const char *name;
        const char *current;
        const char *patch;
        const char *expected;
} MergeCase;

static const MergeCase merge_cases[] = {
        {
                /* The seed's telephony example: one leaf given, its siblings stay. */
                "/merge/leaf-replaces-counterpart",
                "<telephony><callWaiting><active>true</active><tone>true</tone></callWaiting></telephony>",
                "<telephony><callWaiting><active>false</active></callWaiting></telephony>",
                "<telephony><callWaiting><active>false</active><tone>true</tone></callWaiting></telephony>",
        },
        {
                "/merge/absent-leaves-untouched",
                "<telephony><callWaiting><active>true</active></callWaiting><autoAnswer><active>false</active></autoAnswer></telephony>",
                "<telephony><autoAnswer><active>true</active></autoAnswer></telephony>",
                "<telephony><callWaiting><active>true</active></callWaiting><autoAnswer><active>true</active></autoAnswer></telephony>",
        },
        {
                "/merge/new-leaf-added",
                "<telephony><callWaiting><active>true</active></callWaiting></telephony>",
                "<telephony><callWaiting><tone>false</tone></callWaiting></telephony>",
                "<telephony><callWaiting><active>true</active><tone>false</tone></callWaiting></telephony>",
        },
        {
                "/merge/empty-container-keeps-content",
                "<telephony><callWaiting><active>true</active></callWaiting></telephony>",
                "<telephony><callWaiting/></telephony>",
                "<telephony><callWaiting><active>true</active></callWaiting></telephony>",
        },
        {
                "/merge/empty-leaf-clears-value",
                "<provisioning><url>http://old/</url></provisioning>",
                "<provisioning><url/></provisioning>",
                "<provisioning><url/></provisioning>",
        },
        {
                "/merge/attributes-replace-counterparts",
                "<telephony version=\"1.8.8\"><a x=\"1\" y=\"2\">v</a></telephony>",
                "<telephony version=\"1.8.9\"><a x=\"3\"/></telephony>",
                "<telephony version=\"1.8.9\"><a x=\"3\" y=\"2\">v</a></telephony>",
        },
        {
                /* The seed's keys example: key 3 replaced whole, key 7 added, key 1 kept. */
                "/merge/list-key-replaces-whole",
                "<keys><phoneXtensions>"
                "<key keyNumber=\"1\" label=\"A\"><templateName>blf</templateName></key>"
                "<key keyNumber=\"3\" label=\"Old\" info=\"x\"><templateName>blf</templateName>"
                "<parameters><parameter name=\"identity\" value=\"1\"/></parameters></key>"
                "</phoneXtensions></keys>",
                "<keys><phoneXtensions>"
                "<key keyNumber=\"3\" label=\"New\"><templateName>speedDial</templateName></key>"
                "<key keyNumber=\"7\" label=\"Seven\"><templateName>blf</templateName></key>"
                "</phoneXtensions></keys>",
                "<keys><phoneXtensions>"
                "<key keyNumber=\"1\" label=\"A\"><templateName>blf</templateName></key>"
                "<key keyNumber=\"3\" label=\"New\"><templateName>speedDial</templateName></key>"
                "<key keyNumber=\"7\" label=\"Seven\"><templateName>blf</templateName></key>"
                "</phoneXtensions></keys>",
        },
        {
                "/merge/list-key-per-extension-module",
                "<keys><extensionModule2><key keyNumber=\"1\" label=\"A\"/></extensionModule2></keys>",
                "<keys><extensionModule2><key keyNumber=\"1\" label=\"B\"/><key keyNumber=\"2\"/></extensionModule2></keys>",
                "<keys><extensionModule2><key keyNumber=\"1\" label=\"B\"/><key keyNumber=\"2\"/></extensionModule2></keys>",
        },
        {
                "/merge/list-key-users-by-name",
                "<users><user name=\"admin\"><role>admin</role><changePassword>true</changePassword></user>"
                "<user name=\"bob\"><role>user</role></user></users>",
                "<users><user name=\"admin\"><role>admin</role></user></users>",
                "<users><user name=\"admin\"><role>admin</role></user><user name=\"bob\"><role>user</role></user></users>",
        },
        {
                /* Template t replaced whole (its parameter b goes with it), u added, v kept. */
                "/merge/list-key-templates-by-name",
                "<templates><template name=\"t\"><prio>1</prio><parameters><parameter name=\"a\" value=\"1\"/>"
                "<parameter name=\"b\" value=\"2\"/></parameters></template>"
                "<template name=\"v\"><prio>3</prio></template></templates>",
                "<templates><template name=\"t\"><prio>4</prio><parameters><parameter name=\"a\" value=\"5\"/>"
                "</parameters></template><template name=\"u\"><prio>2</prio></template></templates>",
                "<templates><template name=\"t\"><prio>4</prio><parameters><parameter name=\"a\" value=\"5\"/>"
                "</parameters></template><template name=\"v\"><prio>3</prio></template>"
                "<template name=\"u\"><prio>2</prio></template></templates>",
        },
        {
                /* Parameter b replaced whole (its other attribute goes), c added, a kept. The
                 * parameters sit in a merged container: in keys and templates the key or template
                 * holding them is replaced whole before its parameters are looked at. */
                "/merge/list-key-parameters-by-name",
                "<telephony><extras><parameters><parameter name=\"a\" value=\"1\"/>"
                "<parameter name=\"b\" value=\"2\" note=\"old\"/></parameters></extras></telephony>",
                "<telephony><extras><parameters><parameter name=\"b\" value=\"3\"/>"
                "<parameter name=\"c\" value=\"4\"/></parameters></extras></telephony>",
                "<telephony><extras><parameters><parameter name=\"a\" value=\"1\"/><parameter name=\"b\" value=\"3\"/>"
                "<parameter name=\"c\" value=\"4\"/></parameters></extras></telephony>",
        },
        {
                "/merge/list-key-lua-libraries-by-name",
                "<luaLibraries><luaLibrary name=\"x\"><code>a</code></luaLibrary></luaLibraries>",
                "<luaLibraries><luaLibrary name=\"x\"><code>b</code></luaLibrary><luaLibrary name=\"y\"><code>c</code></luaLibrary></luaLibraries>",
                "<luaLibraries><luaLibrary name=\"x\"><code>b</code></luaLibrary><luaLibrary name=\"y\"><code>c</code></luaLibrary></luaLibraries>",
        },
        {
                "/merge/identities-by-position",
                "<identities><identity><username>a</username><active>true</active></identity>"
                "<identity><username>b</username></identity><identity><username>c</username></identity></identities>",
                "<identities><identity/><identity><username>B</username></identity><identity/></identities>",
                "<identities><identity><username>a</username><active>true</active></identity>"
                "<identity><username>B</username></identity><identity><username>c</username></identity></identities>",
        },
        {
                /* Pretty-printed placeholders keep their slot: white space and comments are no content. */
                "/merge/blank-placeholder-keeps-slot",
                "<identities><identity><username>a</username></identity><identity><username>b</username></identity></identities>",
                "<identities><identity>\n  </identity><identity><!-- keep --></identity></identities>",
                "<identities><identity><username>a</username></identity><identity><username>b</username></identity></identities>",
        },
        {
                "/merge/blank-container-keeps-content",
                "<telephony><callWaiting><active>true</active></callWaiting></telephony>",
                "<telephony><callWaiting>\n</callWaiting></telephony>",
                "<telephony><callWaiting><active>true</active></callWaiting></telephony>",
        },
        {
                "/merge/keyless-list-replaced-whole",
                "<provisioning><sip><allowlist><allowlistEntry>a</allowlistEntry><allowlistEntry>b</allowlistEntry>"
                "</allowlist></sip></provisioning>",
                "<provisioning><sip><allowlist><allowlistEntry>c</allowlistEntry></allowlist></sip></provisioning>",
                "<provisioning><sip><allowlist><allowlistEntry>c</allowlistEntry></allowlist></sip></provisioning>",
        },
        {
                "/merge/keyless-list-grows",
                "<provisioning><sip><allowlist><allowlistEntry>a</allowlistEntry></allowlist></sip></provisioning>",
                "<provisioning><sip><allowlist><allowlistEntry>a</allowlistEntry><allowlistEntry>b</allowlistEntry>"
                "</allowlist></sip></provisioning>",
                "<provisioning><sip><allowlist><allowlistEntry>a</allowlistEntry><allowlistEntry>b</allowlistEntry>"
                "</allowlist></sip></provisioning>",
        },
        {
                "/merge/new-container-added-whole",
                "<telephony/>",
                "<telephony><callWaiting><active>true</active></callWaiting></telephony>",
                "<telephony><callWaiting><active>true</active></callWaiting></telephony>",
        },
};

static char *serialize_root(xmlDoc *doc) {
        g_autoptr(xmlBuffer) buffer = xmlBufferCreate();

        xmlNodeDump(buffer, doc, xmlDocGetRootElement(doc), 0, 0);
        return g_strdup((const char *)xmlBufferContent(buffer));
}

static void test_merge_case(gconstpointer data) {
        const MergeCase *merge_case = data;
        g_autoptr(xmlDoc) current = parse_text(merge_case->current);
        g_autoptr(xmlDoc) patch = parse_text(merge_case->patch);
        g_autoptr(xmlDoc) expected = parse_text(merge_case->expected);
        g_autofree char *patch_before = serialize_root(patch);
        g_autofree char *patch_after = NULL;
        g_autofree char *merged = NULL;
        g_autofree char *wanted = NULL;

        merge_section(xmlDocGetRootElement(current), xmlDocGetRootElement(patch));

        merged = serialize_root(current);
        wanted = serialize_root(expected);
        g_assert_cmpstr(merged, ==, wanted);
        patch_after = serialize_root(patch);
        g_assert_cmpstr(patch_after, ==, patch_before);
}

/* Merging the same patch twice gives what merging it once gave. */
static void test_merge_idempotent(void) {
        for (gsize i = 0; i < G_N_ELEMENTS(merge_cases); i++) {
                g_autoptr(xmlDoc) current = parse_text(merge_cases[i].current);
                g_autoptr(xmlDoc) patch = parse_text(merge_cases[i].patch);
                g_autofree char *once = NULL;
                g_autofree char *twice = NULL;

                merge_section(xmlDocGetRootElement(current), xmlDocGetRootElement(patch));
                once = serialize_root(current);
                merge_section(xmlDocGetRootElement(current), xmlDocGetRootElement(patch));
                twice = serialize_root(current);
                g_assert_cmpstr(once, ==, twice);
        }
}

/* Merging into merge_copy_for()'s partial copy gives what merging into a full copy gives,
 * for every rule (the shells of replaced keyed elements never survive the merge). */
static void test_merge_into_copy_for_patch(void) {
        for (gsize i = 0; i < G_N_ELEMENTS(merge_cases); i++) {
                g_autoptr(xmlDoc) current = parse_text(merge_cases[i].current);
                g_autoptr(xmlDoc) patch = parse_text(merge_cases[i].patch);
                g_autoptr(xmlDoc) expected = parse_text(merge_cases[i].expected);
                g_autoptr(xmlDoc) copy = xmlNewDoc((const xmlChar *)"1.0");
                xmlNode *target = merge_copy_for(xmlDocGetRootElement(current), xmlDocGetRootElement(patch), copy);
                g_autofree char *merged = NULL;
                g_autofree char *wanted = NULL;

                xmlDocSetRootElement(copy, target);
                merge_section_take(target, xmlDocGetRootElement(patch));
                merged = serialize_root(copy);
                wanted = serialize_root(expected);
                g_assert_cmpstr(merged, ==, wanted);
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        for (gsize i = 0; i < G_N_ELEMENTS(merge_cases); i++)
                g_test_add_data_func(merge_cases[i].name, &merge_cases[i], test_merge_case);
        g_test_add_func("/merge/idempotent", test_merge_idempotent);
        g_test_add_func("/merge/into-copy-for-patch", test_merge_into_copy_for_patch);
        return g_test_run();
}
