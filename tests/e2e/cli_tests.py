"""End-to-end tests of the commands: start/status/stop/restart with the pid
file, init, --print-config, provider. Called from run.py."""
import json
import os
import socket
import subprocess
import time


def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: expected %r, got %r" % (what, b, a))


def run(check, binary, tmp, free_port):
    home = os.path.join(tmp, "cli-home")
    os.makedirs(home)
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOST", "PORT", "LOG_LEVEL", "LOG_FILE_PATH", "CUSTOM_MODELS_FILE", "SSL_CERT_FILE")}
    env["HOME"] = home
    port = free_port()
    rt = os.path.join(home, ".anthropic-proxy")
    pidf = os.path.join(rt, "anthropic-proxy.pid")
    cfgdir = os.path.join(home, ".config", "anthropic-proxy")

    def ap(*args, timeout=60):
        return subprocess.run([binary] + list(args), env=env, capture_output=True, text=True, timeout=timeout)

    def t_init():
        r = ap("init")
        eq(r.returncode, 0, "init")
        with open(os.path.join(cfgdir, "models.yaml"), "w") as f:
            f.write("- model_id: mine\n  api_base: https://api.example.com/v1\n  api_key: sk-secret-123\n"
                    "  extra_headers: {Authorization: Bearer sk-secret-456, X-Title: app}\n")
        with open(os.path.join(cfgdir, "config.json"), "w") as f:
            json.dump({"port": port, "log_level": "INFO"}, f)
        r = ap("init", "--force")
        eq(r.returncode, 0, "init --force")
        assert "mine" in open(os.path.join(cfgdir, "models.yaml")).read(), "models.yaml overwritten"
        eq(json.load(open(os.path.join(cfgdir, "config.json")))["port"], 8082, "config.json reset by --force")
        r = ap("--init")
        eq(r.returncode, 0, "--init")
        with open(os.path.join(cfgdir, "config.json"), "w") as f:
            json.dump({"port": port, "log_level": "INFO"}, f)
    check("init / init --force / --init: models.yaml never overwritten, --force resets config.json", t_init)

    def t_print_config():
        r = ap("--print-config")
        eq(r.returncode, 0, "exit")
        assert "sk-secret-123" not in r.stdout and "sk-secret-456" not in r.stdout, r.stdout
        assert r.stdout.count("<REDACTED>") == 2, r.stdout
        assert '"X-Title": "app"' in r.stdout, r.stdout
        assert "Total models: 1" in r.stdout, r.stdout
        r = ap("--print-config", "--show-api-keys")
        assert "sk-secret-123" in r.stdout and "sk-secret-456" in r.stdout, r.stdout
    check("--print-config redacts api keys and secret headers unless --show-api-keys", t_print_config)

    def t_provider():
        r = ap("provider", "--list")
        eq(r.returncode, 0, "exit")
        assert "Codex" in r.stdout and "NOT AUTHED" in r.stdout, r.stdout
        r = ap("provider", "--models")
        eq(r.stdout.split(), ["mine"], "configured ids")
        r = ap("provider")
        eq(r.returncode, 2, "usage error")
    check("provider --list / --models; provider alone is a usage error", t_provider)

    def t_help():
        for cmd in ("serve", "start", "stop", "restart", "status", "init", "provider"):
            r = ap(cmd, "--help")
            eq(r.returncode, 0, cmd)
            assert r.stdout.startswith("usage: anthropic-proxy") and (" %s" % cmd) in r.stdout.splitlines()[0], r.stdout
        r = ap("--help")
        assert "start" in r.stdout and "--print-config" in r.stdout, r.stdout
        r = ap("--version")
        assert r.stdout.startswith("anthropic-proxy "), r.stdout
    check("--help for each command, --help and --version", t_help)

    def t_lifecycle():
        r = ap("start")
        assert r.returncode == 0, r.stderr + r.stdout
        assert os.path.exists(pidf), "pid file"
        pid = int(open(pidf).read())
        socket.create_connection(("127.0.0.1", port), 2).close()
        r = ap("status")
        assert "RUNNING" in r.stdout and str(pid) in r.stdout and ("port: %d" % port) in r.stdout, r.stdout
        r = ap("start")
        eq(r.returncode, 1, "double start refused")
        assert "already running" in r.stderr, r.stderr
        r = ap("restart")
        assert r.returncode == 0, r.stderr
        pid2 = int(open(pidf).read())
        assert pid2 != pid, "restart made a new process"
        r = ap("stop")
        eq(r.returncode, 0, "stop")
        assert not os.path.exists(pidf), "pid file removed"
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            raise AssertionError("still listening after stop")
        except OSError:
            pass
        assert "listening" in open(os.path.join(rt, "daemon.log")).read()
        r = ap("status")
        assert "STOPPED" in r.stdout, r.stdout
    check("start → status → double start refused → restart → stop, with the pid file", t_lifecycle)

    def t_stale():
        os.makedirs(rt, exist_ok=True)
        with open(pidf, "w") as f:
            f.write("999999\n")
        r = ap("status")
        assert "STOPPED" in r.stdout and "stale" in r.stdout, r.stdout
        assert not os.path.exists(pidf), "stale pid file cleaned"
        with open(pidf, "w") as f:
            f.write("%d\n" % os.getpid())  # alive, but not anthropic-proxy
        r = ap("start")
        assert r.returncode == 0, r.stderr
        ap("stop")
    check("a stale pid file (dead or foreign PID) is cleaned and does not block start", t_stale)

    def t_start_fails():
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", port))
        blocker.listen(1)
        try:
            r = ap("start")
        finally:
            blocker.close()
        eq(r.returncode, 1, "start fails when the port is taken")
        assert "failed to start" in r.stderr and "cannot listen" in r.stderr, r.stderr
        assert not os.path.exists(pidf), "no pid file"
    check("start reports a daemon that dies on startup (port in use) with its log", t_start_fails)
