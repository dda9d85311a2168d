/**
 * The floor for a cached GET: bare node:http answering every request with the same bytes and headers as the API's
 * cached SBOM — no routing, no cache lookup, no request id. Plain JavaScript, started without the tsx loader, so it
 * is the least a Node server on this machine can do per request. Usage: node http-floor-server.mjs PORT BODY_FILE
 * HEADERS_JSON_FILE.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, bodyFile, headersFile] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const headers = { ...JSON.parse(readFileSync(headersFile, 'utf8')), 'content-length': String(body.length) };
createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
}).listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
