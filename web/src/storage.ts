// What the web client keeps in the browser: settings and unsent drafts per browser
// (localStorage) and the outbox per tab (sessionStorage). Read state lives on the server.

import type { Id } from "./protocol";

export function load<T>(store: Storage, key: string, fallback: T): T {
  try {
    const raw = store.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function save(store: Storage, key: string, value: unknown) {
  try {
    store.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: read state and the outbox then last only for this page.
  }
}

/**
 * Settings are per browser (localStorage); read state lives on the server. The outbox is per
 * tab (sessionStorage): it survives a reload of the tab, and two tabs never overwrite each other's.
 */
export const keys = (userId: Id) => ({
  settings: `natter.settings.${userId}`,
  outbox: `natter.outbox.${userId}`,
  drafts: `natter.drafts.${userId}`,
});
