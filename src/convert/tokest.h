/* tokest.h: a local estimate of a Messages request's input tokens, for
 * POST /anthropic/v1/messages/count_tokens when the upstream cannot count.
 *
 * No vocabulary file: text is cut into character classes (ASCII words,
 * digit runs, punctuation runs, whitespace, CJK, other UTF-8) and each class
 * has a cost per token fitted to Claude's tokenizers; requests add framing
 * per message and block, the tool-use system prompt and tool definitions,
 * and images by their pixel size read from the image header. The rules, the
 * constants, where each comes from and the measured error are in
 * docs/token-estimator.md. Pure: no I/O, no globals; inputs are hostile. */
#ifndef TOKEST_H
#define TOKEST_H

#include <stddef.h>

#include "str.h"

/* Claude's tokenizer generations. V1: Claude 3.x to 4.6 (and the fallback
 * for every non-Claude model). V2: Claude Opus 4.7 and later (4.7, 4.8, any
 * 5.x, fable, mythos), whose tokenizer cuts Latin words into more pieces
 * and whose images may be up to 2576 px / 4784 tokens. */
enum tokest_profile { TOKEST_V1, TOKEST_V2 };

/* Estimate input tokens of an Anthropic Messages request (or count_tokens
 * body: model, system, messages, tools, tool_choice, thinking). The profile
 * follows "model". Pure. 0 with *tokens set, or -1 with a message in err
 * (NUL-terminated, truncated to errlen) for a 400: invalid JSON, not a JSON
 * object, messages missing or not an array, a message that is not an object,
 * content/system/tools of the wrong type. */
int tokest_request(struct str body, long long *tokens, char *err, size_t errlen);
/* The same over a body the caller has parsed (json.h), without parsing it
 * again. */
struct json;
int tokest_request_parsed(const struct json *j, long long *tokens, char *err, size_t errlen);

/* Image tokens from the image's pixel size, Anthropic's documented formula:
 * tokens = ceil(width * height / 750) after the image is scaled to fit 1568
 * px on the long edge and ~1.15 megapixels (1,176,000 px: at most 1568
 * tokens). 0 for a zero dimension. This is the V1 (pre-Opus-4.7) rule. */
long long tokest_image(unsigned width, unsigned height);
/* The same for a profile: V2 allows 2576 px and 4784 tokens (3,588,000 px). */
long long tokest_image_for(unsigned width, unsigned height, enum tokest_profile p);

/* Read the pixel size from image bytes: PNG (IHDR), JPEG (SOFn markers,
 * skipping others safely), GIF (logical screen), WebP (VP8 / VP8L / VP8X).
 * 0 with *w, *h set (both non-zero), or -1 (unknown format, truncated,
 * zero size). Pure, bounded (at most 1024 JPEG segments), hostile input. */
int tokest_image_size(const unsigned char *p, size_t n, unsigned *w, unsigned *h);

/* The same over base64 text (standard or URL-safe alphabet, an optional
 * "data:...;base64," prefix), decoding only the bytes it reads; a text with
 * characters outside the alphabet where it reads gives -1. */
int tokest_image_size_b64(struct str b64, unsigned *w, unsigned *h);

/* The tokenizer generation for a model id: "claude" followed by version 4.7
 * or later, or a fable/mythos family, is V2; everything else V1. */
enum tokest_profile tokest_profile_of(struct str model);

/* Estimated tokens of plain UTF-8 text alone (no framing), rounded up. */
long long tokest_text(struct str text, enum tokest_profile p);

#endif
