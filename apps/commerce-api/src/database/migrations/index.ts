import { InitialSchema1732300000000 } from './1732300000000-initial-schema';

/** Every migration, oldest first (listed, not globbed, so that the build output needs no file scan). */
export const migrations = [InitialSchema1732300000000];
