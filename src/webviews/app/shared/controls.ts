/// <reference lib="dom" />
// The panels' form controls, in one thin layer over @vscode/webview-ui-toolkit (the design card's choice;
// deprecated upstream, so pages never name its elements: swapping to @vscode-elements/elements means
// changing this file only). Each function returns an element that already carries its label (aria-label or
// text), fires the DOM's own `change`/`click`/`input` events, and reads/writes its value with the helpers
// below. Only the components used are registered (the bundle stays small).
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption, vsCodeTextField } from '@vscode/webview-ui-toolkit';

let registered = false;
function register(): void {
  if (registered) return;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField());
  registered = true;
}

export type Control = HTMLElement & { value: string };

/** A push button; `secondary` for the less important of two. */
export function button(label: string, onClick: () => void, options: { secondary?: boolean; title?: string } = {}): HTMLElement {
  register();
  const el = document.createElement('vscode-button');
  if (options.secondary) el.setAttribute('appearance', 'secondary');
  if (options.title) el.setAttribute('title', options.title);
  el.textContent = label;
  el.addEventListener('click', onClick);
  return el;
}

/** A labelled checkbox; `onChange` gets the new state. */
export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void): HTMLElement & { checked: boolean } {
  register();
  const el = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  el.textContent = label;
  el.checked = checked;
  el.addEventListener('change', () => onChange(el.checked));
  return el;
}

/** A drop-down of (value, label) choices; `onChange` gets the chosen value. */
export function dropdown(label: string, choices: { value: string; label: string }[], selected: string, onChange: (value: string) => void): Control {
  register();
  const el = document.createElement('vscode-dropdown') as Control;
  el.setAttribute('aria-label', label);
  el.setAttribute('title', label);
  for (const c of choices) {
    const option = document.createElement('vscode-option') as Control;
    option.setAttribute('value', c.value);
    option.textContent = c.label;
    if (c.value === selected) option.setAttribute('selected', '');
    el.append(option);
  }
  el.addEventListener('change', () => onChange(el.value));
  return el;
}

/** A one-line text field with a visible label and a placeholder; `onInput` gets the text on every keystroke. */
export function textField(label: string, value: string, onInput: (value: string) => void, placeholder = ''): Control {
  register();
  const el = document.createElement('vscode-text-field') as Control;
  // The label is the element's text (the toolkit names the inner <input> after it; an aria-label is overwritten).
  el.textContent = label;
  if (placeholder) el.setAttribute('placeholder', placeholder);
  el.setAttribute('value', value);
  el.addEventListener('input', () => onInput(el.value));
  return el;
}

/** A labelled range slider (the toolkit has none: a native input, themed by the page's CSS as `.slider`); `onInput` gets the value while dragging. */
export function slider(label: string, range: { min: number; max: number; step: number }, value: number, onInput: (value: number) => void): HTMLLabelElement {
  const input = document.createElement('input');
  input.type = 'range';
  input.min = String(range.min);
  input.max = String(range.max);
  input.step = String(range.step);
  input.value = String(value);
  const shown = document.createElement('output');
  shown.textContent = String(value);
  input.addEventListener('input', () => {
    shown.textContent = input.value;
    onInput(Number(input.value));
  });
  const el = document.createElement('label');
  el.className = 'slider';
  el.append(label, input, shown);
  return el;
}
