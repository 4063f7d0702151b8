import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../src/api.ts';
import type { AppContext } from '../src/context.ts';
import { holderKey, searchHolders, shareholder } from '../src/holders.ts';

function ctxWith(fetchMock: (url: string) => unknown): { ctx: AppContext; urls: string[] } {
  const urls: string[] = [];
  const api = new ApiClient({
    base: 'https://charter.example',
    credentials: () => ({ token: 'chk_test', getToken: null }),
    onAuthRequired: () => undefined,
    fetch: (async (url: RequestInfo | URL) => {
      urls.push(String(url));
      return new Response(JSON.stringify(fetchMock(String(url))), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch,
  });
  const ctx = { api, apiBase: 'https://charter.example', tenant: 'acme', asOf: '' } as AppContext;
  return { ctx, urls };
}

describe('searching holders', () => {
  it('asks for entities and persons matching the query and lists entities first', async () => {
    const { ctx, urls } = ctxWith((url) => url.includes('/entities')
      ? { items: [{ id: 'e-1', legal_name: 'Example Parent Corp' }, { id: 'e-2', legal_name: null }] }
      : { items: [{ id: 'p-1', given_name: 'Lee', family_name: 'Chan' }] });
    expect(await searchHolders(ctx, '  ex ', 5)).toEqual([
      { holder: { entity_id: 'e-1' }, name: 'Example Parent Corp', kind: 'entity' },
      { holder: { entity_id: 'e-2' }, name: 'e-2', kind: 'entity' },
      { holder: { person_id: 'p-1' }, name: 'Lee Chan', kind: 'person' },
    ]);
    expect(urls.sort()).toEqual([
      'https://charter.example/api/v1/tenants/acme/entities?q=ex&limit=5',
      'https://charter.example/api/v1/tenants/acme/persons?q=ex&limit=5',
    ]);
  });
  it('asks nothing for a blank query', async () => {
    const fetchMock = vi.fn(() => ({ items: [] }));
    const { ctx, urls } = ctxWith(fetchMock);
    expect(await searchHolders(ctx, '   ')).toEqual([]);
    expect(urls).toEqual([]);
  });
});

describe('a holder as a transaction names it', () => {
  it('keeps exactly one id', () => {
    expect(shareholder({ joint_holding_id: 'j-1', joint_holders: [{ person_id: 'p-1' }] } as never)).toEqual({ joint_holding_id: 'j-1' });
    expect(shareholder({ entity_id: 'e-1' })).toEqual({ entity_id: 'e-1' });
    expect(shareholder({ person_id: 'p-1' })).toEqual({ person_id: 'p-1' });
  });
  it('compares holders by kind and id', () => {
    expect(holderKey({ person_id: 'x' })).not.toBe(holderKey({ entity_id: 'x' }));
    expect(holderKey({ joint_holding_id: 'j', joint_holders: [] } as never)).toBe('joint:j');
    expect(holderKey(null)).toBe('');
  });
});
