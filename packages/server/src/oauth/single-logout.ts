import type { KoaContextWithOIDC } from 'oidc-provider';
import { clearedSessionCookieHeader } from '../http/session-cookie.ts';
import type { EngineHook } from './engine-hooks.ts';

/**
 * RP-initiated logout signs the user out of Gatehouse too: when the user confirms "sign me out" on
 * the engine's logout page, the Gatehouse session behind the browser's cookie ends (which revokes
 * what hangs off it) and the cookie is cleared. "Stay signed in" ends only the client's part.
 */
export function singleLogout(endSession: (cookieHeader: string | undefined) => Promise<void>): EngineHook {
  return (ctx) => {
    if (ctx.oidc?.route !== 'end_session_confirm' || ctx.status >= 400) return undefined;
    if (!ctx.oidc.params?.logout) return undefined;
    return endGatehouseSession(ctx, endSession);
  };
}

async function endGatehouseSession(
  ctx: KoaContextWithOIDC,
  endSession: (cookieHeader: string | undefined) => Promise<void>,
): Promise<void> {
  await endSession(ctx.get('cookie') || undefined);
  ctx.append('set-cookie', clearedSessionCookieHeader());
}
