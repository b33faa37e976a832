// Addresses: a room is `/r/ROOM`, a message `/r/ROOM/SEQ` (the room's id and the message's place
// in it). The location bar follows the open room, so reload and Back work and a message's link
// can be shared; the server answers every such path with this client (docs/protocol.md).

export interface Address {
  roomId: string;
  seq?: number;
}

const ADDRESS = /^\/r\/([1-9]\d{0,17})(?:\/([1-9]\d{0,14}))?\/?$/;

/** The room (and message) a path names, or null for any other path. */
export function parseAddress(path: string): Address | null {
  const m = ADDRESS.exec(path);
  if (!m) return null;
  return m[2] === undefined ? { roomId: m[1] } : { roomId: m[1], seq: Number(m[2]) };
}

/** The path of a room, or of one of its messages. */
export function addressOf(roomId: string, seq?: number): string {
  return seq === undefined ? `/r/${roomId}` : `/r/${roomId}/${seq}`;
}

/** A message's link, whole, for copying. */
export function linkTo(roomId: string, seq: number): string {
  return `${location.origin}${addressOf(roomId, seq)}`;
}
