// The HTML page of a webview panel: a strict Content-Security-Policy with a fresh nonce per load, the
// panel's bundle (dist/webviews/<name>.js) and stylesheet (dist/webviews/<name>.css), nothing inline but
// a nonce'd script tag. The nonce is also published in `<meta property="csp-nonce">`, where the controls'
// library (FAST, under @vscode/webview-ui-toolkit) reads it for the style element it adds. Pure (no vscode): the browser test loads the same HTML the extension builds.
import { randomBytes } from 'node:crypto';

export interface PageSources {
  /** webview.cspSource: the origin VS Code serves local resources from. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  /** A fresh one per load unless given (the tests pass one to find it in the policy). */
  nonce?: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function pageHtml(sources: PageSources): string {
  const nonce = sources.nonce ?? newNonce();
  const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(sources.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="csp-nonce" content="${nonce}">
<title>${attr(sources.title)}</title>
<link rel="stylesheet" href="${attr(sources.styleUri)}" nonce="${nonce}">
</head>
<body>
<main id="app" aria-live="polite"><p class="note">Loading…</p></main>
<script nonce="${nonce}" src="${attr(sources.scriptUri)}"></script>
</body>
</html>
`;
}
