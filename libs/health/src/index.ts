export * from './deep-health';
