export * from './ids';
export * from './routing';
