import type { ApiClient } from './api.ts';

/** What a screen gets from its <charter-app>: nothing global. */
export interface AppContext {
  api: ApiClient;
  apiBase: string;
  tenant: string;
  /** `YYYY-MM-DD`, or '' for today. */
  asOf: string;
  navigate(path: string): void;
  /** Fires a composed, bubbling CustomEvent on the <charter-app> element. */
  emit(name: string, detail: unknown): void;
  href(path: string): string;
  /** Switches the app to another tenant (after onboarding). */
  openTenant(slug: string): void;
  platformRoles: string[];
}

export const tenantPath = (ctx: AppContext, rest = '') => `/api/v1/tenants/${encodeURIComponent(ctx.tenant)}${rest}`;
