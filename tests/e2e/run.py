#!/usr/bin/env python3
"""End-to-end tests: the real anthropic-proxy binary against local mock
upstreams (plain HTTP and TLS with a CA made here, at test time).

usage: run.py --bin PATH [--sdk DIR]   prints one line per case and, last,
"e2e: N passed, M failed" (and "sdk: ..." when --sdk runs the npm SDK tests).
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mock import EarlyUpstream, MockAnthropic, MockDNS, MockGemini, MockOpenAI  # noqa: E402
import cli_tests  # noqa: E402
import gemini_tests  # noqa: E402
import openai_tests  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
results = {"e2e": [0, 0], "sdk": [0, 0]}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def make_certs(d):
    """A test CA, a server certificate for localhost and one for wrong.test."""
    def run(*a):
        subprocess.run(a, cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=anthropic-proxy test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name in ("localhost", "wrong.test"):
        run("openssl", "req", *ec, "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n" % name)
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext")


class Proxy:
    def __init__(self, binary, tmp, models, config, env=None, name="proxy"):
        self.port = free_port()
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        config = dict(config, port=self.port, host="127.0.0.1")
        self.cfg = os.path.join(self.dir, "config.json")
        self.models = os.path.join(self.dir, "models.yaml")
        with open(self.cfg, "w") as f:
            json.dump(config, f)
        with open(self.models, "w") as f:
            f.write(models)
        e = dict(os.environ, HOME=self.dir)
        for k in ("HOST", "PORT", "LOG_LEVEL", "CUSTOM_MODELS_FILE", "SSL_CERT_FILE", "LOG_FILE_PATH"):
            e.pop(k, None)
        e.update(env or {})
        self.errpath = os.path.join(self.dir, "stderr.log")
        self.err = open(self.errpath, "w")
        self.p = subprocess.Popen([binary, "--config", self.cfg, "--models", self.models, "serve"],
                                  stdout=subprocess.DEVNULL, stderr=self.err, env=e)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if self.p.poll() is not None:
                    break
                time.sleep(0.02)
        raise RuntimeError("proxy did not start: " + open(self.errpath).read())

    def stop(self):
        """SIGTERM; returns (exit code, stderr text)."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(40)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.err.close()
        return self.p.returncode, open(self.errpath).read()


def check(name, fn, suite="e2e"):
    try:
        fn()
        results[suite][0] += 1
        print("ok   %s" % name, flush=True)
    except Exception as e:  # noqa: BLE001 - report every failure the same way
        results[suite][1] += 1
        print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)


def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: expected %r, got %r" % (what, b, a))


def post(port, path, body, headers=None, timeout=20):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Content-Type": "application/json", "x-api-key": "client-key"}
    h.update(headers or {})
    h = {k: v for k, v in h.items() if v is not None}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    c.request("POST", path, data, h)
    r = c.getresponse()
    out = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), out


def raw(port, data, timeout=5, wait_close=True):
    """Send raw bytes, return everything the proxy answers until it closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
            if not wait_close and b"\r\n\r\n" in out:
                break
    except socket.timeout:
        pass
    s.close()
    return out


def status_of(resp):
    return int(resp.split(b" ", 2)[1]) if resp.startswith(b"HTTP/1.1 ") else None


def err_json(body):
    j = json.loads(body)
    assert j["type"] == "error" and set(j["error"]) == {"type", "message"}, j
    return j["error"]


def parse_sse(text):
    events = []
    for block in text.strip().split("\n\n"):
        ev, data = None, []
        for line in block.split("\n"):
            if line.startswith("event: "):
                ev = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        if data:
            events.append((ev, json.loads("\n".join(data))))
    return events


def msg(model, stream=False, **kw):
    b = {"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    if stream:
        b["stream"] = True
    b.update(kw)
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--sdk")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    tmp = tempfile.mkdtemp(prefix="ap-e2e-")
    try:
        make_certs(tmp)
        run_all(binary, tmp, a.sdk)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for suite in ("e2e", "sdk"):
        if suite == "e2e" or a.sdk:
            print("%s: %d passed, %d failed" % (suite, results[suite][0], results[suite][1]))
    return 1 if results["e2e"][1] or results["sdk"][1] else 0


def run_all(binary, tmp, sdk_dir):
    up = MockAnthropic()
    tls_up = MockAnthropic(os.path.join(tmp, "localhost.pem"), os.path.join(tmp, "localhost.key"))
    wrong_up = MockAnthropic(os.path.join(tmp, "wrong.test.pem"), os.path.join(tmp, "wrong.test.key"))
    dns = MockDNS({"api.mock.test": "127.0.0.1"})
    oup = MockOpenAI()
    toup = MockOpenAI(os.path.join(tmp, "localhost.pem"), os.path.join(tmp, "localhost.key"))
    gup = MockGemini()
    dead_port = free_port()  # nothing listens here
    P = up.port
    models = """
# end-to-end test models
- model_id: claude-test
  model_name: text
  api_base: http://127.0.0.1:{P}
  format: anthropic
  max_tokens: 1k
- model_id: legacy-direct
  model_name: text
  api_base: "http://127.0.0.1:{P}/v1"
  direct: true
- model_id: keyed
  model_name: text
  api_base: http://127.0.0.1:{P}
  format: anthropic
  api_key: sk-config-key
  extra_headers:
    X-Custom: "from-config"
    anthropic-version: '2099-01-01'
""".format(P=P)
    for sc in ("m-tool", "m-gate", "m-429", "m-529", "m-html", "m-cut", "m-noend", "m-slow", "m-chunked",
               "m-big", "m-hold"):
        models += "- {{model_id: {s}, model_name: {s}, api_base: 'http://127.0.0.1:{P}', format: anthropic, max_tokens: 64k}}\n".format(s=sc, P=P)
    models += """
- model_id: tls-ok
  model_name: text
  api_base: https://localhost:{T}
  format: anthropic
- model_id: tls-wrong-host
  model_name: text
  api_base: https://localhost:{W}
  format: anthropic
- model_id: unreachable
  api_base: http://127.0.0.1:{D}
  format: anthropic
- model_id: via-dns
  model_name: text
  api_base: http://api.mock.test:{P}
  format: anthropic
- model_id: nxdomain
  api_base: http://no-such-host.mock.test:{P}
  format: anthropic
- model_id: codex-model
  provider: codex
""".format(T=tls_up.port, W=wrong_up.port, D=dead_port, P=P)
    models += openai_tests.models_yaml(oup.port, toup.port)
    models += gemini_tests.models_yaml(gup.port)
    config = {"log_level": "INFO", "max_body_size": "256k", "dns_servers": ["127.0.0.1:%d" % dns.port],
              "timeouts": {"upstream_first_byte": 1.5, "upstream_idle": 1.5, "client_header": 1,
                           "client_body": 1, "client_idle": 2}}
    px = Proxy(binary, tmp, models, config, env={"SSL_CERT_FILE": os.path.join(tmp, "ca.pem")})
    X = px.port
    A = "/anthropic/v1/messages"

    # ---- the path ---------------------------------------------------------
    def t_nonstream():
        body = msg("claude-test")
        body["metadata"] = {"user_id": "{\"device_id\":\"d\"}"}
        st, h, out = post(X, A + "?beta=true", body, {"anthropic-beta": "b1,b2", "anthropic-version": "2023-06-01",
                                                      "User-Agent": "claude-cli/2.1.330 (external, sdk-cli)"})
        eq(st, 200, "status")
        j = json.loads(out)
        eq(j["content"][0]["text"], "Hello from mock", "text")
        eq(h.get("request-id"), "req_mock_123", "request-id relayed")
        r = up.last()
        eq(r["path"], "/v1/messages", "upstream path")
        eq(r["query"], "beta=true", "query forwarded")
        eq(r["headers"].get("x-api-key"), "client-key", "client key forwarded")
        eq(r["headers"].get("anthropic-beta"), "b1,b2", "anthropic-beta forwarded")
        eq(r["headers"].get("anthropic-version"), "2023-06-01", "anthropic-version forwarded")
        eq(r["headers"].get("user-agent"), "claude-cli/2.1.330 (external, sdk-cli)", "user-agent forwarded")
        eq(r["headers"].get("accept-encoding"), "identity", "no compressed SSE")
    check("anthropic passthrough: non-streaming JSON relayed, headers and query forwarded", t_nonstream)

    def t_raw_body():
        # Every byte but model and max_tokens survives: odd spacing, escapes,
        # unknown fields, cache_control, numbers as written.
        src = ('{ "model" : "claude-test","max_tokens":  5000 ,"messages":[{"role":"user","content":'
               '[{"type":"text","text":"caf\\u00e9 \\ud83d\\ude00 \\"q\\"","cache_control":{"type":"ephemeral"}}]}],'
               '"temperature":0.70,"future_field":{"x":[1,2.50e3,null,true]},"system":[{"type":"text",'
               '"text":"x-anthropic-billing-header: cc_version=1"}] }')
        st, _, out = post(X, A, src.encode())
        eq(st, 200, "status")
        want = src.replace('"claude-test"', '"text"').replace("5000", "1000")
        eq(up.last()["body"].decode(), want, "upstream body")
        # The upstream head normally goes into room left before the edited
        # body (no copy); a head longer than that room (a 3 KB beta list)
        # takes the copying way, with the same bytes.
        beta = ",".join("feature-%04d" % i for i in range(230))
        st, _, out = post(X, A, src.encode(), {"anthropic-beta": beta})
        eq(st, 200, "status with a long head")
        eq(up.last()["headers"].get("anthropic-beta"), beta, "long header forwarded")
        eq(up.last()["body"].decode(), want, "upstream body after a long head")
    check("anthropic passthrough: body forwarded byte for byte except model and max_tokens cap", t_raw_body)

    def t_no_cap():
        src = '{"model":"claude-test","max_tokens":10,"messages":[]}'
        post(X, A, src.encode())
        eq(up.last()["body"].decode(), '{"model":"text","max_tokens":10,"messages":[]}', "upstream body")
    check("anthropic passthrough: max_tokens under the cap is untouched", t_no_cap)

    def t_v1v1_and_bearer():
        st, _, _ = post(X, "/anthropic/v1/v1/messages?beta=true", msg("claude-test"),
                        {"x-api-key": None, "Authorization": "Bearer tok-123"})
        eq(st, 200, "status")
        r = up.last()
        eq(r["headers"].get("authorization"), "Bearer tok-123", "bearer forwarded")
        eq(r["headers"].get("x-api-key"), None, "no x-api-key")
    check("anthropic passthrough: /anthropic/v1/v1/messages path and Bearer auth", t_v1v1_and_bearer)

    def t_config_key():
        st, _, _ = post(X, A, msg("keyed"), {"x-api-key": "client-key", "anthropic-version": "2023-06-01"})
        eq(st, 200, "status")
        r = up.last()
        eq(r["headers"].get("x-api-key"), "sk-config-key", "config key wins")
        eq(r["headers"].get("x-custom"), "from-config", "extra header")
        eq(r["headers"].get("anthropic-version"), "2099-01-01", "extra_headers override")
        eq(r["headers"].get("authorization"), None, "no client auth leaked")
    check("anthropic passthrough: models.yaml api_key and extra_headers", t_config_key)

    def t_legacy_direct():
        st, _, _ = post(X, A, msg("legacy-direct"))
        eq(st, 200, "status")
        eq(up.last()["path"], "/v1/messages", "api_base ending in /v1")
    check("models.yaml: legacy direct: true routes as format anthropic", t_legacy_direct)

    def t_stream():
        st, h, out = post(X, A + "?beta=true", msg("claude-test", stream=True))
        eq(st, 200, "status")
        assert h["content-type"].startswith("text/event-stream"), h
        ev = parse_sse(out.decode())
        names = [e for e, _ in ev]
        eq(names, ["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
                   "content_block_delta", "content_block_stop", "message_delta", "message_stop"], "events")
        eq("".join(d["delta"]["text"] for e, d in ev if e == "content_block_delta"), "Hello from mock", "text")
    check("streaming: events relayed in order and whole (upstream splits them mid-line)", t_stream)

    def t_incremental():
        up.gate.clear()
        up.gate_reached.clear()
        s = socket.create_connection(("127.0.0.1", X), 10)
        body = json.dumps(msg("m-gate", stream=True)).encode()
        s.sendall(b"POST " + A.encode() + b" HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nContent-Length: %d\r\n\r\n"
                  % len(body) + body)
        got = b""
        while b"content_block_delta" not in got:
            b = s.recv(65536)
            assert b, "closed early: %r" % got
            got += b
        assert up.gate_reached.is_set() and not up.gate.is_set()
        assert got.startswith(b"HTTP/1.1 200"), got[:100]
        assert b"message_stop" not in got
        up.gate.set()  # only now does the upstream send the rest
        while not got.endswith(b"0\r\n\r\n"):
            b = s.recv(65536)
            assert b, "closed early"
            got += b
        assert b"message_stop" in got
        s.close()
    check("streaming: the client gets the first event before the upstream sends the last", t_incremental)

    def t_cut():
        st, _, out = post(X, A, msg("m-cut", stream=True))
        eq(st, 200, "status")
        ev = parse_sse(out.decode())
        eq(ev[-1][0], "error", "last event")
        eq(ev[-1][1]["type"], "error", "error event type")
        assert all(e != "content_block_delta" or d["delta"]["text"] for e, d in ev)
        eq([e for e, _ in ev][:3], ["message_start", "content_block_start", "ping"], "whole events only")
    check("streaming: upstream dying mid-stream ends with an error event, no half event", t_cut)

    def t_noend():
        st, _, out = post(X, A, msg("m-noend", stream=True))
        ev = parse_sse(out.decode())
        eq(ev[-1][0], "error", "last event")
    check("streaming: a stream without message_stop gets an error event", t_noend)

    def t_tool_stream():
        st, _, out = post(X, A, msg("m-tool", stream=True))
        ev = parse_sse(out.decode())
        js = "".join(d["delta"]["partial_json"] for e, d in ev
                     if e == "content_block_delta" and d["delta"]["type"] == "input_json_delta")
        eq(json.loads(js), {"location": "Paris"}, "tool input")
    check("streaming: tool_use with input_json_delta relayed", t_tool_stream)

    def t_chunked_json():
        st, _, out = post(X, A, msg("m-chunked"))
        eq(st, 200, "status")
        eq(json.loads(out)["content"][0]["text"], "chunked body", "text")
    check("upstream chunked JSON response decoded and relayed", t_chunked_json)

    def t_count_tokens():
        st, _, out = post(X, "/anthropic/v1/messages/count_tokens?beta=true",
                          {"model": "claude-test", "messages": [{"role": "user", "content": "foo"}], "tools": []})
        eq(st, 200, "status")
        eq(json.loads(out), {"input_tokens": 42}, "count")
        eq(up.last()["path"], "/v1/messages/count_tokens", "upstream path")
        eq(json.loads(up.last()["body"])["model"], "text", "model rewritten")
    check("count_tokens forwarded to an anthropic-format upstream", t_count_tokens)

    def t_pool():
        post(X, A, msg("claude-test"))
        p1 = up.last()["port"]
        post(X, A, msg("claude-test"))
        eq(up.last()["port"], p1, "same upstream connection")
    check("upstream keep-alive: sequential requests reuse one connection", t_pool)

    def t_tls():
        st, _, out = post(X, A, msg("tls-ok"))
        eq(st, 200, "status")
        eq(tls_up.last()["path"], "/v1/messages", "TLS upstream got it")
        st, _, out = post(X, A, msg("tls-ok", stream=True))
        eq(parse_sse(out.decode())[-1][0], "message_stop", "TLS stream")
    check("TLS upstream: test CA via SSL_CERT_FILE, JSON and stream", t_tls)

    def t_tls_wrong():
        st, _, out = post(X, A, msg("tls-wrong-host"))
        eq(st, 502, "status")
        e = err_json(out)
        assert "certificate" in e["message"] and "host name" in e["message"], e
        eq(wrong_up.count(), 0, "nothing sent")
    check("TLS upstream: a certificate for another host name is rejected (502, says why)", t_tls_wrong)

    def t_dns():
        dns.queries.clear()
        for _ in range(3):
            st, _, _ = post(X, A, msg("via-dns"))
            eq(st, 200, "status")
        a_queries = [q for q in dns.queries if q == ("api.mock.test", 1)]
        eq(len(a_queries), 1, "A queries (cached for the TTL)")
        eq(up.last()["headers"].get("host"), "api.mock.test:%d" % P, "Host header")
    check("DNS: async lookup through dns_servers, answer cached", t_dns)

    def t_nxdomain():
        st, _, out = post(X, A, msg("nxdomain"))
        eq(st, 502, "status")
        assert "resolve" in err_json(out)["message"]
    check("DNS: unknown host → 502 that names the failure", t_nxdomain)

    # ---- errors -----------------------------------------------------------
    def t_unknown_model():
        st, _, out = post(X, A, msg("nope"))
        eq(st, 400, "status")
        e = err_json(out)
        eq(e["type"], "invalid_request_error", "type")
        assert "nope" in e["message"]
    check("error: unknown model → 400 invalid_request_error", t_unknown_model)

    def t_no_key():
        st, _, out = post(X, A, msg("claude-test"), {"x-api-key": None})
        eq(st, 401, "status")
        eq(err_json(out)["type"], "authentication_error", "type")
    check("error: no key → 401 authentication_error", t_no_key)

    def t_unreachable():
        st, _, out = post(X, A, msg("unreachable"))
        eq(st, 502, "status")
        eq(err_json(out)["type"], "api_error", "type")
    check("error: upstream unreachable → 502", t_unreachable)

    def t_timeout():
        t0 = time.time()
        st, _, out = post(X, A, msg("m-slow"))
        eq(st, 504, "status")
        eq(err_json(out)["type"], "timeout_error", "type")
        assert time.time() - t0 < 3, "took %.1fs" % (time.time() - t0)
    check("error: upstream first-byte timeout → 504", t_timeout)

    def t_429():
        st, h, out = post(X, A, msg("m-429"))
        eq(st, 429, "status")
        eq(err_json(out), {"type": "rate_limit_error", "message": "slow down"}, "body relayed")
        eq(h.get("retry-after"), "7", "retry-after")
    check("error: upstream 429 relayed with its body and retry-after", t_429)

    def t_529():
        st, _, out = post(X, A, msg("m-529", stream=True))
        eq(st, 529, "status")
        eq(err_json(out)["type"], "overloaded_error", "type")
    check("error: upstream 529 on a stream request → 529 JSON before any event", t_529)

    def t_html():
        st, _, out = post(X, A, msg("m-html"))
        eq(st, 502, "status")
        e = err_json(out)
        assert "HTTP 502" in e["message"] and "Bad Gateway" in e["message"], e
    check("error: non-JSON upstream error wrapped in the Anthropic shape", t_html)

    def t_bad_json():
        st, _, out = post(X, A, b'{"model": "claude-test", ')
        eq(st, 400, "status")
        eq(err_json(out)["type"], "invalid_request_error", "type")
    check("error: malformed JSON body → 400", t_bad_json)

    def t_passthrough_strict():
        # A passthrough body naming its model first is validated without
        # tokens: as strict deep inside, errors at the same byte, duplicates
        # refused, and nothing reaches the upstream.
        before = up.count()
        src = b'{"model":"claude-test","messages":[{"role":"user","content":[{"type":"text","text":"a\x01b"}]}]}'
        st, _, out = post(X, A, src)
        eq(st, 400, "raw control character")
        e = err_json(out)
        eq(e["message"], "request body is not valid JSON (error at byte %d)" % src.index(b"\x01"), "message")
        src = b'{"model":"claude-test","max_tokens":9,"messages":[],"x":[1,2,{"y":"\xc3("}]}'
        st, _, out = post(X, A, src)
        eq(st, 400, "bad UTF-8")
        eq(err_json(out)["message"], "request body is not valid JSON (error at byte %d)" % src.index(b"\xc3("), "utf8")
        st, _, out = post(X, A, b'{"model":"claude-test","messages":[],"model":"claude-test"}')
        eq(st, 400, "duplicate model")
        assert "duplicate" in err_json(out)["message"], out
        eq(up.count(), before, "nothing sent upstream")
        st, _, _ = post(X, A, b'{"model":"claude-test","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}')
        eq(st, 200, "a good one passes")
    check("anthropic passthrough: validated as strictly without tokens (errors, offsets, duplicates)",
          t_passthrough_strict)

    def t_not_translated():
        st, _, out = post(X, A, msg("codex-model"))
        eq(st, 501, "status")
        assert "codex" in err_json(out)["message"]
    check("error: a provider this build does not support yet → 501 that says so", t_not_translated)

    def t_413():
        big = json.dumps(msg("claude-test", system="x" * 300000)).encode()
        st, _, out = post(X, A, big)
        eq(st, 413, "status")
        eq(err_json(out)["type"], "request_too_large", "type")
    check("HTTP: body over max_body_size → 413", t_413)

    def t_413_chunked():
        body = b"x" * 300000
        req = (b"POST " + A.encode() + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
               b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
        out = raw(X, req)
        eq(status_of(out), 413, "status")
    check("HTTP: chunked body over max_body_size → 413", t_413_chunked)

    def t_431():
        req = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 70000 + b"\r\n\r\n"
        eq(status_of(raw(X, req)), 431, "status")
    check("HTTP: head over 64 KiB → 431", t_431)

    def t_400_malformed():
        eq(status_of(raw(X, b"GARBAGE\r\n\r\n")), 400, "status")
        eq(status_of(raw(X, b"GET / HTTP/1.1\r\nBad Header : x\r\n\r\n")), 400, "space before colon")
    check("HTTP: malformed request → 400", t_400_malformed)

    def t_cl_te():
        req = (b"POST " + A.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        eq(status_of(raw(X, req)), 400, "status")
    check("HTTP: both Content-Length and Transfer-Encoding → 400", t_cl_te)

    def t_404_405():
        st, _, out = post(X, "/nope", {})
        eq(st, 404, "status")
        eq(err_json(out)["type"], "not_found_error", "type")
        c = http.client.HTTPConnection("127.0.0.1", X, timeout=5)
        c.request("GET", A)
        r = c.getresponse()
        eq(r.status, 405, "GET on messages")
        assert "POST" in (r.getheader("Allow") or "")
        r.read()
        c.request("POST", "/openai/v1/nope", "{}")
        r = c.getresponse()
        j = json.loads(r.read())
        eq(r.status, 404, "openai path")
        assert set(j["error"]) == {"message", "type", "code"}, j
        c.request("POST", "/gemini/v1beta/nope", "{}")
        r = c.getresponse()
        j = json.loads(r.read())
        eq(j["error"]["status"], "NOT_FOUND", "gemini shape")
        c.close()
    check("HTTP: unknown path 404, wrong method 405, errors in the path's own API shape", t_404_405)

    def t_chunked_request():
        body = json.dumps(msg("claude-test")).encode()
        parts = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 10]), body[i:i + 10]) for i in range(0, len(body), 10))
        req = (b"POST " + A.encode() + b" HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nConnection: close\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + parts + b"0\r\n\r\n")
        out = raw(X, req)
        eq(status_of(out), 200, "status")
        eq(json.loads(up.last()["body"])["model"], "text", "decoded body forwarded")
    check("HTTP: chunked request body", t_chunked_request)

    def t_continue():
        body = json.dumps(msg("claude-test")).encode()
        s = socket.create_connection(("127.0.0.1", X), 5)
        s.sendall(b"POST " + A.encode() + b" HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nExpect: 100-continue\r\n"
                  b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
        first = s.recv(4096)
        assert first.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), first
        s.sendall(body)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
        s.close()
        eq(status_of(out), 200, "final status")
    check("HTTP: Expect: 100-continue", t_continue)

    def t_pipelining():
        b1 = json.dumps(msg("claude-test")).encode()
        req = (b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" +
               b"POST " + A.encode() + b" HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nContent-Length: %d\r\n\r\n" % len(b1) + b1 +
               b"GET /test-connection HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out = raw(X, req)
        eq(out.count(b"HTTP/1.1 200 OK"), 3, "three responses")
        i1, i2, i3 = out.find(b'{"status":"ok"}'), out.find(b"Hello from mock"), out.find(b"custom_models")
        assert 0 < i1 < i2 < i3, (i1, i2, i3)
    check("HTTP: keep-alive with three pipelined requests answered in order", t_pipelining)

    def t_pipelining_large():
        # The first read stops after 16 KiB until the head is parsed; a
        # head longer than that, then a 150 KB body read into the room its
        # Content-Length gave it, then more requests in the same write.
        b1 = json.dumps(msg("claude-test", messages=[{"role": "user", "content": "one"}])).encode()
        text = "".join(chr(0x41 + i % 26) for i in range(150000))
        b2 = json.dumps(msg("claude-test", messages=[{"role": "user", "content": text}])).encode()
        post = b"POST " + A.encode() + b" HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\n"
        req = (post + b"X-Pad: " + b"p" * 20000 + b"\r\nContent-Length: %d\r\n\r\n" % len(b1) + b1 +
               post + b"Content-Length: %d\r\n\r\n" % len(b2) + b2 +
               b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        n0 = up.count()
        out = raw(X, req)
        eq(out.count(b"HTTP/1.1 200 OK"), 3, "three responses")
        i1 = out.find(b"Hello from mock")
        i2 = out.find(b"Hello from mock", i1 + 1)
        i3 = out.find(b'{"status":"ok"}')
        assert 0 < i1 < i2 < i3, (i1, i2, i3)
        eq(up.count() - n0, 2, "two requests upstream")
        with up.lock:
            got = [json.loads(r["body"])["messages"][0]["content"] for r in up.requests[n0:]]
        eq(got[0], "one", "first body")
        eq(got[1] == text, True, "second body, 150 KB, intact")
    check("HTTP: pipelined requests with a 20 KB head and a 150 KB body in one write", t_pipelining_large)

    def t_test_connection():
        c = http.client.HTTPConnection("127.0.0.1", X, timeout=5)
        c.request("GET", "/test-connection")
        r = c.getresponse()
        j = json.loads(r.read())
        eq(j["status"], "success", "status")
        cm = j["results"]["custom_models"]
        eq(cm["status"], "configured", "configured")
        assert "claude-test" in cm["models"] and cm["count"] == len(cm["models"]), cm
        eq(cm["message"], "%d custom models configured" % cm["count"], "message")
    check("GET /test-connection lists the configured models", t_test_connection)

    def t_disconnect():
        up.hold_sent.clear()
        up.hold_done.clear()
        up.hold_closed_after = None
        s = socket.create_connection(("127.0.0.1", X), 5)
        body = json.dumps(msg("m-hold", stream=True)).encode()
        s.sendall(b"POST " + A.encode() + b" HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        assert up.hold_sent.wait(5)
        got = b""
        while b"message_start" not in got:
            b = s.recv(65536)
            assert b, got
            got += b
        t0 = time.time()
        s.close()
        assert up.hold_done.wait(10)
        assert up.hold_closed_after is not None, "upstream connection was never closed"
        closed_at = up.hold_closed_after
        assert time.time() - t0 < 2, "took %.2fs" % (time.time() - t0)
        assert closed_at < 5, closed_at
    check("back-pressure: a client leaving mid-stream closes its upstream connection at once", t_disconnect)

    def t_backpressure():
        up.big_done.clear()
        s = socket.create_connection(("127.0.0.1", X), 5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        body = json.dumps(msg("m-big", stream=True)).encode()
        s.sendall(b"POST " + A.encode() + b" HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        time.sleep(2.5)  # the client reads nothing
        accepted = up.big_bytes
        s.close()
        up.big_done.wait(10)
        assert accepted < (48 << 20), "proxy kept reading upstream: %d MB" % (accepted >> 20)
        assert accepted > 0
    check("back-pressure: a client that stops reading stops the upstream read", t_backpressure)

    def t_still_serving():
        st, _, _ = post(X, A, msg("claude-test"))
        eq(st, 200, "status")
    check("the proxy keeps serving after every error above", t_still_serving)

    # ---- timeouts and the connection cap on a second proxy ------------------
    px2 = Proxy(binary, tmp, "[]\n", {"max_connections": 4, "timeouts": {"client_header": 1, "client_idle": 1}},
                name="proxy2")
    Y = px2.port

    def t_cap():
        time.sleep(0.3)  # let the proxy notice the start-up probe connection closed
        held = [socket.create_connection(("127.0.0.1", Y), 5) for _ in range(4)]
        time.sleep(0.2)
        out = raw(Y, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        eq(status_of(out), 503, "over the cap: " + open(px2.errpath).read()[-500:])
        eq(json.loads(out.split(b"\r\n\r\n", 1)[1])["error"]["type"], "overloaded_error", "type")
        for s in held:
            s.close()
        time.sleep(0.2)
        out = raw(Y, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        eq(status_of(out), 200, "serving again")
    check("connection cap: past max_connections a 503, then serving again", t_cap)

    def t_header_timeout():
        s = socket.create_connection(("127.0.0.1", Y), 5)
        s.sendall(b"GET /health HTTP/1.1\r\nHost")
        t0 = time.time()
        out = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            out += b
        eq(status_of(out), 408, "status")
        assert 0.8 < time.time() - t0 < 3, time.time() - t0
    check("timeout: a half-sent head gets 408 after client_header", t_header_timeout)

    def t_idle_timeout():
        s = socket.create_connection(("127.0.0.1", Y), 5)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        t0 = time.time()
        out = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            out += b
        eq(status_of(out), 200, "answered")
        assert 0.8 < time.time() - t0 < 3, "idle close after %.2fs" % (time.time() - t0)
    check("timeout: an idle keep-alive connection is closed after client_idle", t_idle_timeout)

    def t_empty_models():
        c = http.client.HTTPConnection("127.0.0.1", Y, timeout=5)
        c.request("GET", "/test-connection")
        j = json.loads(c.getresponse().read())
        eq(j["results"]["custom_models"]["status"], "not_configured", "status")
    check("GET /test-connection with no models", t_empty_models)

    # ---- request / response rules (models.yaml "rules", a "*" entry) ----------
    px4 = Proxy(binary, tmp, """
- model_id: "*"
  rules:
    request:
      - set: {path: /metadata/user_id, value: from-star}
- model_id: ruled
  model_name: text
  api_base: http://127.0.0.1:%d
  format: anthropic
  rules:
    drop_tools: default
    request:
      - set: {path: /temperature, value: 0.3}
      - delete: /top_k
    response:
      - set: {path: /x_proxy, value: true}
      - delete: /usage/cache_read_input_tokens
- model_id: ruled-oai
  model_name: o-text
  api_base: http://127.0.0.1:%d/v1
  rules:
    upstream:
      - delete: /stream_options
      - set: {path: /seed, value: 42}
""" % (P, oup.port), {}, name="proxy4")

    def t_rules():
        body = msg("ruled", top_k=5, tools=[{"name": n, "input_schema": {"type": "object"}}
                                            for n in ("WebSearch", "Bash", "NotebookEdit")])
        st, _, out = post(px4.port, A, body)
        eq(st, 200, "status")
        sent = json.loads(up.last()["body"])
        eq([t["name"] for t in sent["tools"]], ["Bash"], "drop_tools default")
        eq(sent["temperature"], 0.3, "set")
        assert "top_k" not in sent, sent
        eq(sent["metadata"], {"user_id": "from-star"}, "the * rules")
        j = json.loads(out)
        eq(j.get("x_proxy"), True, "response set")
        assert "cache_read_input_tokens" not in j["usage"], j["usage"]
        long_system = "Be \"careful\".\n" * 200
        st, _, out = post(px4.port, A, msg("ruled-oai", stream=True, system=long_system))
        eq(st, 200, "status")
        sent = json.loads(oup.last()["body"])
        eq(sent.get("seed"), 42, "upstream set")
        eq(sent["messages"][0], {"role": "system", "content": long_system}, "a long system prompt under rules")
        assert "stream_options" not in sent, sent
        eq("".join(d["delta"]["text"] for e, d in parse_sse(out.decode()) if e == "content_block_delta"),
           "Hello from openai", "still converted")
    check("rules: drop_tools default, set/delete on request, upstream and response, a '*' entry", t_rules)

    # ---- built-in roots: the test CA is not among them ----------------------
    px3 = Proxy(binary, tmp, "- {model_id: tls, model_name: text, api_base: 'https://localhost:%d', format: anthropic}\n"
                % tls_up.port, {}, name="proxy3")

    def t_builtin_roots():
        st, _, out = post(px3.port, A, msg("tls"))
        eq(st, 502, "status")
        assert "trusted CA" in err_json(out)["message"], out
    check("TLS: without SSL_CERT_FILE the compiled-in roots reject the test CA", t_builtin_roots)

    # ---- a CA bundle is read at start, decoded before the first TLS use -------
    def t_bad_bundle():
        nocert = os.path.join(tmp, "nocert.pem")
        with open(nocert, "w") as f:
            f.write("just text\n")
        try:
            Proxy(binary, tmp, "- {model_id: m, api_base: 'http://127.0.0.1:1', format: anthropic}\n", {},
                  env={"SSL_CERT_FILE": nocert}, name="proxy-nocert")
            raise AssertionError("started with a bundle holding no certificate")
        except RuntimeError as e:
            assert "no CA certificates found" in str(e), e
        broken = os.path.join(tmp, "broken.pem")
        with open(broken, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\n%%%% not base64 %%%%\n-----END CERTIFICATE-----\n")
        pb = Proxy(binary, tmp, "- {model_id: tls, model_name: text, api_base: 'https://localhost:%d', "
                   "format: anthropic}\n" % tls_up.port, {}, env={"SSL_CERT_FILE": broken}, name="proxy-broken")
        try:
            for _ in range(2):  # the error is kept, not retried into a different one
                st, _, out = post(pb.port, A, msg("tls"))
                eq(st, 502, "status")
                assert "malformed PEM CA bundle" in err_json(out)["message"], out
            out = raw(pb.port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            eq(status_of(out), 200, "still serving")
        finally:
            pb.stop()
    check("TLS: a bundle without certificates stops the start; a malformed one fails TLS requests with why",
          t_bad_bundle)

    # ---- first run: default files; env over config.json ----------------------
    def t_first_run():
        home = os.path.join(tmp, "fresh-home")
        os.makedirs(home)
        port = free_port()
        env = dict(os.environ, HOME=home, PORT=str(port), LOG_LEVEL="debug")
        for k in ("HOST", "CUSTOM_MODELS_FILE", "SSL_CERT_FILE", "LOG_FILE_PATH"):
            env.pop(k, None)
        p = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.time() + 10
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            out = raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            eq(status_of(out), 200, "listening on $PORT")
            d = os.path.join(home, ".config", "anthropic-proxy")
            cfg = json.load(open(os.path.join(d, "config.json")))
            eq(cfg["host"], "127.0.0.1", "default host is loopback")
            eq(cfg["port"], 8082, "default port in the file (PORT env wins)")
            eq(os.stat(os.path.join(d, "config.json")).st_mode & 0o777, 0o600, "config.json mode")
            assert os.path.exists(os.path.join(d, "models.yaml"))
        finally:
            p.send_signal(signal.SIGTERM)
            err = p.communicate(timeout=20)[1].decode()
        eq(p.returncode, 0, "exit")
        assert "created" in err, err
    check("first run: default config.json (0600) and models.yaml created; PORT env wins", t_first_run)

    def t_models_env():
        home = os.path.join(tmp, "env-home")
        os.makedirs(os.path.join(home, ".config", "anthropic-proxy"))
        mf = os.path.join(home, "custom.yaml")
        with open(mf, "w") as f:
            f.write("- {model_id: from-env-file, model_name: text, api_base: 'http://127.0.0.1:%d', format: anthropic}\n" % P)
        with open(os.path.join(home, ".config", "anthropic-proxy", "config.json"), "w") as f:
            json.dump({"port": 1}, f)  # PORT must win over this
        port = free_port()
        env = dict(os.environ, HOME=home, PORT=str(port), CUSTOM_MODELS_FILE=mf)
        env.pop("SSL_CERT_FILE", None)
        p = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            st, _, _ = post(port, A, msg("from-env-file"))
            eq(st, 200, "model from CUSTOM_MODELS_FILE")
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(20)
    check("env: CUSTOM_MODELS_FILE and PORT override config.json", t_models_env)

    def t_bad_config_exit():
        home = os.path.join(tmp, "bad-home")
        os.makedirs(home)
        mf = os.path.join(home, "m.yaml")
        with open(mf, "w") as f:
            f.write("- model_id: a\n  api_base: http://x\n  max_tokens: lots\n")
        cf = os.path.join(home, "c.json")
        with open(cf, "w") as f:
            f.write("{}")
        r = subprocess.run([binary, "--config", cf, "--models", mf, "serve"], env=dict(os.environ, HOME=home),
                           capture_output=True, text=True, timeout=20)
        eq(r.returncode, 1, "exit code")
        assert "m.yaml:3:15: max_tokens: 'lots'" in r.stderr, r.stderr
        r = subprocess.run([binary, "--bogus"], capture_output=True, text=True, timeout=20)
        eq(r.returncode, 2, "usage error")
        r = subprocess.run([binary, "--models", os.path.join(home, "missing.yaml"), "serve"],
                           env=dict(os.environ, HOME=home), capture_output=True, text=True, timeout=20)
        eq(r.returncode, 1, "missing explicit file")
        assert "missing.yaml" in r.stderr, r.stderr
    check("config errors stop start-up with file:line:col (exit 1); usage errors exit 2", t_bad_config_exit)

    # ---- Anthropic <-> OpenAI conversion -------------------------------------
    openai_tests.run(check, X, up, oup, post, msg, parse_sse, toup)

    # ---- Gemini both ways ---------------------------------------------------
    gemini_tests.run(check, X, gup, oup, up, post, msg, parse_sse)

    # ---- real SDK clients and Claude Code ------------------------------------
    if sdk_dir:
        run_sdk(sdk_dir, X)
        openai_tests.run_claude_code(check, sdk_dir, X, oup, tmp)
        openai_tests.run_claude_code_gemini(check, sdk_dir, X, gup, tmp)

    # ---- stats, metrics, test_conversion ----------------------------------------
    def get_json(path):
        c = http.client.HTTPConnection("127.0.0.1", X, timeout=10)
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()

    def t_stats():
        st, b = get_json("/anthropic/v1/stats")
        eq(st, 200, "status")
        s0 = json.loads(b)
        for k in ("session_duration_seconds", "total_requests", "total_input_tokens", "total_output_tokens",
                  "total_tokens", "total_cache_creation_tokens", "total_cache_read_tokens", "model_usage_count",
                  "session_start_time"):
            assert k in s0, k
        post(X, A, msg("claude-test", stream=True))      # raw stream: input 12, output 3
        post(X, A, msg("claude-test"))                   # raw JSON: input 12, output 5, cache read 3
        post(X, A, msg("o-text", stream=True))           # translated stream: input 40, output 20, cache 60
        post(X, "/gemini/v1beta/models/g-text:generateContent",
             {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]})  # raw gemini: 18 / 15 / 12
        s1 = json.loads(get_json("/anthropic/v1/stats")[1])
        eq(s1["total_input_tokens"] - s0["total_input_tokens"], 12 + 12 + 40 + 18, "input tokens, every path")
        eq(s1["total_output_tokens"] - s0["total_output_tokens"], 3 + 5 + 20 + 15, "output tokens")
        eq(s1["total_cache_read_tokens"] - s0["total_cache_read_tokens"], 3 + 60 + 12, "cache read")
        eq(s1["model_usage_count"]["claude-test"] - s0["model_usage_count"].get("claude-test", 0), 2, "per model")
        assert s1["total_requests"] >= s0["total_requests"] + 5, (s0, s1)
    check("GET /anthropic/v1/stats: tokens from raw and translated answers, JSON and streams", t_stats)

    def t_metrics():
        st, b = get_json("/metrics")
        eq(st, 200, "status")
        t = b.decode()
        assert 'anthropic_proxy_requests_total{endpoint="messages",model="claude-test",status="200"}' in t, t[:500]
        assert 'status="404"' in t and 'endpoint="chat_completions"' in t, "errors and every endpoint"
        assert 'anthropic_proxy_upstream_first_byte_seconds_bucket{le="+Inf"}' in t
        assert "anthropic_proxy_upstream_duration_seconds_count" in t
        assert 'anthropic_proxy_tokens_total{kind="cache_read"}' in t
        assert "anthropic_proxy_open_connections 1" in t, "this request's own connection"
        assert "anthropic_proxy_streams_in_flight 0" in t
        for line in t.splitlines():
            assert line.startswith("#") or len(line.rsplit(" ", 1)) == 2, line
    check("GET /metrics: Prometheus text with requests by endpoint/model/status, histograms, tokens, gauges",
          t_metrics)

    def t_test_conversion():
        st, _, out = post(X, "/anthropic/v1/messages/test_conversion", msg("o-text", max_tokens=99999))
        eq(st, 200, "status")
        eq(json.loads(out)["content"][0]["text"], "Hello from openai", "converted answer")
        eq(json.loads(oup.last()["body"])["max_tokens"], 99999, "no cap on test_conversion")
        st, _, out = post(X, "/anthropic/v1/messages/test_conversion", msg("claude-test"))
        eq(st, 400, "only OpenAI-format models")
    check("POST /anthropic/v1/messages/test_conversion: the OpenAI translation without caps", t_test_conversion)

    # ---- the commands: start / status / stop / init / print-config -------------
    cli_tests.run(check, binary, tmp, free_port)

    # ---- SIGHUP reload --------------------------------------------------------
    def t_reload():
        # a stream is in flight across both reloads and must finish untouched
        up.gate.clear()
        up.gate_reached.clear()
        res = {}

        def client():
            res["r"] = post(X, A, msg("m-gate", stream=True))
        th = threading.Thread(target=client)
        th.start()
        assert up.gate_reached.wait(5), "stream did not start"
        with open(px.models, "a") as f:
            f.write("- {model_id: added-later, model_name: text, api_base: 'http://127.0.0.1:%d', format: anthropic}\n" % P)
        px.p.send_signal(signal.SIGHUP)
        deadline = time.time() + 5
        st = None
        while time.time() < deadline:
            st, _, _ = post(X, A, msg("added-later"))
            if st == 200:
                break
            time.sleep(0.1)
        eq(st, 200, "new model after SIGHUP")
        good = open(px.models).read()
        with open(px.models, "w") as f:
            f.write(good + "- model_id: broken\n  api_base: [\n")
        px.p.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        st, _, _ = post(X, A, msg("added-later"))
        eq(st, 200, "old config kept after a broken reload")
        log = open(px.errpath).read()
        assert "reload failed" in log and "models.yaml:" in log, log[-500:]
        up.gate.set()
        th.join(10)
        eq(parse_sse(res["r"][2].decode())[-1][0], "message_stop", "the stream in flight finished")
        with open(px.models, "w") as f:
            f.write(good)
        px.p.send_signal(signal.SIGHUP)
        time.sleep(0.3)
    check("SIGHUP: reload models.yaml; a broken file keeps the running config; a stream in flight finishes",
          t_reload)

    # ---- drain on SIGTERM with a stream in flight ---------------------------
    def t_drain():
        up.gate.clear()
        up.gate_reached.clear()
        res = {}

        def client():
            res["r"] = post(X, A, msg("m-gate", stream=True))
        th = threading.Thread(target=client)
        th.start()
        assert up.gate_reached.wait(5)
        idle = socket.create_connection(("127.0.0.1", X), 5)  # keep-alive, between requests
        idle.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert idle.recv(4096).startswith(b"HTTP/1.1 200")
        px.p.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        try:
            socket.create_connection(("127.0.0.1", X), 1).close()
            refused = False
        except OSError:
            refused = True
        up.gate.set()
        th.join(10)
        assert refused, "still accepting after SIGTERM"
        st, _, out = res["r"]
        eq(parse_sse(out.decode())[-1][0], "message_stop", "stream finished")
        t0 = time.time()
        px.p.wait(10)
        assert time.time() - t0 < 3, "an idle keep-alive connection held up the exit"
        eq(idle.recv(4096), b"", "idle connection closed")
        idle.close()
        eq(px.p.returncode, 0, "exit code")
    check("SIGTERM: stop accepting, close idle keep-alive connections, finish the stream in flight, exit 0",
          t_drain)

    # ---- an upstream answering before the request is all sent -------------
    early = EarlyUpstream()
    px5 = Proxy(binary, tmp, "- {model_id: early, model_name: text, api_base: 'http://127.0.0.1:%d', "
                "format: anthropic}\n" % early.port,
                {"max_body_size": "8m", "timeouts": {"upstream_first_byte": 3, "upstream_idle": 3}}, name="proxy5")

    def t_early_answer():
        # 6 MB cannot all be in flight (the upstream reads nothing, its
        # receive buffer is 4 KB): the answer comes while the proxy is still
        # sending. The connection must not go back to the pool, or the next
        # request would follow the rest of the first one's body.
        big = msg("early", messages=[{"role": "user", "content": "x" * (6 << 20)}])
        st, _, out = post(px5.port, A, big, timeout=30)
        eq(st, 200, "status of the request answered early")
        eq(json.loads(out)["content"][0]["text"], "early", "text")
        st, _, out = post(px5.port, A, msg("early"), timeout=10)
        eq(st, 200, "status of the next request")
        eq(early.conns, 2, "upstream connections: the next request on a new one")
    check("upstream keep-alive: a connection answered before its request was all sent is not reused",
          t_early_answer)

    for p, name in ((px, "proxy"), (px2, "proxy2"), (px3, "proxy3"), (px4, "proxy4"), (px5, "proxy5")):
        code, err = p.stop()

        def t_clean(code=code, err=err):
            bad = [l for l in err.splitlines() if "Sanitizer" in l or "runtime error" in l or "LeakSanitizer" in l]
            lines = [l for l in err.splitlines() if " - INFO - " not in l]
            assert not bad, "\n".join(lines[-80:])
            eq(code, 0, "exit code (%s)" % "\n".join(err.splitlines()[-30:]))
        check("%s: clean exit, no sanitizer reports" % name, t_clean)
    for m in (up, tls_up, wrong_up, oup, toup, gup, early):
        m.stop()
    dns.stop()


def run_sdk(sdk_dir, port):
    for script in ("anthropic_sdk.mjs", "openai_sdk.mjs", "genai_sdk.mjs"):
        run_sdk_script(sdk_dir, port, script)


def run_sdk_script(sdk_dir, port, name):
    sdk_dir = os.path.abspath(sdk_dir)
    script = os.path.join(sdk_dir, name)
    env = dict(os.environ, PROXY_URL="http://127.0.0.1:%d/anthropic" % port,
               OPENAI_PROXY_URL="http://127.0.0.1:%d/openai/v1" % port,
               GEMINI_PROXY_URL="http://127.0.0.1:%d/gemini" % port)
    p = None
    try:
        p = subprocess.run(["node", script], env=env, cwd=sdk_dir, capture_output=True, text=True, timeout=120)
        out = p.stdout + p.stderr
    except Exception as e:  # noqa: BLE001
        out = "FAIL sdk: %s\n" % e
    seen = False
    for line in out.splitlines():
        if line.startswith("ok   "):
            results["sdk"][0] += 1
            seen = True
            print(line)
        elif line.startswith("FAIL"):
            results["sdk"][1] += 1
            seen = True
            print(line)
    if not seen or p is None or p.returncode:
        results["sdk"][1] += 1
        print("FAIL sdk: %s did not run cleanly:\n%s" % (name, out[-3000:]))


if __name__ == "__main__":
    sys.exit(main())
