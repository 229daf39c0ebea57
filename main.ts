/**
 * The cdk8s app: one ReferenceArchitecture chart per environment, each written to
 * `<environment>.k8s.yaml` in the output folder (dist/ by default).
 */
import { App, YamlOutputType } from 'cdk8s';
import { environments } from './config/environments';
import { ReferenceArchitecture, ReferenceArchitectureProps } from './lib/reference-architecture';

/** Adds one chart per environment to `app`. */
export function compose(app: App, envs: Record<string, ReferenceArchitectureProps>): App {
  for (const name of Object.keys(envs)) new ReferenceArchitecture(app, name, envs[name]);
  return app;
}

/** An App that writes one file per chart, as `cdk8s synth` expects. */
export function newApp(outdir?: string): App {
  return new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
}

if (require.main === module) {
  compose(newApp(), environments()).synth();
}
