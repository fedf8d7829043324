export * from './deep-health';
export * from './drain';
