/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page's handle on VS Code (acquireVsCodeApi may be called once per load), typed by each panel's state.
export interface VsCodeApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

export function vscodeApi<State>(): VsCodeApi<State> {
  return acquireVsCodeApi<State>();
}

/** A theme colour (`--vscode-*` CSS variable) as the page's body resolves it, or the fallback variable's. */
export function themeColor(name: string, fallback = '--vscode-foreground'): string {
  const style = getComputedStyle(document.body);
  return style.getPropertyValue(name).trim() || style.getPropertyValue(fallback).trim() || 'currentColor';
}

/** An element with attributes and children; text is always text (never parsed as HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  el.append(...children);
  return el;
}
