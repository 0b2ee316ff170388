/**
 * RL Studio's entry point. Activation only registers things (commands, the Runs view, the
 * dashboard serializer); the runtime and the language server start when first needed, so the
 * activation cost is this file's module load plus a few registrations (it is logged).
 */
import { performance } from "node:perf_hooks";
import * as vscode from "vscode";
import { registerCommands } from "./commands.js";
import { Ctx } from "./ctx.js";
import { registerLlm } from "./llm/index.js";
import { registerExplain } from "./explain-commands.js";
import { SweepController } from "./sweeps.js";

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): { activationMs: number; ctx: Ctx } {
  const t0 = performance.now();
  ctx = new Ctx(context);
  context.subscriptions.push(...registerCommands(ctx));
  context.subscriptions.push(...registerLlm(ctx));
  context.subscriptions.push(...registerExplain(ctx));
  context.subscriptions.push(new SweepController(ctx));
  const activationMs = performance.now() - t0;
  ctx.log.appendLine(`[client] activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, ctx };
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}
