/**
 * Routes inside one <charter-app>. Paths are tenant-relative:
 * `/entities`, `/entities/{id}`, `/entities/{id}/{tab}`, `/new-entity`, `/onboard`.
 * `routing="host"` (default) keeps the route in memory and tells the host with
 * `charter:navigate`; `routing="history"` (standalone) also keeps it in the URL
 * fragment (`#/acme/entities/…`) so reloads and back/forward work while the
 * server serves only `/`.
 */
export type Route =
  | { name: 'entities' }
  | { name: 'entity'; id: string; tab: string }
  | { name: 'new-entity' }
  | { name: 'onboard' }
  | { name: 'tenants' }
  | { name: 'not-found'; path: string };

export const ENTITY_TABS = ['overview', 'history', 'officers', 'ownership', 'ledger', 'structure', 'audit'] as const;

export function parsePath(path: string): Route {
  const clean = path.split('?')[0].replace(/\/+$/, '') || '/';
  const parts = clean.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'entities')) return { name: 'entities' };
  if (parts[0] === 'entities' && parts.length <= 3) {
    const tab = parts[2] ?? 'overview';
    if ((ENTITY_TABS as readonly string[]).includes(tab)) return { name: 'entity', id: parts[1], tab };
  }
  if (parts.length === 1 && parts[0] === 'new-entity') return { name: 'new-entity' };
  if (parts.length === 1 && parts[0] === 'onboard') return { name: 'onboard' };
  if (parts.length === 1 && parts[0] === 'tenants') return { name: 'tenants' };
  return { name: 'not-found', path: clean };
}

export function formatRoute(route: Route): string {
  switch (route.name) {
    case 'entities':
      return '/entities';
    case 'entity':
      return `/entities/${encodeURIComponent(route.id)}${route.tab && route.tab !== 'overview' ? `/${route.tab}` : ''}`;
    case 'new-entity':
      return '/new-entity';
    case 'onboard':
      return '/onboard';
    case 'tenants':
      return '/tenants';
    case 'not-found':
      return route.path;
  }
}

/** `#/acme/entities/1` → { tenant: 'acme', path: '/entities/1' } */
export function parseFragment(hash: string): { tenant: string | null; path: string } {
  const h = hash.replace(/^#/, '');
  if (!h.startsWith('/')) return { tenant: null, path: '/entities' };
  const parts = h.split('/').filter(Boolean);
  if (parts.length === 0) return { tenant: null, path: '/entities' };
  if (['onboard', 'tenants'].includes(parts[0])) return { tenant: null, path: `/${parts.join('/')}` };
  const rest = parts.slice(1).join('/');
  return { tenant: decodeURIComponent(parts[0]), path: rest ? `/${rest}` : '/entities' };
}

export function formatFragment(tenant: string | null, path: string): string {
  if (!tenant || path === '/onboard' || path === '/tenants') return `#${path}`;
  return `#/${encodeURIComponent(tenant)}${path}`;
}
