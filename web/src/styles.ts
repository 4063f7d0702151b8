import { css } from 'lit';

/**
 * Theming: the host sets these custom properties on <charter-app> (or any
 * ancestor); everything else is sealed in the shadow root. `:host` resets
 * inherited properties with !important, which beats the host page's own
 * !important rules for the element itself (the shadow tree's important
 * declarations win), so the host's fonts and colours do not leak in.
 */
export const base = css`
  :host {
    all: initial !important;
    display: block !important;
    font-family: var(--charter-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif) !important;
    font-size: var(--charter-font-size, 15px) !important;
    line-height: 1.45 !important;
    color: var(--charter-fg, #1b1f24) !important;
    background: var(--charter-bg, #ffffff) !important;
    text-align: left !important;
    contain: content;
  }
  :host([hidden]) {
    display: none !important;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
    font-family: inherit;
    color: inherit;
    letter-spacing: normal;
    text-transform: none;
  }
  a {
    color: var(--charter-link, var(--charter-accent, #0b5cad));
  }
  h1, h2, h3 {
    line-height: 1.2;
    margin: 0 0 0.6em;
  }
  h1 { font-size: 1.5em; }
  h2 { font-size: 1.25em; }
  h3 { font-size: 1.05em; }
  button {
    font: inherit;
    cursor: pointer;
    border-radius: var(--charter-radius, 6px);
    border: 1px solid var(--charter-border, #b7c0ca);
    background: var(--charter-surface, #f4f6f8);
    color: var(--charter-fg, #1b1f24);
    padding: 0.4em 0.9em;
    margin: 0;
    box-shadow: none;
    text-shadow: none;
    width: auto;
    height: auto;
  }
  button.primary {
    background: var(--charter-accent, #0b5cad);
    border-color: var(--charter-accent, #0b5cad);
    color: var(--charter-accent-contrast, #ffffff);
  }
  button.link {
    border: none;
    background: none;
    padding: 0;
    color: var(--charter-link, var(--charter-accent, #0b5cad));
    text-decoration: underline;
  }
  button:disabled {
    opacity: 0.6;
    cursor: default;
  }
  :focus-visible {
    outline: 3px solid var(--charter-focus, #f5a623);
    outline-offset: 2px;
  }
  input, select, textarea {
    font: inherit;
    color: var(--charter-fg, #1b1f24);
    background: var(--charter-bg, #ffffff);
    border: 1px solid var(--charter-border, #8a96a3);
    border-radius: var(--charter-radius, 6px);
    padding: 0.35em 0.5em;
    margin: 0;
    max-width: 100%;
  }
  input[aria-invalid='true'], select[aria-invalid='true'], textarea[aria-invalid='true'] {
    border-color: var(--charter-danger, #b3261e);
    border-width: 2px;
  }
  label { display: block; font-weight: 600; margin: 0 0 0.2em; }
  .field { margin: 0 0 0.9em; }
  .field .hint { font-size: 0.88em; color: var(--charter-muted, #4d5965); margin: 0.15em 0 0; }
  .field .error, .error-text { color: var(--charter-danger, #b3261e); font-size: 0.92em; margin: 0.2em 0 0; font-weight: 600; }
  .ok-text { color: var(--charter-success, #1e6b34); font-size: 0.92em; margin: 0.2em 0 0; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.45em 0.6em; border-bottom: 1px solid var(--charter-border-soft, #dde3e9); vertical-align: top; }
  th { font-weight: 600; background: var(--charter-surface, #f4f6f8); }
  .muted { color: var(--charter-muted, #4d5965); }
  .row { display: flex; gap: 0.75em; flex-wrap: wrap; align-items: flex-end; }
  .row > .field { flex: 1 1 12em; }
  .state { padding: 1.2em; border: 1px dashed var(--charter-border, #b7c0ca); border-radius: var(--charter-radius, 6px); margin: 1em 0; }
  .state.error { border-color: var(--charter-danger, #b3261e); border-style: solid; }
  .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
  ul.plain, ol.plain { list-style: none; padding: 0; margin: 0; }
  .card { border: 1px solid var(--charter-border-soft, #dde3e9); border-radius: var(--charter-radius, 6px); padding: 1em; margin: 0 0 1em; background: var(--charter-bg, #ffffff); }
  dl.facts { display: grid; grid-template-columns: minmax(9em, max-content) 1fr; gap: 0.35em 1.2em; margin: 0; }
  dl.facts dt { font-weight: 600; }
  dl.facts dd { margin: 0; }
`;
