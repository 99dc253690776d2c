// A CRI (runtime.v1) client over containerd's grpc socket, from our subset of the API in
// conformance/cri/api.proto. Every call has a deadline (a hung runtime fails the call, it never
// hangs the test); a failed call rejects with the grpc status text, which is where a runtime's
// error message reaches a kubelet.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CRI_PROTO = join(dirname(fileURLToPath(import.meta.url)), '..', 'cri', 'api.proto');

// Messages are plain objects: snake_case field names as in the .proto (keepCase), enums as their
// names, int64 as numbers (no value here comes near 2^53), bytes as Buffers.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

type Unary = (req: Msg, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: Msg) => void) => void;

/** A CRI call that failed: the grpc status name and details, e.g. "UNKNOWN: failed to create...". */
export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    readonly details: string,
  ) {
    super(`${method}: ${code}: ${details}`);
  }
}

export class CriClient {
  private readonly runtime: grpc.Client;
  private readonly image: grpc.Client;

  constructor(readonly socket: string) {
    const def = protoLoader.loadSync(CRI_PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const v1 = (grpc.loadPackageDefinition(def) as any).runtime.v1;
    const creds = grpc.credentials.createInsecure();
    this.runtime = new v1.RuntimeService(`unix://${socket}`, creds);
    this.image = new v1.ImageService(`unix://${socket}`, creds);
  }

  private call(client: grpc.Client, method: string, req: Msg, seconds: number): Promise<Msg> {
    const fn = (client as unknown as Record<string, Unary>)[method];
    return new Promise((resolve, reject) => {
      fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + seconds * 1000 }, (err, res) => {
        if (err) reject(new CriError(method, grpc.status[err.code] ?? String(err.code), err.details));
        else resolve(res);
      });
    });
  }

  /** RuntimeService.<method>(req), bounded by `seconds` (default 60). */
  rt(method: string, req: Msg = {}, seconds = 60): Promise<Msg> {
    return this.call(this.runtime, method, req, seconds);
  }

  /** ImageService.<method>(req). */
  img(method: string, req: Msg = {}, seconds = 30): Promise<Msg> {
    return this.call(this.image, method, req, seconds);
  }

  close(): void {
    this.runtime.close();
    this.image.close();
  }
}
