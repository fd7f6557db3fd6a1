"""Mock upstreams for the end-to-end tests (Python standard library only).

MockAnthropic follows the Messages API as documented: JSON responses with
Content-Length, streams as text/event-stream with chunked transfer encoding,
the documented event order (message_start, content_block_start, ping,
content_block_delta..., content_block_stop, message_delta, message_stop) and
the documented error body {"type":"error","error":{"type","message"}}.

The scenario is picked by the upstream model name the proxy sends, so one
server covers every case; every request is recorded for assertions.
"""
import json
import select
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def sse(event, data):
    return ("event: %s\ndata: %s\n\n" % (event, json.dumps(data))).encode()


def message(model, text, usage=None):
    return {
        "id": "msg_mock_1", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": usage or {"input_tokens": 12, "output_tokens": 5,
                           "cache_creation_input_tokens": 0, "cache_read_input_tokens": 3},
    }


def text_stream(model, pieces):
    out = [sse("message_start", {"type": "message_start", "message": {
        "id": "msg_mock_s", "type": "message", "role": "assistant", "content": [], "model": model,
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 1}}}),
        sse("content_block_start", {"type": "content_block_start", "index": 0,
                                    "content_block": {"type": "text", "text": ""}}),
        sse("ping", {"type": "ping"})]
    for p in pieces:
        out.append(sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                               "delta": {"type": "text_delta", "text": p}}))
    out.append(sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
    out.append(sse("message_delta", {"type": "message_delta",
                                     "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                     "usage": {"output_tokens": len(pieces)}}))
    out.append(sse("message_stop", {"type": "message_stop"}))
    return out


def tool_stream(model):
    out = [sse("message_start", {"type": "message_start", "message": {
        "id": "msg_mock_t", "type": "message", "role": "assistant", "content": [], "model": model,
        "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 30, "output_tokens": 1}}}),
        sse("content_block_start", {"type": "content_block_start", "index": 0,
                                    "content_block": {"type": "text", "text": ""}}),
        sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                    "delta": {"type": "text_delta", "text": "Let me check."}}),
        sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        sse("content_block_start", {"type": "content_block_start", "index": 1, "content_block": {
            "type": "tool_use", "id": "toolu_mock_1", "name": "get_weather", "input": {}}})]
    for frag in ['{"loca', 'tion": "Par', 'is"}']:
        out.append(sse("content_block_delta", {"type": "content_block_delta", "index": 1,
                                               "delta": {"type": "input_json_delta", "partial_json": frag}}))
    out += [sse("content_block_stop", {"type": "content_block_stop", "index": 1}),
            sse("message_delta", {"type": "message_delta",
                                  "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                                  "usage": {"output_tokens": 20}}),
            sse("message_stop", {"type": "message_stop"})]
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        srv = self.server.mock
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        path, _, query = self.path.partition("?")
        rec = {"path": path, "query": query, "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body, "port": self.client_address[1], "time": time.time()}
        with srv.lock:
            srv.requests.append(rec)
        try:
            req = json.loads(body)
        except ValueError:
            return self.json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                               "message": "mock: bad JSON"}})
        model = req.get("model", "")
        if path.endswith("/count_tokens"):
            return self.json(200, {"input_tokens": 42})
        scenario = model.split("@")[0]
        getattr(self, "s_" + scenario.replace("-", "_"), self.s_text)(req, model)

    # -- helpers
    def json(self, status, obj, extra=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", "req_mock_123")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")

    def send_events(self, events):
        for i, e in enumerate(events):
            if i % 2:  # every other event split mid-line across two chunks
                h = len(e) // 2
                self.chunk(e[:h])
                self.chunk(e[h:])
            else:
                self.chunk(e)

    # -- scenarios (the upstream model name picks one)
    def s_text(self, req, model):
        if req.get("stream"):
            self.start_stream()
            self.send_events(text_stream(model, ["Hello", " from", " mock"]))
            self.end_chunks()
        else:
            self.json(200, message(model, "Hello from mock"))

    def s_m_tool(self, req, model):
        if req.get("stream"):
            self.start_stream()
            self.send_events(tool_stream(model))
            self.end_chunks()
        else:
            self.json(200, {"id": "msg_mock_t", "type": "message", "role": "assistant", "model": model,
                            "content": [{"type": "tool_use", "id": "toolu_mock_1", "name": "get_weather",
                                         "input": {"location": "Paris"}}],
                            "stop_reason": "tool_use", "stop_sequence": None,
                            "usage": {"input_tokens": 30, "output_tokens": 20}})

    def s_m_gate(self, req, model):
        """First events, then wait for the test to open the gate."""
        ev = text_stream(model, ["first", " second"])
        self.start_stream()
        for e in ev[:4]:
            self.chunk(e)
        self.server.mock.gate_reached.set()
        self.server.mock.gate.wait(10)
        for e in ev[4:]:
            self.chunk(e)
        self.end_chunks()

    def s_m_429(self, req, model):
        self.json(429, {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
                  {"retry-after": "7"})

    def s_m_529(self, req, model):
        self.json(529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})

    def s_m_html(self, req, model):
        data = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def s_m_cut(self, req, model):
        self.start_stream()
        ev = text_stream(model, ["partial"])
        for e in ev[:3]:
            self.chunk(e)
        self.chunk(ev[3][:10])  # half an event, then the connection dies
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def s_m_noend(self, req, model):
        """A stream that ends cleanly but never sends message_stop."""
        self.start_stream()
        for e in text_stream(model, ["x"])[:4]:
            self.chunk(e)
        self.end_chunks()

    def s_m_slow(self, req, model):
        time.sleep(3)
        try:
            self.json(200, message(model, "too late"))
        except OSError:
            pass

    def s_m_chunked(self, req, model):
        data = json.dumps(message(model, "chunked body")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(data), 7):
            self.chunk(data[i:i + 7])
        self.end_chunks()

    def s_m_big(self, req, model):
        """As fast as possible: counts what the proxy accepted."""
        mock = self.server.mock
        self.start_stream()
        for e in text_stream(model, [])[:3]:
            self.chunk(e)
        piece = sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                            "delta": {"type": "text_delta", "text": "x" * 16000}})
        frame = b"%x\r\n%s\r\n" % (len(piece), piece)
        self.connection.settimeout(0.5)
        mock.big_bytes = 0
        deadline = time.time() + 30
        try:
            while time.time() < deadline and mock.big_bytes < (256 << 20):
                self.wfile.write(frame)
                mock.big_bytes += len(frame)
        except OSError:
            pass
        mock.big_done.set()
        self.close_connection = True

    def s_m_hold(self, req, model):
        """Send the first events, then notice when the proxy closes us."""
        mock = self.server.mock
        self.start_stream()
        for e in text_stream(model, ["held"])[:4]:
            self.chunk(e)
        mock.hold_sent.set()
        sock = self.connection
        t0 = time.time()
        while time.time() - t0 < 10:
            r, _, _ = select.select([sock], [], [], 0.1)
            if r:
                try:
                    if sock.recv(1) == b"":
                        mock.hold_closed_after = time.time() - t0
                        break
                except OSError:
                    mock.hold_closed_after = time.time() - t0
                    break
        mock.hold_done.set()
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # TLS handshakes the proxy rejects on purpose end here


class MockAnthropic:
    def __init__(self, tls_cert=None, tls_key=None):
        self.requests = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate_reached = threading.Event()
        self.big_bytes = 0
        self.big_done = threading.Event()
        self.hold_sent = threading.Event()
        self.hold_done = threading.Event()
        self.hold_closed_after = None
        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.mock = self
        if tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls_cert, tls_key)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def last(self):
        with self.lock:
            return self.requests[-1] if self.requests else None

    def count(self):
        with self.lock:
            return len(self.requests)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class MockDNS:
    """A UDP DNS server: A records for names in `zone`, NOERROR/NODATA for
    AAAA, NXDOMAIN otherwise (RFC 1035 wire format)."""

    def __init__(self, zone, ttl=300):
        self.zone = {k.lower(): v for k, v in zone.items()}
        self.ttl = ttl
        self.queries = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                pkt, addr = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                self.sock.sendto(self.answer(pkt), addr)
            except Exception:
                pass

    def answer(self, pkt):
        qid, flags, qd = struct.unpack(">HHH", pkt[:6])
        i, labels = 12, []
        while pkt[i]:
            labels.append(pkt[i + 1:i + 1 + pkt[i]].decode())
            i += 1 + pkt[i]
        qend = i + 5
        name = ".".join(labels).lower()
        qtype = struct.unpack(">H", pkt[i + 1:i + 3])[0]
        self.queries.append((name, qtype))
        question = pkt[12:qend]
        if name not in self.zone:
            return struct.pack(">HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question
        if qtype != 1:
            return struct.pack(">HHHHHH", qid, 0x8180, 1, 0, 0, 0) + question
        rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, self.ttl, 4) + socket.inet_aton(self.zone[name])
        return struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr

    def stop(self):
        self.sock.close()


# ---------------------------------------------------------------------------
# OpenAI Chat Completions upstream, as documented: chat.completion JSON, and
# streams of chat.completion.chunk objects as "data: {json}" SSE events ending
# with "data: [DONE]", sent with chunked transfer encoding. With
# stream_options.include_usage the last chunk before [DONE] has "choices": []
# and the usage. The scenario is picked by the upstream model name.

def oai_chunk(model, delta, finish=None, usage=None, choices=True):
    c = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 1700000000, "model": model,
         "system_fingerprint": "fp_mock"}
    c["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}] if choices else []
    if usage is not None:
        c["usage"] = usage
    return ("data: %s\n\n" % json.dumps(c)).encode()


OAI_USAGE = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120,
             "prompt_tokens_details": {"cached_tokens": 60}, "completion_tokens_details": {"reasoning_tokens": 0}}


class OAIHandler(Handler):
    def do_POST(self):
        srv = self.server.mock
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        path, _, query = self.path.partition("?")
        rec = {"path": path, "query": query, "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body, "port": self.client_address[1], "time": time.time()}
        with srv.lock:
            srv.requests.append(rec)
        if path != "/v1/chat/completions":
            return self.json(404, {"error": {"message": "no route %s" % path, "type": "invalid_request_error",
                                             "code": None}})
        try:
            req = json.loads(body)
        except ValueError:
            return self.json(400, {"error": {"message": "bad JSON", "type": "invalid_request_error", "code": None}})
        model = req.get("model", "")
        getattr(self, "o_" + model.replace("-", "_"), self.o_text)(req, model)

    def answer(self, req, model, deltas, finish, usage=OAI_USAGE, message=None):
        """deltas: list of delta dicts for a stream; message: the non-stream message."""
        if req.get("stream"):
            self.start_stream()
            self.chunk(oai_chunk(model, {"role": "assistant", "content": ""}))
            for d in deltas:
                e = oai_chunk(model, d)
                h = len(e) // 2  # split every chunk across two transfer chunks
                self.chunk(e[:h])
                self.chunk(e[h:])
            self.chunk(oai_chunk(model, {}, finish))
            if (req.get("stream_options") or {}).get("include_usage"):
                self.chunk(oai_chunk(model, None, usage=usage, choices=False))
            self.chunk(b"data: [DONE]\n\n")
            self.end_chunks()
        else:
            self.json(200, {"id": "chatcmpl-mock", "object": "chat.completion", "created": 1700000000,
                            "model": model, "choices": [{"index": 0, "message": message, "logprobs": None,
                                                         "finish_reason": finish}], "usage": usage})

    def o_text(self, req, model):
        self.answer(req, model, [{"content": "Hello"}, {"content": " from"}, {"content": " openai"}], "stop",
                    message={"role": "assistant", "content": "Hello from openai", "refusal": None})

    def o_o_tools(self, req, model):
        deltas = [
            {"tool_calls": [{"index": 0, "id": "call_a1", "type": "function",
                             "function": {"name": "get_weather", "arguments": ""}}]},
            {"tool_calls": [{"index": 0, "function": {"arguments": "{\"loc"}}]},
            {"tool_calls": [{"index": 0, "function": {"arguments": "ation\": \"Par"}}]},
            {"tool_calls": [{"index": 0, "function": {"arguments": "is\"}"}}]},
            {"tool_calls": [{"index": 1, "id": "call_b2", "type": "function",
                             "function": {"name": "get_time", "arguments": ""}}]},
            {"tool_calls": [{"index": 1, "function": {"arguments": "{\"tz\":"}}]},
            {"tool_calls": [{"index": 1, "function": {"arguments": " \"CET\"}"}}]},
        ]
        msg = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_a1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\": \"Paris\"}"}},
            {"id": "call_b2", "type": "function", "function": {"name": "get_time", "arguments": "{\"tz\": \"CET\"}"}}]}
        self.answer(req, model, deltas, "tool_calls", message=msg)

    def o_o_reason(self, req, model):
        usage = {"prompt_tokens": 50, "completion_tokens": 30, "total_tokens": 80,
                 "prompt_cache_hit_tokens": 40, "prompt_cache_miss_tokens": 10}
        deltas = [{"reasoning_content": "Let me"}, {"reasoning_content": " think."}, {"content": "Answer: 4"}]
        self.answer(req, model, deltas, "stop", usage=usage,
                    message={"role": "assistant", "content": "Answer: 4", "reasoning_content": "Let me think."})

    def o_o_length(self, req, model):
        self.answer(req, model, [{"content": "cut sh"}], "length",
                    message={"role": "assistant", "content": "cut sh"})

    def o_o_429(self, req, model):
        self.json(429, {"error": {"message": "Rate limit reached for requests", "type": "requests",
                                  "param": None, "code": "rate_limit_exceeded"}}, {"retry-after": "2"})

    def o_o_500(self, req, model):
        self.json(500, {"error": {"message": "The server had an error", "type": "server_error",
                                  "param": None, "code": None}})

    def o_o_malformed(self, req, model):
        self.start_stream()
        self.chunk(oai_chunk(model, {"role": "assistant", "content": ""}))
        self.chunk(oai_chunk(model, {"content": "before"}))
        self.chunk(b"data: {\"choices\": [ not json\n\n")
        self.chunk(oai_chunk(model, {"content": "after"}))
        self.chunk(b"data: [DONE]\n\n")
        self.end_chunks()

    def o_o_cut(self, req, model):
        self.start_stream()
        self.chunk(oai_chunk(model, {"role": "assistant", "content": ""}))
        self.chunk(oai_chunk(model, {"content": "partial"}))
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def o_o_cc(self, req, model):
        """Claude Code round trip: a Bash tool call first; after the tool
        result, a final text quoting the tool's output."""
        tool_msgs = [m for m in req.get("messages", []) if m.get("role") == "tool"]
        if not tool_msgs:
            args = json.dumps({"command": "echo proxied-tool-ok", "description": "Print a marker"})
            deltas = [{"tool_calls": [{"index": 0, "id": "call_cc1", "type": "function",
                                       "function": {"name": "Bash", "arguments": ""}}]}]
            for i in range(0, len(args), 9):
                deltas.append({"tool_calls": [{"index": 0, "function": {"arguments": args[i:i + 9]}}]})
            msg = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_cc1", "type": "function", "function": {"name": "Bash", "arguments": args}}]}
            self.answer(req, model, deltas, "tool_calls", message=msg)
            return
        out = tool_msgs[-1].get("content")
        if isinstance(out, list):
            out = "".join(p.get("text", "") for p in out if isinstance(p, dict))
        text = "The tool printed: %s" % str(out).strip()
        self.answer(req, model, [{"content": text[:10]}, {"content": text[10:]}], "stop",
                    message={"role": "assistant", "content": text})


class MockOpenAI(MockAnthropic):
    def __init__(self, tls_cert=None, tls_key=None):
        self.requests = []
        self.lock = threading.Lock()
        self.httpd = Server(("127.0.0.1", 0), OAIHandler)
        self.httpd.mock = self
        if tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls_cert, tls_key)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


# ---------------------------------------------------------------------------
# Gemini API upstream (generativelanguage v1beta), as documented:
# POST /v1beta/models/{model}:generateContent → GenerateContentResponse JSON;
# :streamGenerateContent?alt=sse → "data: {GenerateContentResponse}\r\n\r\n"
# events; without alt=sse → a JSON array of them. Key in x-goog-api-key.
# Errors: {"error": {"code", "message", "status"}}.

GEM_USAGE = {"promptTokenCount": 30, "candidatesTokenCount": 10, "totalTokenCount": 45,
             "cachedContentTokenCount": 12, "thoughtsTokenCount": 5}
SIG_THOUGHT = "c2lnLXRob3VnaHQ+Pz8/ZW5k+/aGVsbG8=="
SIG_FC = "c2lnLWZjLWJvZHk/Pz8+Pj4=+/x"


def gem_resp(parts, finish=None, usage=None):
    c = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        c["finishReason"] = finish
    r = {"candidates": [c], "modelVersion": "gemini-mock", "responseId": "resp-mock-1"}
    if usage:
        r["usageMetadata"] = usage
    return r


# The OpenAPI 3.0 subset Gemini accepts in functionDeclarations[].parameters
# (https://ai.google.dev/api/caching#Schema); the real API answers 400
# "Unknown name ... Cannot find field." to anything else.
GEM_SCHEMA_FIELDS = {"type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
                     "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
                     "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum",
                     "maximum"}


def gem_schema_problem(req):
    def walk(s, where):
        if not isinstance(s, dict):
            return "schema at %s is not an object" % where
        for k, v in s.items():
            if k not in GEM_SCHEMA_FIELDS:
                return ("Invalid JSON payload received. Unknown name \"%s\" at '%s': Cannot find field."
                        % (k, where))
            if k == "properties":
                for name, sub in v.items():
                    r = walk(sub, where + ".properties[%s]" % name)
                    if r:
                        return r
            elif k == "items":
                r = walk(v, where + ".items")
                if r:
                    return r
            elif k == "anyOf":
                for i, sub in enumerate(v):
                    r = walk(sub, where + ".anyOf[%d]" % i)
                    if r:
                        return r
            elif k == "enum" and not all(isinstance(e, str) for e in v):
                return "enum values must be strings at '%s'" % where
        return None
    for ti, t in enumerate(req.get("tools", [])):
        for di, d in enumerate(t.get("functionDeclarations", [])):
            if "parameters" in d:
                r = walk(d["parameters"], "tools[%d].function_declarations[%d].parameters" % (ti, di))
                if r:
                    return r
    return None


class GemHandler(Handler):
    def do_POST(self):
        srv = self.server.mock
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        path, _, query = self.path.partition("?")
        rec = {"path": path, "query": query, "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body, "port": self.client_address[1], "time": time.time()}
        with srv.lock:
            srv.requests.append(rec)
        prefix = "/v1beta/models/"
        if not path.startswith(prefix) or ":" not in path:
            return self.json(404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}})
        model, action = path[len(prefix):].split(":", 1)
        try:
            req = json.loads(body)
        except ValueError:
            return self.json(400, {"error": {"code": 400, "message": "Invalid JSON payload", "status":
                                             "INVALID_ARGUMENT"}})
        bad = gem_schema_problem(req)
        if bad:
            return self.json(400, {"error": {"code": 400, "message": bad, "status": "INVALID_ARGUMENT"}})
        chunks = getattr(self, "g_" + model.replace("-", "_"), self.g_text)(req)
        if chunks is None:
            return
        if action == "generateContent":
            parts, finish, usage = [], None, None
            for c in chunks:
                cand = c["candidates"][0]
                parts += cand["content"]["parts"]
                finish = cand.get("finishReason") or finish
                usage = c.get("usageMetadata") or usage
            # adjacent text parts of one kind merge, as a real answer has them
            merged = []
            for p in parts:
                if merged and set(p) == {"text"} and set(merged[-1]) == {"text"}:
                    merged[-1] = {"text": merged[-1]["text"] + p["text"]}
                else:
                    merged.append(p)
            return self.json(200, gem_resp(merged, finish, usage))
        if action != "streamGenerateContent":
            return self.json(404, {"error": {"code": 404, "message": "no action", "status": "NOT_FOUND"}})
        sse = "alt=sse" in query
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream" if sse else "application/json; charset=UTF-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, c in enumerate(chunks):
            if sse:
                self.chunk(("data: %s\r\n\r\n" % json.dumps(c)).encode())
            else:
                self.chunk((("[" if i == 0 else ",\r\n") + json.dumps(c)).encode())
        if not sse:
            self.chunk(b"]")
        self.end_chunks()

    def g_text(self, req):
        return [gem_resp([{"text": "Hello"}]), gem_resp([{"text": " from gemini"}]),
                gem_resp([{"text": ""}], "STOP", GEM_USAGE)]

    def g_g_tools(self, req):
        """Turn 1: a thought with a signature, then a function call with a
        signature. Turn 2 (a functionResponse came back): text."""
        answered = any("functionResponse" in p for c in req.get("contents", []) for p in c.get("parts", []))
        if answered:
            return [gem_resp([{"text": "It is sunny in Paris."}], "STOP", GEM_USAGE)]
        name = req["tools"][0]["functionDeclarations"][0]["name"]
        return [gem_resp([{"text": "I should call the tool.", "thought": True, "thoughtSignature": SIG_THOUGHT}]),
                gem_resp([{"functionCall": {"name": name, "args": {"location": "Paris"}},
                           "thoughtSignature": SIG_FC}], "STOP", GEM_USAGE)]

    def g_g_cc(self, req):
        """Claude Code round trip on Gemini: a thought and a Bash call, both
        signed; the next turn must bring both signatures back (Gemini 3
        answers 400 otherwise), then a final text quoting the tool output."""
        responses = [p["functionResponse"] for c in req.get("contents", []) for p in c.get("parts", [])
                     if "functionResponse" in p]
        if not responses:
            return [gem_resp([{"text": "Run it.", "thought": True, "thoughtSignature": SIG_THOUGHT}]),
                    gem_resp([{"functionCall": {"name": "Bash", "args": {
                        "command": "echo gemini-tool-ok", "description": "Print a marker"}},
                        "thoughtSignature": SIG_FC}], "STOP", GEM_USAGE)]
        model_parts = [p for c in req["contents"] if c.get("role") == "model" for p in c.get("parts", [])]
        sigs = [p.get("thoughtSignature") for p in model_parts if p.get("thoughtSignature")]
        if SIG_FC not in sigs:
            self.json(400, {"error": {"code": 400, "message": "Function call is missing a thought_signature",
                                      "status": "INVALID_ARGUMENT"}})
            return None
        out = json.dumps(responses[-1].get("response"))
        marker = "gemini-tool-ok" if "gemini-tool-ok" in out else "(no output)"
        return [gem_resp([{"text": "Gemini saw: %s" % marker}], "STOP", GEM_USAGE)]

    def g_g_max(self, req):
        return [gem_resp([{"text": "cut"}], "MAX_TOKENS", GEM_USAGE)]

    def g_g_safety(self, req):
        return [gem_resp([{"text": ""}], "SAFETY", GEM_USAGE)]

    def g_g_429(self, req):
        self.json(429, {"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
                                  "status": "RESOURCE_EXHAUSTED"}})
        return None


class MockGemini(MockAnthropic):
    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        self.httpd = Server(("127.0.0.1", 0), GemHandler)
        self.httpd.mock = self
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


class EarlyUpstream:
    """An Anthropic-format upstream that answers as soon as a request's head
    is in, reads none of its body, and keeps the connection open: with a
    small receive buffer, a large request is still being sent when the
    answer arrives. Counts the connections it accepts."""

    ANSWER = json.dumps({"id": "msg_early", "type": "message", "role": "assistant", "model": "text",
                         "content": [{"type": "text", "text": "early"}], "stop_reason": "end_turn",
                         "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}).encode()

    def __init__(self):
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(8)
        self.port = self.ls.getsockname()[1]
        self.conns = 0
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                s, _ = self.ls.accept()
            except OSError:
                return
            self.conns += 1
            self.held.append(s)
            threading.Thread(target=self._serve, args=(s,), daemon=True).start()

    def _serve(self, s):
        head = b""
        try:
            while not head.endswith(b"\r\n\r\n"):
                b = s.recv(1)  # a byte at a time: nothing of the body is taken
                if not b:
                    return
                head += b
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                      % len(self.ANSWER) + self.ANSWER)
        except OSError:
            pass

    def stop(self):
        self.ls.close()
        for s in self.held:
            s.close()
