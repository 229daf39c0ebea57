/**
 * Declares an out-of-band Secret on a workload, next to any already declared, in the
 * annotation the manifest checks read (see EXTERNAL_SECRETS_ANNOTATION in app-config.ts).
 */
import { ApiObject } from 'cdk8s';
import { EXTERNAL_SECRETS_ANNOTATION } from './app-config';

/** Adds `secretName` to the workload's comma-separated list of out-of-band Secrets. */
export function declareExternalSecret(workload: ApiObject, secretName: string): void {
  const current: string | undefined = workload.metadata.toJson().annotations?.[EXTERNAL_SECRETS_ANNOTATION];
  const names = new Set((current ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0));
  names.add(secretName);
  workload.metadata.addAnnotation(EXTERNAL_SECRETS_ANNOTATION, [...names].join(','));
}
