"""End-to-end tests of the Gemini egress (Anthropic/OpenAI clients → a Gemini
API-key upstream) and the Gemini ingress (/gemini/...). Called from run.py."""
import copy
import http.client
import json

from grammar import check_anthropic_sse
from mock import SIG_FC, SIG_THOUGHT


def models_yaml(gp):
    y = ""
    for name in ("g-text", "g-tools", "g-max", "g-safety", "g-429", "g-cc"):
        y += ("- {model_id: %s, model_name: %s, api_base: 'http://127.0.0.1:%d/v1beta', format: gemini, "
              "max_tokens: 4k}\n" % (name, name, gp))
    return y


def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: expected %r, got %r" % (what, b, a))


def gem_post(port, path, body, key="gem-client-key"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    h = {"Content-Type": "application/json"}
    if key:
        h["x-goog-api-key"] = key
    c.request("POST", path, json.dumps(body), h)
    r = c.getresponse()
    out = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), out


def sse_datas(text):
    out = []
    for block in text.replace("\r\n", "\n").strip().split("\n\n"):
        d = [l[6:] if l.startswith("data: ") else l[5:] for l in block.split("\n") if l.startswith("data:")]
        if d:
            out.append(json.loads("\n".join(d)))
    return out


def gem_text(resps):
    return "".join(p.get("text", "") for r in resps for c in r.get("candidates", [])
                   for p in c.get("content", {}).get("parts", []) if not p.get("thought"))


CC_SCHEMA = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {
    "location": {"type": "string", "description": "City"},
    "days": {"type": "integer", "exclusiveMinimum": 0, "default": 1},
    "unit": {"type": "string", "enum": ["c", "f"]}},
    "required": ["location", "missing"], "additionalProperties": False}


def run(check, X, gup, oup, up, post, msg, parse_sse):
    A = "/anthropic/v1/messages"

    def t_json():
        st, _, out = post(X, A, msg("g-text"))
        eq(st, 200, "status")
        j = json.loads(out)
        eq(j["content"], [{"type": "text", "text": "Hello from gemini"}], "content")
        eq(j["stop_reason"], "end_turn", "stop")
        eq(j["usage"]["input_tokens"], 18, "input = prompt - cached")
        eq(j["usage"]["cache_read_input_tokens"], 12, "cached")
        r = gup.last()
        eq(r["path"], "/v1beta/models/g-text:generateContent", "path")
        eq(r["headers"].get("x-goog-api-key"), "client-key", "key header")
        b = json.loads(r["body"])
        eq(b["contents"], [{"role": "user", "parts": [{"text": "hi"}]}], "contents")
        eq(b["generationConfig"]["maxOutputTokens"], 100, "maxOutputTokens")
    check("gemini egress: generateContent answer as an Anthropic message, usage with cache", t_json)

    def t_stream():
        st, _, out = post(X, A, msg("g-text", stream=True, system="Be brief.", stop_sequences=["END"],
                                    temperature=0.3))
        text = out.decode()
        check_anthropic_sse(text)
        eq("".join(d["delta"]["text"] for e, d in parse_sse(text) if e == "content_block_delta"),
           "Hello from gemini", "text")
        r = gup.last()
        eq(r["path"], "/v1beta/models/g-text:streamGenerateContent", "path")
        eq(r["query"], "alt=sse", "alt=sse")
        b = json.loads(r["body"])
        eq(b["systemInstruction"]["parts"], [{"text": "Be brief."}], "system")
        eq(b["generationConfig"].get("stopSequences"), ["END"], "stop")
        eq(b["generationConfig"].get("temperature"), 0.3, "temperature")
    check("gemini egress: streamGenerateContent?alt=sse converted to Anthropic SSE (grammar checked)", t_stream)

    def t_finish():
        for model, want in (("g-max", "max_tokens"), ("g-safety", "refusal")):
            st, _, out = post(X, A, msg(model, stream=True))
            text = out.decode()
            check_anthropic_sse(text)
            eq([d for e, d in parse_sse(text) if e == "message_delta"][0]["delta"]["stop_reason"], want, model)
    check("gemini egress: MAX_TOKENS → max_tokens, SAFETY → refusal", t_finish)

    def t_error():
        st, _, out = post(X, A, msg("g-429"))
        eq(st, 429, "status")
        j = json.loads(out)
        eq(j["error"]["type"], "rate_limit_error", "type")
        assert "exhausted" in j["error"]["message"], j
    check("gemini egress: a Gemini error body → the same status in Anthropic's shape", t_error)

    def t_roundtrip():
        tools = [{"name": "get weather!", "description": "Weather", "input_schema": CC_SCHEMA}]
        first = msg("g-tools", stream=True, tools=tools, thinking={"type": "enabled", "budget_tokens": 2048})
        st, _, out = post(X, A, first)
        text = out.decode()
        check_anthropic_sse(text)
        b1 = json.loads(gup.last()["body"])
        decl = b1["tools"][0]["functionDeclarations"][0]
        legal = decl["name"]
        assert legal != "get weather!" and all(ch.isalnum() or ch in "_.:-" for ch in legal), legal
        params = decl["parameters"]
        for bad in ("$schema", "additionalProperties"):
            assert bad not in json.dumps(params), (bad, params)
        assert "exclusiveMinimum" not in json.dumps(params), params
        eq(params.get("required"), ["location"], "required filtered to existing properties")
        # rebuild the assistant turn from the stream, as a client would
        blocks, cur = [], None
        for e, d in parse_sse(text):
            if e == "content_block_start":
                cur = copy.deepcopy(d["content_block"])
                if cur["type"] == "tool_use":
                    cur["_json"] = ""
                blocks.append(cur)
            elif e == "content_block_delta":
                dl = d["delta"]
                if dl["type"] == "thinking_delta":
                    cur["thinking"] += dl["thinking"]
                elif dl["type"] == "signature_delta":
                    cur["signature"] = cur.get("signature", "") + dl["signature"]
                elif dl["type"] == "text_delta":
                    cur["text"] += dl["text"]
                elif dl["type"] == "input_json_delta":
                    cur["_json"] += dl["partial_json"]
        for blk in blocks:
            if blk["type"] == "tool_use":
                blk["input"] = json.loads(blk.pop("_json") or "{}")
        tu = [blk for blk in blocks if blk["type"] == "tool_use"]
        eq(len(tu), 1, "one tool_use")
        eq(tu[0]["name"], "get weather!", "name mapped back")
        eq(tu[0]["input"], {"location": "Paris"}, "args")
        th = [blk for blk in blocks if blk["type"] == "thinking" and blk.get("thinking")]
        eq(th[0]["signature"], SIG_THOUGHT, "thought signature on the thinking block")
        second = msg("g-tools", tools=tools)
        second["messages"] = [{"role": "user", "content": "weather in Paris?"},
                              {"role": "assistant", "content": blocks},
                              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tu[0]["id"],
                                                            "content": "sunny"}]}]
        st, _, out = post(X, A, second)
        eq(st, 200, "status")
        eq(json.loads(out)["content"][0]["text"], "It is sunny in Paris.", "final text")
        b2 = json.loads(gup.last()["body"])
        model_parts = [p for c in b2["contents"] if c["role"] == "model" for p in c["parts"]]
        thought = [p for p in model_parts if p.get("thought")]
        eq(thought[0].get("thoughtSignature"), SIG_THOUGHT, "thought part signature, byte for byte")
        fc = [p for p in model_parts if "functionCall" in p]
        eq(fc[0]["functionCall"]["name"], legal, "legal name back upstream")
        eq(fc[0].get("thoughtSignature"), SIG_FC, "function call signature, byte for byte")
        fr = [p for c in b2["contents"] if c["role"] == "user" for p in c["parts"] if "functionResponse" in p]
        eq(fr[0]["functionResponse"]["name"], legal, "functionResponse name")
    check("gemini egress: multi-turn tool use; thoughtSignature values return byte for byte; names legalized and "
          "mapped back; schema sanitized", t_roundtrip)

    # ---- Gemini ingress ------------------------------------------------------
    G = "/gemini/v1beta/models/"
    hi = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}

    def t_in_raw():
        st, _, out = gem_post(X, G + "g-text:generateContent", hi)
        eq(st, 200, "status")
        eq(gem_text([json.loads(out)]), "Hello from gemini", "text")
        eq(gup.last()["headers"].get("x-goog-api-key"), "gem-client-key", "key")
        st, h, out = gem_post(X, G + "g-text:streamGenerateContent?alt=sse", hi)
        assert h["content-type"].startswith("text/event-stream"), h
        eq(gem_text(sse_datas(out.decode())), "Hello from gemini", "sse text")
        st, h, out = gem_post(X, "/gemini/v1/models/g-text:streamGenerateContent", hi)
        arr = json.loads(out)
        assert isinstance(arr, list) and len(arr) >= 2, arr
        eq(gem_text(arr), "Hello from gemini", "array text")
        eq(arr[-1]["candidates"][0]["finishReason"], "STOP", "finish")
    check("gemini ingress → gemini upstream: JSON, SSE with alt=sse, a JSON array without (v1beta and v1)",
          t_in_raw)

    def t_in_translated():
        for model, want in (("claude-test", "Hello from mock"), ("o-text", "Hello from openai")):
            st, _, out = gem_post(X, G + model + ":generateContent", hi)
            eq(st, 200, model + " status")
            j = json.loads(out)
            eq(gem_text([j]), want, model + " text")
            eq(j["candidates"][0]["finishReason"], "STOP", model + " finish")
            assert j["usageMetadata"]["totalTokenCount"] > 0, j
            st, _, out = gem_post(X, G + model + ":streamGenerateContent?alt=sse", hi)
            eq(gem_text(sse_datas(out.decode())), want, model + " sse")
            st, _, out = gem_post(X, G + model + ":streamGenerateContent", hi)
            eq(gem_text(json.loads(out)), want, model + " array")
    check("gemini ingress → anthropic and openai upstreams: JSON, SSE and array answers", t_in_translated)

    def t_in_tools():
        body = dict(hi, tools=[{"functionDeclarations": [{"name": "get_weather", "parameters": {
            "type": "OBJECT", "properties": {"location": {"type": "STRING"}}}}]}])
        st, _, out = gem_post(X, G + "m-tool:streamGenerateContent?alt=sse", body)
        resps = sse_datas(out.decode())
        calls = [p["functionCall"] for r in resps for p in r["candidates"][0].get("content", {}).get("parts", [])
                 if "functionCall" in p]
        eq([(c["name"], c["args"]) for c in calls], [("get_weather", {"location": "Paris"})], "function call")
        eq([r["candidates"][0].get("finishReason") for r in resps if r["candidates"][0].get("finishReason")],
           ["STOP"], "function-call turns finish with STOP")
        sent = json.loads(up.last()["body"])
        eq(sent["tools"][0]["input_schema"]["type"], "object", "types lower-cased for Anthropic")
    check("gemini ingress: function calls come back as functionCall parts, finishReason STOP", t_in_tools)

    def t_in_errors():
        st, _, out = gem_post(X, G + "nope:generateContent", hi)
        eq(st, 404, "unknown model")
        eq(json.loads(out)["error"]["status"], "NOT_FOUND", "status")
        st, _, out = gem_post(X, G + "m-429:generateContent", hi)
        eq(st, 429, "relayed 429")
        j = json.loads(out)
        eq((j["error"]["code"], j["error"]["status"]), (429, "RESOURCE_EXHAUSTED"), "gemini shape")
        st, _, out = gem_post(X, G + "g-text:generateContent", hi, key=None)
        eq(st, 401, "no key")
        st, _, out = gem_post(X, G + "g-text:generateContent?key=via-query", hi, key=None)
        eq(st, 200, "?key=")
        eq(gup.last()["headers"].get("x-goog-api-key"), "via-query", "key from the query")
    check("gemini ingress: errors in Gemini's shape (404, relayed 429, 401); ?key= accepted", t_in_errors)
