import type { KoaContextWithOIDC } from 'oidc-provider';

/** Something Gatehouse does to the engine's answer once the engine has made it. */
export type EngineHook = (ctx: KoaContextWithOIDC) => Promise<void> | undefined;

/**
 * Runs `hooks`, in order, after the engine has answered a request — as one Koa layer: each layer
 * is an async frame on every engine request, the token endpoint's included, and most hooks
 * concern a single route. A hook that has nothing to do returns undefined and costs no await.
 */
export function afterEngine(hooks: readonly EngineHook[]) {
  return async function runEngineHooks(ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> {
    await next();
    for (const hook of hooks) {
      const pending = hook(ctx);
      if (pending !== undefined) await pending;
    }
  };
}
