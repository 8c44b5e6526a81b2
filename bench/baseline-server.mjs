// The benchmark's yardstick: a bare Fastify 5 route answering a constant two-field JSON, with
// the same logger (pino, same level) as the product, so ratios show what the product adds.
// Usage: node bench/baseline-server.mjs --port 9000 [--host 127.0.0.1] [--log-level warn]
import Fastify from 'fastify';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, 'log-level': { type: 'string', default: 'warn' } },
});

const app = Fastify({ logger: { level: values['log-level'] } });
const answer = { sysprep_version: '10.0.19041.3636', support_create_image: true };

app.get('/v2/:project_id/desktops/:desktop_id/sysprep', async () => answer);
app.get('/healthz', async () => ({ status: 'ok' }));

await app.listen({ host: values.host, port: Number(values.port) });

const stop = () => app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
