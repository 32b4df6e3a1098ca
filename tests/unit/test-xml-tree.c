/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xml-tree.c: comparing trees without serializing them, moving nodes between documents. */
#include <glib.h>

#include "test-util.h"
#include "xml-cleanup.h"
#include "xml-parse.h"
#include "xml-tree.h"

typedef struct {
        const char *a;
        const char *b;
        gboolean equal;
} EqualCase;

static const EqualCase equal_cases[] = {
        { "<s><a x='1' y='2'>t</a><b/></s>", "<s><a x='1' y='2'>t</a><b/></s>", TRUE },
        { "<s><a>t</a></s>", "<s><a>u</a></s>", FALSE },
        { "<s><a x='1'/></s>", "<s><a x='2'/></s>", FALSE },
        /* Serialized, attribute order shows: the trees differ. */
        { "<s><a x='1' y='2'/></s>", "<s><a y='2' x='1'/></s>", FALSE },
        { "<s><a/><b/></s>", "<s><b/><a/></s>", FALSE },
        { "<s><a/></s>", "<s><a/><a/></s>", FALSE },
        { "<s><a/><!-- c --></s>", "<s><a/></s>", FALSE },
        { "<s><!-- c --></s>", "<s><!-- d --></s>", FALSE },
        { "<s><a/></s>", "<s><a></a></s>", TRUE },
        /* Untrusted parsing makes CDATA text (XML_PARSE_NOCDATA). */
        { "<s><a>t</a></s>", "<s><a><![CDATA[t]]></a></s>", TRUE },
        { "<s><a>t&amp;</a></s>", "<s><a>t&lt;</a></s>", FALSE },
};

/* The compare agrees with comparing the serialized text, which it replaces. */
static void test_equal_as_serialized(void) {
        for (gsize i = 0; i < G_N_ELEMENTS(equal_cases); i++) {
                g_autoptr(xmlDoc) a = parse_text(equal_cases[i].a);
                g_autoptr(xmlDoc) b = parse_text(equal_cases[i].b);
                g_autofree char *text_a = xml_node_to_string(xmlDocGetRootElement(a));
                g_autofree char *text_b = xml_node_to_string(xmlDocGetRootElement(b));

                g_assert_cmpint(xml_tree_equal(xmlDocGetRootElement(a), xmlDocGetRootElement(b)), ==,
                                equal_cases[i].equal);
                g_assert_cmpint(g_str_equal(text_a, text_b), ==, equal_cases[i].equal);
        }
}

/* A taken node lives on in its new document after the old one is freed (names and short
 * strings were interned in the old one's dictionary). */
static void test_take_outlives_the_source(void) {
        g_autoptr(xmlDoc) target = parse_text("<configuration><keys/></configuration>");
        xmlDoc *source = parse_text(
                "<templates><template name='t1' x='1'><prio>1</prio><label>a long label"
                "</label></template></templates>");
        xmlNode *template = xml_first_element_child(xmlDocGetRootElement(source));
        xmlNode *taken = xml_tree_take(template, xmlDocGetRootElement(target));
        g_autoptr(xmlDoc) expected = parse_text(
                "<configuration><keys/><template name='t1' x='1'><prio>1</prio>"
                "<label>a long label</label></template></configuration>");

        g_assert_null(xml_first_element_child(xmlDocGetRootElement(source)));
        xmlFreeDoc(source);
        g_assert_true(taken->doc == target);
        xmlAddChild(xmlDocGetRootElement(target), taken);
        g_assert_true(xml_tree_equal(xmlDocGetRootElement(target), xmlDocGetRootElement(expected)));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/xml-tree/equal-as-serialized", test_equal_as_serialized);
        g_test_add_func("/xml-tree/take-outlives-the-source", test_take_outlives_the_source);
        return g_test_run();
}
