#!/usr/bin/env python3
"""A fake model API on 127.0.0.1 for driving real agent CLIs offline.

One server speaks the three wire formats the CLIs use:
  Codex CLI   POST /v1/responses                         (Responses API, SSE)
  Gemini CLI  POST /v1beta/models/M:generateContent        (router classifier, JSON)
              POST /v1beta/models/M:streamGenerateContent  (turns, SSE with ?alt=sse)
  Claude Code POST /v1/messages                            (Messages API, SSE or JSON)

The scripted "model" asks for one shell tool call (the command given with --command)
until the conversation carries that call's result, then ends the turn with a text.
Deciding from the request, not from a counter, keeps retries and side requests
(titles, classifiers) harmless. Every request is appended to --log as one JSON line.

Usage: fake_model_api.py --command CMD --port-file F --log F
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

FINAL_TEXT = "fake-model: done"


def sse(event, payload):
    head = f"event: {event}\n" if event else ""
    return (head + "data: " + json.dumps(payload) + "\n\n").encode()


# ---- Codex CLI: the Responses API ------------------------------------------------------

def codex_has_tool_result(body):
    return any(isinstance(i, dict) and i.get("type") == "function_call_output"
               for i in body.get("input") or [])


def codex_stream(body, command):
    rid = "resp_fake"
    usage = {"input_tokens": 1, "input_tokens_details": None, "output_tokens": 1,
             "output_tokens_details": None, "total_tokens": 2}
    if codex_has_tool_result(body):
        item = {"type": "message", "role": "assistant", "id": "msg_fake",
                "content": [{"type": "output_text", "text": FINAL_TEXT}]}
    else:
        item = {"type": "function_call", "id": "fc_fake", "call_id": "call_fake",
                "name": "exec_command", "arguments": json.dumps({"cmd": command})}
    return b"".join([
        sse("response.created", {"type": "response.created", "response": {"id": rid}}),
        sse("response.output_item.done", {"type": "response.output_item.done", "item": item}),
        sse("response.completed", {"type": "response.completed",
                                   "response": {"id": rid, "usage": usage}}),
    ])


# ---- Gemini CLI: generateContent / streamGenerateContent -------------------------------

def gemini_has_tool_result(body):
    return any("functionResponse" in part
               for content in body.get("contents") or []
               for part in content.get("parts") or [])


def gemini_candidate(parts):
    return {"candidates": [{"content": {"role": "model", "parts": parts},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1,
                              "totalTokenCount": 2}}


def gemini_json_reply():
    # Non-streaming calls are the CLI's own classifiers: the model router wants
    # {complexity_reasoning, complexity_score}; other checks ask who speaks next.
    text = json.dumps({"complexity_reasoning": "a simple shell command", "complexity_score": 1,
                       "next_speaker": "user", "reasoning": "the turn is complete"})
    return json.dumps(gemini_candidate([{"text": text}])).encode()


def gemini_stream(body, command):
    if gemini_has_tool_result(body):
        parts = [{"text": FINAL_TEXT}]
    else:
        parts = [{"functionCall": {"name": "run_shell_command",
                                   "args": {"command": command, "description": "marker"}}}]
    return ("data: " + json.dumps(gemini_candidate(parts)) + "\r\n\r\n").encode()


# ---- Claude Code: the Messages API -----------------------------------------------------

def claude_has_tool_result(body):
    return any(isinstance(block, dict) and block.get("type") == "tool_result"
               for message in body.get("messages") or []
               if isinstance(message.get("content"), list)
               for block in message["content"])


def claude_wants_tool(body):
    names = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
    return "Bash" in names and not claude_has_tool_result(body)


def claude_message(body, command):
    usage = {"input_tokens": 1, "output_tokens": 1}
    base = {"id": "msg_fake", "type": "message", "role": "assistant",
            "model": body.get("model", "claude-fake"), "stop_sequence": None, "usage": usage}
    if claude_wants_tool(body):
        block = {"type": "tool_use", "id": "toolu_fake", "name": "Bash",
                 "input": {"command": command, "description": "marker"}}
        return dict(base, content=[block], stop_reason="tool_use")
    return dict(base, content=[{"type": "text", "text": FINAL_TEXT}], stop_reason="end_turn")


def claude_stream(message):
    start = dict(message, content=[], stop_reason=None)
    out = [sse("message_start", {"type": "message_start", "message": start})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            opening = dict(block, input={})
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            opening = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        out.append(sse("content_block_start", {"type": "content_block_start", "index": index,
                                               "content_block": opening}))
        out.append(sse("content_block_delta", {"type": "content_block_delta", "index": index,
                                               "delta": delta}))
        out.append(sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    out.append(sse("message_delta", {"type": "message_delta",
                                     "delta": {"stop_reason": message["stop_reason"],
                                               "stop_sequence": None},
                                     "usage": {"output_tokens": 1}}))
    out.append(sse("message_stop", {"type": "message_stop"}))
    return b"".join(out)


# ---- the server --------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    tool_command = ""
    log_path = ""
    log_lock = threading.Lock()

    def log_message(self, *_):
        pass

    def record(self, body, received, asked_tool, has_tool_result):
        entry = {"method": self.command, "path": self.path, "t_received": received,
                 "t_replied": time.time(), "asked_tool": asked_tool,
                 "has_tool_result": has_tool_result, "body": body}
        with self.log_lock, open(self.log_path, "a") as log:
            log.write(json.dumps(entry) + "\n")

    def reply(self, status, content_type, data):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.record(None, time.time(), False, False)
        self.reply(404, "application/json", b'{"error":{"message":"not here"}}')

    do_HEAD = do_GET

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unparsed": raw.decode("utf-8", "replace")}
        received = time.time()
        asked_tool, has_tool_result = self.route(urlparse(self.path).path, body)
        self.record(body, received, asked_tool, has_tool_result)

    def route(self, path, body):
        """Replies; returns (asked for the tool call, the request carried its result)."""
        if path.endswith("/responses"):
            done = codex_has_tool_result(body)
            self.reply(200, "text/event-stream", codex_stream(body, self.tool_command))
            return not done, done
        if path.endswith(":streamGenerateContent"):
            done = gemini_has_tool_result(body)
            self.reply(200, "text/event-stream", gemini_stream(body, self.tool_command))
            return not done, done
        if path.endswith(":generateContent"):
            self.reply(200, "application/json", gemini_json_reply())
            return False, False
        if path.endswith("/messages/count_tokens"):
            self.reply(200, "application/json", b'{"input_tokens":1}')
            return False, False
        if path.endswith("/messages"):
            message = claude_message(body, self.tool_command)
            if body.get("stream"):
                self.reply(200, "text/event-stream", claude_stream(message))
            else:
                self.reply(200, "application/json", json.dumps(message).encode())
            return message["stop_reason"] == "tool_use", claude_has_tool_result(body)
        self.reply(404, "application/json", b'{"error":{"message":"not here"}}')
        return False, False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--command", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    Handler.tool_command = args.command
    Handler.log_path = args.log
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
