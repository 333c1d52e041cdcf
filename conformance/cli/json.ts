/** JSON output: 64-bit values as hex strings, Maps as objects. */
export const jsonReplacer = (_key: string, value: unknown): unknown => {
  if (typeof value === 'bigint') return `0x${value.toString(16)}`;
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [typeof k === 'bigint' ? `0x${k.toString(16)}` : String(k), v]));
  return value;
};
