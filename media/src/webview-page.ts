/**
 * The HTML shell every RL Studio webview page shares (no DOM, a string): the strict CSP meta tag,
 * one stylesheet and one nonce'd script from the extension's own resources, nothing remote.
 */
export interface PageResources {
  /** The Content-Security-Policy (default-src 'none'; …) built by the extension for this webview. */
  csp: string;
  /** Nonce of the page's only script. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function webviewPage(o: PageResources & { title: string; body: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${o.csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.styleUri}">
<title>${o.title}</title>
</head>
<body>
${o.body}
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}
