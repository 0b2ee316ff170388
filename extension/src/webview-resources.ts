/**
 * What every RL Studio webview page needs from the host: a fresh nonce, the strict CSP
 * (default-src 'none'; local styles, images and fonts through webview.cspSource; only the nonce'd
 * script), and webview URIs of the page's bundle (dist/media/<name>.js) and stylesheet (media/<name>.css).
 */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import type { PageResources } from "../../media/src/webview-page.js";

export function webviewResources(webview: vscode.Webview, extensionUri: vscode.Uri, name: string): PageResources {
  const nonce = randomBytes(16).toString("base64");
  const csp = [
    `default-src 'none'`,
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  return {
    csp,
    nonce,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "dist", "media", `${name}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "media", `${name}.css`)).toString(),
  };
}
