/** Synthesizes the plus-interop example: `npx tsx examples/plus-interop/main.ts` writes examples/plus-interop/dist/. */
import { App } from 'cdk8s';
import * as path from 'path';
import { PlusInteropChart } from './chart';

const app = new App({ outdir: path.join(__dirname, 'dist') });
new PlusInteropChart(app, 'plus-interop');
app.synth();
