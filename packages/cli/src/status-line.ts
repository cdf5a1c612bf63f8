/**
 * Progress output that stays readable: on a TTY one line rewritten in place; otherwise (pipes,
 * CI logs, tests) plain lines, at most one per `plainEveryMs`.
 */
export interface StatusOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export class StatusLine {
  #last = 0;
  #shown = false;

  constructor(
    private readonly out: StatusOutput,
    private readonly plainEveryMs = 5000,
  ) {}

  get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** Shows `text` as the current status. */
  update(text: string, now = Date.now()): void {
    if (this.tty) {
      this.out.write(`\r\x1b[2K${text}`);
      this.#shown = true;
      return;
    }
    if (now - this.#last < this.plainEveryMs) return;
    this.#last = now;
    this.out.write(`${text}\n`);
  }

  /** Prints a permanent line above the status (the status is redrawn on the next update). */
  log(text: string): void {
    if (this.tty && this.#shown) this.out.write('\r\x1b[2K');
    this.out.write(`${text}\n`);
    this.#shown = false;
  }

  /** Ends the in-place line so later output starts on a fresh line. */
  done(): void {
    if (this.tty && this.#shown) this.out.write('\n');
    this.#shown = false;
  }
}
