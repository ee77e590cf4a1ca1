/*
 * AWS's XML answers as cJSON trees. The parser never touches the network and
 * never expands an entity beyond XML's predefined ones. A document with a
 * DOCTYPE is refused outright: no AWS response carries one, and a DTD is
 * where external-entity and entity-expansion attacks live.
 */
#include "aws/aws_response.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2 wants its global state set up once, before threads parse at the same time. */
static void xml_init(void)
{
    xmlInitParser();
}

static const char doctype_seen[] = "DOCTYPE";

/*
 * Called by the parser at a DOCTYPE, before anything in it is read. A
 * stopped parse still counts as well-formed, so the refusal is marked in the
 * context's field for the application.
 */
static void stop_at_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                            const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;

    (void)name;
    (void)external_id;
    (void)system_id;
    ctxt->_private = (void *)doctype_seen;
    xmlStopParser(ctxt);
}

/*
 * A repeated name turns the member into an array of every occurrence, in
 * order. Takes value over, freeing it when it cannot be added.
 */
static bool add_member(cJSON *obj, const char *name, cJSON *value)
{
    cJSON *existing = cJSON_GetObjectItemCaseSensitive(obj, name);
    cJSON *array;

    if (existing != NULL && cJSON_IsArray(existing)) {
        array = existing;
    } else if (existing == NULL) {
        if (cJSON_AddItemToObject(obj, name, value)) {
            return true;
        }
        cJSON_Delete(value);
        return false;
    } else {
        array = cJSON_CreateArray();
        if (array == NULL) {
            cJSON_Delete(value);
            return false;
        }
        cJSON_DetachItemViaPointer(obj, existing);
        cJSON_AddItemToArray(array, existing);
        if (!cJSON_AddItemToObject(obj, name, array)) {
            cJSON_Delete(array);
            cJSON_Delete(value);
            return false;
        }
    }
    return cJSON_AddItemToArray(array, value);
}

static bool has_child_element(const xmlNode *node)
{
    for (const xmlNode *child = node->children; child != NULL; child = child->next) {
        if (child->type == XML_ELEMENT_NODE) {
            return true;
        }
    }
    return false;
}

static cJSON *element_text(const xmlNode *node)
{
    xmlChar *text = xmlNodeGetContent(node);
    cJSON *value = cJSON_CreateString(text != NULL ? (const char *)text : "");

    xmlFree(text);
    return value;
}

/* Text between child elements (indentation, usually) is left out. */
static cJSON *element_to_json(const xmlNode *node, int depth)
{
    if (depth > AWS_XML_MAX_DEPTH) {
        return NULL;
    }
    if (!has_child_element(node)) {
        return element_text(node);
    }
    cJSON *obj = cJSON_CreateObject();
    for (const xmlNode *child = node->children; obj != NULL && child != NULL; child = child->next) {
        if (child->type != XML_ELEMENT_NODE) {
            continue;
        }
        cJSON *value = element_to_json(child, depth + 1);
        if (value == NULL || !add_member(obj, (const char *)child->name, value)) {
            cJSON_Delete(obj);
            obj = NULL;
        }
    }
    return obj;
}

static cJSON *document_to_json(const xmlDoc *doc)
{
    const xmlNode *root = xmlDocGetRootElement(doc);
    cJSON *value = root != NULL ? element_to_json(root, 1) : NULL;
    cJSON *tree = value != NULL ? cJSON_CreateObject() : NULL;

    if (tree == NULL || !cJSON_AddItemToObject(tree, (const char *)root->name, value)) {
        cJSON_Delete(value);
        cJSON_Delete(tree);
        return NULL;
    }
    return tree;
}

cJSON *aws_xml_to_json(const char *xml, size_t len)
{
    const int options =
        XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    cJSON *tree = NULL;

    if (xml == NULL || len == 0 || len > INT_MAX) {
        return NULL;
    }
    pthread_once(&xml_once, xml_init);
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        return NULL;
    }
    ctxt->sax->internalSubset = stop_at_doctype;
    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL, options);
    if (doc != NULL && ctxt->wellFormed && ctxt->_private == NULL && doc->intSubset == NULL &&
        doc->extSubset == NULL) {
        tree = document_to_json(doc);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return tree;
}
