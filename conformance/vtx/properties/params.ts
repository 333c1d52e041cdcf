/**
 * fast-check parameters shared by the property tests: a fixed seed so CI is reproducible, and a way to
 * replay a failure — fast-check prints `seed` and `path`; set VTSPEC_SEED and VTSPEC_PATH to rerun
 * exactly that case (`VTSPEC_SEED=… VTSPEC_PATH=… npx vitest run <file>`).
 */
export const FC_SEED = Number(process.env['VTSPEC_SEED'] ?? 20061015);
const path = process.env['VTSPEC_PATH'];

export const FC_PARAMS = (numRuns: number) => ({
  seed: FC_SEED,
  numRuns: path ? 1 : numRuns,
  ...(path ? { path, endOnFailure: true } : {}),
});
