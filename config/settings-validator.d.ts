/**
 * The settings schema's validator, generated into settings-validator.js by
 * `npm run generate` (scripts/settings-validator.ts). Call it with one environment's
 * settings; it returns whether they are valid and leaves Ajv's errors in `.errors`.
 */
import type { ValidateFunction } from 'ajv';

declare const validateSettings: ValidateFunction;
export default validateSettings;
