/** One logger for every process. Credentials are redacted by path, whatever a caller passes in. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** `level` is Config.logLevel (LAYERLENS_LOG_LEVEL), read once by loadConfig like every other setting. */
export function createLogger(level: string, name = 'layerlens'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'password', '*.password', 'token', '*.token', 'secret', '*.secret'],
      censor: '[redacted]',
    },
  });
}
