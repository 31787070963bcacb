// The cost of one Claude Code hook as Claude Code pays it, three ways, interleaved and
// spaced 20 ms apart (docs/serve.md, "HTTP hooks"; run by bench/http_bench.sh):
//   spawn-bare : child_process.spawn of the bare hook with the event on stdin, to exit
//                (how Claude Code runs a command hook, without hookwarden);
//   spawn-run  : the same spawn of `hookwarden run -- HOOK` (a wrapped command hook);
//   http       : one POST of the event to `hookwarden serve --http` (an http hook
//                installed by `install --serve`), to the whole answer.
// usage: node http_bench.js PORT TOKEN HOOKWARDEN RUNS HOOK...
"use strict";
const http = require("http");
const { spawn } = require("child_process");

const [port, token, hookwarden, runsText, ...hook] = process.argv.slice(2);
const runs = Number(runsText);
const runOptions = (process.env.HW_RUN_OPTIONS || "").split(/\s+/).filter(Boolean);
const event = JSON.stringify({
  session_id: "bench", hook_event_name: "PreToolUse", tool_name: "Bash",
  tool_input: { command: "ls" }, cwd: "/tmp",
});
// A keep-alive agent as Claude Code's axios has; the daemon closes after each answer.
const agent = new http.Agent({ keepAlive: true });

function spawned(argv) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    child.stdout.resume();
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
    child.stdin.on("error", () => {});  // a hook that exits without reading its stdin
    child.stdin.end(event);
  });
}

function posted() {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.request({
      host: "127.0.0.1", port: Number(port), path: "/hook/bench", method: "POST", agent,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`,
                 "Content-Length": Buffer.byteLength(event) },
    }, (res) => {
      let body = "";
      res.on("data", (d) => { body += d; });
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}: ${body}`));
        else resolve(Number(process.hrtime.bigint() - start) / 1e6);
      });
    });
    req.on("error", reject);
    req.end(event);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), mean };
}

async function main() {
  const ways = {
    "spawn-bare": () => spawned(hook),
    "spawn-run": () => spawned([hookwarden, "run", "--name", "bench", ...runOptions, "--", ...hook]),
    http: posted,
  };
  const times = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  for (const name of Object.keys(ways)) await ways[name]();  // warm-up, not counted
  for (let i = 0; i < runs; i++) {
    // Interleaved, in a rotating order: drift of the machine hits every way alike.
    const names = Object.keys(ways);
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      times[name].push(await ways[name]());
      await sleep(20);
    }
  }
  const f = (x) => x.toFixed(2).padStart(7);
  console.log(`hook: ${hook.join(" ")}; ${runs} runs each, interleaved, spaced 20 ms (ms)`);
  console.log("way          p50     p90     p99    mean");
  for (const [name, values] of Object.entries(times)) {
    const s = summary(values);
    console.log(`${name.padEnd(10)} ${f(s.p50)} ${f(s.p90)} ${f(s.p99)} ${f(s.mean)}`);
  }
}

main().catch((e) => { console.error(e.message); process.exit(1); });
