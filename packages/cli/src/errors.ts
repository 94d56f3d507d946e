/** Bad usage or bad input: the CLI prints the message alone and exits with code 2. */
export class UsageError extends Error {}

/**
 * The user stopped the command (Ctrl-C) after it saved its work: exit 130, the shell's code for
 * SIGINT, so `train … && report …` does not carry on. Not an error: nothing more is printed.
 */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}
