import type { RecordingMailQueue } from '@gatehouse/testkit';

/** The token of the newest email of `template` to `to`, read from its link as the recipient would. */
export function linkToken(mail: RecordingMailQueue, to: string, template: string, key = 'link'): string {
  const request = mail
    .to(to)
    .filter((r) => r.template === template)
    .at(-1);
  if (request === undefined) throw new Error(`no ${template} email to ${to}`);
  return new URL(request.values[key] ?? '').searchParams.get('token') ?? '';
}
