"""End-to-end tests of the Anthropic <-> OpenAI Chat Completions conversion,
and the real Claude Code run. Called from run.py with its helpers."""
import http.client
import json
import os
import shutil
import socket
import subprocess
import time

from grammar import check_anthropic_sse


def models_yaml(op, top=None):
    y = ""
    if top:
        y += ("- {model_id: o-tls, model_name: o-text, api_base: 'https://localhost:%d/v1', format: openai, "
              "max_tokens: 2k}\n" % top)
    for name in ("o-text", "o-tools", "o-reason", "o-length", "o-429", "o-500", "o-malformed", "o-cut", "o-cc"):
        y += ("- {model_id: %s, model_name: %s, api_base: 'http://127.0.0.1:%d/v1', format: openai, "
              "max_tokens: 2k}\n" % (name, name, op))
    y += ("- model_id: o-nostream\n  model_name: o-text\n  api_base: http://127.0.0.1:%d/v1\n"
          "  can_stream: false\n" % op)
    y += ("- model_id: o-configured\n  model_name: o-text\n  api_base: http://127.0.0.1:%d/v1\n"
          "  api_key: sk-oai-config\n  reasoning_effort: low\n  temperature: 0.2\n"
          "  max_tokens_field: max_completion_tokens\n"
          "  extra_headers: {X-Org: team-a}\n"
          "  extra_body: {top_k: 5, chat_template_kwargs: {thinking: true}}\n" % op)
    return y


def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: expected %r, got %r" % (what, b, a))


def oai_post(port, body, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    h = {"Content-Type": "application/json", "Authorization": "Bearer oai-client-key"}
    h.update(headers or {})
    c.request("POST", "/openai/v1/chat/completions", json.dumps(body), h)
    r = c.getresponse()
    out = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), out


def oai_chunks(text):
    out = []
    for block in text.strip().split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: "):
                d = line[6:]
                out.append(d if d == "[DONE]" else json.loads(d))
    return out


def big_request(model, stream):
    """A Claude-Code-sized request: long strings everywhere (system, 40 tool
    descriptions, texts, a tool_use input holding a file, tool results),
    escapes and non-ASCII in them."""
    prose = ("Line %d: \"quoted\", a back\\slash, a tab\t, caf\u00e9, \u4e2d\u6587, \U0001F600 and "
             "a </script> or two.\n")
    text = lambda k, n: "".join(prose % (k * 1000 + i) for i in range(n))
    tools = [{"name": "tool_%02d" % i, "description": text(i, 8 + i % 5),
              "input_schema": {"type": "object", "properties": {"path": {"type": "string",
                                                                         "description": text(i, 6)}}}}
             for i in range(40)]
    messages = [
        {"role": "user", "content": [{"type": "text", "text": text(100, 40)}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": text(101, 10)},
            {"type": "tool_use", "id": "toolu_01", "name": "tool_01",
             "input": {"path": "/tmp/a.py", "content": text(102, 150), "n": 3, "nested": {"s": text(103, 9)}}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_01", "content": text(104, 60)},
            {"type": "text", "text": "short"}]},
        {"role": "assistant", "content": "x" * 700},
        {"role": "user", "content": text(105, 30)},
    ]
    return {"model": model, "max_tokens": 1000, "stream": stream, "tools": tools, "messages": messages,
            "system": [{"type": "text", "text": text(106, 20)}, {"type": "text", "text": "You are brief."},
                       {"type": "text", "text": text(107, 25)}]}


def run(check, X, up, oup, post, msg, parse_sse, toup=None):
    A = "/anthropic/v1/messages"
    tools = [{"name": "get_weather", "description": "Weather", "input_schema": {
        "type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}},
        {"name": "get_time", "input_schema": {"type": "object", "properties": {"tz": {"type": "string"}}}}]

    def t_json():
        st, _, out = post(X, A, msg("o-text"))
        eq(st, 200, "status")
        j = json.loads(out)
        eq(j["type"], "message", "type")
        eq(j["content"], [{"type": "text", "text": "Hello from openai"}], "content")
        eq(j["stop_reason"], "end_turn", "stop_reason")
        eq(j["usage"]["input_tokens"], 40, "input = prompt - cached")
        eq(j["usage"]["cache_read_input_tokens"], 60, "cached")
        eq(j["usage"]["output_tokens"], 20, "output")
        eq(j["model"], "o-text", "model is the client's id")
        r = oup.last()
        eq(r["path"], "/v1/chat/completions", "upstream path")
        eq(r["headers"].get("authorization"), "Bearer client-key", "key as Bearer")
        b = json.loads(r["body"])
        eq(b["model"], "o-text", "model")
        eq(b["messages"], [{"role": "user", "content": "hi"}], "messages")
        eq(b.get("stream"), False, "stream false")
    check("openai egress: non-streaming answer as an Anthropic message, usage with cache", t_json)

    def t_stream():
        body = msg("o-text", stream=True, system=[{"type": "text", "text": "x-anthropic-billing-header: cc=1"},
                                                 {"type": "text", "text": "Be brief."}])
        st, h, out = post(X, A, body)
        eq(st, 200, "status")
        text = out.decode()
        check_anthropic_sse(text)
        ev = parse_sse(text)
        eq("".join(d["delta"]["text"] for e, d in ev if e == "content_block_delta"), "Hello from openai", "text")
        md = [d for e, d in ev if e == "message_delta"][0]
        eq(md["delta"]["stop_reason"], "end_turn", "stop")
        eq(md["usage"]["output_tokens"], 20, "usage after finish_reason is reported")
        eq(md["usage"].get("cache_read_input_tokens"), 60, "cache read")
        b = json.loads(oup.last()["body"])
        eq(b["stream"], True, "stream")
        eq(b["stream_options"], {"include_usage": True}, "stream_options")
        eq(b["messages"][0], {"role": "system", "content": "Be brief."}, "billing header dropped")
    check("openai egress: stream converted to Anthropic SSE (grammar checked), usage after finish", t_stream)

    def t_tools():
        st, _, out = post(X, A, msg("o-tools", stream=True, tools=tools, tool_choice={"type": "any"}))
        text = out.decode()
        check_anthropic_sse(text)
        ev = parse_sse(text)
        starts = [d["content_block"] for e, d in ev if e == "content_block_start"]
        eq([(b["type"], b["id"], b["name"]) for b in starts],
           [("tool_use", "call_a1", "get_weather"), ("tool_use", "call_b2", "get_time")], "blocks")
        args = {}
        for e, d in ev:
            if e == "content_block_delta":
                args.setdefault(d["index"], "")
                args[d["index"]] += d["delta"]["partial_json"]
        eq(json.loads(args[0]), {"location": "Paris"}, "args 0")
        eq(json.loads(args[1]), {"tz": "CET"}, "args 1")
        frags = [d for e, d in ev if e == "content_block_delta" and d["index"] == 0]
        assert len(frags) >= 3, "argument fragments must be forwarded as they arrive: %d" % len(frags)
        eq([d for e, d in ev if e == "message_delta"][0]["delta"]["stop_reason"], "tool_use", "stop")
        b = json.loads(oup.last()["body"])
        eq(b["tool_choice"], "required", "tool_choice any")
        eq(b["tools"][0]["function"]["name"], "get_weather", "tools")
        eq(b["tools"][0]["function"]["parameters"], tools[0]["input_schema"], "schema verbatim")
        st, _, out = post(X, A, msg("o-tools", tools=tools))
        j = json.loads(out)
        eq([(c["type"], c["id"], c["input"]) for c in j["content"]],
           [("tool_use", "call_a1", {"location": "Paris"}), ("tool_use", "call_b2", {"tz": "CET"})], "json blocks")
    check("openai egress: two parallel tool calls, fragments streamed, ids kept", t_tools)

    def t_reason():
        st, _, out = post(X, A, msg("o-reason", stream=True, thinking={"type": "adaptive"},
                                    output_config={"effort": "high"}))
        text = out.decode()
        check_anthropic_sse(text)
        ev = parse_sse(text)
        kinds = [d["content_block"]["type"] for e, d in ev if e == "content_block_start"]
        eq(kinds, ["thinking", "text"], "blocks")
        think = "".join(d["delta"].get("thinking", "") for e, d in ev if e == "content_block_delta")
        eq(think, "Let me think.", "thinking")
        md = [d for e, d in ev if e == "message_delta"][0]
        eq(md["usage"].get("cache_read_input_tokens"), 40, "DeepSeek cache hits")
        eq(json.loads(oup.last()["body"]).get("reasoning_effort"), "high", "effort")
        st, _, out = post(X, A, msg("o-reason"))
        j = json.loads(out)
        eq(j["content"][0]["type"], "thinking", "json thinking")
        eq(j["content"][0]["thinking"], "Let me think.", "json thinking text")
    check("openai egress: reasoning_content becomes a thinking block; effort mapped", t_reason)

    def t_history():
        hist = {"model": "o-text", "max_tokens": 50, "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "need tool", "signature": "s"},
                                              {"type": "tool_use", "id": "call_x", "name": "get_weather",
                                               "input": {"location": "Paris"}},
                                              {"type": "tool_use", "id": "call_y", "name": "get_time",
                                               "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_x", "content": "sunny"},
                                         {"type": "text", "text": "and?"}]}]}
        st, _, out = post(X, A, hist)
        eq(st, 200, "status")
        m = json.loads(oup.last()["body"])["messages"]
        eq(m[1]["role"], "assistant", "assistant")
        eq(m[1].get("reasoning_content"), "need tool", "reasoning round trip")
        eq([t["id"] for t in m[1]["tool_calls"]], ["call_x", "call_y"], "tool calls")
        eq(json.loads(m[1]["tool_calls"][0]["function"]["arguments"]), {"location": "Paris"}, "args")
        eq((m[2]["role"], m[2]["tool_call_id"], m[2]["content"]), ("tool", "call_x", "sunny"), "result")
        eq((m[3]["role"], m[3]["tool_call_id"]), ("tool", "call_y"), "placeholder for the missing result")
        eq(m[4]["role"], "user", "user text after the results")
    check("openai egress: history with thinking, tool results and a repaired missing result", t_history)

    def t_length():
        st, _, out = post(X, A, msg("o-length", stream=True))
        ev = parse_sse(out.decode())
        eq([d for e, d in ev if e == "message_delta"][0]["delta"]["stop_reason"], "max_tokens", "stop")
        b = json.loads(oup.last()["body"])
        eq(b["max_tokens"], 100, "max_tokens under the cap")
        post(X, A, msg("o-length", max_tokens=999999))
        eq(json.loads(oup.last()["body"])["max_tokens"], 2000, "capped")
    check("openai egress: length finish → max_tokens; max_tokens capped", t_length)

    def t_errors():
        st, h, out = post(X, A, msg("o-429", stream=True))
        eq(st, 429, "429")
        j = json.loads(out)
        eq(j["type"], "error", "shape")
        eq(j["error"]["type"], "rate_limit_error", "type")
        assert "Rate limit reached" in j["error"]["message"], j
        eq(h.get("retry-after"), "2", "retry-after")
        st, _, out = post(X, A, msg("o-500"))
        eq(st, 500, "500")
        eq(json.loads(out)["error"]["type"], "api_error", "type")
    check("openai egress: upstream 429 / 500 in Anthropic's shape with the same status", t_errors)

    def t_broken_streams():
        for model in ("o-malformed", "o-cut"):
            st, _, out = post(X, A, msg(model, stream=True))
            text = out.decode()
            check_anthropic_sse(text)
            ev = parse_sse(text)
            eq(ev[-1][0], "error", model + ": last event")
            assert not any(e == "message_stop" for e, _ in ev), model
    check("openai egress: malformed chunk / cut connection → error event, well-formed stream", t_broken_streams)

    def t_nostream():
        st, _, out = post(X, A, msg("o-nostream", stream=True))
        text = out.decode()
        check_anthropic_sse(text)
        eq("".join(d["delta"]["text"] for e, d in parse_sse(text) if e == "content_block_delta"),
           "Hello from openai", "synthesized stream")
        eq(json.loads(oup.last()["body"]).get("stream"), False, "upstream not streamed")
    check("can_stream: false: the upstream JSON becomes a synthesized SSE stream", t_nostream)

    def t_configured():
        st, _, out = post(X, A, msg("o-configured", temperature=0.9, thinking={"type": "enabled",
                                                                              "budget_tokens": 30000}))
        eq(st, 200, "status")
        r = oup.last()
        b = json.loads(r["body"])
        eq(r["headers"].get("authorization"), "Bearer sk-oai-config", "config key")
        eq(r["headers"].get("x-org"), "team-a", "extra header")
        eq(b.get("temperature"), 0.2, "config temperature wins")
        eq(b.get("reasoning_effort"), "low", "config effort wins")
        eq(b.get("max_completion_tokens"), 100, "max_completion_tokens")
        assert "max_tokens" not in b, b
        eq(b.get("top_k"), 5, "extra_body")
        eq(b.get("chat_template_kwargs"), {"thinking": True}, "extra_body nested")
    check("openai egress: models.yaml key, headers, temperature, effort, max_tokens_field, extra_body",
          t_configured)

    def t_count_local():
        n0 = oup.count()
        body = {"model": "o-text", "messages": [{"role": "user", "content": "Hello, Claude"}],
                "system": "You are a scientist"}
        st, _, out = post(X, A + "/count_tokens?beta=true", body)
        eq(st, 200, "status")
        n = json.loads(out)["input_tokens"]
        assert 8 <= n <= 20, n  # Anthropic's documented count for this request is 14
        body["tools"] = [{"name": "get_weather", "description": "Get the current weather in a given location",
                          "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}}}]
        st, _, out = post(X, A + "/count_tokens", body)
        assert json.loads(out)["input_tokens"] > n + 100, "tools cost tokens"
        eq(oup.count(), n0, "no upstream call")
        st, _, out = post(X, A + "/count_tokens", {"model": "o-text", "messages": 5})
        eq(st, 400, "bad body")
    check("count_tokens for a non-Anthropic model: the local estimate, no upstream call", t_count_local)

    def t_big():
        # test_conversion forwards the bare conversion (no caps, no
        # overrides; none apply to this model and max_tokens): the messages
        # path must send the upstream the same bytes, with a Content-Length
        # that matches, over plain TCP and TLS (many records, partial
        # writes), twice in a row on one pooled connection.
        for mock, model in ((oup, "o-text"), (toup, "o-tls")):
            for stream in (False, True):
                body = big_request(model, stream)
                st, _, out = post(X, A + "/test_conversion", body)
                eq(st, 200, "%s: test_conversion status" % model)
                want = mock.last()["body"]
                assert len(want) > 100000, len(want)
                got = []
                for _ in range(2):
                    st, _, out = post(X, A, body)
                    eq(st, 200, "%s: status" % model)
                    r = mock.last()
                    eq(int(r["headers"]["content-length"]), len(r["body"]), "Content-Length")
                    got.append(r)
                    if r["body"] != want:
                        i = next((k for k in range(min(len(want), len(r["body"])))
                                  if want[k] != r["body"][k]), min(len(want), len(r["body"])))
                        raise AssertionError("%s stream=%s: upstream body differs at byte %d of %d/%d: %r vs %r"
                                             % (model, stream, i, len(r["body"]), len(want),
                                                r["body"][i - 20:i + 20], want[i - 20:i + 20]))
                eq(got[0]["port"], got[1]["port"], "%s: the second went on the pooled connection" % model)
                b = json.loads(got[1]["body"])
                eq(b["tools"][7]["function"]["description"], body["tools"][7]["description"], "description")
                eq(json.loads(b["messages"][2]["tool_calls"][0]["function"]["arguments"]),
                   body["messages"][1]["content"][1]["input"], "tool_use input as arguments")
                if stream:
                    eq("".join(d["delta"].get("text", "") for e, d in parse_sse(out.decode())
                               if e == "content_block_delta"), "Hello from openai", "streamed answer")
                else:
                    eq(json.loads(out)["content"][0]["text"], "Hello from openai", "answer")
    if toup:
        check("openai egress: a 100 KB Claude Code request (40 tools, a file in a tool call) reaches plain and "
              "TLS upstreams byte for byte as test_conversion makes it, twice on a pooled connection",
              t_big)

    # ---- OpenAI ingress ---------------------------------------------------
    def t_oai_passthrough():
        st, _, out = oai_post(X, {"model": "o-text", "messages": [{"role": "user", "content": "hi"}],
                                  "max_tokens": 99999, "seed": 7})
        eq(st, 200, "status")
        eq(json.loads(out)["choices"][0]["message"]["content"], "Hello from openai", "content")
        b = json.loads(oup.last()["body"])
        eq(b["max_tokens"], 2000, "capped")
        eq(b["seed"], 7, "other fields untouched")
        st, _, out = oai_post(X, {"model": "o-text", "stream": True, "stream_options": {"include_usage": True},
                                  "messages": [{"role": "user", "content": "hi"}]})
        ch = oai_chunks(out.decode())
        eq(ch[-1], "[DONE]", "done")
        eq("".join(c["choices"][0]["delta"].get("content") or "" for c in ch[:-1] if c["choices"]),
           "Hello from openai", "text")
    check("openai ingress → openai upstream: forwarded with model/cap rewrites, stream relayed", t_oai_passthrough)

    def t_oai_passthrough_bytes():
        # Every byte but the model name survives (odd spacing, escapes,
        # numbers as written), with the upstream head in the room before
        # the body and, with a client key too long for that room, without it.
        src = ('{ "seed" : 7.50e1, "model" :"o-nostream","messages":[{"role":"user","content":'
               '"caf\\u00e9 \\ud83d\\ude00 \\"q\\""}],"future":{"x":[1,null,true]} }')
        want = src.replace('"o-nostream"', '"o-text"')
        for key in ("oai-client-key", "k" * 3000):
            c = http.client.HTTPConnection("127.0.0.1", X, timeout=20)
            c.request("POST", "/openai/v1/chat/completions", src.encode(),
                      {"Content-Type": "application/json", "Authorization": "Bearer " + key})
            r = c.getresponse()
            r.read()
            c.close()
            eq(r.status, 200, "status")
            eq(oup.last()["headers"].get("authorization"), "Bearer " + key, "key forwarded")
            eq(oup.last()["body"].decode(), want, "upstream body, a %d-byte key" % len(key))
    check("openai ingress → openai upstream: body forwarded byte for byte but the model", t_oai_passthrough_bytes)

    def t_oai_to_anth():
        st, _, out = oai_post(X, {"model": "claude-test", "messages": [{"role": "system", "content": "sys"},
                                                                       {"role": "user", "content": "hi"}]})
        eq(st, 200, "status")
        j = json.loads(out)
        eq(j["object"], "chat.completion", "object")
        eq(j["choices"][0]["message"]["content"], "Hello from mock", "content")
        eq(j["choices"][0]["finish_reason"], "stop", "finish")
        eq(j["usage"]["prompt_tokens"], 15, "prompt = input + cache")
        b = json.loads(up.last()["body"])
        eq(b["model"], "text", "anthropic model name")
        assert b.get("system") in ("sys", [{"type": "text", "text": "sys"}]), b
        eq(up.last()["headers"].get("x-api-key"), "oai-client-key", "key as x-api-key")
        st, _, out = oai_post(X, {"model": "m-tool", "stream": True, "stream_options": {"include_usage": True},
                                  "messages": [{"role": "user", "content": "weather"}],
                                  "tools": [{"type": "function", "function": {"name": "get_weather",
                                                                              "parameters": {"type": "object"}}}]})
        ch = oai_chunks(out.decode())
        eq(ch[-1], "[DONE]", "done")
        calls = [tc for c in ch[:-1] if c["choices"] for tc in (c["choices"][0]["delta"].get("tool_calls") or [])]
        eq(calls[0]["function"]["name"], "get_weather", "tool name")
        eq(json.loads("".join(tc["function"].get("arguments", "") for tc in calls)), {"location": "Paris"}, "args")
        fin = [c["choices"][0]["finish_reason"] for c in ch[:-1] if c["choices"] and c["choices"][0]["finish_reason"]]
        eq(fin, ["tool_calls"], "finish")
        assert any(not c["choices"] and c.get("usage") for c in ch[:-1]), "usage chunk"
    check("openai ingress → anthropic upstream: translated both ways, stream with tool calls and usage",
          t_oai_to_anth)

    def t_oai_errors():
        st, _, out = oai_post(X, {"model": "nope", "messages": []})
        eq(st, 404, "unknown model")
        assert set(json.loads(out)["error"]) == {"message", "type", "code"}, out
        st, _, out = oai_post(X, {"model": "m-429", "messages": [{"role": "user", "content": "x"}]})
        eq(st, 429, "upstream 429")
        assert "slow down" in json.loads(out)["error"]["message"], out
        c = http.client.HTTPConnection("127.0.0.1", X, timeout=10)
        c.request("POST", "/openai/v1/chat/completions", "{bad", {"Authorization": "Bearer k"})
        r = c.getresponse()
        eq(r.status, 400, "bad json")
        assert "error" in json.loads(r.read())
    check("openai ingress: errors in OpenAI's shape (404 model, relayed 429, 400)", t_oai_errors)


def run_claude_code(check, sdk_dir, X, oup, tmp):
    claude = os.path.join(os.path.abspath(sdk_dir), "node_modules", ".bin", "claude")

    def t_claude():
        home = os.path.join(tmp, "cc-home")
        work = os.path.join(tmp, "cc-work")
        os.makedirs(home, exist_ok=True)
        os.makedirs(work, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE"))}
        env.update(HOME=home, ANTHROPIC_BASE_URL="http://127.0.0.1:%d/anthropic" % X,
                   ANTHROPIC_API_KEY="cc-test-key", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
                   DISABLE_AUTOUPDATER="1", CLAUDE_CODE_MAX_RETRIES="1")
        n0 = oup.count()
        p = subprocess.run([claude, "-p", "Run the shell command `echo proxied-tool-ok` and tell me its output.",
                            "--output-format", "json", "--model", "o-cc", "--allowedTools", "Bash"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, "exit %d: %s %s" % (p.returncode, p.stdout[-1500:], p.stderr[-1500:])
        res = json.loads(p.stdout)
        assert not res.get("is_error"), res
        assert "The tool printed: proxied-tool-ok" in res.get("result", ""), res
        reqs = [json.loads(r["body"]) for r in oup.requests[n0:] if r["path"] == "/v1/chat/completions"]
        assert len(reqs) >= 2, "requests: %d" % len(reqs)
        tool = [m for m in reqs[-1]["messages"] if m.get("role") == "tool"]
        assert tool and "proxied-tool-ok" in json.dumps(tool[-1]), tool
        first = reqs[0]
        assert first.get("stream") is True, "Claude Code streams"
        assert any(t["function"]["name"] == "Bash" for t in first.get("tools", [])), "tools translated"
        assert not any("x-anthropic-billing-header" in json.dumps(m) for m in first["messages"]), "billing header"
    check("Claude Code (headless -p) through the proxy to an OpenAI upstream: tool call executed, result "
          "returned", t_claude, suite="sdk")


def run_claude_code_gemini(check, sdk_dir, X, gup, tmp):
    claude = os.path.join(os.path.abspath(sdk_dir), "node_modules", ".bin", "claude")

    def t_claude_gemini():
        home = os.path.join(tmp, "cc-gem-home")
        work = os.path.join(tmp, "cc-gem-work")
        os.makedirs(home, exist_ok=True)
        os.makedirs(work, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE"))}
        env.update(HOME=home, ANTHROPIC_BASE_URL="http://127.0.0.1:%d/anthropic" % X,
                   ANTHROPIC_API_KEY="cc-test-key", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
                   DISABLE_AUTOUPDATER="1", CLAUDE_CODE_MAX_RETRIES="1")
        n0 = gup.count()
        p = subprocess.run([claude, "-p", "Run the shell command `echo gemini-tool-ok` and tell me its output.",
                            "--output-format", "json", "--model", "g-cc", "--allowedTools", "Bash"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, "exit %d: %s %s" % (p.returncode, p.stdout[-1500:], p.stderr[-1500:])
        res = json.loads(p.stdout)
        assert not res.get("is_error"), res
        assert "Gemini saw: gemini-tool-ok" in res.get("result", ""), res
        reqs = [json.loads(r["body"]) for r in gup.requests[n0:]]
        assert len(reqs) >= 2, "requests: %d" % len(reqs)
        names = [d["name"] for t in reqs[0].get("tools", []) for d in t.get("functionDeclarations", [])]
        assert "Bash" in names and len(names) >= 5, names
    check("Claude Code (headless -p) through the proxy to a Gemini upstream that validates schemas like the "
          "real API: tool call executed, thought signatures returned", t_claude_gemini, suite="sdk")
