/* gem_schema.h: a JSON Schema (an Anthropic tool's input_schema, draft
 * 2020-12, or an output_config.format schema) rewritten into the subset of
 * OpenAPI 3.0 that Gemini's FunctionDeclaration.parameters and
 * GenerationConfig.responseSchema accept. Pure: bytes in, bytes out; the
 * schema is hostile (every keyword is type-checked, $ref expansion is
 * bounded, nothing is quadratic in the input).
 *
 * Why: Gemini parses Schema as a protobuf message, so an unknown keyword
 * ("$schema", "additionalProperties", "const"...) fails the whole request
 * with 400 "Invalid JSON payload received. Unknown name"; it also refuses
 * "properties" on a non-OBJECT node, an ARRAY without "items" ("items:
 * missing field") and string formats other than enum/date-time. Reference:
 * https://ai.google.dev/api/caching#Schema (fields: type, format,
 * description, nullable, enum, items, minItems, maxItems, properties,
 * required, minLength, maxLength, minimum, maximum, anyOf, ...).
 *
 * OUTPUT: an allowlist. Each schema node is written with at most these
 * keys, in this order:
 *   type, format, description, nullable, enum, anyOf, minLength, maxLength,
 *   minimum, maximum, items, minItems, maxItems, properties, required
 * Everything else is dropped ($schema, $id, $comment, $anchor, title,
 * examples, example, default, readOnly, writeOnly, deprecated,
 * additionalProperties, unevaluatedProperties, patternProperties,
 * propertyNames, dependentRequired, dependentSchemas, if/then/else, not,
 * contains, contentMediaType, contentEncoding, minProperties,
 * maxProperties, $defs, definitions, unknown and x-* keys), some with a
 * note (below). Strings the client sent (enum values, numbers) are copied
 * as their raw JSON text; descriptions and property names are decoded and
 * re-encoded.
 *
 * PER NODE
 * - Merging. A node's sources are the schema itself, the target of its
 *   "$ref", every "allOf" member, and the one non-null member of an
 *   "anyOf"/"oneOf" that has exactly one (all recursively, at most 32
 *   sources). For each single-valued keyword the first source that has a
 *   valid value wins (so a $ref's siblings override the definition, and a
 *   parent overrides its allOf members); "properties" are the union (a name
 *   in several sources merges those subschemas) and "required" the union.
 * - "$ref": a JSON pointer into the same document ("#", "#/$defs/X",
 *   "#/definitions/X", any "#/a/b" with ~0 ~1 and %XX escapes) is inlined.
 *   A reference back to a schema being expanded on the current path (a
 *   recursive type), or one past the expansion budget (1024 expansions,
 *   65536 + 4 x the schema's tokens revisited, or 10000 + 2 x its tokens
 *   nodes written), becomes
 *   {"type":"object"} with the note "recursive: X" / "definition omitted:
 *   X" (X: the pointer's last segment). Other references (external, "#name"
 *   anchors, unresolvable) are dropped.
 * - "type": a string or an array of them ("String"/"OBJECT" are read
 *   case-insensitively; unknown names are ignored). "null" gives
 *   "nullable": true ("nullable": true in the input too); "integer" with
 *   "number" is "number". Two or more other types give
 *   {"anyOf":[{"type":T1,...},{"type":T2,...}]}, each member with the
 *   keywords that apply to its type; description and nullable stay on the
 *   outer node.
 * - No "type": inferred from the keywords present: properties, required,
 *   additionalProperties -> object; items, prefixItems, minItems, maxItems,
 *   uniqueItems -> array; minLength, maxLength, pattern, format -> string;
 *   minimum, maximum, exclusiveMinimum/Maximum, multipleOf -> number;
 *   enum/const -> the type of the first non-null value (number: integer
 *   when every value is an integer). Nothing -> no "type" (what JSON
 *   Schema's {} means: any value; Gemini accepts a node without a type).
 * - "anyOf"/"oneOf": null members ({"type":"null"}, const null, enum
 *   [null]) give nullable; one remaining member is merged (above); when
 *   every remaining member is a string literal (const or enum of strings,
 *   with at most type "string", description, title, $comment) the union
 *   becomes one string "enum" (member descriptions go to the note "v:
 *   desc"; the pattern older Claude Code versions used); otherwise, on a
 *   node without a type of its own, "anyOf" keeps the sanitized members
 *   (Gemini's Schema has anyOf; oneOf has no equivalent and is sent as
 *   anyOf). On a node with its own type a multi-member anyOf is a
 *   constraint Gemini cannot express and is dropped.
 * - "const" is a one-value "enum". "enum" is kept when the node's type is
 *   string and every non-null value is a string (null values give
 *   nullable); otherwise (numbers, booleans, mixed: Gemini enums are
 *   strings) it is dropped with the note "one of: 1, 2, 3" ("must be V" for
 *   one value), values as JSON text.
 * - "format": kept only where Gemini lists it: string date-time (and enum
 *   when an enum is sent), number float/double, integer int32/int64;
 *   another format is dropped with the note "format: uri". (Today's
 *   reference says other values are accepted and ignored; the API long
 *   refused them with "only 'enum' and 'date-time' are supported for
 *   STRING type". The note works with both and keeps the hint.)
 * - "pattern" is dropped with the note "pattern: ^[a-z]+$": Gemini's
 *   Schema has the field, but JSON Schema patterns are ECMA-262 regexes
 *   (lookaround, backreferences) that a server-side RE2 would refuse,
 *   failing the whole request; the model still reads the pattern.
 * - "exclusiveMinimum"/"exclusiveMaximum" (numbers) -> notes "> N" / "< N";
 *   the draft-4 boolean form notes "> minimum" / "< maximum" (the
 *   inclusive bound is still sent). "multipleOf" -> "multiple of N".
 *   "default" -> "default: V" (null included; Gemini ignores default, the
 *   note shows it to the model) unless the description already mentions
 *   a default. "uniqueItems": true -> "unique items". An
 *   "additionalProperties" schema with a string type on an object ->
 *   "additional properties: T".
 * - Bounds: minimum/maximum (numbers) on number/integer nodes;
 *   minLength/maxLength on strings and minItems/maxItems on arrays
 *   (integers >= 0). Keywords of another type's node are dropped.
 * - "items": objects only on arrays. Every array gets "items" (Gemini
 *   requires it): the sanitized items schema, the first element of a tuple
 *   ("items" as an array or "prefixItems", with the note "tuple of N
 *   items"), else {} (any element).
 * - "properties": only on objects; each property's schema sanitized (a
 *   boolean schema true/false gives {}; another value drops the
 *   property). Names are kept as they are; a name given twice in one
 *   object is one property, the later schema winning (as JSON parsers do).
 *   "required": strings naming an existing property, first occurrence
 *   only, in their order; omitted when empty. An object without properties
 *   stays {"type":"object"} (no placeholder property, which the model would
 *   then fill in): Gemini accepts it in function parameters, and the caller
 *   leaves an empty top-level parameters out, as Gemini documents for
 *   functions without arguments. Known limit: responseSchema has been
 *   reported to refuse a nested OBJECT without properties ("should be
 *   non-empty for OBJECT type"); such output schemas are rare and are sent
 *   as they are.
 * - "description": the first string description, then the notes in
 *   parentheses, joined by "; ": "Timeout in ms (> 0; default: 120000)";
 *   none when both are empty.
 * - Nesting: below 24 schema levels (or past the node budget) a node keeps
 *   its type, description and bounds; its properties, anyOf members and
 *   items ({} then) are omitted with the note "nested schema omitted".
 *
 * NOT INPUT ERRORS: nothing in a schema is refused; what cannot be
 * expressed is dropped or described. */
#ifndef GEM_SCHEMA_H
#define GEM_SCHEMA_H

#include <stddef.h>

#include "buf.h"
#include "str.h"

/* Append the sanitized form of schema (a JSON object) to out. 0, or -1
 * with a NUL-terminated reason in err[0..errlen) and out left as it was:
 * the schema is not valid JSON (json_validate: strict, at most 512 levels)
 * or not an object, or out failed (out->err then says BUF_TOOBIG /
 * BUF_NOMEM). err may be NULL. Work and output are linear in the schema's
 * size: $ref expansions may revisit at most 65536 + 4 x its tokens. */
int gem_schema_sanitize(struct str schema, struct buf *out, char *err, size_t errlen);

#endif
