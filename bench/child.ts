/**
 * The server child's side of `startChild` (bench/support.ts): answers the driver's IPC commands
 * (`{ id, cmd, args }` → `{ id, ok, result | error }`), runs `stop` on `stop` or when the driver
 * goes away, and reports the listening URL.
 */
export function serveCommands(
  url: string,
  commands: Readonly<Record<string, (args: unknown) => unknown>>,
  stop: () => Promise<void>,
): void {
  process.on('message', (message: { id: number; cmd: string; args?: unknown }) => {
    const reply = (ok: boolean, result?: unknown, error?: string) =>
      process.send?.({ id: message.id, ok, result, ...(error === undefined ? {} : { error }) });
    const run = async () => {
      if (message.cmd === 'stop') return stop();
      const command = commands[message.cmd];
      if (command === undefined) throw new Error(`unknown command ${message.cmd}`);
      return command(message.args);
    };
    run().then(
      (result) => reply(true, result),
      (error: unknown) => reply(false, undefined, error instanceof Error ? error.message : String(error)),
    );
  });
  // The driver died: do not linger.
  process.on('disconnect', () => {
    void stop();
  });
  process.send?.({ type: 'ready', url });
}
