'use strict';
// A minimal chat server on the `ws` package: a peer that `natter bench` drives to compare
// natter against (see BENCHMARKS.md). It speaks the protocol in ../PROTOCOL.md, "ws" dialect:
// POST /login for a token, then a WebSocket at /ws?token=TOKEN carrying JSON text frames.
// Everything lives in memory; nothing is logged per connection or per message.
//
//   PORT=18100 node server.js        (or: ../start.sh ws 18100)

const crypto = require('node:crypto');
const http = require('node:http');
const { WebSocket, WebSocketServer } = require('ws');

const PORT = Number(process.env.PORT) || 18100;
const MAX_MESSAGE = 64 * 1024;

const tokens = new Map(); // token -> user name
const rooms = new Map(); // room name -> Set of sockets in it

// POST /login {"user":"NAME"} -> {"token":"TOKEN"}; anything else is a 404.
const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/login') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
    if (body.length > MAX_MESSAGE) req.destroy();
  });
  req.on('end', () => {
    let user;
    try {
      user = JSON.parse(body).user;
    } catch {}
    if (typeof user !== 'string' || user === '') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"body must be {\\"user\\":\\"NAME\\"}"}');
      return;
    }
    const token = crypto.randomBytes(16).toString('hex');
    tokens.set(token, user);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token }));
  });
});

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_MESSAGE });

// The token is checked before upgrading: an unknown one gets a plain HTTP 401.
server.on('upgrade', (req, socket, head) => {
  let url;
  try {
    url = new URL(req.url, 'http://localhost');
  } catch {}
  if (!url || url.pathname !== '/ws') {
    socket.write('HTTP/1.1 404 Not Found\r\n\r\n');
    socket.destroy();
    return;
  }
  const user = tokens.get(url.searchParams.get('token'));
  if (user === undefined) {
    socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, user));
});

function onConnection(ws, user) {
  const joined = new Set(); // the rooms this socket is in
  const reply = (obj) => ws.send(JSON.stringify(obj));

  ws.on('message', (data) => {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return reply({ type: 'error', message: 'not JSON' });
    }
    switch (msg !== null && typeof msg === 'object' ? msg.type : undefined) {
      case 'join': {
        if (typeof msg.room !== 'string') return reply({ type: 'error', message: 'join needs a room' });
        let members = rooms.get(msg.room);
        if (!members) rooms.set(msg.room, (members = new Set()));
        members.add(ws);
        joined.add(msg.room);
        return reply({ type: 'joined', room: msg.room });
      }
      case 'send': {
        if (typeof msg.id !== 'number' || typeof msg.room !== 'string' || typeof msg.body !== 'string') {
          return reply({ type: 'error', id: msg.id, message: 'send needs a room, a numeric id and a body' });
        }
        if (!joined.has(msg.room)) return reply({ type: 'error', id: msg.id, message: 'not in room' });
        // Serialized once, the same string written to every other member.
        const out = JSON.stringify({ type: 'message', room: msg.room, from: user, body: msg.body });
        for (const client of rooms.get(msg.room)) {
          if (client !== ws && client.readyState === WebSocket.OPEN) client.send(out);
        }
        return reply({ type: 'ack', id: msg.id });
      }
      case 'ping':
        return reply({ type: 'pong' });
      default:
        return reply({ type: 'error', message: 'unknown type' });
    }
  });

  ws.on('close', () => {
    for (const room of joined) {
      const members = rooms.get(room);
      members.delete(ws);
      if (members.size === 0) rooms.delete(room);
    }
  });
  // Too-large frames, protocol errors, resets: ws closes the socket; never crash over it.
  ws.on('error', () => {});

  reply({ type: 'ready', user });
}

server.listen(PORT, '127.0.0.1', () => console.error(`listening on ${PORT}`));
