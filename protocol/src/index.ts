export * from "./runtime.js";
export * from "./webview.js";
export * from "./explain.js";
export * from "./reward-design.js";
export * from "./language-server.js";
