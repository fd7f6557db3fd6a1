"""Anthropic SSE grammar check for end-to-end tests: the Python twin of
tests/grammar.h's grammar_check_sse.

    from grammar import check_anthropic_sse
    check_anthropic_sse(text)   # raises AssertionError("<reason>") when invalid

A valid stream is what the Messages API sends
(https://docs.anthropic.com/en/api/messages-streaming):

    message_start (ping | content_block_start content_block_delta* content_block_stop)*
        message_delta message_stop
    ... or an error event at any point, as the last event.

Rules, each with its own reason text:
  - framing: "event: <name>" and "data: <json>" lines, each event ended by a
    blank line (CR, LF or CRLF line ends); known event names only; the
    data a JSON object whose "type" equals the event name;
  - exactly one message_start, first (no ping before it), carrying id,
    model, type "message", role "assistant", content [] and integer
    usage.input_tokens / usage.output_tokens;
  - content blocks indexed 0, 1, 2... in order, one open at a time, of type
    text, thinking, redacted_thinking or tool_use (tool_use with a non-empty
    id and name); deltas and the stop name the open block; the delta type
    matches the block (text_delta / thinking_delta or signature_delta /
    input_json_delta / none for redacted_thinking) and carries its string
    field;
  - exactly one message_delta, after every block is closed, with
    delta.stop_reason, delta.stop_sequence and integer usage.output_tokens;
  - message_stop last, right after message_delta (pings may sit between);
  - error: error.type and error.message strings, and nothing after it;
  - the stream ends with message_stop or error.
"""
import json

EVENTS = ("message_start", "content_block_start", "content_block_delta", "content_block_stop",
          "message_delta", "message_stop", "ping", "error")
BLOCKS = ("text", "thinking", "redacted_thinking", "tool_use")
DELTAS = {  # delta type -> (block type, field)
    "text_delta": ("text", "text"),
    "thinking_delta": ("thinking", "thinking"),
    "signature_delta": ("thinking", "signature"),
    "input_json_delta": ("tool_use", "partial_json"),
}


def parse_sse(text):
    """[(event name, data)] per the WHATWG event-stream rules; raises
    AssertionError when the last event is not ended by a blank line."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # the text ends with a line end, and the last event with a blank line
    if text and not (len(lines) >= 3 and lines[-1] == "" and lines[-2] == ""):
        raise AssertionError("the text does not end with a blank line")
    events, name, data = [], "", None
    for line in lines:
        if line == "":
            if data is not None:
                events.append((name, "\n".join(data)))
            name, data = "", None
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "event":
            name = value
        elif field == "data":
            data = (data or []) + [value]
    return events


def _is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def check_anthropic_sse(text):
    """Raise AssertionError with a reason unless text is a valid Anthropic
    Messages event stream."""
    events = parse_sse(text)
    started = ended = False
    deltas = 0
    next_index = 0
    open_block = None  # (index, type)
    for n, (name, raw) in enumerate(events):
        def fail(reason):
            raise AssertionError("SSE event %d (%s): %s" % (n, name or "unnamed", reason))

        if name not in EVENTS:
            fail("unknown or missing event name %r" % name)
        if ended:
            fail("after the end of the stream")
        try:
            data = json.loads(raw)
        except ValueError:
            fail("data is not JSON")
        if not isinstance(data, dict):
            fail("data is not a JSON object")
        if data.get("type") != name:
            fail("data type %r differs from the event name" % data.get("type"))

        if name == "error":
            err = data.get("error")
            if not isinstance(err, dict) or not isinstance(err.get("type"), str) \
                    or not isinstance(err.get("message"), str):
                fail("error without error.type and error.message")
            ended = True
            continue
        if name == "message_start":
            if started:
                fail("a second message_start")
            started = True
            m = data.get("message")
            if not isinstance(m, dict):
                fail("message_start without a message")
            usage = m.get("usage") if isinstance(m.get("usage"), dict) else {}
            if not isinstance(m.get("id"), str) or not isinstance(m.get("model"), str) \
                    or m.get("type") != "message" or m.get("role") != "assistant" \
                    or m.get("content") != [] or not _is_count(usage.get("input_tokens")) \
                    or not _is_count(usage.get("output_tokens")):
                fail("message_start without the message fields")
            continue
        if not started:
            fail("%s before message_start" % name)
        if name == "ping":
            continue
        if name == "content_block_start":
            if open_block is not None:
                fail("content_block_start while block %d is open" % open_block[0])
            if deltas:
                fail("content_block_start after message_delta")
            idx, cb = data.get("index"), data.get("content_block")
            if idx != next_index or isinstance(idx, bool):
                fail("index %r, expected %d" % (idx, next_index))
            if not isinstance(cb, dict) or cb.get("type") not in BLOCKS:
                fail("content block of a type clients may not know")
            t = cb["type"]
            if t == "tool_use" and not (isinstance(cb.get("id"), str) and cb["id"]
                                        and isinstance(cb.get("name"), str) and cb["name"]):
                fail("tool_use without an id and a name")
            if t == "redacted_thinking" and not isinstance(cb.get("data"), str):
                fail("redacted_thinking without data")
            open_block = (idx, t)
            next_index += 1
            continue
        if name in ("content_block_delta", "content_block_stop"):
            idx = data.get("index")
            if open_block is None:
                fail("no block is open")
            if idx != open_block[0] or isinstance(idx, bool):
                fail("names block %r but block %d is open" % (idx, open_block[0]))
            if name == "content_block_stop":
                open_block = None
                continue
            d = data.get("delta")
            if not isinstance(d, dict) or d.get("type") not in DELTAS:
                fail("delta of an unexpected type")
            block, field = DELTAS[d["type"]]
            if block != open_block[1]:
                fail("%s in a %s block" % (d["type"], open_block[1]))
            if not isinstance(d.get(field), str):
                fail("%s without a string %s" % (d["type"], field))
            continue
        if name == "message_delta":
            if open_block is not None:
                fail("message_delta while block %d is open" % open_block[0])
            deltas += 1
            if deltas > 1:
                fail("a second message_delta")
            d, usage = data.get("delta"), data.get("usage")
            if not isinstance(d, dict) or "stop_reason" not in d or "stop_sequence" not in d \
                    or not isinstance(usage, dict) or not _is_count(usage.get("output_tokens")):
                fail("message_delta without stop_reason, stop_sequence or usage.output_tokens")
            continue
        if name == "message_stop":
            if open_block is not None:
                fail("message_stop while block %d is open" % open_block[0])
            if deltas != 1:
                fail("message_stop without message_delta")
            ended = True
    if not ended:
        raise AssertionError("the stream ended before message_stop or error")


def _ev(name, obj):
    return "event: %s\ndata: %s\n\n" % (name, json.dumps(obj, separators=(",", ":")))


def _selftest():
    start = _ev("message_start", {"type": "message_start", "message": {
        "id": "m", "type": "message", "role": "assistant", "model": "c", "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 0}}})
    text0 = _ev("content_block_start", {"type": "content_block_start", "index": 0,
                                        "content_block": {"type": "text", "text": ""}})
    tdelta = _ev("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "text_delta", "text": "hi"}})
    jdelta = _ev("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "input_json_delta", "partial_json": "{"}})
    stop0 = _ev("content_block_stop", {"type": "content_block_stop", "index": 0})
    mdelta = _ev("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn",
                                   "stop_sequence": None}, "usage": {"output_tokens": 1}})
    mstop = _ev("message_stop", {"type": "message_stop"})
    ping = _ev("ping", {"type": "ping"})
    error = _ev("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    good = [start + text0 + ping + tdelta + stop0 + mdelta + ping + mstop, error, start + text0 + error,
            (start + mdelta + mstop).replace("\n", "\r\n")]
    bad = {
        "": "ended before",
        start: "ended before",
        ping + start + mdelta + mstop: "ping before message_start",
        start + start: "a second message_start",
        start + text0 + text0: "while block 0 is open",
        start + text0 + jdelta: "input_json_delta in a text block",
        start + tdelta: "no block is open",
        start + text0 + mdelta: "message_delta while block 0 is open",
        start + mdelta + mdelta + mstop: "a second message_delta",
        start + mstop: "message_stop without message_delta",
        start + mdelta + mstop + ping: "after the end",
        error + start: "after the end",
        start + stop0.replace('"index":0', '"index":1'): "no block is open",
        start + text0.replace('"index":0', '"index":1'): "index 1, expected 0",
        start + _ev("future", {"type": "future"}): "unknown or missing event name",
        start + _ev("ping", {"type": "pong"}): "differs from the event name",
        (start + mdelta + mstop)[:-1]: "does not end with a blank line",
    }
    for t in good:
        check_anthropic_sse(t)
    for t, why in bad.items():
        try:
            check_anthropic_sse(t)
        except AssertionError as e:
            assert why in str(e), (why, str(e))
        else:
            raise AssertionError("accepted: %r" % t)
    print("grammar.py: %d passed, 0 failed" % (len(good) + len(bad)))


if __name__ == "__main__":
    _selftest()
