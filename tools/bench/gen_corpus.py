#!/usr/bin/env python3
"""Write the benchmark request bodies into a directory.

usage: gen_corpus.py OUTDIR

Writes, for Anthropic Messages and OpenAI Chat Completions, a small (~1 KB)
and a large (~100 KiB, shaped like a Claude Code main turn) request, each
non-streaming and streaming:

  small_anthropic.json  small_anthropic_stream.json
  large_anthropic.json  large_anthropic_stream.json
  small_openai.json     small_openai_stream.json
  large_openai.json     large_openai_stream.json

The large Anthropic request follows what Claude Code 2.1.330 sends
(see the captured Claude Code 2.1.330 request shape): key order
model, messages, system, tools, metadata, max_tokens, thinking,
context_management, output_config, stream; three system blocks (billing
header, identity line, main prompt) with cache_control; 16 tools with
JSON Schema draft 2020-12 input schemas plus a deferred placeholder; a
role:"system" message with a per-message output_config right after the
first user turn; tool_use / tool_result turns; a thinking block with a
signature; metadata.user_id as a JSON-encoded string. The OpenAI bodies
carry the same content the way the proxy's translator writes it (system
text joined, tool_calls with JSON-string arguments, role:"tool" results,
reasoning_content, reasoning_effort, user).

The model is "bench-model" (the run script substitutes its own), so
max_tokens is 32000 and effort "high", as Claude Code sends for a custom id.
Output is deterministic (fixed seed, compact JSON like JSON.stringify,
UTF-8 unescaped); the sizes are printed. Python 3 standard library only.
"""
import base64
import json
import os
import random
import sys

SEED = 20251124
MODEL = "bench-model"
LARGE_TARGET = 100 * 1024  # bytes of large_anthropic.json (non-stream)
SCHEMA = "https://json-schema.org/draft/2020-12/schema"
EPH = {"type": "ephemeral"}

rng = random.Random(SEED)


def dump(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def b62(n):
    a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "".join(rng.choice(a) for _ in range(n))


def tool_id():
    return "toolu_01" + b62(22)


def uuid4():
    h = "%032x" % rng.getrandbits(128)
    return "%s-%s-4%s-%x%s-%s" % (h[:8], h[8:12], h[13:16], 8 + rng.randrange(4), h[17:20], h[20:32])


# ---- prose -------------------------------------------------------------------

GUIDANCE = [
    "Prefer the dedicated tool over a shell command whenever one exists for the task.",
    "Always use absolute paths; relative paths are resolved against the session's working directory, which may have changed.",
    "Batch independent calls in a single response so they run in parallel and the user waits less.",
    "Never guess a file's contents: read it first, then edit the exact text you saw.",
    "Output longer than 30,000 characters is truncated, so narrow the query before running it again.",
    "Quote paths that contain spaces with double quotes, for example \"/home/user/My Documents/notes.md\".",
    "Do not use this tool to talk to the user; write your answer as plain text in the response instead.",
    "If a call fails, read the error, fix the input and try again once; do not loop on the same mistake.",
    "Results may include content the user has not seen yet, so summarise what matters rather than pasting it back.",
    "Respect the repository's conventions: match the indentation, naming and comment style of the surrounding code.",
    "When the user asks for a plan, produce the plan first and wait for approval before changing any file.",
    "Lines in the output are numbered starting at 1, in the format: spaces, line number, a tab, then the content.",
    "Binary files, images and PDFs are returned as attachments rather than text; do not try to parse their bytes.",
    "Keep each change small and reviewable; one logical change per edit makes mistakes easy to spot and undo.",
    "Do not create documentation files (*.md, README) unless the user explicitly asks for them.",
    "The working tree may contain uncommitted changes by the user; never discard them without asking.",
    "Timeouts are in milliseconds; the default is 120000 (2 minutes) and the maximum is 600000 (10 minutes).",
    "Use the `pattern` argument for glob-style filtering (\"**/*.ts\", \"src/**/*.{c,h}\") rather than piping through grep.",
    "Regular expressions use ripgrep syntax: literal braces need escaping, as in `interface\\{\\}` to find `interface{}` in Go.",
    "If the output mode is \"content\", matching lines are shown with their line numbers and optional context.",
    "Prefer editing an existing file to creating a new one; new files add maintenance cost the user did not ask for.",
    "When several tools could answer, pick the cheapest one: a glob before a grep, a grep before reading whole files.",
    "Commands run in a persistent shell, so `cd` and exported variables carry over between calls unless the session is reset.",
    "Avoid interactive commands (`git rebase -i`, `less`, editors): they wait for input that will never come.",
    "Report the result faithfully: if tests fail, say so and show the relevant output instead of claiming success.",
    "For git: never update the git config, never push unless asked, and never use --no-verify to skip hooks.",
    "Secrets (.env files, credentials, private keys) must not be committed; warn the user if they ask you to.",
    "The tool's result is the only source of truth about the file system; do not assume a command succeeded.",
    "Use the TodoWrite tool for tasks with three or more steps, and mark each item done as soon as it is.",
    "Unicode is fine in file contents — “smart quotes”, em dashes — and emoji ✓ are passed through unchanged.",
    "When searching for a symbol's definition, search for the declaration syntax of that language rather than the bare name.",
    "Large files can be read in pages with `offset` and `limit`; read only what you need to answer the question.",
    "If the user interrupts, stop immediately, summarise what was done, and wait for new instructions.",
    "Network access is restricted to the hosts allowed by the sandbox; other requests fail with a clear error.",
    "A hook may block a call and return feedback; treat that feedback as coming from the user and adjust.",
    "Dates and times are in the user's local time zone unless stated otherwise; today's date is in the environment block.",
    "The `description` argument is shown to the user while the command runs: five to ten words, active voice.",
    "If the edit's `old_string` is not unique in the file, include more surrounding context or set `replace_all`.",
    "Agents launched in parallel cannot see each other's results; give each one a self-contained brief.",
    "Wrap multi-line shell input in a heredoc (`cat <<'EOF' ... EOF`) so quoting survives intact.",
    "When a test is flaky, run it in isolation a few times before concluding anything about your change.",
    "Do not add comments that merely restate the code; explain why, cite the spec, or say nothing.",
    "A failed tool call costs a round trip; validate arguments against the schema before sending them.",
    "JSON arguments must match the schema exactly: unknown properties are rejected because additionalProperties is false.",
    "Paths outside the allowed directories need the user's permission; ask before reading or writing them.",
    "Cancelling a long-running command leaves its partial output in the result, marked as interrupted.",
    "The result of a search is capped at `head_limit` entries; raise it, or narrow the pattern, if the answer is cut off.",
    "Tabs in the file are preserved exactly; when matching `old_string`, copy the indentation from the Read output after the tab.",
]

TOOLS = [
    ("Agent", "Launch a new agent to handle complex, multi-step tasks autonomously. Each agent type has specific "
     "capabilities and tools available to it; the agent works in its own context window and returns a single final "
     "report, which is not shown to the user until you relay it."),
    ("Bash", "Executes a given bash command in a persistent shell session with optional timeout, ensuring proper "
     "handling and security measures. Before executing the command, verify that the parent directory exists, "
     "quote paths with spaces, and prefer the dedicated file tools for reading, searching and editing."),
    ("Edit", "Performs exact string replacements in files. You must use the Read tool at least once in the "
     "conversation before editing. The edit fails if `old_string` is not found, or is found more than once "
     "without `replace_all`."),
    ("Glob", "Fast file pattern matching tool that works with any codebase size. Supports glob patterns like "
     "\"**/*.js\" or \"src/**/*.ts\" and returns matching file paths sorted by modification time."),
    ("Grep", "A powerful search tool built on ripgrep. Supports full regex syntax, file type and glob filters, "
     "context lines, multiline matching and three output modes: content, files_with_matches and count."),
    ("ListAgents", "Lists the agents running or finished in this session, with their status, type, start time and "
     "the first line of their brief, so you can decide whether to wait for one, read its report or stop it."),
    ("Read", "Reads a file from the local filesystem. You can access any file directly by using this tool. The "
     "file_path parameter must be an absolute path; by default it reads up to 2000 lines from the beginning."),
    ("ReportFindings", "Records a structured finding (bug, risk, question or note) with its location, severity and "
     "evidence, so the user gets a consistent review report at the end of the task instead of scattered remarks."),
    ("ScheduleWakeup", "Schedules this session to resume after a delay or at a given time, with a note to yourself "
     "describing what to check, for long-running builds, deployments or anything that needs waiting for."),
    ("Skill", "Execute a skill within the main conversation. Skills provide specialised capabilities and domain "
     "knowledge; the list of available skills is in the system message, and each is invoked by its exact name."),
    ("ToolSearch", "Searches the catalogue of deferred tools by name or keyword and loads the matching tools' full "
     "definitions so they can be called in the next turn. Deferred tools are listed by name only until loaded."),
    ("TodoWrite", "Use this tool to create and manage a structured task list for your current coding session. This "
     "helps you track progress, organise complex tasks, and demonstrate thoroughness to the user."),
    ("WebFetch", "Fetches content from a specified URL and processes it using an AI model: the page is converted "
     "to markdown, then the prompt is run against it and the model's answer is returned, not the raw page."),
    ("Workflow", "Runs a named multi-step workflow (review, release, migration, triage) defined for this project, "
     "feeding it the given inputs and streaming the progress of each step back as it completes."),
    ("Write", "Writes a file to the local filesystem, overwriting the existing file if there is one. If this is an "
     "existing file, you must use the Read tool first to read its contents; the write fails otherwise."),
    ("NotebookEdit", "Completely replaces the contents of a specific cell in a Jupyter notebook (.ipynb file) with "
     "new source, or inserts or deletes a cell. Cell numbering is 0-indexed."),
]


def prose(lead, nbytes):
    """A tool description: a lead paragraph, usage notes and an example."""
    parts = [lead, "", "Usage notes:"]
    pool = GUIDANCE[:]
    rng.shuffle(pool)
    i = 0
    while len("\n".join(parts)) < nbytes - 400:
        parts.append("- " + pool[i % len(pool)])
        i += 1
    parts += ["", "<example>", "user: run the tests for the parser and fix what fails",
              "assistant: I'll run the parser tests first, then read the failing case before editing.",
              "</example>"]
    return "\n".join(parts)


# ---- schemas -----------------------------------------------------------------

def obj(props, required, **extra):
    o = {"type": "object", "properties": props, "required": required, "additionalProperties": False}
    o.update(extra)
    return o


def S(desc, **kw):
    d = {"type": "string", "description": desc}
    d.update(kw)
    return d


def I(desc, **kw):
    d = {"type": "integer", "description": desc}
    d.update(kw)
    return d


def B(desc, default=False):
    return {"type": "boolean", "description": desc, "default": default}


def schema_for(name):
    p = {
        "Agent": (obj({
            "description": S("A short (3-5 word) description of the task"),
            "prompt": S("The task for the agent to perform, self-contained"),
            "subagent_type": S("The type of specialised agent to use", enum=["general-purpose", "explore", "plan", "review", "test-runner"]),
            "model": S("Optional model override for this agent", enum=["inherit", "fast", "smart"], default="inherit"),
            "run_in_background": B("Return at once and deliver the report later"),
            "isolation": obj({
                "worktree": B("Run in a separate git worktree"),
                "allowed_tools": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z][A-Za-z]+$"}, "uniqueItems": True},
            }, []),
        }, ["description", "prompt", "subagent_type"])),
        "Bash": (obj({
            "command": S("The command to execute"),
            "timeout": {"type": "number", "description": "Optional timeout in milliseconds (max 600000)", "exclusiveMinimum": 0, "maximum": 600000},
            "description": S("Clear, concise description of what this command does in 5-10 words, in active voice"),
            "run_in_background": B("Set to true to run this command in the background"),
            "dangerouslyDisableSandbox": B("Run outside the sandbox; needs the user's approval"),
        }, ["command"])),
        "Edit": (obj({
            "file_path": S("The absolute path to the file to modify", pattern="^/"),
            "old_string": S("The text to replace"),
            "new_string": S("The text to replace it with (must be different from old_string)"),
            "replace_all": B("Replace all occurrences of old_string"),
        }, ["file_path", "old_string", "new_string"])),
        "Glob": (obj({
            "pattern": S("The glob pattern to match files against"),
            "path": S("The directory to search in; omit for the current working directory"),
        }, ["pattern"])),
        "Grep": (obj({
            "pattern": S("The regular expression pattern to search for in file contents"),
            "path": S("File or directory to search in; defaults to the current working directory"),
            "glob": S("Glob pattern to filter files (e.g. \"*.js\", \"*.{ts,tsx}\")"),
            "output_mode": S("Output mode", enum=["content", "files_with_matches", "count"], default="files_with_matches"),
            "-B": I("Lines to show before each match", minimum=0),
            "-A": I("Lines to show after each match", minimum=0),
            "-C": I("Lines to show before and after each match", minimum=0),
            "-n": B("Show line numbers in output", True),
            "-i": B("Case insensitive search"),
            "type": S("File type to search (rg --type), e.g. js, py, rust, go, java"),
            "head_limit": I("Limit output to the first N lines or entries", exclusiveMinimum=0),
            "multiline": B("Enable multiline mode where . matches newlines"),
        }, ["pattern"])),
        "ListAgents": (obj({
            "status": S("Filter by status", enum=["running", "finished", "failed", "all"], default="all"),
            "limit": I("Maximum number of agents to list", exclusiveMinimum=0, default=20),
        }, [])),
        "Read": (obj({
            "file_path": S("The absolute path to the file to read", pattern="^/"),
            "offset": I("The line number to start reading from", minimum=1),
            "limit": I("The number of lines to read", exclusiveMinimum=0),
            "pages": S("Page range for PDF files, e.g. \"1-5\"", pattern="^[0-9]+(-[0-9]+)?$"),
        }, ["file_path"])),
        "ReportFindings": (obj({
            "findings": {"type": "array", "minItems": 1, "items": obj({
                "title": S("One-line summary of the finding"),
                "severity": S("How bad it is", enum=["critical", "high", "medium", "low", "info"]),
                "kind": S("What kind of finding", enum=["bug", "risk", "question", "note"]),
                "location": obj({
                    "file": S("Absolute path", pattern="^/"),
                    "line": I("1-based line", minimum=1),
                    "end_line": I("1-based last line", minimum=1),
                }, ["file"]),
                "evidence": S("Quoted code, output or reasoning that supports the finding"),
                "suggestion": S("A concrete fix, if there is one"),
            }, ["title", "severity", "kind", "evidence"])},
        }, ["findings"])),
        "ScheduleWakeup": (obj({
            "delay_seconds": I("Seconds from now", exclusiveMinimum=0, maximum=86400),
            "note": S("What to check when the session resumes"),
            "anchor": {"anyOf": [{"const": "now"}, {"type": "string", "format": "date-time"}], "description": "When the delay starts"},
        }, ["delay_seconds", "note"])),
        "Skill": (obj({
            "skill": S("The skill name, exactly as listed", pattern="^[a-z0-9][a-z0-9-]*$"),
            "args": S("Optional arguments for the skill"),
        }, ["skill"])),
        "ToolSearch": (obj({
            "query": S("Tool name or keywords; \"select:Name1,Name2\" loads exact names"),
            "max_results": I("Maximum number of tools to load", exclusiveMinimum=0, maximum=20, default=5),
        }, ["query"])),
        "TodoWrite": (obj({
            "todos": {"type": "array", "description": "The updated todo list", "items": obj({
                "content": S("Imperative description of the task", minLength=1),
                "activeForm": S("Present-continuous form shown while in progress", minLength=1),
                "status": S("Task state", enum=["pending", "in_progress", "completed"]),
            }, ["content", "status", "activeForm"])},
        }, ["todos"])),
        "WebFetch": (obj({
            "url": S("The URL to fetch content from", format="uri"),
            "prompt": S("The prompt to run on the fetched content"),
            "headers": {"type": "object", "description": "Extra request headers", "propertyNames": {"pattern": "^[A-Za-z0-9-]+$"},
                        "additionalProperties": {"type": "string"}},
        }, ["url", "prompt"])),
        "Workflow": (obj({
            "name": S("Workflow to run", enum=["review", "release", "migration", "triage"]),
            "inputs": {"type": "object", "description": "Workflow inputs, by name", "additionalProperties": {
                "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}},
            "dry_run": B("Plan the steps without running them"),
            "steps": {"type": "array", "items": obj({
                "id": S("Step id", pattern="^[a-z][a-z0-9_]*$"),
                "skip": B("Skip this step"),
                "retries": I("Retries on failure", minimum=0, maximum=5, default=0),
            }, ["id"])},
        }, ["name"])),
        "Write": (obj({
            "file_path": S("The absolute path to the file to write (must be absolute, not relative)", pattern="^/"),
            "content": S("The content to write to the file"),
        }, ["file_path", "content"])),
        "NotebookEdit": (obj({
            "notebook_path": S("The absolute path to the Jupyter notebook file to edit", pattern="^/"),
            "cell_id": S("The ID of the cell to edit"),
            "new_source": S("The new source for the cell"),
            "cell_type": S("The type of the cell", enum=["code", "markdown"]),
            "edit_mode": S("The type of edit to make", enum=["replace", "insert", "delete"], default="replace"),
        }, ["notebook_path", "new_source"])),
    }[name]
    s = {"$schema": SCHEMA}
    s.update(p)
    return s


def tools_large():
    out = []
    for name, lead in TOOLS:
        size = 5200 if name in ("Bash", "Agent") else 2400 + rng.randrange(1200)
        out.append({"name": name, "description": prose(lead, size), "input_schema": schema_for(name)})
    # deferred tool search: the placeholder has no $schema and no properties
    out.append({"name": "DeferredToolPlaceholder", "description": "Placeholder for tools loaded on demand through ToolSearch.",
                "input_schema": {"type": "object", "properties": {}, "additionalProperties": False},
                "defer_loading": True})
    return out


# ---- content -----------------------------------------------------------------

def main_prompt():
    head = ("You are an interactive agent that helps users with software engineering tasks. Use the instructions "
            "below and the tools available to you to assist the user.\n\nIMPORTANT: Assist with authorized security "
            "testing, defensive security, CTF challenges, and educational contexts. Refuse requests for destructive "
            "techniques.\n\n# Tone and style\nBe concise, direct and to the point. Your output is shown in a terminal; "
            "use GitHub-flavored markdown, rendered in a monospace font.\n\n# Doing tasks\n")
    body = []
    pool = GUIDANCE[:]
    rng.shuffle(pool)
    sections = ["# Following conventions", "# Code references", "# Tool usage policy", "# Task management",
                "# Git and version control", "# Testing", "# Safety", "# Asking questions"]
    k = 0
    for sec in sections:
        body.append("\n" + sec)
        for _ in range(7):
            body.append("- " + pool[k % len(pool)])
            k += 1
    tail = ("\n\nWhen referencing specific functions or pieces of code include the pattern `file_path:line_number` "
            "so the user can navigate to the source, e.g. \"Clients are marked as failed in the `connectToServer` "
            "function in src/services/process.ts:712.\"")
    return head + "\n".join(body) + tail


def env_message():
    lines = ["# Environment", "Working directory: /home/dev/src/parser", "Is directory a git repo: Yes",
             "Platform: linux", "OS Version: Linux 6.8.0-45-generic", "Today's date: 2026-11-24", "",
             "# Skills", "The following skills are available through the Skill tool:"]
    for s in ["pdf", "xlsx", "docx", "pptx", "changelog", "release-notes", "security-review", "perf-triage",
              "api-docs", "db-migrations", "k8s-deploy", "incident-report"]:
        lines.append("- %s: %s %s" % (s, rng.choice(GUIDANCE), rng.choice(GUIDANCE)))
    lines += ["", "# Agents", "Available agent types for the Agent tool:"]
    for a in ["general-purpose", "explore", "plan", "review", "test-runner"]:
        lines.append("- %s: %s (Tools: %s)" % (a, " ".join(rng.sample(GUIDANCE, 4)),
                                                ", ".join(sorted(rng.sample([t[0] for t in TOOLS], 6)))))
    lines += ["", "# Deferred tools", "Loaded on demand with ToolSearch: " + ", ".join(
        ["CronCreate", "CronDelete", "CronList", "EnterPlanMode", "ExitPlanMode", "KillShell", "LSP",
         "MultiEdit", "NotebookRead", "SlashCommand", "TaskOutput", "WebSearch"]), "",
        "# git status", "Current branch: fix/chunked-trailers", "Main branch: main", "Status:",
        " M src/chunked.c", " M tests/test_chunked.c", "?? notes/trailers.txt", "", "Recent commits:"]
    for _ in range(20):
        lines.append("%07x %s" % (rng.getrandbits(28), rng.choice(GUIDANCE)[:60].rstrip(" ,.;")))
    return "\n".join(lines)


C_WORDS = ["len", "buf", "pos", "state", "chunk", "left", "ndig", "used", "data", "err", "flags", "cap", "out"]


def c_source(nlines):
    """Read-tool output: numbered lines of plausible C with tabs, quotes and backslashes."""
    out, n, depth = [], 1, 0
    while n <= nlines:
        r = rng.random()
        ind = "\t" * depth
        if depth == 0:
            fn = "%s_%s" % (rng.choice(["chunk", "sse", "http", "buf"]), rng.choice(["feed", "parse", "reset", "grow", "step"]))
            line = "static int %s(struct %s *p, const char *b, size_t n)\n{" % (fn, rng.choice(["chunk", "sse", "buf"]))
            for l in line.split("\n"):
                out.append("%6d\t%s" % (n, l))
                n += 1
            depth = 1
            continue
        if r < 0.15 and depth < 3:
            line = ind + "if (%s->%s %s %d) {" % ("p", rng.choice(C_WORDS), rng.choice(["==", "<", ">="]), rng.randrange(64))
            depth += 1
        elif r < 0.3 and depth > 1:
            depth -= 1
            line = "\t" * depth + "}"
        elif r < 0.38:
            line = ind + "/* RFC 9112 section 7.1: a \"%s\" here is %s */" % (rng.choice(C_WORDS), rng.choice(["fatal", "ignored", "kept"]))
        elif r < 0.45:
            line = ind + "fprintf(stderr, \"%s: bad byte 0x%%02x at %%zu\\n\", c, i);" % rng.choice(C_WORDS)
        elif r < 0.5 and depth == 1:
            line = "\treturn %s;\n}\n" % rng.choice(["0", "-1", "E_AGAIN", "(int)used"])
            depth = 0
        else:
            line = ind + "%s->%s = %s + %d;" % ("p", rng.choice(C_WORDS), rng.choice(C_WORDS), rng.randrange(16))
        for l in line.split("\n"):
            out.append("%6d\t%s" % (n, l))
            n += 1
    return "\n".join(out)


def test_output(nfail):
    lines = ["$ make test", "cc -O1 -g -std=c11 -Wall -Wextra -Werror -o build/test_chunked tests/test_chunked.c src/chunked.c"]
    for i in range(60):
        ok = i not in (17, 41)[:nfail]
        lines.append("%s %d - chunked: %s" % ("ok" if ok else "not ok", i + 1, rng.choice(GUIDANCE)[:70]))
        if not ok:
            lines.append("#   tests/test_chunked.c:%d: expected rc 2 (CHUNK_DONE), got -1 at offset 37" % (100 + i))
    lines.append("# %d passed, %d failed" % (60 - nfail, nfail))
    return "\n".join(lines)


def grep_output(n):
    out = []
    for _ in range(n):
        out.append("/home/dev/src/parser/src/%s.c:%d:\t%s" % (rng.choice(["chunked", "http", "sse", "conn"]),
                                                          rng.randrange(1, 900), rng.choice(GUIDANCE)[:80]))
    return "\n".join(out)


def signature():
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(rng.randrange(420, 560)))).decode()


def large_conversation(pad_lines):
    """Anthropic messages for the large request; pad_lines sizes the first Read result."""
    reminder = ("<system-reminder>\nAs you answer the user's questions, you can use the following context:\n"
                "# claudeMd\nCodebase and user instructions are shown below. Be sure to adhere to these instructions.\n\n"
                "Contents of /home/dev/src/parser/CLAUDE.md (project instructions, checked into the codebase):\n\n"
                + "\n".join("- " + g for g in GUIDANCE[:14]) +
                "\n\nIMPORTANT: this context may or may not be relevant to your tasks.\n</system-reminder>")
    prompt = ("The chunked decoder rejects responses that carry trailers (see the failing test in "
              "tests/test_chunked.c). Find out why, fix it, and make sure `make test` passes — don't touch the SSE code.")
    t1, t2, t3, t4 = tool_id(), tool_id(), tool_id(), tool_id()
    path = "/home/dev/src/parser/src/chunked.c"
    return [
        {"role": "user", "content": [{"type": "text", "text": reminder}, {"type": "text", "text": prompt}]},
        {"role": "system", "content": [{"type": "text", "text": env_message(), "cache_control": EPH}],
         "output_config": {"effort": "high"}},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "The user says trailers break the decoder. The state after the last "
             "chunk must accept trailer field lines until an empty line. Let me read the decoder and the failing "
             "test before guessing; the bug is probably in the state after the zero-size chunk.",
             "signature": signature()},
            {"type": "text", "text": "I'll start by reading the decoder and running the tests to see the failure."},
            {"type": "tool_use", "id": t1, "name": "Read", "input": {"file_path": path}},
            {"type": "tool_use", "id": t2, "name": "Bash",
             "input": {"command": "cd /home/dev/src/parser && make test 2>&1 | tail -n 80",
                       "description": "Run the unit tests", "timeout": 120000}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": t1, "content": c_source(pad_lines)},
            {"type": "tool_result", "tool_use_id": t2, "content": [{"type": "text", "text": test_output(2)}],
             "is_error": False}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Two cases fail, both with trailers. Let me find every place that handles the "
             "end of the chunked body."},
            {"type": "tool_use", "id": t3, "name": "Grep",
             "input": {"pattern": "CK_(TRAILER|END)_?\\w*", "path": "/home/dev/src/parser/src", "output_mode": "content",
                       "-n": True, "-C": 2}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": t3, "content": grep_output(40)}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Found it: after the last chunk the decoder expects CRLF at once and treats a "
             "trailer line as an error. I'll make it skip trailer field lines until the empty line."},
            {"type": "tool_use", "id": t4, "name": "Edit",
             "input": {"file_path": path,
                       "old_string": "\tcase CK_TRAILER:\n\t\tif (ch != '\\r')\n\t\t\tgoto bad;\n\t\tc->st = CK_END_LF;",
                       "new_string": "\tcase CK_TRAILER:\n\t\tif (ch == '\\r')\n\t\t\tc->st = CK_END_LF;\n\t\telse if (ch == '\\n')\n"
                                     "\t\t\tgoto bad;\n\t\telse\n\t\t\tc->st = CK_TRAILER_LINE;",
                       "replace_all": False}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": t4, "content": "The file %s has been updated. Here's the result of "
             "running `cat -n` on a snippet of the edited file:\n%s" % (path, c_source(24)), "is_error": False,
             "cache_control": EPH}]},
    ]


def metadata():
    return {"user_id": dump({"device_id": "%064x" % rng.getrandbits(256), "account_uuid": "",
                             "session_id": uuid4()})}


def anthropic_large(pad_lines, state):
    rng.setstate(state)  # same content whatever pad_lines is
    system = [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.330.%03x; cc_entrypoint=sdk-cli;" % rng.getrandbits(12)},
        {"type": "text", "text": "You are a Claude agent, built on Anthropic's Claude Agent SDK.", "cache_control": EPH},
        {"type": "text", "text": main_prompt(), "cache_control": EPH},
    ]
    tools = tools_large()
    meta = metadata()
    msgs = large_conversation(pad_lines)
    return {"model": MODEL, "messages": msgs, "system": system, "tools": tools, "metadata": meta,
            "max_tokens": 32000, "thinking": {"type": "adaptive", "display": "omitted"},
            "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
            "output_config": {"effort": "high"}, "stream": False}


def anthropic_small():
    tid = tool_id()
    return {
        "model": MODEL,
        "messages": [
            {"role": "user", "content": "What's the weather like in Lisbon right now? Answer in one sentence."},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Let me check the current conditions."},
                {"type": "tool_use", "id": tid, "name": "get_weather", "input": {"city": "Lisbon", "unit": "celsius"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": tid, "content": "{\"temp\":19,\"sky\":\"clear\",\"wind_kmh\":12}"}]},
        ],
        "system": "You are a concise assistant. Use tools when they help; never invent data.",
        "tools": [{"name": "get_weather", "description": "Get the current weather for a city.",
                   "input_schema": {"type": "object", "properties": {
                       "city": {"type": "string", "description": "City name"},
                       "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                       "required": ["city"], "additionalProperties": False}}],
        "metadata": {"user_id": "bench-user"},
        "max_tokens": 1024,
        "stream": False,
    }


# ---- OpenAI Chat: the same content -------------------------------------------

def blocks_text(content):
    if isinstance(content, str):
        return content
    return "\n\n".join(b["text"] for b in content if b.get("type") == "text")


def to_openai(a):
    msgs = []
    sys_text = a.get("system")
    if isinstance(sys_text, list):
        sys_text = "\n\n".join(b["text"] for b in sys_text
                               if not b["text"].startswith("x-anthropic-billing-header:"))
    if sys_text:
        msgs.append({"role": "system", "content": sys_text})
    for m in a["messages"]:
        c = m["content"]
        if m["role"] == "system":
            msgs.append({"role": "system", "content": blocks_text(c)})
        elif m["role"] == "assistant":
            blocks = [{"type": "text", "text": c}] if isinstance(c, str) else c
            o = {"role": "assistant", "content": blocks_text(blocks) or None}
            think = "\n\n".join(b["thinking"] for b in blocks if b["type"] == "thinking")
            if think:
                o["reasoning_content"] = think
            calls = [{"id": b["id"], "type": "function", "function": {"name": b["name"], "arguments": dump(b["input"])}}
                     for b in blocks if b["type"] == "tool_use"]
            if calls:
                o["tool_calls"] = calls
            msgs.append(o)
        else:
            if isinstance(c, str):
                msgs.append({"role": "user", "content": c})
                continue
            for b in c:
                if b["type"] == "tool_result":
                    msgs.append({"role": "tool", "tool_call_id": b["tool_use_id"], "content": blocks_text(b["content"])})
            parts = [{"type": "text", "text": b["text"]} for b in c if b["type"] == "text"]
            if parts:
                msgs.append({"role": "user", "content": parts if len(parts) > 1 else parts[0]["text"]})
    o = {"model": a["model"], "messages": msgs, "max_tokens": a["max_tokens"], "stream": False}
    tools = [{"type": "function", "function": {"name": t["name"], "description": t["description"],
                                               "parameters": t["input_schema"]}}
             for t in a.get("tools", []) if not t.get("defer_loading")]
    if tools:
        o["tools"] = tools
    effort = a.get("output_config", {}).get("effort")
    if effort:
        o["reasoning_effort"] = effort
    user = a.get("metadata", {}).get("user_id")
    if user:
        o["user"] = user
    return o


def streamed(body, openai):
    s = dict(body)
    s["stream"] = True
    if openai:
        # keep "stream_options" next to "stream", as the translator writes it
        out = {}
        for k, v in s.items():
            out[k] = v
            if k == "stream":
                out["stream_options"] = {"include_usage": True}
        s = out
    return s


def main():
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)

    small = anthropic_small()
    state = rng.getstate()
    # grow the Read result until the large request reaches the target size
    pad = 20
    large = anthropic_large(pad, state)
    while len(dump(large).encode()) < LARGE_TARGET:
        pad += 4
        large = anthropic_large(pad, state)

    bodies = {
        "small_anthropic": small,
        "large_anthropic": large,
        "small_openai": to_openai(small),
        "large_openai": to_openai(large),
    }
    for name in list(bodies):
        bodies[name + "_stream"] = streamed(bodies[name], name.endswith("openai"))
    for name in sorted(bodies):
        data = dump(bodies[name]).encode()
        path = os.path.join(outdir, name + ".json")
        with open(path, "wb") as f:
            f.write(data)
        print("%-28s %7d bytes" % (name + ".json", len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
