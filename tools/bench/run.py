#!/usr/bin/env python3
"""Benchmark driver for anthropic-proxy (issue 6): the proxy against nginx.

usage: run.py [--bin ./anthropic-proxy] [--tools build/bench] [--out build/bench/results]
              [--reps 5] [--duration 3] [--quick] [--only SCENARIO,...]
              [--other NAME=URL[,pid=PID]] [--mock-port PORT]
              [--deterministic | --no-deterministic] [--strict]

`make bench` runs it (`make bench BENCH_ARGS=--quick` for a smoke run of
under a minute). Python 3 standard library only; needs wrk, nginx, and for
the deterministic part valgrind and strace (`tools/bootstrap bench`), and
build/bench/{mockup,sseclient} (`make bench-tools`).

Targets (all on 127.0.0.1, free ports)
  direct  client -> mock upstream (tools/bench/mockup.c, one thread). The
          floor: what the client, the kernel and the mock cost on their own.
  nginx   client -> nginx -> mock. "nginx merely forwarding bytes", the bar:
          tools/bench/nginx.conf.in, one worker, keep-alive on both sides
          (upstream keepalive 64), proxy_http_version 1.1, no request or
          response buffering, access_log off, client_max_body_size 64m.
  proxy   client -> anthropic-proxy -> mock: an Anthropic request converted
          to OpenAI Chat Completions and the answer (JSON or SSE) back.
  other   (--other NAME=URL[,pid=PID]) any other Anthropic-compatible proxy,
          already running: requests go to URL's path + /v1/messages with the
          model ids of OUT/models.yaml, so configure it from that file (and
          pin the mock with --mock-port). With pid= its CPU and RSS are read.
direct and nginx get OpenAI bodies at /v1/chat/completions and the mock's
knobs in the query string (?chunks=200); the proxy cannot forward those, so
every scenario has its own model id whose models.yaml entry sets the knobs
as extra_headers (x-mock-chunks: "200"), and the Anthropic bodies of
gen_corpus.py are written per model id into OUT/bodies/.

The binary is copied into a temporary folder first, so a rebuild during the
run does not change what is measured. The proxy runs with a temporary HOME,
config.json and models.yaml; all children get RLIMIT_NOFILE >= 8192, run in
their own process groups and are stopped on exit, errors and Ctrl-C. Logs
go to OUT/logs/, callgrind and strace files to OUT/det/.

Scenarios (--only takes these names; the order of a run is fixed)
  size    stripped size of the binary (bar <= 600 KiB).
  cold    spawn -> first 200 on GET /health, polled (connect + request) every
          1 ms; median of 21 spawns of the proxy (fresh HOME each) and of the
          mock, interleaved (bar: proxy <= 1.0x mock).
  rss     a fresh proxy: VmRSS before any request (readiness from its
          "listening on" log line, not a request), after 10,000 and after
          100,000 small requests (sseclient -c8 -k, exact counts); flatness =
          RSS100k / RSS10k - 1 (bars: idle <= 1 MiB, flat within +-5%).
          The idle RSS of the nginx worker and the mock for information.
  small   ~1 KB non-stream request, wrk at c=1, 8 (-t1) and 64 (-t2) for
          --duration s: req/s, p50 and p99 from wrk's latency distribution,
          server CPU per request.
  large   the ~100 KB request at c=8, the same figures.
  pass    the proxy as a passthrough, for reading the CPU bars: the OpenAI
          bodies of small and large sent to its /openai/v1/chat/completions
          for an OpenAI model, so it validates the body, renames the model
          and forwards it, converting nothing; nginx and this, interleaved,
          c=8: CPU per request (information, no bar). The proxy's floor:
          what reading a request costs it before any conversion.
  stream  one 200-chunk stream at a time, 1000 of them per rep (sseclient
          -c1 -n1000 -k): ttfb p50, first event p50/p99, total p50, CPU per stream.
  paced   the same 200-chunk stream with the mock pacing events 1 ms apart,
          as a model streams (10 streams; 3 with --quick): every event is
          its own read and write on every path. First event, total, CPU per
          stream; informational, no bar.
  chunks  200-chunk streams at c=32 (sseclient -c32 -n640 -k): events/s,
          CPU per stream.
  slow    1,000 concurrent slow streams (50 chunks, 20 ms apart: ~1 s each;
          sseclient -c1000 -n1000 -s1000): stalls (gap > 1 s; bar 0), peak
          VmRSS of the server sampled every 50 ms, RSS per open stream =
          (peak - RSS just before) / streams (bar <= 48 KiB). One rep (two
          at most with an explicit --reps). direct, nginx and proxy only.
  det     deterministic counts (not with --quick): the server under
          `valgrind --tool=callgrind` and under `strace -c -f`, once serving
          N1 and once N2 requests (Python http.client, sequential,
          keep-alive); per request = (count(N2) - count(N1)) / (N2 - N1), so
          startup and shutdown cancel. Instructions from callgrind's
          summary/totals line, syscalls from strace's "calls" column.
          Small and large requests, 200-chunk streams; proxy and nginx
          (master_process off: one process); and the instructions of the
          large request through the proxy's passthrough (as in pass).

How figures are computed
  Reps are interleaved (for rep: for target: measure) so noise hits every
  target alike; each figure is the median over reps.
  CPU per request: /proc/PID/task/*/schedstat (ns on CPU, first field)
  before and after a measurement, divided by the completed requests
  (streams). PID is the proxy, the nginx worker, or for direct the mock (for
  information). utime/stime from /proc/PID/stat go to results.json; its
  minor page faults per request are a row of their own at c=8.
  Columns: "added" = proxy - direct, "nginx-direct" = nginx - direct (for
  latencies); ratio = proxy / nginx for CPU, throughput and memory,
  (proxy - direct) / (nginx - direct) for latencies, proxy / mock for cold
  start.

Bars (PASS/MISS): CPU per request proxy <= 1.0x nginx for small c=8, large
c=8 and the 200-chunk stream; added p99 (small, c=1) and added first-event
p50 (stream) <= nginx's added; idle RSS <= 1 MiB; <= 48 KiB per open
stream; RSS flat within +-5% from 10k to 100k; 0 stalls over the slow
streams; cold start <= 1.0x mock; binary <= 600 KiB.

Output: one table on stdout, OUT/results.json (every rep's raw figures,
machine, parameters, rows, errors), OUT/table.md (for RESULTS.md, with nproc,
CPU model, kernel, date).

Exit status: 0 when everything ran (a missed bar is reported as MISS, and
fails only with --strict: status 3); 1 when something failed to run (an
error, a non-2xx answer, a socket error, a failed stream, a missing tool, a
server that died); 2 for bad arguments; 130 on Ctrl-C.

--quick: 1 rep, 1 s per wrk run, 200 slow streams, no deterministic part.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
POST_LUA = os.path.join(HERE, "post.lua")
GEN_CORPUS = os.path.join(HERE, "gen_corpus.py")
NGINX_CONF_IN = os.path.join(HERE, "nginx.conf.in")

SCENARIO_ORDER = ["size", "cold", "rss", "small", "large", "pass", "stream", "paced", "chunks", "slow", "det"]
NEEDS_SERVERS = {"rss", "small", "large", "pass", "stream", "paced", "chunks", "slow"}

# One model id per mock behaviour; the proxy gets the knobs as extra_headers.
MODELS = {
    "plain": ("bench-model", {}),
    "stream200": ("bench-stream200", {"chunks": 200}),
    "paced200": ("bench-paced200", {"chunks": 200, "delay_ms": 1}),
    "slow": ("bench-slow", {"chunks": 50, "delay_ms": 20}),
}
API_HEADERS = ["x-api-key: bench", "anthropic-version: 2023-06-01"]
PROXY_ENV_DROP = ("HOST", "PORT", "LOG_LEVEL", "LOG_FILE_PATH", "CUSTOM_MODELS_FILE", "SSL_CERT_FILE")

NOFILE_WANT = 8192
COLD_SPAWNS = 21
STREAMS_PER_REP = 1000  # one stream at a time: each rep ~0.3 s per target, so CPU and p50 are not a 50 ms sample
RSS_COUNTS = (10000, 100000)
# deterministic part: (N1, N2) per request kind
DET_N = {"small": (200, 1200), "large": (200, 1200), "stream": (20, 120)}
DET_TIMEOUT = 180  # seconds for a server under valgrind to start or to stop

# bars
IDLE_RSS_MAX_KIB = 1024
RSS_PER_STREAM_MAX_KIB = 48
FLAT_MAX_PCT = 5.0
SIZE_MAX_BYTES = 600 * 1024


class BenchError(Exception):
    """A measurement could not be made or its result is invalid."""


class ServerDied(BenchError):
    """A shared server exited: the remaining scenarios cannot run."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- /proc ------------------------------------------------------------------

def rss_kib(pid):
    """VmRSS of pid in KiB, or None if it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def cpu_ns(pid):
    """Nanoseconds on CPU of every thread of pid (schedstat, first field)."""
    total = 0
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except FileNotFoundError:
        return None
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


CLK_TCK = os.sysconf("SC_CLK_TCK")
LOADAVG_AT_START = os.getloadavg()[0]


def cpu_times(pid):
    """(utime, stime) in seconds and minor page faults from /proc/PID/stat
    (all threads)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except FileNotFoundError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    return int(rest[11]) / CLK_TCK, int(rest[12]) / CLK_TCK, int(rest[7])


def children(pid):
    """Child pids of pid."""
    kids = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                kids += [int(x) for x in f.read().split()]
        return kids
    except (FileNotFoundError, ProcessLookupError):
        pass
    for d in os.listdir("/proc"):  # no CONFIG_PROC_CHILDREN: scan
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    data = f.read()
                if int(data[data.rindex(")") + 2:].split()[1]) == pid:
                    kids.append(int(d))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                pass
    return kids


class CpuMeter:
    """CPU used by pid between start() and stop()."""

    def __init__(self, pid):
        self.pid = pid
        self.ns0 = cpu_ns(pid) if pid else None
        self.t0 = cpu_times(pid) if pid else None

    def stop(self):
        if not self.pid or self.ns0 is None:
            return None
        ns1, t1 = cpu_ns(self.pid), cpu_times(self.pid)
        if ns1 is None or t1 is None:
            return None
        return {"cpu_ns": ns1 - self.ns0, "utime_s": round(t1[0] - self.t0[0], 3),
                "stime_s": round(t1[1] - self.t0[1], 3), "minflt": t1[2] - self.t0[2]}


class RssSampler(threading.Thread):
    """Peak VmRSS of pid, sampled every interval seconds until stop()."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = rss_kib(pid) or 0
        self.samples = 0
        self._stop_ev = threading.Event()

    def run(self):
        while not self._stop_ev.wait(self.interval):
            v = rss_kib(self.pid)
            if v is not None:
                self.peak = max(self.peak, v)
                self.samples += 1

    def stop(self):
        self._stop_ev.set()
        self.join()
        v = rss_kib(self.pid)
        if v is not None:
            self.peak = max(self.peak, v)
        return self.peak


# ---- processes --------------------------------------------------------------

class Proc:
    """A child in its own process group: start, readiness, /proc figures, stop.

    measured_pid is the process whose CPU and RSS count (the nginx worker,
    the process under strace); term_pid the one SIGTERM goes to first (the
    strace tracee, so strace writes its summary), else the whole group.
    """

    live = []

    def __init__(self, name, argv, logdir=None, env=None, cwd=None):
        self.name, self.argv, self.env, self.cwd = name, argv, env, cwd
        self.log_path = os.path.join(logdir, name + ".log") if logdir else None
        self.popen = None
        self.logf = None
        self.measured_pid = None
        self.term_pid = None

    def start(self):
        self.logf = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        try:
            self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.logf,
                                          stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd,
                                          start_new_session=True)
        except OSError as e:
            raise BenchError("%s: cannot run %s: %s" % (self.name, self.argv[0], e))
        Proc.live.append(self)
        return self

    @property
    def pid(self):
        return self.measured_pid or self.popen.pid

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def log_tail(self, n=15):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join("    " + l for l in lines[-n:])

    def died(self):
        rc = self.popen.poll()
        return ServerDied("%s exited (status %s); last lines of %s:\n%s"
                          % (self.name, rc, self.log_path, self.log_tail()))

    def check(self):
        if not self.alive():
            raise self.died()

    def rss(self):
        return rss_kib(self.pid)

    def stop(self, timeout=10, resend=None):
        """SIGTERM, SIGKILL after timeout s. resend: repeat SIGTERM every that
        many seconds (nginx can lose a SIGTERM that lands just before it
        enters epoll_wait, and sleep until its next timer; under valgrind
        that window is wide)."""
        if self.popen is None:
            return None
        t_end = time.monotonic() + timeout
        while self.popen.poll() is None:
            try:
                if self.term_pid:
                    os.kill(self.term_pid, signal.SIGTERM)
                else:
                    os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            left = t_end - time.monotonic()
            try:
                self.popen.wait(min(left, resend) if resend else max(left, 0))
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() >= t_end:
                    log("%s: no exit %ss after SIGTERM, killing" % (self.name, timeout))
                    break
        try:  # leftovers in the group (nginx worker, a stuck tracee)
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        rc = self.popen.wait()
        if self.logf not in (None, subprocess.DEVNULL):
            self.logf.close()
            self.logf = None
        if self in Proc.live:
            Proc.live.remove(self)
        return rc

    @classmethod
    def stop_all(cls):
        for p in reversed(list(cls.live)):
            try:
                p.stop(timeout=5)
            except Exception as e:  # cleanup must go on
                log("stopping %s: %s" % (p.name, e))


class ExternalProc:
    """A server we did not start (--other ...,pid=PID): read-only."""

    def __init__(self, name, pid):
        self.name, self.pid, self.log_path = name, pid, None

    def alive(self):
        return os.path.exists("/proc/%d" % self.pid)

    def check(self):
        if not self.alive():
            raise ServerDied("%s (pid %d) is gone" % (self.name, self.pid))

    def rss(self):
        return rss_kib(self.pid)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def can_connect(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def get_status(port, path="/health", host="127.0.0.1", timeout=2.0):
    """HTTP status of GET path on a fresh connection, or None."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
                       % (path, host, port)).encode())
            head = b""
            while b"\r\n" not in head:
                d = s.recv(256)
                if not d:
                    break
                head += d
        m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def wait_until(proc, what, ready, timeout):
    t_end = time.monotonic() + timeout
    while True:
        if proc is not None and not proc.alive():
            raise proc.died()
        if ready():
            return
        if time.monotonic() > t_end:
            raise BenchError("%s: not %s after %ss; last lines of %s:\n%s"
                             % (proc.name, what, timeout, proc.log_path, proc.log_tail()))
        time.sleep(0.005)


def wait_log(proc, needle, timeout=10):
    def seen():
        with open(proc.log_path, "rb") as f:
            return needle in f.read()
    wait_until(proc, "ready (no %r in its log)" % needle.decode(), seen, timeout)


def wait_health(proc, port, timeout=10):
    wait_until(proc, "answering 200 on GET /health", lambda: get_status(port) == 200, timeout)


def run_cmd(argv, timeout, env=None):
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError("%s: no answer in %ss" % (os.path.basename(argv[0]), timeout))
    except OSError as e:
        raise BenchError("cannot run %s: %s" % (argv[0], e))


# ---- the servers and the request bodies -------------------------------------

class Target:
    """Where a client sends a scenario's requests, and whose CPU/RSS count."""

    def __init__(self, name, port, api, proc=None, prefix="", host="127.0.0.1"):
        self.name, self.port, self.api, self.proc = name, port, api, proc
        self.prefix, self.host = prefix, host

    def path(self, model):
        if self.api == "openai-in":  # the proxy's OpenAI ingress (scenario pass)
            return self.prefix + "/v1/chat/completions"
        if self.api == "openai":
            knobs = MODELS[model][1]
            q = urllib.parse.urlencode(knobs)
            return "/v1/chat/completions" + ("?" + q if q else "")
        return self.prefix + "/v1/messages"

    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def check(self):
        if self.proc is not None:
            self.proc.check()


class Lab:
    """Temporary files, the corpus and the running servers of one run."""

    def __init__(self, args, out, tmp):
        self.args, self.out, self.tmp = args, out, tmp
        self.logdir = os.path.join(out, "logs")
        self.bodydir = os.path.join(out, "bodies")
        self.corpus = os.path.join(out, "corpus")
        for d in (self.logdir, self.bodydir, self.corpus):
            os.makedirs(d, exist_ok=True)
        self.mockup = os.path.join(args.tools, "mockup")
        self.sseclient = os.path.join(args.tools, "sseclient")
        self.nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.bin = None
        self.mock = self.nginx_proc = self.proxy = None
        self.mock_port = None
        self.targets = []
        self.idle = {}
        self._bodies = {}
        self._homes = 0

    # -- preparation
    def prepare(self):
        self.bin = os.path.join(self.tmp, "anthropic-proxy")
        shutil.copy2(self.args.bin, self.bin)
        r = run_cmd([sys.executable, GEN_CORPUS, self.corpus], 60)
        if r.returncode != 0:
            raise BenchError("gen_corpus.py failed:\n" + r.stderr.decode(errors="replace"))

    def body(self, target, model, size, stream):
        """A corpus body with the model id of `model`, written once."""
        fmt = "openai" if target.api in ("openai", "openai-in") else "anthropic"
        key = (model, size, fmt, stream)
        if key not in self._bodies:
            src = "%s_%s%s.json" % (size, fmt, "_stream" if stream else "")
            with open(os.path.join(self.corpus, src), encoding="utf-8") as f:
                obj = json.load(f)
            obj["model"] = MODELS[model][0]
            path = os.path.join(self.bodydir, "%s_%s_%s%s.json"
                                % (MODELS[model][0], size, fmt, "_stream" if stream else ""))
            with open(path, "w", encoding="utf-8") as f:
                f.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
            self._bodies[key] = path
        return self._bodies[key]

    # -- the mock
    def start_mock(self):
        port = self.args.mock_port
        self.mock = Proc("mock", [self.mockup, "-p", str(port), "-a", "127.0.0.1"], self.logdir).start()
        wait_log(self.mock, b"listening on")
        with open(self.mock.log_path, "rb") as f:
            m = re.search(rb"listening on \S+:(\d+)", f.read())
        if not m:
            raise BenchError("mock: no port in its log")
        self.mock_port = int(m.group(1))
        self.idle["mock"] = self.mock.rss()
        wait_health(self.mock, self.mock_port)
        self.write_proxy_config()

    def write_proxy_config(self):
        self.cfg = os.path.join(self.tmp, "config.json")
        with open(self.cfg, "w") as f:
            json.dump({"host": "127.0.0.1", "port": 8082, "log_level": "WARNING",
                       "max_connections": 4096}, f)
        lines = []
        for model_id, knobs in MODELS.values():
            lines += ["- model_id: %s" % model_id,
                      "  api_base: http://127.0.0.1:%d/v1" % self.mock_port,
                      "  format: openai", "  api_key: bench", "  max_tokens: 64k"]
            if knobs:
                lines.append("  extra_headers: {%s}" % ", ".join(
                    'x-mock-%s: "%s"' % (k.replace("_", "-"), v) for k, v in knobs.items()))
        text = "\n".join(lines) + "\n"
        self.models = os.path.join(self.tmp, "models.yaml")
        for path in (self.models, os.path.join(self.out, "models.yaml")):
            with open(path, "w") as f:
                f.write(text)

    # -- nginx
    def nginx_conf(self, prefix, port, master):
        os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
        with open(NGINX_CONF_IN) as f:
            conf = f.read()
        for k, v in (("PREFIX", prefix), ("PORT", str(port)), ("MOCK_PORT", str(self.mock_port)),
                     ("MASTER_PROCESS", "on" if master else "off")):
            conf = conf.replace("@%s@" % k, v)
        if os.geteuid() == 0:  # else the worker would run as nobody
            conf = "user root;\n" + conf
        path = os.path.join(prefix, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        return [self.nginx, "-p", prefix, "-e", os.path.join(prefix, "error.log"), "-c", path]

    def start_nginx(self):
        port = free_port()
        argv = self.nginx_conf(os.path.join(self.tmp, "nginx"), port, master=True)
        p = Proc("nginx", argv, self.logdir).start()
        wait_until(p, "listening", lambda: can_connect(port), 10)
        wait_until(p, "running its worker", lambda: len(children(p.popen.pid)) == 1, 10)
        p.measured_pid = children(p.popen.pid)[0]
        time.sleep(0.1)
        self.nginx_proc = p
        self.idle["nginx"] = p.rss()
        wait_health(p, port)
        return port

    # -- the proxy
    def proxy_env(self):
        self._homes += 1
        home = os.path.join(self.tmp, "home%d" % self._homes)
        os.makedirs(home)
        env = {k: v for k, v in os.environ.items() if k not in PROXY_ENV_DROP}
        env["HOME"] = home
        return env

    def proxy_argv(self, port):
        return [self.bin, "serve", "--config", self.cfg, "--models", self.models, "--port", str(port)]

    def start_proxy(self, name="proxy"):
        """A fresh proxy, ready when it logs "listening on" (no request sent)."""
        port = free_port()
        p = Proc(name, self.proxy_argv(port), self.logdir, env=self.proxy_env()).start()
        wait_log(p, b"listening on")
        time.sleep(0.1)
        return p, port

    def start_all(self):
        log("starting mock, nginx and proxy")
        nport = self.start_nginx()
        self.proxy, pport = self.start_proxy()
        self.idle["proxy"] = self.proxy.rss()
        wait_health(self.proxy, pport)
        self.targets = [Target("direct", self.mock_port, "openai", self.mock),
                        Target("nginx", nport, "openai", self.nginx_proc),
                        Target("proxy", pport, "anthropic", self.proxy, "/anthropic")]
        if self.args.other:
            self.targets.append(self.args.other)
            o = self.args.other
            if get_status(o.port, host=o.host) != 200:
                log("warning: %s: GET /health on %s:%d did not answer 200" % (o.name, o.host, o.port))


# ---- the clients ------------------------------------------------------------

def to_ms(v, unit):
    return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def parse_wrk(out):
    m = re.search(r"^\s*(\d+) requests in", out, re.M)
    rps = re.search(r"^Requests/sec:\s*([\d.]+)", out, re.M)
    lat = {p: to_ms(v, u) for p, v, u in
           re.findall(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    if not m or not rps or "50" not in lat or "99" not in lat:
        raise BenchError("cannot parse wrk output:\n" + out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errs = sum(int(x) for x in sock.groups()) if sock else 0
    non2xx = [int(x) for x in re.findall(r"^non2xx=(\d+)", out, re.M)]
    non2xx += [int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out)]
    return {"requests": int(m.group(1)), "rps": float(rps.group(1)), "p50_ms": lat["50"],
            "p99_ms": lat["99"], "socket_errors": errs, "non2xx": max(non2xx) if non2xx else 0,
            "socket_errors_detail": sock.group(0) if sock else ""}


def meters(lab, target):
    m = {"server": CpuMeter(target.pid())}
    if target.name != "direct" and lab.mock is not None:
        m["mock"] = CpuMeter(lab.mock.pid)
    return m


def add_cpu(data, ms, count):
    for who, meter in ms.items():
        c = meter.stop()
        if c is None:
            continue
        pre = "" if who == "server" else "mock_"
        data[pre + "cpu_us"] = c["cpu_ns"] / 1e3 / count if count else None
        data[pre + "utime_s"], data[pre + "stime_s"] = c["utime_s"], c["stime_s"]
        data[pre + "faults"] = c["minflt"] / count if count else None


def check_servers(lab, target):
    target.check()
    if lab.mock is not None:
        lab.mock.check()


def wrk_measure(lab, target, model, size, conc, duration):
    body = lab.body(target, model, size, False)
    threads = 1 if conc <= 8 else 2
    argv = ["wrk", "-t%d" % threads, "-c%d" % conc, "-d%ds" % duration, "--timeout", "10s",
            "--latency", "-s", POST_LUA, "http://%s:%d" % (target.host, target.port)]
    env = dict(os.environ, BODY=body, PATH_=target.path(model))
    ms = meters(lab, target)
    r = run_cmd(argv, duration + 60, env=env)
    out = r.stdout.decode(errors="replace")
    if r.returncode != 0:
        raise BenchError("%s: wrk exited %d:\n%s%s" % (target.name, r.returncode, out,
                                                       r.stderr.decode(errors="replace")))
    d = parse_wrk(out)
    add_cpu(d, ms, d["requests"])
    check_servers(lab, target)
    if d["non2xx"] or d["socket_errors"]:
        raise BenchError("%s: %s c=%d: %d non-2xx responses, %s (wrk output below)\n%s"
                         % (target.name, size, conc, d["non2xx"], d["socket_errors_detail"] or
                            "no socket errors", out))
    if d["requests"] == 0:
        raise BenchError("%s: %s c=%d: no request completed" % (target.name, size, conc))
    return d


def sse_measure(lab, target, model, size, conc, n, keepalive=True, stream=True, stall_ms=1000,
                idle_s=60, sample_rss=False, raise_failed=True):
    """sseclient's summary plus CPU per ok stream (and RSS); failed streams
    raise BenchError, or with raise_failed=False set d["error"]."""
    body = lab.body(target, model, size, stream)
    argv = [lab.sseclient, "-h", target.host, "-p", str(target.port), "-P", target.path(model),
            "-f", body, "-c", str(conc), "-n", str(n), "-s", str(stall_ms), "-t", str(idle_s), "--json"]
    if keepalive:
        argv.append("-k")
    for h in API_HEADERS:
        argv += ["-H", h]
    sampler = None
    rss_before = None
    if sample_rss and target.pid():
        rss_before = rss_kib(target.pid())
        sampler = RssSampler(target.pid())
        sampler.start()
    ms = meters(lab, target)
    try:
        r = run_cmd(argv, idle_s * 3 + 120)
    finally:
        peak = sampler.stop() if sampler else None
    out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    try:
        d = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError("%s: sseclient exited %d without a summary:\n%s%s"
                         % (target.name, r.returncode, out, err))
    add_cpu(d, ms, d.get("ok"))
    if sampler:
        d["rss_before_kib"], d["rss_peak_kib"] = rss_before, peak
        d["rss_per_stream_kib"] = (peak - rss_before) / n
    check_servers(lab, target)
    if r.returncode != 0 or d["failed"]:
        msg = ("%s: %d of %d streams failed (sseclient %s):\n%s%s"
               % (target.name, d["failed"], d["streams"], " ".join(argv[5:]), out, err))
        if raise_failed:
            raise BenchError(msg)
        d["error"] = msg
    return d


# ---- results ----------------------------------------------------------------

def median(values):
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


class Results:
    """Raw per-rep data, the table rows, the errors."""

    def __init__(self):
        self.raw = {}
        self.rows = []
        self.errors = []

    def record(self, scen, label, target, data):
        self.raw.setdefault(scen, {}).setdefault(label, {}).setdefault(target, []).append(data)

    def med(self, scen, label, target, key):
        reps = self.raw.get(scen, {}).get(label, {}).get(target, [])
        return median(r.get(key) for r in reps)

    def meds(self, scen, label, key, targets):
        return {t: self.med(scen, label, t, key) for t in targets}

    def row(self, scen, figure, unit, values, kind="info", bar=None):
        """kind: lat (added columns, ratio of the added), rel (proxy/nginx),
        mock (proxy/direct: direct is the mock), info (no ratio).
        bar: (text, test(row) -> bool)."""
        d, n, p = values.get("direct"), values.get("nginx"), values.get("proxy")
        r = {"scenario": scen, "figure": figure, "unit": unit, "values": values,
             "added": None, "nginx_added": None, "ratio": None, "bar": bar[0] if bar else "",
             "verdict": ""}
        if kind == "lat" and None not in (d, p):
            r["added"] = p - d
        if kind == "lat" and None not in (d, n):
            r["nginx_added"] = n - d
        if kind == "lat" and r["added"] is not None and r["nginx_added"] and r["nginx_added"] > 0:
            r["ratio"] = r["added"] / r["nginx_added"]
        elif kind == "rel" and None not in (n, p) and n:
            r["ratio"] = p / n
        elif kind == "mock" and None not in (d, p) and d:
            r["ratio"] = p / d
        if bar:
            try:
                r["verdict"] = "PASS" if bar[1](r) else "MISS"
            except TypeError:  # a figure is missing
                r["verdict"] = "n/a"
        self.rows.append(r)
        return r


BAR_CPU = ("proxy ≤ 1.0× nginx", lambda r: r["ratio"] <= 1.0)
BAR_ADDED = ("added ≤ 1.0× nginx's", lambda r: r["added"] <= r["nginx_added"])


def interleaved(lab, reps, fn):
    """for rep: for target: fn(target) -> data; yields (target, data)."""
    for rep in range(reps):
        for t in lab.targets:
            yield rep, t, fn(t)


# ---- scenarios --------------------------------------------------------------

def scen_size(lab, res):
    size = os.path.getsize(lab.bin)
    stripped = size
    if shutil.which("strip"):
        tmp = os.path.join(lab.tmp, "stripped")
        r = run_cmd(["strip", "-o", tmp, lab.bin], 60)
        if r.returncode == 0:
            stripped = os.path.getsize(tmp)
    res.record("size", "binary", "proxy", {"bytes": size, "stripped_bytes": stripped})
    res.row("size", "binary, stripped", "KiB", {"proxy": stripped / 1024},
            bar=("≤ 600 KiB", lambda r: stripped <= SIZE_MAX_BYTES))
    log("size: %d bytes stripped" % stripped)


def cold_once(argv, port, env):
    """Seconds from spawn to the first 200 on GET /health.

    posix_spawn (no fork of this big Python process) and a 0.2 ms retry keep
    the harness's own share small and the same for both sides."""
    req = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    devnull = os.open(os.devnull, os.O_RDWR)
    acts = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
            (os.POSIX_SPAWN_DUP2, devnull, 2)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env if env is not None else os.environ, file_actions=acts, setsid=True)
    os.close(devnull)
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                    s.sendall(req)
                    if s.recv(16).startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
                        return time.perf_counter() - t0
            except OSError:
                pass
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                pid = None
                raise BenchError("cold start: %s exited (status %d) before answering"
                                 % (os.path.basename(argv[0]), status))
            if time.perf_counter() - t0 > 10:
                raise BenchError("cold start: %s: no 200 on /health in 10 s" % os.path.basename(argv[0]))
            time.sleep(0.0002)
    finally:
        if pid:
            try:
                os.killpg(pid, signal.SIGTERM)
                for _ in range(1000):
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        break
                    time.sleep(0.01)
                else:
                    os.killpg(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def scen_cold(lab, res):
    if lab.mock_port is None:  # the proxy needs a models.yaml; any upstream port does
        lab.mock_port = 9
        lab.write_proxy_config()
    times = {"direct": [], "proxy": []}
    for _ in range(COLD_SPAWNS):
        port = free_port()
        times["direct"].append(cold_once([lab.mockup, "-p", str(port)], port, None))
        port = free_port()
        times["proxy"].append(cold_once(lab.proxy_argv(port), port, lab.proxy_env()))
    for t, v in times.items():
        res.record("cold", "spawn to /health 200", t, {"ms": [round(x * 1e3, 3) for x in v]})
    vals = {t: median(v) * 1e3 for t, v in times.items()}
    res.row("cold", "cold start to first /health 200 (direct = mock)", "ms", vals, kind="mock",
            bar=("≤ 1.0× mock", lambda r: r["ratio"] <= 1.0))
    log("cold: mock %.2f ms, proxy %.2f ms" % (vals["direct"], vals["proxy"]))


def scen_rss(lab, res):
    p, port = lab.start_proxy("proxy-rss")
    try:
        idle = p.rss()
        t = Target("proxy", port, "anthropic", p, "/anthropic")
        data = {"idle_kib": idle}
        done = 0
        for count in RSS_COUNTS:
            sse_measure(lab, t, "plain", "small", 8, count - done, stream=False)
            done = count
            data["rss_%d_kib" % count] = p.rss()
    finally:
        p.stop()
    r10, r100 = data["rss_%d_kib" % RSS_COUNTS[0]], data["rss_%d_kib" % RSS_COUNTS[1]]
    data["flat_pct"] = (r100 / r10 - 1) * 100
    res.record("rss", "fresh proxy", "proxy", data)
    res.record("rss", "idle", "direct", {"idle_kib": lab.idle.get("mock")})
    res.record("rss", "idle", "nginx", {"idle_kib": lab.idle.get("nginx")})
    res.row("rss", "idle RSS, before any request", "KiB",
            {"direct": lab.idle.get("mock"), "nginx": lab.idle.get("nginx"), "proxy": idle},
            kind="rel", bar=("proxy ≤ 1 MiB", lambda r: r["values"]["proxy"] <= IDLE_RSS_MAX_KIB))
    res.row("rss", "RSS after 10k small requests", "KiB", {"proxy": r10})
    res.row("rss", "RSS after 100k small requests", "KiB", {"proxy": r100})
    res.row("rss", "RSS growth 10k -> 100k", "%", {"proxy": data["flat_pct"]},
            bar=("within ±5%", lambda r: abs(r["values"]["proxy"]) <= FLAT_MAX_PCT))
    log("rss: idle %d KiB, 10k %d KiB, 100k %d KiB" % (idle, r10, r100))


def request_rows(res, scen, label, names, c1=False, c8=False):
    res.row(scen, "%s: throughput" % label, "req/s", res.meds(scen, label, "rps", names), kind="rel")
    res.row(scen, "%s: p50 latency" % label, "ms", res.meds(scen, label, "p50_ms", names), kind="lat")
    res.row(scen, "%s: p99 latency" % label, "ms", res.meds(scen, label, "p99_ms", names), kind="lat",
            bar=BAR_ADDED if c1 else None)
    res.row(scen, "%s: server CPU per request" % label, "µs", res.meds(scen, label, "cpu_us", names),
            kind="rel", bar=BAR_CPU if c8 else None)
    if c8:  # nginx's CPU on large requests moves with its page faults (RESULTS.md)
        res.row(scen, "%s: server page faults per request" % label, "", res.meds(scen, label, "faults", names))


def scen_small(lab, res):
    names = [t.name for t in lab.targets]
    for conc in (1, 8, 64):
        label = "small c=%d" % conc
        for rep, t, d in interleaved(lab, lab.reps, lambda t: wrk_measure(
                lab, t, "plain", "small", conc, lab.duration)):
            res.record("small", label, t.name, d)
            log("  %s rep %d %-6s %8.0f req/s p99 %.3f ms cpu %s µs/req"
                % (label, rep + 1, t.name, d["rps"], d["p99_ms"], fmt(d.get("cpu_us"))))
        request_rows(res, "small", label, names, c1=conc == 1, c8=conc == 8)


def scen_large(lab, res):
    names = [t.name for t in lab.targets]
    label = "large c=8"
    for rep, t, d in interleaved(lab, lab.reps, lambda t: wrk_measure(
            lab, t, "plain", "large", 8, lab.duration)):
        res.record("large", label, t.name, d)
        log("  %s rep %d %-6s %8.0f req/s p99 %.3f ms cpu %s µs/req"
            % (label, rep + 1, t.name, d["rps"], d["p99_ms"], fmt(d.get("cpu_us"))))
    request_rows(res, "large", label, names, c8=True)


def scen_pass(lab, res):
    """nginx and the proxy as a passthrough (OpenAI in, OpenAI out), c=8."""
    proxy = next(t for t in lab.targets if t.name == "proxy")
    pair = [next(t for t in lab.targets if t.name == "nginx"),
            Target("proxy", proxy.port, "openai-in", proxy.proc, "/openai")]
    for size, what in (("small", "small"), ("large", "96 KB")):
        label = "%s passthrough c=8" % size
        for rep in range(lab.reps):
            for t in pair:
                d = wrk_measure(lab, t, "plain", size, 8, lab.duration)
                res.record("pass", label, t.name, d)
                log("  %s rep %d %-6s %8.0f req/s cpu %s µs/req"
                    % (label, rep + 1, t.name, d["rps"], fmt(d.get("cpu_us"))))
        res.row("pass", "%s request, proxy as a passthrough (OpenAI in and out, nothing converted), c=8: "
                "server CPU per request" % what, "µs", res.meds("pass", label, "cpu_us", ["nginx", "proxy"]),
                kind="rel")


def one_stream_at_a_time(lab, res, scen, label, model, n):
    """n streams one after another on a keep-alive connection, per target and
    rep (interleaved); returns the median getter for the rows."""
    names = [t.name for t in lab.targets]
    for rep, t, d in interleaved(lab, lab.reps, lambda t: sse_measure(lab, t, model, "small", 1, n)):
        res.record(scen, label, t.name, d)
        log("  %s rep %d %-6s first event p50 %.3f ms total p50 %.3f ms cpu %s µs/stream"
            % (scen, rep + 1, t.name, d["first_event_p50_ms"], d["total_p50_ms"], fmt(d.get("cpu_us"))))
    return lambda k: res.meds(scen, label, k, names)


def scen_stream(lab, res):
    label = "200-chunk stream, c=1"
    m = one_stream_at_a_time(lab, res, "stream", label, "stream200", STREAMS_PER_REP)
    res.row("stream", label + ": ttfb p50", "ms", m("ttfb_p50_ms"), kind="lat")
    res.row("stream", label + ": first event p50", "ms", m("first_event_p50_ms"), kind="lat",
            bar=BAR_ADDED)
    res.row("stream", label + ": first event p99", "ms", m("first_event_p99_ms"), kind="lat")
    res.row("stream", label + ": total p50", "ms", m("total_p50_ms"), kind="lat")
    res.row("stream", label + ": server CPU per stream", "µs", m("cpu_us"), kind="rel", bar=BAR_CPU)


def scen_paced(lab, res):
    """The 200-chunk stream again, the mock pacing its events 1 ms apart as a
    model does, so every event is its own read and write on every path (the
    bar's stream arrives in one read). Informational: no bar of its own."""
    label = "200-chunk stream paced 1 ms, c=1"
    m = one_stream_at_a_time(lab, res, "paced", label, "paced200", 3 if lab.duration < 2 else 10)
    res.row("paced", label + ": first event p50", "ms", m("first_event_p50_ms"), kind="lat")
    res.row("paced", label + ": total p50", "ms", m("total_p50_ms"), kind="lat")
    res.row("paced", label + ": server CPU per stream", "µs", m("cpu_us"), kind="rel")


def scen_chunks(lab, res):
    names = [t.name for t in lab.targets]
    label = "200-chunk streams, c=32"
    for rep, t, d in interleaved(lab, lab.reps, lambda t: sse_measure(
            lab, t, "stream200", "small", 32, 640)):
        res.record("chunks", label, t.name, d)
        log("  chunks rep %d %-6s %9.0f events/s cpu %s µs/stream"
            % (rep + 1, t.name, d["events_per_s"], fmt(d.get("cpu_us"))))
    m = lambda k: res.meds("chunks", label, k, names)
    res.row("chunks", label + ": events/s", "1/s", m("events_per_s"), kind="rel")
    res.row("chunks", label + ": server CPU per stream", "µs", m("cpu_us"), kind="rel")


def scen_slow(lab, res):
    n = lab.slow_streams
    targets = [t for t in lab.targets if t.name in ("direct", "nginx", "proxy")]
    names = [t.name for t in targets]
    label = "%d slow streams" % n
    errors = []
    for rep in range(lab.slow_reps):
        for t in targets:
            d = sse_measure(lab, t, "slow", "small", n, n, keepalive=False, sample_rss=True,
                            raise_failed=False)
            res.record("slow", label, t.name, d)
            if "error" in d:
                errors.append(d["error"])
            log("  slow rep %d %-6s stalls %d max gap %.1f ms peak RSS %d KiB, %.1f KiB/stream"
                % (rep + 1, t.name, d["stalls"], d["max_gap_ms"], d["rss_peak_kib"],
                   d["rss_per_stream_kib"]))
            time.sleep(0.5)  # let the closed connections go
    m = lambda k: res.meds("slow", label, k, names)
    res.row("slow", label + ": failed streams", "", m("failed"))
    res.row("slow", label + ": stalls (gap > 1 s)", "", m("stalls"),
            bar=("proxy 0", lambda r: r["values"]["proxy"] == 0))
    res.row("slow", label + ": max gap between events", "ms", m("max_gap_ms"), kind="lat")
    res.row("slow", label + ": total p99", "ms", m("total_p99_ms"), kind="lat")
    res.row("slow", label + ": peak RSS", "KiB", m("rss_peak_kib"), kind="rel")
    res.row("slow", label + ": RSS per open stream", "KiB", m("rss_per_stream_kib"), kind="rel",
            bar=("proxy ≤ 48 KiB", lambda r: r["values"]["proxy"] <= RSS_PER_STREAM_MAX_KIB))
    if errors:
        raise BenchError("\n".join(errors))


# -- deterministic counts

def http_loop(port, path, body, n, timeout=300):
    """n sequential keep-alive POSTs; every answer must be 200 and complete."""
    headers = {"Content-Type": "application/json", "x-api-key": "bench",
               "anthropic-version": "2023-06-01"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        for i in range(n):
            conn.request("POST", path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            if r.status != 200:
                raise BenchError("request %d: status %d: %s" % (i, r.status, data[:300]))
            if r.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    except (OSError, http.client.HTTPException) as e:
        raise BenchError("request failed: %s" % e)
    finally:
        conn.close()


def parse_callgrind(path):
    with open(path) as f:
        text = f.read()
    m = re.search(r"^summary:\s*(\d+)", text, re.M) or re.search(r"^totals:\s*(\d+)", text, re.M)
    if not m:
        raise BenchError("%s: no summary/totals line" % path)
    return int(m.group(1)), {}


def parse_strace(path):
    total, per = 0, {}
    with open(path) as f:
        for line in f:
            tok = line.split()
            if len(tok) < 5 or not re.match(r"^[\d.]+$", tok[0]) or tok[-1] == "total":
                continue
            per[tok[-1]] = int(tok[3])
            total += int(tok[3])
    if not per:
        raise BenchError("%s: no syscall counts" % path)
    return total, per


def det_once(lab, server, tool, kind, n):
    """Run `server` under `tool`, send n requests of `kind`, stop it; the count."""
    tag = "%s-%s-%s-%d" % (server, tool, kind, n)
    detdir = os.path.join(lab.out, "det")
    os.makedirs(detdir, exist_ok=True)
    outfile = os.path.join(detdir, tag + (".callgrind" if tool == "callgrind" else ".strace"))
    if os.path.exists(outfile):
        os.remove(outfile)
    port = free_port()
    env = None
    if server == "proxy":
        argv, env = lab.proxy_argv(port), lab.proxy_env()
        target = Target("proxy", port, "anthropic", None, "/anthropic")
    elif server == "proxy-pass":  # the OpenAI body through its passthrough (scenario pass)
        argv, env = lab.proxy_argv(port), lab.proxy_env()
        target = Target("proxy", port, "openai-in", None, "/openai")
    else:
        argv = lab.nginx_conf(os.path.join(lab.tmp, tag), port, master=False)
        target = Target("nginx", port, "openai")
    if tool == "callgrind":
        wrap = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + outfile]
    else:
        wrap = ["strace", "-f", "-c", "-o", outfile]
    model, size, stream = {"small": ("plain", "small", False), "large": ("plain", "large", False),
                           "stream": ("stream200", "small", True)}[kind]
    with open(lab.body(target, model, size, stream), "rb") as f:
        body = f.read()
    p = Proc(tag, wrap + argv, lab.logdir, env=env).start()
    try:
        wait_until(p, "listening", lambda: can_connect(port), DET_TIMEOUT)
        if tool == "strace":
            kids = children(p.popen.pid)
            if len(kids) != 1:
                raise BenchError("%s: expected one traced process, found %r" % (tag, kids))
            p.term_pid = kids[0]
        try:
            http_loop(port, target.path(model), body, n)
        except BenchError as e:
            raise BenchError("%s: %s" % (tag, e))
        p.check()
        time.sleep(0.5)  # let it go idle: see Proc.stop
    finally:
        rc = p.stop(timeout=DET_TIMEOUT, resend=3)
    if not os.path.exists(outfile):
        raise BenchError("%s: %s wrote no %s (exit status %s); see %s"
                         % (tag, tool, outfile, rc, p.log_path))
    return (parse_callgrind if tool == "callgrind" else parse_strace)(outfile)


def scen_det(lab, res):
    for tool in ("callgrind", "strace"):
        for kind in ("small", "large", "stream"):
            n1, n2 = DET_N[kind]
            for server in ("nginx", "proxy"):
                t0 = time.monotonic()
                c1, per1 = det_once(lab, server, tool, kind, n1)
                c2, per2 = det_once(lab, server, tool, kind, n2)
                each = (c2 - c1) / (n2 - n1)
                data = {"n1": n1, "n2": n2, "count1": c1, "count2": c2, "per_request": each}
                if per1 or per2:
                    data["per_syscall"] = {k: round((per2.get(k, 0) - per1.get(k, 0)) / (n2 - n1), 3)
                                           for k in sorted(set(per1) | set(per2))
                                           if per2.get(k, 0) != per1.get(k, 0)}
                res.record("det", "%s %s" % (tool, kind), server, data)
                log("  det %s %s %s: %.1f per %s (%.0f s)" % (
                    tool, kind, server, each, "stream" if kind == "stream" else "request",
                    time.monotonic() - t0))
            what = {"small": "small request", "large": "large request",
                    "stream": "200-chunk stream"}[kind]
            unit = "instructions" if tool == "callgrind" else "syscalls"
            res.row("det", "%s per %s" % (unit, what), "",
                    res.meds("det", "%s %s" % (tool, kind), "per_request", ["nginx", "proxy"]),
                    kind="rel")
    # the passthrough's floor in instructions, against nginx's large request
    n1, n2 = DET_N["large"]
    c1, _ = det_once(lab, "proxy-pass", "callgrind", "large", n1)
    c2, _ = det_once(lab, "proxy-pass", "callgrind", "large", n2)
    each = (c2 - c1) / (n2 - n1)
    res.record("det", "callgrind pass", "proxy", {"n1": n1, "n2": n2, "count1": c1, "count2": c2,
                                                  "per_request": each})
    log("  det callgrind pass proxy: %.1f per request" % each)
    res.row("det", "instructions per large request, proxy as a passthrough (OpenAI in and out)", "",
            {"nginx": res.med("det", "callgrind large", "nginx", "per_request"), "proxy": each}, kind="rel")


SCENARIOS = {"size": scen_size, "cold": scen_cold, "rss": scen_rss, "small": scen_small,
             "large": scen_large, "pass": scen_pass, "stream": scen_stream, "paced": scen_paced, "chunks": scen_chunks,
             "slow": scen_slow,
             "det": scen_det}


# ---- output -----------------------------------------------------------------

def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    a = abs(v)
    if isinstance(v, int):
        return "{:,}".format(int(v))
    if a >= 100:
        return "{:,.0f}".format(v)
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def table_cells(res, names):
    head = ["figure", "unit"] + names + ["added (proxy−direct)", "nginx−direct", "ratio", "bar",
                                         "verdict"]
    body = []
    for r in res.rows:
        ratio = "" if r["ratio"] is None else "%.2f×" % r["ratio"]
        body.append([r["figure"], r["unit"]] + [fmt(r["values"].get(t)) for t in names] +
                    [fmt(r["added"]) if r["added"] is not None else "",
                     fmt(r["nginx_added"]) if r["nginx_added"] is not None else "",
                     ratio, r["bar"], r["verdict"]])
    return head, body


def text_table(head, body):
    w = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]
    num = set(range(2, len(head) - 2))
    lines = []
    for row in [head] + body:
        lines.append("  ".join(c.rjust(w[i]) if i in num else c.ljust(w[i])
                               for i, c in enumerate(row)).rstrip())
        if row is head:
            lines.append("  ".join("-" * x for x in w))
    return "\n".join(lines)


def md_table(head, body):
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---:" if 2 <= i < len(head) - 2 else "---" for i in range(len(head))) + "|"]
    for row in body:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines)


def machine_info(lab):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def first_line(argv):
        try:
            r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
            out = r.stdout.decode(errors="replace").strip().splitlines()
            return out[0] if out else ""
        except (OSError, subprocess.TimeoutExpired):
            return ""
    rev = first_line(["git", "-C", REPO, "describe", "--always", "--dirty"])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_at_start": LOADAVG_AT_START,
        "proxy_version": first_line([lab.bin or lab.args.bin, "--version"]),
        "git": rev,
        "nginx": first_line([lab.nginx, "-v"]).replace("nginx version: ", ""),
        "wrk": " ".join(first_line(["wrk", "--version"]).split()[:2]),
    }


def write_outputs(lab, res, machine, params, names, elapsed):
    head, body = table_cells(res, names)
    summary = ("%d CPUs (nproc), %s; Linux %s; %s; load average %.2f at start. %s "
               "(git %s); %s; %s." % (machine["nproc"], machine["cpu"], machine["kernel"],
                                  machine["date"], machine["loadavg_at_start"],
                                  machine["proxy_version"], machine["git"], machine["nginx"],
                                  machine["wrk"]))
    run_line = ("%d reps (median), %d s per wrk run, %.0f s in all"
                % (params["reps"], params["duration"], elapsed))
    print("\n" + summary + "\n" + run_line + "\n")
    print(text_table(head, body))
    with open(os.path.join(lab.out, "results.json"), "w") as f:
        json.dump({"machine": machine, "params": params, "elapsed_s": round(elapsed, 1),
                   "rows": res.rows, "raw": res.raw, "errors": res.errors}, f, indent=1,
                  ensure_ascii=False)
    md = ["Machine: " + summary, "",
          "Run: `tools/bench/run.py %s`: %s." % (" ".join(params["argv"]), run_line),
          "direct = client → mock; nginx = client → nginx (1 worker) → mock; proxy = client → "
          "anthropic-proxy → mock, converting. CPU and RSS: the server process (for direct, the mock).",
          "", md_table(head, body), ""]
    if res.errors:
        md += ["Errors:", ""] + ["- " + e.splitlines()[0] for e in res.errors] + [""]
    with open(os.path.join(lab.out, "table.md"), "w") as f:
        f.write("\n".join(md))


# ---- main -------------------------------------------------------------------

def parse_other(spec):
    name, eq, rest = spec.partition("=")
    if not eq or not name or not rest:
        raise argparse.ArgumentTypeError("expected NAME=URL[,pid=PID]")
    parts = rest.split(",")
    u = urllib.parse.urlsplit(parts[0])
    if u.scheme != "http" or not u.hostname:
        raise argparse.ArgumentTypeError("%s: an http:// URL is needed" % parts[0])
    proc = None
    for p in parts[1:]:
        k, _, v = p.partition("=")
        if k != "pid" or not v.isdigit():
            raise argparse.ArgumentTypeError("unknown option %r (only pid=PID)" % p)
        proc = ExternalProc(name, int(v))
    return Target(name, u.port or 80, "anthropic", proc, u.path.rstrip("/"), u.hostname)


def parse_args(argv):
    ap = argparse.ArgumentParser(description="anthropic-proxy benchmark (issue 6); see the "
                                 "docstring of tools/bench/run.py.")
    ap.add_argument("--bin", default=os.path.join(REPO, "anthropic-proxy"))
    ap.add_argument("--tools", default=os.path.join(REPO, "build", "bench"),
                    help="folder with mockup and sseclient (make bench-tools)")
    ap.add_argument("--out", default=os.path.join(REPO, "build", "bench", "results"))
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 5; --quick 1)")
    ap.add_argument("--duration", type=int, default=None, help="seconds per wrk run (default 3)")
    ap.add_argument("--quick", action="store_true",
                    help="1 rep, 1 s, 200 slow streams, no deterministic part")
    ap.add_argument("--only", default=None, help="comma-separated: " + ",".join(SCENARIO_ORDER))
    ap.add_argument("--other", type=parse_other, default=None, metavar="NAME=URL[,pid=PID]")
    ap.add_argument("--mock-port", type=int, default=0, help="mock's port (default: a free one)")
    det = ap.add_mutually_exclusive_group()
    det.add_argument("--deterministic", dest="det", action="store_true", default=None)
    det.add_argument("--no-deterministic", dest="det", action="store_false")
    ap.add_argument("--strict", action="store_true", help="exit 3 when a bar is missed")
    a = ap.parse_args(argv)
    if a.only:
        a.only = [s.strip() for s in a.only.split(",") if s.strip()]
        bad = [s for s in a.only if s not in SCENARIOS]
        if bad:
            ap.error("unknown scenario %s (known: %s)" % (", ".join(bad), ", ".join(SCENARIO_ORDER)))
    if (a.reps is not None and a.reps < 1) or (a.duration is not None and a.duration < 1):
        ap.error("--reps and --duration must be at least 1")
    return a


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < NOFILE_WANT:
        log("warning: RLIMIT_NOFILE hard limit %d < %d: the slow scenario may fail" % (hard, NOFILE_WANT))


def check_tools(lab, scens):
    missing = []
    if not os.access(lab.args.bin, os.X_OK):
        missing.append("%s (make anthropic-proxy)" % lab.args.bin)
    for t in (lab.mockup, lab.sseclient):
        if not os.access(t, os.X_OK):
            missing.append("%s (make bench-tools)" % t)
    if NEEDS_SERVERS & set(scens) or "det" in scens:
        if not os.access(lab.nginx, os.X_OK):
            missing.append("nginx (tools/bootstrap bench)")
    if NEEDS_SERVERS & set(scens) and not shutil.which("wrk"):
        missing.append("wrk (tools/bootstrap bench)")
    if "det" in scens:
        missing += ["%s (tools/bootstrap bench)" % t for t in ("valgrind", "strace") if not shutil.which(t)]
    if missing:
        raise BenchError("missing: " + ", ".join(missing))


def main(argv):
    a = parse_args(argv)
    t_start = time.monotonic()
    scens = [s for s in SCENARIO_ORDER if s in (a.only or SCENARIO_ORDER)]
    want_det = a.det if a.det is not None else (not a.quick or (a.only and "det" in a.only))
    if not want_det and "det" in scens:
        scens.remove("det")
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="ap-bench-")
    lab = Lab(a, out, tmp)
    lab.reps = a.reps or (1 if a.quick else 5)
    lab.duration = a.duration or (1 if a.quick else 3)
    lab.slow_streams = 200 if a.quick else 1000
    lab.slow_reps = min(a.reps, 2) if a.reps else 1
    params = {"argv": argv, "reps": lab.reps, "duration": lab.duration, "scenarios": scens,
              "slow_streams": lab.slow_streams, "slow_reps": lab.slow_reps, "det_n": DET_N,
              "other": a.other.name if a.other else None}
    res = Results()
    status = 0

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    try:
        try:
            check_tools(lab, scens)
            raise_nofile()
            lab.prepare()
            if NEEDS_SERVERS & set(scens) or "det" in scens:
                lab.start_mock()
            if NEEDS_SERVERS & set(scens):
                lab.start_all()
        except BenchError as e:
            res.errors.append("setup: %s" % e)
            log("ERROR: setup: %s" % e)
            scens = []
        for s in scens:
            log("== %s" % s)
            try:
                SCENARIOS[s](lab, res)
            except BenchError as e:
                res.errors.append("%s: %s" % (s, e))
                log("ERROR: %s: %s" % (s, e))
                if isinstance(e, ServerDied):
                    res.errors.append("remaining scenarios skipped")
                    break
    except KeyboardInterrupt:
        log("interrupted")
        res.errors.append("interrupted")
        status = 130
    finally:
        Proc.stop_all()
        machine = machine_info(lab)
        shutil.rmtree(tmp, ignore_errors=True)
    names = ["direct", "nginx", "proxy"] + ([a.other.name] if a.other else [])
    write_outputs(lab, res, machine, params, names, time.monotonic() - t_start)
    log("wrote %s and %s" % (os.path.join(out, "results.json"), os.path.join(out, "table.md")))
    if status:
        return status
    if res.errors:
        log("FAILED: %d error(s):" % len(res.errors))
        for e in res.errors:
            log("  " + e.splitlines()[0])
        return 1
    misses = [r["figure"] for r in res.rows if r["verdict"] == "MISS"]
    if misses:
        log("bars missed: " + "; ".join(misses))
        if a.strict:
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
