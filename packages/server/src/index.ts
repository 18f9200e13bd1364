export { buildApp } from './app.ts';
export { ADMIN_ROLE, bootstrap } from './bootstrap.ts';
export { type Config, ConfigError, envNames, loadConfig } from './config.ts';
export { createGatehouse, type Gatehouse, type GatehouseOverrides } from './gatehouse.ts';
export { createLogger } from './logger.ts';
export { closeOnSignals, type RunningServer, startServer } from './server.ts';
