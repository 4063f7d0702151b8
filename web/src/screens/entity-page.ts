import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import { base } from '../styles.ts';
import { strings } from '../strings.ts';
import { tenantPath, type AppContext } from '../context.ts';
import { define } from '../define.ts';
import { cached } from '../cache.ts';
import { describeError, emptyState, errorState, loadingState, type Load } from '../ui.ts';
import { ApiProblem, randomKey } from '../api.ts';
import { ENTITY_TABS } from '../router.ts';
import { ledgerRows, reasonProblem, reasonRefused, refusalMessages, REASON_MAX, type LedgerRow } from '../ledger.ts';
import { emptyRecordDraft, localToday, type RecordDraft } from '../record-transaction.ts';
import { authorisedCell, emptyClassDraft, type ClassDraft } from '../share-class.ts';
import { emptyAuthorisedDraft, type AuthorisedDraft } from '../authorised-capital.ts';
import { downloadName, howHeld, percent, thresholdText, type DownloadKind } from '../ownership.ts';
import { saveBlob } from '../download.ts';
import type { RecordTransaction } from './record-transaction.ts';
import type { AddShareClass } from './add-share-class.ts';
import type { ChangeAuthorised } from './change-authorised.ts';
import type {
  Address, Appointment, AuditEvent, BeneficialOwners, Entity, History, Holder, Page, Person, RegisterLine, Role, ShareClass, ShareTransaction,
} from '../types.ts';

const TAB_LABEL: Record<string, string> = {
  overview: strings.tabOverview,
  history: strings.tabHistory,
  officers: strings.tabOfficers,
  ownership: strings.tabOwnership,
  ledger: strings.tabLedger,
  structure: strings.tabStructure,
  audit: strings.tabAudit,
};

export interface TimelineItem {
  fact: string;
  value: string;
  from: string;
  to: string | null;
}

export function timeline(history: History): TimelineItem[] {
  const items: TimelineItem[] = [];
  for (const [fact, versions] of Object.entries(history.facts)) {
    for (const v of versions) {
      items.push({ fact, value: typeof v.value === 'string' ? v.value : JSON.stringify(v.value), from: v.valid_from, to: v.valid_to });
    }
  }
  return items.sort((a, b) => a.from.localeCompare(b.from) || a.fact.localeCompare(b.fact));
}

/** The reversal form of one ledger transaction, open under its row. */
interface ReversalForm {
  id: string;
  /** `Idempotency-Key`: one per opening, so a double submit reverses once. */
  key: string;
  reason: string;
  busy: boolean;
  errors: string[];
  reasonInvalid: boolean;
}

/** A download in progress, or failed (shown next to its button). */
interface DownloadState {
  kind: DownloadKind;
  busy: boolean;
  error: unknown;
}

function address(a: Address | null | undefined): string {
  if (!a) return strings.noValue;
  return [...a.lines, a.city, a.region, a.postal_code, a.country].filter(Boolean).join(', ');
}

export class EntityPage extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    entityId: { attribute: false },
    tab: { attribute: false },
    entity: { state: true },
    tabData: { state: true },
    reversal: { state: true },
    recording: { state: true },
    recorder: { state: true },
    classes: { state: true },
    classDraft: { state: true },
    classForm: { state: true },
    authorising: { state: true },
    authoriser: { state: true },
    owners: { state: true },
    download: { state: true },
    announcement: { state: true },
  };
  static override styles = [
    base,
    css`
      nav.tabs ul { display: flex; gap: 0.25em; flex-wrap: wrap; list-style: none; padding: 0; margin: 0 0 1em; border-bottom: 1px solid var(--charter-border-soft, #dde3e9); }
      nav.tabs a { display: inline-block; padding: 0.4em 0.8em; text-decoration: none; border-radius: var(--charter-radius, 6px) var(--charter-radius, 6px) 0 0; }
      nav.tabs a[aria-current='page'] { background: var(--charter-surface, #f4f6f8); font-weight: 700; border: 1px solid var(--charter-border-soft, #dde3e9); border-bottom: none; }
      ol.timeline { list-style: none; margin: 0; padding: 0 0 0 1em; border-left: 3px solid var(--charter-accent, #0b5cad); }
      ol.timeline li { margin: 0 0 0.8em; position: relative; }
      ol.timeline li::before { content: ''; position: absolute; left: -1.45em; top: 0.35em; width: 0.7em; height: 0.7em; border-radius: 50%; background: var(--charter-accent, #0b5cad); }
      .when { font-size: 0.9em; color: var(--charter-muted, #4d5965); }
      .crumbs { margin: 0 0 0.5em; }
      tr.reversed td { color: var(--charter-muted, #4d5965); }
      tr.reversed s { text-decoration-thickness: 1px; }
      td.num { white-space: nowrap; }
      td > button[data-reverse], td > button[data-authorise] { padding: 0.1em 0.6em; }
      tr.reverse-form td { background: var(--charter-surface, #f4f6f8); }
      tr.reverse-form fieldset { border: none; margin: 0; padding: 0; }
      tr.reverse-form legend { font-weight: 700; padding: 0; margin: 0 0 0.5em; }
      tr.reverse-form textarea { width: 100%; min-height: 4em; }
      tr.reverse-form .alert { margin: 0 0 0.8em; }
      tr.reverse-form .alert ul { margin: 0.2em 0 0; padding-left: 1.2em; }
      .ledger-actions, .tab-actions { display: flex; gap: 0.75em; flex-wrap: wrap; align-items: center; margin: 0 0 0.8em; }
      .download-error { margin: -0.4em 0 0.8em; }
      .live { margin: 0 0 0.8em; }
      .live:empty { margin: 0; }
      .section-head { display: flex; gap: 0.5em 1em; flex-wrap: wrap; align-items: center; margin: 0 0 0.6em; }
      .section-head h2 { margin: 0; }
      section.classes { margin: 0 0 1.6em; }
      section.owners { margin: 1.8em 0 0; }
      section.owners .tab-actions { margin-top: 0.8em; }
      table.compact { width: auto; min-width: min(100%, 44em); font-size: 0.93em; }
      table.compact th, table.compact td { padding: 0.3em 0.7em; }
      .classes-empty { margin: 0 0 0.6em; }
      #authorised-panel { margin: 0.8em 0 0; }
    `,
  ];
  declare ctx: AppContext;
  declare entityId: string;
  declare tab: string;
  declare entity: Load<Entity>;
  declare tabData: Load<unknown>;
  declare reversal: ReversalForm | null;
  /** The "Record transaction…" form's draft while it is open (kept here, so a reload of the page loses nothing typed). */
  declare recording: RecordDraft | null;
  /** The form's module, loaded on demand. */
  declare recorder: Load<null>;
  /** The ledger tab's share classes. */
  declare classes: Load<ShareClass[]>;
  /** The "Add share class…" form's draft while it is open. */
  declare classDraft: ClassDraft | null;
  /** That form's module, loaded on demand. */
  declare classForm: Load<null>;
  /** The "Change authorised…" form's draft (for one class) while it is open. */
  declare authorising: AuthorisedDraft | null;
  /** That form's module, loaded on demand. */
  declare authoriser: Load<null>;
  /** The class the "Change authorised…" form was opened for, as it was then (the list may be reloading). */
  private authorisingClass: ShareClass | null = null;
  /** The ownership tab's beneficial owners at the as-of date. */
  declare owners: Load<BeneficialOwners>;
  declare download: DownloadState | null;
  declare announcement: string;
  private seq = 0;
  private tabSeq = 0;
  private classesSeq = 0;
  private ownersSeq = 0;

  constructor() {
    super();
    this.entity = { state: 'idle' };
    this.tabData = { state: 'idle' };
    this.tab = 'overview';
    this.reversal = null;
    this.recording = null;
    this.recorder = { state: 'idle' };
    this.classes = { state: 'idle' };
    this.classDraft = null;
    this.classForm = { state: 'idle' };
    this.authorising = null;
    this.authoriser = { state: 'idle' };
    this.owners = { state: 'idle' };
    this.download = null;
    this.announcement = '';
  }

  protected override willUpdate(changed: PropertyValues): void {
    const prev = changed.get('ctx') as AppContext | undefined;
    const ctxChanged = changed.has('ctx') && (!prev || prev.asOf !== this.ctx.asOf || prev.tenant !== this.ctx.tenant || prev.api !== this.ctx.api);
    if (ctxChanged || changed.has('entityId')) void this.loadEntity();
    if (ctxChanged || changed.has('entityId') || changed.has('tab')) {
      if (changed.has('entityId') || changed.has('tab')) {
        this.reversal = null;
        this.recording = null;
        this.classDraft = null;
        this.authorising = null;
        this.download = null;
      }
      // what was announced (or failed to download) was about the page as it was
      if (!this.download?.busy) this.download = null;
      this.announcement = '';
      void this.loadTab();
      this.loadSections();
    }
  }

  /** What a tab shows beside its main data: the ledger's share classes, the ownership tab's beneficial owners. */
  private loadSections(): void {
    if (this.tab === 'ledger') void this.loadClasses();
    else {
      this.classesSeq++;
      this.classes = { state: 'idle' };
    }
    if (this.tab === 'ownership') void this.loadOwners();
    else {
      this.ownersSeq++;
      this.owners = { state: 'idle' };
    }
  }

  /** `quiet`: keep showing the current classes until the new list is in (a reload after a write). */
  private async loadClasses(quiet = false): Promise<void> {
    const seq = ++this.classesSeq;
    if (!quiet || this.classes.state !== 'ok') this.classes = { state: 'loading' };
    try {
      const value = await this.ctx.api.get<ShareClass[]>(tenantPath(this.ctx, `/entities/${this.entityId}/share-classes`));
      if (seq === this.classesSeq) this.classes = { state: 'ok', value: Array.isArray(value) ? value : [] };
    } catch (error) {
      if (seq === this.classesSeq) this.classes = { state: 'error', error };
    }
  }

  private async loadOwners(): Promise<void> {
    const seq = ++this.ownersSeq;
    this.owners = { state: 'loading' };
    try {
      const value = await this.ctx.api.get<BeneficialOwners>(tenantPath(this.ctx, `/entities/${this.entityId}/beneficial-owners`), { as_of: this.ctx.asOf });
      // the API names each person; look up the odd one it could not
      const items = await Promise.all(value.items.map(async (o) => (o.name ? o : { ...o, name: await this.personName(o.person_id).catch(() => null) })));
      if (seq === this.ownersSeq) this.owners = { state: 'ok', value: { ...value, items } };
    } catch (error) {
      if (seq === this.ownersSeq) this.owners = { state: 'error', error };
    }
  }

  private async loadEntity(): Promise<void> {
    const seq = ++this.seq;
    this.entity = { state: 'loading' };
    try {
      const value = await this.ctx.api.get<Entity>(tenantPath(this.ctx, `/entities/${this.entityId}`), { as_of: this.ctx.asOf });
      if (seq === this.seq) this.entity = { state: 'ok', value };
    } catch (error) {
      if (seq === this.seq) this.entity = { state: 'error', error };
    }
  }

  private async personName(id: string): Promise<string> {
    const p = await cached(this.ctx.apiBase, this.ctx.tenant, `person:${id}`, () =>
      this.ctx.api.get<Person>(tenantPath(this.ctx, `/persons/${id}`)),
    );
    return `${p.given_name} ${p.family_name}`;
  }

  private async entityName(id: string): Promise<string> {
    const e = await this.ctx.api.get<Entity>(tenantPath(this.ctx, `/entities/${id}`), { as_of: this.ctx.asOf });
    return e.legal_name ?? id;
  }

  private async fetchTab(): Promise<unknown> {
    const id = this.entityId;
    const asOf = this.ctx.asOf;
    switch (this.tab) {
      case 'history':
        return this.ctx.api.get<History>(tenantPath(this.ctx, `/entities/${id}/history`));
      case 'officers': {
        const [page, roles] = await Promise.all([
          this.ctx.api.get<Page<Appointment>>(tenantPath(this.ctx, '/appointments'), { entity_id: id, as_of: asOf, limit: 200 }),
          cached(this.ctx.apiBase, this.ctx.tenant, 'roles', () => this.ctx.api.get<{ items: Role[] }>(tenantPath(this.ctx, '/appointment-roles'))),
        ]);
        const names = await Promise.all(
          page.items.map((a) =>
            (a.holder.person_id ? this.personName(a.holder.person_id) : a.holder.entity_id ? this.entityName(a.holder.entity_id) : Promise.resolve('')).catch(() => ''),
          ),
        );
        const roleLabel = new Map(roles.items.map((r) => [r.key, r.label]));
        return page.items.map((a, i) => ({ ...a, name: names[i], roleLabel: roleLabel.get(a.role) ?? a.role }));
      }
      case 'ownership':
        return this.ctx.api.get<{ items: RegisterLine[] }>(tenantPath(this.ctx, `/entities/${id}/register`), { as_of: asOf });
      case 'ledger':
        return this.ctx.api.get<ShareTransaction[]>(tenantPath(this.ctx, `/entities/${id}/share-transactions`));
      case 'audit':
        return this.ctx.api.get<Page<AuditEvent>>(tenantPath(this.ctx, '/audit-events'), { entity_id: id, order: 'newest', limit: 200 });
      case 'structure':
        await import('../chart/structure-chart.ts');
        return null;
      default:
        return null;
    }
  }

  /** `quiet`: keep showing the current data until the new data is in (a reload after a write). */
  private async loadTab(quiet = false): Promise<void> {
    const seq = ++this.tabSeq;
    if (this.tab === 'overview') {
      this.tabData = { state: 'ok', value: null };
      return;
    }
    if (!quiet || this.tabData.state !== 'ok') this.tabData = { state: 'loading' };
    try {
      const value = await this.fetchTab();
      if (seq === this.tabSeq) this.tabData = { state: 'ok', value };
    } catch (error) {
      if (seq === this.tabSeq) this.tabData = { state: 'error', error };
    }
  }

  private holderCell(holder: Holder | null, name: string | null | undefined) {
    if (!holder) return strings.noValue;
    const id = holder.person_id ?? holder.entity_id ?? holder.joint_holding_id ?? '';
    if (holder.entity_id) {
      const path = `/entities/${holder.entity_id}`;
      return html`<a href=${this.ctx.href(path)} @click=${(ev: Event) => { ev.preventDefault(); this.ctx.navigate(path); }}>${name ?? id}</a>`;
    }
    return name ?? id;
  }

  private async focusIn(selector: string): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus();
  }

  private openReversal(id: string): void {
    this.announcement = '';
    this.reversal = { id, key: randomKey(), reason: '', busy: false, errors: [], reasonInvalid: false };
    void this.focusIn('#reverse-reason');
  }

  private cancelReversal(): void {
    const id = this.reversal?.id;
    this.reversal = null;
    if (id) void this.focusIn(`button[data-reverse="${id}"]`);
  }

  private async submitReversal(ev: Event): Promise<void> {
    ev.preventDefault();
    const form = this.reversal;
    if (!form || form.busy) return;
    const invalid = reasonProblem(form.reason);
    if (invalid) {
      this.reversal = { ...form, errors: [invalid], reasonInvalid: true };
      void this.focusIn('#reverse-reason');
      return;
    }
    this.reversal = { ...form, busy: true, errors: [], reasonInvalid: false };
    const entityId = this.entityId;
    try {
      await this.ctx.api.post<ShareTransaction>(
        tenantPath(this.ctx, `/share-transactions/${form.id}/reversal`),
        { reason: form.reason.trim() },
        { 'Idempotency-Key': form.key },
      );
    } catch (error) {
      if (this.reversal?.key === form.key) {
        this.reversal = { ...this.reversal, busy: false, errors: refusalMessages(error, describeError), reasonInvalid: reasonRefused(error) };
        void this.focusIn('#reverse-reason');
      }
      return;
    }
    if (this.reversal?.key === form.key) this.reversal = null;
    if (this.entityId !== entityId || this.tab !== 'ledger') return;
    this.announcement = strings.ledgerReversedDone;
    await this.loadTab(true);
    void this.focusIn(`[data-status-for="${form.id}"]`);
  }

  /** Loads a form's module once (its state shows the panel's loading or error view); whether it is there. */
  private async loadForm(which: 'recorder' | 'classForm' | 'authoriser', load: () => Promise<unknown>): Promise<boolean> {
    if (this[which].state === 'ok') return true;
    this[which] = { state: 'loading' };
    try {
      await load();
      this[which] = { state: 'ok', value: null };
      return true;
    } catch (error) {
      this[which] = { state: 'error', error };
      return false;
    }
  }

  private async openRecording(): Promise<void> {
    this.announcement = '';
    const draft = emptyRecordDraft(randomKey(), localToday());
    this.recording = draft;
    if (!(await this.loadForm('recorder', () => import('./record-transaction.ts')))) return;
    await this.updateComplete;
    const form = this.renderRoot.querySelector<RecordTransaction>('charter-record-transaction');
    await form?.ready;
    if (this.recording?.key === draft.key) form?.focusFirst();
  }

  private closeRecording(): void {
    this.recording = null;
    void this.focusIn('#record-open');
  }

  private changeRecording(key: string, change: (d: RecordDraft) => RecordDraft): void {
    if (this.recording?.key === key) this.recording = change(this.recording);
  }

  private async recorded(key: string): Promise<void> {
    if (this.recording?.key !== key) return;
    this.recording = null;
    if (this.tab !== 'ledger') return;
    this.announcement = strings.ledgerRecordedDone;
    void this.focusIn('#record-open');
    await this.loadTab(true);
  }

  /** Opens "Add share class…" (or, open already, moves the focus into it). */
  private async openClassForm(): Promise<void> {
    this.announcement = '';
    const draft = this.classDraft ?? emptyClassDraft(randomKey(), localToday());
    this.classDraft = draft;
    if (!(await this.loadForm('classForm', () => import('./add-share-class.ts')))) return;
    await this.updateComplete;
    const form = this.renderRoot.querySelector<AddShareClass>('charter-add-share-class');
    await form?.updateComplete;
    if (this.classDraft?.key === draft.key) form?.focusFirst();
  }

  private closeClassForm(): void {
    this.classDraft = null;
    void this.focusIn('#class-open');
  }

  private changeClass(key: string, change: (d: ClassDraft) => ClassDraft): void {
    if (this.classDraft?.key === key) this.classDraft = change(this.classDraft);
  }

  /** Added (201): the classes and the ledger reload quietly; an open "Record transaction…" form then offers the class. */
  private async classAdded(key: string): Promise<void> {
    if (this.classDraft?.key !== key) return;
    this.classDraft = null;
    if (this.tab !== 'ledger') return;
    this.announcement = strings.classAddedDone;
    void this.focusIn('#class-open');
    await Promise.all([this.loadClasses(true), this.loadTab(true)]);
  }

  /** Opens "Change authorised…" for a class under the table (or, open already for it, moves the focus into it). */
  private async openAuthorised(cls: ShareClass): Promise<void> {
    this.announcement = '';
    const draft = this.authorising?.classId === cls.id ? this.authorising : emptyAuthorisedDraft(randomKey(), cls.id, localToday());
    this.authorisingClass = cls;
    this.authorising = draft;
    if (!(await this.loadForm('authoriser', () => import('./change-authorised.ts')))) return;
    await this.updateComplete;
    const form = this.renderRoot.querySelector<ChangeAuthorised>('charter-change-authorised');
    await form?.updateComplete;
    if (this.authorising?.key === draft.key) form?.focusFirst();
  }

  private closeAuthorised(): void {
    const id = this.authorising?.classId;
    this.authorising = null;
    if (id) void this.focusIn(`button[data-authorise="${id}"]`);
  }

  private changeAuthorised(key: string, change: (d: AuthorisedDraft) => AuthorisedDraft): void {
    if (this.authorising?.key === key) this.authorising = change(this.authorising);
  }

  /** Changed (200): the class as the API now has it at once, then the classes and the ledger reload quietly. */
  private async authorisedChanged(key: string, changed: ShareClass): Promise<void> {
    if (this.authorising?.key !== key) return;
    const id = this.authorising.classId;
    this.authorising = null;
    if (this.tab !== 'ledger') return;
    if (this.classes.state === 'ok' && changed?.id === id) {
      this.classes = { state: 'ok', value: this.classes.value.map((k) => (k.id === id ? { ...k, ...changed } : k)) };
    }
    this.announcement = strings.authorisedChangedDone;
    void this.focusIn(`button[data-authorise="${id}"]`);
    await Promise.all([this.loadClasses(true), this.loadTab(true)]);
  }

  /** Fetches an export with the app's credentials (a plain link would carry no bearer token) and saves it. */
  private async downloadFile(kind: DownloadKind): Promise<void> {
    if (this.download?.busy) return;
    const entityId = this.entityId;
    const tab = this.tab;
    const entity = this.entity.state === 'ok' ? this.entity.value : null;
    // the as-of date the export is for, in its name and in the request alike
    const date = kind === 'ledger' ? localToday() : this.ctx.asOf || entity?.as_of || localToday();
    const file = downloadName(kind, entity?.legal_name ?? entityId, date);
    const [path, query, accept] =
      kind === 'bods' ? [`/entities/${entityId}/beneficial-owners/bods`, { as_of: date }, 'application/json']
      : kind === 'register' ? [`/entities/${entityId}/register.csv`, { as_of: date }, 'text/csv']
      : [`/entities/${entityId}/share-transactions.csv`, undefined, 'text/csv'];
    this.announcement = '';
    this.download = { kind, busy: true, error: null };
    try {
      const blob = await this.ctx.api.getBlob(tenantPath(this.ctx, path), query, accept);
      saveBlob(this.renderRoot, blob, file);
      if (this.download?.kind === kind) this.download = null;
      if (this.entityId === entityId && this.tab === tab) this.announcement = strings.downloadDone(file);
    } catch (error) {
      if (this.download?.kind === kind) this.download = { kind, busy: false, error };
    }
  }

  private downloadButton(kind: DownloadKind, label: string) {
    const d = this.download?.kind === kind ? this.download : null;
    return html`<button type="button" data-download=${kind} aria-busy=${d?.busy ? 'true' : 'false'}
        aria-describedby=${d?.error ? `download-${kind}-error` : nothing}
        @click=${() => void this.downloadFile(kind)}>${label}</button>${d?.busy ? html`<span class="muted">${strings.downloading}</span>` : nothing}`;
  }

  private downloadError(kind: DownloadKind) {
    const d = this.download?.kind === kind ? this.download : null;
    return d?.error
      ? html`<p class="error-text download-error" id="download-${kind}-error" role="alert">${strings.downloadFailed} ${describeError(d.error)}</p>`
      : nothing;
  }

  /** "Record transaction…" and, open, its form: above the ledger, whether it is empty or still loading. */
  private renderRecording() {
    const open = !!this.recording;
    const r = this.recorder;
    return html`<div class="ledger-actions">
        <button type="button" id="record-open" aria-expanded=${open ? 'true' : 'false'} aria-controls=${open ? 'record-panel' : nothing}
          @click=${() => (this.recording?.busy ? undefined : open ? this.closeRecording() : void this.openRecording())}>${strings.ledgerRecord}</button>
        ${this.downloadButton('ledger', strings.downloadLedger)}
      </div>
      ${this.downloadError('ledger')}
      ${open
        ? html`<div id="record-panel">${r.state === 'error'
            ? errorState(r.error, () => void this.openRecording())
            : r.state === 'ok'
              ? html`<charter-record-transaction .ctx=${this.ctx} .entityId=${this.entityId} .draft=${this.recording}
                  .revision=${this.tabData.state === 'ok' ? this.tabData.value : null}
                  .onChange=${(key: string, change: (d: RecordDraft) => RecordDraft) => this.changeRecording(key, change)}
                  .onRecorded=${(key: string) => void this.recorded(key)}
                  .onCancel=${() => this.closeRecording()}
                  .onAddClass=${() => void this.openClassForm()}></charter-record-transaction>`
              : loadingState()}</div>`
        : nothing}`;
  }

  /** The ledger tab's "Share classes": a compact table and "Add share class…" with its form. */
  private renderClasses() {
    const open = !!this.classDraft;
    const f = this.classForm;
    const c = this.classes;
    const today = localToday();
    let list;
    if (c.state === 'error') list = errorState(c.error, () => void this.loadClasses());
    else if (c.state !== 'ok') list = loadingState();
    else if (!c.value.length) list = html`<p class="muted classes-empty">${strings.classesEmpty}</p>`;
    else {
      list = html`<table class="compact"><caption class="sr-only">${strings.classesTitle}</caption>
        <thead><tr><th scope="col">${strings.colClassName}</th><th scope="col">${strings.colCurrency}</th><th scope="col">${strings.colNominal}</th><th scope="col">${strings.colVotesPerShare}</th><th scope="col">${strings.colAuthorised}</th><th scope="col">${strings.colCertificated}</th><th scope="col"><span class="sr-only">${strings.colClassActions}</span></th></tr></thead>
        <tbody>${c.value.map((k) => html`<tr data-share-class=${k.id}>
          <td>${k.name}</td><td>${k.currency}</td><td class="num">${k.nominal_value}</td><td class="num">${k.votes_per_share}</td>
          <td class="num" data-authorised-for=${k.id}>${authorisedCell(k, today)}</td><td>${k.certificated ? strings.yes : strings.no}</td>
          <td>${this.authoriseButton(k)}</td></tr>`)}</tbody></table>`;
    }
    return html`<section class="classes" aria-labelledby="classes-h">
      <div class="section-head">
        <h2 id="classes-h">${strings.classesTitle}</h2>
        <button type="button" id="class-open" aria-expanded=${open ? 'true' : 'false'} aria-controls=${open ? 'class-panel' : nothing}
          @click=${() => (this.classDraft?.busy ? undefined : open ? this.closeClassForm() : void this.openClassForm())}>${strings.classAdd}</button>
      </div>
      ${open
        ? html`<div id="class-panel">${f.state === 'error'
            ? errorState(f.error, () => void this.openClassForm())
            : f.state === 'ok'
              ? html`<charter-add-share-class .ctx=${this.ctx} .entityId=${this.entityId} .draft=${this.classDraft}
                  .existing=${c.state === 'ok' ? c.value.map((k) => k.name) : []}
                  .onChange=${(key: string, change: (d: ClassDraft) => ClassDraft) => this.changeClass(key, change)}
                  .onAdded=${(key: string) => void this.classAdded(key)}
                  .onCancel=${() => this.closeClassForm()}></charter-add-share-class>`
              : loadingState()}</div>`
        : nothing}
      ${list}
      ${this.renderAuthorised()}
    </section>`;
  }

  /** A class's "Change authorised…" button (its accessible name says which class). */
  private authoriseButton(k: ShareClass) {
    const open = this.authorising?.classId === k.id;
    return html`<button type="button" data-authorise=${k.id} aria-label=${strings.authorisedChangeLabel(k.name)}
      aria-expanded=${open ? 'true' : 'false'} aria-controls=${open ? 'authorised-panel' : nothing}
      @click=${() => (this.authorising?.busy ? undefined : open ? this.closeAuthorised() : void this.openAuthorised(k))}>${strings.authorisedChange}</button>`;
  }

  /** The "Change authorised…" form, open under the classes table for one class. */
  private renderAuthorised() {
    const d = this.authorising;
    if (!d) return nothing;
    const f = this.authoriser;
    const listed = this.classes.state === 'ok' ? this.classes.value.find((k) => k.id === d.classId) : undefined;
    const cls = listed ?? (this.authorisingClass?.id === d.classId ? this.authorisingClass : null);
    return html`<div id="authorised-panel">${f.state === 'error'
      ? errorState(f.error, () => void (cls && this.openAuthorised(cls)))
      : f.state === 'ok' && cls
        ? html`<charter-change-authorised .ctx=${this.ctx} .entityId=${this.entityId} .draft=${d} .shareClass=${cls}
            .onChange=${(key: string, change: (x: AuthorisedDraft) => AuthorisedDraft) => this.changeAuthorised(key, change)}
            .onChanged=${(key: string, changed: ShareClass) => void this.authorisedChanged(key, changed)}
            .onCancel=${() => this.closeAuthorised()}></charter-change-authorised>`
        : loadingState()}</div>`;
  }

  /** The ownership tab's "Beneficial owners" at the as-of date. */
  private renderOwners() {
    const o = this.owners;
    let body;
    if (o.state === 'error') body = errorState(o.error, () => void this.loadOwners());
    else if (o.state !== 'ok') body = loadingState();
    else {
      const v = o.value;
      const threshold = thresholdText(v.threshold);
      body = html`<p id="owners-intro">${strings.boIntro(threshold, v.as_of)}</p>
        ${v.items.length
          ? html`<table aria-describedby="owners-intro"><caption class="sr-only">${strings.boTitle}</caption>
              <thead><tr><th scope="col">${strings.colPerson}</th><th scope="col">${strings.colEffectiveCapital}</th><th scope="col">${strings.colEffectiveVotes}</th><th scope="col">${strings.colHeld}</th></tr></thead>
              <tbody>${v.items.map((b) => html`<tr data-owner=${b.person_id}>
                <td>${b.name ?? b.person_id}</td><td class="num">${percent(b.capital)}</td><td class="num">${percent(b.votes)}</td>
                <td>${strings.boHow[howHeld(b)]}${b.joint_holding_ids.length ? `, ${strings.boJointly}` : ''}</td></tr>`)}</tbody></table>`
          : emptyState(strings.boEmpty(threshold))}
        <div class="tab-actions">${this.downloadButton('bods', strings.downloadBods)}</div>
        ${this.downloadError('bods')}`;
    }
    return html`<section class="owners" aria-labelledby="owners-h">
      <h2 id="owners-h">${strings.boTitle}</h2>
      ${body}
    </section>`;
  }

  private renderReversalForm(row: LedgerRow, form: ReversalForm) {
    const describedBy = ['reverse-reason-hint', form.errors.length ? 'reverse-errors' : ''].filter(Boolean).join(' ');
    return html`<tr class="reverse-form"><td colspan="8">
      <form novalidate aria-busy=${form.busy ? 'true' : 'false'} @submit=${(ev: Event) => this.submitReversal(ev)}
        @keydown=${(ev: KeyboardEvent) => { if (ev.key === 'Escape' && !form.busy) this.cancelReversal(); }}>
        <fieldset>
          <legend>${row.reverseTitle}</legend>
          ${form.errors.length
            ? html`<div class="alert error-text" id="reverse-errors" role="alert">${strings.ledgerReverseFailed}
                <ul>${form.errors.map((m) => html`<li>${m}</li>`)}</ul></div>`
            : nothing}
          <div class="field">
            <label for="reverse-reason">${strings.ledgerReverseReason}</label>
            <textarea id="reverse-reason" name="reason" required maxlength=${REASON_MAX} aria-describedby=${describedBy}
              aria-invalid=${form.reasonInvalid ? 'true' : 'false'} .value=${form.reason}
              @input=${(ev: Event) => { if (this.reversal) this.reversal = { ...this.reversal, reason: (ev.target as HTMLTextAreaElement).value }; }}></textarea>
            <p class="hint" id="reverse-reason-hint">${strings.ledgerReverseReasonHint}</p>
          </div>
          <div class="row">
            <button type="submit" class="primary">${form.busy ? strings.ledgerReversing : strings.ledgerReverseSubmit}</button>
            <button type="button" @click=${() => this.cancelReversal()}>${strings.ledgerReverseCancel}</button>
          </div>
        </fieldset>
      </form>
    </td></tr>`;
  }

  private renderLedger(transactions: ShareTransaction[]) {
    if (!transactions.length) return emptyState(strings.ledgerEmpty, strings.ledgerEmptyHint);
    const rows = ledgerRows(transactions);
    const form = this.reversal;
    const shares = (r: LedgerRow) => (r.reversed ? html`<s>${r.shares}</s>` : r.shares);
    return html`<p class="muted">${strings.ledgerHint}</p>
      <table><caption class="sr-only">${strings.tabLedger}</caption>
      <thead><tr><th scope="col">${strings.colDate}</th><th scope="col">${strings.colKind}</th><th scope="col">${strings.colShareClass}</th><th scope="col">${strings.colFrom}</th><th scope="col">${strings.colTo}</th><th scope="col">${strings.colShares}</th><th scope="col">${strings.colReason}</th><th scope="col">${strings.colLedgerStatus}</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr class=${r.reversed ? 'reversed' : r.tx.kind === 'reversal' ? 'reversal' : ''} data-transaction=${r.tx.id} data-kind=${r.tx.kind}>
          <td>${r.tx.effective_from}</td><td>${r.kind}</td><td>${r.shareClass}</td>
          <td>${this.holderCell(r.tx.from_holder, r.tx.from_holder_name)}</td><td>${this.holderCell(r.tx.to_holder, r.tx.to_holder_name)}</td>
          <td class="num">${shares(r)}</td><td>${r.tx.reason ?? strings.noValue}</td>
          <td data-status-for=${r.tx.id} tabindex="-1">${r.status}${r.reversible
            ? html`<button type="button" data-reverse=${r.tx.id} aria-label=${r.reverseLabel} aria-expanded=${form?.id === r.tx.id ? 'true' : 'false'}
                @click=${() => (form?.id === r.tx.id ? this.cancelReversal() : this.openReversal(r.tx.id))}>${strings.ledgerReverse}</button>`
            : nothing}</td></tr>
        ${form?.id === r.tx.id ? this.renderReversalForm(r, form) : nothing}`)}</tbody></table>`;
  }

  private renderOverview(e: Entity) {
    const cf = Object.entries(e.custom_fields ?? {});
    return html`<dl class="facts">
      <dt>${strings.fieldLegalName}</dt><dd data-fact="legal_name">${e.legal_name ?? strings.noValue}</dd>
      <dt>${strings.fieldOtherNames}</dt><dd>${e.other_names.length ? e.other_names.map((n) => `${n.name} (${n.type})`).join('; ') : strings.noValue}</dd>
      <dt>${strings.fieldJurisdiction}</dt><dd>${e.jurisdiction ?? strings.noValue}</dd>
      <dt>${strings.fieldLegalForm}</dt><dd>${e.legal_form ? `${e.legal_form_name ?? e.legal_form_text ?? ''} (${e.legal_form})` : strings.noValue}</dd>
      <dt>${strings.fieldRegistration}</dt><dd>${[e.registration_authority, e.registration_number].filter(Boolean).join(' · ') || strings.noValue}</dd>
      <dt>${strings.fieldLei}</dt><dd>${e.lei ?? strings.noValue}</dd>
      <dt>${strings.fieldIncorporated}</dt><dd>${e.incorporation_date ?? strings.noValue}</dd>
      <dt>${strings.fieldStatus}</dt><dd>${e.status ?? strings.noValue}</dd>
      <dt>${strings.fieldManagement}</dt><dd>${e.management_status ?? strings.noValue}</dd>
      <dt>${strings.fieldRegisteredOffice}</dt><dd>${address(e.addresses?.registered_office)}</dd>
      <dt>${strings.fieldRegisteredAgent}</dt><dd>${e.registered_agent ? `${e.registered_agent.name}${e.registered_agent.address ? ', ' + address(e.registered_agent.address) : ''}` : strings.noValue}</dd>
      ${cf.map(([k, v]) => html`<dt>${k.replace(/_/g, ' ')}</dt><dd>${String(v)}</dd>`)}
    </dl>`;
  }

  private renderTab(e: Entity) {
    const d = this.tabData;
    if (this.tab === 'overview') return this.renderOverview(e);
    if (this.tab === 'structure') {
      return html`<charter-structure-chart .ctx=${this.ctx} .entityId=${this.entityId} .entityName=${e.legal_name ?? ''}></charter-structure-chart>`;
    }
    if (d.state === 'error') {
      if (this.tab === 'audit' && d.error instanceof ApiProblem && d.error.status === 403) return emptyState(strings.auditForbidden);
      return errorState(d.error, () => this.loadTab());
    }
    if (d.state !== 'ok') return loadingState();
    switch (this.tab) {
      case 'history': {
        const items = timeline(d.value as History);
        if (!items.length) return emptyState(strings.historyEmpty);
        return html`<ol class="timeline" aria-label=${strings.tabHistory}>
          ${items.map((i) => html`<li><div class="when">${strings.historyFrom(i.from, i.to)}</div>
            <div><strong>${i.fact.replace(/^custom\./, '').replace(/_/g, ' ')}</strong>: ${i.value}</div></li>`)}
        </ol>`;
      }
      case 'officers': {
        const rows = d.value as (Appointment & { name: string; roleLabel: string })[];
        if (!rows.length) return emptyState(strings.officersEmpty);
        return html`<table><caption class="sr-only">${strings.tabOfficers}</caption>
          <thead><tr><th scope="col">${strings.colHolder}</th><th scope="col">${strings.colRole}</th><th scope="col">${strings.colAppointed}</th><th scope="col">${strings.colCeased}</th></tr></thead>
          <tbody>${rows.map((a) => html`<tr><td>${a.name}</td><td>${a.roleLabel}</td><td>${a.appointed_on}</td><td>${a.ceased_on ?? strings.noValue}</td></tr>`)}</tbody></table>`;
      }
      case 'ownership': {
        const lines = (d.value as { items: RegisterLine[] }).items;
        if (!lines.length) return emptyState(strings.ownershipEmpty);
        return html`<table><caption class="sr-only">${strings.registerTitle}</caption>
          <thead><tr><th scope="col">${strings.colHolder}</th><th scope="col">${strings.colShareClass}</th><th scope="col">${strings.colShares}</th><th scope="col">${strings.colCapital}</th><th scope="col">${strings.colVotes}</th></tr></thead>
          <tbody>${lines.map((l) => html`<tr>
            <td>${l.holder.entity_id ? html`<a href=${this.ctx.href(`/entities/${l.holder.entity_id}`)} @click=${(ev: Event) => { ev.preventDefault(); this.ctx.navigate(`/entities/${l.holder.entity_id}`); }}>${l.holder_name ?? l.holder.entity_id}</a>` : l.holder_name ?? strings.noValue}</td>
            <td>${l.share_class}</td><td>${l.shares.toLocaleString()}</td><td>${l.capital_pct.toFixed(2)}</td><td>${l.votes_pct.toFixed(2)}</td></tr>`)}</tbody></table>`;
      }
      case 'ledger':
        return this.renderLedger(d.value as ShareTransaction[]);
      case 'audit': {
        const events = (d.value as Page<AuditEvent>).items;
        if (!events.length) return emptyState(strings.auditEmpty);
        return html`<table><caption class="sr-only">${strings.tabAudit}</caption>
          <thead><tr><th scope="col">#</th><th scope="col">${strings.colWhen}</th><th scope="col">${strings.colAction}</th><th scope="col">${strings.colActor}</th></tr></thead>
          <tbody>${events.map((a) => html`<tr><td>${a.seq}</td><td>${new Date(a.at).toLocaleString()}</td><td>${a.action}</td><td>${a.actor}</td></tr>`)}</tbody></table>`;
      }
      default:
        return nothing;
    }
  }

  override render() {
    const en = this.entity;
    if (en.state === 'error') return errorState(en.error, () => { void this.loadEntity(); void this.loadTab(); });
    if (en.state !== 'ok') return loadingState();
    const e = en.value;
    return html`<article aria-labelledby="entity-h">
      <p class="crumbs"><a href=${this.ctx.href('/entities')} @click=${(ev: Event) => { ev.preventDefault(); this.ctx.navigate('/entities'); }}>${strings.backToList}</a></p>
      <h1 id="entity-h">${e.legal_name ?? e.id}</h1>
      <p class="muted">${strings.asOf} ${e.as_of}</p>
      <nav class="tabs" aria-label=${e.legal_name ?? ''}><ul>
        ${ENTITY_TABS.map((t) => html`<li><a href=${this.ctx.href(`/entities/${this.entityId}/${t}`)} aria-current=${this.tab === t ? 'page' : 'false'}
          @click=${(ev: Event) => { ev.preventDefault(); this.ctx.navigate(`/entities/${this.entityId}${t === 'overview' ? '' : '/' + t}`); }}>${TAB_LABEL[t]}</a></li>`)}
      </ul></nav>
      <section aria-label=${TAB_LABEL[this.tab] ?? ''}>
        ${this.tab === 'ledger' || this.tab === 'ownership' ? html`<p class="live ok-text" role="status" aria-live="polite">${this.announcement}</p>` : nothing}
        ${this.tab === 'ledger'
          ? html`${this.renderClasses()}
            <section aria-labelledby="ledger-h"><h2 id="ledger-h">${strings.ledgerTransactionsTitle}</h2>${this.renderRecording()}${this.renderTab(e)}</section>`
          : this.tab === 'ownership'
            ? html`<section aria-labelledby="register-h"><h2 id="register-h">${strings.registerTitle}</h2>
                <div class="tab-actions">${this.downloadButton('register', strings.downloadRegister)}</div>
                ${this.downloadError('register')}
                ${this.renderTab(e)}</section>
              ${this.renderOwners()}`
            : this.renderTab(e)}
      </section>
    </article>`;
  }
}
define('charter-entity-page', EntityPage);
