// An OTLP/HTTP receiver on a loopback port that checks every POST against the official
// opentelemetry-proto definitions, as compiled to protobufjs code by the npm package
// @opentelemetry/otlp-transformer (build/src/generated/root.js).
//
// usage: node receiver.cjs ROOT_JS RESULTS_FILE [hang]
// Prints "PORT <n>" once listening. Appends one JSON line per request to RESULTS_FILE:
// {path, ok, errors[], spans, sessions[], attributes[], metrics[]}. With "hang" it accepts
// connections and never answers (a collector that is up but stuck).
'use strict';
const http = require('http');
const fs = require('fs');
const [rootJs, resultsFile, mode] = process.argv.slice(2);
const root = require(rootJs);
// The Long of the protobufjs runtime the generated code uses.
const Long = require(require.resolve('protobufjs/minimal', { paths: [rootJs] })).util.Long;
const v1 = root.opentelemetry.proto.collector;
const types = {
  '/v1/traces': v1.trace.v1.ExportTraceServiceRequest,
  '/v1/metrics': v1.metrics.v1.ExportMetricsServiceRequest,
};

// OTLP/JSON writes trace and span ids as hex (the protobuf JSON mapping would use base64);
// protobufjs' fromObject reads bytes as base64, so convert them and check their length.
function idsToBase64(value, errors, where) {
  if (Array.isArray(value)) return value.map((v, i) => idsToBase64(v, errors, `${where}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'traceId' || key === 'spanId' || key === 'parentSpanId') {
      const length = key === 'traceId' ? 32 : 16;
      if (typeof v !== 'string' || !new RegExp(`^[0-9a-f]{${length}}$`).test(v) || /^0+$/.test(v))
        errors.push(`${where}.${key}: expected ${length} lower-case hex digits, not all zero, got ${JSON.stringify(v)}`);
      out[key] = Buffer.from(String(v), 'hex').toString('base64');
    } else {
      out[key] = idsToBase64(v, errors, `${where}.${key}`);
    }
  }
  return out;
}

// The protobuf JSON mapping lets a 64-bit integer be a decimal string (OTLP/JSON writes
// them so); protobufjs' verify wants a number or Long. For each field verify names as
// wanting an integer|Long, decimal strings at that path become Longs, and verify runs
// again: only fields the proto declares 64-bit are converted, nothing else is relaxed.
function verifyJsonMapping(Type, object) {
  for (let attempt = 0; attempt < 64; ++attempt) {
    const problem = Type.verify(object);
    const m = /^([\w.]+): integer\|Long(\[\])? expected$/.exec(problem || '');
    if (!m) return problem;
    let converted = 0;
    const walk = (value, keys) => {
      if (Array.isArray(value)) return value.forEach((v) => walk(v, keys));
      if (value === null || typeof value !== 'object') return;
      const [key, ...rest] = keys;
      if (!(key in value)) return;
      if (rest.length) return walk(value[key], rest);
      const fix = (v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? (++converted, Long.fromString(v)) : v);
      value[key] = Array.isArray(value[key]) ? value[key].map(fix) : fix(value[key]);
    };
    walk(object, m[1].split('.'));
    if (!converted) return problem;
  }
  return 'verify: too many 64-bit fields to convert';
}

// Every key and value sent must survive fromObject -> encode -> decode -> toObject: an
// unknown or misspelt field is dropped by fromObject, a wrong type changes the value.
function compareSubset(sent, back, where, errors) {
  if (Long.isLong(sent)) sent = sent.toString();
  if (Array.isArray(sent)) {
    if (!Array.isArray(back) || back.length !== sent.length) return errors.push(`${where}: array lost or resized`);
    sent.forEach((v, i) => compareSubset(v, back[i], `${where}[${i}]`, errors));
  } else if (sent !== null && typeof sent === 'object') {
    if (back === null || typeof back !== 'object') return errors.push(`${where}: object lost`);
    for (const key of Object.keys(sent)) {
      if (!(key in back)) errors.push(`${where}.${key}: not a field of the message (dropped by the proto definition)`);
      else compareSubset(sent[key], back[key], `${where}.${key}`, errors);
    }
  } else if (String(sent) !== String(back) && !(typeof sent === 'number' && Number(back) === sent)) {
    errors.push(`${where}: sent ${JSON.stringify(sent)}, decoded ${JSON.stringify(back)}`);
  }
}

function check(path, body) {
  const result = { path, ok: false, errors: [], spans: 0, sessions: [], attributes: [], metrics: [] };
  const Type = types[path];
  if (!Type) { result.errors.push(`unexpected path ${path}`); return result; }
  let json;
  try { json = JSON.parse(body); } catch (e) { result.errors.push(`not JSON: ${e.message}`); return result; }
  const object = idsToBase64(json, result.errors, '$');
  const problem = verifyJsonMapping(Type, object);
  if (problem) result.errors.push(`verify: ${problem}`);
  const message = Type.fromObject(object);
  const decoded = Type.decode(Type.encode(message).finish());
  const back = Type.toObject(decoded, { longs: String, enums: Number, bytes: String, defaults: true });
  compareSubset(object, back, '$', result.errors);
  for (const rs of json.resourceSpans || [])
    for (const ss of rs.scopeSpans || [])
      for (const span of ss.spans || []) {
        result.spans++;
        for (const a of span.attributes || []) {
          if (!result.attributes.includes(a.key)) result.attributes.push(a.key);
          if (a.key === 'session.id') result.sessions.push(a.value.stringValue);
        }
      }
  for (const rm of json.resourceMetrics || [])
    for (const sm of rm.scopeMetrics || [])
      for (const m of sm.metrics || []) result.metrics.push(m.name);
  result.ok = result.errors.length === 0;
  return result;
}

const server = http.createServer((req, res) => {
  if (mode === 'hang') return;  // never answer
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    const result = check(req.url, body);
    if (req.method !== 'POST') result.errors.push(`method ${req.method}`), (result.ok = false);
    if (!/^application\/json/.test(req.headers['content-type'] || ''))
      result.errors.push(`content-type ${req.headers['content-type']}`), (result.ok = false);
    result.authorization = req.headers['authorization'] || '';
    fs.appendFileSync(resultsFile, JSON.stringify(result) + '\n');
    const answer = result.ok ? '{}' : JSON.stringify({ error: result.errors.slice(0, 5) });
    res.writeHead(result.ok ? 200 : 400, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
