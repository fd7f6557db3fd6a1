/* yaml.h: the YAML subset of models.yaml, parsed into a small tree.
 *
 * A pure module: bytes in, tree out. No files, no globals. The input is
 * treated as hostile; every length is checked, nesting is capped at
 * YAML_MAX_DEPTH collections and the tree at YAML_MAX_NODES nodes.
 *
 * Supported:
 *   - block mappings "key: value" (key plain or quoted) and block sequences
 *     "- item", nested by indentation of spaces; compact maps and lists in a
 *     list item ("- key: v" with more keys aligned under "key", "- - a");
 *     a list may sit at the same column as its parent key ("key:\n- a").
 *   - plain scalars on one line ("#" not after a space and ":" not before a
 *     space are part of them; trailing spaces and " # comments" are cut);
 *     'single-quoted' ('' is a quote); "double-quoted" with the escapes
 *     \" \\ \/ \n \t \r \b \f \0 \xXX \uXXXX (surrogate pairs) \UXXXXXXXX,
 *     all code points written as UTF-8. Quoted scalars end on their line.
 *   - flow collections {a: 1, "b": [x, y]} nested to any depth up to the
 *     cap, on one line or over several lines indented deeper than their
 *     parent (a closing bracket may sit at the parent's column); a
 *     trailing comma is allowed. Every flow-mapping entry needs "key: value".
 *   - comments, blank lines, CRLF line ends, a UTF-8 BOM, one leading
 *     "---" and a final "...".
 * Anything else is an error naming the line and column: anchors, aliases,
 * tags, block scalars, "?" keys, directives, several documents, duplicate
 * keys, tabs in indentation, bad indentation, multi-line plain scalars,
 * unterminated quotes or brackets, junk after a value, a list item among
 * map keys, invalid UTF-8, control characters, a CR without LF, other
 * escapes (\e, "\ ", ...), nesting over the cap. */
#ifndef YAML_H
#define YAML_H

#include <stddef.h>

enum {
	YAML_MAX_DEPTH = 64,        /* collections nested inside each other */
	YAML_MAX_NODES = 1000000,   /* nodes in one tree */
};
#define YAML_MAX_INPUT ((size_t)64 << 20)   /* bytes accepted by yaml_parse() */

enum yaml_kind { YAML_SCALAR, YAML_MAP, YAML_LIST };
enum yaml_style { YAML_PLAIN, YAML_SINGLE, YAML_DOUBLE };

struct yaml_node {
	enum yaml_kind kind;
	int line, col;            /* where the value starts (1-based; columns count
	                           * characters); an empty value is placed just
	                           * after its ':' or '-' */
	char *s;                  /* scalar text after unescaping, NUL-terminated
	                           * (it may hold NULs from \0: use n); "" for
	                           * null scalars and for collections */
	size_t n;
	enum yaml_style style;    /* quoted scalars are always strings; the caller
	                           * decides the type of plain ones */
	int is_null;              /* plain empty, "~", "null", "Null" or "NULL" */
	char *key;                /* set when this node is a value in a map: its
	                           * key, unescaped and NUL-terminated; else NULL */
	size_t key_n;
	int key_line, key_col;
	struct yaml_node *child;  /* first child, in document order */
	struct yaml_node *next;   /* next sibling */
	size_t count;             /* number of children */
};

struct yaml_error {
	int line, col;            /* 1-based; col counts characters */
	char msg[160];
};

/* Parse len bytes at src (no NUL terminator needed). Returns 0 with *root set
 * (NULL for an empty document: nothing but blanks, comments and markers), or
 * -1 with *root NULL and err filled with the first problem found. err may be
 * NULL. Free the tree with yaml_free(). */
int yaml_parse(const char *src, size_t len, struct yaml_node **root, struct yaml_error *err);

/* Free a tree returned by yaml_parse() (only its root; NULL is fine). Every
 * node and string of the tree is released at once. */
void yaml_free(struct yaml_node *root);

/* The value for key in a map node; NULL if absent or map is not a map. */
struct yaml_node *yaml_get(const struct yaml_node *map, const char *key);

/* Read plain (unquoted) scalars. Each returns 0 and sets *out, or -1 if n is
 * NULL, not a plain scalar, or not of that type.
 * yaml_bool: true/false, yes/no, on/off, each lower-case, Capitalised or
 *            UPPER-CASE.
 * yaml_int:  decimal with an optional sign, e.g. "-12"; no overflow. */
int yaml_bool(const struct yaml_node *n, int *out);
int yaml_int(const struct yaml_node *n, long long *out);

/* "scalar", "map" or "list", for messages. */
const char *yaml_kind_name(enum yaml_kind k);

#endif
