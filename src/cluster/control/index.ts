export * from './client.ts';
export * from './cookie.ts';
export * from './node-name.ts';
export * from './server.ts';
