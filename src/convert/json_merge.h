/* json_merge.h: deep merge of a JSON object into another (models.yaml
 * extra_body into a request body). */
#ifndef JSON_MERGE_H
#define JSON_MERGE_H

#include "buf.h"
#include "str.h"

/* Append base with patch merged in: for each key of patch, an object value
 * merges recursively into an object of base; any other value replaces base's
 * (null included); keys base lacks are appended in patch's order. Untouched
 * values are copied verbatim. Both must be JSON objects. 0 or -1. */
int json_merge(struct buf *out, struct str base, struct str patch);

#endif
