/**
 * A one-line progress report on standard error, redrawn in place; only on a terminal, so that
 * scripts and log files get the summary alone.
 */
export class ImportProgress {
  readonly #stream: NodeJS.WriteStream;
  readonly #total: number;
  readonly #started = performance.now();
  readonly #enabled: boolean;
  #drawn = false;

  constructor(totalLines: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#total = Math.max(1, totalLines);
    this.#enabled = stream.isTTY === true;
  }

  update(line: number, imported: number, rejected: number): void {
    if (!this.#enabled) return;
    const share = Math.min(1, line / this.#total);
    const width = 30;
    const filled = Math.round(share * width);
    const seconds = (performance.now() - this.#started) / 1000;
    const rate = seconds > 0 ? Math.round((imported + rejected) / seconds) : 0;
    this.#stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(share * 100)}%  line ${line}/${this.#total}  ${imported} imported  ${rejected} rejected  ${rate} rows/s`,
    );
    this.#drawn = true;
  }

  finish(): void {
    if (this.#drawn) this.#stream.write('\n');
  }
}
