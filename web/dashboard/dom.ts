/** Small DOM helpers for the dashboard's modules. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the dashboard page has no #${id}`);
  return element as T;
}

type Attributes = Record<string, string | number | boolean | null | undefined>;

/**
 * An element with attributes (null/undefined/false left out, true as ""; `text` sets the text,
 * `class` the class list) and children.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") element.textContent = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children);
  return element;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
