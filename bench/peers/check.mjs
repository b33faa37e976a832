#!/usr/bin/env node
// Checks the Node.js peer chat servers end to end against PROTOCOL.md, over real WebSockets.
//
//   node bench/peers/check.mjs [--heartbeat] [ws] [socketio]      (both when none is named)
//
// --heartbeat also waits (about 25 s) for a Socket.IO server's Engine.IO ping, answers it with a
// pong, and checks that the connection is still served.
// Starts each server through start.sh on a free port (pinned with taskset when there is one),
// then drives it with plain `ws` clients. For Socket.IO it speaks the raw Engine.IO v4 /
// Socket.IO v5 text framing itself, as natter bench does, not socket.io-client. Every wait is
// bounded; it exits non-zero on the first failure, and ends the servers it started.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WAIT_MS = 5000; // for any one reply
const QUIET_MS = 300; // to be sure that nothing more arrives
const START_MS = 120000; // for npm ci and the server to come up
const TOTAL_MS = 300000;

const heartbeat = process.argv.includes('--heartbeat');
const names = process.argv.slice(2).filter((a) => a !== '--heartbeat');
for (const n of names) if (n !== 'ws' && n !== 'socketio') usage(n);
function usage(n) {
  console.error(`check.mjs: unknown argument '${n}'; usage: node check.mjs [--heartbeat] [ws] [socketio]`);
  process.exit(2);
}

// The client is the `ws` package that the ws peer installs.
const wsDir = path.join(HERE, 'ws');
if (!existsSync(path.join(wsDir, 'node_modules', 'ws'))) {
  const r = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: wsDir, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error('npm ci in bench/peers/ws failed');
}
const WebSocket = createRequire(path.join(wsDir, 'package.json'))('ws');

const servers = new Set();
const watchdog = setTimeout(() => fail(new Error(`did not finish within ${TOTAL_MS} ms`)), TOTAL_MS);
let passed = 0;

function fail(err) {
  console.error(`FAIL: ${err && err.stack ? err.stack : err}`);
  console.log(`${passed} passed, 1 failed`);
  for (const s of servers) s.kill('SIGKILL');
  process.exit(1);
}

function ok(what) {
  passed++;
  console.log(`ok - ${what}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function post(port, urlPath, body, method = 'POST') {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { method, body, signal: AbortSignal.timeout(WAIT_MS) });
  return { status: res.status, text: await res.text() };
}

// Starts start.sh NAME PORT and waits until POST /login answers.
async function startServer(name) {
  const port = await freePort();
  const script = path.join(HERE, 'start.sh');
  const pinned = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  const [cmd, args] = pinned ? ['taskset', ['-c', '0', script, name, String(port)]] : [script, [name, String(port)]];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.on('exit', (code, signal) => {
    if (servers.has(child)) fail(new Error(`${name} server exited (${code ?? signal}); stderr:\n${stderr}`));
  });
  const deadline = Date.now() + START_MS;
  for (;;) {
    try {
      if ((await post(port, '/login', '{"user":"probe"}')).status === 200) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${name} server did not answer on ${port}; stderr:\n${stderr}`);
    await sleep(100);
  }
  const stop = async () => {
    servers.delete(child);
    child.kill('SIGTERM');
    await withTimeout(new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r))), WAIT_MS, 'exit');
  };
  return { port, pid: child.pid, pinned, stop, output: () => ({ stdout, stderr }) };
}

// A WebSocket whose protocol objects are read one by one through next().
class Conn {
  constructor(url, dialect) {
    this.dialect = dialect;
    this.queue = [];
    this.waiters = [];
    this.closed = false;
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.on('message', (data, isBinary) => this.onText(isBinary ? null : data.toString()));
    this.ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
      this.push({ closed: code });
    });
    this.ws.on('error', (err) => (this.error = err));
    this.opened = withTimeout(
      new Promise((resolve, reject) => {
        this.ws.once('open', resolve);
        this.ws.once('unexpected-response', (req, res) => {
          req.destroy();
          reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
        });
        this.ws.once('error', reject);
      }),
      WAIT_MS,
      'the WebSocket to open',
    );
  }

  push(item) {
    const w = this.waiters.shift();
    if (w) w(item);
    else this.queue.push(item);
  }

  onText(text) {
    if (text === null) return this.push({ binary: true });
    if (this.dialect === 'ws') return this.push(JSON.parse(text));
    // Engine.IO packet types: 0 open, 2 ping, 3 pong, 4 message; inside 4, Socket.IO packet
    // types: 0 CONNECT, 2 EVENT, 4 CONNECT_ERROR (default namespace "/", so no "/nsp," part).
    if (text[0] === '0') return this.push({ eio: 'open', ...JSON.parse(text.slice(1)) });
    if (text === '2') {
      this.pings = (this.pings || 0) + 1;
      return this.ws.send('3');
    }
    if (text.startsWith('40')) return this.push({ sio: 'connect', ...JSON.parse(text.slice(2)) });
    if (text.startsWith('44')) return this.push({ sio: 'connect_error', ...JSON.parse(text.slice(2)) });
    if (text.startsWith('42')) {
      const args = JSON.parse(text.slice(2));
      assert.equal(args[0], 'frame', `event name in ${text}`);
      assert.equal(args.length, 2, `one argument in ${text}`);
      return this.push(args[1]);
    }
    this.push({ unexpected: text });
  }

  next(what = 'a frame') {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    return withTimeout(new Promise((r) => this.waiters.push(r)), WAIT_MS, what);
  }

  async expect(obj) {
    assert.deepEqual(await this.next(JSON.stringify(obj)), obj);
  }

  // Nothing more arrives within QUIET_MS.
  async quiet(who) {
    await sleep(QUIET_MS);
    assert.deepEqual(this.queue, [], `${who} got no more frames`);
  }

  send(obj) {
    this.ws.send(this.dialect === 'ws' ? JSON.stringify(obj) : `42${JSON.stringify(['frame', obj])}`);
  }

  sendRaw(text) {
    this.ws.send(text);
  }

  close() {
    this.ws.close();
  }
}

// Connects with TOKEN; for socketio also does the Engine.IO open and Socket.IO CONNECT.
// Returns the connection and the first thing that followed (ready, a refusal, ...).
async function connect(dialect, port, token) {
  if (dialect === 'ws') {
    const c = new Conn(`ws://127.0.0.1:${port}/ws?token=${encodeURIComponent(token)}`, 'ws');
    await c.opened;
    return c;
  }
  const c = new Conn(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, 'socketio');
  await c.opened;
  const open = await c.next('the Engine.IO open packet');
  assert.equal(open.eio, 'open', `Engine.IO open packet first, got ${JSON.stringify(open)}`);
  assert.equal(typeof open.sid, 'string');
  assert.deepEqual(open.upgrades, []);
  c.open = open;
  c.sendRaw(`40${JSON.stringify({ token })}`);
  return c;
}

async function login(port, user) {
  const res = await post(port, '/login', JSON.stringify({ user }));
  assert.equal(res.status, 200, `login ${user}`);
  const { token } = JSON.parse(res.text);
  assert.match(token, /^[0-9a-f]{32}$/);
  return token;
}

async function ready(dialect, port, user) {
  const c = await connect(dialect, port, await login(port, user));
  if (dialect === 'socketio') {
    const connected = await c.next('the Socket.IO CONNECT reply');
    assert.equal(connected.sio, 'connect', `40{...} after CONNECT, got ${JSON.stringify(connected)}`);
    assert.equal(typeof connected.sid, 'string');
  }
  await c.expect({ type: 'ready', user });
  return c;
}

async function checkPeer(dialect) {
  const t = `[${dialect}]`;
  const server = await startServer(dialect);
  const { port } = server;
  ok(`${t} start.sh brought the server up on 127.0.0.1:${port}`);

  // start.sh execs node: its pid is the server's, and a caller's taskset holds.
  assert.equal(readFileSync(`/proc/${server.pid}/comm`, 'utf8').trim(), 'node');
  if (server.pinned) assert.match(readFileSync(`/proc/${server.pid}/status`, 'utf8'), /^Cpus_allowed_list:\s*0$/m);
  ok(`${t} the pid of start.sh is node's${server.pinned ? ', pinned to cpu 0 by taskset' : ''}`);

  // Login.
  const t1 = await login(port, 'alice');
  const t2 = await login(port, 'alice');
  assert.notEqual(t1, t2);
  assert.equal((await post(port, '/login', 'not json')).status, 400);
  assert.equal((await post(port, '/login', '{"name":"x"}')).status, 400);
  assert.equal((await post(port, '/login', 'null')).status, 400);
  assert.equal((await post(port, '/login', undefined, 'GET')).status, 404);
  assert.equal((await post(port, '/elsewhere', '{"user":"x"}')).status, 404);
  ok(`${t} login gives a fresh 32-hex token; bad JSON or no user is 400; other requests 404`);

  // A bad token is refused.
  if (dialect === 'ws') {
    await assert.rejects(connect('ws', port, 'f'.repeat(32)), (e) => e.status === 401);
    ok(`${t} an unknown token is refused with HTTP 401 before the upgrade`);
  } else {
    const c = await connect('socketio', port, 'f'.repeat(32));
    assert.deepEqual(await c.next('the CONNECT_ERROR'), { sio: 'connect_error', message: 'unauthorized' });
    c.close();
    assert.equal(c.open.pingInterval, 25000);
    assert.equal(c.open.pingTimeout, 20000);
    assert.equal(c.open.maxPayload, 64 * 1024);
    ok(`${t} an unknown token gets 44{"message":"unauthorized"}; open packet has the default heartbeat and maxPayload 65536`);
  }

  // Ready first, then join.
  const [a, b, c, d] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((u) => ready(dialect, port, u)));
  ok(`${t} ready {"user":NAME} is the first frame on each connection`);
  for (const x of [a, b, c]) x.send({ type: 'join', room: 'r1' });
  d.send({ type: 'join', room: 'r2' });
  for (const x of [a, b, c]) await x.expect({ type: 'joined', room: 'r1' });
  await d.expect({ type: 'joined', room: 'r2' });
  ok(`${t} join -> joined`);

  // A send is acked to the sender and reaches each other member of the room once.
  a.send({ type: 'send', room: 'r1', id: 7, body: 'hello' });
  await a.expect({ type: 'ack', id: 7 });
  const hello = { type: 'message', room: 'r1', from: 'alice', body: 'hello' };
  await b.expect(hello);
  await c.expect(hello);
  await Promise.all([a.quiet('alice (the sender)'), b.quiet('bob'), c.quiet('carol'), d.quiet('dave (room r2)')]);
  ok(`${t} send -> ack {id} to the sender; message once to B and C in the room; none to D or back to A`);

  // Outside the room: an error, nothing sent.
  d.send({ type: 'send', room: 'r1', id: 8, body: 'intruder' });
  await d.expect({ type: 'error', id: 8, message: 'not in room' });
  await Promise.all([a.quiet('alice'), b.quiet('bob'), c.quiet('carol')]);
  ok(`${t} a send to a room not joined -> error "not in room" with the id, sent to nobody`);

  // Ping.
  b.send({ type: 'ping' });
  await b.expect({ type: 'pong' });
  ok(`${t} ping -> pong`);

  // Garbage and unknown types get an error; the connection goes on.
  if (dialect === 'ws') a.sendRaw('not json {');
  else a.send('not an object');
  const e1 = await a.next('an error for garbage');
  assert.equal(e1.type, 'error');
  assert.equal(typeof e1.message, 'string');
  a.send({ type: 'bogus' });
  const e2 = await a.next('an error for an unknown type');
  assert.equal(e2.type, 'error');
  assert.equal(typeof e2.message, 'string');
  a.send({ type: 'send', room: 'r1', body: 'no id' });
  assert.equal((await a.next('an error for a send without id')).type, 'error');
  a.send({ type: 'ping' });
  await a.expect({ type: 'pong' });
  ok(`${t} unparseable input and unknown types -> error, and the connection goes on`);

  // A closed member leaves the room; the others still get messages, once.
  b.close();
  await withTimeout(new Promise((r) => (b.closed ? r() : b.ws.once('close', r))), WAIT_MS, 'bob to close');
  await sleep(100);
  a.send({ type: 'send', room: 'r1', id: 9, body: 'bob left' });
  await a.expect({ type: 'ack', id: 9 });
  await c.expect({ type: 'message', room: 'r1', from: 'alice', body: 'bob left' });
  await Promise.all([a.quiet('alice'), c.quiet('carol'), d.quiet('dave')]);
  ok(`${t} after a member closes, sends still reach the rest once`);

  // Engine.IO heartbeat: the server pings every pingInterval (25 s); the client answers 3.
  if (heartbeat && dialect === 'socketio') {
    const waited = c.open.pingInterval + WAIT_MS;
    await withTimeout((async () => { while (!c.pings) await sleep(100); })(), waited, 'an Engine.IO ping');
    await sleep(500);
    c.send({ type: 'ping' });
    await c.expect({ type: 'pong' });
    ok(`${t} the server's Engine.IO ping (2) was answered with 3 and the connection goes on`);
  }

  // An oversized message closes that connection only; the server lives on.
  const big = 'x'.repeat(64 * 1024 + 100);
  d.send({ type: 'send', room: 'r2', id: 10, body: big });
  const end = await d.next('the oversized connection to close');
  assert.ok('closed' in end, `the oversized connection was closed, got ${JSON.stringify(end).slice(0, 100)}`);
  c.send({ type: 'ping' });
  await c.expect({ type: 'pong' });
  await login(port, 'erin');
  ok(`${t} a message over 64 KiB closes that connection (code ${end.closed}); the server goes on`);

  for (const x of [a, c]) x.close();
  const { stdout } = server.output();
  assert.equal(stdout, '', 'the server printed nothing on stdout');
  await server.stop();
  ok(`${t} nothing on stdout; the server stopped on SIGTERM`);
}

try {
  for (const name of names.length ? names : ['ws', 'socketio']) await checkPeer(name);
} catch (err) {
  fail(err);
}
clearTimeout(watchdog);
console.log(`${passed} passed, 0 failed`);
