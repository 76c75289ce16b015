// `npm start`: the contacts API on the backends MOTIFS_BACKEND names (memory unless told otherwise).
import { isMotifsError } from 'motifs';
import { configFromEnv } from './config.js';
import { createConsoleLogger } from './logger.js';
import { startServer } from './server.js';
import { onShutdownSignals } from './shutdown.js';

const log = createConsoleLogger();
try {
  const config = configFromEnv();
  const api = await startServer(config, { logger: log });
  onShutdownSignals(() => api.close(), { log, exit: (code) => process.exit(code) });
  const where = config.backend === 'memory' ? 'in-memory cacher, repo and channel' : `Redis ${config.redisUrl}, Kafka ${config.kafkaBrokers.join(',')}`;
  console.log(`contacts-api listening on ${api.url} (${where}); try: curl -X POST ${api.url}/contacts -H 'content-type: application/json' -d '{"firstName":"Ada","lastName":"Lovelace","dob":"1815-12-10"}'`);
} catch (err) {
  log.error('contacts-api could not start', err);
  process.exit(isMotifsError(err, 'MOTIFS_VALIDATION') ? 2 : 1);
}
