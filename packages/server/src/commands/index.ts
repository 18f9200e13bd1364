import type { SecondFactor } from '@gatehouse/core';
import { AccessSearch } from '../authz/search.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { type AccountLifecycleCommands, accountLifecycleCommands } from './account-lifecycle.ts';
import { accountOverviewCommand } from './account-overview.ts';
import { changePasswordCommand } from './change-password.ts';
import { createApiKeyCommand } from './create-api-key.ts';
import { evaluateCommand } from './evaluate.ts';
import { evaluateBatchCommand } from './evaluate-batch.ts';
import { explainDecisionCommand } from './explain-decision.ts';
import { getApiKeyCommand } from './get-api-key.ts';
import { importUsersCommand } from './import-users.ts';
import { listApiKeysCommand } from './list-api-keys.ts';
import { listAuditEventsCommand } from './list-audit-events.ts';
import { listSessionsCommand } from './list-sessions.ts';
import { loginCommand } from './login.ts';
import { loginSecondStepCommand } from './login-second-step.ts';
import { logoutCommand } from './logout.ts';
import { type ClientCommands, clientCommands } from './oauth-clients.ts';
import { type GrantCommands, grantCommands } from './oauth-grants.ts';
import { type PolicyCommands, policyCommands } from './policies.ts';
import { type ProfileCommands, profileCommands } from './profile.ts';
import { rekeySecretsCommand } from './rekey-secrets.ts';
import { revokeApiKeyCommand } from './revoke-api-key.ts';
import { revokeSessionCommand } from './revoke-session.ts';
import { revokeUserSessionsCommand } from './revoke-user-sessions.ts';
import { type RoleCommands, roleCommands } from './roles.ts';
import { rotateApiKeyCommand } from './rotate-api-key.ts';
import { searchActionsCommand } from './search-actions.ts';
import { searchResourcesCommand } from './search-resources.ts';
import { searchSubjectsCommand } from './search-subjects.ts';
import { type SecondFactorCommands, secondFactorCommands } from './second-factors.ts';
import { type ServiceAccountCommands, serviceAccountCommands } from './service-accounts.ts';
import { signOutCommand } from './sign-out.ts';
import { type SigningKeyCommands, signingKeyCommands } from './signing-keys.ts';
import { subjectPermissionsCommand } from './subject-permissions.ts';
import { type TokenCommands, tokenCommands } from './tokens.ts';
import { type UserCommands, userCommands } from './users.ts';

/**
 * The application layer: one function per use case, taking and returning values (no Fastify
 * types), built once from the wiring. Routes, pages and the CLI call these rather than reaching
 * into the `Gatehouse` services for what a command covers. A resource's administration (users,
 * roles, clients, …) is one file with one function per use case.
 */
export interface Commands
  extends UserCommands,
    AccountLifecycleCommands,
    RoleCommands,
    ProfileCommands,
    TokenCommands,
    ServiceAccountCommands,
    ClientCommands,
    GrantCommands,
    PolicyCommands,
    SigningKeyCommands,
    SecondFactorCommands {
  readonly login: ReturnType<typeof loginCommand>;
  readonly loginSecondStep: ReturnType<typeof loginSecondStepCommand>;
  readonly logout: ReturnType<typeof logoutCommand>;
  readonly accountOverview: ReturnType<typeof accountOverviewCommand>;
  readonly listSessions: ReturnType<typeof listSessionsCommand>;
  readonly revokeSession: ReturnType<typeof revokeSessionCommand>;
  readonly revokeUserSessions: ReturnType<typeof revokeUserSessionsCommand>;
  readonly evaluate: ReturnType<typeof evaluateCommand>;
  readonly evaluateBatch: ReturnType<typeof evaluateBatchCommand>;
  readonly searchSubjects: ReturnType<typeof searchSubjectsCommand>;
  readonly searchResources: ReturnType<typeof searchResourcesCommand>;
  readonly searchActions: ReturnType<typeof searchActionsCommand>;
  readonly createApiKey: ReturnType<typeof createApiKeyCommand>;
  readonly listApiKeys: ReturnType<typeof listApiKeysCommand>;
  readonly getApiKey: ReturnType<typeof getApiKeyCommand>;
  readonly rotateApiKey: ReturnType<typeof rotateApiKeyCommand>;
  readonly revokeApiKey: ReturnType<typeof revokeApiKeyCommand>;
  readonly importUsers: ReturnType<typeof importUsersCommand>;
  readonly changePassword: ReturnType<typeof changePasswordCommand>;
  readonly signOut: ReturnType<typeof signOutCommand>;
  readonly listAuditEvents: ReturnType<typeof listAuditEventsCommand>;
  readonly explainDecision: ReturnType<typeof explainDecisionCommand>;
  readonly subjectPermissions: ReturnType<typeof subjectPermissionsCommand>;
  readonly rekeySecrets: ReturnType<typeof rekeySecretsCommand>;
}

const SECOND_STEP_FACTORS: readonly SecondFactor[] = ['totp', 'recovery_code'];

export function createCommands(gatehouse: Gatehouse): Commands {
  const search = new AccessSearch({
    pdp: gatehouse.pdp,
    policies: gatehouse.policies,
    users: gatehouse.storage.users,
    permissions: gatehouse.permissions,
  });
  const loginDeps = {
    authenticator: gatehouse.authenticator,
    sessions: gatehouse.sessions,
    tokens: gatehouse.tokens,
    devices: gatehouse.devices,
    audit: gatehouse.audit,
    clock: gatehouse.clock,
    storage: gatehouse.storage,
    // Any confirmed factor: the answer names every kind a user with a factor may use, the same for
    // everyone, so it tells nothing about which ones they have (docs/mfa.md).
    secondFactorsFor: async (user: { id: string }) =>
      (await gatehouse.totp.confirmed(user.id)).length > 0 ? SECOND_STEP_FACTORS : [],
  };
  return {
    login: loginCommand(loginDeps),
    loginSecondStep: loginSecondStepCommand({ ...loginDeps, totp: gatehouse.totp, mail: gatehouse.mail }),
    ...secondFactorCommands(gatehouse),
    logout: logoutCommand(gatehouse),
    accountOverview: accountOverviewCommand(gatehouse),
    listSessions: listSessionsCommand(gatehouse),
    revokeSession: revokeSessionCommand(gatehouse),
    revokeUserSessions: revokeUserSessionsCommand(gatehouse),
    evaluate: evaluateCommand({ pdp: gatehouse.pdp }),
    evaluateBatch: evaluateBatchCommand({ pdp: gatehouse.pdp }),
    searchSubjects: searchSubjectsCommand({ search }),
    searchResources: searchResourcesCommand({ search }),
    searchActions: searchActionsCommand({ search }),
    createApiKey: createApiKeyCommand(gatehouse),
    listApiKeys: listApiKeysCommand(gatehouse),
    getApiKey: getApiKeyCommand(gatehouse),
    rotateApiKey: rotateApiKeyCommand(gatehouse),
    revokeApiKey: revokeApiKeyCommand(gatehouse),
    importUsers: importUsersCommand(gatehouse),
    ...userCommands(gatehouse),
    ...accountLifecycleCommands({ ...gatehouse, signOut: signOutCommand(gatehouse) }),
    ...roleCommands(gatehouse),
    ...profileCommands(gatehouse),
    changePassword: changePasswordCommand(gatehouse),
    signOut: signOutCommand(gatehouse),
    ...tokenCommands(gatehouse),
    listAuditEvents: listAuditEventsCommand(gatehouse),
    ...serviceAccountCommands(gatehouse),
    ...clientCommands(gatehouse),
    ...grantCommands(gatehouse),
    ...policyCommands(gatehouse),
    explainDecision: explainDecisionCommand(gatehouse),
    subjectPermissions: subjectPermissionsCommand(gatehouse),
    ...signingKeyCommands(gatehouse),
    rekeySecrets: rekeySecretsCommand(gatehouse),
  };
}
