export { certSignatureHash, serverEndPoint, tlsChannelBindings } from './channel-binding.ts';
export { fakeScramCredentials } from './fake-secrets.ts';
export { createSaslServer, listMechanisms, type MechanismListOptions } from './mechanisms.ts';
export { type ScramClient, type ScramClientOptions, scramClient } from './scram-client.ts';
export type {
  ChannelBinding,
  ChannelBindingType,
  SaslDeps,
  SaslFailureCondition,
  SaslServer,
  SaslStep,
} from './types.ts';
