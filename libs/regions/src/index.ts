export * from './region.config';
export * from './load-regions';
