import { startRelyingParty } from './app.ts';

/**
 * Runs the example: register a client first, e.g.
 *   npx gatehouse clients create --name "Example app" --type public \
 *     --redirect-uri http://localhost:3000/callback --scope openid email
 * then GATEHOUSE_ISSUER=http://localhost:8080 CLIENT_ID=c_… npm start -w examples/oauth-rp
 */
const issuer = process.env.GATEHOUSE_ISSUER ?? 'http://localhost:8080';
const port = Number(process.env.PORT ?? 3000);
const { url } = await startRelyingParty(
  {
    issuer,
    clientId: process.env.CLIENT_ID ?? '',
    clientSecret: process.env.CLIENT_SECRET,
    redirectUri: process.env.REDIRECT_URI ?? `http://localhost:${port}/callback`,
    allowInsecureIssuer: issuer.startsWith('http://'),
  },
  port,
);
console.log(`example relying party on ${url} (open http://localhost:${port})`);
