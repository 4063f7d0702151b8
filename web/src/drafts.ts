/** Wizard drafts that survive a reload: localStorage keyed by api-base + tenant + wizard. */

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function draftKey(apiBase: string, tenant: string, wizard: string): string {
  return `charter:draft:${apiBase}|${tenant}|${wizard}`;
}

export class DraftStore<T extends object> {
  readonly key: string;
  constructor(
    private readonly storage: KeyValueStorage | null,
    apiBase: string,
    tenant: string,
    wizard: string,
  ) {
    this.key = draftKey(apiBase, tenant, wizard);
  }

  load(): T | null {
    if (!this.storage) return null;
    try {
      const raw = this.storage.getItem(this.key);
      if (!raw) return null;
      const parsed = JSON.parse(raw) as { v?: number; data?: T };
      return parsed && parsed.v === 1 && parsed.data && typeof parsed.data === 'object' ? parsed.data : null;
    } catch {
      return null;
    }
  }

  save(data: T): void {
    if (!this.storage) return;
    try {
      this.storage.setItem(this.key, JSON.stringify({ v: 1, savedAt: new Date().toISOString(), data }));
    } catch {
      // storage full or denied: the draft lives on in memory
    }
  }

  clear(): void {
    try {
      this.storage?.removeItem(this.key);
    } catch {
      // ignore
    }
  }
}

/** localStorage when the page may use it, else null (private mode, sandboxed iframes). */
export function browserStorage(kind: 'local' | 'session' = 'local'): KeyValueStorage | null {
  try {
    const s = kind === 'local' ? globalThis.localStorage : globalThis.sessionStorage;
    return s ?? null;
  } catch {
    return null;
  }
}
