export { fakeScramCredentials } from './fake-secrets.ts';
export { createSaslServer, listMechanisms, type MechanismListOptions } from './mechanisms.ts';
export { type ScramClient, type ScramClientOptions, scramClient } from './scram-client.ts';
export type {
  ChannelBindingType,
  SaslDeps,
  SaslFailureCondition,
  SaslServer,
  SaslStep,
} from './types.ts';
