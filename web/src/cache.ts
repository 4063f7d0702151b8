/**
 * The only state shared between <charter-app> instances: read caches keyed
 * by api-base + tenant (+ request), so two instances for different tenants or
 * servers never see each other's data.
 */
const entries = new Map<string, { at: number; value: Promise<unknown> }>();
const TTL_MS = 60_000;

export function cached<T>(apiBase: string, tenant: string, key: string, load: () => Promise<T>): Promise<T> {
  const k = `${apiBase}|${tenant}|${key}`;
  const hit = entries.get(k);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value as Promise<T>;
  const value = load();
  entries.set(k, { at: Date.now(), value });
  value.catch(() => entries.delete(k));
  return value;
}

export function invalidate(apiBase: string, tenant: string): void {
  const prefix = `${apiBase}|${tenant}|`;
  for (const k of entries.keys()) if (k.startsWith(prefix)) entries.delete(k);
}
