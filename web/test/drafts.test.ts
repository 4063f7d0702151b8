import { describe, expect, it } from 'vitest';
import { DraftStore, draftKey, type KeyValueStorage } from '../src/drafts.ts';

class MemoryStorage implements KeyValueStorage {
  map = new Map<string, string>();
  getItem(k: string) { return this.map.get(k) ?? null; }
  setItem(k: string, v: string) { this.map.set(k, v); }
  removeItem(k: string) { this.map.delete(k); }
}

describe('wizard drafts', () => {
  it('survive a reload (a new store over the same storage)', () => {
    const storage = new MemoryStorage();
    new DraftStore<{ step: number; name: string }>(storage, 'https://a.example', 'acme', 'add-entity').save({ step: 2, name: 'Example Holdings Inc.' });
    const again = new DraftStore<{ step: number; name: string }>(storage, 'https://a.example', 'acme', 'add-entity');
    expect(again.load()).toEqual({ step: 2, name: 'Example Holdings Inc.' });
  });
  it('are keyed by api-base, tenant and wizard', () => {
    const storage = new MemoryStorage();
    new DraftStore(storage, 'https://a.example', 'acme', 'add-entity').save({ step: 1 });
    expect(new DraftStore(storage, 'https://a.example', 'globex', 'add-entity').load()).toBeNull();
    expect(new DraftStore(storage, 'https://b.example', 'acme', 'add-entity').load()).toBeNull();
    expect(new DraftStore(storage, 'https://a.example', 'acme', 'client-onboarding').load()).toBeNull();
    expect(draftKey('https://a.example', 'acme', 'add-entity')).toBe('charter:draft:https://a.example|acme|add-entity');
  });
  it('clear, and ignore garbage', () => {
    const storage = new MemoryStorage();
    const store = new DraftStore(storage, 'x', 'acme', 'w');
    store.save({ step: 1 });
    store.clear();
    expect(store.load()).toBeNull();
    storage.setItem(store.key, '{not json');
    expect(store.load()).toBeNull();
    storage.setItem(store.key, JSON.stringify({ v: 99, data: {} }));
    expect(store.load()).toBeNull();
  });
  it('work without storage', () => {
    const store = new DraftStore(null, 'x', 'acme', 'w');
    store.save({ step: 1 });
    expect(store.load()).toBeNull();
  });
});
