/* rules.h: declarative request and response rewriting, the static binary's
 * stand-in for the seed's Python plugins (docs/rules.md is the user guide).
 *
 * A models.yaml entry (or the "*" entry, whose rules the proxy applies
 * before the model's own) may carry
 *
 *     rules:
 *       drop_tools: default            # or a list of tool names
 *       request:                       # the body the client sent
 *         - set: {path: /temperature, value: 0.3}
 *         - set_if_absent: {path: /max_tokens, value: 4096}
 *         - delete: .top_k
 *       upstream:                      # the translated body sent to the provider
 *         - delete: /stream_options
 *       response:                      # a whole (non-streamed) JSON answer
 *         - delete: /usage/server_tool_use
 *
 * Paths are JSON Pointers (RFC 6901: "/a/b/0", "~0" is '~', "~1" is '/')
 * or dotted (".a.b.0", no escapes); a part that is exactly "*" matches every
 * member of an object or element of an array that exists at that point;
 * "-" after an array is a new element at its end (set, set_if_absent).
 * Rules run in order and the result, member order included, is that of
 * running them one by one; drop_tools runs first. set creates missing (or
 * null) intermediate objects unless a wildcard lies ahead; through any
 * other scalar, a missing array index or a wildcard with nothing to match,
 * a rule does nothing. delete of a missing path is a no-op. drop_tools
 * matches {"name"} and {"function":{"name"}}, also removes a tool_choice
 * naming a dropped tool, and when no tool is left removes "tools",
 * "tool_choice" and "parallel_tool_calls".
 *
 * Pure: compiled once from the YAML tree, then read-only and shareable
 * between requests; apply allocates only scratch memory. */
#ifndef RULES_H
#define RULES_H

#include <stddef.h>

#include "buf.h"
#include "str.h"
#include "yaml.h"

enum {
	RULES_MAX_PARTS = 32,    /* parts in one path */
	RULES_MAX_RULES = 4096,  /* rules in one list */
};

struct rules;   /* an immutable compiled rule set */

/* Compile the value of a "rules:" key (a map with drop_tools, request,
 * upstream and response, each optional). A NULL node or an empty/null value
 * gives an empty rule set. 0 with *out set, or -1 with *out NULL and err
 * holding "file:line:col: rules.request[1].set: what is wrong" (items count
 * from 0). */
int rules_compile(const struct yaml_node *node, const char *file, struct rules **out, char *err,
                  size_t errlen);
void rules_free(struct rules *r);

/* Nothing to do in that phase: the apply call would return 0 at once. */
int rules_request_empty(const struct rules *r);
int rules_upstream_empty(const struct rules *r);
int rules_response_empty(const struct rules *r);

/* drop_tools, then the request list, on the body the client sent (any shape:
 * tools are recognised as {"name"} and {"function":{"name"}}).
 * Appends the rewritten body to out and returns 1 if anything changed; 0 if
 * nothing did (out untouched; a rule set with nothing for this phase returns
 * 0 without parsing the body); -1 on a body that is not a JSON object or
 * array, on allocation failure or when out's cap is hit (out untouched,
 * err says which). r may be NULL (no rules). */
int rules_apply_request(const struct rules *r, struct str body, struct buf *out, char *err, size_t errlen);
/* The upstream list, on the body about to be sent to the provider (after
 * translation and extra_body). Same contract. */
int rules_apply_upstream(const struct rules *r, struct str body, struct buf *out, char *err, size_t errlen);
/* The response list, on a whole JSON response body (non-streamed answers).
 * Same contract. */
int rules_apply_response(const struct rules *r, struct str body, struct buf *out, char *err, size_t errlen);

#endif
