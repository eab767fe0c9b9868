/** What the inspector page needs from its host: where assets live and what the CSP allows. */
export interface PageAssets {
  /** The origin the page may load styles, fonts and images from (`webview.cspSource`). */
  cspSource: string;
  /** A fresh random nonce; the only scripts and stylesheets that run carry it. */
  nonce: string;
  /** The URL of a file in the webview bundle folder. */
  asset: (name: string) => string;
}

/**
 * The inspector's page: a strict CSP (scripts only with this page's nonce, no inline markup
 * styles, nothing from anywhere else), the bundle, its stylesheet and the codicon font.
 * Pure, so the webview tests serve the very same page in Chromium.
 */
export function inspectorPage({ cspSource, nonce, asset }: PageAssets): string {
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${asset('codicon.css')}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" nonce="${nonce}" href="${asset('main.css')}">
<title>WebSocket Inspector</title>
</head>
<body>
<div id="app" data-app="websocket-inspector"></div>
<script nonce="${nonce}" src="${asset('main.js')}"></script>
</body>
</html>`;
}
