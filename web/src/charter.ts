/**
 * The stable entry hosts load: `<script type="module" src="…/mfe/charter.js">`.
 * Defines <charter-app>; the wizards and the structure chart load on demand.
 * Loading it twice is harmless.
 */
import { CharterApp } from './app.ts';

export { CharterApp };
export { strings, setStrings } from './strings.ts';

if (!customElements.get('charter-app')) customElements.define('charter-app', CharterApp);

declare global {
  interface HTMLElementTagNameMap {
    'charter-app': CharterApp;
  }
}
