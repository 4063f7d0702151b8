/**
 * Saving a file the browser holds (a Blob) under a name: the structure
 * chart's SVG/PNG exports, and the CSV and BODS downloads, which are fetched
 * with the app's credentials first (a plain link would carry no bearer token).
 */

/** A name as a file-name part: `Acme Services Ltd.` → `Acme-Services-Ltd.`, `Société` → `Societe`. */
export function fileStem(name: string, fallback = 'charter'): string {
  const stem = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\w.-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return stem || fallback;
}

/**
 * Offers `blob` as a download named `name`: a hidden link inside `parent`
 * (the element's shadow root: nothing is added to the host's document) is
 * clicked, then removed; the object URL is released a little later.
 */
export function saveBlob(parent: Element | ShadowRoot | DocumentFragment, blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  parent.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
