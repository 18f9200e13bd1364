export * from './records.ts';
export * from './recovery-codes.ts';
export * from './totp.ts';
