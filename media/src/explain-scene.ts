/**
 * 2-D drawings of the classic-control systems for the explanation replay, from one observation
 * (and the simulator state where the run recorded it). Geometry follows Gymnasium's renderers:
 * CartPole's pole is 2 × 0.5 m long and leans right for θ > 0; Acrobot's links hang down at
 * θ1 = 0 with the target one link-length above the pivot; MountainCar's hill is
 * y = 0.45 sin(3x) + 0.55 with the flag at 0.5 (0.45 for the continuous version); Pendulum is
 * upright at θ = 0 with θ counter-clockwise.
 */

export interface SceneColours {
  foreground: string;
  accent: string;
  muted: string;
  background: string;
}

/** Envs with a drawing; others get only the state-over-time chart. */
export function hasScene(envId: string): boolean {
  return ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"].includes(envId);
}

/** Draw `envId` in the state given by `obs` (and `state`, the simulator's own variables, when known). */
export function drawScene(ctx: CanvasRenderingContext2D, envId: string, obs: readonly number[], state: readonly number[] | null, c: SceneColours): void {
  const { width: w, height: h } = ctx.canvas;
  ctx.clearRect(0, 0, w, h);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  switch (envId) {
    case "CartPole-v1":
      return drawCartPole(ctx, w, h, obs[0]!, obs[2]!, c);
    case "Acrobot-v1": {
      const t1 = state ? state[0]! : Math.atan2(obs[1]!, obs[0]!);
      const t2 = state ? state[1]! : Math.atan2(obs[3]!, obs[2]!);
      return drawAcrobot(ctx, w, h, t1, t2, c);
    }
    case "MountainCar-v0":
      return drawMountainCar(ctx, w, h, obs[0]!, 0.5, c);
    case "MountainCarContinuous-v0":
      return drawMountainCar(ctx, w, h, obs[0]!, 0.45, c);
    case "Pendulum-v1":
      return drawPendulum(ctx, w, h, state ? state[0]! : Math.atan2(obs[1]!, obs[0]!), c);
    default:
      return;
  }
}

function drawCartPole(ctx: CanvasRenderingContext2D, w: number, h: number, x: number, theta: number, c: SceneColours): void {
  // World: x ∈ [−2.4, 2.4] (the termination bounds) fills the width with a margin.
  const scale = w / (2 * 2.4 * 1.1);
  const trackY = h * 0.72;
  const cx = w / 2 + x * scale;
  ctx.strokeStyle = c.muted;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, trackY);
  ctx.lineTo(w, trackY);
  ctx.stroke();
  // The ±2.4 limits.
  for (const lim of [-2.4, 2.4]) {
    const lx = w / 2 + lim * scale;
    ctx.beginPath();
    ctx.moveTo(lx, trackY - 10);
    ctx.lineTo(lx, trackY + 10);
    ctx.stroke();
  }
  const cartW = 0.5 * scale;
  const cartH = 0.3 * scale;
  ctx.fillStyle = c.foreground;
  ctx.fillRect(cx - cartW / 2, trackY - cartH / 2, cartW, cartH);
  const poleLength = 1.0 * scale;
  ctx.strokeStyle = c.accent;
  ctx.lineWidth = Math.max(3, 0.1 * scale);
  ctx.beginPath();
  ctx.moveTo(cx, trackY - cartH / 4);
  ctx.lineTo(cx + poleLength * Math.sin(theta), trackY - cartH / 4 - poleLength * Math.cos(theta));
  ctx.stroke();
  ctx.fillStyle = c.muted;
  ctx.beginPath();
  ctx.arc(cx, trackY - cartH / 4, 3, 0, 2 * Math.PI);
  ctx.fill();
}

function drawAcrobot(ctx: CanvasRenderingContext2D, w: number, h: number, t1: number, t2: number, c: SceneColours): void {
  const scale = Math.min(w, h) / (2 * 2.2);
  const px = w / 2;
  const py = h / 2;
  // y up in the world, down on the canvas; θ1 = 0 hangs straight down.
  const p1 = [px + scale * Math.sin(t1), py + scale * Math.cos(t1)] as const;
  const p2 = [p1[0] + scale * Math.sin(t1 + t2), p1[1] + scale * Math.cos(t1 + t2)] as const;
  ctx.strokeStyle = c.muted;
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.moveTo(0, py - scale);
  ctx.lineTo(w, py - scale);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineWidth = Math.max(4, scale * 0.12);
  ctx.strokeStyle = c.foreground;
  ctx.beginPath();
  ctx.moveTo(px, py);
  ctx.lineTo(p1[0], p1[1]);
  ctx.stroke();
  ctx.strokeStyle = c.accent;
  ctx.beginPath();
  ctx.moveTo(p1[0], p1[1]);
  ctx.lineTo(p2[0], p2[1]);
  ctx.stroke();
  ctx.fillStyle = c.muted;
  for (const p of [[px, py], p1]) {
    ctx.beginPath();
    ctx.arc(p[0]!, p[1]!, 4, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function drawMountainCar(ctx: CanvasRenderingContext2D, w: number, h: number, position: number, goal: number, c: SceneColours): void {
  const minX = -1.2;
  const maxX = 0.6;
  const height = (x: number) => Math.sin(3 * x) * 0.45 + 0.55;
  const sx = (x: number) => ((x - minX) / (maxX - minX)) * w;
  const sy = (y: number) => h - 10 - y * (h - 30);
  ctx.strokeStyle = c.muted;
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let i = 0; i <= 100; i++) {
    const x = minX + ((maxX - minX) * i) / 100;
    if (i === 0) ctx.moveTo(sx(x), sy(height(x)));
    else ctx.lineTo(sx(x), sy(height(x)));
  }
  ctx.stroke();
  // Flag at the goal.
  ctx.strokeStyle = c.foreground;
  ctx.beginPath();
  ctx.moveTo(sx(goal), sy(height(goal)));
  ctx.lineTo(sx(goal), sy(height(goal)) - 30);
  ctx.stroke();
  ctx.fillStyle = c.accent;
  ctx.fillRect(sx(goal), sy(height(goal)) - 30, 14, 9);
  // The car, tilted along the slope (dy/dx = 1.35 cos 3x).
  const angle = Math.atan(1.35 * Math.cos(3 * position) * ((h - 30) / (w / (maxX - minX))));
  ctx.save();
  ctx.translate(sx(position), sy(height(position)));
  ctx.rotate(-angle);
  ctx.fillStyle = c.foreground;
  ctx.fillRect(-14, -12, 28, 10);
  ctx.fillStyle = c.muted;
  for (const wx of [-8, 8]) {
    ctx.beginPath();
    ctx.arc(wx, -2, 3, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.restore();
}

function drawPendulum(ctx: CanvasRenderingContext2D, w: number, h: number, theta: number, c: SceneColours): void {
  const scale = Math.min(w, h) * 0.38;
  const px = w / 2;
  const py = h / 2;
  // θ = 0 upright, counter-clockwise positive: the free end is at (−sin θ, cos θ) with y up.
  ctx.strokeStyle = c.accent;
  ctx.lineWidth = Math.max(6, scale * 0.1);
  ctx.beginPath();
  ctx.moveTo(px, py);
  ctx.lineTo(px - scale * Math.sin(theta), py - scale * Math.cos(theta));
  ctx.stroke();
  ctx.fillStyle = c.foreground;
  ctx.beginPath();
  ctx.arc(px, py, 5, 0, 2 * Math.PI);
  ctx.fill();
}
