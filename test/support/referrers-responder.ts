/**
 * A Referrers-API registry for tests: a small proxy in front of the real registry (distribution 2.8 has no
 * Referrers API) that remembers every manifest PUT with a `subject`, answers it with `OCI-Subject`, and answers
 * `GET /v2/<name>/referrers/<digest>` with an OCI index of them, as the distribution spec describes.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Referrer {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export class ReferrersResponder {
  private server?: Server;
  readonly referrers = new Map<string, Referrer[]>();
  /** `METHOD path` of every request, to see which path the client took. */
  readonly seen: string[] = [];

  constructor(private readonly upstream: string) {}

  get host(): string {
    return `127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    const up = new URL(this.upstream);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const path = req.url ?? '/';
        this.seen.push(`${req.method} ${path.split('?')[0]}`);
        const ref = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/.exec(path.split('?')[0]);
        if (req.method === 'GET' && ref) {
          const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: this.referrers.get(`${ref[1]}@${ref[2]}`) ?? [] };
          res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
          res.end(JSON.stringify(index));
          return;
        }
        const manifestPut = req.method === 'PUT' ? /^\/v2\/(.+)\/manifests\/([^/?]+)$/.exec(path.split('?')[0]) : null;
        let subject: string | undefined;
        if (manifestPut) {
          const doc = JSON.parse(body.toString()) as { subject?: { digest: string }; artifactType?: string; annotations?: Record<string, string>; mediaType: string };
          if (doc.subject) {
            subject = doc.subject.digest;
            const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
            const key = `${manifestPut[1]}@${subject}`;
            const list = this.referrers.get(key) ?? [];
            if (!list.some((r) => r.digest === digest)) list.push({ mediaType: doc.mediaType, digest, size: body.length, artifactType: doc.artifactType, annotations: doc.annotations });
            this.referrers.set(key, list);
          }
        }
        const fwd = request(
          { host: up.hostname, port: up.port, method: req.method, path, headers: { ...req.headers, host: up.host } },
          (upRes) => {
            const headers = { ...upRes.headers };
            if (subject && (upRes.statusCode ?? 0) < 300) headers['oci-subject'] = subject;
            if (typeof headers.location === 'string') headers.location = headers.location.replace(this.upstream, `http://${this.host}`);
            res.writeHead(upRes.statusCode ?? 502, headers);
            upRes.pipe(res);
          },
        );
        fwd.on('error', () => res.destroy());
        fwd.end(body);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server?.close(() => r()) ?? r());
  }
}
