/** The experiment config: its schema (schema.ts), its leaf fields (leaves.ts) and their table (fields.ts). */
export * from './schema';
export * from './drawMoments';
export * from './leaves';
export * from './fields';
