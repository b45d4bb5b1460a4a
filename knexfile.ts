// For the knex CLI (`npx knex migrate:status` …); the application opens the database through server/data/database.ts.
import { loadConfig } from './server/shared/config.js';
import { knexConfig } from './server/data/database.js';

export default knexConfig(loadConfig().database);
