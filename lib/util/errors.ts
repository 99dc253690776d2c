// Errors the CLI reports as one line on stderr (and in --log) with a non-zero exit.

/** An expected failure with a message meant for the user; exit status 1 unless said otherwise. */
export class TsrcError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'TsrcError';
  }
}

/** runc's text: containerd matches "does not exist" in it. */
export class NotExistError extends TsrcError {
  constructor(id: string) {
    super(`container "${id}" does not exist`);
  }
}

/** runc's text: containerd matches "container not running" in it. */
export class NotRunningError extends TsrcError {
  constructor() {
    super('container not running');
  }
}

export function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}
