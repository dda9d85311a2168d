/** One logger for every process. Credentials are redacted by path, whatever a caller passes in. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.LAYERLENS_LOG_LEVEL ?? 'info', name = 'layerlens'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'password', '*.password', 'token', '*.token', 'secret', '*.secret'],
      censor: '[redacted]',
    },
  });
}
