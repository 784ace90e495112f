import type { Sql } from './sql';

/**
 * The coordinator's database: PostgreSQL when DATABASE_URL is set (several instances may share it),
 * otherwise the embedded one in `dataDir` (one process per folder).
 */
export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<Sql> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres');
    return openPostgres({ connectionString: options.databaseUrl });
  }
  const { openPglite } = await import('./pglite');
  return openPglite(options.dataDir);
}
