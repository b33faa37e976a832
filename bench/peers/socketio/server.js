'use strict';
// A minimal chat server on Socket.IO v4: a peer that `natter bench` drives to compare natter
// against (see BENCHMARKS.md). It speaks the protocol in ../PROTOCOL.md, "socketio" dialect:
// POST /login for a token, then Socket.IO at /socket.io/ with auth {"token":"TOKEN"}; every
// protocol object travels as the event "frame" with the object as its single argument.
// Everything lives in memory; nothing is logged per connection or per message.
//
//   PORT=18100 node server.js        (or: ../start.sh socketio 18100)

const crypto = require('node:crypto');
const http = require('node:http');
const { Server } = require('socket.io');

const PORT = Number(process.env.PORT) || 18100;
const MAX_MESSAGE = 64 * 1024;

const tokens = new Map(); // token -> user name

// POST /login {"user":"NAME"} -> {"token":"TOKEN"}; anything else is a 404.
// (Socket.IO answers the requests under /socket.io/ before this handler sees them.)
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

// Default transports, pingInterval and pingTimeout; no compression, no client bundle.
const io = new Server(server, {
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: MAX_MESSAGE,
});

// An unknown token fails the Socket.IO CONNECT: the client gets 44{"message":"unauthorized"}.
io.use((socket, next) => {
  const auth = socket.handshake.auth;
  const user = auth && typeof auth.token === 'string' ? tokens.get(auth.token) : undefined;
  if (user === undefined) return next(new Error('unauthorized'));
  socket.data.user = user;
  next();
});

io.on('connection', (socket) => {
  const user = socket.data.user;
  const reply = (obj) => socket.emit('frame', obj);

  socket.on('frame', (msg) => {
    switch (msg !== null && typeof msg === 'object' ? msg.type : undefined) {
      case 'join':
        if (typeof msg.room !== 'string') return reply({ type: 'error', message: 'join needs a room' });
        socket.join(msg.room);
        return reply({ type: 'joined', room: msg.room });
      case 'send':
        if (typeof msg.id !== 'number' || typeof msg.room !== 'string' || typeof msg.body !== 'string') {
          return reply({ type: 'error', id: msg.id, message: 'send needs a room, a numeric id and a body' });
        }
        // socket.rooms also holds the socket's own id, which is no chat room.
        if (msg.room === socket.id || !socket.rooms.has(msg.room)) {
          return reply({ type: 'error', id: msg.id, message: 'not in room' });
        }
        // Encoded once by the adapter and written to every other member of the room.
        socket.to(msg.room).emit('frame', { type: 'message', room: msg.room, from: user, body: msg.body });
        return reply({ type: 'ack', id: msg.id });
      case 'ping':
        return reply({ type: 'pong' });
      default:
        return reply({ type: 'error', message: 'unknown type' });
    }
  });

  reply({ type: 'ready', user });
});

server.listen(PORT, '127.0.0.1', () => console.error(`listening on ${PORT}`));
