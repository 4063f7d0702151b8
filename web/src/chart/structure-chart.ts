import { LitElement, html, svg, css, nothing, type PropertyValues } from 'lit';
import { base } from '../styles.ts';
import { strings } from '../strings.ts';
import { tenantPath, type AppContext } from '../context.ts';
import { define } from '../define.ts';
import { emptyState, errorState, loadingState, type Load } from '../ui.ts';
import { fileStem, saveBlob } from '../download.ts';
import type { Structure } from '../types.ts';
import { layoutChart, type Layout, type PlacedNode } from './layout.ts';

const SHARE_COLOUR = '#0b5cad';
const CONSOLIDATION_COLOUR = '#8a4b00';

export class StructureChart extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    entityId: { attribute: false },
    entityName: { attribute: false },
    data: { state: true },
    up: { state: true },
    down: { state: true },
    view: { state: true },
  };
  static override styles = [
    base,
    css`
      .toolbar { display: flex; flex-wrap: wrap; gap: 0.5em; align-items: flex-end; margin: 0 0 0.6em; }
      .toolbar .field { margin: 0; }
      .toolbar input { width: 4.5em; }
      .viewport { border: 1px solid var(--charter-border-soft, #dde3e9); border-radius: var(--charter-radius, 6px); overflow: hidden; height: 460px; touch-action: none; cursor: grab; background: #fbfcfd; }
      .viewport.dragging { cursor: grabbing; }
      svg { width: 100%; height: 100%; display: block; user-select: none; }
      g.node { cursor: pointer; }
      g.node:focus { outline: none; }
      g.node:focus-visible rect { stroke: var(--charter-focus, #f5a623); stroke-width: 4; }
      .legend { display: flex; gap: 1.5em; margin: 0.5em 0 0; font-size: 0.9em; flex-wrap: wrap; }
      .legend svg { width: 40px; height: 10px; display: inline-block; vertical-align: middle; }
    `,
  ];
  declare ctx: AppContext;
  declare entityId: string;
  declare entityName: string;
  declare data: Load<{ structure: Structure; layout: Layout }>;
  declare up: number;
  declare down: number;
  declare view: { x: number; y: number; k: number };
  private seq = 0;
  private drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;

  constructor() {
    super();
    this.data = { state: 'idle' };
    this.up = 3;
    this.down = 3;
    this.view = { x: 0, y: 0, k: 1 };
  }

  protected override willUpdate(changed: PropertyValues): void {
    const prev = changed.get('ctx') as AppContext | undefined;
    if (changed.has('entityId') || (changed.has('ctx') && (!prev || prev.asOf !== this.ctx.asOf || prev.tenant !== this.ctx.tenant))) void this.load();
  }

  async load(): Promise<void> {
    const seq = ++this.seq;
    this.data = { state: 'loading' };
    try {
      const structure = await this.ctx.api.get<Structure>(tenantPath(this.ctx, `/entities/${this.entityId}/structure`), {
        up: this.up,
        down: this.down,
        as_of: this.ctx.asOf,
      });
      if (seq !== this.seq) return;
      this.data = { state: 'ok', value: { structure, layout: layoutChart(structure.nodes, structure.links, structure.entity_id) } };
      this.view = { x: 0, y: 0, k: 1 };
    } catch (error) {
      if (seq === this.seq) this.data = { state: 'error', error };
    }
  }

  private zoom(factor: number): void {
    const k = Math.min(4, Math.max(0.2, this.view.k * factor));
    this.view = { ...this.view, k };
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    this.zoom(e.deltaY < 0 ? 1.1 : 1 / 1.1);
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y, moved: false };
  }

  private onPointerMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!d.moved) (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
    d.moved = true;
    this.view = { ...this.view, x: d.vx + dx / this.view.k, y: d.vy + dy / this.view.k };
  }

  private onPointerUp(): void {
    setTimeout(() => (this.drag = null), 0);
  }

  private open(n: PlacedNode): void {
    if (this.drag?.moved) return;
    if (n.type === 'entity') this.ctx.navigate(`/entities/${n.id}/structure`);
  }

  private renderSvg(layout: Layout, forExport = false) {
    const { minX, minY, width, height } = layout;
    const cx = minX + width / 2;
    const cy = minY + height / 2;
    const t = forExport ? '' : `translate(${cx},${cy}) scale(${this.view.k}) translate(${-cx + this.view.x},${-cy + this.view.y})`;
    return svg`
      <defs>
        <marker id="arrow-share" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${SHARE_COLOUR}"/></marker>
        <marker id="arrow-cons" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${CONSOLIDATION_COLOUR}"/></marker>
      </defs>
      <rect x="${minX}" y="${minY}" width="${width}" height="${height}" fill="#fbfcfd"/>
      <g transform="${t}">
        ${layout.links.map((l) => svg`<g class="link" data-kind="${l.kind}" data-back="${l.back}">
          <path d="${l.path}" fill="none" stroke="${l.consolidation ? CONSOLIDATION_COLOUR : SHARE_COLOUR}" stroke-width="2"
            stroke-dasharray="${l.consolidation ? '6 4' : 'none'}" marker-end="url(#${l.consolidation ? 'arrow-cons' : 'arrow-share'})"/>
          ${l.label ? svg`<text x="${l.labelX}" y="${l.labelY}" font-size="11" font-family="system-ui, sans-serif" fill="#1b1f24" text-anchor="middle"
            paint-order="stroke" stroke="#fbfcfd" stroke-width="4">${l.label}</text>` : nothing}
        </g>`)}
        ${layout.nodes.map((n) => {
          const root = n.id === this.entityId;
          const label = n.name ?? n.id;
          const short = label.length > 26 ? label.slice(0, 25) + '…' : label;
          return svg`<g class="node" data-id="${n.id}" data-type="${n.type}" transform="translate(${n.x},${n.y})"
            tabindex="${forExport || n.type !== 'entity' ? nothing : '0'}" role="${forExport || n.type !== 'entity' ? nothing : 'link'}"
            aria-label="${forExport ? nothing : n.type === 'entity' ? strings.chartOpen(label) : label}"
            @click=${() => this.open(n)} @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.open(n); } }}>
            <rect width="${n.width}" height="${n.height}" rx="${n.type === 'person' ? 24 : 6}" fill="${root ? '#e3eefb' : '#ffffff'}"
              stroke="${root ? SHARE_COLOUR : '#5b6773'}" stroke-width="${root ? 3 : 1.5}"/>
            <text x="${n.width / 2}" y="${n.height / 2 + 5}" text-anchor="middle" font-size="13" font-family="system-ui, sans-serif" fill="#1b1f24">${short}</text>
            <title>${label}</title>
          </g>`;
        })}
      </g>`;
  }

  private svgText(layout: Layout): string {
    const holder = document.createElement('div');
    const el = this.renderRoot.querySelector('svg.chart') as SVGSVGElement;
    const clone = el.cloneNode(true) as SVGSVGElement;
    clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    clone.setAttribute('width', String(Math.ceil(layout.width)));
    clone.setAttribute('height', String(Math.ceil(layout.height)));
    clone.removeAttribute('class');
    clone.removeAttribute('role');
    clone.removeAttribute('aria-labelledby');
    clone.querySelector('g[transform]')?.removeAttribute('transform');
    clone.querySelectorAll('[tabindex],[role],[aria-label]').forEach((n) => {
      n.removeAttribute('tabindex');
      n.removeAttribute('role');
      n.removeAttribute('aria-label');
    });
    holder.appendChild(clone);
    // lit's comment markers are harmless but noisy
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + holder.innerHTML.replace(/<!--[^>]*-->/g, '');
  }

  private download(blob: Blob, name: string): void {
    saveBlob(this.renderRoot, blob, name);
  }

  private fileName(ext: string): string {
    return `${fileStem(this.entityName ?? '', 'structure')}-structure${this.ctx.asOf ? '-' + this.ctx.asOf : ''}.${ext}`;
  }

  private exportSvg(layout: Layout): void {
    this.download(new Blob([this.svgText(layout)], { type: 'image/svg+xml' }), this.fileName('svg'));
  }

  private exportPng(layout: Layout): void {
    const text = this.svgText(layout);
    const img = new Image();
    const scale = 2;
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = Math.ceil(layout.width * scale);
      canvas.height = Math.ceil(layout.height * scale);
      const g = canvas.getContext('2d');
      if (!g) return;
      g.fillStyle = '#ffffff';
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((blob) => blob && this.download(blob, this.fileName('png')), 'image/png');
    };
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(text);
  }

  override render() {
    const d = this.data;
    return html`<section aria-labelledby="chart-h">
      <h2 id="chart-h">${strings.chartTitle}</h2>
      <form class="toolbar" @submit=${(e: Event) => { e.preventDefault(); void this.load(); }}>
        <div class="field"><label for="up">${strings.chartLevels}</label>
          <span class="row"><input id="up" type="number" min="0" max="1000" .value=${String(this.up)} aria-label="Levels up"
            @change=${(e: Event) => { this.up = Number((e.target as HTMLInputElement).value) || 0; void this.load(); }} />
          <input id="down" type="number" min="0" max="1000" .value=${String(this.down)} aria-label="Levels down"
            @change=${(e: Event) => { this.down = Number((e.target as HTMLInputElement).value) || 0; void this.load(); }} /></span></div>
        <button type="button" @click=${() => this.zoom(1.25)}>${strings.chartZoomIn}</button>
        <button type="button" @click=${() => this.zoom(0.8)}>${strings.chartZoomOut}</button>
        <button type="button" @click=${() => (this.view = { x: 0, y: 0, k: 1 })}>${strings.chartReset}</button>
        ${d.state === 'ok' ? html`<button type="button" @click=${() => this.exportSvg(d.value.layout)}>${strings.chartExportSvg}</button>
          <button type="button" @click=${() => this.exportPng(d.value.layout)}>${strings.chartExportPng}</button>` : nothing}
      </form>
      ${d.state === 'error' ? errorState(d.error, () => this.load()) : d.state !== 'ok' ? loadingState() : d.value.structure.nodes.length <= 1 && d.value.structure.links.length === 0 ? emptyState(strings.chartEmpty) : html`
        <p class="muted" id="chart-hint">${strings.chartHint}</p>
        <div class="viewport ${this.drag?.moved ? 'dragging' : ''}" @wheel=${this.onWheel} @pointerdown=${this.onPointerDown}
          @pointermove=${this.onPointerMove} @pointerup=${this.onPointerUp} @pointercancel=${this.onPointerUp}>
          <svg class="chart" role="group" aria-labelledby="chart-label" aria-describedby="chart-hint"
            viewBox="${d.value.layout.minX} ${d.value.layout.minY} ${d.value.layout.width} ${d.value.layout.height}" preserveAspectRatio="xMidYMid meet">
            <title id="chart-label">${strings.chartLabel(this.entityName)}</title>
            ${this.renderSvg(d.value.layout)}
          </svg>
        </div>
        <div class="legend">
          <span><svg viewBox="0 0 40 10" aria-hidden="true"><line x1="0" y1="5" x2="40" y2="5" stroke="${SHARE_COLOUR}" stroke-width="2"/></svg> ${strings.chartLegendShares}</span>
          <span><svg viewBox="0 0 40 10" aria-hidden="true"><line x1="0" y1="5" x2="40" y2="5" stroke="${CONSOLIDATION_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/></svg> ${strings.chartLegendConsolidation}</span>
        </div>`}
    </section>`;
  }
}
define('charter-structure-chart', StructureChart);
