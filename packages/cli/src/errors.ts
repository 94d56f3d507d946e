/** Bad usage or bad input: the CLI prints the message alone and exits with code 2. */
export class UsageError extends Error {}
