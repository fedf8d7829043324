export * from './deep-health';
export * from './drain';
export * from './api-targets';
export * from './fence';
